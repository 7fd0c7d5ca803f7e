/* SPDX-License-Identifier: MIT */
/*
 * The block allocator engines share. Blocks are handed to named streams (data, meta, groups,
 * value log, ...); a stream keeps one open block per die and takes its pages die after die, so
 * consecutive allocations land on different dies and program in parallel. Validity is kept per
 * 512-byte piece; GC picks a victim among a stream's full blocks (greedy: fewest valid pieces)
 * and the engine relocates what is valid before erasing it through ftl_erase_block().
 *
 * Page runs: a record larger than a page takes `n` consecutive pages of one block, so a run is
 * (first ppa, n) and its pieces are numbered continuously across the run's pages.
 */
#ifndef NVKV_FTL_ALLOC_H
#define NVKV_FTL_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "../nand/nand.h"
#include "../sim/sim.h"

#define FTL_PIECE_BYTES 512u
#define FTL_MAX_STREAMS 8
#define FTL_NO_BLOCK    UINT64_MAX

struct ftl_alloc;

/* How GC picks among candidate victims. */
enum ftl_gc_policy {
    FTL_GC_GREEDY = 0,       /* fewest valid pages (pieces): least to move now */
    FTL_GC_COST_BENEFIT = 1, /* LFS cost-benefit: (1 - u) * age / (1 + u), u = valid share */
};

/* Set the victim policy (greedy by default). */
void ftl_set_gc_policy(struct ftl_alloc *a, enum ftl_gc_policy policy);

/* Create over an array; every block starts free (erased). Returns 0 or -ENOMEM. */
int ftl_alloc_create(struct nand *nand, struct ftl_alloc **out);
void ftl_alloc_destroy(struct ftl_alloc *a);

/*
 * Keep the last `blocks` free blocks for GC: outside GC mode, an allocation that would take one
 * fails with -ENOSPC, so GC always has a block to move live data into.
 */
void ftl_set_reserve(struct ftl_alloc *a, uint64_t blocks);

/* GC mode on or off: in GC mode allocations may take the reserved blocks. */
void ftl_set_gc_active(struct ftl_alloc *a, bool active);

/* Register a stream; returns its id (0..FTL_MAX_STREAMS-1). */
int ftl_stream_create(struct ftl_alloc *a, const char *name);

/*
 * Let a stream keep at most `width` blocks open (default: one per die). Streams that write
 * little, such as metadata or GC relocations, otherwise hold an open block on every die.
 */
void ftl_stream_set_width(struct ftl_alloc *a, int stream, uint32_t width);

/*
 * Let a stream fill one die's block before it moves on to the next die (default: each
 * allocation goes to the next die). For runs that die together, such as AnyKey's groups written
 * by one compaction: a block then holds neighbouring groups, and a later compaction of that key
 * range frees the whole block instead of a hole in eight.
 */
void ftl_stream_set_block_first(struct ftl_alloc *a, int stream, bool on);

/*
 * Allocate `n` (1..pages_per_block) consecutive pages in one block of the stream and return the
 * first page's ppa. The pages must then be programmed in order. Pages left at the end of a
 * block too short for the run are skipped (counted as padding). -ENOSPC when no die has a free
 * block.
 */
int ftl_alloc_run(struct ftl_alloc *a, int stream, uint32_t n, uint64_t *ppa);

/* Mark `n` pieces valid / invalid, starting at piece `first` of the page at `ppa`. */
void ftl_set_valid(struct ftl_alloc *a, uint64_t ppa, uint32_t first, uint32_t n);
void ftl_invalidate(struct ftl_alloc *a, uint64_t ppa, uint32_t first, uint32_t n);
bool ftl_piece_valid(const struct ftl_alloc *a, uint64_t ppa, uint32_t piece);
uint32_t ftl_page_valid_pieces(const struct ftl_alloc *a, uint64_t ppa);

uint32_t ftl_pieces_per_page(const struct ftl_alloc *a);
uint64_t ftl_free_blocks(const struct ftl_alloc *a);
uint64_t ftl_total_blocks(const struct ftl_alloc *a);
uint64_t ftl_block_valid_pieces(const struct ftl_alloc *a, uint64_t block);
uint64_t ftl_stream_blocks(const struct ftl_alloc *a, int stream);

/*
 * Greedy victim: the fully programmed block of `stream` with the fewest pages still holding a
 * valid piece, and only if at least `min_free_pages` of its pages hold none (ties: fewer valid
 * pieces). Counting pages guarantees the gain: a block whose every page holds a live record may
 * free nothing when its records are too large to repack densely. Engines whose records are small
 * can fall back to piece counts (ftl_block_valid_pieces) when no block qualifies.
 * FTL_NO_BLOCK when none.
 */
uint64_t ftl_pick_victim(const struct ftl_alloc *a, int stream, uint64_t min_free_pages);

/*
 * Greedy victim by pieces: the fully programmed block of `stream` with the fewest valid pieces,
 * and only if they repack (with 1/8 slack for page-end padding) into at most
 * pages_per_block - `min_free_pages` pages. For engines whose small records leave holes inside
 * pages, where no block has whole free pages. FTL_NO_BLOCK when none.
 */
uint64_t ftl_pick_victim_by_pieces(const struct ftl_alloc *a, int stream, uint64_t min_free_pages);

/*
 * Victim by the engine's own measure: the fully programmed block of `stream` with the lowest
 * cost(arg, block) (e.g. live bytes, where pieces are too coarse). FTL_NO_BLOCK when none.
 */
typedef uint64_t ftl_victim_cost_fn(void *arg, uint64_t block);
uint64_t ftl_pick_victim_by(const struct ftl_alloc *a, int stream, ftl_victim_cost_fn *cost,
                            void *arg);

/* Pages of a block holding at least one valid piece. */
uint32_t ftl_block_valid_pages(const struct ftl_alloc *a, uint64_t block);

/* First ppa of a block id (die * blocks_per_die + block). */
uint64_t ftl_block_first_ppa(const struct ftl_alloc *a, uint64_t block);

/* Erase a block with no valid pieces left and return it to its die's free list. */
int ftl_erase_block(struct ftl_alloc *a, struct sim_plan *plan, uint64_t block,
                    enum nand_origin origin, enum sim_prio prio);

struct ftl_stats {
    uint64_t blocks_erased;
    uint64_t padding_pages; /* pages skipped because a run did not fit a block's tail */
};

const struct ftl_stats *ftl_stats(const struct ftl_alloc *a);

#endif
