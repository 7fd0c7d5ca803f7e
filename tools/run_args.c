/* SPDX-License-Identifier: MIT */
/*
 * `nvkv run`'s command line: workloads from presets or flags, flags overriding a preset for
 * every phase, and the db_bench spellings users already type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "../src/kv/engine.h"
#include "../src/workload/preset.h"
#include "cli.h"
#include "run_internal.h"

/* Operations of a phase when nothing else bounds it. */
#define RUN_DEFAULT_OPS 1000000ull
/* The natural length of YCSB's "user" + number keys is at most 4 + 19 bytes. */
#define YCSB_KEY_MAX 23u

static const char run_help[] =
    "usage: nvkv run --engine NAME [--workload NAME[,NAME...] | --trace FILE] [options]\n"
    "\n"
    "One engine on one emulated KV-SSD under key-value workloads. The key space (F x exposed\n"
    "capacity / record bytes, or --keys N items) is loaded first when the workload asks for it\n"
    "(sequential PUTs at the queue depth, not measured; reported as result.json `load`), then\n"
    "each workload runs as a measured phase on the same device, one after another. Every value\n"
    "read back is checked against the host's record of the key's version and size; scans are\n"
    "checked for key order, and with binary keys of 8+ bytes also for values and no key missed.\n"
    "Latency is completion minus submission (open loop: minus arrival) in virtual time, command\n"
    "decode on a controller core included. PUTs refused with KV_NO_SPACE are counted, not timed.\n"
    "\n"
    "Workload:\n"
    "  --workload NAMES    presets, comma-separated, run in order; `--workload list` lists them\n"
    "                      (the 14 AnyKey workloads, BandSlim wb/wc/wd/wm, ycsb-a..f, db_bench's)\n"
    "  --trace FILE        replay a trace instead (formats: text, twitter, cachelib)\n"
    "  --trace-format F    auto (default), text, twitter, cachelib\n"
    "  --trace-repeat N    passes over the trace, each on its own keys (default 1)\n"
    "  --key-size K        key bytes (default 16, or the preset's)\n"
    "  --key-format F      binary (item number big-endian, then a pad) or ycsb (\"user\"+hash)\n"
    "  --value-size SPEC   N, wb, wc, wd, wm, uniform:MIN-MAX, pareto:K,SIGMA[,MIN,MAX]\n"
    "                      (default 4096, or the preset's)\n"
    "  --key-dist D        seq, uniform, zipf, scrambled (YCSB's), latest, hotset\n"
    "  --theta T           Zipfian skew, 0 < T < 1 (default 0.99)\n"
    "  --hot-items X       hotset: share of items that is hot (default 0.2)\n"
    "  --hot-ops X         hotset: share of operations on them (default 0.8)\n"
    "  --write-ratio R     R updates, 1 - R reads (default 0.5 without a preset)\n"
    "  --mix SPEC          shares, e.g. read=0.5,update=0.3,insert=0.1,delete=0.05,scan=0.05\n"
    "                      (also rmw); normalized\n"
    "  --scan-max N        longest scan (default 100); --scan-dist uniform|pareto\n"
    "  --fill F            share of the exposed capacity the key space fills (default 0.5)\n"
    "  --keys N            the key space in items instead of --fill\n"
    "  --fill-piece B      --fill counts each record rounded up to a multiple of B bytes (PinK\n"
    "                      stores pairs in 512-byte pieces: 512 gives every engine the keys\n"
    "                      PinK can hold at that fill; default 0, exact record bytes)\n"
    "  --no-load           start the run on an empty device\n"
    "  --procedure P       none (default: the options as given) or paper: the AnyKey paper's\n"
    "                      (section 5.5). Warm-up: every pair of the key space inserted until the\n"
    "                      device holds --fill (default 0.9) of its exposed capacity, compaction\n"
    "                      and GC running as they would, untimed (KVEMU's timing starts with the\n"
    "                      measured phase). Measured phase: until the requests issued (keys and\n"
    "                      values of reads and writes) total 2x the raw capacity (--requests-x 2;\n"
    "                      an explicit --ops, --capacity-x, --duration or --requests-x replaces\n"
    "                      it). Without a preset: 20% writes, Zipfian 0.99; queue depth 64.\n"
    "\n";

static const char run_help_phases[] =
    "Each phase stops at the first of:\n"
    "  --ops N             operations (default 1000000 when nothing else bounds a phase)\n"
    "  --capacity-x K      host bytes written reach K x the exposed capacity\n"
    "  --requests-x K      bytes of all requests (key + value of each PUT, key + value returned\n"
    "                      of each GET, key of each DEL) reach K x the raw capacity\n"
    "  --duration S        S seconds of virtual time\n"
    "  (a trace also stops at its end)\n"
    "A phase's time runs from its first submission to its last completion, as fio's jobs do;\n"
    "background work still queued then is reported as result.json's backlog, not timed:\n"
    "  --drain             time the phase until that backlog has run too\n"
    "\n"
    "Issuing:\n"
    "  --qd N              closed loop: operations kept in flight (default 64)\n"
    "  --rate R            open loop: R operations per virtual second instead (>= 0.001)\n"
    "  --arrival A         open loop arrivals: poisson (default) or fixed\n"
    "  --timeline-ms MS    timeline.csv interval in virtual milliseconds, >= 0.001 (default\n"
    "                      100)\n"
    "\n"
    "db_bench spellings: --benchmarks=fillrandom,readrandom (presets run as phases),\n"
    "  --num N (= --keys N, and --ops N unless given), --reads N (ops of the phases that read),\n"
    "  --key_size, --value_size, --threads N (= --qd N).\n"
    "\n"
    "With --out DIR: result.json, latency_<op>.csv and timeline.csv in DIR (several phases:\n"
    "in DIR/<k>-<workload>/).\n"
    "\n";

/* What the flags set; applied over each phase's preset. */
struct overrides {
    const char *workloads; /* comma-separated presets */
    const char *benchmarks;
    const char *trace;
    struct wl_trace_opts trace_opts;
    bool has_key_size, has_key_format, has_values, has_dist, has_theta, has_hot_items;
    bool has_hot_ops, has_share, has_scan_max, has_scan_dist, no_load;
    uint32_t key_size;
    enum wl_key_format key_format;
    const char *value_spec;
    enum wl_key_dist dist;
    double theta, hot_items, hot_ops;
    double share[WL_OP_COUNT];
    uint32_t scan_max;
    enum wl_scan_dist scan_dist;
    uint64_t ops, reads, num_ops;
    bool has_ops, has_fill;
};

/* A number option in [lo, hi] (lo excluded when lo_open, hi excluded when hi_open) or exit 2. */
static double
parse_number(const char *option, const char *value, double lo, double hi, bool lo_open,
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
list_presets(void)
{
    printf("%-18s %-9s %-6s %-12s %s\n", "workload", "family", "key", "values", "what");
    for (unsigned i = 0; i < wl_preset_count; i++) {
        const struct wl_preset *p = &wl_presets[i];
        char spec[64];
        wl_valsize_format(&p->spec.values, spec, sizeof(spec));
        printf("%-18s %-9s %-6u %-12s %s\n", p->name, p->family, p->spec.key_size, spec,
               p->summary);
    }
    printf("\nsources:\n");
    for (unsigned i = 0; i < wl_preset_count; i++)
        printf("  %-18s %s\n", wl_presets[i].name, wl_presets[i].source);
    exit(0);
}

static void
custom_workload(struct run_workload *w)
{
    memset(w, 0, sizeof(*w));
    w->name = "custom";
    w->spec.key_size = 16;
    w->spec.key_format = WL_KEYFMT_BINARY;
    w->spec.values.kind = WL_VALSIZE_FIXED;
    w->spec.values.fixed = 4096;
    wl_key_params_default(&w->spec.keys, WL_KEY_UNIFORM);
    w->spec.share[WL_OP_READ] = 0.5;
    w->spec.share[WL_OP_UPDATE] = 0.5;
    w->spec.scan_dist = WL_SCAN_UNIFORM;
    w->spec.scan_max = 100;
    w->spec.load = true;
}

static void
preset_workload(struct run_workload *w, const struct wl_preset *p)
{
    memset(w, 0, sizeof(*w));
    w->name = p->name;
    w->spec = p->spec;
    if (w->spec.scan_max == 0)
        w->spec.scan_max = 100;
}

static void
apply_overrides(struct run_workload *w, const struct overrides *v)
{
    char err[256];
    if (v->has_key_size)
        w->spec.key_size = v->key_size;
    if (v->has_key_format)
        w->spec.key_format = v->key_format;
    if (v->has_values &&
        wl_valsize_parse_spec(v->value_spec, KV_VALUE_MAX, &w->spec.values, err, sizeof(err)) != 0)
        cli_usage_error("--value-size = '%s': %s", v->value_spec, err);
    if (v->has_dist) {
        double theta = w->spec.keys.theta;
        wl_key_params_default(&w->spec.keys, v->dist);
        w->spec.keys.theta = theta > 0 ? theta : w->spec.keys.theta;
    }
    if (v->has_theta)
        w->spec.keys.theta = v->theta;
    if (v->has_hot_items)
        w->spec.keys.hot_items = v->hot_items;
    if (v->has_hot_ops)
        w->spec.keys.hot_ops = v->hot_ops;
    if (v->has_share)
        memcpy(w->spec.share, v->share, sizeof(w->spec.share));
    if (v->has_scan_max)
        w->spec.scan_max = v->scan_max;
    if (v->has_scan_dist)
        w->spec.scan_dist = v->scan_dist;
    if (v->no_load)
        w->spec.load = false;
    bool reads = w->spec.share[WL_OP_READ] > 0 || w->spec.share[WL_OP_SCAN] > 0 ||
                 w->spec.share[WL_OP_RMW] > 0;
    w->ops = v->has_ops ? v->ops : 0;
    if (v->reads && reads)
        w->ops = v->reads;
    if (w->ops == 0 && w->trace == NULL && !v->has_ops)
        w->ops = RUN_DEFAULT_OPS;
}

/*
 * "FAMILY:K/V": a preset's workload with K-byte keys and V-byte values, for sweeps (the AnyKey
 * paper's value/key sweep is anykey:40/20 ... anykey:40/1280, i.e. kvssd's mix at other sizes).
 * FAMILY is any preset name; "anykey" means kvssd. False when `name` has no such form.
 */
static bool
sized_workload(struct run_workload *w, const char *name)
{
    static char names[RUN_MAX_PHASES * 4][48];
    static int used;
    const char *colon = strchr(name, ':');
    unsigned k, v;
    char tail;
    if (colon == NULL || sscanf(colon + 1, "%u/%u%c", &k, &v, &tail) != 2)
        return false;
    char family[32];
    snprintf(family, sizeof(family), "%.*s", (int)(colon - name), name);
    const struct wl_preset *p = wl_preset_find(strcmp(family, "anykey") == 0 ? "kvssd" : family);
    if (p == NULL)
        cli_usage_error("workload '%s': unknown preset '%s'; allowed: %s", name, family,
                        wl_preset_names());
    if (k > KV_KEY_MAX || v > KV_VALUE_MAX || (k == 0 && p->spec.key_format == WL_KEYFMT_BINARY))
        cli_usage_error("workload '%s': key bytes 1..%u and value bytes 0..%u", name, KV_KEY_MAX,
                        KV_VALUE_MAX);
    preset_workload(w, p);
    w->spec.key_size = k;
    w->spec.values.kind = WL_VALSIZE_FIXED;
    w->spec.values.fixed = v;
    if (used < (int)(sizeof(names) / sizeof(names[0]))) {
        snprintf(names[used], sizeof(names[used]), "%s", name);
        w->name = names[used++];
    }
    return true;
}

/* Fill o->phase[] from the named presets (comma-separated). */
static void
add_presets(struct run_opts *o, const char *names, const char *option)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", names);
    for (char *save = NULL, *name = strtok_r(buf, ",", &save); name != NULL;
         name = strtok_r(NULL, ",", &save)) {
        if (o->n_phases == RUN_MAX_PHASES)
            cli_usage_error("%s: at most %d workloads", option, RUN_MAX_PHASES);
        if (sized_workload(&o->phase[o->n_phases], name)) {
            o->n_phases++;
            continue;
        }
        const struct wl_preset *p = wl_preset_find(name);
        if (p == NULL)
            cli_usage_error("%s '%s': unknown workload; allowed: %s (see --workload list)", option,
                            name, wl_preset_names());
        preset_workload(&o->phase[o->n_phases++], p);
        /* the preset's name must outlive buf */
        o->phase[o->n_phases - 1].name = p->name;
    }
    if (o->n_phases == 0)
        cli_usage_error("%s: no workload named", option);
}

static bool
parse_workload_option(struct overrides *v, int argc, char **argv, int *i)
{
    const char *s;
    char err[256];
    if ((s = cli_option_value("--workload", argc, argv, i)) != NULL) {
        if (strcmp(s, "list") == 0)
            list_presets();
        v->workloads = s;
    } else if ((s = cli_option_value("--benchmarks", argc, argv, i)) != NULL) {
        v->benchmarks = s;
    } else if ((s = cli_option_value("--trace", argc, argv, i)) != NULL) {
        v->trace = s;
    } else if ((s = cli_option_value("--trace-format", argc, argv, i)) != NULL) {
        int f = wl_trace_format_parse(s);
        if (f < 0)
            cli_usage_error("--trace-format = '%s': invalid; allowed: auto, text, twitter, "
                            "cachelib",
                            s);
        v->trace_opts.format = (enum wl_trace_format)f;
    } else if ((s = cli_option_value("--trace-repeat", argc, argv, i)) != NULL) {
        v->trace_opts.repeat = (uint32_t)cli_parse_u64("--trace-repeat", s, 1, 1u << 20);
    } else if ((s = cli_option_value("--key-size", argc, argv, i)) != NULL ||
               (s = cli_option_value("--key_size", argc, argv, i)) != NULL) {
        v->key_size = (uint32_t)cli_parse_u64("--key-size", s, 0, KV_KEY_MAX);
        v->has_key_size = true;
    } else if ((s = cli_option_value("--key-format", argc, argv, i)) != NULL) {
        int f = wl_key_format_parse(s);
        if (f < 0)
            cli_usage_error("--key-format = '%s': invalid; allowed: binary, ycsb", s);
        v->key_format = (enum wl_key_format)f;
        v->has_key_format = true;
    } else if ((s = cli_option_value("--value-size", argc, argv, i)) != NULL ||
               (s = cli_option_value("--value_size", argc, argv, i)) != NULL) {
        struct wl_valsize probe;
        if (wl_valsize_parse_spec(s, KV_VALUE_MAX, &probe, err, sizeof(err)) != 0)
            cli_usage_error("--value-size = '%s': %s", s, err);
        v->value_spec = s;
        v->has_values = true;
    } else if ((s = cli_option_value("--key-dist", argc, argv, i)) != NULL) {
        int d = wl_key_dist_parse(s);
        if (d < 0)
            cli_usage_error("--key-dist = '%s': invalid; allowed: seq, uniform, zipf, scrambled, "
                            "latest, hotset",
                            s);
        v->dist = (enum wl_key_dist)d;
        v->has_dist = true;
    } else if ((s = cli_option_value("--theta", argc, argv, i)) != NULL) {
        v->theta = parse_number("--theta", s, 0, 1, true, true);
        v->has_theta = true;
    } else if ((s = cli_option_value("--hot-items", argc, argv, i)) != NULL) {
        v->hot_items = parse_number("--hot-items", s, 0, 1, true, true);
        v->has_hot_items = true;
    } else if ((s = cli_option_value("--hot-ops", argc, argv, i)) != NULL) {
        v->hot_ops = parse_number("--hot-ops", s, 0, 1, false, false);
        v->has_hot_ops = true;
    } else if ((s = cli_option_value("--write-ratio", argc, argv, i)) != NULL) {
        double w = parse_number("--write-ratio", s, 0, 1, false, false);
        memset(v->share, 0, sizeof(v->share));
        v->share[WL_OP_READ] = 1 - w;
        v->share[WL_OP_UPDATE] = w;
        v->has_share = true;
    } else if ((s = cli_option_value("--mix", argc, argv, i)) != NULL) {
        if (wl_mix_parse(s, v->share, err, sizeof(err)) != 0)
            cli_usage_error("--mix = '%s': %s", s, err);
        v->has_share = true;
    } else if ((s = cli_option_value("--scan-max", argc, argv, i)) != NULL) {
        v->scan_max = (uint32_t)cli_parse_u64("--scan-max", s, 1, 1u << 24);
        v->has_scan_max = true;
    } else if ((s = cli_option_value("--scan-dist", argc, argv, i)) != NULL) {
        if (strcmp(s, "uniform") != 0 && strcmp(s, "pareto") != 0)
            cli_usage_error("--scan-dist = '%s': invalid; allowed: uniform, pareto", s);
        v->scan_dist = strcmp(s, "pareto") == 0 ? WL_SCAN_PARETO : WL_SCAN_UNIFORM;
        v->has_scan_dist = true;
    } else if (strcmp(argv[*i], "--no-load") == 0) {
        v->no_load = true;

    } else {
        return false;
    }
    return true;
}

static bool
parse_run_option(struct run_opts *o, struct overrides *v, int argc, char **argv, int *i)
{
    const char *s;
    if ((s = cli_option_value("--engine", argc, argv, i)) != NULL) {
        o->engine = s;
    } else if (strcmp(argv[*i], "--drain") == 0) {
        o->drain = true;
    } else if ((s = cli_option_value("--fill", argc, argv, i)) != NULL) {
        o->fill = parse_number("--fill", s, 0, 1, true, false);
        v->has_fill = true;
    } else if ((s = cli_option_value("--procedure", argc, argv, i)) != NULL) {
        if (strcmp(s, "none") == 0)
            o->procedure = RUN_PROC_NONE;
        else if (strcmp(s, "paper") == 0)
            o->procedure = RUN_PROC_PAPER;
        else
            cli_usage_error("--procedure = '%s': invalid; allowed: none, paper", s);
    } else if ((s = cli_option_value("--requests-x", argc, argv, i)) != NULL) {
        o->requests_x = parse_number("--requests-x", s, 0, 1e6, true, false);
    } else if ((s = cli_option_value("--keys", argc, argv, i)) != NULL) {
        o->keys = cli_parse_u64("--keys", s, 1, 1ull << 40);
    } else if ((s = cli_option_value("--fill-piece", argc, argv, i)) != NULL) {
        o->fill_piece = (uint32_t)cli_parse_u64("--fill-piece", s, 0, 1u << 20);
    } else if ((s = cli_option_value("--num", argc, argv, i)) != NULL) {
        o->keys = cli_parse_u64("--num", s, 1, 1ull << 40);
        v->num_ops = o->keys; /* db_bench: each benchmark does --num operations */
    } else if ((s = cli_option_value("--ops", argc, argv, i)) != NULL) {
        v->ops = cli_parse_u64("--ops", s, 1, 1ull << 40);
        v->has_ops = true;
    } else if ((s = cli_option_value("--reads", argc, argv, i)) != NULL) {
        v->reads = cli_parse_u64("--reads", s, 1, 1ull << 40);
    } else if ((s = cli_option_value("--capacity-x", argc, argv, i)) != NULL) {
        o->capacity_x = parse_number("--capacity-x", s, 0, 1e6, true, false);
    } else if ((s = cli_option_value("--duration", argc, argv, i)) != NULL) {
        o->duration_ns = (uint64_t)(parse_number("--duration", s, 0, 1e6, true, false) * 1e9);
    } else if ((s = cli_option_value("--qd", argc, argv, i)) != NULL ||
               (s = cli_option_value("--threads", argc, argv, i)) != NULL) {
        o->qd = (uint32_t)cli_parse_u64("--qd", s, 1, 1u << 16);
    } else if ((s = cli_option_value("--rate", argc, argv, i)) != NULL) {
        o->rate = parse_number("--rate", s, 0.001, 1e10, false, false);
    } else if ((s = cli_option_value("--arrival", argc, argv, i)) != NULL) {
        if (strcmp(s, "poisson") != 0 && strcmp(s, "fixed") != 0)
            cli_usage_error("--arrival = '%s': invalid; allowed: poisson, fixed", s);
        o->poisson = strcmp(s, "poisson") == 0;
    } else if ((s = cli_option_value("--timeline-ms", argc, argv, i)) != NULL) {
        o->timeline_ns =
            (uint64_t)(parse_number("--timeline-ms", s, 0.001, 1e9, false, false) * 1e6 + 0.5);
    } else {
        return parse_workload_option(v, argc, argv, i);
    }
    return true;
}

static bool
phase_writes(const struct run_workload *w)
{
    return w->trace != NULL || w->spec.share[WL_OP_UPDATE] > 0 || w->spec.share[WL_OP_INSERT] > 0 ||
           w->spec.share[WL_OP_RMW] > 0;
}

static void
check_phase(const struct run_opts *o, const struct run_workload *w)
{
    if (o->capacity_x > 0 && !phase_writes(w) && w->ops == 0 && o->duration_ns == 0)
        cli_usage_error("workload %s writes nothing, so --capacity-x would never stop it; add "
                        "--ops or --duration",
                        w->name);
    if (w->trace != NULL)
        return;
    if (w->spec.key_format == WL_KEYFMT_BINARY && w->spec.key_size == 0)
        cli_usage_error("workload %s: --key-size 0 is only for --key-format ycsb", w->name);
    struct wl_mix m;
    if (wl_mix_init(&m, w->spec.share, w->spec.scan_dist, w->spec.scan_max) != 0)
        cli_usage_error("workload %s: the operation mix has no positive share", w->name);
    struct wl_keygen g;
    if (wl_keygen_init(&g, &w->spec.keys, 2, 1, 0) != 0)
        cli_usage_error("workload %s: invalid key distribution parameters", w->name);
}

/*
 * Every phase must write the same keys for the same items: the host keeps one record per item
 * number, and a phase with other key bytes would look for keys never written.
 */
static void
check_same_keys(const struct run_opts *o)
{
    const struct run_workload *a = &o->phase[0];
    for (int k = 1; k < o->n_phases; k++) {
        const struct run_workload *b = &o->phase[k];
        if (a->trace == NULL && b->trace == NULL &&
            (a->spec.key_format != b->spec.key_format || a->spec.key_size != b->spec.key_size))
            cli_usage_error("workloads %s and %s build different keys (%s %u bytes, %s %u "
                            "bytes); phases share one key space: set --key-size and "
                            "--key-format for all",
                            a->name, b->name, wl_key_format_name(a->spec.key_format),
                            a->spec.key_size, wl_key_format_name(b->spec.key_format),
                            b->spec.key_size);
    }
}

const char *
run_procedure_name(enum run_procedure p)
{
    return p == RUN_PROC_PAPER ? "paper" : "none";
}

/*
 * The AnyKey paper's procedure (section 5.5): a warm-up that inserts every pair until the device
 * holds its fill, then a measured phase until the requests total twice the SSD's capacity
 * ("e.g., 128GB for a 64GB SSD": the raw capacity). What the options set stays as set.
 */
static void
apply_paper_procedure(struct run_opts *o, struct overrides *v)
{
    if (v->no_load)
        cli_usage_error("--procedure paper begins with its warm-up (the load); drop --no-load");
    if (v->trace != NULL)
        cli_usage_error("--procedure paper generates its requests; it does not replay --trace");
    if (!v->has_fill && o->keys == 0)
        o->fill = 0.9;
    if (v->workloads == NULL && v->benchmarks == NULL) {
        /* the paper's defaults: 20% writes, Zipfian 0.99 (the presets carry their own) */
        if (!v->has_share) {
            memset(v->share, 0, sizeof(v->share));
            v->share[WL_OP_READ] = 0.8;
            v->share[WL_OP_UPDATE] = 0.2;
            v->has_share = true;
        }
        if (!v->has_dist) {
            v->dist = WL_KEY_ZIPF;
            v->has_dist = true;
        }
        if (!v->has_theta) {
            v->theta = 0.99;
            v->has_theta = true;
        }
    }
    if (!v->has_ops && o->capacity_x == 0 && o->duration_ns == 0 && o->requests_x == 0)
        o->requests_x = 2;
}

void
run_parse_args(int argc, char **argv, struct cli_common *cc, struct run_opts *o)
{
    cli_common_init(cc);
    memset(o, 0, sizeof(*o));
    o->fill = 0.5;
    o->qd = 64;
    o->poisson = true;
    o->timeline_ns = 100000000ull;
    struct overrides v = {.trace_opts = {.format = WL_TRACE_AUTO, .repeat = 1}};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_help, stdout);
            fputs(run_help_phases, stdout);
            fputs(cli_common_help, stdout);
            exit(0);
        } else if (!cli_parse_common(cc, argc, argv, &i) &&
                   !parse_run_option(o, &v, argc, argv, &i)) {
            cli_usage_error("run: unknown option '%s'; see nvkv run --help", argv[i]);
        }
    }
    o->seed = cc->seed;
    o->quiet = cc->quiet;
    if (o->engine == NULL)
        cli_usage_error("run: --engine is required; allowed: %s", kv_engine_names());
    if (kv_engine_find(o->engine) == NULL)
        cli_usage_error("--engine '%s': unknown engine; allowed: %s", o->engine, kv_engine_names());
    if ((v.workloads != NULL) + (v.benchmarks != NULL) + (v.trace != NULL) > 1)
        cli_usage_error("run: --workload, --benchmarks and --trace exclude each other");
    if (v.workloads != NULL)
        add_presets(o, v.workloads, "--workload");
    else if (v.benchmarks != NULL)
        add_presets(o, v.benchmarks, "--benchmarks");
    else
        custom_workload(&o->phase[o->n_phases++]);
    if (v.trace != NULL) {
        struct run_workload *w = &o->phase[0];
        w->name = "trace";
        w->trace = v.trace;
        w->trace_opts = v.trace_opts;
        w->spec.load = false;
    }
    if (!v.has_ops && v.num_ops) {
        v.ops = v.num_ops;
        v.has_ops = true;
    }
    if (o->procedure == RUN_PROC_PAPER)
        apply_paper_procedure(o, &v);
    for (int k = 0; k < o->n_phases; k++) {
        apply_overrides(&o->phase[k], &v);
        if ((o->capacity_x > 0 || o->duration_ns > 0 || o->requests_x > 0) && !v.has_ops)
            o->phase[k].ops = 0;
        check_phase(o, &o->phase[k]);
    }
    check_same_keys(o);
}

uint32_t
run_key_len_max(const struct run_workload *w)
{
    if (w->spec.key_format == WL_KEYFMT_YCSB)
        return w->spec.key_size > YCSB_KEY_MAX ? w->spec.key_size : YCSB_KEY_MAX;
    return w->spec.key_size;
}

uint64_t
run_key_space(const struct run_opts *o, const struct run_workload *w, uint64_t exposed_bytes)
{
    if (o->keys)
        return o->keys;
    double record = (double)run_key_len_max(w) + wl_valsize_mean(&w->spec.values);
    if (o->fill_piece > 0)
        record = ceil(record / o->fill_piece) * o->fill_piece;
    return (uint64_t)(o->fill * (double)exposed_bytes / record);
}
