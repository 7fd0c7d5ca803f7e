/* SPDX-License-Identifier: MIT */
/*
 * `nvkv run`: the driver. Issues operations into the engine (closed loop at the queue depth or
 * open loop at a rate) until a phase's stop condition, sets up and measures each phase, and runs
 * the phases in order. What each operation does is in run_ops.c.
 */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "../src/base/err.h"
#include "../src/sim/sim.h"
#include "cli.h"
#include "run_internal.h"

/* Completions between two looks at the wall clock for the progress line. */
#define PROGRESS_EVERY 4096u
/* Clients allocated at a time in open loop, where the number in flight is not bounded. */
#define CLIENT_BLOCK 256u

static const char *const lat_names[RUN_LAT_COUNT] = {"get", "put", "del", "scan", "rmw"};

const char *
run_lat_name(enum run_lat l)
{
    return (unsigned)l < RUN_LAT_COUNT ? lat_names[l] : "unknown";
}

/* ---- issuing ---- */

static bool
stop_reached(struct run *r)
{
    if (r->stop)
        return true;
    const struct run_opts *o = r->o;
    if (r->loading)
        return r->issued >= r->load_target;
    uint64_t elapsed = sim_now(r->dev->sim) - r->phase_start_ns;
    if ((r->w->ops && r->issued >= r->w->ops) ||
        (r->bytes_target && r->res->host_bytes >= r->bytes_target) ||
        (r->requests_target && r->res->request_bytes >= r->requests_target) ||
        (o->duration_ns && elapsed >= o->duration_ns))
        r->stop = true;
    return r->stop;
}

static void op_done(struct sim *sim, struct sim_plan *plan, void *arg);

static void client_put(struct run *r, struct run_client *cl);

/* Issue the client's next operation; at the end of a trace the client goes idle. */
static void
issue(struct run *r, struct run_client *cl, uint64_t start_ns)
{
    enum wl_op op = WL_OP_INSERT;
    struct wl_trace_rec rec;
    if (!r->loading && r->trace != NULL) {
        if (!run_trace_read(r, &rec)) {
            client_put(r, cl);
            return;
        }
        op = run_trace_op_kind(&rec);
    } else if (!r->loading) {
        op = run_draw_op(r);
    }
    r->issued++;
    struct sim_plan *plan = sim_plan_new(r->dev->sim);
    memset(&cl->waits, 0, sizeof(cl->waits));
    plan->waits = &cl->waits;
    bool reads = op == WL_OP_READ || op == WL_OP_SCAN;
    /* KVEMU's PUT returns at once: its model has no command cost for a write */
    if (reads || !r->kvemu)
        dev_cpu_charge(&r->dev->cpu, plan, reads ? SIM_PRIO_FG_READ : SIM_PRIO_FG_WRITE,
                       r->dev->cpu.p.decode_ns);
    sim_plan_barrier(plan);
    enum run_lat lat = RUN_LAT_PUT;
    bool timed;
    if (r->loading) {
        timed = run_load_op(r, plan);
    } else if (r->trace != NULL) {
        timed = run_trace_op(r, plan, &rec, &lat);
    } else {
        timed = run_generated_op(r, plan, op, &lat);
    }
    cl->lat = lat;
    cl->timed = timed && !r->loading;
    cl->start_ns = start_ns;
    sim_plan_submit(r->dev->sim, plan, op_done, cl);
}

static struct run_client *
client_get(struct run *r)
{
    if (r->free_clients == NULL) {
        struct run_client **blocks =
            realloc(r->client_blocks, (r->n_client_blocks + 1) * sizeof(*blocks));
        struct run_client *b = calloc(CLIENT_BLOCK, sizeof(*b));
        if (blocks == NULL || b == NULL) {
            free(b);
            if (blocks != NULL)
                r->client_blocks = blocks;
            return NULL;
        }
        r->client_blocks = blocks;
        r->client_blocks[r->n_client_blocks++] = b;
        for (uint32_t i = 0; i < CLIENT_BLOCK; i++) {
            b[i].r = r;
            b[i].next_free = r->free_clients;
            r->free_clients = &b[i];
        }
    }
    struct run_client *cl = r->free_clients;
    r->free_clients = cl->next_free;
    return cl;
}

static void
client_put(struct run *r, struct run_client *cl)
{
    cl->next_free = r->free_clients;
    r->free_clients = cl;
}

static double
phase_fraction(const struct run *r)
{
    const struct run_opts *o = r->o;
    if (r->loading)
        return (double)r->issued / (double)r->load_target;
    double f = -1;
    if (r->w->ops)
        f = fmax(f, (double)r->issued / (double)r->w->ops);
    if (r->bytes_target)
        f = fmax(f, (double)r->res->host_bytes / (double)r->bytes_target);
    if (r->requests_target)
        f = fmax(f, (double)r->res->request_bytes / (double)r->requests_target);
    if (o->duration_ns)
        f = fmax(f, (double)(sim_now(r->dev->sim) - r->phase_start_ns) / (double)o->duration_ns);
    return fmin(f, 1.0);
}

static void
op_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    struct run_client *cl = arg;
    struct run *r = cl->r;
    uint64_t now = sim_now(sim);
    r->completed++;
    r->last_done_ns = now;
    if (cl->timed) {
        uint64_t lat = now - cl->start_ns;
        nvkv_hist_add(&r->res->lat[cl->lat], lat);
        run_timeline_add(r, now - r->phase_start_ns, cl->lat, lat);
        for (int c = 0; c < SIM_WAIT_COUNT; c++)
            r->res->waits[cl->lat].ns[c] += cl->waits.ns[c];
    }
    /* nothing in flight: this may be the phase's last completion, where its time ends */
    if (r->completed == r->issued && !r->loading)
        run_acct_take(r, &r->acct_last);
    (void)plan;
    if (r->completed % PROGRESS_EVERY == 0)
        progress_update(&r->prog, phase_fraction(r), now - r->phase_start_ns, r->completed);
    if (r->o->rate > 0 && !r->loading) {
        client_put(r, cl);
        return;
    }
    if (!stop_reached(r))
        issue(r, cl, now);
}

/* Open loop: an arrival issues one operation and schedules the next. */
static void
arrival(struct sim *sim, void *arg)
{
    struct run *r = arg;
    if (stop_reached(r))
        return;
    struct run_client *cl = client_get(r);
    if (cl == NULL) {
        run_fail(r, -ENOMEM, "out of memory for in-flight operations (rate too high?)");
        return;
    }
    uint64_t now = sim_now(sim);
    issue(r, cl, now);
    double gap_s =
        r->o->poisson ? -log(1.0 - nvkv_rng_unit(&r->arrival_rng)) / r->o->rate : 1.0 / r->o->rate;
    double gap_ns = gap_s * 1e9;
    r->next_arrival_ns += gap_ns < 1e15 ? (uint64_t)llround(gap_ns) : 1000000000000000ull;
    if (r->next_arrival_ns <= now)
        r->next_arrival_ns = now + 1;
    sim_schedule(sim, r->next_arrival_ns, arrival, r);
}

/* Issue until a stop condition, then run until every operation and the idle work are done. */
static void
drive(struct run *r)
{
    struct sim *sim = r->dev->sim;
    r->issued = r->completed = 0;
    r->stop = false;
    r->phase_start_ns = r->last_done_ns = sim_now(sim);
    run_acct_take(r, &r->acct0);
    r->acct_last = r->acct0;
    if (r->o->rate > 0 && !r->loading) {
        r->next_arrival_ns = r->phase_start_ns;
        arrival(sim, r);
    } else {
        for (uint32_t i = 0; i < r->o->qd && !stop_reached(r); i++) {
            struct run_client *cl = client_get(r);
            if (cl == NULL) {
                run_fail(r, -ENOMEM, "out of memory for %u clients", r->o->qd);
                break;
            }
            issue(r, cl, sim_now(sim));
        }
    }
    sim_run(sim, UINT64_MAX);
    /* the host is idle now: let the engine do what it defers to idle time */
    r->e->ops->background(r->e);
    sim_run(sim, UINT64_MAX);
    progress_done(&r->prog);
}

/* ---- phases ---- */

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

/* The sequential load of the key space: items [0, count), not measured. */
static int
load(struct run *r, uint64_t count)
{
    struct run_result *res = r->res;
    r->loading = true;
    r->load_target = count;
    progress_init(&r->prog, "load", r->o->quiet);
    double t0 = cli_wall_seconds();
    drive(r);
    r->loading = false;
    res->load_wall_s = cli_wall_seconds() - t0;
    res->load_virtual_ns = sim_now(r->dev->sim);
    res->load_flash = *nand_stats(r->dev->nand);
    r->n_loaded = r->limit;
    res->keys = r->limit;
    r->loaded = r->loaded_now = true;
    return r->rc;
}

/*
 * The items a phase may insert beyond the key space: YCSB sizes its key space for twice the
 * expected inserts; a phase bounded by bytes written gets as many as those bytes hold.
 */
static uint64_t
insert_room(const struct run *r, const struct run_workload *w)
{
    double total = 0;
    for (int k = 0; k < WL_OP_COUNT; k++)
        total += w->spec.share[k];
    double share = total > 0 ? w->spec.share[WL_OP_INSERT] / total : 0;
    if (share == 0)
        return 0;
    uint64_t room = 0;
    if (w->ops)
        room = (uint64_t)(2.0 * share * (double)w->ops) + 1;
    double record = (double)run_key_len_max(w) + wl_valsize_mean(&w->spec.values);
    if (r->bytes_target)
        room += (uint64_t)((double)r->bytes_target / record) + 1;
    if (r->requests_target) /* requests of about a record each, `share` of them inserts */
        room += (uint64_t)(2.0 * share * (double)r->requests_target / record) + 1;
    if (room == 0) /* bounded by time only: the key space again */
        room = run_key_space(r->o, w, r->dev->exposed_bytes);
    return room;
}

static int
phase_setup(struct run *r, const struct run_workload *w)
{
    const struct run_opts *o = r->o;
    r->w = w;
    r->bytes_target =
        o->capacity_x > 0 ? (uint64_t)(o->capacity_x * (double)r->dev->exposed_bytes) : 0;
    r->requests_target =
        o->requests_x > 0
            ? (uint64_t)(o->requests_x * (double)nand_raw_bytes(nand_params(r->dev->nand)))
            : 0;
    if (w->trace != NULL) {
        if (!r->keymap_ready) {
            if (wl_keymap_init(&r->keymap, 1u << 16) != 0)
                return run_fail(r, -ENOMEM, "out of memory for the trace's key map");
            r->keymap_ready = true;
        }
        struct wl_trace_opts to = w->trace_opts;
        to.max_value = r->buf_len;
        char err[512];
        int rc = wl_trace_open(w->trace, &to, &r->trace, err, sizeof(err));
        if (rc != 0)
            return run_fail(r, rc == -ENOENT || rc == -EACCES ? NVKV_ECONFIG : NVKV_EFORMAT, "%s",
                            err);
        return 0;
    }
    uint64_t space = run_key_space(o, w, r->dev->exposed_bytes);
    if (w->spec.load && !r->loaded) {
        if (run_reserve_items(r, space) != 0)
            return run_fail(r, -ENOMEM, "out of memory for %llu keys", (unsigned long long)space);
        return 0; /* the caller loads first */
    }
    uint64_t start = r->limit;
    if (start == 0 && w->spec.share[WL_OP_INSERT] == 0)
        start = space; /* updates and reads over a key space nothing has written yet */
    if (run_reserve_items(r, start + insert_room(r, w)) != 0)
        return run_fail(r, -ENOMEM, "out of memory for the key space");
    r->limit = start;
    return 0;
}

static int
keygen_setup(struct run *r, const struct run_workload *w)
{
    if (w->trace != NULL)
        return 0;
    /* capacity: every item this phase can reach; draws stay below the limit */
    uint64_t cap = r->limit + insert_room(r, w);
    if (cap > r->n)
        cap = r->n;
    if (w->spec.key_format == WL_KEYFMT_BINARY && w->spec.key_size < 8 &&
        cap > 1ull << (8 * w->spec.key_size))
        return run_fail(r, NVKV_ECONFIG,
                        "workload %s: %u-byte binary keys name at most %llu items, the phase needs "
                        "%llu; raise --key-size or lower --keys/--fill",
                        w->name, w->spec.key_size, 1ull << (8 * w->spec.key_size),
                        (unsigned long long)cap);
    int rc = wl_keygen_init(&r->keygen, &w->spec.keys, cap ? cap : 1, r->limit ? r->limit : 1,
                            r->o->seed);
    if (rc == 0)
        rc = wl_mix_init(&r->mix, w->spec.share, w->spec.scan_dist, w->spec.scan_max);
    if (rc != 0)
        return run_fail(r, NVKV_ECONFIG, "workload %s: invalid key or mix parameters", w->name);
    return 0;
}

static void
phase_finish(struct run *r, uint64_t events0, const struct nand_stats *flash0,
             const struct kv_stats *s0)
{
    struct run_result *res = r->res;
    struct sim *sim = r->dev->sim;
    res->ops = r->issued;
    /* fio's end: the last completion; what background work ran after it is the backlog */
    struct run_acct now, *end = &r->acct_last;
    run_acct_take(r, &now);
    res->drained = r->o->drain;
    res->backlog_ns = sim_now(sim) - r->last_done_ns;
    res->backlog_flash_ops = now.flash_ops - r->acct_last.flash_ops;
    res->backlog_pages = now.flash_pages - r->acct_last.flash_pages;
    if (r->o->drain)
        end = &now;
    res->virtual_ns = (r->o->drain ? sim_now(sim) : r->last_done_ns) - r->phase_start_ns;
    for (int o = 0; o < SIM_ORIGIN_COUNT; o++) {
        res->acct.die[o] = end->die[o] - r->acct0.die[o];
        res->acct.channel[o] = end->channel[o] - r->acct0.channel[o];
        res->acct.cpu[o] = end->cpu[o] - r->acct0.cpu[o];
    }
    res->acct.flash_ops = end->flash_ops - r->acct0.flash_ops;
    res->acct.flash_pages = end->flash_pages - r->acct0.flash_pages;
    res->events = sim->events_run - events0;
    stats_delta(&res->flash, nand_stats(r->dev->nand), flash0);
    const struct kv_stats *s = r->e->ops->stats(r->e);
    res->flushes = s->flushes - s0->flushes;
    res->compactions = s->compactions - s0->compactions;
    res->gcs = s->gcs - s0->gcs;
    res->gc_pages_copied = s->gc_pages_copied - s0->gc_pages_copied;
    res->live_bytes = s->live_bytes;
    if (r->trace != NULL) {
        res->trace_format = wl_trace_format_of(r->trace);
        wl_trace_close(r->trace);
        r->trace = NULL;
    }
}

static void
derive_streams(struct run *r, int phase)
{
    uint64_t seed = r->o->seed + (uint64_t)phase * 0x9e3779b97f4a7c15ull;
    nvkv_rng_derive(&r->key_rng, seed, "run.key");
    nvkv_rng_derive(&r->mix_rng, seed, "run.mix");
    nvkv_rng_derive(&r->size_rng, seed, "run.size");
    nvkv_rng_derive(&r->scan_rng, seed, "run.scan");
    nvkv_rng_derive(&r->arrival_rng, seed, "run.arrival");
}

/* One phase: load if it asks and the device is empty, then the measured operations. */
static int
run_phase(struct run *r, int k, struct run_result *res, const char *out_dir)
{
    const struct run_workload *w = &r->o->phase[k];
    r->res = res;
    r->loaded_now = false;
    r->refused_in_row = 0;
    res->name = w->name;
    for (int l = 0; l < RUN_LAT_COUNT; l++)
        nvkv_hist_init(&res->lat[l]);
    derive_streams(r, k);
    if (phase_setup(r, w) != 0)
        return r->rc;
    if (w->spec.load && !r->loaded && w->trace == NULL) {
        if (load(r, run_key_space(r->o, w, r->dev->exposed_bytes)) != 0)
            return r->rc;
        if (run_reserve_items(r, r->limit + insert_room(r, w)) != 0)
            return run_fail(r, -ENOMEM, "out of memory for the key space");
    }
    if (keygen_setup(r, w) != 0)
        return r->rc;

    struct sim *sim = r->dev->sim;
    uint64_t events0 = sim->events_run;
    struct nand_stats flash0 = *nand_stats(r->dev->nand);
    struct kv_stats s0 = *r->e->ops->stats(r->e);
    run_timeline_open(r, out_dir);
    progress_init(&r->prog, w->name, r->o->quiet);
    double t0 = cli_wall_seconds();
    drive(r);
    res->wall_s = cli_wall_seconds() - t0;
    run_timeline_close(r);
    phase_finish(r, events0, &flash0, &s0);
    r->loaded = true; /* later phases run on what this one left */
    return r->rc;
}

/* The result directory of phase k: DIR itself for one phase, DIR/<k>-<name> for several. */
static void
phase_dir(const struct run_opts *o, const char *out, int k, char *buf, size_t len)
{
    if (out == NULL)
        buf[0] = '\0';
    else if (o->n_phases == 1)
        snprintf(buf, len, "%s", out);
    else {
        int at = snprintf(buf, len, "%s/", out);
        snprintf(buf + at, len - (size_t)at, "%d-%s", k + 1, o->phase[k].name);
        for (char *p = buf + at; *p != '\0'; p++)
            if (*p == '/' || *p == ':')
                *p = '_'; /* sized workloads: "anykey:40/20" */
    }
}

static uint32_t
value_buffer_bytes(const struct run *r)
{
    uint32_t most = 0;
    for (int k = 0; k < r->o->n_phases; k++) {
        const struct run_workload *w = &r->o->phase[k];
        uint32_t m = w->trace != NULL ? r->e->ops->max_value(r->e, WL_KEY_BYTES_MAX)
                                      : wl_valsize_max(&w->spec.values);
        if (m > most)
            most = m;
    }
    return most;
}

/* Every phase's values must fit the engine; one line naming the first that does not. */
static bool
values_fit(const struct run *r, char *err, size_t errlen)
{
    for (int k = 0; k < r->o->n_phases; k++) {
        const struct run_workload *w = &r->o->phase[k];
        if (w->trace != NULL)
            continue;
        uint32_t klen = run_key_len_max(w);
        uint32_t limit = r->e->ops->max_value(r->e, klen);
        if (wl_valsize_max(&w->spec.values) > limit) {
            char spec[64];
            wl_valsize_format(&w->spec.values, spec, sizeof(spec));
            snprintf(err, errlen,
                     "workload %s: values up to %u bytes (%s) are too large; allowed: up to %u "
                     "for engine %s with %u-byte keys",
                     w->name, wl_valsize_max(&w->spec.values), spec, limit, r->e->ops->name, klen);
            return false;
        }
    }
    return true;
}

static void
run_free(struct run *r)
{
    free(r->version);
    free(r->vsize);
    free(r->value);
    free(r->get_buf);
    for (uint32_t i = 0; i < r->n_client_blocks; i++)
        free(r->client_blocks[i]);
    free(r->client_blocks);
    if (r->trace != NULL)
        wl_trace_close(r->trace);
    if (r->keymap_ready)
        wl_keymap_free(&r->keymap);
}

int
run_main(int argc, char **argv)
{
    struct cli_common cc;
    struct run_opts o;
    run_parse_args(argc, argv, &cc, &o);
    struct cfg c;
    cli_build_config(&cc, &c);

    char err[512] = "";
    struct run r = {.o = &o};
    int rc = kvdev_open(&c, o.engine, o.seed, &r.dev, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "nvkv: run: %s\n", err);
        return rc == NVKV_ECONFIG || rc == NVKV_EFORMAT ? 2 : 1;
    }
    r.e = r.dev->engine;
    r.kvemu = c.kv.bg_model == KV_BG_KVEMU;
    if (!values_fit(&r, err, sizeof(err))) {
        kvdev_close(r.dev);
        cli_usage_error("%s", err);
    }
    for (int k = 0; k < o.n_phases; k++) {
        const struct run_workload *w = &o.phase[k];
        if (w->trace == NULL && run_key_space(&o, w, r.dev->exposed_bytes) == 0) {
            kvdev_close(r.dev);
            cli_usage_error("workload %s: --fill %g holds no record of %.0f bytes; raise --fill "
                            "or give --keys",
                            w->name, o.fill, run_key_len_max(w) + wl_valsize_mean(&w->spec.values));
        }
    }
    r.buf_len = value_buffer_bytes(&r);
    r.value = malloc(r.buf_len + 8u);
    r.get_buf = malloc(r.buf_len + 8u);
    struct run_result *res = calloc((size_t)o.n_phases, sizeof(*res));
    if (r.value == NULL || r.get_buf == NULL || res == NULL) {
        fprintf(stderr, "nvkv: run: out of memory\n");
        free(res);
        run_free(&r);
        kvdev_close(r.dev);
        return 1;
    }
    if (!o.quiet)
        run_print_header(&r, &c);
    for (int k = 0; k < o.n_phases && rc == 0; k++) {
        char dir[4096];
        phase_dir(&o, cc.out_dir, k, dir, sizeof(dir));
        rc = run_phase(&r, k, &res[k], dir[0] ? dir : NULL);
        if (rc != 0)
            break;
        bool with_load = r.loaded_now;
        if (o.n_phases > 1)
            printf("%sphase %d: %s\n", k ? "\n" : "", k + 1, o.phase[k].name);
        run_print_summary(&r, &c, with_load);
        if (dir[0])
            run_write_results(dir, &r, &c, with_load);
    }
    if (rc != 0)
        fprintf(stderr, "nvkv: run: %s\n", r.err);
    free(res);
    run_free(&r);
    kvdev_close(r.dev);
    return rc == 0 ? 0 : rc == NVKV_ECONFIG || rc == NVKV_EFORMAT ? 2 : 1;
}
