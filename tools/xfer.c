/* SPDX-License-Identifier: MIT */
/*
 * `nvkv xfer`: the BandSlim / ByteExpress experiment. PUT-only closed-loop workloads through
 * the host driver, the NVMe queues and the PCIe link model into an engine, once per transfer
 * method, and one table of what each method costs on the link and in latency.
 */
#include "xfer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/check.h"
#include "../src/base/err.h"
#include "../src/base/hist.h"
#include "../src/base/rng.h"
#include "../src/workload/valsize.h"
#include "cli.h"
#include "nvmedev.h"
#include "results.h"

#define XFER_KEY_BYTES 4u
#define N_METHODS      4

struct xfer_opts {
    int method; /* -1: every method */
    struct wl_valsize vs;
    uint64_t ops;
    uint32_t qd;
    const char *engine;
};

struct xfer_result {
    int method;
    uint64_t ops;
    uint64_t value_bytes;
    uint64_t virtual_ns;
    double wall_s;
    uint64_t events;
    struct pcie_counts pcie;
    uint64_t commands;
    uint64_t inline_slots;
    uint64_t nand_page_writes;
    uint64_t pack_page_writes;
    struct nvkv_hist lat;
    struct nand_stats flash;
};

struct xfer;

struct client {
    struct xfer *x;
    struct host_req req;
    uint8_t key[XFER_KEY_BYTES];
    uint8_t *value;
    uint16_t qid; /* clients spread round-robin over nvme.queues */
    uint64_t t0;  /* first attempt: waiting for queue room counts in the latency */
    struct client *next_parked;
};

struct xfer {
    const struct xfer_opts *o;
    struct nvmedev *d;
    struct xfer_result *res;
    struct nvkv_rng key_rng, size_rng;
    struct client *clients;
    struct client *parked_head, *parked_tail;
    uint64_t issued;
};

static void put_done(struct host_req *r);

/* Try to submit the client's PUT; park it when the queue pushes back. */
static bool
try_submit(struct xfer *x, struct client *cl)
{
    int rc = host_submit(x->d->drv, cl->qid, &cl->req);
    if (rc == -EAGAIN)
        return false;
    NVKV_CHECK_MSG(rc == 0, "xfer: submit failed: %d", rc);
    return true;
}

static void
park(struct xfer *x, struct client *cl)
{
    cl->next_parked = NULL;
    if (x->parked_tail != NULL)
        x->parked_tail->next_parked = cl;
    else
        x->parked_head = cl;
    x->parked_tail = cl;
}

static void
issue(struct xfer *x, struct client *cl)
{
    if (x->issued >= x->o->ops)
        return;
    x->issued++;
    /* fillrandom: keys drawn from [0, ops), big-endian in 4 bytes */
    uint32_t id = (uint32_t)nvkv_rng_below(&x->key_rng, x->o->ops);
    for (uint32_t i = 0; i < XFER_KEY_BYTES; i++)
        cl->key[i] = (uint8_t)(id >> (8 * (XFER_KEY_BYTES - 1 - i)));
    uint32_t vlen = wl_valsize_next(&x->o->vs, &x->size_rng);
    memset(cl->value, (int)(id & 0xff), vlen);
    cl->req = (struct host_req){.op = HOST_OP_STORE,
                                .key = cl->key,
                                .klen = XFER_KEY_BYTES,
                                .value = cl->value,
                                .vlen = vlen,
                                .done = put_done,
                                .arg = cl};
    cl->t0 = sim_now(x->d->kd->sim);
    x->res->value_bytes += vlen;
    if (!try_submit(x, cl))
        park(x, cl);
}

/* Retry every parked client in order; those whose queue still pushes back stay parked. */
static void
retry_parked(struct xfer *x)
{
    struct client *cl = x->parked_head;
    x->parked_head = x->parked_tail = NULL;
    while (cl != NULL) {
        struct client *next = cl->next_parked;
        if (!try_submit(x, cl))
            park(x, cl);
        cl = next;
    }
}

static void
put_done(struct host_req *r)
{
    struct client *cl = r->arg;
    struct xfer *x = cl->x;
    NVKV_CHECK_MSG(r->status == NVME_SC_SUCCESS, "xfer: PUT of %u bytes answered %s", r->vlen,
                   nvme_status_name(r->status));
    nvkv_hist_add(&x->res->lat, r->complete_ns - cl->t0);
    retry_parked(x);
    issue(x, cl);
}

static uint64_t
sum_writes(const struct nand_stats *s)
{
    uint64_t n = 0;
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
        n += s->page_writes[o];
    return n;
}

static uint32_t
max_value_size(const struct xfer_opts *o)
{
    switch (o->vs.kind) {
    case WL_VALSIZE_FIXED:
        return o->vs.fixed;
    case WL_VALSIZE_WM:
        return 1024;
    default:
        return 2048;
    }
}

static int
xfer_one(const struct cfg *base, const struct xfer_opts *o, int method, uint64_t seed,
         struct xfer_result *res, char *err, size_t errlen)
{
    int rc = 0;
    struct cfg c = *base;
    struct xfer x;
    struct sim *sim;
    double t0;
    c.nvme.xfer = method;
    memset(res, 0, sizeof(*res));
    memset(&x, 0, sizeof(x));
    res->method = method;
    nvkv_hist_init(&res->lat);
    x.o = o;
    x.res = res;
    NVKV_ERR(nvmedev_open(&c, o->engine, seed, &x.d, err, errlen));
    nvkv_rng_derive(&x.key_rng, seed, "xfer.key");
    nvkv_rng_derive(&x.size_rng, seed, "xfer.size");
    x.clients = calloc(o->qd, sizeof(*x.clients));
    if (x.clients == NULL) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    for (uint32_t i = 0; i < o->qd; i++) {
        x.clients[i].x = &x;
        x.clients[i].qid = (uint16_t)(1 + i % c.nvme.queues);
        /* page-aligned like the papers' host buffers, so a value under 4 KiB is one page */
        size_t bytes = ((size_t)max_value_size(o) + 4096) / 4096 * 4096;
        x.clients[i].value = aligned_alloc(4096, bytes);
        if (x.clients[i].value == NULL) {
            rc = -ENOMEM;
            snprintf(err, errlen, "out of memory");
            goto err;
        }
    }
    sim = x.d->kd->sim;
    t0 = cli_wall_seconds();
    for (uint32_t i = 0; i < o->qd; i++)
        issue(&x, &x.clients[i]);
    sim_run(sim, UINT64_MAX);
    NVKV_CHECK(host_inflight(x.d->drv) == 0 && x.parked_head == NULL);
    res->virtual_ns = sim_now(sim);
    res->wall_s = cli_wall_seconds() - t0;
    res->events = sim->events_run;
    res->ops = o->ops;
    res->pcie = nvme_ctrl_link(x.d->ctrl)->c;
    res->commands = nvme_ctrl_stats(x.d->ctrl)->commands;
    res->inline_slots = nvme_ctrl_stats(x.d->ctrl)->inline_slots;
    res->flash = *nand_stats(x.d->kd->nand);
    res->nand_page_writes = sum_writes(&res->flash);
    res->pack_page_writes = nvme_pack_page_writes(nvme_ctrl_pack(x.d->ctrl));
err:
    if (x.clients != NULL)
        for (uint32_t i = 0; i < o->qd; i++)
            free(x.clients[i].value);
    free(x.clients);
    nvmedev_close(x.d);
    return rc;
}

/* ---- reporting ---- */

static double
per_put(uint64_t v, uint64_t ops)
{
    return ops ? (double)v / (double)ops : 0.0;
}

static void
print_header(void)
{
    printf("%-10s %11s %11s %9s %9s %10s %10s %11s %10s %10s\n", "method", "h2d B/PUT", "d2h B/PUT",
           "TLPs/PUT", "cmds/PUT", "mean us", "p99 us", "KPUT/s", "NAND pages", "packed pg");
}

static void
print_row(const struct xfer_result *r)
{
    double secs = (double)r->virtual_ns / 1e9;
    printf("%-10s %11.1f %11.1f %9.2f %9.2f %10.2f %10.2f %11.1f %10llu %10llu\n",
           nvme_xfer_name(r->method), per_put(pcie_total_bytes(&r->pcie, PCIE_H2D), r->ops),
           per_put(pcie_total_bytes(&r->pcie, PCIE_D2H), r->ops),
           per_put(pcie_total_tlps(&r->pcie), r->ops), per_put(r->commands, r->ops),
           nvkv_hist_mean(&r->lat) / 1e3, (double)nvkv_hist_quantile(&r->lat, 0.99) / 1e3,
           secs > 0 ? (double)r->ops / secs / 1e3 : 0.0, (unsigned long long)r->nand_page_writes,
           (unsigned long long)r->pack_page_writes);
}

struct json_ctx {
    const struct xfer_opts *o;
    const struct xfer_result *r;
    const struct cfg *c;
};

static void
workload_json(struct nvkv_json *j, const void *arg)
{
    const struct json_ctx *x = arg;
    nvkv_json_string(j, "name", "xfer");
    nvkv_json_string(j, "method", nvme_xfer_name(x->r->method));
    nvkv_json_string(j, "values", wl_valsize_name(x->o->vs.kind));
    if (x->o->vs.kind == WL_VALSIZE_FIXED)
        nvkv_json_u64(j, "value_size", x->o->vs.fixed);
    nvkv_json_u64(j, "key_size", XFER_KEY_BYTES);
    nvkv_json_string(j, "engine", x->o->engine);
    nvkv_json_u64(j, "ops", x->r->ops);
    nvkv_json_u64(j, "qd", x->o->qd);
    nvkv_json_u64(j, "value_bytes", x->r->value_bytes);
}

static void
extra_json(struct nvkv_json *j, const void *arg)
{
    const struct json_ctx *x = arg;
    const struct xfer_result *r = x->r;
    nvkv_json_object(j, "pcie");
    pcie_write_json(&r->pcie, j);
    nvkv_json_double(j, "h2d_bytes_per_put", per_put(pcie_total_bytes(&r->pcie, PCIE_H2D), r->ops));
    nvkv_json_double(j, "d2h_bytes_per_put", per_put(pcie_total_bytes(&r->pcie, PCIE_D2H), r->ops));
    nvkv_json_close(j);
    nvkv_json_object(j, "nvme");
    nvkv_json_string(j, "method", nvme_xfer_name(r->method));
    nvkv_json_u64(j, "commands", r->commands);
    nvkv_json_double(j, "commands_per_put", per_put(r->commands, r->ops));
    nvkv_json_u64(j, "inline_slots", r->inline_slots);
    nvkv_json_u64(j, "nand_page_writes", r->nand_page_writes);
    nvkv_json_u64(j, "packed_page_writes", r->pack_page_writes);
    nvkv_json_close(j);
}

static void
write_results(const char *dir, const struct xfer_opts *o, const struct xfer_result *r,
              const struct cfg *c, uint64_t seed)
{
    char err[512];
    struct json_ctx x = {o, r, c};
    struct results out = {
        .cfg = c,
        .seed = seed,
        .workload = workload_json,
        .workload_arg = &x,
        .virtual_ns = r->virtual_ns,
        .wall_s = r->wall_s,
        .events = r->events,
        .ops = r->ops,
        .bytes = r->value_bytes,
        .op_names = {"put"},
        .op_latency = {&r->lat},
        .n_ops = 1,
        .flash = &r->flash,
        .extra = extra_json,
        .extra_arg = &x,
    };
    if (results_write(dir, &out, err, sizeof(err)) != 0) {
        fprintf(stderr, "nvkv: %s\n", err);
        exit(1);
    }
}

/* ---- the subcommand ---- */

static const char xfer_help[] =
    "usage: nvkv xfer [--method prp|piggyback|adaptive|inline]\n"
    "                 [--workload wb|wc|wd|wm | --value-size S] [--ops N] [--qd N]\n"
    "                 [--engine NAME] [device and run options]\n"
    "\n"
    "PUT-only fillrandom through the NVMe path (host driver, queues, PCIe link, controller)\n"
    "into an engine, per value-transfer method, with 4-byte keys drawn from [0, N).\n"
    "Workloads (BandSlim): wb 8 B : 2 KiB values 9:1, wc 1:9, wd 8 B .. 2 KiB in nine equal\n"
    "shares, wm db_bench mixgraph sizes (generalized Pareto, 10 .. 1024 B). --value-size S\n"
    "puts fixed S-byte values instead (ByteExpress: 32 B .. 4 KiB).\n"
    "Without --method every method runs and one table compares them: PCIe bytes per PUT in\n"
    "each direction (every TLP's framing and header included), TLPs and NVMe commands per PUT,\n"
    "mean and p99 PUT latency, throughput, the engine's NAND page writes and the page writes\n"
    "of the byte-granular packing model (BandSlim's page buffer). --out DIR writes result.json\n"
    "(pcie.*, nvme.*) into DIR, or into DIR/<method>/ when every method runs.\n"
    "\n"
    "  --method M          one transfer method (default: all four)\n"
    "  --workload W        wb, wc, wd or wm (default wb)\n"
    "  --value-size S      fixed value size in bytes, 0 .. 2 MiB (instead of --workload)\n"
    "  --ops N             PUTs per method (default 1000000)\n"
    "  --qd N              PUTs kept in flight (default 1: db_bench's synchronous fillrandom);\n"
    "                      they spread round-robin over the nvme.queues queue pairs, and each\n"
    "                      SQ keeps its own open BandSlim value\n"
    "  --engine NAME       the engine (default pink)\n"
    "\n";

static int
parse_method(const char *v)
{
    for (int m = 0; m < N_METHODS; m++)
        if (strcmp(v, nvme_xfer_name(m)) == 0)
            return m;
    cli_usage_error("--method = '%s': invalid; allowed: prp, piggyback, adaptive, inline", v);
}

static void
parse_args(int argc, char **argv, struct cli_common *cc, struct xfer_opts *o)
{
    bool have_workload = false, have_size = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(xfer_help, stdout);
            fputs(cli_common_help, stdout);
            exit(0);
        } else if (cli_parse_common(cc, argc, argv, &i)) {
            continue;
        } else if ((v = cli_option_value("--method", argc, argv, &i)) != NULL) {
            o->method = parse_method(v);
        } else if ((v = cli_option_value("--workload", argc, argv, &i)) != NULL) {
            o->vs.kind = wl_valsize_parse(v);
            if (o->vs.kind < 0)
                cli_usage_error("--workload = '%s': invalid; allowed: wb, wc, wd, wm", v);
            have_workload = true;
        } else if ((v = cli_option_value("--value-size", argc, argv, &i)) != NULL) {
            o->vs.kind = WL_VALSIZE_FIXED;
            o->vs.fixed = (uint32_t)cli_parse_u64("--value-size", v, 0, KV_VALUE_MAX);
            have_size = true;
        } else if ((v = cli_option_value("--ops", argc, argv, &i)) != NULL) {
            o->ops = cli_parse_u64("--ops", v, 1, 1ull << 32);
        } else if ((v = cli_option_value("--qd", argc, argv, &i)) != NULL) {
            o->qd = (uint32_t)cli_parse_u64("--qd", v, 1, 65535);
        } else if ((v = cli_option_value("--engine", argc, argv, &i)) != NULL) {
            if (kv_engine_find(v) == NULL)
                cli_usage_error("--engine '%s': unknown engine; allowed: %s", v, kv_engine_names());
            o->engine = v;
        } else {
            cli_usage_error("xfer: unknown option '%s'; see nvkv xfer --help", argv[i]);
        }
    }
    if (have_workload && have_size)
        cli_usage_error("xfer: --workload and --value-size exclude each other");
}

int
xfer_main(int argc, char **argv)
{
    struct cli_common cc;
    cli_common_init(&cc);
    struct xfer_opts o = {
        .method = -1, .vs = {.kind = WL_VALSIZE_WB}, .ops = 1000000, .qd = 1, .engine = "pink"};
    parse_args(argc, argv, &cc, &o);
    struct cfg c;
    cli_build_config(&cc, &c);
    int first = o.method < 0 ? 0 : o.method;
    int last = o.method < 0 ? N_METHODS - 1 : o.method;
    if (!cc.quiet) {
        printf("xfer: %s values", wl_valsize_name(o.vs.kind));
        if (o.vs.kind == WL_VALSIZE_FIXED)
            printf(" of %u B", o.vs.fixed);
        printf(", %llu PUTs per method, 4-byte keys, QD %u, engine %s, link %s, seed %llu\n",
               (unsigned long long)o.ops, o.qd, o.engine,
               c.pcie.link == PCIE_GEN2X8   ? "gen2x8"
               : c.pcie.link == PCIE_GEN3X4 ? "gen3x4"
                                            : "gen4x4",
               (unsigned long long)cc.seed);
    }
    print_header();
    for (int m = first; m <= last; m++) {
        struct xfer_result *r = malloc(sizeof(*r));
        char err[512] = "";
        if (r == NULL) {
            fprintf(stderr, "nvkv: xfer: out of memory\n");
            return 1;
        }
        int rc = xfer_one(&c, &o, m, cc.seed, r, err, sizeof(err));
        if (rc != 0) {
            fprintf(stderr, "nvkv: xfer: %s\n", err);
            free(r);
            return rc == NVKV_ECONFIG || rc == NVKV_EFORMAT ? 2 : 1;
        }
        print_row(r);
        fflush(stdout);
        if (cc.out_dir != NULL) {
            char dir[1024];
            if (o.method < 0)
                snprintf(dir, sizeof(dir), "%s/%s", cc.out_dir, nvme_xfer_name(m));
            else
                snprintf(dir, sizeof(dir), "%s", cc.out_dir);
            struct cfg cm = c;
            cm.nvme.xfer = m;
            write_results(dir, &o, r, &cm, cc.seed);
        }
        free(r);
    }
    return 0;
}
