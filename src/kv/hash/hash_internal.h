/* SPDX-License-Identifier: MIT */
/*
 * The hash engine's state, shared by its command path (hash.c) and its GC (hash_gc.c).
 */
#ifndef NVKV_KV_HASH_INTERNAL_H
#define NVKV_KV_HASH_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../datalog.h"
#include "hash_index.h"

/* Free blocks a host write leaves untouched: one for GC's relocations, one for bucket pages. */
#define HOST_RESERVE 2
/* Victims a write collects when free blocks are low but not yet critical. */
#define GC_ROUNDS_EASY 2

/* A submitted background plan not yet done, and the blocks it erases. */
struct bg_pending {
    struct sim_plan *plan;
    uint64_t erases;
};

/* Victims of one GC call are collected side by side (ARCHITECTURE.md, "The time model"). */

struct hash_engine {
    struct kv_engine base;
    const struct nand_params *np;
    struct hidx idx;
    struct kv_datalog *data, *gc;
    int s_data, s_gc, s_bucket;
    uint32_t ppp;
    uint64_t gc_threshold, gc_critical;
    uint64_t cap_pieces, live_pieces;
    uint8_t *blockbuf; /* one block of page images: GC victims, iterator scans */
    /* background work: the plan of the current call, and the submitted ones not yet done
     * (oldest first; they run side by side and may end in any order). Blocks GC freed in the
     * functional core are not free in virtual time until their plan's erase has run. */
    struct sim_plan *bg_build;
    uint64_t build_erases;
    struct bg_pending *bgq;
    uint64_t bgq_len, bgq_cap;
    uint64_t pending_erases;
    struct kv_stats st;
    uint64_t gc_records, gc_bucket_pages, gc_waits, gc_stuck, no_space;
};

extern const struct kv_engine_ops kv_hash_ops;

static inline void
hash__barrier(struct sim_plan *plan)
{
    if (plan != NULL)
        sim_plan_barrier(plan);
}

static inline void
hash__charge_hash(struct hash_engine *e, struct sim_plan *plan, enum sim_prio prio, uint32_t klen)
{
    dev_cpu_charge(e->base.env.cpu, plan, prio, dev_cpu_hash_ns(e->base.env.cpu, klen));
}

/* KVEMU's model (sim.bg_model=kvemu): background work only reserves die time, nothing waits. */
static inline bool
hash__kvemu(const struct hash_engine *e)
{
    return e->base.env.params != NULL && e->base.env.params->bg_model == KV_BG_KVEMU;
}

/* hash_gc.c */

/*
 * The plan a write command records its flash and CPU work in: its own, or under KVEMU's model
 * the call's background plan (a PUT or DEL there completes at once and its work only reserves
 * die time, as KVEMU's write buffer makes it).
 */
struct sim_plan *hash__write_plan(struct hash_engine *e, struct sim_plan *plan);

/* The background plan of the current call, created on first use (NULL when untimed). */
struct sim_plan *hash__bg_plan(void *ctx);

/* End of a call that changed state: derived counters, and submit this call's background plan. */
void hash__end_op(struct hash_engine *e);

/* Collect victims until `want` blocks are free or `max_rounds` victims were taken. */
void hash__gc_run(struct hash_engine *e, uint64_t want, uint64_t max_rounds);

/* Free blocks for a write (GC when low) and make `plan` wait when it must (once: *waited). */
void hash__make_room(struct hash_engine *e, struct sim_plan *plan, bool force, bool *waited);

#endif
