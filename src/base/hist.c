/* SPDX-License-Identifier: MIT */
#include "hist.h"

#include <errno.h>
#include <string.h>

void
nvkv_hist_init(struct nvkv_hist *h)
{
    memset(h, 0, sizeof(*h));
}

void
nvkv_hist_merge(struct nvkv_hist *dst, const struct nvkv_hist *src)
{
    if (src->count == 0)
        return;
    for (uint32_t i = 0; i < NVKV_HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    if (dst->count == 0 || src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    dst->count += src->count;
    dst->sum += src->sum;
}

double
nvkv_hist_mean(const struct nvkv_hist *h)
{
    return h->count == 0 ? 0.0 : h->sum / (double)h->count;
}

void
nvkv_hist_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi)
{
    if (b < NVKV_HIST_SUB) {
        *lo = *hi = b;
        return;
    }
    if (b == NVKV_HIST_BUCKETS - 1) {
        *lo = (uint64_t)1 << NVKV_HIST_MAX_BITS;
        *hi = UINT64_MAX;
        return;
    }
    uint32_t shift = b / NVKV_HIST_SUB - 1;
    uint64_t sub = b % NVKV_HIST_SUB;
    *lo = (NVKV_HIST_SUB + sub) << shift;
    *hi = *lo + (((uint64_t)1 << shift) - 1);
}

static uint64_t
clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

uint64_t
nvkv_hist_quantile(const struct nvkv_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0.0)
        return h->min;
    if (q >= 1.0)
        return h->max;
    /* rank = ceil(q * count), at least 1: the sample a sorted array would hold at that rank */
    double want = q * (double)h->count;
    uint64_t rank = (uint64_t)want;
    if ((double)rank < want)
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (uint32_t b = 0; b < NVKV_HIST_BUCKETS; b++) {
        seen += h->buckets[b];
        if (seen >= rank) {
            uint64_t lo, hi;
            nvkv_hist_bucket_range(b, &lo, &hi);
            return clamp_u64(lo + (hi - lo) / 2, h->min, h->max);
        }
    }
    return h->max;
}

int
nvkv_hist_write_cdf(const struct nvkv_hist *h, FILE *out, const char *value_name)
{
    fprintf(out, "%s,cumulative_fraction\n", value_name);
    uint64_t seen = 0;
    for (uint32_t b = 0; b < NVKV_HIST_BUCKETS && seen < h->count; b++) {
        if (h->buckets[b] == 0)
            continue;
        seen += h->buckets[b];
        uint64_t lo, hi;
        nvkv_hist_bucket_range(b, &lo, &hi);
        fprintf(out, "%llu,%.9f\n", (unsigned long long)clamp_u64(hi, h->min, h->max),
                (double)seen / (double)h->count);
    }
    return ferror(out) ? -EIO : 0;
}
