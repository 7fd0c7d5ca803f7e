/* SPDX-License-Identifier: MIT */
/*
 * Controller CPU: N cores (one sim resource) and the cost of the firmware's unit operations.
 * Defaults come from the AnyKey paper (section 4.2.6.2): xxHash32 of a 40-byte key takes 79 ns
 * on a 1.2 GHz Cortex-A53, and merging two 8,192-entry groups takes 118 us (7.2 ns an entry).
 */
#ifndef NVKV_DEV_CPU_H
#define NVKV_DEV_CPU_H

#include <stdint.h>

#include "../sim/sim.h"

/* The [cpu] section of the config. */
struct dev_cpu_params {
    uint64_t hash_40b_ns;     /* hash a 40-byte key; scales with key length */
    uint64_t bsearch_step_ns; /* one binary-search step (a key comparison) */
    uint64_t merge_entry_ns;  /* merge one entry during compaction */
    uint64_t decode_ns;       /* decode an NVMe command and dispatch it */
};

void dev_cpu_params_default(struct dev_cpu_params *p);

struct dev_cpu {
    struct dev_cpu_params p;
    struct sim_resource cores;
    uint64_t busy_by_origin[SIM_ORIGIN_COUNT]; /* core time by what it was spent on */
};

void dev_cpu_init(struct dev_cpu *c, const struct dev_cpu_params *p, uint32_t cores);

/* Cost of hashing a key of klen bytes. */
uint64_t dev_cpu_hash_ns(const struct dev_cpu *c, uint32_t klen);

/* Cost of a binary search over n sorted items (ceil(log2(n + 1)) steps). */
uint64_t dev_cpu_bsearch_ns(const struct dev_cpu *c, uint64_t n);

/* Record `ns` of work on one controller core into the plan (nothing when ns is 0). */
void dev_cpu_charge(struct dev_cpu *c, struct sim_plan *plan, enum sim_prio prio, uint64_t ns);

#endif
