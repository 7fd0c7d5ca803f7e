/* SPDX-License-Identifier: MIT */
#include "nand_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/check.h"
#include "../src/base/err.h"
#include "../src/base/rng.h"
#include "../src/sim/sim.h"
#include "cli.h"
#include "results.h"

struct bench;

struct bench_client {
    struct bench *b;
    bool is_read;
};

struct die_cursor {
    uint32_t block;
    uint32_t page;
};

struct bench {
    const struct nand_bench_opts *o;
    const struct nand_params *p;
    struct sim *sim;
    struct nand *nand;
    struct nvkv_rng addr_rng, mix_rng;
    struct die_cursor *cursor;
    struct bench_client *clients;
    uint64_t issued;
    struct nand_bench_result *r;
};

const char *
nand_bench_mode_name(enum nand_bench_mode m)
{
    switch (m) {
    case NAND_BENCH_READ:
        return "read";
    case NAND_BENCH_PROGRAM:
        return "program";
    default:
        return "mixed";
    }
}

static int
check_rc(struct bench *b, int rc)
{
    NVKV_CHECK_MSG(rc == 0, "nand-bench broke a NAND rule: %s", nand_last_violation(b->nand));
    return rc;
}

/* A uniformly random programmed page (retry: only blocks being rewritten hold erased pages). */
static uint64_t
random_programmed_page(struct bench *b)
{
    uint64_t total = nand_total_pages(b->p);
    for (;;) {
        uint64_t ppa = nvkv_rng_below(&b->addr_rng, total);
        if (ppa % b->p->pages_per_block < nand_block_write_pointer(b->nand, ppa))
            return ppa;
    }
}

/* Next page of a random die's write stream; erase the block first when reusing it. */
static void
add_program(struct bench *b, struct sim_plan *plan)
{
    uint32_t die = (uint32_t)nvkv_rng_below(&b->addr_rng, nand_dies(b->p));
    struct die_cursor *c = &b->cursor[die];
    struct nand_addr a = {die, c->block, c->page};
    uint64_t ppa = nand_ppa(b->p, a);
    if (c->page == 0 && nand_block_write_pointer(b->nand, ppa) != 0) {
        check_rc(b, nand_erase(b->nand, plan, ppa, NAND_ORIGIN_HOST, SIM_PRIO_FG_WRITE));
        sim_plan_barrier(plan);
        b->r->erases++;
    }
    check_rc(b, nand_program(b->nand, plan, ppa, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_FG_WRITE));
    if (++c->page == b->p->pages_per_block) {
        c->page = 0;
        c->block = (c->block + 1) % b->p->blocks_per_die;
    }
}

static void issue(struct bench *b, struct bench_client *cl);

static void
op_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    struct bench_client *cl = arg;
    struct bench *b = cl->b;
    uint64_t lat = sim_now(sim) - plan->submit_ns;
    if (cl->is_read) {
        nvkv_hist_add(&b->r->read_lat, lat);
        b->r->reads++;
    } else {
        nvkv_hist_add(&b->r->program_lat, lat);
        b->r->programs++;
    }
    b->r->ops++;
    b->r->bytes += b->p->page_bytes;
    if (b->issued < b->o->ops)
        issue(b, cl);
}

static void
issue(struct bench *b, struct bench_client *cl)
{
    b->issued++;
    switch (b->o->mode) {
    case NAND_BENCH_READ:
        cl->is_read = true;
        break;
    case NAND_BENCH_PROGRAM:
        cl->is_read = false;
        break;
    default:
        cl->is_read = nvkv_rng_below(&b->mix_rng, 100) < b->o->read_pct;
    }
    struct sim_plan *plan = sim_plan_new(b->sim);
    if (cl->is_read)
        check_rc(b, nand_read(b->nand, plan, random_programmed_page(b), NULL, NULL,
                              NAND_ORIGIN_HOST, SIM_PRIO_FG_READ));
    else
        add_program(b, plan);
    sim_plan_submit(b->sim, plan, op_done, cl);
}

/* Program every page, untimed and uncounted, so reads have data to find. */
static void
precondition_full(struct bench *b)
{
    uint64_t total = nand_total_pages(b->p);
    for (uint64_t ppa = 0; ppa < total; ppa++)
        check_rc(b,
                 nand_program(b->nand, NULL, ppa, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_FG_WRITE));
    nand_reset_stats(b->nand);
}

int
nand_bench_run(const struct cfg *c, const struct nand_bench_opts *o, struct nand_bench_result *r,
               char *err, size_t errlen)
{
    struct bench b = {.o = o, .r = r};
    double t0 = 0;
    memset(r, 0, sizeof(*r));
    nvkv_hist_init(&r->read_lat);
    nvkv_hist_init(&r->program_lat);
    int rc = sim_create(&b.sim);
    if (rc != 0)
        return rc;
    rc = nand_create(&c->nand, b.sim, &b.nand, err, errlen);
    if (rc != 0)
        goto out;
    b.p = nand_params(b.nand);
    nvkv_rng_derive(&b.addr_rng, o->seed, "nand-bench.address");
    nvkv_rng_derive(&b.mix_rng, o->seed, "nand-bench.mix");
    b.cursor = calloc(nand_dies(b.p), sizeof(*b.cursor));
    b.clients = calloc(o->qd, sizeof(*b.clients));
    if (b.cursor == NULL || b.clients == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    if (o->mode != NAND_BENCH_PROGRAM)
        precondition_full(&b);
    t0 = cli_wall_seconds();
    for (uint32_t i = 0; i < o->qd && b.issued < o->ops; i++) {
        b.clients[i].b = &b;
        issue(&b, &b.clients[i]);
    }
    sim_run(b.sim, UINT64_MAX);
    r->wall_s = cli_wall_seconds() - t0;
    r->virtual_ns = sim_now(b.sim);
    r->events = b.sim->events_run;
    r->flash = *nand_stats(b.nand);
out:
    free(b.cursor);
    free(b.clients);
    nand_destroy(b.nand);
    sim_destroy(b.sim);
    return rc;
}

/* ---- the subcommand ---- */

static const char bench_help[] =
    "usage: nvkv nand-bench [--mode read|program|mixed|all] [--ops N] [--qd N] [--read-pct P]\n"
    "                       [device and run options]\n"
    "\n"
    "Random page reads, programs, or a mix at a queue depth over the whole die array (closed\n"
    "loop). Prints simulated IOPS, bandwidth and latency percentiles, and the simulator's own\n"
    "speed. --mode all (the default) runs read, program and mixed in turn; with --out DIR each\n"
    "mode writes DIR/<mode>/result.json and latency_<op>.csv.\n"
    "\n"
    "  --mode M       read, program, mixed or all (default all)\n"
    "  --ops N        operations per mode (default 1000000)\n"
    "  --qd N         operations kept in flight (default 64)\n"
    "  --read-pct P   mixed: percent of reads (default 70)\n"
    "\n";

struct bench_workload {
    const struct nand_bench_opts *o;
};

static void
workload_json(struct nvkv_json *j, const void *arg)
{
    const struct nand_bench_opts *o = arg;
    nvkv_json_string(j, "name", "nand-bench");
    nvkv_json_string(j, "mode", nand_bench_mode_name(o->mode));
    nvkv_json_u64(j, "ops", o->ops);
    nvkv_json_u64(j, "qd", o->qd);
    nvkv_json_u64(j, "read_pct",
                  o->mode == NAND_BENCH_MIXED  ? o->read_pct
                  : o->mode == NAND_BENCH_READ ? 100
                                               : 0);
}

static void
print_row(const char *mode, const struct nand_bench_result *r, const struct nvkv_hist *h)
{
    double iops = r->virtual_ns ? (double)r->ops * 1e9 / (double)r->virtual_ns : 0;
    double mbps = r->virtual_ns ? (double)r->bytes * 1e3 / (double)r->virtual_ns : 0;
    printf("%-8s %-8s %9llu %10.0f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %7.2f %7.2f\n", mode,
           h == &r->read_lat ? "read" : "program", (unsigned long long)h->count, iops, mbps,
           nvkv_hist_mean(h) / 1e3, (double)nvkv_hist_quantile(h, 0.5) / 1e3,
           (double)nvkv_hist_quantile(h, 0.95) / 1e3, (double)nvkv_hist_quantile(h, 0.99) / 1e3,
           (double)nvkv_hist_quantile(h, 0.999) / 1e3, (double)h->max / 1e3,
           r->wall_s > 0 ? (double)r->events / r->wall_s / 1e6 : 0,
           r->wall_s > 0 ? (double)r->ops / r->wall_s / 1e6 : 0);
}

static void
write_results(const struct cli_common *cc, const struct cfg *c, const struct nand_bench_opts *o,
              const struct nand_bench_result *r, bool subdir)
{
    char dir[1100], err[512];
    if (subdir)
        snprintf(dir, sizeof(dir), "%s/%s", cc->out_dir, nand_bench_mode_name(o->mode));
    else
        snprintf(dir, sizeof(dir), "%s", cc->out_dir);
    struct results res = {
        .cfg = c,
        .seed = o->seed,
        .workload = workload_json,
        .workload_arg = o,
        .virtual_ns = r->virtual_ns,
        .wall_s = r->wall_s,
        .events = r->events,
        .ops = r->ops,
        .bytes = r->bytes,
        .flash = &r->flash,
    };
    if (r->read_lat.count > 0 || o->mode != NAND_BENCH_PROGRAM) {
        res.op_names[res.n_ops] = "read";
        res.op_latency[res.n_ops++] = &r->read_lat;
    }
    if (r->program_lat.count > 0 || o->mode != NAND_BENCH_READ) {
        res.op_names[res.n_ops] = "program";
        res.op_latency[res.n_ops++] = &r->program_lat;
    }
    if (results_write(dir, &res, err, sizeof(err)) != 0) {
        fprintf(stderr, "nvkv: %s\n", err);
        exit(1);
    }
}

int
nand_bench_main(int argc, char **argv)
{
    struct cli_common cc;
    cli_common_init(&cc);
    struct nand_bench_opts o = {.ops = 1000000, .qd = 64, .read_pct = 70};
    const char *mode = "all";
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(bench_help, stdout);
            fputs(cli_common_help, stdout);
            return 0;
        } else if (cli_parse_common(&cc, argc, argv, &i)) {
            continue;
        } else if ((v = cli_option_value("--mode", argc, argv, &i)) != NULL) {
            mode = v;
        } else if ((v = cli_option_value("--ops", argc, argv, &i)) != NULL) {
            o.ops = cli_parse_u64("--ops", v, 1, 1ull << 40);
        } else if ((v = cli_option_value("--qd", argc, argv, &i)) != NULL) {
            o.qd = (uint32_t)cli_parse_u64("--qd", v, 1, 1u << 20);
        } else if ((v = cli_option_value("--read-pct", argc, argv, &i)) != NULL) {
            o.read_pct = (uint32_t)cli_parse_u64("--read-pct", v, 0, 100);
        } else {
            cli_usage_error("nand-bench: unknown option '%s'; see nvkv nand-bench --help", argv[i]);
        }
    }
    enum nand_bench_mode modes[3];
    int n_modes = 0;
    if (strcmp(mode, "all") == 0) {
        modes[n_modes++] = NAND_BENCH_READ;
        modes[n_modes++] = NAND_BENCH_PROGRAM;
        modes[n_modes++] = NAND_BENCH_MIXED;
    } else if (strcmp(mode, "read") == 0) {
        modes[n_modes++] = NAND_BENCH_READ;
    } else if (strcmp(mode, "program") == 0) {
        modes[n_modes++] = NAND_BENCH_PROGRAM;
    } else if (strcmp(mode, "mixed") == 0) {
        modes[n_modes++] = NAND_BENCH_MIXED;
    } else {
        cli_usage_error("--mode = '%s': invalid; allowed: read, program, mixed, all", mode);
    }
    struct cfg c;
    cli_build_config(&cc, &c);
    o.seed = cc.seed;
    if (!cc.quiet) {
        printf("nvkv nand-bench: preset %s, scale 1/%u, seed %llu, %llu ops per mode, QD %u\n",
               c.preset, c.scale, (unsigned long long)cc.seed, (unsigned long long)o.ops, o.qd);
        cfg_print_derived(&c, stdout, "  ");
        printf("\n");
    }
    printf("%-8s %-8s %9s %10s %9s %9s %9s %9s %9s %9s %9s %7s %7s\n", "mode", "op", "count",
           "sim IOPS", "MB/s", "mean us", "p50 us", "p95 us", "p99 us", "p99.9 us", "max us",
           "Mev/s", "Mop/s");
    struct nand_bench_result *r = malloc(sizeof(*r));
    if (r == NULL)
        return 1;
    for (int m = 0; m < n_modes; m++) {
        o.mode = modes[m];
        char err[512] = "";
        int rc = nand_bench_run(&c, &o, r, err, sizeof(err));
        if (rc != 0) {
            fprintf(stderr, "nvkv: nand-bench: %s\n", err[0] ? err : nvkv_strerror(rc));
            free(r);
            return rc == NVKV_ECONFIG || rc == NVKV_EFORMAT ? 2 : 1;
        }
        if (r->read_lat.count > 0)
            print_row(nand_bench_mode_name(o.mode), r, &r->read_lat);
        if (r->program_lat.count > 0)
            print_row(nand_bench_mode_name(o.mode), r, &r->program_lat);
        if (cc.out_dir != NULL)
            write_results(&cc, &c, &o, r, n_modes > 1);
    }
    if (!cc.quiet)
        printf("\nsim IOPS and MB/s count every operation of the run in virtual time; Mev/s and "
               "Mop/s are the simulator's own speed (events and operations per wall second).\n");
    free(r);
    return 0;
}
