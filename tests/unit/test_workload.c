/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/workload's value and operation side: value sizes and bytes, operation
 * mixes and scan lengths, and the presets (the key side is in test_keygen.c).
 *
 * Statistical tests draw from fixed seeds (not --seed) so each either passes or fails for good;
 * their thresholds are the p = 0.001 critical values.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "../../src/base/rng.h"
#include "../../src/workload/mix.h"
#include "../../src/workload/preset.h"
#include "../../src/workload/valsize.h"
#include "../../src/workload/value.h"
#include "harness.h"
#include "stats.h"

/* ---- value sizes ---- */

/* The draws of the BandSlim kinds and of fixed, from before the extension (other results use them).
 */
TEST(valsize_existing_draws_unchanged)
{
    static const struct {
        int kind;
        uint32_t first[8];
        uint64_t hash;
    } ref[] = {
        {WL_VALSIZE_FIXED, {777, 777, 777, 777, 777, 777, 777, 777}, 0xa1aa117fc6015ba3ull},
        {WL_VALSIZE_WB, {8, 8, 8, 8, 8, 8, 8, 8}, 0x22a52ec36fb634b3ull},
        {WL_VALSIZE_WC, {8, 2048, 8, 2048, 2048, 2048, 2048, 2048}, 0x0800ccefb9649e73ull},
        {WL_VALSIZE_WD, {8, 1024, 8, 16, 512, 32, 64, 32}, 0x9f7b64114f3d8f5bull},
        {WL_VALSIZE_WM, {109, 10, 96, 59, 10, 43, 26, 41}, 0xde377d7474348458ull},
    };

    for (size_t c = 0; c < sizeof(ref) / sizeof(ref[0]); c++) {
        struct wl_valsize v = {.kind = ref[c].kind, .fixed = 777};
        struct nvkv_rng rng;
        nvkv_rng_seed(&rng, 2024);
        uint64_t h = 1469598103934665603ull;
        for (int i = 0; i < 100000; i++) {
            uint32_t s = wl_valsize_next(&v, &rng);
            if (i < 8)
                CHECK_EQ_U64(s, ref[c].first[i]);
            h = (h ^ s) * 1099511628211ull;
        }
        CHECK_EQ_U64(h, ref[c].hash);
    }
}

TEST(valsize_bandslim_shares)
{
    const uint64_t draws = 200000;
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 1006);
    struct wl_valsize wb = {.kind = WL_VALSIZE_WB}, wc = {.kind = WL_VALSIZE_WC},
                      wd = {.kind = WL_VALSIZE_WD};
    uint64_t small_b = 0, small_c = 0, sizes[9] = {0};
    for (uint64_t i = 0; i < draws; i++) {
        uint32_t b = wl_valsize_next(&wb, &rng), c = wl_valsize_next(&wc, &rng);
        CHECK(b == 8 || b == 2048);
        CHECK(c == 8 || c == 2048);
        small_b += b == 8;
        small_c += c == 8;
        uint32_t d = wl_valsize_next(&wd, &rng);
        int log = 0;
        while ((8u << log) < d && log < 9)
            log++;
        CHECK_EQ_U64(8u << log, d);
        sizes[log < 9 ? log : 8]++;
    }
    CHECK_NEAR((double)small_b / (double)draws, 0.9, 0.003);
    CHECK_NEAR((double)small_c / (double)draws, 0.1, 0.003);
    double ninth[9];
    for (int i = 0; i < 9; i++)
        ninth[i] = 1.0 / 9.0;
    CHECK(chi_square(sizes, ninth, 9, draws) < CHI2_001_DOF8);
    CHECK_NEAR(wl_valsize_mean(&wb), 212.0, 1e-12);
    CHECK_NEAR(wl_valsize_mean(&wc), 1844.0, 1e-12);
    CHECK_NEAR(wl_valsize_mean(&wd), 4088.0 / 9.0, 1e-12);
    CHECK_EQ_U64(wl_valsize_max(&wd), 2048);
}

TEST(valsize_uniform_chi_square)
{
    const uint64_t draws = 200000;
    struct wl_valsize v;
    char err[160];
    CHECK_EQ_INT(wl_valsize_parse_spec("uniform:20-30", 4096, &v, err, sizeof(err)), 0);
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 1007);
    uint64_t count[11] = {0}, outside = 0;
    for (uint64_t i = 0; i < draws; i++) {
        uint32_t s = wl_valsize_next(&v, &rng);
        if (s >= 20 && s <= 30)
            count[s - 20]++;
        else
            outside++;
    }
    double p[11];
    for (int i = 0; i < 11; i++)
        p[i] = 1.0 / 11.0;
    CHECK_EQ_U64(outside, 0);
    CHECK(chi_square(count, p, 11, draws) < CHI2_001_DOF10);
    CHECK_NEAR(wl_valsize_mean(&v), 25.0, 1e-12);
    CHECK_EQ_U64(wl_valsize_max(&v), 30);
    /* one size */
    CHECK_EQ_INT(wl_valsize_parse_spec("uniform:7-7", 4096, &v, err, sizeof(err)), 0);
    CHECK_EQ_U64(wl_valsize_next(&v, &rng), 7);
}

/* P(S <= s) of the integer size S: ceil (round_up) or floor of a generalized Pareto. */
static double
int_pareto_cdf(double s, double k, double sigma, int round_up)
{
    double x = round_up ? s : s + 1.0;
    if (x <= 0)
        return 0;
    return k == 0.0 ? 1.0 - exp(-x / sigma) : 1.0 - pow(1.0 + k * x / sigma, -1.0 / k);
}

/*
 * P(size <= t) for min <= t < max after db_bench's clamps (over max: modulo max; under min: min),
 * summed over J periods of the modulo; the far tail's mass is spread evenly over the residues.
 */
static double
folded_cdf(uint32_t t, double k, double sigma, int round_up, uint32_t min, uint32_t max,
           uint64_t periods)
{
    (void)min;
    double m = max, p = int_pareto_cdf(t, k, sigma, round_up);
    for (uint64_t j = 1; j <= periods; j++) {
        double base = (double)j * m;
        p +=
            int_pareto_cdf(base + t, k, sigma, round_up) - int_pareto_cdf(base, k, sigma, round_up);
        /* S = (j + 1) max folds to 0 */
        p += int_pareto_cdf(base + m, k, sigma, round_up) -
             int_pareto_cdf(base + m - 1, k, sigma, round_up);
    }
    double tail = 1.0 - int_pareto_cdf((double)(periods + 1) * m, k, sigma, round_up);
    return p + tail * ((double)t + 1.0) / m;
}

/* Kolmogorov-Smirnov distance between draws and the analytical CDF over [min, max - 1]. */
static double
ks_distance(const uint64_t *count, uint64_t draws, uint32_t min, uint32_t max, double k,
            double sigma, int round_up, uint64_t periods)
{
    double d = 0.0, cum = 0.0;
    for (uint32_t t = min; t < max; t++) {
        cum += (double)count[t];
        double diff =
            fabs(cum / (double)draws - folded_cdf(t, k, sigma, round_up, min, max, periods));
        if (diff > d)
            d = diff;
    }
    return d;
}

/* KS critical distance at p = 0.001 (conservative for a discrete distribution). */
#define KS_001(n) (1.95 / sqrt((double)(n)))

static void
check_pareto_sizes(const struct wl_valsize *v, double k, double sigma, int round_up, uint64_t seed)
{
    const uint64_t draws = 200000;
    uint64_t *count = calloc(v->max + 1, sizeof(*count));
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, seed);
    double sum = 0.0;
    uint64_t outside = 0;
    for (uint64_t i = 0; i < draws; i++) {
        uint32_t s = wl_valsize_next(v, &rng);
        sum += s;
        if (s >= v->min && s <= v->max)
            count[s]++;
        else
            outside++;
    }
    CHECK_EQ_U64(outside, 0);
    CHECK(ks_distance(count, draws, v->min, v->max, k, sigma, round_up, 100) < KS_001(draws));
    /* the analytical mean within 4 standard errors (sd < 150 B for these shapes) */
    CHECK_NEAR(sum / (double)draws, wl_valsize_mean(v), 4 * 150 / sqrt((double)draws));
    free(count);
}

TEST(valsize_wm_against_cdf)
{
    struct wl_valsize v = {.kind = WL_VALSIZE_WM};
    /* wm truncates (floor) and raises under 10 to 10 */
    v.min = 10;
    v.max = 1024;
    check_pareto_sizes(&v, 0.2615, 25.45, 0, 1008);
    CHECK_NEAR(wl_valsize_mean(&v), 34.0, 2.0);
    CHECK_EQ_U64(wl_valsize_max(&v), 1024);
}

TEST(valsize_pareto_against_cdf)
{
    struct wl_valsize v;
    char err[160];
    CHECK_EQ_INT(wl_valsize_parse_spec("pareto:0.2615,25.45", 4096, &v, err, sizeof(err)), 0);
    CHECK_EQ_U64(v.min, 10);
    CHECK_EQ_U64(v.max, 1024);
    check_pareto_sizes(&v, 0.2615, 25.45, 1, 1009);
    /* rounding up makes sizes 0.5 B larger on average than wm's truncation (away from clamps) */
    struct wl_valsize wm = {.kind = WL_VALSIZE_WM};
    CHECK_NEAR(wl_valsize_mean(&v) - wl_valsize_mean(&wm), 0.5, 0.5);
    /* a heavier tail folded by a small max, and the exponential (k = 0) */
    CHECK_EQ_INT(wl_valsize_parse_spec("pareto:0.5,40,1,200", 4096, &v, err, sizeof(err)), 0);
    check_pareto_sizes(&v, 0.5, 40, 1, 1010);
    CHECK_EQ_INT(wl_valsize_parse_spec("pareto:0,30,0,500", 4096, &v, err, sizeof(err)), 0);
    check_pareto_sizes(&v, 0.0, 30, 1, 1011);
    /* geometric, less the 6e-8 of it past 500 that folds back to small sizes (-3e-5) */
    CHECK_NEAR(wl_valsize_mean(&v), 1.0 / (1.0 - exp(-1.0 / 30.0)) - 2.9e-5, 2e-6);
}

static void
check_spec_error(const char *spec, uint32_t max_size, const char *want_in_err)
{
    struct wl_valsize v;
    char err[200] = "";
    CHECK_EQ_INT(wl_valsize_parse_spec(spec, max_size, &v, err, sizeof(err)), -EINVAL);
    CHECK_CONTAINS(err, spec);
    CHECK_CONTAINS(err, want_in_err);
}

TEST(valsize_parse_spec_errors)
{
    check_spec_error("uniform:9-1", 4096, "MIN <= MAX");
    check_spec_error("pareto:1.5,3", 4096, "K must be in [0, 1)");
    check_spec_error("pareto:-0.1,3", 4096, "K must be in [0, 1)");
    check_spec_error("pareto:0.2,0", 4096, "SIGMA must be > 0");
    check_spec_error("pareto:0.2,-4", 4096, "SIGMA must be > 0");
    check_spec_error("pareto:0.2,4,50,20", 4096, "MIN <= MAX");
    check_spec_error("pareto:0.2,4,0,0", 4096, "MAX >= 1");
    check_spec_error("pareto:0.2", 4096, "expected pareto:K,SIGMA");
    check_spec_error("pareto:0.2,4,5", 4096, "expected pareto:K,SIGMA");
    check_spec_error("pareto:0.2,4,5,6,7", 4096, "expected pareto:K,SIGMA");
    check_spec_error("pareto:x,4", 4096, "expected pareto:K,SIGMA");
    check_spec_error("pareto:0.2,4,1,9000", 4096, "over the maximum value size 4096");
    check_spec_error("pareto:0.2,4", 1000, "over the maximum value size 1000");
    check_spec_error("abc", 4096, "allowed: a size in bytes, wb, wc, wd, wm, uniform:MIN-MAX");
    check_spec_error("", 4096, "allowed:");
    check_spec_error("-5", 4096, "allowed:");
    check_spec_error("12abc", 4096, "allowed:");
    check_spec_error("99999999999", 4096, "allowed:");
    check_spec_error("5000", 4096, "over the maximum value size 4096");
    check_spec_error("uniform:1-5000", 4096, "over the maximum value size 4096");
    check_spec_error("uniform:1-", 4096, "expected uniform:MIN-MAX");
    check_spec_error("uniform:-5", 4096, "expected uniform:MIN-MAX");
    check_spec_error("uniform:1-2-3", 4096, "expected uniform:MIN-MAX");
    check_spec_error("wb", 1000, "up to 2048");
    check_spec_error("wm", 512, "up to 1024");
    struct wl_valsize v;
    CHECK_EQ_INT(wl_valsize_parse_spec(NULL, 4096, &v, NULL, 0), -EINVAL);
    CHECK_EQ_INT(wl_valsize_parse_spec("abc", 4096, &v, NULL, 0), -EINVAL);
}

TEST(valsize_parse_and_format_round_trip)
{
    static const struct {
        const char *spec, *formatted;
        int kind;
        uint32_t max;
        double mean;
    } cases[] = {
        {"4096", "4096", WL_VALSIZE_FIXED, 4096, 4096},
        {"0", "0", WL_VALSIZE_FIXED, 0, 0},
        {"wb", "wb", WL_VALSIZE_WB, 2048, 212},
        {"wc", "wc", WL_VALSIZE_WC, 2048, 1844},
        {"wd", "wd", WL_VALSIZE_WD, 2048, 4088.0 / 9.0},
        {"wm", "wm", WL_VALSIZE_WM, 1024, -1},
        {"uniform:1-9", "uniform:1-9", WL_VALSIZE_UNIFORM, 9, 5},
        {"pareto:0.2615,25.45", "pareto:0.2615,25.45,10,1024", WL_VALSIZE_PARETO, 1024, -1},
        {"pareto:0.1,3.3,0,64", "pareto:0.1,3.3,0,64", WL_VALSIZE_PARETO, 64, -1},
    };

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct wl_valsize v, back;
        char err[160], buf[96];
        CHECK_EQ_INT(wl_valsize_parse_spec(cases[c].spec, 4096, &v, err, sizeof(err)), 0);
        CHECK_EQ_INT(v.kind, cases[c].kind);
        CHECK_EQ_U64(wl_valsize_max(&v), cases[c].max);
        if (cases[c].mean >= 0)
            CHECK_NEAR(wl_valsize_mean(&v), cases[c].mean, 1e-9);
        wl_valsize_format(&v, buf, sizeof(buf));
        CHECK_STR(buf, cases[c].formatted);
        CHECK_EQ_INT(wl_valsize_parse_spec(buf, 4096, &back, err, sizeof(err)), 0);
        CHECK_EQ_INT(memcmp(&v, &back, sizeof(v)), 0);
    }
    CHECK_EQ_INT(wl_valsize_parse("wm"), WL_VALSIZE_WM);
    CHECK_EQ_INT(wl_valsize_parse("uniform"), -1); /* a name only for the BandSlim mixes */
    CHECK_STR(wl_valsize_name(WL_VALSIZE_PARETO), "pareto");
    CHECK_STR(wl_valsize_name(42), "unknown");
}

/* ---- value bytes ---- */

TEST(value_bytes_as_nvkv_run)
{
    /* the bytes tools/run.c's value_fill wrote for (7, 3) and (123456789, 0) */
    static const uint8_t v73[16] = {0x78, 0x86, 0x5d, 0x2d, 0x7a, 0xc6, 0x5e, 0x51,
                                    0x79, 0xd7, 0x1e, 0xf4, 0x5d, 0x99, 0xf1, 0x8d};
    static const uint8_t v0[5] = {0x11, 0x5c, 0x92, 0xc6, 0x5b};
    uint8_t buf[1000];
    wl_value_fill(buf, 200, 7, 3);
    CHECK_EQ_INT(memcmp(buf, v73, 16), 0);
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 200; i++)
        h = (h ^ buf[i]) * 1099511628211ull;
    CHECK_EQ_U64(h, 0x3e1fd409386f09dcull);
    wl_value_fill(buf, 5, 123456789, 0);
    CHECK_EQ_INT(memcmp(buf, v0, 5), 0);
    /* a 64-byte block, repeated */
    wl_value_fill(buf, 1000, 9, 1);
    for (int i = 64; i < 1000; i++)
        CHECK_EQ_INT(buf[i], buf[i % 64]);
}

TEST(value_check_finds_differences)
{
    uint8_t buf[1000];
    wl_value_fill(buf, 1000, 9, 1);
    CHECK_EQ_U64(wl_value_check(buf, 1000, 9, 1), 1000);
    CHECK_EQ_U64(wl_value_check_all(buf, 1000, 9, 1), 1000);
    CHECK_EQ_U64(wl_value_check(buf, 0, 9, 1), 0);
    CHECK_EQ_U64(wl_value_check_all(buf, 0, 9, 1), 0);
    /* another version or item differs at the first byte */
    CHECK_EQ_U64(wl_value_check(buf, 1000, 9, 2), 0);
    CHECK_EQ_U64(wl_value_check_all(buf, 1000, 10, 1), 0);
    /* the last byte is among the samples */
    buf[999] ^= 1;
    CHECK_EQ_U64(wl_value_check(buf, 1000, 9, 1), 999);
    CHECK_EQ_U64(wl_value_check_all(buf, 1000, 9, 1), 999);
    buf[999] ^= 1;
    /* a byte between the samples: only the full check sees it */
    buf[500] ^= 0x40;
    CHECK_EQ_U64(wl_value_check(buf, 1000, 9, 1), 1000);
    CHECK_EQ_U64(wl_value_check_all(buf, 1000, 9, 1), 500);
    /* a one-byte value */
    wl_value_fill(buf, 1, 3, 3);
    CHECK_EQ_U64(wl_value_check(buf, 1, 3, 3), 1);
    buf[0] ^= 1;
    CHECK_EQ_U64(wl_value_check(buf, 1, 3, 3), 0);
}

/* ---- operation mixes ---- */

TEST(mix_names_and_bad_parameters)
{
    for (int op = 0; op < WL_OP_COUNT; op++)
        CHECK_EQ_INT(wl_op_parse(wl_op_name((enum wl_op)op)), op);
    CHECK_EQ_INT(wl_op_parse("get"), -1);
    struct wl_mix m;
    double zero[WL_OP_COUNT] = {0}, neg[WL_OP_COUNT] = {1, -1}, nan_[WL_OP_COUNT] = {1, NAN},
           ok[WL_OP_COUNT] = {1};
    CHECK_EQ_INT(wl_mix_init(&m, zero, WL_SCAN_UNIFORM, 10), -EINVAL);
    CHECK_EQ_INT(wl_mix_init(&m, neg, WL_SCAN_UNIFORM, 10), -EINVAL);
    CHECK_EQ_INT(wl_mix_init(&m, nan_, WL_SCAN_UNIFORM, 10), -EINVAL);
    CHECK_EQ_INT(wl_mix_init(&m, ok, WL_SCAN_UNIFORM, 0), -EINVAL);
    CHECK_EQ_INT(wl_mix_init(&m, ok, (enum wl_scan_dist)7, 10), -EINVAL);
    CHECK_EQ_INT(wl_mix_init(&m, ok, WL_SCAN_UNIFORM, 1), 0);
}

TEST(mix_parse)
{
    double s[WL_OP_COUNT];
    char err[200];
    CHECK_EQ_INT(wl_mix_parse("read=0.5,update=0.3,scan=0.2", s, err, sizeof(err)), 0);
    CHECK_NEAR(s[WL_OP_READ], 0.5, 0);
    CHECK_NEAR(s[WL_OP_UPDATE], 0.3, 0);
    CHECK_NEAR(s[WL_OP_SCAN], 0.2, 0);
    CHECK_NEAR(s[WL_OP_INSERT] + s[WL_OP_DELETE] + s[WL_OP_RMW], 0, 0);
    CHECK_EQ_INT(wl_mix_parse("rmw=3", s, err, sizeof(err)), 0);
    CHECK_NEAR(s[WL_OP_RMW], 3, 0);

    static const struct {
        const char *spec, *why;
    } bad[] = {
        {"", "expected OP=SHARE"},
        {"read", "expected OP=SHARE"},
        {"read=", "expected OP=SHARE"},
        {"=0.5", "expected OP=SHARE"},
        {"read=0.5,", "expected OP=SHARE"},
        {"get=1", "unknown operation"},
        {"read=0.5,read=0.5", "given twice"},
        {"read=-1", "a number >= 0"},
        {"read=abc", "a number >= 0"},
        {"read=nan", "a number >= 0"},
        {"read=0,update=0", "at least one share must be positive"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        s[WL_OP_READ] = 42;
        CHECK_EQ_INT(wl_mix_parse(bad[i].spec, s, err, sizeof(err)), -EINVAL);
        CHECK_CONTAINS(err, bad[i].why);
        CHECK_NEAR(s[WL_OP_READ], 42, 0); /* untouched on error */
    }
}

TEST(mix_shares_chi_square)
{
    const uint64_t draws = 1000000;
    double share[WL_OP_COUNT] = {[WL_OP_READ] = 5, [WL_OP_UPDATE] = 3, [WL_OP_SCAN] = 2};
    struct wl_mix m;
    CHECK_EQ_INT(wl_mix_init(&m, share, WL_SCAN_UNIFORM, 100), 0);
    /* cumulative cuts over 2^64 */
    CHECK_EQ_U64(m.cut[WL_OP_READ], 1ull << 63);
    CHECK_EQ_U64(m.cut[WL_OP_SCAN], UINT64_MAX);
    struct nvkv_rng rng, replay;
    nvkv_rng_seed(&rng, 1012);
    uint64_t count[WL_OP_COUNT] = {0};
    for (uint64_t i = 0; i < draws; i++) {
        replay = rng;
        enum wl_op op = wl_mix_next(&m, &rng);
        nvkv_rng_next(&replay); /* one random number per draw */
        if (i < 1000)
            CHECK_EQ_INT(memcmp(&rng, &replay, sizeof(rng)), 0);
        count[op]++;
    }
    CHECK_EQ_U64(count[WL_OP_INSERT] + count[WL_OP_DELETE] + count[WL_OP_RMW], 0);
    uint64_t obs[3] = {count[WL_OP_READ], count[WL_OP_UPDATE], count[WL_OP_SCAN]};
    double p[3] = {0.5, 0.3, 0.2};
    CHECK(chi_square(obs, p, 3, draws) < CHI2_001_DOF2);
    /* a single operation, not the first */
    double only[WL_OP_COUNT] = {[WL_OP_DELETE] = 0.25};
    CHECK_EQ_INT(wl_mix_init(&m, only, WL_SCAN_UNIFORM, 1), 0);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_INT(wl_mix_next(&m, &rng), WL_OP_DELETE);
}

TEST(scan_lengths_uniform_and_fixed)
{
    const uint64_t draws = 500000;
    double share[WL_OP_COUNT] = {[WL_OP_SCAN] = 1};
    struct wl_mix m;
    CHECK_EQ_INT(wl_mix_init(&m, share, WL_SCAN_UNIFORM, 100), 0);
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 1013);
    uint64_t count[100] = {0}, outside = 0;
    for (uint64_t i = 0; i < draws; i++) {
        uint32_t len = wl_scan_len_next(&m, &rng);
        if (len >= 1 && len <= 100)
            count[len - 1]++;
        else
            outside++;
    }
    double p[100];
    for (int i = 0; i < 100; i++)
        p[i] = 0.01;
    CHECK_EQ_U64(outside, 0);
    CHECK(chi_square(count, p, 100, draws) < CHI2_001_DOF99);
    CHECK_EQ_INT(wl_mix_init(&m, share, WL_SCAN_FIXED, 10), 0);
    for (int i = 0; i < 100; i++)
        CHECK_EQ_U64(wl_scan_len_next(&m, &rng), 10);
}

/* mixgraph: ceil of a Pareto (k 2.517, sigma 14.236) modulo 10000, at least 1. */
TEST(scan_lengths_pareto_against_cdf)
{
    const uint64_t draws = 200000;
    double share[WL_OP_COUNT] = {[WL_OP_SCAN] = 1};
    struct wl_mix m;
    CHECK_EQ_INT(wl_mix_init(&m, share, WL_SCAN_PARETO, WL_SCAN_PARETO_MAX), 0);
    CHECK_NEAR(m.scan_k, 2.517, 0);
    CHECK_NEAR(m.scan_sigma, 14.236, 0);
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 1014);
    uint64_t *count = calloc(WL_SCAN_PARETO_MAX + 1, sizeof(*count));
    uint64_t outside = 0;
    for (uint64_t i = 0; i < draws; i++) {
        uint32_t len = wl_scan_len_next(&m, &rng);
        if (len >= 1 && len < WL_SCAN_PARETO_MAX)
            count[len]++;
        else
            outside++;
    }
    CHECK_EQ_U64(outside, 0);
    /* 100 periods summed exactly; the 0.8% past them folds evenly to within ~1e-4 */
    CHECK(ks_distance(count, draws, 1, WL_SCAN_PARETO_MAX, 2.517, 14.236, 1, 100) < KS_001(draws));
    free(count);
}

/* ---- presets ---- */

static void
check_preset_valid(const struct wl_preset *p)
{
    CHECK(p->name != NULL && p->name[0] != '\0');
    CHECK(p->family != NULL && p->summary != NULL && p->source != NULL);
    CHECK(strlen(p->source) > 20);
    struct wl_mix m;
    CHECK_EQ_INT(wl_mix_init(&m, p->spec.share, p->spec.scan_dist, p->spec.scan_max), 0);
    struct wl_keygen g;
    CHECK_EQ_INT(wl_keygen_init(&g, &p->spec.keys, 1000, 1000, 1), 0);
    CHECK(wl_valsize_max(&p->spec.values) <= 4096);
    CHECK(p->spec.key_size <= WL_KEY_BYTES_MAX);
    CHECK(p->spec.key_format == WL_KEYFMT_YCSB || p->spec.key_size >= 1);
    char spec[96], err[160];
    struct wl_valsize back;
    wl_valsize_format(&p->spec.values, spec, sizeof(spec));
    CHECK_EQ_INT(wl_valsize_parse_spec(spec, 4096, &back, err, sizeof(err)), 0);
}

TEST(preset_table)
{
    CHECK_EQ_U64(wl_preset_count, 30);
    for (unsigned i = 0; i < wl_preset_count; i++) {
        check_preset_valid(&wl_presets[i]);
        CHECK(wl_preset_find(wl_presets[i].name) == &wl_presets[i]); /* names are unique */
    }
    CHECK(wl_preset_find("nope") == NULL);
    CHECK(wl_preset_find("YCSB-A") == NULL);
    CHECK(wl_preset_find(NULL) == NULL);

    const struct wl_preset *p = wl_preset_find("crypto1");
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_STR(p->family, "anykey");
        CHECK_EQ_U64(p->spec.key_size, 76);
        CHECK_EQ_U64(p->spec.values.fixed, 50);
        CHECK_EQ_INT(p->spec.keys.dist, WL_KEY_SCRAMBLED);
        CHECK_NEAR(p->spec.share[WL_OP_READ], 0.8, 0);
        CHECK_NEAR(p->spec.share[WL_OP_UPDATE], 0.2, 0);
        CHECK(p->spec.load);
    }
    p = wl_preset_find("ycsb");
    CHECK(p != NULL && strcmp(p->family, "anykey") == 0 && p->spec.key_size == 20 &&
          p->spec.values.fixed == 1000);
    p = wl_preset_find("wm");
    CHECK(p != NULL && p->spec.key_size == 4 && p->spec.values.kind == WL_VALSIZE_WM &&
          !p->spec.load && p->spec.share[WL_OP_INSERT] == 1.0);
    p = wl_preset_find("ycsb-d");
    CHECK(p != NULL && p->spec.keys.dist == WL_KEY_LATEST && p->spec.share[WL_OP_INSERT] == 0.05 &&
          p->spec.key_format == WL_KEYFMT_YCSB && p->spec.key_size == 0);
    p = wl_preset_find("ycsb-e");
    CHECK(p != NULL && p->spec.share[WL_OP_SCAN] == 0.95 && p->spec.scan_dist == WL_SCAN_UNIFORM &&
          p->spec.scan_max == 100);
    p = wl_preset_find("ycsb-f");
    CHECK(p != NULL && p->spec.share[WL_OP_RMW] == 0.5 && p->spec.values.fixed == 1000);
    p = wl_preset_find("mixgraph");
    CHECK(p != NULL && p->spec.key_size == 48 && p->spec.values.kind == WL_VALSIZE_WM &&
          p->spec.scan_dist == WL_SCAN_PARETO && p->spec.scan_max == 10000 &&
          p->spec.share[WL_OP_READ] == 0.83 && p->spec.keys.dist == WL_KEY_UNIFORM);
    p = wl_preset_find("fillrandom");
    CHECK(p != NULL && p->spec.share[WL_OP_UPDATE] == 1.0 && !p->spec.load &&
          p->spec.key_size == 16 && p->spec.values.fixed == 100);
    p = wl_preset_find("seekrandom");
    CHECK(p != NULL && p->spec.scan_dist == WL_SCAN_FIXED && p->spec.scan_max == 10);
    CHECK_CONTAINS(wl_preset_names(), "kvssd, ycsb, wpink, xbox");
    CHECK_CONTAINS(wl_preset_names(), "ycsb-a, ycsb-b");
    CHECK_CONTAINS(wl_preset_names(), "mixgraph");
}

TEST_MAIN(TEST_ENTRY(valsize_existing_draws_unchanged), TEST_ENTRY(valsize_bandslim_shares),
          TEST_ENTRY(valsize_uniform_chi_square), TEST_ENTRY(valsize_wm_against_cdf),
          TEST_ENTRY(valsize_pareto_against_cdf), TEST_ENTRY(valsize_parse_spec_errors),
          TEST_ENTRY(valsize_parse_and_format_round_trip), TEST_ENTRY(value_bytes_as_nvkv_run),
          TEST_ENTRY(value_check_finds_differences), TEST_ENTRY(mix_names_and_bad_parameters),
          TEST_ENTRY(mix_parse), TEST_ENTRY(mix_shares_chi_square),
          TEST_ENTRY(scan_lengths_uniform_and_fixed), TEST_ENTRY(scan_lengths_pareto_against_cdf),
          TEST_ENTRY(preset_table))
