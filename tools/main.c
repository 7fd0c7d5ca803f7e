/* SPDX-License-Identifier: MIT */
/*
 * The `nvkv` program: one binary, one subcommand per job. Exit status: 0 success, 1 a run
 * failed, 2 bad usage or configuration (one line on stderr naming what is wrong).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "explain.h"
#include "gen_bench.h"
#include "nand_bench.h"
#include "plot.h"
#include "run.h"
#include "sim_bench.h"
#include "xfer.h"

static const char main_help[] =
    "nvkv - a fast, deterministic emulator of NVMe key-value SSDs\n"
    "\n"
    "usage: nvkv <command> [options]       nvkv <command> --help\n"
    "\n"
    "commands:\n"
    "  run          one engine under a key-value workload: latency, IOPS, flash, DRAM\n"
    "  compare      a matrix of runs (engines or transfer methods x workloads), one table\n"
    "  xfer         PUTs through the NVMe path per transfer method (PRP, BandSlim, ByteExpress)\n"
    "  nand-bench   random page reads / programs / mixed at a queue depth on the NAND array\n"
    "  sim-bench    events per wall second of the bare event core\n"
    "  gen-bench    requests per wall second of the workload generators\n"
    "  config       show the effective configuration and the derived figures\n"
    "  plot         charts of result dirs (latency CDFs, throughput, flash, PCIe, metadata)\n"
    "  explain      where a run's virtual time went; given two result dirs, why one was faster\n"
    "  help         this text\n"
    "\n";

static const char config_help[] =
    "usage: nvkv config [--print | --keys] [device options]\n"
    "\n"
    "Without flags: the derived figures (raw and exposed capacity, DRAM budget, dies, blocks,\n"
    "pages) followed by the effective configuration. --print writes only the effective\n"
    "configuration as an INI file that --config reads back. --keys lists every key with its\n"
    "default and what it allows.\n"
    "\n";

static int
config_main(int argc, char **argv)
{
    struct cli_common cc;
    cli_common_init(&cc);
    bool print_only = false, keys = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(config_help, stdout);
            fputs(cli_common_help, stdout);
            return 0;
        } else if (strcmp(argv[i], "--print") == 0) {
            print_only = true;
        } else if (strcmp(argv[i], "--keys") == 0) {
            keys = true;
        } else if (!cli_parse_common(&cc, argc, argv, &i)) {
            cli_usage_error("config: unknown option '%s'; see nvkv config --help", argv[i]);
        }
    }
    if (keys) {
        printf("configuration keys (section.key, anykey64g default, meaning):\n");
        cfg_print_keys(stdout);
        return 0;
    }
    struct cfg c;
    cli_build_config(&cc, &c);
    if (!print_only) {
        printf("device %s, scale 1/%u\n", c.preset, c.scale);
        cfg_print_derived(&c, stdout, "  ");
        printf("\n");
    }
    cfg_print_ini(&c, stdout);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(main_help, stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return run_main(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0)
        return compare_main(argc - 1, argv + 1);
    if (strcmp(cmd, "xfer") == 0)
        return xfer_main(argc - 1, argv + 1);
    if (strcmp(cmd, "nand-bench") == 0)
        return nand_bench_main(argc - 1, argv + 1);
    if (strcmp(cmd, "sim-bench") == 0)
        return sim_bench_main(argc - 1, argv + 1);
    if (strcmp(cmd, "plot") == 0)
        return plot_main(argc - 1, argv + 1);
    if (strcmp(cmd, "explain") == 0)
        return explain_main(argc - 1, argv + 1);
    if (strcmp(cmd, "gen-bench") == 0)
        return gen_bench_main(argc - 1, argv + 1);
    if (strcmp(cmd, "config") == 0)
        return config_main(argc - 1, argv + 1);
    fprintf(stderr, "nvkv: unknown command '%s'; see nvkv help\n", cmd);
    return 2;
}
