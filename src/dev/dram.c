/* SPDX-License-Identifier: MIT */
#include "dram.h"

#include <string.h>

#include "../base/check.h"

static const char *const cat_names[DEV_DRAM_CAT_COUNT] = {
    "write_buffer", "level_lists", "meta_segments", "hash_lists", "mapping_table", "cache",
};

const char *
dev_dram_cat_name(enum dev_dram_cat c)
{
    return (unsigned)c < DEV_DRAM_CAT_COUNT ? cat_names[c] : "?";
}

void
dev_dram_init(struct dev_dram *d, uint64_t budget_bytes)
{
    memset(d, 0, sizeof(*d));
    d->budget = budget_bytes;
}

bool
dev_dram_try_charge(struct dev_dram *d, enum dev_dram_cat cat, uint64_t bytes)
{
    NVKV_CHECK((unsigned)cat < DEV_DRAM_CAT_COUNT);
    if (bytes > dev_dram_free(d))
        return false;
    d->used[cat] += bytes;
    d->total_used += bytes;
    if (d->used[cat] > d->peak[cat])
        d->peak[cat] = d->used[cat];
    if (d->total_used > d->total_peak)
        d->total_peak = d->total_used;
    return true;
}

void
dev_dram_release(struct dev_dram *d, enum dev_dram_cat cat, uint64_t bytes)
{
    NVKV_CHECK((unsigned)cat < DEV_DRAM_CAT_COUNT);
    NVKV_CHECK_MSG(bytes <= d->used[cat], "releasing %llu bytes of %s, only %llu charged",
                   (unsigned long long)bytes, cat_names[cat], (unsigned long long)d->used[cat]);
    d->used[cat] -= bytes;
    d->total_used -= bytes;
}
