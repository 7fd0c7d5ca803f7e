/* SPDX-License-Identifier: MIT */
/*
 * Log-linear histogram of non-negative integers (latencies in ns, flash reads per GET, ...).
 *
 * Values below 2^NVKV_HIST_SUB_BITS are counted exactly; above, each power of two is split into
 * 2^NVKV_HIST_SUB_BITS equal sub-buckets, so a bucket spans at most 1/128 of its lower bound and
 * a quantile reported as the bucket midpoint is within 0.4% of the true sample. Memory is
 * constant (about 35 KB) whatever the count; values of 2^40 ns (18 minutes) and above share one
 * overflow bucket, while min, max and the sum stay exact. Histograms of the same layout merge by
 * adding.
 */
#ifndef NVKV_BASE_HIST_H
#define NVKV_BASE_HIST_H

#include <stdint.h>
#include <stdio.h>

#define NVKV_HIST_SUB_BITS 7
#define NVKV_HIST_MAX_BITS 40
#define NVKV_HIST_SUB      (1u << NVKV_HIST_SUB_BITS)
/* log-linear buckets below 2^NVKV_HIST_MAX_BITS, then one overflow bucket */
#define NVKV_HIST_BUCKETS (NVKV_HIST_SUB * (NVKV_HIST_MAX_BITS - NVKV_HIST_SUB_BITS + 1) + 1)

struct nvkv_hist {
    uint64_t count;
    uint64_t min;
    uint64_t max;
    double sum; /* double: 1e6 samples of 100 s in ns would overflow nothing, but 1e9 might */
    uint64_t buckets[NVKV_HIST_BUCKETS];
};

void nvkv_hist_init(struct nvkv_hist *h);

/* Bucket index of a value (exposed for tests and for callers that batch). */
static inline uint32_t
nvkv_hist_bucket(uint64_t v)
{
    if (v < NVKV_HIST_SUB)
        return (uint32_t)v;
    uint32_t msb = 63u - (uint32_t)__builtin_clzll(v);
    if (msb >= NVKV_HIST_MAX_BITS)
        return NVKV_HIST_BUCKETS - 1;
    uint32_t shift = msb - NVKV_HIST_SUB_BITS;
    uint32_t sub = (uint32_t)(v >> shift) & (NVKV_HIST_SUB - 1);
    return (shift + 1) * NVKV_HIST_SUB + sub;
}

static inline void
nvkv_hist_add(struct nvkv_hist *h, uint64_t v)
{
    h->buckets[nvkv_hist_bucket(v)]++;
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->count++;
    h->sum += (double)v;
}

/* Add every sample of `src` into `dst`. */
void nvkv_hist_merge(struct nvkv_hist *dst, const struct nvkv_hist *src);

/* Mean of the samples (0 when empty). */
double nvkv_hist_mean(const struct nvkv_hist *h);

/*
 * Value at quantile q in [0, 1]: the smallest recorded value v such that at least q of the
 * samples are <= v, reported as its bucket's midpoint clamped to [min, max]. 0 when empty.
 */
uint64_t nvkv_hist_quantile(const struct nvkv_hist *h, double q);

/* Lowest and highest value that land in bucket `b`. */
void nvkv_hist_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi);

/*
 * Write the CDF as CSV with a header line `value,cumulative_fraction`: one row per non-empty
 * bucket, the value being the bucket's upper bound clamped to max. Returns 0 or -errno.
 */
int nvkv_hist_write_cdf(const struct nvkv_hist *h, FILE *out, const char *value_name);

#endif
