/* SPDX-License-Identifier: MIT */
/*
 * KV pairs packed byte by byte into data pages, as KVEMU's PinK writes them
 * (shared/research/kvemu-pink.md, "Data pages"): many pairs per page, each costing its key and
 * value bytes plus two 16-bit map entries, instead of whole 512-byte pieces (kv/datalog.h).
 *
 * Page layout (all integers little-endian 16-bit):
 *   [0]            n, the pairs in the page
 *   [2 + 2i]       offset of pair i's key in the page, i < n; [2 + 2n] the end of the last pair
 *   [4 + 2n]       n again
 *   [6 + 2n + 2i]  key length of pair i; [6 + 4n] zero
 *   [8 + 4n ...]   pairs: key bytes, then value bytes, back to back
 * so a page holds floor((page_bytes - 8) / (klen + vlen + 4)) pairs of one size, at most
 * KV_PACK_MAX_PAIRS. A pair's place is (page, index): struct kv_loc {ppa, index, 1}.
 *
 * Validity is counted, not mapped: the writer keeps each page's live pairs and each block's sum;
 * the allocator sees a page as valid (all its pieces) while any pair in it is live, so victim
 * choice by pages works unchanged. Which pair is live is the engine's to know (KVEMU asks its
 * LSM, gc.c:is_data_valid). Values are at most one page minus the page's maps.
 */
#ifndef NVKV_KV_PACKLOG_H
#define NVKV_KV_PACKLOG_H

#include <stdint.h>

#include "datalog.h"
#include "engine.h"

#define KV_PACK_HEADER    8u    /* the two maps' counts and end entries */
#define KV_PACK_PAIR_MAP  4u    /* per pair: its offset and its key length */
#define KV_PACK_MAX_PAIRS 8192u /* KVEMU's cap on pairs per page */

struct kv_packlog;

/* Bytes a pair takes in a page. */
static inline uint32_t
kv_pack_pair_bytes(uint32_t klen, uint32_t vlen)
{
    return klen + vlen + KV_PACK_PAIR_MAP;
}

/* A writer over `stream`; its open page is charged as write buffer (as datalog's). */
int kv_packlog_create(const struct kv_env *env, int stream, enum nand_origin origin,
                      struct kv_packlog **out);
void kv_packlog_destroy(struct kv_packlog *pl);

/* Largest value a pair with a klen-byte key can hold (one page, its maps included). */
uint32_t kv_packlog_max_value(const struct kv_packlog *pl, uint32_t klen);

/*
 * Append a pair to the open page (programmed in `plan` at `prio` when the pair does not fit, or
 * the page holds KV_PACK_MAX_PAIRS). *loc = {ppa, index, 1}. -ENOSPC when the allocator has no
 * block left (nothing changes then).
 */
int kv_packlog_append(struct kv_packlog *pl, struct sim_plan *plan, enum sim_prio prio,
                      const void *key, uint32_t klen, const void *value, uint32_t vlen,
                      struct kv_loc *loc);

/* Program the open page now. */
int kv_packlog_flush(struct kv_packlog *pl, struct sim_plan *plan, enum sim_prio prio);

int kv_packlog_is_open_page(const struct kv_packlog *pl, uint64_t ppa);

/*
 * Read the pair at `loc` (one flash read, recorded in `plan`; none from the open page). Pointers
 * in `rec` stay valid until the next read through this writer. Returns the pages read.
 */
int kv_packlog_read(struct kv_packlog *pl, struct sim_plan *plan, enum sim_prio prio,
                    enum nand_origin origin, const struct kv_loc *loc, struct kv_record *rec);

/*
 * Read a programmed page (recorded in `plan`) and decode its pairs into out[0..n); returns n.
 * Pointers stay valid until the next read through this writer.
 */
int kv_packlog_read_page(struct kv_packlog *pl, struct sim_plan *plan, enum sim_prio prio,
                         enum nand_origin origin, uint64_t ppa, struct kv_record *out);

/* The pair at `loc`, of `bytes` (kv_pack_pair_bytes), is dead: its page's and block's live
 * counts drop (the page's pieces with the last one). */
void kv_packlog_invalidate(struct kv_packlog *pl, const struct kv_loc *loc, uint32_t bytes);

/* Live pairs of a page / of a block (block id as the allocator numbers them), and the bytes
 * the block's live pairs take. */
uint32_t kv_packlog_page_live(const struct kv_packlog *pl, uint64_t ppa);
uint64_t kv_packlog_block_live(const struct kv_packlog *pl, uint64_t block);
uint64_t kv_packlog_block_live_bytes(const struct kv_packlog *pl, uint64_t block);

#endif
