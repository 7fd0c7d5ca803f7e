/* SPDX-License-Identifier: MIT */
#include "alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"

#define STREAM_FREE 0xff

struct stream {
    char name[24];
    uint64_t *open_block; /* per die, FTL_NO_BLOCK when none */
    uint32_t next_die;
    uint64_t blocks;
    uint32_t width;      /* most blocks open at once (dies written in parallel) */
    uint32_t open_count; /* blocks open now */
    bool block_first;    /* fill a die's block before moving to the next die */
};

struct ftl_alloc {
    struct nand *nand;
    const struct nand_params *p;
    uint32_t dies;
    uint32_t pieces_per_page;
    uint64_t n_blocks;
    uint8_t *block_stream;       /* stream id or STREAM_FREE */
    uint32_t *block_next;        /* next page to hand out in an open block */
    uint32_t *block_valid;       /* valid pieces per block */
    uint32_t *block_valid_pages; /* pages with at least one valid piece, per block */
    uint64_t *block_closed_at;   /* allocation clock when the block's last page went out */
    uint32_t *block_prog_end;    /* pages that will be programmed: short of the block if padded */
    uint64_t clock;              /* pages handed out so far: the age unit of cost-benefit */
    enum ftl_gc_policy policy;
    uint64_t reserve; /* free blocks only GC may take */
    bool gc_active;
    uint16_t *page_valid; /* valid pieces per page */
    uint64_t *piece_bits; /* one bit per piece */
    uint64_t **free_list; /* per die: stack of free blocks */
    uint32_t *free_count;
    uint64_t free_total;
    struct stream streams[FTL_MAX_STREAMS];
    int n_streams;
    struct ftl_stats stats;
};

int
ftl_alloc_create(struct nand *nand, struct ftl_alloc **out)
{
    struct ftl_alloc *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return -ENOMEM;
    a->nand = nand;
    a->p = nand_params(nand);
    a->dies = nand_dies(a->p);
    a->pieces_per_page = a->p->page_bytes / FTL_PIECE_BYTES;
    a->n_blocks = (uint64_t)a->dies * a->p->blocks_per_die;
    uint64_t pages = nand_total_pages(a->p);
    a->block_stream = malloc(a->n_blocks);
    a->block_next = calloc(a->n_blocks, sizeof(uint32_t));
    a->block_valid = calloc(a->n_blocks, sizeof(uint32_t));
    a->block_valid_pages = calloc(a->n_blocks, sizeof(uint32_t));
    a->block_closed_at = calloc(a->n_blocks, sizeof(uint64_t));
    a->block_prog_end = calloc(a->n_blocks, sizeof(uint32_t));
    a->page_valid = calloc(pages, sizeof(uint16_t));
    a->piece_bits = calloc((pages * a->pieces_per_page + 63) / 64, sizeof(uint64_t));
    a->free_list = calloc(a->dies, sizeof(uint64_t *));
    a->free_count = calloc(a->dies, sizeof(uint32_t));
    if (!a->block_stream || !a->block_next || !a->block_valid || !a->block_valid_pages ||
        !a->page_valid || !a->piece_bits || !a->free_list || !a->free_count) {
        ftl_alloc_destroy(a);
        return -ENOMEM;
    }
    memset(a->block_stream, STREAM_FREE, a->n_blocks);
    for (uint32_t d = 0; d < a->dies; d++) {
        a->free_list[d] = malloc(a->p->blocks_per_die * sizeof(uint64_t));
        if (a->free_list[d] == NULL) {
            ftl_alloc_destroy(a);
            return -ENOMEM;
        }
        /* a stack handing out low block numbers first */
        for (uint32_t b = 0; b < a->p->blocks_per_die; b++)
            a->free_list[d][b] =
                (uint64_t)d * a->p->blocks_per_die + (a->p->blocks_per_die - 1 - b);
        a->free_count[d] = a->p->blocks_per_die;
    }
    a->free_total = a->n_blocks;
    *out = a;
    return 0;
}

void
ftl_alloc_destroy(struct ftl_alloc *a)
{
    if (a == NULL)
        return;
    for (int s = 0; s < a->n_streams; s++)
        free(a->streams[s].open_block);
    for (uint32_t d = 0; a->free_list != NULL && d < a->dies; d++)
        free(a->free_list[d]);
    free(a->free_list);
    free(a->free_count);
    free(a->block_stream);
    free(a->block_next);
    free(a->block_valid);
    free(a->block_valid_pages);
    free(a->block_closed_at);
    free(a->block_prog_end);
    free(a->page_valid);
    free(a->piece_bits);
    free(a);
}

int
ftl_stream_create(struct ftl_alloc *a, const char *name)
{
    NVKV_CHECK(a->n_streams < FTL_MAX_STREAMS);
    struct stream *s = &a->streams[a->n_streams];
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->open_block = malloc(a->dies * sizeof(uint64_t));
    NVKV_CHECK(s->open_block != NULL);
    for (uint32_t d = 0; d < a->dies; d++)
        s->open_block[d] = FTL_NO_BLOCK;
    s->width = a->dies;
    return a->n_streams++;
}

void
ftl_set_reserve(struct ftl_alloc *a, uint64_t blocks)
{
    a->reserve = blocks;
}

void
ftl_set_gc_active(struct ftl_alloc *a, bool active)
{
    a->gc_active = active;
}

static uint64_t
take_free_block(struct ftl_alloc *a, uint32_t die, int stream)
{
    if (a->free_count[die] == 0 || (!a->gc_active && a->free_total <= a->reserve))
        return FTL_NO_BLOCK;
    uint64_t b = a->free_list[die][--a->free_count[die]];
    a->free_total--;
    a->block_stream[b] = (uint8_t)stream;
    a->block_next[b] = 0;
    a->streams[stream].blocks++;
    return b;
}

void
ftl_stream_set_width(struct ftl_alloc *a, int stream, uint32_t width)
{
    NVKV_CHECK(stream >= 0 && stream < a->n_streams && width >= 1);
    a->streams[stream].width = width < a->dies ? width : a->dies;
}

void
ftl_stream_set_block_first(struct ftl_alloc *a, int stream, bool on)
{
    NVKV_CHECK(stream >= 0 && stream < a->n_streams);
    a->streams[stream].block_first = on;
}

int
ftl_alloc_run(struct ftl_alloc *a, int stream, uint32_t n, uint64_t *ppa)
{
    NVKV_CHECK(stream >= 0 && stream < a->n_streams);
    NVKV_CHECK(n >= 1 && n <= a->p->pages_per_block);
    struct stream *s = &a->streams[stream];
    /* Try each die, starting at the stream's next die; twice round, since closing a block
     * whose tail is too short frees a slot for a narrow stream to open another. */
    for (uint32_t tries = 0; tries < 2 * a->dies; tries++) {
        uint32_t die = s->next_die;
        uint32_t after = (s->next_die + 1) % a->dies;
        s->next_die = after;
        uint64_t b = s->open_block[die];
        if (s->block_first && b != FTL_NO_BLOCK && a->block_next[b] + n <= a->p->pages_per_block)
            s->next_die = die; /* stay: the run fits the block this die is filling */
        if (b != FTL_NO_BLOCK && a->block_next[b] + n > a->p->pages_per_block) {
            /* the tail cannot hold the run: close the block, its tail pages stay unused */
            a->stats.padding_pages += a->p->pages_per_block - a->block_next[b];
            a->block_prog_end[b] = a->block_next[b]; /* the padded tail is never programmed */
            a->block_next[b] = a->p->pages_per_block;
            a->block_closed_at[b] = a->clock;
            s->open_block[die] = b = FTL_NO_BLOCK;
            s->open_count--;
        }
        if (b == FTL_NO_BLOCK) {
            if (s->open_count >= s->width)
                continue; /* a narrow stream writes on through the blocks it has open */
            b = take_free_block(a, die, stream);
            if (b == FTL_NO_BLOCK)
                continue;
            s->open_block[die] = b;
            s->open_count++;
            if (s->block_first)
                s->next_die = die; /* a fresh block: fill it before moving on */
        }
        *ppa = b * a->p->pages_per_block + a->block_next[b];
        a->block_next[b] += n;
        a->clock += n;
        if (a->block_next[b] == a->p->pages_per_block) {
            s->next_die = after;
            s->open_block[die] = FTL_NO_BLOCK;
            s->open_count--;
            a->block_closed_at[b] = a->clock;
            a->block_prog_end[b] = a->p->pages_per_block;
        }
        return 0;
    }
    return -ENOSPC;
}

static void
set_bits(struct ftl_alloc *a, uint64_t ppa, uint32_t first, uint32_t n, bool valid)
{
    uint64_t piece = ppa * a->pieces_per_page + first;
    for (uint32_t i = 0; i < n; i++, piece++) {
        uint64_t page = piece / a->pieces_per_page;
        uint64_t mask = 1ull << (piece % 64);
        uint64_t *word = &a->piece_bits[piece / 64];
        uint64_t block = page / a->p->pages_per_block;
        bool was = (*word & mask) != 0;
        NVKV_CHECK_MSG(was != valid, "piece %u of ppa %llu is already %s",
                       (unsigned)(piece % a->pieces_per_page), (unsigned long long)page,
                       valid ? "valid" : "invalid");
        NVKV_CHECK_MSG(block == ppa / a->p->pages_per_block, "piece run crosses a block");
        if (valid) {
            *word |= mask;
            if (a->page_valid[page]++ == 0)
                a->block_valid_pages[block]++;
            a->block_valid[block]++;
        } else {
            *word &= ~mask;
            if (--a->page_valid[page] == 0)
                a->block_valid_pages[block]--;
            a->block_valid[block]--;
        }
    }
}

void
ftl_set_valid(struct ftl_alloc *a, uint64_t ppa, uint32_t first, uint32_t n)
{
    set_bits(a, ppa, first, n, true);
}

void
ftl_invalidate(struct ftl_alloc *a, uint64_t ppa, uint32_t first, uint32_t n)
{
    set_bits(a, ppa, first, n, false);
}

bool
ftl_piece_valid(const struct ftl_alloc *a, uint64_t ppa, uint32_t piece)
{
    uint64_t i = ppa * a->pieces_per_page + piece;
    return (a->piece_bits[i / 64] >> (i % 64)) & 1;
}

uint32_t
ftl_page_valid_pieces(const struct ftl_alloc *a, uint64_t ppa)
{
    return a->page_valid[ppa];
}

uint32_t
ftl_pieces_per_page(const struct ftl_alloc *a)
{
    return a->pieces_per_page;
}

uint64_t
ftl_free_blocks(const struct ftl_alloc *a)
{
    return a->free_total;
}

uint64_t
ftl_total_blocks(const struct ftl_alloc *a)
{
    return a->n_blocks;
}

uint64_t
ftl_block_valid_pieces(const struct ftl_alloc *a, uint64_t block)
{
    return a->block_valid[block];
}

uint64_t
ftl_stream_blocks(const struct ftl_alloc *a, int stream)
{
    return a->streams[stream].blocks;
}

uint64_t
ftl_block_first_ppa(const struct ftl_alloc *a, uint64_t block)
{
    return block * a->p->pages_per_block;
}

static bool collectable(const struct ftl_alloc *a, int stream, uint64_t b);

uint32_t
ftl_block_valid_pages(const struct ftl_alloc *a, uint64_t block)
{
    return a->block_valid_pages[block];
}

void
ftl_set_gc_policy(struct ftl_alloc *a, enum ftl_gc_policy policy)
{
    a->policy = policy;
}

/*
 * Victim score, higher is better: greedy prefers fewer valid units; cost-benefit weighs the
 * space freed against the copying, favouring blocks that have stayed cold longest.
 */
static double
victim_score(const struct ftl_alloc *a, uint64_t b, uint64_t valid, uint64_t capacity)
{
    if (a->policy == FTL_GC_GREEDY)
        return -(double)valid;
    double u = (double)valid / (double)capacity;
    double age = (double)(a->clock - a->block_closed_at[b]) + 1.0;
    return (1.0 - u) * age / (1.0 + u);
}

uint64_t
ftl_pick_victim(const struct ftl_alloc *a, int stream, uint64_t min_free_pages)
{
    /* O(blocks): GC runs rarely next to the flash work it causes; a heap would pay off only
     * for arrays far larger than the 64 GiB preset's 32 Ki blocks. Ties go to fewer valid
     * pieces (less to move). */
    uint64_t best = FTL_NO_BLOCK;
    double best_score = 0;
    uint32_t best_pieces = UINT32_MAX;
    for (uint64_t b = 0; b < a->n_blocks; b++) {
        /* every page handed out is not yet every page programmed: a writer may still hold the
         * last one open in its buffer, and reading it would break the NAND rules */
        if (!collectable(a, stream, b))
            continue;
        uint32_t pages = a->block_valid_pages[b];
        if (a->p->pages_per_block - pages < min_free_pages)
            continue;
        double score = victim_score(a, b, pages, a->p->pages_per_block);
        if (best == FTL_NO_BLOCK || score > best_score ||
            (score == best_score && a->block_valid[b] < best_pieces)) {
            best = b;
            best_score = score;
            best_pieces = a->block_valid[b];
        }
    }
    return best;
}

/* Fully programmed, closed, owned by `stream`: a block GC may take. */
static bool
collectable(const struct ftl_alloc *a, int stream, uint64_t b)
{
    if (a->block_stream[b] != stream || a->block_next[b] != a->p->pages_per_block)
        return false;
    uint32_t die = (uint32_t)(b / a->p->blocks_per_die);
    if (a->streams[stream].open_block[die] == b)
        return false;
    return nand_block_write_pointer(a->nand, ftl_block_first_ppa(a, b)) == a->block_prog_end[b];
}

uint64_t
ftl_pick_victim_by_pieces(const struct ftl_alloc *a, int stream, uint64_t min_free_pages)
{
    uint64_t best = FTL_NO_BLOCK;
    double best_score = 0;
    uint64_t capacity = (uint64_t)a->p->pages_per_block * a->pieces_per_page;
    for (uint64_t b = 0; b < a->n_blocks; b++) {
        if (!collectable(a, stream, b))
            continue;
        uint64_t pieces = a->block_valid[b];
        uint64_t need = (pieces + pieces / 8 + a->pieces_per_page - 1) / a->pieces_per_page;
        if (need + min_free_pages > a->p->pages_per_block)
            continue;
        double score = victim_score(a, b, pieces, capacity);
        if (best == FTL_NO_BLOCK || score > best_score) {
            best = b;
            best_score = score;
        }
    }
    return best;
}

uint64_t
ftl_pick_victim_by(const struct ftl_alloc *a, int stream, ftl_victim_cost_fn *cost, void *arg)
{
    uint64_t best = FTL_NO_BLOCK, best_cost = UINT64_MAX;
    for (uint64_t b = 0; b < a->n_blocks; b++) {
        if (!collectable(a, stream, b))
            continue;
        uint64_t c = cost(arg, b);
        if (c < best_cost) {
            best = b;
            best_cost = c;
        }
    }
    return best;
}

int
ftl_erase_block(struct ftl_alloc *a, struct sim_plan *plan, uint64_t block, enum nand_origin origin,
                enum sim_prio prio)
{
    NVKV_CHECK_MSG(a->block_valid[block] == 0, "erasing block %llu with %u valid pieces",
                   (unsigned long long)block, a->block_valid[block]);
    NVKV_CHECK(a->block_stream[block] != STREAM_FREE);
    int rc = nand_erase(a->nand, plan, ftl_block_first_ppa(a, block), origin, prio);
    if (rc != 0)
        return rc;
    struct stream *s = &a->streams[a->block_stream[block]];
    uint32_t die = (uint32_t)(block / a->p->blocks_per_die);
    if (s->open_block[die] == block) {
        s->open_block[die] = FTL_NO_BLOCK;
        s->open_count--;
    }
    s->blocks--;
    a->block_stream[block] = STREAM_FREE;
    a->block_next[block] = 0;
    a->free_list[die][a->free_count[die]++] = block;
    a->free_total++;
    a->stats.blocks_erased++;
    return 0;
}

const struct ftl_stats *
ftl_stats(const struct ftl_alloc *a)
{
    return &a->stats;
}
