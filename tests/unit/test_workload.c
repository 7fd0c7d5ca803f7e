/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/workload: the Zipfian generator (YCSB's algorithm) and its scramble, the
 * key generators and key bytes, value sizes and bytes, operation mixes and the presets.
 *
 * Statistical tests draw from fixed seeds (not --seed) so each either passes or fails for good;
 * their thresholds are the p = 0.001 critical values. Reference values of YCSB's algorithms
 * (FNV, Gray's ranks, keys) were computed independently with a Python port of the Java code.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "../../src/base/rng.h"
#include "../../src/workload/keygen.h"
#include "../../src/workload/mix.h"
#include "../../src/workload/preset.h"
#include "../../src/workload/valsize.h"
#include "../../src/workload/value.h"
#include "../../src/workload/zipf.h"
#include "harness.h"

TEST(zipf_rejects_bad_arguments)
{
    struct wl_zipf z;
    CHECK_EQ_INT(wl_zipf_init(&z, 0, 0.99, 1), -EINVAL);
    CHECK_EQ_INT(wl_zipf_init(&z, 10, 0.0, 1), -EINVAL);
    CHECK_EQ_INT(wl_zipf_init(&z, 10, 1.0, 1), -EINVAL);
    CHECK_EQ_INT(wl_zipf_init(&z, 10, NAN, 1), -EINVAL);
    CHECK_EQ_INT(wl_zipf_init(&z, 1, 0.99, 1), 0);
}

TEST(zipf_zeta)
{
    CHECK_NEAR(wl_zipf_zeta(1, 0.5), 1.0, 1e-12);
    CHECK_NEAR(wl_zipf_zeta(2, 0.5), 1.0 + 1.0 / sqrt(2.0), 1e-12);
    CHECK_NEAR(wl_zipf_zeta(4, 0.99), 1.0 + pow(2, -0.99) + pow(3, -0.99) + pow(4, -0.99), 1e-12);
}

/* Ranks follow P(r) = 1 / ((r + 1)^theta zeta(n)) closely for the head of the distribution. */
TEST(zipf_rank_frequencies)
{
    const uint64_t n = 1000, draws = 2000000;
    struct wl_zipf z;
    struct nvkv_rng rng;
    CHECK_EQ_INT(wl_zipf_init(&z, n, 0.99, 7), 0);
    nvkv_rng_seed(&rng, harness_seed);
    uint64_t *count = calloc(n, sizeof(*count));
    for (uint64_t i = 0; i < draws; i++) {
        uint64_t r = wl_zipf_next_rank(&z, &rng);
        CHECK_LT_U64(r, n);
        count[r < n ? r : 0]++;
    }
    for (uint64_t r = 0; r < 2; r++) {
        double want = 1.0 / (pow((double)(r + 1), 0.99) * z.zetan);
        CHECK_NEAR((double)count[r] / (double)draws, want, 0.01);
    }
    /* Gray's approximation is close but not exact past the first two ranks: within 20% */
    for (uint64_t r = 2; r < 10; r++) {
        double want = 1.0 / (pow((double)(r + 1), 0.99) * z.zetan);
        CHECK_NEAR((double)count[r] / (double)draws / want, 1.0, 0.2);
    }
    CHECK(count[0] > count[9]);
    CHECK(count[9] > count[500]);
    free(count);
}

/* The scramble is a permutation of [0, n) for sizes around powers of two. */
TEST(zipf_scramble_is_a_permutation)
{
    static const uint64_t sizes[] = {1, 2, 3, 7, 8, 9, 100, 1023, 1024, 1025, 65537};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        uint64_t n = sizes[s];
        struct wl_zipf z;
        CHECK_EQ_INT(wl_zipf_init(&z, n, 0.5, 3), 0);
        uint8_t *seen = calloc(n, 1);
        uint64_t dups = 0;
        for (uint64_t r = 0; r < n; r++) {
            uint64_t x = wl_zipf_scramble(&z, r);
            CHECK_LT_U64(x, n);
            if (x < n && seen[x]++)
                dups++;
        }
        CHECK_EQ_U64(dups, 0);
        free(seen);
    }
}

/* Hot ranks land far apart, and the same seed gives the same items. */
TEST(zipf_scramble_spreads_and_is_deterministic)
{
    const uint64_t n = 1000000;
    struct wl_zipf a, b, c;
    CHECK_EQ_INT(wl_zipf_init(&a, n, 0.99, 11), 0);
    CHECK_EQ_INT(wl_zipf_init(&b, n, 0.99, 11), 0);
    CHECK_EQ_INT(wl_zipf_init(&c, n, 0.99, 12), 0);
    uint64_t adjacent = 0, same_as_other_seed = 0;
    for (uint64_t r = 0; r < 100; r++) {
        uint64_t x = wl_zipf_scramble(&a, r), y = wl_zipf_scramble(&a, r + 1);
        CHECK_EQ_U64(x, wl_zipf_scramble(&b, r));
        if ((x > y ? x - y : y - x) < 16)
            adjacent++;
        if (x == wl_zipf_scramble(&c, r))
            same_as_other_seed++;
    }
    CHECK_LE_U64(adjacent, 1);
    CHECK_LE_U64(same_as_other_seed, 1);
    struct nvkv_rng r1, r2;
    nvkv_rng_seed(&r1, 5);
    nvkv_rng_seed(&r2, 5);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_U64(wl_zipf_next(&a, &r1), wl_zipf_next(&b, &r2));
}

/* ---- helpers ---- */

/* Pearson's chi-square of observed counts against expected probabilities. */
static double
chi_square(const uint64_t *observed, const double *p, size_t bins, uint64_t draws)
{
    double chi = 0.0;
    for (size_t b = 0; b < bins; b++) {
        double want = p[b] * (double)draws;
        double d = (double)observed[b] - want;
        chi += d * d / want;
    }
    return chi;
}

/* Chi-square critical values at p = 0.001 for the degrees of freedom used here. */
#define CHI2_001_DOF2  13.82
#define CHI2_001_DOF8  26.12
#define CHI2_001_DOF10 29.59
#define CHI2_001_DOF30 59.70
#define CHI2_001_DOF99 148.23

/* ---- zipf: YCSB's reference values, given zeta, growth ---- */

TEST(zipf_rank_matches_ycsb_reference)
{
    static const double us[] = {0.01, 0.2, 0.3, 0.35, 0.5, 0.7, 0.9, 0.99, 0.999};

    static const struct {
        uint64_t n;
        double theta;
        uint64_t rank[9];
    } ref[] = {
        {10, 0.99, {0, 0, 0, 1, 1, 3, 7, 9, 9}},
        {10, 0.5, {0, 1, 1, 2, 3, 5, 8, 9, 9}},
        {1000, 0.99, {0, 2, 4, 6, 22, 103, 471, 927, 992}},
        {1000, 0.5, {0, 45, 97, 130, 258, 497, 813, 980, 998}},
    };

    for (size_t c = 0; c < sizeof(ref) / sizeof(ref[0]); c++) {
        struct wl_zipf z;
        CHECK_EQ_INT(wl_zipf_init(&z, ref[c].n, ref[c].theta, 1), 0);
        for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++)
            CHECK_EQ_U64(wl_zipf_rank_of(&z, us[i]), ref[c].rank[i]);
    }
}

/* YCSB's ScrambledZipfianGenerator.ZETAN is zeta(ITEM_COUNT = 10^10, 0.99). */
TEST(zipf_scrambled_zetan_is_zeta_of_1e10)
{
    CHECK_NEAR(wl_zipf_zeta(WL_SCRAMBLED_ITEMS, 0.99), WL_SCRAMBLED_ZETAN_099, 1e-9);
}

TEST(zipf_given_zeta_and_growth)
{
    struct wl_zipf a, b;
    CHECK_EQ_INT(wl_zipf_init(&a, 5000, 0.9, 3), 0);
    CHECK_EQ_INT(wl_zipf_init_zeta(&b, 5000, 0.9, a.zetan, 3), 0);
    CHECK_EQ_U64(a.n, b.n);
    CHECK_NEAR(a.zetan, b.zetan, 0);
    CHECK_NEAR(a.eta, b.eta, 0);
    CHECK_EQ_U64(wl_zipf_scramble(&a, 17), wl_zipf_scramble(&b, 17));
    CHECK_EQ_INT(wl_zipf_init_zeta(&b, 0, 0.9, 2.0, 3), -EINVAL);
    CHECK_EQ_INT(wl_zipf_init_zeta(&b, 10, 1.0, 2.0, 3), -EINVAL);
    CHECK_EQ_INT(wl_zipf_init_zeta(&b, 10, 0.9, 0.5, 3), -EINVAL);
    CHECK_EQ_INT(wl_zipf_init_zeta(&b, 10, 0.9, NAN, 3), -EINVAL);

    /* growing 100 -> 5000 adds the new terms: the same zeta and eta as a fresh setup */
    CHECK_EQ_INT(wl_zipf_init(&b, 100, 0.9, 3), 0);
    wl_zipf_grow(&b, 5000);
    CHECK_EQ_U64(b.n, 5000);
    CHECK_NEAR(b.zetan, a.zetan, 1e-10);
    CHECK_NEAR(b.eta, a.eta, 1e-12);
    /* and shrinking recomputes */
    wl_zipf_grow(&b, 100);
    CHECK_NEAR(b.zetan, wl_zipf_zeta(100, 0.9), 1e-12);
    /* the scramble stays a permutation of the grown range */
    wl_zipf_grow(&b, 300);
    uint8_t seen[300] = {0};
    for (uint64_t r = 0; r < 300; r++) {
        uint64_t x = wl_zipf_scramble(&b, r);
        CHECK_LT_U64(x, 300);
        if (x < 300)
            seen[x]++;
    }
    for (int i = 0; i < 300; i++)
        CHECK_EQ_INT(seen[i], 1);
}

/* P(rank r) of Gray's algorithm itself: ranks 0 and 1 exact, then the u intervals of the formula.
 */
static void
gray_probabilities(const struct wl_zipf *z, double *p, size_t head)
{
    double ub = z->half_pow_theta / z->zetan;
    double sum = 0.0;
    for (size_t r = 0; r < head; r++) {
        double lo = 1.0 - (1.0 - pow((double)r / (double)z->n, 1.0 - z->theta)) / z->eta;
        double hi = 1.0 - (1.0 - pow((double)(r + 1) / (double)z->n, 1.0 - z->theta)) / z->eta;
        p[r] = (hi > ub ? hi : ub) - (lo > ub ? lo : ub);
    }
    p[0] += 1.0 / z->zetan;
    p[1] += ub - 1.0 / z->zetan;
    for (size_t r = 0; r < head; r++)
        sum += p[r];
    p[head] = 1.0 - sum;
}

TEST(zipf_rank_head_chi_square)
{
    enum {
        HEAD = 30
    };

    const uint64_t n = 1000, draws = 1000000;
    struct wl_zipf z;
    struct nvkv_rng rng;
    CHECK_EQ_INT(wl_zipf_init(&z, n, 0.99, 7), 0);
    nvkv_rng_seed(&rng, 1001);
    uint64_t count[HEAD + 1] = {0};
    for (uint64_t i = 0; i < draws; i++) {
        uint64_t r = wl_zipf_next_rank(&z, &rng);
        count[r < HEAD ? r : HEAD]++;
    }
    /* against the ideal Zipf law: ranks 0 and 1 are exact in Gray's method */
    double ideal[3] = {1.0 / z.zetan, pow(2.0, -0.99) / z.zetan, 0};
    ideal[2] = 1.0 - ideal[0] - ideal[1];
    uint64_t head3[3] = {count[0], count[1], draws - count[0] - count[1]};
    CHECK(chi_square(head3, ideal, 3, draws) < CHI2_001_DOF2);
    /* every head rank against the method's own probabilities */
    double p[HEAD + 1];
    gray_probabilities(&z, p, HEAD);
    CHECK(chi_square(count, p, HEAD + 1, draws) < CHI2_001_DOF30);
}

/* ---- FNV and keys ---- */

TEST(fnv64_matches_ycsb)
{
    CHECK_EQ_U64(wl_fnv64(0), 6284781860667377211ull);
    CHECK_EQ_U64(wl_fnv64(1), 8517097267634966620ull);
    CHECK_EQ_U64(wl_fnv64(42), 55488592825689361ull);
    CHECK_EQ_U64(wl_fnv64((1ull << 40) + 7), 6089181255519459853ull);
    CHECK_EQ_U64(wl_fnv64(123456789), 2350796791908741607ull);
    CHECK_EQ_U64(wl_fnv64(INT64_MAX), 8289549613075766851ull);
    CHECK_EQ_U64(wl_fnv64(UINT64_MAX), 8289690350564177859ull); /* Java's -1L */
}

TEST(keygen_names)
{
    for (int d = 0; d < WL_KEY_DIST_COUNT; d++)
        CHECK_EQ_INT(wl_key_dist_parse(wl_key_dist_name((enum wl_key_dist)d)), d);
    CHECK_EQ_INT(wl_key_dist_parse("scrambled"), WL_KEY_SCRAMBLED);
    CHECK_EQ_INT(wl_key_dist_parse("zipfian"), -1);
    CHECK_EQ_INT(wl_key_format_parse("ycsb"), WL_KEYFMT_YCSB);
    CHECK_EQ_INT(wl_key_format_parse("binary"), WL_KEYFMT_BINARY);
    CHECK_EQ_INT(wl_key_format_parse("text"), -1);
    CHECK_STR(wl_key_format_name(WL_KEYFMT_YCSB), "ycsb");
}

TEST(keygen_rejects_bad_parameters)
{
    struct wl_keygen g;
    struct wl_key_params p;
    wl_key_params_default(&p, WL_KEY_UNIFORM);
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 0, 1, 1), -EINVAL);
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 0, 1), -EINVAL);
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 11, 1), -EINVAL);
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 10, 1), 0);

    static const enum wl_key_dist skewed[] = {WL_KEY_ZIPF, WL_KEY_SCRAMBLED, WL_KEY_LATEST};

    static const double bad_theta[] = {0.0, 1.0, -0.5, 1.5, NAN};
    for (size_t d = 0; d < 3; d++)
        for (size_t t = 0; t < 5; t++) {
            wl_key_params_default(&p, skewed[d]);
            p.theta = bad_theta[t];
            CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 10, 1), -EINVAL);
        }
    wl_key_params_default(&p, WL_KEY_HOTSET);
    p.hot_items = 0.0;
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 10, 1), -EINVAL);
    p.hot_items = 1.0;
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 10, 1), -EINVAL);
    p.hot_items = 0.2;
    p.hot_ops = 1.1;
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 10, 1), -EINVAL);
    p.hot_ops = -0.1;
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 10, 1), -EINVAL);
    p.hot_ops = NAN;
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 10, 1), -EINVAL);
    p.dist = WL_KEY_DIST_COUNT;
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 10, 1), -EINVAL);
    CHECK_EQ_INT(wl_keygen_init(&g, NULL, 10, 10, 1), -EINVAL);
}

TEST(keygen_seq_order_and_wrap)
{
    struct wl_keygen g;
    struct wl_key_params p;
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 1);
    wl_key_params_default(&p, WL_KEY_SEQ);
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 10, 5, 1), 0);
    static const uint64_t want[] = {0, 1, 2, 3, 4, 0, 1};
    for (size_t i = 0; i < 7; i++)
        CHECK_EQ_U64(wl_keygen_next(&g, &rng), want[i]);
    wl_keygen_set_limit(&g, 7); /* growing keeps the position */
    static const uint64_t grown[] = {2, 3, 4, 5, 6, 0};
    for (size_t i = 0; i < 6; i++)
        CHECK_EQ_U64(wl_keygen_next(&g, &rng), grown[i]);
    for (int i = 0; i < 4; i++)
        wl_keygen_next(&g, &rng);
    wl_keygen_set_limit(&g, 3); /* at 5, past the new limit: back to 0 */
    CHECK_EQ_U64(wl_keygen_next(&g, &rng), 0);
    wl_keygen_set_limit(&g, 100); /* clamped to the capacity */
    CHECK_EQ_U64(g.limit, 10);
}

TEST(keygen_uniform_chi_square_and_limit)
{
    enum {
        N = 100
    };

    const uint64_t draws = 1000000;
    struct wl_keygen g;
    struct wl_key_params p;
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 1002);
    wl_key_params_default(&p, WL_KEY_UNIFORM);
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 1000, N, 1), 0);
    uint64_t count[N] = {0};
    double prob[N];
    uint64_t over = 0;
    for (uint64_t i = 0; i < draws; i++) {
        uint64_t x = wl_keygen_next(&g, &rng);
        if (x < N)
            count[x]++;
        else
            over++;
    }
    for (int i = 0; i < N; i++)
        prob[i] = 1.0 / N;
    CHECK_EQ_U64(over, 0);
    CHECK(chi_square(count, prob, N, draws) < CHI2_001_DOF99);
}

/* Unscrambled zipf: item = rank, so item 0 is the hottest; items past the limit are retried. */
TEST(keygen_zipf_items_and_limit)
{
    const uint64_t draws = 400000;
    struct wl_keygen g;
    struct wl_key_params p;
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 1003);
    wl_key_params_default(&p, WL_KEY_ZIPF);
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 1000, 100, 5), 0);
    uint64_t count[100] = {0}, over = 0;
    for (uint64_t i = 0; i < draws; i++) {
        uint64_t x = wl_keygen_next(&g, &rng);
        if (x < 100)
            count[x]++;
        else
            over++;
    }
    CHECK_EQ_U64(over, 0);
    /* conditional on rank < 100: P(0) / P(1) stays 2^theta */
    CHECK_NEAR((double)count[0] / (double)count[1], pow(2.0, 0.99), 0.05);
    CHECK(count[1] > count[10]);
    CHECK(count[10] > count[99]);
}

/* Scrambled: the item is FNV(rank) mod n of a rank drawn over 10^10 (YCSB). */
TEST(keygen_scrambled_matches_ycsb)
{
    struct wl_keygen g;
    struct wl_key_params p;
    wl_key_params_default(&p, WL_KEY_SCRAMBLED);
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 1000, 1000, 1), 0);
    CHECK_EQ_U64(g.zipf.n, WL_SCRAMBLED_ITEMS);
    CHECK_NEAR(g.zipf.zetan, 26.46902820178302, 0);
    /* ranks 0, 1, 2, 3, 10, 100 map to these items (reference: YCSB's formula in Python) */
    static const uint64_t ranks[] = {0, 1, 2, 3, 10, 100};
    static const uint64_t items1000[] = {211, 620, 393, 802, 737, 393};
    static const uint64_t items12345[] = {2511, 1900, 3733, 3122, 10257, 163};
    for (size_t i = 0; i < 6; i++) {
        CHECK_EQ_U64(wl_fnv64(ranks[i]) % 1000, items1000[i]);
        CHECK_EQ_U64(wl_fnv64(ranks[i]) % 12345, items12345[i]);
    }
    /* the generator draws exactly that: replay its random numbers by hand */
    struct nvkv_rng rng, replay;
    nvkv_rng_seed(&rng, 77);
    replay = rng;
    for (int i = 0; i < 1000; i++) {
        uint64_t want = wl_fnv64(wl_zipf_rank_of(&g.zipf, nvkv_rng_unit(&replay))) % 1000;
        CHECK_EQ_U64(wl_keygen_next(&g, &rng), want);
    }
    /* hot items: rank 0's item takes 1 / zeta(10^10) of the draws (+ its share of the tail) */
    const uint64_t draws = 1000000;
    uint64_t hits[4] = {0};
    for (uint64_t i = 0; i < draws; i++) {
        uint64_t x = wl_keygen_next(&g, &rng);
        for (int k = 0; k < 4; k++)
            hits[k] += x == items1000[k];
    }
    CHECK_NEAR((double)hits[0] / (double)draws, 1.0 / 26.46902820178302, 0.002);
    CHECK_NEAR((double)hits[1] / (double)draws, pow(2, -0.99) / 26.46902820178302, 0.002);
    CHECK(hits[0] > hits[1]);
    CHECK(hits[1] > hits[2]);
    /* a limit: never past it */
    wl_keygen_set_limit(&g, 250);
    for (int i = 0; i < 100000; i++)
        CHECK_LT_U64(wl_keygen_next(&g, &rng), 250);
    /* another skew computes zeta(10^10) (a few tenths of a second) */
    p.theta = 0.8;
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 1000, 1000, 1), 0);
    CHECK_NEAR(g.zipf.zetan, wl_zipf_zeta(WL_SCRAMBLED_ITEMS, 0.8), 1e-6);
}

/* Latest: the newest item is the hottest, and inserts move the hot spot. */
TEST(keygen_latest_favours_newest)
{
    const uint64_t draws = 400000;
    struct wl_keygen g;
    struct wl_key_params p;
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 1004);
    wl_key_params_default(&p, WL_KEY_LATEST);
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 4000, 1000, 1), 0);
    uint64_t newest = 0, near = 0, old = 0;
    for (uint64_t i = 0; i < draws; i++) {
        uint64_t x = wl_keygen_next(&g, &rng);
        CHECK_LT_U64(x, 1000);
        newest += x == 999;
        near += x >= 990;
        old += x < 500;
    }
    CHECK_NEAR((double)newest / (double)draws, 1.0 / wl_zipf_zeta(1000, 0.99), 0.003);
    CHECK(near > old);
    /* grow one insert at a time to 2000: the same zeta as a fresh setup */
    for (uint64_t limit = 1001; limit <= 2000; limit++)
        wl_keygen_set_limit(&g, limit);
    CHECK_NEAR(g.zipf.zetan, wl_zipf_zeta(2000, 0.99), 1e-10);
    newest = 0;
    uint64_t below_old_limit = 0;
    for (uint64_t i = 0; i < draws; i++) {
        uint64_t x = wl_keygen_next(&g, &rng);
        CHECK_LT_U64(x, 2000);
        newest += x == 1999;
        below_old_limit += x < 1000;
    }
    CHECK_NEAR((double)newest / (double)draws, 1.0 / wl_zipf_zeta(2000, 0.99), 0.003);
    CHECK(below_old_limit < draws / 5);
}

/* Hotset (YCSB HotspotIntegerGenerator): 80% of the draws on the first 20% of the items. */
TEST(keygen_hotset_shares)
{
    const uint64_t draws = 1000000;
    struct wl_keygen g;
    struct wl_key_params p;
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 1005);
    wl_key_params_default(&p, WL_KEY_HOTSET);
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 1000, 1000, 1), 0);
    CHECK_EQ_U64(g.hot, 200);
    uint64_t hot = 0, tenth[10] = {0};
    for (uint64_t i = 0; i < draws; i++) {
        uint64_t x = wl_keygen_next(&g, &rng);
        CHECK_LT_U64(x, 1000);
        hot += x < 200;
        if (x < 200)
            tenth[x / 20]++;
    }
    CHECK_NEAR((double)hot / (double)draws, 0.8, 0.002);
    double even[10];
    for (int i = 0; i < 10; i++)
        even[i] = 0.1;
    CHECK(chi_square(tenth, even, 10, hot) < CHI2_001_DOF10);
    /* limit 600: YCSB's retries leave hot with 0.8 / (0.8 + 0.2 x 400 / 800) = 8/9 */
    wl_keygen_set_limit(&g, 600);
    hot = 0;
    for (uint64_t i = 0; i < draws; i++) {
        uint64_t x = wl_keygen_next(&g, &rng);
        CHECK_LT_U64(x, 600);
        hot += x < 200;
    }
    CHECK_NEAR((double)hot / (double)draws, 8.0 / 9.0, 0.002);
    /* limit inside the hot set: only hot items exist */
    wl_keygen_set_limit(&g, 50);
    for (int i = 0; i < 10000; i++)
        CHECK_LT_U64(wl_keygen_next(&g, &rng), 50);
    /* every operation on cold items, none existing yet: the hot ones rather than a hang */
    p.hot_ops = 0.0;
    CHECK_EQ_INT(wl_keygen_init(&g, &p, 1000, 100, 1), 0);
    for (int i = 0; i < 1000; i++)
        CHECK_LT_U64(wl_keygen_next(&g, &rng), 100);
}

TEST(key_bytes_binary)
{
    uint8_t buf[WL_KEY_BYTES_MAX];
    CHECK_EQ_U64(wl_key_bytes(WL_KEYFMT_BINARY, 4, 0x0102030405ull, buf), 4);
    static const uint8_t k4[] = {0x02, 0x03, 0x04, 0x05}; /* the low 4 bytes, big-endian */
    CHECK_EQ_INT(memcmp(buf, k4, 4), 0);
    CHECK_EQ_U64(wl_key_bytes(WL_KEYFMT_BINARY, 12, 0x0102030405060708ull, buf), 12);
    static const uint8_t k12[] = {1, 2, 3, 4, 5, 6, 7, 8, 'i', 'j', 'k', 'l'};
    CHECK_EQ_INT(memcmp(buf, k12, 12), 0);
    CHECK_EQ_U64(wl_key_bytes(WL_KEYFMT_BINARY, 1, 0x1ff, buf), 1);
    CHECK_EQ_INT(buf[0], 0xff);
    CHECK_EQ_U64(wl_key_bytes(WL_KEYFMT_BINARY, 40, 7, buf), 40);
    CHECK_EQ_INT(buf[7], 7);
    CHECK_EQ_INT(buf[39], 'a' + 39 % 26);
    CHECK_EQ_U64(wl_key_bytes(WL_KEYFMT_BINARY, 300, 7, buf), WL_KEY_BYTES_MAX);
    CHECK_EQ_U64(wl_key_bytes(WL_KEYFMT_BINARY, 0, 7, buf), 1);
    /* key order is item order */
    uint8_t a[16], b[16];
    wl_key_bytes(WL_KEYFMT_BINARY, 16, 255, a);
    wl_key_bytes(WL_KEYFMT_BINARY, 16, 256, b);
    CHECK(memcmp(a, b, 16) < 0);
}

static void
check_ycsb_key(uint32_t key_size, uint64_t item, const char *want)
{
    uint8_t buf[WL_KEY_BYTES_MAX + 1];
    uint32_t len = wl_key_bytes(WL_KEYFMT_YCSB, key_size, item, buf);
    buf[len < WL_KEY_BYTES_MAX ? len : WL_KEY_BYTES_MAX] = '\0';
    CHECK_EQ_U64(len, strlen(want));
    CHECK_STR((const char *)buf, want);
}

TEST(key_bytes_ycsb)
{
    check_ycsb_key(0, 0, "user6284781860667377211");
    check_ycsb_key(0, 1, "user8517097267634966620");
    check_ycsb_key(0, 2, "user1820151046732198393");
    check_ycsb_key(0, 42, "user55488592825689361");
    check_ycsb_key(10, 42, "user55488592825689361");   /* shorter than natural: natural */
    check_ycsb_key(23, 42, "user0055488592825689361"); /* zeropadding 19 */
    check_ycsb_key(24, 0, "user06284781860667377211");
    /* every digit pair, against printf's decimal (FNV itself is checked above) */
    for (uint64_t item = 0; item < 20000; item++) {
        char want[32];
        snprintf(want, sizeof(want), "user%llu", (unsigned long long)wl_fnv64(item * 7919));
        uint8_t got[WL_KEY_BYTES_MAX];
        uint32_t len = wl_key_bytes(WL_KEYFMT_YCSB, 0, item * 7919, got);
        if (len != strlen(want) || memcmp(got, want, len) != 0) {
            CHECK_STR(want, "(the key of this item differs)");
            break;
        }
    }
    uint8_t buf[WL_KEY_BYTES_MAX];
    CHECK_EQ_U64(wl_key_bytes(WL_KEYFMT_YCSB, 255, 0, buf), 255);
    CHECK_EQ_U64(wl_key_bytes(WL_KEYFMT_YCSB, 999, 0, buf), 255);
    CHECK_EQ_INT(buf[4], '0');
    CHECK_EQ_INT(buf[254], '1');
}

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

TEST_MAIN(TEST_ENTRY(zipf_rejects_bad_arguments), TEST_ENTRY(zipf_zeta),
          TEST_ENTRY(zipf_rank_frequencies), TEST_ENTRY(zipf_scramble_is_a_permutation),
          TEST_ENTRY(zipf_scramble_spreads_and_is_deterministic),
          TEST_ENTRY(zipf_rank_matches_ycsb_reference),
          TEST_ENTRY(zipf_scrambled_zetan_is_zeta_of_1e10), TEST_ENTRY(zipf_given_zeta_and_growth),
          TEST_ENTRY(zipf_rank_head_chi_square), TEST_ENTRY(fnv64_matches_ycsb),
          TEST_ENTRY(keygen_names), TEST_ENTRY(keygen_rejects_bad_parameters),
          TEST_ENTRY(keygen_seq_order_and_wrap), TEST_ENTRY(keygen_uniform_chi_square_and_limit),
          TEST_ENTRY(keygen_zipf_items_and_limit), TEST_ENTRY(keygen_scrambled_matches_ycsb),
          TEST_ENTRY(keygen_latest_favours_newest), TEST_ENTRY(keygen_hotset_shares),
          TEST_ENTRY(key_bytes_binary), TEST_ENTRY(key_bytes_ycsb),
          TEST_ENTRY(valsize_existing_draws_unchanged), TEST_ENTRY(valsize_bandslim_shares),
          TEST_ENTRY(valsize_uniform_chi_square), TEST_ENTRY(valsize_wm_against_cdf),
          TEST_ENTRY(valsize_pareto_against_cdf), TEST_ENTRY(valsize_parse_spec_errors),
          TEST_ENTRY(valsize_parse_and_format_round_trip), TEST_ENTRY(value_bytes_as_nvkv_run),
          TEST_ENTRY(value_check_finds_differences), TEST_ENTRY(mix_names_and_bad_parameters),
          TEST_ENTRY(mix_parse), TEST_ENTRY(mix_shares_chi_square),
          TEST_ENTRY(scan_lengths_uniform_and_fixed), TEST_ENTRY(scan_lengths_pareto_against_cdf),
          TEST_ENTRY(preset_table))
