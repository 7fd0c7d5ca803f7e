/* SPDX-License-Identifier: MIT */
/*
 * PinK's garbage collection. Data GC moves the valid records of a victim block and points their
 * meta entries at the new place (a flash-resident meta segment is rewritten: read + program).
 * Meta GC moves the live meta-segment and level-list pages of a victim block. Victims are
 * greedy (fewest valid pieces) across the three streams.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/check.h"
#include "pink_internal.h"

void
pink__meta_drop(struct pink *pk, struct pink_seg *s)
{
    if (s->flash_ppa == PINK_NO_PPA)
        return;
    ftl_invalidate(pk->base.env.alloc, s->flash_ppa, 0, ftl_pieces_per_page(pk->base.env.alloc));
    s->flash_ppa = PINK_NO_PPA;
}

void
pink__make_room(struct pink *pk, struct sim_plan *bg)
{
    /* collect before the pool runs dry: GC needs a free block to move records into */
    if (!pk->in_gc && ftl_free_blocks(pk->base.env.alloc) < pk->gc_threshold)
        pink__gc(pk, bg, false);
}

int
pink__alloc_meta_page(struct pink *pk, struct sim_plan *bg, uint64_t *ppa)
{
    pink__make_room(pk, bg);
    int rc = ftl_alloc_run(pk->base.env.alloc, pk->meta_stream, 1, ppa);
    if (rc == -ENOSPC && !pk->in_gc) {
        /* compaction output outran GC: reclaim the pages it has just made invalid */
        pink__gc(pk, bg, true);
        rc = ftl_alloc_run(pk->base.env.alloc, pk->meta_stream, 1, ppa);
    }
    return rc;
}

void
pink__meta_program(struct pink *pk, struct sim_plan *bg, uint32_t level, uint32_t seg,
                   enum nand_origin origin)
{
    struct pink_seg *s = &pk->lv[level].segs[seg];
    uint64_t ppa;
    int rc = pink__alloc_meta_page(pk, bg, &ppa);
    NVKV_CHECK_MSG(
        rc == 0,
        "pink: no flash left for a meta segment (GC reserve exhausted): blocks data %llu "
        "gc %llu meta %llu free %llu, live pieces %llu",
        (unsigned long long)ftl_stream_blocks(pk->base.env.alloc, pk->data_stream),
        (unsigned long long)ftl_stream_blocks(pk->base.env.alloc, pk->gc_stream),
        (unsigned long long)ftl_stream_blocks(pk->base.env.alloc, pk->meta_stream),
        (unsigned long long)ftl_free_blocks(pk->base.env.alloc),
        (unsigned long long)pk->live_pieces);
    /* the entries themselves stay in host memory; the page stands for them on flash */
    rc = nand_program(pk->base.env.nand, bg, ppa, NULL, NULL, origin, SIM_PRIO_BG);
    NVKV_CHECK_MSG(rc == 0, "pink: %s", nand_last_violation(pk->base.env.nand));
    ftl_set_valid(pk->base.env.alloc, ppa, 0, ftl_pieces_per_page(pk->base.env.alloc));
    pk->meta_owner[ppa] = PINK_OWNER(0, level, seg);
    s->flash_ppa = ppa;
    pk->meta_pages_written++;
}

/* The level entry whose record starts at (ppa, piece). */
static struct pink_entry *
owner_of_record(struct pink *pk, const uint8_t *key, uint32_t klen, uint64_t ppa, uint32_t piece,
                uint32_t *level, uint64_t *index)
{
    for (uint32_t i = 0; i < pk->nlevels; i++) {
        struct pink_level *l = &pk->lv[i];
        uint64_t idx = (uint64_t)pink__level_lower_bound(l, key, klen);
        if (idx < l->n && kv_key_cmp(l->e[idx].key, l->e[idx].klen, key, klen) == 0 &&
            l->e[idx].loc.pieces > 0 && l->e[idx].loc.ppa == ppa && l->e[idx].loc.piece == piece) {
            *level = i;
            *index = idx;
            return &l->e[idx];
        }
    }
    return NULL;
}

/*
 * A record of this segment moved. A pinned segment is updated in DRAM; a flash-resident one is
 * marked dirty and rewritten with the next flush's metadata writes (read and program then), so
 * one GC never needs more free pages than its relocated records take.
 */
static void
touch_segment(struct pink *pk, struct sim_plan *bg, uint32_t level, uint32_t seg)
{
    struct pink_seg *s = &pk->lv[level].segs[seg];
    if (s->in_dram) {
        pink__meta_drop(pk, s); /* DRAM holds the truth; a flash copy would now be stale */
        return;
    }
    if (s->dirty || s->flash_ppa == PINK_NO_PPA)
        return; /* already stale, or about to be written with its new contents */
    int rc =
        nand_read(pk->base.env.nand, bg, s->flash_ppa, NULL, NULL, NAND_ORIGIN_GC, SIM_PRIO_BG);
    NVKV_CHECK(rc == 0);
    s->dirty = true;
}

struct gc_move {
    struct pink *pk;
    struct sim_plan *bg;
};

/* Move one live record and point its meta entry at the new place. */
static bool
move_record(void *arg, const struct kv_record *rec, const struct kv_loc *old)
{
    struct gc_move *m = arg;
    struct pink *pk = m->pk;
    uint32_t level;
    uint64_t idx;
    struct pink_entry *e =
        owner_of_record(pk, rec->key, rec->klen, old->ppa, old->piece, &level, &idx);
    NVKV_CHECK_MSG(e != NULL, "pink GC: valid record at ppa %llu piece %u has no owner",
                   (unsigned long long)old->ppa, old->piece);
    struct kv_loc moved;
    int rc = kv_datalog_append(pk->gc_log, m->bg, SIM_PRIO_BG, NAND_ORIGIN_GC, rec->key, rec->klen,
                               rec->value, rec->vlen, 0, &moved);
    NVKV_CHECK_MSG(rc == 0, "pink GC: no flash left to relocate (%d)", rc);
    ftl_invalidate(pk->base.env.alloc, old->ppa, old->piece, old->pieces);
    e->loc = moved;
    touch_segment(pk, m->bg, level, pink__seg_of(&pk->lv[level], idx));
    return true;
}

static void
gc_data_block(struct pink *pk, struct sim_plan *bg, uint64_t block)
{
    struct gc_move m = {pk, bg};
    pk->st.gc_pages_copied += kv_datalog_walk_block(pk->data_log, bg, SIM_PRIO_BG, NAND_ORIGIN_GC,
                                                    block, move_record, &m);
    /* moved records must be on flash before their old block is erased */
    kv_datalog_flush(pk->gc_log, bg, SIM_PRIO_BG);
    pk->data_gcs++;
}

static void
gc_meta_block(struct pink *pk, struct sim_plan *bg, uint64_t block)
{
    struct ftl_alloc *a = pk->base.env.alloc;
    uint32_t ppp = ftl_pieces_per_page(a);
    uint64_t first = ftl_block_first_ppa(a, block);
    /* each page is rewritten as soon as it has been read, the pages side by side */
    struct kv_par pages;
    kv_par_begin(&pages, bg);
    for (uint32_t p = 0; p < pk->np->pages_per_block; p++) {
        uint64_t ppa = first + p;
        if (ftl_page_valid_pieces(a, ppa) == 0)
            continue;
        uint32_t owner = pk->meta_owner[ppa];
        kv_par_branch(&pages);
        int rc = nand_read(pk->base.env.nand, bg, ppa, NULL, NULL, NAND_ORIGIN_GC, SIM_PRIO_BG);
        NVKV_CHECK(rc == 0);
        if (bg != NULL)
            sim_plan_barrier(bg);
        pk->st.gc_pages_copied++;
        uint32_t level = PINK_OWNER_LEVEL(owner), index = PINK_OWNER_INDEX(owner);
        if (owner & PINK_OWNER_LIST) {
            struct pink_level *l = &pk->lv[level];
            NVKV_CHECK(index < l->list_pages && l->list_ppas[index] == ppa);
            uint64_t moved;
            rc = pink__alloc_meta_page(pk, bg, &moved);
            NVKV_CHECK_MSG(rc == 0, "pink GC: no flash left for a level list page");
            rc =
                nand_program(pk->base.env.nand, bg, moved, NULL, NULL, NAND_ORIGIN_GC, SIM_PRIO_BG);
            NVKV_CHECK(rc == 0);
            ftl_invalidate(a, ppa, 0, ppp);
            ftl_set_valid(a, moved, 0, ppp);
            pk->meta_owner[moved] = owner;
            l->list_ppas[index] = moved;
        } else {
            struct pink_seg *s = &pk->lv[level].segs[index];
            NVKV_CHECK_MSG(s->flash_ppa == ppa, "pink GC: meta page %llu has no owner",
                           (unsigned long long)ppa);
            pink__meta_drop(pk, s);
            pink__meta_program(pk, bg, level, index, NAND_ORIGIN_GC);
            s->dirty = false;                /* the copy just written is current */
            pk->lv[level].list_dirty = true; /* the level list records the new place */
        }
    }
    kv_par_end(&pages);
    pk->meta_gcs++;
}

int
pink__gc(struct pink *pk, struct sim_plan *bg, bool urgent)
{
    struct ftl_alloc *a = pk->base.env.alloc;
    /* a victim must free an eighth of its pages, as KVEMU's GC asks (ipc >= pages / 8) */
    uint64_t min_free = pk->np->pages_per_block / 8 ? pk->np->pages_per_block / 8 : 1;
    uint64_t want = pk->gc_threshold + (urgent ? 1 : 0);
    int streams[3] = {pk->data_stream, pk->gc_stream, pk->meta_stream};
    if (pk->in_gc)
        return 0;
    pk->in_gc = true;
    ftl_set_gc_active(a, true);
    /* victims are collected in parallel; each erase waits only for its own copies, and what
     * the plan adds after GC (writes into the freed blocks) waits for every victim */
    enum sim_origin was = sim_plan_set_origin(bg, SIM_ORIGIN_GC);
    struct kv_par par;
    kv_par_begin(&par, bg);
    /* bounded: each round frees a block unless no victim has anything to reclaim */
    for (uint64_t round = 0; ftl_free_blocks(a) < want && round < 4 * want + 16; round++) {
        uint64_t best = FTL_NO_BLOCK, best_valid = UINT64_MAX;
        int best_stream = -1;
        for (int s = pk->flushing ? 2 : 0; s < 3; s++) {
            uint64_t v = ftl_pick_victim(a, streams[s], min_free);
            if (v != FTL_NO_BLOCK && ftl_block_valid_pages(a, v) < best_valid) {
                best = v;
                best_valid = ftl_block_valid_pages(a, v);
                best_stream = streams[s];
            }
        }
        /* small records leave holes inside pages: repack a data block when no block has whole
         * pages free (meta pages are whole: the page rule serves them) */
        for (int s = 0; s < 2 && best == FTL_NO_BLOCK && !pk->flushing; s++) {
            best = ftl_pick_victim_by_pieces(a, streams[s], min_free);
            best_stream = streams[s];
        }
        /* nearly out of blocks: any victim that frees a page beats stopping */
        for (int s = pk->flushing ? 2 : 0; s < 3 && best == FTL_NO_BLOCK && ftl_free_blocks(a) <= 2;
             s++) {
            best = ftl_pick_victim(a, streams[s], 1);
            best_stream = streams[s];
        }
        /* a victim's output needs room: it never exceeds one block (at least an eighth of the
         * victim is free), so one free block is all a round may take; a victim with nothing
         * valid needs none */
        if (best == FTL_NO_BLOCK ||
            (ftl_free_blocks(a) == 0 && ftl_block_valid_pieces(a, best) > 0))
            break;
        kv_par_branch(&par);
        if (best_stream == pk->meta_stream)
            gc_meta_block(pk, bg, best);
        else
            gc_data_block(pk, bg, best);
        if (bg != NULL)
            sim_plan_barrier(bg);
        int rc = ftl_erase_block(a, bg, best, NAND_ORIGIN_GC, SIM_PRIO_BG);
        NVKV_CHECK(rc == 0);
        pk->st.gcs++;
    }
    kv_par_end(&par);
    sim_plan_set_origin(bg, was);
    ftl_set_gc_active(a, false);
    pk->in_gc = false;
    return 0;
}
