/* SPDX-License-Identifier: MIT */
/*
 * `nvkv gen-bench`: how fast the workload generators produce requests, so a run measures the
 * emulator and not its load generator. One request is what a run draws for each operation: the
 * operation (mix), the item (key distribution), a value size and the key bytes; value bytes are
 * left out (they are a few vector copies, priced by the engines' own benchmarks). Inserts add
 * the next item as a run would, so `latest` grows as it does in YCSB D.
 */
#include "gen_bench.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/base/rng.h"
#include "../src/kv/engine.h"
#include "../src/workload/keygen.h"
#include "../src/workload/mix.h"
#include "../src/workload/valsize.h"
#include "cli.h"

#define MAX_REPEAT 99

struct gen_bench_opts {
    int dist; /* -1: every distribution */
    uint64_t n;
    struct wl_valsize values;
    char value_spec[96];
    enum wl_key_format key_format;
    uint32_t key_size;
    double theta;
    struct wl_mix mix;
    char mix_spec[160];
    uint64_t draws;
    uint32_t repeat;
    uint64_t seed;
};

/* Checksum of everything drawn, printed so the compiler cannot drop any of the work. */
struct gen_sink {
    uint64_t sum;
};

/* CPU seconds of this process: on a shared machine the wall rate alone says little. */
static double
cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct gen_time {
    double wall, cpu;
};

static struct gen_time
draw_requests(const struct gen_bench_opts *o, struct wl_keygen *g, struct gen_sink *sink)
{
    struct nvkv_rng key_rng, mix_rng, size_rng;
    nvkv_rng_derive(&key_rng, o->seed, "gen-bench.keys");
    nvkv_rng_derive(&mix_rng, o->seed, "gen-bench.mix");
    nvkv_rng_derive(&size_rng, o->seed, "gen-bench.sizes");
    uint8_t key[WL_KEY_BYTES_MAX];
    uint64_t sum = 0;
    double t0 = cli_wall_seconds(), c0 = cpu_seconds();
    for (uint64_t i = 0; i < o->draws; i++) {
        enum wl_op op = wl_mix_next(&o->mix, &mix_rng);
        uint64_t item;
        if (op == WL_OP_INSERT && g->limit < g->n) {
            item = g->limit;
            wl_keygen_set_limit(g, g->limit + 1);
        } else {
            item = wl_keygen_next(g, &key_rng);
        }
        uint32_t size = wl_valsize_next(&o->values, &size_rng);
        if (op == WL_OP_SCAN)
            size ^= wl_scan_len_next(&o->mix, &size_rng);
        uint32_t len = wl_key_bytes(o->key_format, o->key_size, item, key);
        sum += item ^ size ^ ((uint64_t)key[0] << 32) ^ ((uint64_t)key[len - 1] << 40);
    }
    struct gen_time t = {cli_wall_seconds() - t0, cpu_seconds() - c0};
    sink->sum ^= sum;
    return t;
}

static int
compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median wall and CPU times of `repeat` runs of one distribution; false if setup failed. */
static bool
bench_dist(const struct gen_bench_opts *o, enum wl_key_dist dist, double *setup_s,
           struct gen_time *median, struct gen_sink *sink)
{
    struct wl_key_params p;
    wl_key_params_default(&p, dist);
    p.theta = o->theta;
    double walls[MAX_REPEAT], cpus[MAX_REPEAT];
    for (uint32_t r = 0; r < o->repeat; r++) {
        struct wl_keygen g;
        double t0 = cli_wall_seconds();
        /* every item exists, or 90% when the mix inserts (room for the new ones) */
        uint64_t limit = o->mix.share[WL_OP_INSERT] > 0.0 ? o->n - o->n / 10 : o->n;
        if (wl_keygen_init(&g, &p, o->n, limit > 0 ? limit : 1, o->seed) != 0)
            return false;
        *setup_s = cli_wall_seconds() - t0;
        struct gen_time t = draw_requests(o, &g, sink);
        walls[r] = t.wall;
        cpus[r] = t.cpu;
    }
    qsort(walls, o->repeat, sizeof(walls[0]), compare_double);
    qsort(cpus, o->repeat, sizeof(cpus[0]), compare_double);
    median->wall = walls[o->repeat / 2];
    median->cpu = cpus[o->repeat / 2];
    return true;
}

static const char gen_bench_help[] =
    "usage: nvkv gen-bench [--dist NAME|all] [--n N] [--value-size SPEC] [--key-format F]\n"
    "                      [--key-size K] [--mix SPEC] [--theta T] [--draws N] [--repeat R]\n"
    "                      [--seed S]\n"
    "\n"
    "Requests per wall second of the workload generators. A request is an operation drawn\n"
    "from the mix, its item from the key distribution, a value size and the key bytes (not\n"
    "the value bytes). All N items exist (90% when the mix inserts; an insert adds the next).\n"
    "  --dist NAME       seq, uniform, zipf, scrambled, latest, hotset or all (default\n"
    "                    scrambled)\n"
    "  --n N             items (default 10000000)\n"
    "  --value-size SPEC a size, wb|wc|wd|wm, uniform:MIN-MAX or pareto:K,SIGMA[,MIN,MAX]\n"
    "                    (default 1024)\n"
    "  --key-format F    binary or ycsb (default binary)\n"
    "  --key-size K      key bytes; ycsb: padded length, 0 natural (default 16)\n"
    "  --mix SPEC        operation shares, e.g. read=0.95,insert=0.05 (default\n"
    "                    read=0.5,update=0.5)\n"
    "  --theta T         skew of zipf, scrambled and latest (default 0.99)\n"
    "  --draws N         requests per run (default 50000000)\n"
    "  --repeat R        runs per distribution; the median is reported (default 3)\n"
    "  --seed S          seed of the random streams (default 1)\n"
    "The rate is given per wall second and per CPU second of this process (the same on an\n"
    "idle machine; on a shared one the CPU figure is the generator's own speed).\n";

static void
parse_options(int argc, char **argv, struct gen_bench_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        char err[200];
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(gen_bench_help, stdout);
            exit(0);
        } else if ((v = cli_option_value("--dist", argc, argv, &i)) != NULL) {
            o->dist = strcmp(v, "all") == 0 ? -1 : wl_key_dist_parse(v);
            if (o->dist < 0 && strcmp(v, "all") != 0)
                cli_usage_error("--dist = '%s': invalid; allowed: seq, uniform, zipf, scrambled, "
                                "latest, hotset, all",
                                v);
        } else if ((v = cli_option_value("--n", argc, argv, &i)) != NULL) {
            o->n = cli_parse_u64("--n", v, 1, 1ull << 40);
        } else if ((v = cli_option_value("--value-size", argc, argv, &i)) != NULL) {
            if (wl_valsize_parse_spec(v, KV_VALUE_MAX, &o->values, err, sizeof(err)) != 0)
                cli_usage_error("--value-size: %s", err);
        } else if ((v = cli_option_value("--key-format", argc, argv, &i)) != NULL) {
            int f = wl_key_format_parse(v);
            if (f < 0)
                cli_usage_error("--key-format = '%s': invalid; allowed: binary, ycsb", v);
            o->key_format = (enum wl_key_format)f;
        } else if ((v = cli_option_value("--key-size", argc, argv, &i)) != NULL) {
            o->key_size = (uint32_t)cli_parse_u64("--key-size", v, 0, WL_KEY_BYTES_MAX);
        } else if ((v = cli_option_value("--mix", argc, argv, &i)) != NULL) {
            double share[WL_OP_COUNT];
            if (wl_mix_parse(v, share, err, sizeof(err)) != 0)
                cli_usage_error("--mix: %s", err);
            wl_mix_init(&o->mix, share, WL_SCAN_UNIFORM, 100);
            snprintf(o->mix_spec, sizeof(o->mix_spec), "%s", v);
        } else if ((v = cli_option_value("--theta", argc, argv, &i)) != NULL) {
            char *end;
            o->theta = strtod(v, &end);
            if (*end != '\0' || !(o->theta > 0.0 && o->theta < 1.0))
                cli_usage_error("--theta = '%s': invalid; allowed: a number in (0, 1)", v);
        } else if ((v = cli_option_value("--draws", argc, argv, &i)) != NULL) {
            o->draws = cli_parse_u64("--draws", v, 1, 1ull << 40);
        } else if ((v = cli_option_value("--repeat", argc, argv, &i)) != NULL) {
            o->repeat = (uint32_t)cli_parse_u64("--repeat", v, 1, MAX_REPEAT);
        } else if ((v = cli_option_value("--seed", argc, argv, &i)) != NULL) {
            o->seed = cli_parse_u64("--seed", v, 0, UINT64_MAX);
        } else {
            cli_usage_error("gen-bench: unknown option '%s'; see nvkv gen-bench --help", argv[i]);
        }
    }
    if (o->key_format == WL_KEYFMT_BINARY && o->key_size == 0)
        cli_usage_error("--key-size = 0: invalid for binary keys; allowed: 1..%u",
                        WL_KEY_BYTES_MAX);
}

static void
default_options(struct gen_bench_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->dist = WL_KEY_SCRAMBLED;
    o->n = 10000000;
    o->values.kind = WL_VALSIZE_FIXED;
    o->values.fixed = 1024;
    o->key_format = WL_KEYFMT_BINARY;
    o->key_size = 16;
    o->theta = WL_ZIPF_THETA_DEFAULT;
    double share[WL_OP_COUNT] = {[WL_OP_READ] = 0.5, [WL_OP_UPDATE] = 0.5};
    wl_mix_init(&o->mix, share, WL_SCAN_UNIFORM, 100);
    snprintf(o->mix_spec, sizeof(o->mix_spec), "read=0.5,update=0.5");
    o->draws = 50000000;
    o->repeat = 3;
    o->seed = 1;
}

int
gen_bench_main(int argc, char **argv)
{
    struct gen_bench_opts o;
    default_options(&o);
    parse_options(argc, argv, &o);
    wl_valsize_format(&o.values, o.value_spec, sizeof(o.value_spec));
    printf("gen-bench: %llu items, values %s, %s keys of %u B, mix %s, %llu draws, median of "
           "%u\n",
           (unsigned long long)o.n, o.value_spec, wl_key_format_name(o.key_format), o.key_size,
           o.mix_spec, (unsigned long long)o.draws, o.repeat);
    printf("%-10s %9s %9s %10s %9s %12s\n", "dist", "setup s", "wall s", "M req/s", "cpu s",
           "M req/cpu s");
    struct gen_sink sink = {0};
    int first = o.dist < 0 ? 0 : o.dist, last = o.dist < 0 ? WL_KEY_DIST_COUNT - 1 : o.dist;
    for (int d = first; d <= last; d++) {
        double setup = 0;
        struct gen_time t;
        if (!bench_dist(&o, (enum wl_key_dist)d, &setup, &t, &sink)) {
            fprintf(stderr, "nvkv: gen-bench: cannot set up %s over %llu items\n",
                    wl_key_dist_name((enum wl_key_dist)d), (unsigned long long)o.n);
            return 1;
        }
        printf("%-10s %9.3f %9.3f %10.2f %9.3f %12.2f\n", wl_key_dist_name((enum wl_key_dist)d),
               setup, t.wall, t.wall > 0 ? (double)o.draws / t.wall / 1e6 : 0.0, t.cpu,
               t.cpu > 0 ? (double)o.draws / t.cpu / 1e6 : 0.0);
    }
    printf("checksum %016llx\n", (unsigned long long)sink.sum);
    return 0;
}
