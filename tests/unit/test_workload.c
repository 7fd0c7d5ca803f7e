/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/workload: the Zipfian generator (YCSB's algorithm) and its scramble.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <math.h>

#include "../../src/base/rng.h"
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

TEST_MAIN(TEST_ENTRY(zipf_rejects_bad_arguments), TEST_ENTRY(zipf_zeta),
          TEST_ENTRY(zipf_rank_frequencies), TEST_ENTRY(zipf_scramble_is_a_permutation),
          TEST_ENTRY(zipf_scramble_spreads_and_is_deterministic))
