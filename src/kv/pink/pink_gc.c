/* SPDX-License-Identifier: MIT */
/*
 * PinK's garbage collection. Data GC moves the valid records of a victim block and points their
 * meta entries at the new place (a flash-resident meta segment is rewritten: read + program).
 * Meta GC moves the live meta-segment and level-list pages of a victim block. Victims are
 * greedy across the three streams (fewest valid pages; packed data: fewest live bytes).
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

uint64_t
pink__free_blocks(const struct pink *pk)
{
    uint64_t free_blocks = ftl_free_blocks(pk->base.env.alloc);
    uint64_t block = (uint64_t)pk->np->pages_per_block * pk->np->page_bytes;
    uint64_t owed = (pk->reinsert_pending + block - 1) / block;
    return free_blocks > owed ? free_blocks - owed : 0;
}

void
pink__make_room(struct pink *pk, struct sim_plan *bg)
{
    /* collect before the pool runs dry: GC needs a free block to move records into */
    if (!pk->in_gc && pink__free_blocks(pk) < pk->gc_threshold)
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
        "gc %llu meta %llu free %llu, live record bytes %llu",
        (unsigned long long)ftl_stream_blocks(pk->base.env.alloc, pk->data_stream),
        (unsigned long long)ftl_stream_blocks(pk->base.env.alloc, pk->gc_stream),
        (unsigned long long)ftl_stream_blocks(pk->base.env.alloc, pk->meta_stream),
        (unsigned long long)ftl_free_blocks(pk->base.env.alloc), (unsigned long long)pk->live_held);
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
    bool reinsert;              /* pink.data_gc=reinsert */
    uint64_t memo_page;         /* the data page the memo's meta pages were read for */
    struct pink_meta_memo memo; /* reinsert: meta pages this page's checks have read */
};

/* Copy GC: move one live record and point its meta entry at the new place. */
static void
copy_record(struct gc_move *m, const struct kv_record *rec, struct pink_entry *e, uint32_t level,
            uint64_t idx)
{
    struct pink *pk = m->pk;
    struct kv_loc moved;
    int rc = pink__data_append(pk, m->bg, true, rec->key, rec->klen, rec->value, rec->vlen, &moved);
    NVKV_CHECK_MSG(rc == 0, "pink GC: no flash left to relocate (%d)", rc);
    pink__data_invalidate(pk, e);
    e->loc = moved;
    touch_segment(pk, m->bg, level, pink__seg_of(&pk->lv[level], idx));
}

/*
 * KVEMU's GC (gc.c:is_data_valid): a pair is stale when its key is buffered (a newer version
 * waits in the write buffer); otherwise the levels are searched as a GET searches them, charged
 * (level lists and meta segments not in DRAM cost a read, once per data page), and the pair is
 * live when the newest entry points at it. A live pair goes back into the write buffer, to be
 * written by a later flush: GC itself programs no data page. Either way the pair's place here
 * is given up now; its level entry keeps no record (a buffered version shadows it until the
 * flush replaces it).
 */
static void
reinsert_record(struct gc_move *m, const struct kv_record *rec, const struct kv_loc *old,
                struct pink_entry *owner)
{
    struct pink *pk = m->pk;
    if (old->ppa != m->memo_page) {
        m->memo = (struct pink_meta_memo){.origin = NAND_ORIGIN_GC};
        m->memo_page = old->ppa;
    }
    struct kv_cost c = {m->bg, SIM_PRIO_BG, dev_cpu_hash_ns(pk->base.env.cpu, rec->klen), 0};
    const struct kv_mem_entry *buffered = kv_membuf_find(&pk->mem, rec->key, rec->klen);
    if (buffered == NULL)
        (void)pink__lookup(pk, &c, rec->key, rec->klen, &m->memo);
    kv_cost_sync(pk->base.env.cpu, &c);
    if (owner == NULL)
        return; /* stale: a newer version is in the levels */
    if (buffered != NULL) {
        /* stale: a PUT counted as new still owes this record's bytes (the flush would settle
         * them); a DEL or an overwrite found in the buffer settled them already */
        if (buffered->assumed_new)
            pk->live_held -= pink__record_bytes(pk, owner->klen, owner->vlen);
    } else {
        kv_membuf_put(&pk->mem, rec->key, rec->klen, rec->value, rec->vlen, 0, false);
        pk->gc_reinserted++;
        pk->reinsert_pending += pink__record_bytes(pk, rec->klen, rec->vlen);
    }
    pink__data_invalidate(pk, owner);
    owner->loc.pieces = 0;
}

static bool
visit_record(void *arg, const struct kv_record *rec, const struct kv_loc *old)
{
    struct gc_move *m = arg;
    struct pink *pk = m->pk;
    uint32_t level;
    uint64_t idx;
    struct pink_entry *e =
        owner_of_record(pk, rec->key, rec->klen, old->ppa, old->piece, &level, &idx);
    /* pieces know which records are valid; packed pages count them, and hold dead pairs too */
    NVKV_CHECK_MSG(e != NULL || pk->packed || m->reinsert,
                   "pink GC: valid record at ppa %llu piece %u has no owner",
                   (unsigned long long)old->ppa, old->piece);
    if (m->reinsert)
        reinsert_record(m, rec, old, e);
    else if (e != NULL)
        copy_record(m, rec, e, level, idx);
    return true;
}

/* The packed pages of a victim with a live pair, each read once, every pair visited. */
static uint32_t
walk_packed_block(struct pink *pk, struct sim_plan *bg, uint64_t block, struct gc_move *m)
{
    struct kv_packlog *pl = kv_packlog_block_live(pk->data_pl, block) > 0 ? pk->data_pl : pk->gc_pl;
    uint64_t first = ftl_block_first_ppa(pk->base.env.alloc, block);
    struct kv_record *recs = malloc(KV_PACK_MAX_PAIRS * sizeof(*recs));
    NVKV_CHECK_MSG(recs != NULL, "pink GC: out of memory");
    uint32_t pages = 0;
    /* what a page's pairs cause waits for that page's read only */
    struct kv_par par;
    kv_par_begin(&par, bg);
    for (uint32_t p = 0; p < pk->np->pages_per_block; p++) {
        uint64_t ppa = first + p;
        if (kv_packlog_page_live(pl, ppa) == 0)
            continue;
        kv_par_branch(&par);
        int n = kv_packlog_read_page(pl, bg, SIM_PRIO_BG, NAND_ORIGIN_GC, ppa, recs);
        pages++;
        if (bg != NULL)
            sim_plan_barrier(bg);
        for (int i = 0; i < n; i++)
            visit_record(m, &recs[i], &(struct kv_loc){ppa, (uint32_t)i, 1});
    }
    kv_par_end(&par);
    free(recs);
    return pages;
}

static void
gc_data_block(struct pink *pk, struct sim_plan *bg, uint64_t block)
{
    struct gc_move m = {pk,
                        bg,
                        pk->base.env.params->pink_data_gc == KV_PINK_GC_REINSERT,
                        UINT64_MAX,
                        {.origin = NAND_ORIGIN_GC}};
    uint32_t pages = pk->packed ? walk_packed_block(pk, bg, block, &m)
                                : kv_datalog_walk_block(pk->data_log, bg, SIM_PRIO_BG,
                                                        NAND_ORIGIN_GC, block, visit_record, &m);
    if (!m.reinsert) /* reinsert GC copies nothing: the pages it read are GC page reads */
        pk->st.gc_pages_copied += pages;
    /* moved records must be on flash before their old block is erased */
    if (!m.reinsert)
        pink__data_flush_gc(pk, bg);
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

struct packed_victim {
    const struct pink *pk;
    const struct kv_packlog *pl;
};

/*
 * Pages a packed block's live pairs take once rewritten: at their mean size, as many to a page
 * as fit. Bytes alone would mislead: 4,116-byte pairs fill half of each 8 KiB page, and
 * rewriting them frees nothing.
 */
static uint64_t
packed_pages_needed(void *arg, uint64_t block)
{
    const struct packed_victim *pv = arg;
    uint64_t pairs = kv_packlog_block_live(pv->pl, block);
    if (pairs == 0)
        return 0;
    uint64_t bytes = kv_packlog_block_live_bytes(pv->pl, block);
    uint64_t room = pv->pk->np->page_bytes - KV_PACK_HEADER;
    uint64_t per_page = room * pairs / bytes; /* floor(room / mean pair bytes) */
    if (per_page == 0)
        per_page = 1;
    return (pairs + per_page - 1) / per_page;
}

/*
 * A victim of a data stream and the pages it still holds. Pieces: the allocator's greedy
 * choice. Packed pages hold many pairs, so a page with one live pair counts as valid: the
 * victim is the block whose live pairs need the fewest pages rewritten, if `min_free` pages
 * are gained.
 */
static uint64_t
pick_data_victim(struct pink *pk, int stream, uint64_t min_free, uint64_t *valid_pages)
{
    struct ftl_alloc *a = pk->base.env.alloc;
    if (!pk->packed) {
        uint64_t v = ftl_pick_victim(a, stream, min_free);
        *valid_pages = v == FTL_NO_BLOCK ? 0 : ftl_block_valid_pages(a, v);
        return v;
    }
    struct packed_victim pv = {pk, stream == pk->data_stream ? pk->data_pl : pk->gc_pl};
    uint64_t v = ftl_pick_victim_by(a, stream, packed_pages_needed, &pv);
    if (v == FTL_NO_BLOCK)
        return v;
    uint64_t need = packed_pages_needed(&pv, v);
    if (need + min_free > pk->np->pages_per_block)
        return FTL_NO_BLOCK;
    *valid_pages = need;
    return v;
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
    /* pairs put back into the write buffer need room at its flush: GC covers them too (each
     * victim frees at least an eighth of a block more than it puts back) */
    for (uint64_t round = 0; pink__free_blocks(pk) < want && round < 4 * want + 16; round++) {
        uint64_t best = FTL_NO_BLOCK, best_valid = UINT64_MAX;
        int best_stream = -1;
        for (int s = pk->flushing ? 2 : 0; s < 3; s++) {
            uint64_t valid = 0, v;
            if (streams[s] == pk->meta_stream) {
                v = ftl_pick_victim(a, streams[s], min_free);
                valid = v == FTL_NO_BLOCK ? 0 : ftl_block_valid_pages(a, v);
            } else {
                v = pick_data_victim(pk, streams[s], min_free, &valid);
            }
            if (v != FTL_NO_BLOCK && valid < best_valid) {
                best = v;
                best_valid = valid;
                best_stream = streams[s];
            }
        }
        /* small records leave holes inside pages: repack a data block when no block has whole
         * pages free (meta pages are whole: the page rule serves them) */
        for (int s = 0; s < 2 && best == FTL_NO_BLOCK && !pk->flushing && !pk->packed; s++) {
            best = ftl_pick_victim_by_pieces(a, streams[s], min_free);
            best_stream = streams[s];
        }
        /* nearly out of blocks: any victim that frees a page beats stopping */
        for (int s = pk->flushing ? 2 : 0; s < 3 && best == FTL_NO_BLOCK && ftl_free_blocks(a) <= 2;
             s++) {
            uint64_t valid;
            best = streams[s] == pk->meta_stream || !pk->packed
                       ? ftl_pick_victim(a, streams[s], 1)
                       : pick_data_victim(pk, streams[s], 1, &valid);
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
