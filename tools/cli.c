/* SPDX-License-Identifier: MIT */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cli_common_help[] =
    "Device and run options (every subcommand):\n"
    "  --device PRESET     device preset (default anykey64g)\n"
    "  --config FILE       INI file of [section] key = value lines, applied after the preset\n"
    "  --set SEC.KEY=VAL   override one key; repeatable; `nvkv config --keys` lists them\n"
    "  --scale N           divide capacity (blocks per die) and device DRAM by N\n"
    "  --seed N            seed of every random stream (default 1)\n"
    "  --out DIR           write result.json and CSV files into DIR\n"
    "  --quiet             print only the result table\n";

void
cli_common_init(struct cli_common *o)
{
    memset(o, 0, sizeof(*o));
    o->device = "anykey64g";
    o->scale = 1;
    o->seed = 1;
}

void
cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nvkv: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

const char *
cli_option_value(const char *name, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        cli_usage_error("%s: missing value", name);
    return argv[++*i];
}

uint64_t
cli_parse_u64(const char *option, const char *value, uint64_t min, uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (value[0] == '\0' || value[0] == '-' || *end != '\0' || errno != 0 || v < min || v > max)
        cli_usage_error("%s = '%s': invalid; allowed: an integer from %llu to %llu", option, value,
                        (unsigned long long)min, (unsigned long long)max);
    return v;
}

bool
cli_parse_common(struct cli_common *o, int argc, char **argv, int *i)
{
    const char *v;
    if ((v = cli_option_value("--device", argc, argv, i)) != NULL) {
        o->device = v;
    } else if ((v = cli_option_value("--config", argc, argv, i)) != NULL) {
        o->config_file = v;
    } else if ((v = cli_option_value("--set", argc, argv, i)) != NULL) {
        if (o->n_sets == CLI_MAX_SETS)
            cli_usage_error("--set: at most %d overrides", CLI_MAX_SETS);
        o->sets[o->n_sets++] = v;
    } else if ((v = cli_option_value("--scale", argc, argv, i)) != NULL) {
        o->scale = (uint32_t)cli_parse_u64("--scale", v, 1, 1u << 20);
    } else if ((v = cli_option_value("--seed", argc, argv, i)) != NULL) {
        o->seed = cli_parse_u64("--seed", v, 0, UINT64_MAX);
    } else if ((v = cli_option_value("--out", argc, argv, i)) != NULL) {
        o->out_dir = v;
    } else if (strcmp(argv[*i], "--quiet") == 0) {
        o->quiet = true;
    } else {
        return false;
    }
    return true;
}

void
cli_build_config(const struct cli_common *o, struct cfg *c)
{
    char err[CFG_ERR_LEN];
    if (cfg_load_preset(c, o->device, err, sizeof(err)) != 0 ||
        (o->config_file != NULL && cfg_load_file(c, o->config_file, err, sizeof(err)) != 0))
        cli_usage_error("config: %s", err);
    for (int k = 0; k < o->n_sets; k++)
        if (cfg_set_assignment(c, o->sets[k], err, sizeof(err)) != 0)
            cli_usage_error("config: %s", err);
    if (cfg_finalize(c, o->scale, err, sizeof(err)) != 0)
        cli_usage_error("config: %s", err);
}

double
cli_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
