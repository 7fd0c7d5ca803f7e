/* SPDX-License-Identifier: MIT */
/*
 * The hash engine's index: key fingerprint -> record location, and the model of where the
 * device keeps it (DRAM while it fits, flash buckets beyond).
 *
 * Table. Open addressing with linear probing and backward-shift deletion, in host memory. An
 * entry holds a 128-bit fingerprint of the key (two 64-bit halves of one hash written here), the
 * record's location and its key and value lengths; keys themselves live only in the records on
 * flash. The fingerprint is the key's identity for PUT, DEL and EXIST, so those need no flash
 * read to confirm a match; a GET reads the record anyway and compares the full key, and keeps
 * probing when it differs. Two keys colliding in all 128 bits (about n^2 / 2^129 for n keys)
 * would be taken for one key: far below the undetected error rate of the media the model
 * stands for. A first-half (64-bit) collision alone is told apart by the second half.
 *
 * Device model. Each entry costs params->hash_entry_bytes of device DRAM (DEV_DRAM_MAPPING).
 * The hash space is cut into nb = 2^j buckets by the top bits of the first half, nb the
 * smallest power of two with at most hash_bucket_entries entries a bucket on average (0 = page
 * size / entry size); it only grows. Buckets 0..k-1 are in DRAM, k the largest count whose entries
 * fit the DRAM left beside the engine's other structures; buckets k..nb-1 are spilled: each
 * non-empty one has one page on the bucket stream. Touching a spilled bucket costs flash: a lookup
 * reads its page (origin META), an update reads it and programs a new one (the old page becomes
 * invalid). Moving buckets across the boundary and splitting spilled buckets when nb doubles are
 * background work. The pages carry a header naming their bucket (for GC); the entries stay in host
 * memory.
 */
#ifndef NVKV_KV_HASH_INDEX_H
#define NVKV_KV_HASH_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "../engine.h"

#define HIDX_NONE UINT64_MAX

struct hidx_entry {
    uint64_t h1, h2; /* the key's fingerprint */
    uint64_t ppa;    /* record location: first page, */
    uint32_t vlen;   /* value length (the record's size and the live-bytes figure), */
    uint16_t piece;  /* first piece within that page, */
    uint8_t klen;    /* key length; 0 marks an empty slot */
    uint8_t spare;
};

/* Returns the background plan to record index maintenance in (NULL: untimed). */
typedef struct sim_plan *hidx_bg_fn(void *ctx);

struct hidx_stats {
    uint64_t bucket_reads, bucket_writes;
    uint64_t spills, loads, splits; /* buckets moved out of DRAM, back in; doublings of nb */
    uint64_t write_failures;        /* bucket programs refused for space (old page kept) */
};

struct hidx {
    struct kv_env env;
    const struct nand_params *np;
    int stream;
    uint32_t entry_bytes, bucket_entries, ppp;
    hidx_bg_fn *bg;
    void *bg_ctx;
    /* table */
    struct hidx_entry *slots;
    uint64_t cap, count;
    /* buckets */
    uint32_t nb_log;
    uint64_t nb, k, resident; /* resident: entries of buckets 0..k-1 */
    uint32_t *bcount;         /* entries per bucket */
    uint64_t *bppa;           /* page of a spilled bucket, HIDX_NONE when it has none */
    uint64_t pages;           /* bucket pages on flash */
    uint64_t charged;         /* device DRAM bytes charged */
    /* spilled buckets touched by a batch (GC), each rewritten once */
    uint32_t *mark;
    uint32_t epoch;
    uint64_t *dirty;
    uint64_t n_dirty;
    uint8_t *page; /* a bucket page image */
    struct hidx_stats st;
};

int hidx_init(struct hidx *x, const struct kv_env *env, int stream, hidx_bg_fn *bg, void *ctx);
void hidx_fini(struct hidx *x);

/* The 128-bit key fingerprint. */
void hidx_hash(const void *key, uint32_t klen, uint64_t *h1, uint64_t *h2);

/* Slot of the entry with this fingerprint, searching from slot `from` (HIDX_NONE: from home). */
uint64_t hidx_find(const struct hidx *x, uint64_t h1, uint64_t h2, uint64_t from);

/* Slot of the entry with this fingerprint whose record starts at (ppa, piece). */
uint64_t hidx_find_loc(const struct hidx *x, uint64_t h1, uint64_t h2, uint64_t ppa,
                       uint32_t piece);

/* Make room for one more entry (grows the table); -ENOMEM when it cannot. */
int hidx_reserve(struct hidx *x);

/* Add an entry (after hidx_reserve) or remove one. Bucket counts follow; no flash work. */
void hidx_insert(struct hidx *x, const struct hidx_entry *e);
void hidx_remove(struct hidx *x, uint64_t slot);

static inline uint64_t
hidx_bucket(const struct hidx *x, uint64_t h1)
{
    return x->nb_log == 0 ? 0 : h1 >> (64 - x->nb_log);
}

static inline bool
hidx_spilled(const struct hidx *x, uint64_t h1)
{
    return hidx_bucket(x, h1) >= x->k;
}

/* A lookup in h1's bucket: one page read when it is spilled to flash. Returns pages read. */
int hidx_lookup_cost(struct hidx *x, struct sim_plan *plan, enum sim_prio prio, uint64_t h1);

/*
 * The write half of an update to h1's bucket (the read is hidx_lookup_cost): when spilled, a new
 * page is programmed and the old one invalidated.
 */
void hidx_update_cost(struct hidx *x, struct sim_plan *plan, enum sim_prio prio, uint64_t h1,
                      enum nand_origin origin);

/* Batched updates: mark h1's bucket, then rewrite each marked spilled bucket once. */
void hidx_batch_begin(struct hidx *x);
void hidx_batch_mark(struct hidx *x, uint64_t h1);
void hidx_batch_write(struct hidx *x, struct sim_plan *plan, enum sim_prio prio,
                      enum nand_origin origin);

/*
 * After entries came or went: double nb when buckets are full, and move buckets across the
 * DRAM boundary so the resident ones fit; recharges device DRAM. Flash work goes to x->bg.
 */
void hidx_rebalance(struct hidx *x);

/* GC of the bucket stream: the bucket a page image names, and moving that bucket's page. */
uint64_t hidx_page_bucket(const struct hidx *x, const uint8_t *page);
int hidx_move_bucket(struct hidx *x, struct sim_plan *plan, enum sim_prio prio, uint64_t b,
                     enum nand_origin origin);

static inline uint64_t
hidx_flash_bytes(const struct hidx *x)
{
    return x->pages * x->np->page_bytes;
}

#endif
