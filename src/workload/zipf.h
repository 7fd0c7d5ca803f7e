/* SPDX-License-Identifier: MIT */
/*
 * Zipfian key choice as YCSB draws it: Gray et al.'s "Quickly generating billion-record
 * synthetic databases" (SIGMOD 1994) algorithm, the one in YCSB's ZipfianGenerator, over the
 * ranks 0..n-1 (rank 0 the most popular), with P(rank r) proportional to 1 / (r + 1)^theta.
 *
 * YCSB's ScrambledZipfianGenerator spreads the hot ranks over the key space with a hash (FNV
 * modulo n, which merges colliding ranks). Here the scramble is a keyed bijection of [0, n)
 * instead (an invertible mix on the next power of two, cycle-walked into range), so the hot set
 * is spread just as well and every rank keeps its own probability.
 *
 * Setup costs O(min(n, 2^24)) (the zeta sum, its tail past 2^24 terms integrated); drawing is
 * O(1) and allocation-free.
 */
#ifndef NVKV_WORKLOAD_ZIPF_H
#define NVKV_WORKLOAD_ZIPF_H

#include <stdint.h>

#include "../base/rng.h"

/* YCSB's default skew (ZipfianGenerator.ZIPFIAN_CONSTANT). */
#define WL_ZIPF_THETA_DEFAULT 0.99

struct wl_zipf {
    uint64_t n;
    double theta;
    double alpha; /* 1 / (1 - theta) */
    double zetan; /* sum over i = 1..n of 1 / i^theta */
    double eta;
    double half_pow_theta; /* 1 + 0.5^theta: the threshold of rank 1 */
    /* the scramble: a bijection of [0, 2^bits) keyed by the seed */
    uint32_t bits;
    uint64_t mask;
    uint64_t key[2];
};

/* zeta(n, theta) = sum over i = 1..n of 1 / i^theta (0 < theta < 1). */
double wl_zipf_zeta(uint64_t n, double theta);

/*
 * Set up a generator over n >= 1 ranks with skew 0 < theta < 1; `seed` keys the scramble.
 * Returns 0, or -EINVAL for n == 0 or theta outside (0, 1).
 */
int wl_zipf_init(struct wl_zipf *z, uint64_t n, double theta, uint64_t seed);

/* A Zipfian rank in [0, n): 0 is the most popular. */
uint64_t wl_zipf_next_rank(const struct wl_zipf *z, struct nvkv_rng *rng);

/* Map a rank to an item in [0, n): a bijection, so item popularity is rank popularity. */
uint64_t wl_zipf_scramble(const struct wl_zipf *z, uint64_t rank);

/* A scrambled Zipfian item in [0, n): wl_zipf_scramble(wl_zipf_next_rank()). */
static inline uint64_t
wl_zipf_next(const struct wl_zipf *z, struct nvkv_rng *rng)
{
    return wl_zipf_scramble(z, wl_zipf_next_rank(z, rng));
}

#endif
