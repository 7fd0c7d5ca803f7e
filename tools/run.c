/* SPDX-License-Identifier: MIT */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "../src/base/check.h"
#include "../src/base/err.h"
#include "../src/base/rng.h"
#include "../src/kv/engine.h"
#include "../src/sim/sim.h"
#include "../src/workload/zipf.h"
#include "cli.h"
#include "kvdev.h"
#include "results.h"

enum run_phase {
    PHASE_LOAD,
    PHASE_RUN,
};

struct run;

struct run_client {
    struct run *r;
    bool is_get;
    bool refused; /* a PUT answered KV_NO_SPACE: counted, but not in the PUT latency */
};

struct run {
    const struct run_opts *o;
    struct kvdev *dev;
    struct kv_engine *e;
    struct run_result *res;
    uint64_t n_keys;
    uint32_t *version; /* per key: the version its value was last written with */
    struct wl_zipf zipf;
    struct nvkv_rng key_rng, mix_rng;
    struct run_client *clients;
    uint8_t *key, *value, *get_buf;
    enum run_phase phase;
    uint64_t issued, target;
    bool load_full; /* the load met KV_NO_SPACE */
};

uint64_t
run_key_count(const struct run_opts *o, uint64_t exposed_bytes)
{
    return (uint64_t)(o->fill * (double)exposed_bytes / (double)(o->key_size + o->value_size));
}

void
run_key_encode(uint8_t *key, uint32_t key_size, uint64_t id)
{
    uint32_t id_bytes = key_size < 8 ? key_size : 8;
    for (uint32_t i = 0; i < id_bytes; i++)
        key[i] = (uint8_t)(id >> (8 * (id_bytes - 1 - i)));
    for (uint32_t i = id_bytes; i < key_size; i++)
        key[i] = (uint8_t)('a' + i % 26);
}

/*
 * The value bytes of key `id` at `version`: a 64-byte block of multiply-xorshift words of a seed
 * of both, repeated. Filling is then a few vector copies, so a 4 KiB workload measures the
 * emulator rather than the value generator; any stale, misplaced or foreign value still differs
 * in every word. GETs check 16 words spread over the value (the model test compares every byte).
 */
#define VALUE_BLOCK_WORDS 8u

static void
value_block(uint64_t block[VALUE_BLOCK_WORDS], uint64_t id, uint32_t version)
{
    uint64_t seed = id * 0x9e3779b97f4a7c15ull ^ ((uint64_t)version << 32 | 0x76616c75u);
    for (uint64_t i = 0; i < VALUE_BLOCK_WORDS; i++) {
        uint64_t z = (seed ^ ((i + 1) * 0xd6e8feb86659fd93ull)) * 0xbf58476d1ce4e5b9ull;
        block[i] = z ^ (z >> 31);
    }
}

static void
value_fill(uint8_t *buf, uint32_t len, uint64_t id, uint32_t version)
{
    uint64_t block[VALUE_BLOCK_WORDS];
    value_block(block, id, version);
    uint32_t done = len < sizeof(block) ? len : (uint32_t)sizeof(block);
    memcpy(buf, block, done);
    while (done < len) {
        uint32_t n = done <= len - done ? done : len - done;
        memcpy(buf + done, buf, n);
        done += n;
    }
}

/* Offset of a byte that differs from the expected value (16 sampled bytes), or len. */
static uint32_t
value_check(const uint8_t *buf, uint32_t len, uint64_t id, uint32_t version)
{
    uint64_t block[VALUE_BLOCK_WORDS];
    value_block(block, id, version);
    const uint8_t *want = (const uint8_t *)block;
    for (uint32_t k = 0; k < 16 && len > 0; k++) {
        uint32_t at = (uint32_t)((uint64_t)(len - 1) * k / 15);
        if (buf[at] != want[at % sizeof(block)])
            return at;
    }
    return len;
}

static void issue(struct run *r, struct run_client *cl);

static void
op_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    struct run_client *cl = arg;
    struct run *r = cl->r;
    if (r->phase == PHASE_RUN && !cl->refused) {
        uint64_t lat = sim_now(sim) - plan->submit_ns;
        nvkv_hist_add(cl->is_get ? &r->res->get_lat : &r->res->put_lat, lat);
    }
    if (r->issued < r->target)
        issue(r, cl);
}

static uint64_t
pick_key(struct run *r)
{
    if (r->o->zipf)
        return wl_zipf_next(&r->zipf, &r->key_rng);
    return nvkv_rng_below(&r->key_rng, r->n_keys);
}

/* A PUT of key `id` at the next version; the version is kept only when the PUT succeeds. */
static bool
do_put(struct run *r, struct sim_plan *plan, uint64_t id)
{
    const struct run_opts *o = r->o;
    uint32_t version = r->version[id] + 1;
    value_fill(r->value, o->value_size, id, version);
    enum kv_status st = r->e->ops->put(r->e, plan, r->key, o->key_size, r->value, o->value_size, 0);
    if (st == KV_NO_SPACE) {
        if (r->phase == PHASE_LOAD) {
            r->load_full = true;
            r->target = r->issued; /* stop loading */
        } else {
            r->res->no_space++;
        }
        return false;
    }
    NVKV_CHECK_MSG(st == KV_OK, "run: PUT of key %llu answered %s", (unsigned long long)id,
                   kv_status_name(st));
    r->version[id] = version;
    if (r->phase == PHASE_LOAD)
        r->res->load_host_bytes += o->key_size + o->value_size;
    else
        r->res->host_bytes += o->key_size + o->value_size;
    return true;
}

static void
do_get(struct run *r, struct sim_plan *plan, uint64_t id)
{
    const struct run_opts *o = r->o;
    uint32_t vlen = 0;
    enum kv_status st =
        r->e->ops->get(r->e, plan, r->key, o->key_size, r->get_buf, o->value_size, &vlen);
    NVKV_CHECK_MSG(st == KV_OK, "run: GET of key %llu (version %u) answered %s",
                   (unsigned long long)id, r->version[id], kv_status_name(st));
    NVKV_CHECK_MSG(vlen == o->value_size, "run: GET of key %llu returned %u value bytes, not %u",
                   (unsigned long long)id, vlen, o->value_size);
    uint32_t bad = value_check(r->get_buf, vlen, id, r->version[id]);
    NVKV_CHECK_MSG(bad == vlen,
                   "run: GET of key %llu returned a wrong value (version %u, first bad byte %u)",
                   (unsigned long long)id, r->version[id], bad);
}

static void
issue(struct run *r, struct run_client *cl)
{
    uint64_t id;
    r->issued++;
    if (r->phase == PHASE_LOAD) {
        id = r->issued - 1;
        cl->is_get = false;
    } else {
        id = pick_key(r);
        cl->is_get = nvkv_rng_unit(&r->mix_rng) >= r->o->write_ratio;
        if (cl->is_get)
            r->res->gets++;
        else
            r->res->puts++;
    }
    run_key_encode(r->key, r->o->key_size, id);
    struct sim_plan *plan = sim_plan_new(r->dev->sim);
    enum sim_prio prio = cl->is_get ? SIM_PRIO_FG_READ : SIM_PRIO_FG_WRITE;
    dev_cpu_charge(&r->dev->cpu, plan, prio, r->dev->cpu.p.decode_ns);
    sim_plan_barrier(plan);
    cl->refused = false;
    if (cl->is_get)
        do_get(r, plan, id);
    else
        cl->refused = !do_put(r, plan, id);
    sim_plan_submit(r->dev->sim, plan, op_done, cl);
}

/* Issue `count` operations closed-loop at the queue depth and run until all work is done. */
static void
run_phase(struct run *r, enum run_phase phase, uint64_t count)
{
    r->phase = phase;
    r->issued = 0;
    r->target = count;
    for (uint32_t i = 0; i < r->o->qd && r->issued < r->target; i++) {
        r->clients[i].r = r;
        issue(r, &r->clients[i]);
    }
    sim_run(r->dev->sim, UINT64_MAX);
    /* the host is idle now: let the engine do what it defers to idle time */
    r->e->ops->background(r->e);
    sim_run(r->dev->sim, UINT64_MAX);
}

static void
stats_delta(struct nand_stats *d, const struct nand_stats *now, const struct nand_stats *before)
{
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++) {
        d->page_reads[o] = now->page_reads[o] - before->page_reads[o];
        d->page_writes[o] = now->page_writes[o] - before->page_writes[o];
        d->erases[o] = now->erases[o] - before->erases[o];
    }
    d->channel_busy_ns_total = now->channel_busy_ns_total - before->channel_busy_ns_total;
}

static uint64_t
sum_origins(const uint64_t *v)
{
    uint64_t s = 0;
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
        s += v[o];
    return s;
}

/* Flash bytes written per host byte written; 0 when the host wrote nothing. */
static double
write_amp(const struct nand_stats *f, uint64_t host_bytes, uint32_t page_bytes)
{
    if (host_bytes == 0)
        return 0.0;
    return (double)sum_origins(f->page_writes) * page_bytes / (double)host_bytes;
}

static int
run_execute(struct run *r, char *err, size_t errlen)
{
    const struct run_opts *o = r->o;
    struct run_result *res = r->res;
    r->n_keys = res->keys;
    r->version = calloc(r->n_keys, sizeof(*r->version));
    r->clients = calloc(o->qd, sizeof(*r->clients));
    r->key = malloc(o->key_size);
    r->value = malloc(o->value_size + 8u);
    r->get_buf = malloc(o->value_size + 8u);
    if (r->version == NULL || r->clients == NULL || r->key == NULL || r->value == NULL ||
        r->get_buf == NULL) {
        snprintf(err, errlen, "out of memory for %llu keys", (unsigned long long)r->n_keys);
        return -ENOMEM;
    }
    nvkv_rng_derive(&r->key_rng, o->seed, "run.key");
    nvkv_rng_derive(&r->mix_rng, o->seed, "run.mix");
    if (o->zipf && wl_zipf_init(&r->zipf, r->n_keys, o->theta, o->seed) != 0) {
        snprintf(err, errlen, "--theta %g: invalid", o->theta);
        return NVKV_ECONFIG;
    }
    struct sim *sim = r->dev->sim;
    double t0 = cli_wall_seconds();
    run_phase(r, PHASE_LOAD, r->n_keys);
    res->load_wall_s = cli_wall_seconds() - t0;
    res->load_virtual_ns = sim_now(sim);
    res->load_flash = *nand_stats(r->dev->nand);
    if (r->load_full) {
        snprintf(err, errlen,
                 "the device is full after loading %llu of %llu keys (fill %.3f, KV_NO_SPACE); "
                 "lower --fill",
                 (unsigned long long)r->issued - 1, (unsigned long long)r->n_keys,
                 o->fill * (double)(r->issued - 1) / (double)r->n_keys);
        return -ENOSPC;
    }
    const struct kv_stats *s = r->e->ops->stats(r->e);
    uint64_t flushes = s->flushes, compactions = s->compactions, gcs = s->gcs;
    uint64_t copied = s->gc_pages_copied, events = sim->events_run;

    t0 = cli_wall_seconds();
    run_phase(r, PHASE_RUN, o->ops);
    res->wall_s = cli_wall_seconds() - t0;
    res->ops = o->ops;
    res->virtual_ns = sim_now(sim) - res->load_virtual_ns;
    res->events = sim->events_run - events;
    stats_delta(&res->flash, nand_stats(r->dev->nand), &res->load_flash);
    s = r->e->ops->stats(r->e);
    res->flushes = s->flushes - flushes;
    res->compactions = s->compactions - compactions;
    res->gcs = s->gcs - gcs;
    res->gc_pages_copied = s->gc_pages_copied - copied;
    return 0;
}

/* ---- reporting ---- */

static void
print_latency(const char *op, const struct nvkv_hist *h)
{
    printf("  %-4s %9llu %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f\n", op, (unsigned long long)h->count,
           nvkv_hist_mean(h) / 1e3, (double)nvkv_hist_quantile(h, 0.5) / 1e3,
           (double)nvkv_hist_quantile(h, 0.95) / 1e3, (double)nvkv_hist_quantile(h, 0.99) / 1e3,
           (double)nvkv_hist_quantile(h, 0.999) / 1e3, (double)h->max / 1e3);
}

static void
print_origins(const char *label, const uint64_t *v)
{
    printf("  %-20s", label);
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
        printf(" %s %llu", nand_origin_name((enum nand_origin)o), (unsigned long long)v[o]);
    printf("  (total %llu)\n", (unsigned long long)sum_origins(v));
}

static void
print_summary(const struct run *r, const struct cfg *c)
{
    const struct run_opts *o = r->o;
    const struct run_result *res = r->res;
    const struct kv_stats *s = r->e->ops->stats(r->e);
    const struct dev_dram *d = &r->dev->dram;
    const struct nvkv_hist *rpg = &s->flash_reads_per_get;
    double iops = res->virtual_ns ? (double)res->ops * 1e9 / (double)res->virtual_ns : 0;
    uint64_t live = res->keys * (o->key_size + o->value_size);

    printf("load: %llu keys, %.3f s virtual, %llu page writes, write amplification %.2f\n",
           (unsigned long long)res->keys, (double)res->load_virtual_ns / 1e9,
           (unsigned long long)sum_origins(res->load_flash.page_writes),
           write_amp(&res->load_flash, res->load_host_bytes, c->nand.page_bytes));
    printf("run:  %llu ops (%llu GET, %llu PUT, %llu no_space) in %.3f s virtual: %.0f IOPS\n",
           (unsigned long long)res->ops, (unsigned long long)res->gets,
           (unsigned long long)res->puts, (unsigned long long)res->no_space,
           (double)res->virtual_ns / 1e9, iops);
    printf("  %-4s %9s %9s %9s %9s %9s %9s %9s\n", "op", "count", "mean us", "p50 us", "p95 us",
           "p99 us", "p99.9 us", "max us");
    print_latency("GET", &res->get_lat);
    print_latency("PUT", &res->put_lat);
    if (res->no_space > 0)
        printf("  warning: %llu PUTs were refused with KV_NO_SPACE (not in the PUT latency): the "
               "engine found the device full\n",
               (unsigned long long)res->no_space);
    printf("  flash reads per GET  mean %.2f, p95 %llu, max %llu\n", nvkv_hist_mean(rpg),
           (unsigned long long)nvkv_hist_quantile(rpg, 0.95), (unsigned long long)rpg->max);
    print_origins("page reads", res->flash.page_reads);
    print_origins("page writes", res->flash.page_writes);
    printf("  %-20s %llu\n", "erases", (unsigned long long)sum_origins(res->flash.erases));
    printf("  %-20s %.3f (flash bytes written / host bytes written)\n", "write amplification",
           write_amp(&res->flash, res->host_bytes, c->nand.page_bytes));
    printf("  %-20s %.3f (live unique KV bytes %llu / raw capacity %llu)\n", "storage utilization",
           (double)live / (double)nand_raw_bytes(&c->nand), (unsigned long long)live,
           (unsigned long long)nand_raw_bytes(&c->nand));
    printf("  %-20s flushes %llu, compactions %llu, gcs %llu (%llu pages copied)\n", "engine work",
           (unsigned long long)res->flushes, (unsigned long long)res->compactions,
           (unsigned long long)res->gcs, (unsigned long long)res->gc_pages_copied);
    printf("  %-20s budget %llu, used %llu, peak %llu\n", "device DRAM",
           (unsigned long long)d->budget, (unsigned long long)d->total_used,
           (unsigned long long)d->total_peak);
    printf("  %-20s %12s %12s\n", "metadata (bytes)", "in DRAM", "in flash");
    for (int k = 0; k < DEV_DRAM_CAT_COUNT; k++)
        printf("    %-18s %12llu %12llu\n", dev_dram_cat_name((enum dev_dram_cat)k),
               (unsigned long long)d->used[k], (unsigned long long)s->metadata_flash_bytes[k]);
    printf("  %-20s %.0f KV ops per wall second (load %.0f)\n", "sim speed",
           res->wall_s > 0 ? (double)res->ops / res->wall_s : 0.0,
           res->load_wall_s > 0 ? (double)res->keys / res->load_wall_s : 0.0);
}

struct json_ctx {
    const struct run *r;
    const struct cfg *c;
};

static void
workload_json(struct nvkv_json *j, const void *arg)
{
    const struct run_opts *o = ((const struct json_ctx *)arg)->r->o;
    nvkv_json_string(j, "name", "run");
    nvkv_json_string(j, "engine", o->engine);
    nvkv_json_u64(j, "key_size", o->key_size);
    nvkv_json_u64(j, "value_size", o->value_size);
    nvkv_json_double(j, "fill", o->fill);
    nvkv_json_u64(j, "keys", ((const struct json_ctx *)arg)->r->res->keys);
    nvkv_json_u64(j, "ops", o->ops);
    nvkv_json_double(j, "write_ratio", o->write_ratio);
    nvkv_json_string(j, "key_dist", o->zipf ? "zipf" : "uniform");
    if (o->zipf)
        nvkv_json_double(j, "theta", o->theta);
    nvkv_json_u64(j, "qd", o->qd);
}

static void
origins_json(struct nvkv_json *j, const char *key, const uint64_t *v)
{
    nvkv_json_object(j, key);
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
        nvkv_json_u64(j, nand_origin_name((enum nand_origin)o), v[o]);
    nvkv_json_close(j);
}

static void
extra_json(struct nvkv_json *j, const void *arg)
{
    const struct json_ctx *x = arg;
    const struct run *r = x->r;
    const struct run_result *res = r->res;
    uint64_t live = res->keys * (r->o->key_size + r->o->value_size);
    kv_write_stats_json(r->e, j);
    nvkv_json_double(j, "write_amplification",
                     write_amp(&res->flash, res->host_bytes, x->c->nand.page_bytes));
    nvkv_json_double(j, "storage_utilization", (double)live / (double)nand_raw_bytes(&x->c->nand));
    nvkv_json_object(j, "run");
    nvkv_json_u64(j, "gets", res->gets);
    nvkv_json_u64(j, "puts", res->puts);
    nvkv_json_u64(j, "no_space", res->no_space);
    nvkv_json_u64(j, "host_bytes_written", res->host_bytes);
    nvkv_json_u64(j, "flushes", res->flushes);
    nvkv_json_u64(j, "compactions", res->compactions);
    nvkv_json_u64(j, "gcs", res->gcs);
    nvkv_json_u64(j, "gc_pages_copied", res->gc_pages_copied);
    nvkv_json_close(j);
    nvkv_json_object(j, "load");
    nvkv_json_u64(j, "keys", res->keys);
    nvkv_json_u64(j, "virtual_ns", res->load_virtual_ns);
    nvkv_json_u64(j, "host_bytes_written", res->load_host_bytes);
    nvkv_json_double(j, "write_amplification",
                     write_amp(&res->load_flash, res->load_host_bytes, x->c->nand.page_bytes));
    origins_json(j, "page_reads", res->load_flash.page_reads);
    origins_json(j, "page_writes", res->load_flash.page_writes);
    origins_json(j, "erases_by_origin", res->load_flash.erases);
    nvkv_json_close(j);
}

static void
write_results(const char *dir, const struct run *r, const struct cfg *c)
{
    char err[512];
    const struct run_result *res = r->res;
    struct json_ctx x = {r, c};
    struct results out = {
        .cfg = c,
        .seed = r->o->seed,
        .workload = workload_json,
        .workload_arg = &x,
        .virtual_ns = res->virtual_ns,
        .wall_s = res->wall_s,
        .events = res->events,
        .ops = res->ops,
        .bytes = res->ops * (r->o->key_size + r->o->value_size),
        .op_names = {"get", "put"},
        .op_latency = {&res->get_lat, &res->put_lat},
        .n_ops = 2,
        .flash = &res->flash,
        .reads_per_get = &r->e->ops->stats(r->e)->flash_reads_per_get,
        .extra = extra_json,
        .extra_arg = &x,
    };
    if (results_write(dir, &out, err, sizeof(err)) != 0) {
        fprintf(stderr, "nvkv: %s\n", err);
        exit(1);
    }
}

/* ---- the subcommand ---- */

static const char run_help[] =
    "usage: nvkv run --engine NAME [--key-size K] [--value-size V] [--fill F] [--ops N]\n"
    "                [--write-ratio R] [--key-dist uniform|zipf] [--theta T] [--qd N]\n"
    "                [device and run options]\n"
    "\n"
    "One engine on one emulated KV-SSD.\n"
    "Load: F x exposed capacity / (K + V) unique K-byte keys with V-byte values, written by\n"
    "sequential PUTs at the queue depth. Not measured: its flash counts are reported apart\n"
    "(result.json `load`); every other flash figure and the engine work are of the run only.\n"
    "Run: N operations on those keys, closed loop at the queue depth; a share R are PUTs that\n"
    "overwrite a key with a new value, the rest GETs, whose values are checked byte for byte.\n"
    "Keys are chosen uniformly or Zipfian (YCSB's scrambled generator). Latency is completion\n"
    "minus submission in virtual time, command decode on a controller core included. PUTs the\n"
    "engine refuses with KV_NO_SPACE are counted (`run.no_space`), not timed. result.json's\n"
    "`engine`, `metadata_bytes` and `dram` objects are cumulative (load and run).\n"
    "\n"
    "  --engine NAME       the engine (required); one of the registered engines\n"
    "  --key-size K        key bytes, 1..255 (default 16); the key number is big-endian in\n"
    "                      the first min(K, 8) bytes, then a fixed pad\n"
    "  --value-size V      value bytes, 0 up to the engine's limit (default 4096)\n"
    "  --fill F            share of the exposed capacity to load, 0 < F <= 1 (default 0.5)\n"
    "  --ops N             measured operations (default 1000000)\n"
    "  --write-ratio R     share of PUTs, 0..1 (default 0.5)\n"
    "  --key-dist D        uniform or zipf (default uniform)\n"
    "  --theta T           Zipfian skew, 0 < T < 1 (default 0.99)\n"
    "  --qd N              operations kept in flight (default 64)\n"
    "\n";

/* A number option in [lo, hi] (lo excluded when lo_open, hi excluded when hi_open) or exit 2. */
static double
parse_fraction(const char *option, const char *value, double lo, double hi, bool lo_open,
               bool hi_open)
{
    char *end;
    double v = strtod(value, &end);
    bool ok = value[0] != '\0' && *end == '\0' && isfinite(v) && (lo_open ? v > lo : v >= lo) &&
              (hi_open ? v < hi : v <= hi);
    if (!ok)
        cli_usage_error("%s = '%s': invalid; allowed: a number in %c%g, %g%c", option, value,
                        lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
    return v;
}

static void
parse_args(int argc, char **argv, struct cli_common *cc, struct run_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_help, stdout);
            fputs(cli_common_help, stdout);
            exit(0);
        } else if (cli_parse_common(cc, argc, argv, &i)) {
            continue;
        } else if ((v = cli_option_value("--engine", argc, argv, &i)) != NULL) {
            o->engine = v;
        } else if ((v = cli_option_value("--key-size", argc, argv, &i)) != NULL) {
            o->key_size = (uint32_t)cli_parse_u64("--key-size", v, KV_KEY_MIN, KV_KEY_MAX);
        } else if ((v = cli_option_value("--value-size", argc, argv, &i)) != NULL) {
            o->value_size = (uint32_t)cli_parse_u64("--value-size", v, 0, KV_VALUE_MAX);
        } else if ((v = cli_option_value("--fill", argc, argv, &i)) != NULL) {
            o->fill = parse_fraction("--fill", v, 0, 1, true, false);
        } else if ((v = cli_option_value("--ops", argc, argv, &i)) != NULL) {
            o->ops = cli_parse_u64("--ops", v, 1, 1ull << 40);
        } else if ((v = cli_option_value("--write-ratio", argc, argv, &i)) != NULL) {
            o->write_ratio = parse_fraction("--write-ratio", v, 0, 1, false, false);
        } else if ((v = cli_option_value("--key-dist", argc, argv, &i)) != NULL) {
            if (strcmp(v, "uniform") != 0 && strcmp(v, "zipf") != 0)
                cli_usage_error("--key-dist = '%s': invalid; allowed: uniform, zipf", v);
            o->zipf = strcmp(v, "zipf") == 0;
        } else if ((v = cli_option_value("--theta", argc, argv, &i)) != NULL) {
            o->theta = parse_fraction("--theta", v, 0, 1, true, true);
        } else if ((v = cli_option_value("--qd", argc, argv, &i)) != NULL) {
            o->qd = (uint32_t)cli_parse_u64("--qd", v, 1, 1u << 16);
        } else {
            cli_usage_error("run: unknown option '%s'; see nvkv run --help", argv[i]);
        }
    }
    if (o->engine == NULL)
        cli_usage_error("run: --engine is required; allowed: %s", kv_engine_names());
    if (kv_engine_find(o->engine) == NULL)
        cli_usage_error("--engine '%s': unknown engine; allowed: %s", o->engine, kv_engine_names());
}

int
run_main(int argc, char **argv)
{
    struct cli_common cc;
    cli_common_init(&cc);
    struct run_opts o = {.key_size = 16,
                         .value_size = 4096,
                         .fill = 0.5,
                         .ops = 1000000,
                         .write_ratio = 0.5,
                         .theta = WL_ZIPF_THETA_DEFAULT,
                         .qd = 64};
    parse_args(argc, argv, &cc, &o);
    struct cfg c;
    cli_build_config(&cc, &c);
    o.seed = cc.seed;

    char err[512] = "";
    struct run r = {.o = &o};
    int rc = kvdev_open(&c, o.engine, o.seed, &r.dev, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "nvkv: run: %s\n", err);
        return rc == NVKV_ECONFIG || rc == NVKV_EFORMAT ? 2 : 1;
    }
    r.e = r.dev->engine;
    uint64_t keys = run_key_count(&o, r.dev->exposed_bytes);
    uint32_t limit = r.e->ops->max_value(r.e, o.key_size);
    const char *bad = NULL;
    if (o.value_size > limit) {
        snprintf(err, sizeof(err),
                 "--value-size %u: too large; allowed: up to %u for engine %s with %u-byte keys",
                 o.value_size, limit, o.engine, o.key_size);
        bad = err;
    } else if (keys == 0) {
        snprintf(err, sizeof(err), "--fill %g: less than one key of %u bytes fits", o.fill,
                 o.key_size + o.value_size);
        bad = err;
    } else if (o.key_size < 8 && keys > 1ull << (8 * o.key_size)) {
        snprintf(err, sizeof(err), "--key-size %u: too small for %llu distinct keys", o.key_size,
                 (unsigned long long)keys);
        bad = err;
    }
    if (bad != NULL) {
        kvdev_close(r.dev);
        cli_usage_error("%s", bad);
    }
    if (!cc.quiet) {
        printf("nvkv run: engine %s, preset %s, scale 1/%u, seed %llu\n", o.engine, c.preset,
               c.scale, (unsigned long long)o.seed);
        printf("  %llu keys of %u + %u bytes (fill %g of %llu exposed bytes), %llu ops, "
               "write ratio %g, %s keys",
               (unsigned long long)keys, o.key_size, o.value_size, o.fill,
               (unsigned long long)r.dev->exposed_bytes, (unsigned long long)o.ops, o.write_ratio,
               o.zipf ? "zipf" : "uniform");
        if (o.zipf)
            printf(" (theta %g)", o.theta);
        printf(", QD %u\n", o.qd);
        cfg_print_derived(&c, stdout, "  ");
        printf("\n");
    }

    struct run_result *res = calloc(1, sizeof(*res));
    if (res == NULL) {
        kvdev_close(r.dev);
        return 1;
    }
    nvkv_hist_init(&res->get_lat);
    nvkv_hist_init(&res->put_lat);
    res->keys = keys;
    r.res = res;
    rc = run_execute(&r, err, sizeof(err));
    if (rc == 0) {
        print_summary(&r, &c);
        if (cc.out_dir != NULL)
            write_results(cc.out_dir, &r, &c);
    } else {
        fprintf(stderr, "nvkv: run: %s\n", err);
    }
    free(r.version);
    free(r.clients);
    free(r.key);
    free(r.value);
    free(r.get_buf);
    free(res);
    kvdev_close(r.dev);
    return rc == 0 ? 0 : rc == NVKV_ECONFIG ? 2 : 1;
}
