/* SPDX-License-Identifier: MIT */
/*
 * Zipfian key choice as YCSB draws it: Gray et al.'s "Quickly generating billion-record
 * synthetic databases" (SIGMOD 1994) algorithm, the one in YCSB's ZipfianGenerator, over the
 * ranks 0..n-1 (rank 0 the most popular), with P(rank r) proportional to 1 / (r + 1)^theta.
 *
 * YCSB's ScrambledZipfianGenerator spreads the hot ranks over the key space with a hash (FNV
 * modulo n, which merges colliding ranks): keygen.h's `scrambled` distribution does exactly that.
 * wl_zipf_scramble below is an alternative, a keyed bijection of [0, n) (an invertible mix on the
 * next power of two, cycle-walked into range), so the hot set is spread just as well and every
 * rank keeps its own probability (`nvkv run --key-dist zipf` uses it).
 *
 * Setup costs O(min(n, 2^24)) (the zeta sum, its tail past 2^24 terms integrated), or O(1) with
 * a given zeta; drawing is O(1) and allocation-free; growing to n' costs O(min(n' - n, 2^24)).
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

/*
 * As wl_zipf_init with zeta(n, theta) given (YCSB's ScrambledZipfianGenerator passes its
 * precomputed ZETAN so setup over 10^10 items is free). Returns 0, or -EINVAL for n == 0, theta
 * outside (0, 1) or zetan < 1.
 */
int wl_zipf_init_zeta(struct wl_zipf *z, uint64_t n, double theta, double zetan, uint64_t seed);

/*
 * Grow to n' >= 1 ranks as YCSB's ZipfianGenerator does when its item count rises: zeta(n') =
 * zeta(n) + the new terms, eta recomputed (with n', where YCSB keeps its first item count). A
 * smaller n' recomputes zeta from scratch. The scramble becomes a bijection of the new [0, n')
 * (same key, so a different permutation from the old one).
 */
void wl_zipf_grow(struct wl_zipf *z, uint64_t n);

/* Gray's rank for a given u in [0, 1): what wl_zipf_next_rank returns when it draws u. */
uint64_t wl_zipf_rank_of(const struct wl_zipf *z, double u);

/* A Zipfian rank in [0, n): 0 is the most popular. */
static inline uint64_t
wl_zipf_next_rank(const struct wl_zipf *z, struct nvkv_rng *rng)
{
    return wl_zipf_rank_of(z, nvkv_rng_unit(rng));
}

/* Map a rank to an item in [0, n): a bijection, so item popularity is rank popularity. */
uint64_t wl_zipf_scramble(const struct wl_zipf *z, uint64_t rank);

/* A scrambled Zipfian item in [0, n): wl_zipf_scramble(wl_zipf_next_rank()). */
static inline uint64_t
wl_zipf_next(const struct wl_zipf *z, struct nvkv_rng *rng)
{
    return wl_zipf_scramble(z, wl_zipf_next_rank(z, rng));
}

#endif
