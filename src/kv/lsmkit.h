/* SPDX-License-Identifier: MIT */
/*
 * What the write-buffered LSM engines (PinK, AnyKey, AnyKey+) share around their own index:
 * the cost of a request built up in order, the chain of background plans, and the option and
 * counting logic of PUT / DELETE / EXIST.
 */
#ifndef NVKV_KV_LSMKIT_H
#define NVKV_KV_LSMKIT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

/*
 * What a request costs, built up in order. Controller work between two flash reads is one
 * sequential stretch on one core, so it is summed and charged as a single stage before the read
 * that depends on it (charging each step separately would also let the steps run on several
 * cores at once).
 */
struct kv_cost {
    struct sim_plan *plan; /* NULL: untimed */
    enum sim_prio prio;
    uint64_t cpu_ns;
    uint32_t reads;
};

/* Charge the summed controller work as its own stage. */
void kv_cost_sync(struct dev_cpu *cpu, struct kv_cost *c);

/* A flash read of one page after the work that chose it (counted in c->reads). */
void kv_cost_read(struct kv_cost *c, struct dev_cpu *cpu, struct nand *nand, uint64_t ppa,
                  enum nand_origin origin);

/*
 * Background work (flush, compaction, GC) runs in plans chained one after another. begin()
 * takes a new plan ordered after the newest unfinished one (NULL when fg is NULL: untimed); with
 * `stall` the caller's plan waits for that one too (both write buffers are full). end() submits.
 */
struct kv_bg_chain {
    struct sim_plan *pending; /* the newest background plan not yet finished */
};

struct sim_plan *kv_bg_begin(struct kv_bg_chain *ch, struct sim *sim, struct sim_plan *fg,
                             bool stall);
void kv_bg_end(struct kv_bg_chain *ch, struct sim *sim, struct sim_plan *bg);

/* An engine's two primitives the front operations are made of. */
typedef bool kv_exists_fn(struct kv_engine *e, struct sim_plan *plan, const void *key,
                          uint32_t klen, enum sim_prio prio);
typedef enum kv_status kv_write_fn(struct kv_engine *e, struct sim_plan *plan, const void *key,
                                   uint32_t klen, const void *value, uint32_t vlen, bool tombstone);

struct kv_front {
    kv_exists_fn *exists; /* charged as the device pays to find out; no value read */
    kv_write_fn *write;   /* buffer a version (capacity checks included) */
    struct kv_stats *st;
};

/* PUT with the store options, DELETE of an existing key, EXIST: checks, counters, dispatch. */
enum kv_status kv_front_put(const struct kv_front *f, struct kv_engine *e, struct sim_plan *plan,
                            const void *key, uint32_t klen, const void *value, uint32_t vlen,
                            uint32_t options);
enum kv_status kv_front_del(const struct kv_front *f, struct kv_engine *e, struct sim_plan *plan,
                            const void *key, uint32_t klen);
enum kv_status kv_front_exist(const struct kv_front *f, struct kv_engine *e, struct sim_plan *plan,
                              const void *key, uint32_t klen);

#endif
