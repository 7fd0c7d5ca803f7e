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
 * Background work and what waits for it (ARCHITECTURE.md, "The time model"). Each full write
 * buffer becomes a flush plan (the immutable buffer written out) and a compaction plan (the
 * merges and GC that follow, started once the flush has ended). Plans do not wait for earlier
 * plans as such; only these waits exist, each bounded:
 *  - a write that finds the active buffer full while the immutable one is still being flushed
 *    waits for that flush (buffer_full), and so does every write that arrives meanwhile;
 *  - a flush waits for the oldest compaction plan once bg_inflight of them are still running
 *    (backpressure: level 0 and the free blocks have room for that many flushes ahead);
 *  - a write that needs GC to make room under the write reserve waits for that GC (admission).
 * Under KV_BG_KVEMU nothing waits: background plans only reserve die time (every operation
 * starts at submit, first come first served) and writes take no time.
 */
struct kv_bg {
    struct sim *sim;
    const struct kv_params *p;
    struct sim_plan *flush; /* the newest flush plan not yet ended */
    struct sim_plan *gate;  /* writes wait for this flush (both buffers full) */
    struct sim_plan **work; /* compaction plans not yet ended, oldest first */
    uint32_t n_work, cap_work;
    uint64_t flushes_waited, writes_gated, room_waits;
};

void kv_bg_init(struct kv_bg *b, struct sim *sim, const struct kv_params *p);
void kv_bg_free(struct kv_bg *b);

/* True under KVEMU's model: foreground plans carry no write work. */
static inline bool
kv_bg_kvemu(const struct kv_bg *b)
{
    return b->p->bg_model == KV_BG_KVEMU;
}

/* Every write calls this first: while a flush holds the write path, the write waits for it. */
void kv_bg_gate(struct kv_bg *b, struct sim_plan *fg);

/*
 * The write in `fg` filled the active buffer: returns the flush plan (NULL when untimed) after
 * making `fg` wait for the previous flush if it is still running. end() submits it.
 */
struct sim_plan *kv_bg_flush_begin(struct kv_bg *b, struct sim_plan *fg);
void kv_bg_flush_end(struct kv_bg *b, struct sim_plan *flush);

/* The compaction plan that follows `flush` (which may be NULL: starts at once). */
struct sim_plan *kv_bg_work_begin(struct kv_bg *b, struct sim_plan *fg, struct sim_plan *flush);
void kv_bg_work_end(struct kv_bg *b, struct sim_plan *work);

/* GC for room under the write reserve: `fg` waits for it (admission). end() submits it. */
struct sim_plan *kv_bg_room_begin(struct kv_bg *b, struct sim_plan *fg);
void kv_bg_room_end(struct kv_bg *b, struct sim_plan *fg, struct sim_plan *room);

/* An engine's parts of its background work: write a full buffer out in `flush` and merge it in
 * `work`; collect garbage in `bg`. */
typedef int kv_bg_flush_fn(struct kv_engine *e, struct sim_plan *flush, struct sim_plan *work);
typedef int kv_bg_gc_fn(struct kv_engine *e, struct sim_plan *bg, bool urgent);

/*
 * A write in `fg` filled the active buffer: its flush plan, then the compaction plan that
 * follows it (the merge, then GC), each waiting only as the time model says (above).
 */
void kv_bg_flush_buffer(struct kv_bg *b, struct kv_engine *e, struct sim_plan *fg,
                        kv_bg_flush_fn *flush, kv_bg_gc_fn *gc);

/* Free blocks under the write's floor: GC for room, which `fg` waits for (admission). */
void kv_bg_make_room(struct kv_bg *b, struct kv_engine *e, struct sim_plan *fg, kv_bg_gc_fn *gc,
                     bool urgent);

/*
 * Parallel branches in a background plan: GC victims, independent merges. begin() closes what
 * was added so far; each branch() starts a line of stages that waits only for that; end()
 * makes what is added next wait for every branch.
 */
struct kv_par {
    struct sim_plan *plan;
    uint32_t base;
    uint32_t *ends;
    uint32_t n_ends, cap_ends;
    bool open;
};

void kv_par_begin(struct kv_par *par, struct sim_plan *plan);
void kv_par_branch(struct kv_par *par);
void kv_par_end(struct kv_par *par);

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
