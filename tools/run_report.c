/* SPDX-License-Identifier: MIT */
/*
 * `nvkv run`'s output: the header, each phase's printed summary, and its result files
 * (result.json, latency_<op>.csv, timeline.csv).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/kv/engine.h"
#include "../src/sim/sim.h"
#include "results.h"
#include "run_internal.h"

uint64_t
run_sum_origins(const uint64_t *v)
{
    uint64_t s = 0;
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
        s += v[o];
    return s;
}

void
run_acct_take(const struct run *r, struct run_acct *a)
{
    const struct nand_stats *f = nand_stats(r->dev->nand);
    for (int o = 0; o < SIM_ORIGIN_COUNT; o++) {
        a->die[o] = f->die_busy_by_origin[o];
        a->channel[o] = f->channel_busy_by_origin[o];
        a->cpu[o] = r->dev->cpu.busy_by_origin[o];
    }
    a->flash_ops = f->ops_done;
    a->flash_pages = f->pages_done;
}

static uint64_t
sum_u64(const uint64_t *v, int n)
{
    uint64_t s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return s;
}

/* Busy share of a class of `units` resources over the phase. */
static double
utilization(const uint64_t *busy, uint32_t units, uint64_t phase_ns)
{
    double span = (double)units * (double)phase_ns;
    return span > 0 ? (double)sum_u64(busy, SIM_ORIGIN_COUNT) / span : 0.0;
}

/* Waits of the write path (buffer full, backpressure, admission) summed over classes. */
static uint64_t
write_wait_ns(const struct run_result *res)
{
    uint64_t s = 0;
    for (int l = 0; l < RUN_LAT_COUNT; l++)
        s += res->waits[l].ns[SIM_WAIT_BUFFER_FULL] + res->waits[l].ns[SIM_WAIT_BACKPRESSURE] +
             res->waits[l].ns[SIM_WAIT_ADMISSION];
    return s;
}

/* GET time spent waiting for a die held by background work, as a share of GET latency. */
static double
get_behind_bg(const struct run_result *res)
{
    const struct nvkv_hist *h = &res->lat[RUN_LAT_GET];
    double total = nvkv_hist_mean(h) * (double)h->count;
    return total > 0 ? (double)res->waits[RUN_LAT_GET].ns[SIM_WAIT_DIE_BG] / total : 0.0;
}

/* Flash bytes written per host byte written; 0 when the host wrote nothing. */
double
run_write_amp(const struct nand_stats *f, uint64_t host_bytes, uint32_t page_bytes)
{
    if (host_bytes == 0)
        return 0.0;
    return (double)run_sum_origins(f->page_writes) * page_bytes / (double)host_bytes;
}

static void
describe_mix(const double share[WL_OP_COUNT], char *buf, size_t len)
{
    double total = 0;
    for (int k = 0; k < WL_OP_COUNT; k++)
        total += share[k];
    size_t at = 0;
    buf[0] = '\0';
    for (int k = 0; k < WL_OP_COUNT && at < len; k++)
        if (share[k] > 0)
            at += (size_t)snprintf(buf + at, len - at, "%s%s %.3g", at ? ", " : "",
                                   wl_op_name((enum wl_op)k), share[k] / total);
}

static void
describe_phase(const struct run *r, const struct run_workload *w)
{
    if (w->trace != NULL) {
        printf("  %s: trace %s (%s, %u pass%s)\n", w->name, w->trace,
               wl_trace_format_name(w->trace_opts.format), w->trace_opts.repeat,
               w->trace_opts.repeat == 1 ? "" : "es");
        return;
    }
    char spec[64], mix[160];
    wl_valsize_format(&w->spec.values, spec, sizeof(spec));
    describe_mix(w->spec.share, mix, sizeof(mix));
    printf("  %s: %s keys of %u bytes (%s), values %s, %s", w->name,
           wl_key_dist_name(w->spec.keys.dist), run_key_len_max(w),
           wl_key_format_name(w->spec.key_format), spec, mix);
    if (w->spec.keys.dist == WL_KEY_ZIPF || w->spec.keys.dist == WL_KEY_SCRAMBLED ||
        w->spec.keys.dist == WL_KEY_LATEST)
        printf(", theta %g", w->spec.keys.theta);
    if (w->ops)
        printf(", %llu ops", (unsigned long long)w->ops);
    /* only the first phase can load: every phase leaves the device written */
    printf("%s\n", w->spec.load && w == &r->o->phase[0] ? ", loaded first" : "");
}

void
run_print_header(const struct run *r, const struct cfg *c)
{
    const struct run_opts *o = r->o;
    printf("nvkv run: engine %s, preset %s, scale 1/%u, seed %llu, ", o->engine, c->preset,
           c->scale, (unsigned long long)o->seed);
    if (o->rate > 0)
        printf("open loop at %g ops/s (%s arrivals)\n", o->rate, o->poisson ? "poisson" : "fixed");
    else
        printf("closed loop at QD %u\n", o->qd);
    for (int k = 0; k < o->n_phases; k++)
        describe_phase(r, &o->phase[k]);
    if (o->capacity_x > 0)
        printf("  each phase stops after writing %g x the exposed capacity\n", o->capacity_x);
    if (o->duration_ns > 0)
        printf("  each phase stops after %.3f s of virtual time\n", (double)o->duration_ns / 1e9);
    cfg_print_derived(c, stdout, "  ");
    printf("\n");
}

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
    printf("  (total %llu)\n", (unsigned long long)run_sum_origins(v));
}

/* Where the phase's time went: busy time by origin, waits, backlog (ARCHITECTURE.md). */
static void
print_time_model(const struct run *r, const struct cfg *c)
{
    const struct run_result *res = r->res;
    uint32_t dies = nand_dies(&c->nand);
    uint64_t die_busy = sum_u64(res->acct.die, SIM_ORIGIN_COUNT);
    printf("  %-20s die %.1f%%, channel %.1f%%, controller %.1f%%\n", "utilization",
           100 * utilization(res->acct.die, dies, res->virtual_ns),
           100 * utilization(res->acct.channel, c->nand.channels, res->virtual_ns),
           100 * utilization(res->acct.cpu, c->device.controller_cores, res->virtual_ns));
    printf("  %-20s", "die time by origin");
    for (int o = 0; o < SIM_ORIGIN_COUNT; o++)
        if (res->acct.die[o] > 0)
            printf(" %s %.1f%%", sim_origin_name((enum sim_origin)o),
                   100.0 * (double)res->acct.die[o] / (double)die_busy);
    printf("\n");
    for (int l = 0; l < RUN_LAT_COUNT; l++) {
        uint64_t n = res->lat[l].count, any = sum_u64(res->waits[l].ns, SIM_WAIT_COUNT);
        if (n == 0 || any == 0)
            continue;
        printf("  waits per %-10s", run_lat_name((enum run_lat)l));
        for (int w = 0; w < SIM_WAIT_COUNT; w++)
            if (res->waits[l].ns[w] > 0)
                printf(" %s %.1f us", sim_wait_name((enum sim_wait_cause)w),
                       (double)res->waits[l].ns[w] / (double)n / 1e3);
        printf("\n");
    }
    printf("  %-20s %.3f s, %llu flash ops (%llu page reads and programs) after the last "
           "completion (%s)\n",
           "backlog", (double)res->backlog_ns / 1e9, (unsigned long long)res->backlog_flash_ops,
           (unsigned long long)res->backlog_pages,
           res->drained ? "timed: --drain" : "not timed; --drain times it");
}

static double
phase_iops(const struct run_result *res)
{
    return res->virtual_ns ? (double)res->ops * 1e9 / (double)res->virtual_ns : 0;
}

static void
print_ops(const struct run_result *res)
{
    printf("run:  %llu ops (", (unsigned long long)res->ops);
    for (int k = 0; k < WL_OP_COUNT; k++)
        if (res->op_count[k] != 0)
            printf("%llu %s, ", (unsigned long long)res->op_count[k], wl_op_name((enum wl_op)k));
    printf("%llu no_space) in %.3f s virtual: %.0f IOPS\n", (unsigned long long)res->no_space,
           (double)res->virtual_ns / 1e9, phase_iops(res));
}

void
run_print_summary(const struct run *r, const struct cfg *c, bool with_load)
{
    const struct run_result *res = r->res;
    const struct kv_stats *s = r->e->ops->stats(r->e);
    const struct dev_dram *d = &r->dev->dram;
    const struct nvkv_hist *rpg = &s->flash_reads_per_get;

    if (with_load)
        printf("load: %llu keys, %.3f s virtual, %llu page writes, write amplification %.2f\n",
               (unsigned long long)res->keys, (double)res->load_virtual_ns / 1e9,
               (unsigned long long)run_sum_origins(res->load_flash.page_writes),
               run_write_amp(&res->load_flash, res->load_host_bytes, c->nand.page_bytes));
    print_ops(res);
    printf("  %-4s %9s %9s %9s %9s %9s %9s %9s\n", "op", "count", "mean us", "p50 us", "p95 us",
           "p99 us", "p99.9 us", "max us");
    for (int l = 0; l < RUN_LAT_COUNT; l++)
        if (res->lat[l].count > 0 || l == RUN_LAT_GET || l == RUN_LAT_PUT)
            print_latency(l == RUN_LAT_GET   ? "GET"
                          : l == RUN_LAT_PUT ? "PUT"
                                             : run_lat_name(l),
                          &res->lat[l]);
    if (res->no_space > 0)
        printf("  warning: %llu writes were refused with KV_NO_SPACE (not in the latency): the "
               "engine found the device full\n",
               (unsigned long long)res->no_space);
    if (res->get_misses > 0)
        printf("  %llu GETs of keys never written or deleted (NOT_FOUND, as expected)\n",
               (unsigned long long)res->get_misses);
    if (res->insert_overflow > 0)
        printf("  %llu inserts past the key space were done as updates\n",
               (unsigned long long)res->insert_overflow);
    if (res->scan_keys > 0)
        printf("  scans returned %llu keys\n", (unsigned long long)res->scan_keys);
    printf("  flash reads per GET  mean %.2f, p95 %llu, max %llu (load and run)\n",
           nvkv_hist_mean(rpg), (unsigned long long)nvkv_hist_quantile(rpg, 0.95),
           (unsigned long long)rpg->max);
    print_origins("page reads", res->flash.page_reads);
    print_origins("page writes", res->flash.page_writes);
    printf("  %-20s %llu\n", "erases", (unsigned long long)run_sum_origins(res->flash.erases));
    printf("  %-20s %.3f (flash bytes written / host bytes written)\n", "write amplification",
           run_write_amp(&res->flash, res->host_bytes, c->nand.page_bytes));
    printf("  %-20s %.3f (live KV bytes %llu / raw capacity %llu)\n", "storage utilization",
           (double)res->live_bytes / (double)nand_raw_bytes(&c->nand),
           (unsigned long long)res->live_bytes, (unsigned long long)nand_raw_bytes(&c->nand));
    printf("  %-20s flushes %llu, compactions %llu, gcs %llu (%llu pages copied)\n", "engine work",
           (unsigned long long)res->flushes, (unsigned long long)res->compactions,
           (unsigned long long)res->gcs, (unsigned long long)res->gc_pages_copied);
    print_time_model(r, c);
    printf("  %-20s budget %llu, used %llu, peak %llu\n", "device DRAM",
           (unsigned long long)d->budget, (unsigned long long)d->total_used,
           (unsigned long long)d->total_peak);
    printf("  %-20s %12s %12s\n", "metadata (bytes)", "in DRAM", "in flash");
    for (int k = 0; k < DEV_DRAM_CAT_COUNT; k++)
        printf("    %-18s %12llu %12llu\n", dev_dram_cat_name((enum dev_dram_cat)k),
               (unsigned long long)d->used[k], (unsigned long long)s->metadata_flash_bytes[k]);
    printf("  %-20s %.0f KV ops per wall second", "sim speed",
           res->wall_s > 0 ? (double)res->ops / res->wall_s : 0.0);
    if (with_load)
        printf(" (load %.0f)", res->load_wall_s > 0 ? (double)res->keys / res->load_wall_s : 0.0);
    printf("\n");
}

/* ---- result.json ---- */

struct json_ctx {
    const struct run *r;
    const struct cfg *c;
    bool with_load;
};

static void
workload_json(struct nvkv_json *j, const void *arg)
{
    const struct run *r = ((const struct json_ctx *)arg)->r;
    const struct run_opts *o = r->o;
    const struct run_workload *w = r->w;
    nvkv_json_string(j, "name", w->name);
    nvkv_json_string(j, "engine", o->engine);
    if (w->trace != NULL) {
        nvkv_json_string(j, "trace", w->trace);
        nvkv_json_string(j, "trace_format", wl_trace_format_name(r->res->trace_format));
        nvkv_json_u64(j, "trace_repeat", w->trace_opts.repeat);
    } else {
        char spec[64];
        wl_valsize_format(&w->spec.values, spec, sizeof(spec));
        nvkv_json_u64(j, "key_size", run_key_len_max(w));
        nvkv_json_string(j, "key_format", wl_key_format_name(w->spec.key_format));
        nvkv_json_string(j, "value_size", spec);
        nvkv_json_double(j, "value_size_mean", wl_valsize_mean(&w->spec.values));
        nvkv_json_string(j, "key_dist", wl_key_dist_name(w->spec.keys.dist));
        nvkv_json_double(j, "theta", w->spec.keys.theta);
        nvkv_json_object(j, "mix");
        for (int k = 0; k < WL_OP_COUNT; k++)
            nvkv_json_double(j, wl_op_name((enum wl_op)k), w->spec.share[k]);
        nvkv_json_close(j);
        nvkv_json_u64(j, "scan_max", w->spec.scan_max);
    }
    nvkv_json_double(j, "fill", o->fill);
    nvkv_json_u64(j, "fill_piece", o->fill_piece);
    nvkv_json_u64(j, "keys", r->limit);
    nvkv_json_u64(j, "ops_limit", w->ops);
    nvkv_json_double(j, "capacity_x", o->capacity_x);
    nvkv_json_double(j, "requests_x", o->requests_x);
    nvkv_json_string(j, "procedure", run_procedure_name(o->procedure));
    nvkv_json_u64(j, "duration_ns", o->duration_ns);
    nvkv_json_u64(j, "qd", o->qd);
    nvkv_json_double(j, "rate", o->rate);
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
run_json(struct nvkv_json *j, const struct run_result *res)
{
    nvkv_json_object(j, "run");
    nvkv_json_u64(j, "ops", res->ops);
    for (int k = 0; k < WL_OP_COUNT; k++) {
        char key[32];
        snprintf(key, sizeof(key), "%ss", wl_op_name((enum wl_op)k));
        nvkv_json_u64(j, key, res->op_count[k]);
    }
    nvkv_json_u64(j, "gets", res->lat[RUN_LAT_GET].count);
    nvkv_json_u64(j, "puts", res->lat[RUN_LAT_PUT].count);
    nvkv_json_u64(j, "no_space", res->no_space);
    nvkv_json_u64(j, "get_misses", res->get_misses);
    nvkv_json_u64(j, "insert_overflow", res->insert_overflow);
    nvkv_json_u64(j, "scan_keys", res->scan_keys);
    nvkv_json_u64(j, "host_bytes_written", res->host_bytes);
    nvkv_json_u64(j, "request_bytes", res->request_bytes);
    nvkv_json_u64(j, "flushes", res->flushes);
    nvkv_json_u64(j, "compactions", res->compactions);
    nvkv_json_u64(j, "gcs", res->gcs);
    nvkv_json_u64(j, "gc_pages_copied", res->gc_pages_copied);
    nvkv_json_close(j);
}

static void
busy_json(struct nvkv_json *j, const char *key, const uint64_t *v)
{
    char name[48];
    nvkv_json_object(j, key);
    for (int o = 0; o < SIM_ORIGIN_COUNT; o++) {
        snprintf(name, sizeof(name), "%s_ns", sim_origin_name((enum sim_origin)o));
        nvkv_json_u64(j, name, v[o]);
    }
    nvkv_json_close(j);
}

static void
waits_json(struct nvkv_json *j, const char *key, const struct sim_waits *w)
{
    char name[48];
    nvkv_json_object(j, key);
    for (int c = 0; c < SIM_WAIT_COUNT; c++) {
        snprintf(name, sizeof(name), "%s_ns", sim_wait_name((enum sim_wait_cause)c));
        nvkv_json_u64(j, name, w->ns[c]);
    }
    nvkv_json_close(j);
}

/* time_by_origin, utilization, waits, backlog: where the phase's time went. */
static void
time_model_json(struct nvkv_json *j, const struct json_ctx *x)
{
    const struct run_result *res = x->r->res;
    const struct cfg *c = x->c;
    nvkv_json_string(j, "phase_end", res->drained ? "drain" : "last_completion");
    nvkv_json_object(j, "backlog");
    nvkv_json_u64(j, "ns", res->backlog_ns);
    nvkv_json_u64(j, "flash_ops", res->backlog_flash_ops);
    nvkv_json_u64(j, "pages", res->backlog_pages);
    nvkv_json_close(j);
    nvkv_json_object(j, "time_by_origin");
    busy_json(j, "die", res->acct.die);
    busy_json(j, "channel", res->acct.channel);
    busy_json(j, "cpu", res->acct.cpu);
    nvkv_json_close(j);
    nvkv_json_object(j, "utilization");
    nvkv_json_double(j, "die", utilization(res->acct.die, nand_dies(&c->nand), res->virtual_ns));
    nvkv_json_double(j, "channel",
                     utilization(res->acct.channel, c->nand.channels, res->virtual_ns));
    nvkv_json_double(j, "cpu",
                     utilization(res->acct.cpu, c->device.controller_cores, res->virtual_ns));
    nvkv_json_close(j);
    struct sim_waits all = {{0}};
    for (int l = 0; l < RUN_LAT_COUNT; l++)
        for (int w = 0; w < SIM_WAIT_COUNT; w++)
            all.ns[w] += res->waits[l].ns[w];
    nvkv_json_object(j, "waits");
    for (int w = 0; w < SIM_WAIT_COUNT; w++) {
        char name[48];
        snprintf(name, sizeof(name), "%s_ns", sim_wait_name((enum sim_wait_cause)w));
        nvkv_json_u64(j, name, all.ns[w]);
    }
    nvkv_json_double(j, "get_behind_background_share", get_behind_bg(res));
    /* Little's law: the time-average number of queue slots held by a waiting write */
    nvkv_json_double(j, "write_wait_slots",
                     res->virtual_ns ? (double)write_wait_ns(res) / (double)res->virtual_ns : 0.0);
    nvkv_json_object(j, "by_op");
    for (int l = 0; l < RUN_LAT_COUNT; l++)
        if (res->lat[l].count > 0)
            waits_json(j, run_lat_name((enum run_lat)l), &res->waits[l]);
    nvkv_json_close(j);
    nvkv_json_close(j);
}

static void
extra_json(struct nvkv_json *j, const void *arg)
{
    const struct json_ctx *x = arg;
    const struct run *r = x->r;
    const struct run_result *res = r->res;
    kv_write_stats_json(r->e, j);
    nvkv_json_double(j, "write_amplification",
                     run_write_amp(&res->flash, res->host_bytes, x->c->nand.page_bytes));
    nvkv_json_double(j, "storage_utilization",
                     (double)res->live_bytes / (double)nand_raw_bytes(&x->c->nand));
    run_json(j, res);
    time_model_json(j, x);
    if (!x->with_load)
        return;
    nvkv_json_object(j, "load");
    nvkv_json_u64(j, "keys", res->keys);
    nvkv_json_u64(j, "virtual_ns", res->load_virtual_ns);
    nvkv_json_u64(j, "host_bytes_written", res->load_host_bytes);
    nvkv_json_double(j, "write_amplification",
                     run_write_amp(&res->load_flash, res->load_host_bytes, x->c->nand.page_bytes));
    origins_json(j, "page_reads", res->load_flash.page_reads);
    origins_json(j, "page_writes", res->load_flash.page_writes);
    origins_json(j, "erases_by_origin", res->load_flash.erases);
    nvkv_json_close(j);
}

void
run_write_results(const char *dir, const struct run *r, const struct cfg *c, bool with_load)
{
    char err[512];
    const struct run_result *res = r->res;
    struct json_ctx x = {r, c, with_load};
    struct results out = {
        .cfg = c,
        .seed = r->o->seed,
        .workload = workload_json,
        .workload_arg = &x,
        .virtual_ns = res->virtual_ns,
        .wall_s = res->wall_s,
        .events = res->events,
        .ops = res->ops,
        .bytes = res->host_bytes,
        .flash = &res->flash,
        .reads_per_get = &r->e->ops->stats(r->e)->flash_reads_per_get,
        .extra = extra_json,
        .extra_arg = &x,
    };
    for (int l = 0; l < RUN_LAT_COUNT; l++) {
        if (res->lat[l].count == 0 && l != RUN_LAT_GET && l != RUN_LAT_PUT)
            continue;
        out.op_names[out.n_ops] = run_lat_name((enum run_lat)l);
        out.op_latency[out.n_ops++] = &res->lat[l];
    }
    if (results_write(dir, &out, err, sizeof(err)) != 0) {
        fprintf(stderr, "nvkv: %s\n", err);
        exit(1);
    }
}

/* ---- timeline.csv: throughput and p99 per interval of virtual time ---- */

void
run_timeline_open(struct run *r, const char *dir)
{
    struct run_timeline *t = &r->tl;
    t->f = NULL;
    t->interval_ns = r->o->timeline_ns;
    t->bucket = 0;
    t->ops = t->gets = t->puts = 0;
    nvkv_hist_init(&t->all);
    nvkv_hist_init(&t->get);
    nvkv_hist_init(&t->put);
    if (dir == NULL)
        return;
    char err[512], path[4096];
    if (results_mkdirs(dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "nvkv: run: %s\n", err);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/timeline.csv", dir);
    t->f = fopen(path, "w");
    if (t->f == NULL) {
        fprintf(stderr, "nvkv: run: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fputs("time_s,ops_per_s,p99_us,get_ops_per_s,get_p99_us,put_ops_per_s,put_p99_us\n", t->f);
}

static double
p99_us(const struct nvkv_hist *h)
{
    return h->count ? (double)nvkv_hist_quantile(h, 0.99) / 1e3 : 0.0;
}

/* Write the interval being filled, `span_ns` long, and start the next one. */
static void
timeline_flush(struct run_timeline *t, uint64_t span_ns)
{
    double span_s = (double)span_ns / 1e9;
    fprintf(t->f, "%.6f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f\n",
            (double)(t->bucket * t->interval_ns + span_ns) / 1e9, (double)t->ops / span_s,
            p99_us(&t->all), (double)t->gets / span_s, p99_us(&t->get), (double)t->puts / span_s,
            p99_us(&t->put));
    t->bucket++;
    if (t->ops) {
        nvkv_hist_init(&t->all);
        nvkv_hist_init(&t->get);
        nvkv_hist_init(&t->put);
    }
    t->ops = t->gets = t->puts = 0;
}

void
run_timeline_add(struct run *r, uint64_t t_ns, enum run_lat lat, uint64_t latency_ns)
{
    struct run_timeline *t = &r->tl;
    if (t->f == NULL)
        return;
    while (t_ns / t->interval_ns > t->bucket)
        timeline_flush(t, t->interval_ns);
    t->ops++;
    nvkv_hist_add(&t->all, latency_ns);
    if (lat == RUN_LAT_GET) {
        t->gets++;
        nvkv_hist_add(&t->get, latency_ns);
    } else if (lat == RUN_LAT_PUT) {
        t->puts++;
        nvkv_hist_add(&t->put, latency_ns);
    }
}

void
run_timeline_close(struct run *r)
{
    struct run_timeline *t = &r->tl;
    if (t->f == NULL)
        return;
    uint64_t end = sim_now(r->dev->sim) - r->phase_start_ns;
    uint64_t start = t->bucket * t->interval_ns;
    if (end > start)
        timeline_flush(t, end - start);
    fclose(t->f);
    t->f = NULL;
}
