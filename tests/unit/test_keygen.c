/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/workload's key side: the Zipfian generator (YCSB's algorithm) and its
 * scramble, the key distributions and the key bytes.
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
#include "../../src/workload/zipf.h"
#include "harness.h"
#include "stats.h"

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
          TEST_ENTRY(key_bytes_binary), TEST_ENTRY(key_bytes_ycsb))
