/* SPDX-License-Identifier: MIT */
/*
 * The device-DRAM budget. Firmware structures are charged here by category; the budget is the
 * config's device.dram. A charge either fits (the structure lives in DRAM) or is refused (the
 * engine keeps that structure in flash and pays flash reads to reach it). Refused bytes are
 * recorded as spilled so reports show what did not fit.
 */
#ifndef NVKV_DEV_DRAM_H
#define NVKV_DEV_DRAM_H

#include <stdbool.h>
#include <stdint.h>

enum dev_dram_cat {
    DEV_DRAM_WRITE_BUFFER = 0,
    DEV_DRAM_LEVEL_LISTS,
    DEV_DRAM_META_SEGMENTS,
    DEV_DRAM_HASH_LISTS,
    DEV_DRAM_MAPPING,
    DEV_DRAM_CACHE,
    DEV_DRAM_CAT_COUNT,
};

const char *dev_dram_cat_name(enum dev_dram_cat c);

struct dev_dram {
    uint64_t budget;
    uint64_t used[DEV_DRAM_CAT_COUNT];
    uint64_t peak[DEV_DRAM_CAT_COUNT];
    uint64_t total_used;
    uint64_t total_peak;
};

void dev_dram_init(struct dev_dram *d, uint64_t budget_bytes);

/* Bytes still free. */
static inline uint64_t
dev_dram_free(const struct dev_dram *d)
{
    return d->budget - d->total_used;
}

/* Charge `bytes` to `cat` if they fit; false (nothing charged) when they do not. */
bool dev_dram_try_charge(struct dev_dram *d, enum dev_dram_cat cat, uint64_t bytes);

/* Give back bytes charged to `cat` (checked: never more than charged). */
void dev_dram_release(struct dev_dram *d, enum dev_dram_cat cat, uint64_t bytes);

#endif
