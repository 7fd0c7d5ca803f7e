/* SPDX-License-Identifier: MIT */
/*
 * The hash engine's background work: the chain of background plans, and GC (see hash.c for
 * the policy).
 */
#include <stdlib.h>
#include <string.h>

#include "../../base/check.h"
#include "../lsmkit.h"
#include "hash_internal.h"

/* ---- background plans ---- */

struct sim_plan *
hash__bg_plan(void *ctx)
{
    struct hash_engine *e = ctx;
    if (e->bg_build == NULL && e->base.env.sim != NULL) {
        e->bg_build = sim_plan_new(e->base.env.sim);
        sim_plan_set_origin(e->bg_build, SIM_ORIGIN_GC);
        sim_plan_set_flat(e->bg_build, hash__kvemu(e));
    }
    return e->bg_build;
}

struct sim_plan *
hash__write_plan(struct hash_engine *e, struct sim_plan *plan)
{
    if (plan == NULL || !hash__kvemu(e))
        return plan;
    struct sim_plan *bg = hash__bg_plan(e);
    /* the command's own operations keep their user origin (by priority) */
    sim_plan_set_origin(bg, SIM_ORIGIN_OTHER);
    return bg;
}

static void
bg_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    struct hash_engine *e = arg;
    (void)sim;
    for (uint64_t i = 0; i < e->bgq_len; i++) {
        if (e->bgq[i].plan != plan)
            continue;
        e->pending_erases -= e->bgq[i].erases;
        memmove(&e->bgq[i], &e->bgq[i + 1], (e->bgq_len - i - 1) * sizeof(*e->bgq));
        e->bgq_len--;
        return;
    }
    NVKV_CHECK_MSG(0, "hash: a background plan ended that was not registered");
}

static void
bg_push(struct hash_engine *e, struct sim_plan *plan, uint64_t erases)
{
    if (e->bgq_len == e->bgq_cap) {
        e->bgq_cap = e->bgq_cap ? e->bgq_cap * 2 : 16;
        e->bgq = realloc(e->bgq, e->bgq_cap * sizeof(*e->bgq));
        NVKV_CHECK_MSG(e->bgq != NULL, "hash: out of memory for background plans");
    }
    e->bgq[e->bgq_len++] = (struct bg_pending){plan, erases};
}

/*
 * End of a call that changed state: the counters derived from the index follow, and this
 * call's background work is submitted. It does not wait for earlier background plans: what it
 * needs of them is already in flash in the functional core, and the dies order their
 * operations (a write into an erased block waits for the erase through wait_for_erases).
 */
void
hash__end_op(struct hash_engine *e)
{
    e->st.live_keys = e->idx.count;
    e->st.metadata_flash_bytes[DEV_DRAM_MAPPING] = hidx_flash_bytes(&e->idx);
    if (e->bg_build == NULL)
        return;
    bg_push(e, e->bg_build, e->build_erases);
    sim_plan_submit(e->base.env.sim, e->bg_build, bg_done, e);
    e->bg_build = NULL;
    e->build_erases = 0;
}

/* ---- GC ---- */

static uint64_t
pick_victim(struct hash_engine *e, uint64_t min_free_pages, int *stream)
{
    const struct ftl_alloc *a = e->base.env.alloc;
    const int streams[3] = {e->s_data, e->s_gc, e->s_bucket};
    uint64_t best = FTL_NO_BLOCK, best_pages = UINT64_MAX, best_pieces = UINT64_MAX;
    for (int s = 0; s < 3; s++) {
        uint64_t v = ftl_pick_victim(a, streams[s], min_free_pages);
        if (v == FTL_NO_BLOCK)
            continue;
        uint64_t pages = ftl_block_valid_pages(a, v), pieces = ftl_block_valid_pieces(a, v);
        if (pages < best_pages || (pages == best_pages && pieces < best_pieces)) {
            best = v;
            best_pages = pages;
            best_pieces = pieces;
            *stream = streams[s];
        }
    }
    return best;
}

/*
 * Pages a block's live pieces would fill once the GC writer repacks them: next-fit of each
 * page's runs of valid pieces, the way the writer packs records. A run may hold several records,
 * so this never promises more than relocation gives.
 */
static uint32_t
repacked_pages(const struct hash_engine *e, uint64_t block)
{
    const struct ftl_alloc *a = e->base.env.alloc;
    uint64_t first = ftl_block_first_ppa(a, block);
    uint32_t pages = 0, used = 0;
    for (uint32_t p = 0; p < e->np->pages_per_block; p++) {
        for (uint32_t i = 0; i < e->ppp;) {
            uint32_t len = 0;
            while (i + len < e->ppp && ftl_piece_valid(a, first + p, i + len))
                len++;
            if (len > 0) {
                if (used + len > e->ppp) {
                    pages++;
                    used = 0;
                }
                used += len;
            }
            i += len + 1;
        }
    }
    return pages + (used > 0);
}

/*
 * The greedy victim: fewest valid pages, freeing at least `min_free_pages` pages outright; with
 * min_free_pages 0, the block whose every page is live but whose pieces repack into fewer pages
 * (deletes and overwrites leave holes inside pages).
 */
static uint64_t
choose_victim(struct hash_engine *e, uint64_t min_free_pages, int *stream)
{
    uint64_t v = pick_victim(e, min_free_pages, stream);
    if (v == FTL_NO_BLOCK || min_free_pages > 0)
        return v;
    return repacked_pages(e, v) < ftl_block_valid_pages(e->base.env.alloc, v) ? v : FTL_NO_BLOCK;
}

/* Read every page of the block that holds a valid piece into blockbuf. */
static void
read_victim(struct hash_engine *e, struct sim_plan *bg, uint64_t first)
{
    for (uint32_t p = 0; p < e->np->pages_per_block; p++) {
        if (ftl_page_valid_pieces(e->base.env.alloc, first + p) == 0)
            continue;
        int rc =
            nand_read(e->base.env.nand, bg, first + p, e->blockbuf + (size_t)p * e->np->page_bytes,
                      NULL, NAND_ORIGIN_GC, SIM_PRIO_BG);
        NVKV_CHECK_MSG(rc == 0, "hash GC: %s", nand_last_violation(e->base.env.nand));
        e->st.gc_pages_copied++;
    }
    hash__barrier(bg);
}

struct gc_move {
    struct hash_engine *e;
    struct sim_plan *bg;
    uint64_t moved;
    bool ok;
};

/* Move one live record and point its index entry at the new place. */
static bool
move_record(void *arg, const struct kv_record *rec, const struct kv_loc *old)
{
    struct gc_move *m = arg;
    struct hash_engine *e = m->e;
    uint64_t h1, h2;
    hidx_hash(rec->key, rec->klen, &h1, &h2);
    hash__charge_hash(e, m->bg, SIM_PRIO_BG, rec->klen);
    uint64_t slot = hidx_find_loc(&e->idx, h1, h2, old->ppa, old->piece);
    NVKV_CHECK_MSG(slot != HIDX_NONE, "hash GC: live record at ppa %llu piece %u has no entry",
                   (unsigned long long)old->ppa, old->piece);
    struct kv_loc moved;
    int rc = kv_datalog_append(e->gc, m->bg, SIM_PRIO_BG, NAND_ORIGIN_GC, rec->key, rec->klen,
                               rec->value, rec->vlen, 0, &moved);
    if (rc != 0) {
        m->ok = false; /* the rest stays valid where it is */
        return false;
    }
    ftl_invalidate(e->base.env.alloc, old->ppa, old->piece, old->pieces);
    e->idx.slots[slot].ppa = moved.ppa;
    e->idx.slots[slot].piece = (uint16_t)moved.piece;
    hidx_batch_mark(&e->idx, h1);
    m->moved++;
    return true;
}

/* Move the live records of a data or GC block; false when GC ran out of room part way. */
static bool
gc_data_block(struct hash_engine *e, struct sim_plan *bg, uint64_t block)
{
    struct gc_move m = {e, bg, 0, true};
    hidx_batch_begin(&e->idx);
    e->st.gc_pages_copied +=
        kv_datalog_walk_block(e->data, bg, SIM_PRIO_BG, NAND_ORIGIN_GC, block, move_record, &m);
    /* moved records reach flash before their old block is erased */
    if (m.moved > 0)
        kv_datalog_flush(e->gc, bg, SIM_PRIO_BG);
    e->gc_records += m.moved;
    hash__barrier(bg);
    hidx_batch_write(&e->idx, bg, SIM_PRIO_BG, NAND_ORIGIN_GC);
    return m.ok;
}

static bool
gc_bucket_block(struct hash_engine *e, struct sim_plan *bg, uint64_t block)
{
    struct ftl_alloc *a = e->base.env.alloc;
    uint64_t first = ftl_block_first_ppa(a, block);
    read_victim(e, bg, first);
    for (uint32_t p = 0; p < e->np->pages_per_block; p++) {
        if (ftl_page_valid_pieces(a, first + p) == 0)
            continue;
        uint64_t b = hidx_page_bucket(&e->idx, e->blockbuf + (size_t)p * e->np->page_bytes);
        NVKV_CHECK_MSG(e->idx.bppa[b] == first + p,
                       "hash GC: bucket page %llu is not bucket %llu's",
                       (unsigned long long)(first + p), (unsigned long long)b);
        if (hidx_move_bucket(&e->idx, bg, SIM_PRIO_BG, b, NAND_ORIGIN_GC) != 0)
            return false;
        e->gc_bucket_pages++;
    }
    return true;
}

/* Collect one victim in its own branch of `par`; false when there is none or it could not be
 * emptied. */
static bool
gc_round(struct hash_engine *e, struct kv_par *par, uint64_t min_free_pages)
{
    struct ftl_alloc *a = e->base.env.alloc;
    int stream = -1;
    uint64_t victim = choose_victim(e, min_free_pages, &stream);
    if (victim == FTL_NO_BLOCK)
        return false;
    struct sim_plan *bg = hash__bg_plan(e);
    kv_par_branch(par);
    bool ok = stream == e->s_bucket ? gc_bucket_block(e, bg, victim) : gc_data_block(e, bg, victim);
    if (!ok) {
        e->gc_stuck++;
        return false;
    }
    /* the erase waits for this victim's copies only */
    hash__barrier(bg);
    int rc = ftl_erase_block(a, bg, victim, NAND_ORIGIN_GC, SIM_PRIO_BG);
    NVKV_CHECK_MSG(rc == 0, "hash GC: erase: %s", nand_last_violation(e->base.env.nand));
    if (bg != NULL && !hash__kvemu(e)) {
        e->build_erases++;
        e->pending_erases++;
    }
    e->st.gcs++;
    return true;
}

void
hash__gc_run(struct hash_engine *e, uint64_t want, uint64_t max_rounds)
{
    /* a victim should free an eighth of its pages (as KVEMU's GC asks); when none does, any
     * victim that frees a page, then one that frees pages by repacking */
    uint64_t easy = e->np->pages_per_block / 8 ? e->np->pages_per_block / 8 : 1;
    if (ftl_free_blocks(e->base.env.alloc) >= want)
        return;
    struct sim_plan *bg = hash__bg_plan(e);
    enum sim_origin was = sim_plan_set_origin(bg, SIM_ORIGIN_GC);
    struct kv_par par;
    kv_par_begin(&par, bg);
    for (uint64_t r = 0; ftl_free_blocks(e->base.env.alloc) < want && r < max_rounds; r++)
        if (!gc_round(e, &par, easy) && (easy == 1 || !gc_round(e, &par, 1)) &&
            !gc_round(e, &par, 0))
            break;
    /* what the plan records after GC (writes into the freed blocks) waits for every victim */
    kv_par_end(&par);
    sim_plan_set_origin(bg, was);
}

/*
 * A write may count only on blocks whose erase has happened in virtual time. When fewer than
 * gc_critical of those remain, it waits for the oldest background plans that erase enough.
 */
static void
wait_for_erases(struct hash_engine *e, struct sim_plan *plan, bool *waited)
{
    uint64_t free_blocks = ftl_free_blocks(e->base.env.alloc);
    uint64_t ready = free_blocks > e->pending_erases ? free_blocks - e->pending_erases : 0;
    if (plan == NULL || *waited || hash__kvemu(e) || ready >= e->gc_critical)
        return;
    uint64_t need = e->gc_critical - ready, got = 0;
    /* the plans end in any order: wait for each of the oldest until their erases suffice */
    for (uint64_t i = 0; i < e->bgq_len && got < need; i++) {
        if (e->bgq[i].erases == 0)
            continue;
        got += e->bgq[i].erases;
        sim_plan_after_cause(plan, e->bgq[i].plan, SIM_WAIT_ADMISSION);
        *waited = true;
    }
    /* the erases this call just recorded are not submitted yet: wait for them too */
    if (got < need && e->bg_build != NULL && e->build_erases > 0) {
        sim_plan_after_cause(plan, e->bg_build, SIM_WAIT_ADMISSION);
        *waited = true;
    }
    if (*waited)
        e->gc_waits++;
}

/*
 * Free blocks before a write: below the GC threshold a couple of victims in the background;
 * when free blocks are critically low (or `force`), as many as it takes.
 */
void
hash__make_room(struct hash_engine *e, struct sim_plan *plan, bool force, bool *waited)
{
    uint64_t free_blocks = ftl_free_blocks(e->base.env.alloc);
    if (free_blocks < e->gc_threshold || force) {
        bool critical = force || free_blocks < e->gc_critical;
        hash__gc_run(e, e->gc_threshold + (force ? 1 : 0),
                     critical ? 4 * e->gc_threshold + 16 : GC_ROUNDS_EASY);
    }
    wait_for_erases(e, plan, waited);
}
