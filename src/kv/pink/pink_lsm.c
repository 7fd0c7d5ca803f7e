/* SPDX-License-Identifier: MIT */
/*
 * PinK's LSM-tree: sorted levels cut into meta segments, flush of the write buffer into the
 * first level, leveled compaction of whole levels, the size ratio PinK derives from the level
 * count, and the DRAM residency of level lists and meta segments (top level down).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "../../base/check.h"
#include "pink_internal.h"

uint64_t
pink__seg_capacity_bytes(const struct pink *pk)
{
    return pk->np->page_bytes > PINK_SEG_HEADER ? pk->np->page_bytes - PINK_SEG_HEADER
                                                : pk->np->page_bytes;
}

int64_t
pink__level_lower_bound(const struct pink_level *l, const void *key, uint32_t klen)
{
    uint64_t lo = 0, hi = l->n, pfx = pink__key_prefix(key, klen);
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        const struct pink_entry *e = &l->e[mid];
        /* zero padding keeps prefix order the key order wherever the prefixes differ */
        bool below = e->pfx != pfx ? e->pfx < pfx : kv_key_cmp(e->key, e->klen, key, klen) < 0;
        if (below)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int64_t)lo;
}

uint32_t
pink__seg_of(const struct pink_level *l, uint64_t index)
{
    uint32_t lo = 0, hi = l->nsegs;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l->segs[mid].start <= index)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

bool
pink__find(const struct pink *pk, const void *key, uint32_t klen, uint32_t *level, uint64_t *index)
{
    for (uint32_t i = 0; i < pk->nlevels; i++) {
        const struct pink_level *l = &pk->lv[i];
        uint64_t idx = (uint64_t)pink__level_lower_bound(l, key, klen);
        if (idx < l->n && kv_key_cmp(l->e[idx].key, l->e[idx].klen, key, klen) == 0) {
            *level = i;
            *index = idx;
            return true;
        }
    }
    return false;
}

/*
 * PinK's size ratio (lsm_settings: get_sizefactor): f = ceil(N^(1/L)), lowered by 0.05 until
 * f + f^2 + ... + f^L <= N, where N is the number of meta segments a full device would hold.
 * N follows the average record and key seen so far, as KVEMU's PinK re-derives its multiplier
 * while the tree grows; before any data, a 32-byte key and 1 KiB record (PinK's defaults).
 */
void
pink__set_level_caps(struct pink *pk)
{
    double avg_klen = 32, avg_record = 1024;
    uint64_t sampled = 0, key_bytes = 0;
    /* about 256 keys a level are enough for an average */
    for (uint32_t i = 0; i < pk->nlevels; i++) {
        for (uint64_t k = 0; k < pk->lv[i].n; k += 1 + pk->lv[i].n / 256) {
            key_bytes += pk->lv[i].e[k].klen;
            sampled++;
        }
    }
    if (pk->st.live_keys > 0) {
        avg_record = (double)pk->live_held / (double)pk->st.live_keys;
        if (avg_record < 1)
            avg_record = 1;
    }
    if (sampled > 0)
        avg_klen = (double)key_bytes / (double)sampled;
    double per_seg = (double)pink__seg_capacity_bytes(pk) / (avg_klen + PINK_PPA_BYTES);
    double n = (double)pk->base.env.exposed_bytes / avg_record / per_seg;
    if (n < 2)
        n = 2;
    double L = pk->nlevels;
    double f = ceil(pow(n, 1.0 / L));
    for (;;) {
        double sum = 0, p = 1;
        for (uint32_t i = 0; i < pk->nlevels; i++)
            sum += (p *= f);
        if (sum <= n || f <= 1.05)
            break;
        f -= 0.05;
    }
    if (f < 1.05)
        f = 1.05;
    pk->size_ratio_x100 = (uint64_t)llround(f * 100);
    double cap = 1;
    for (uint32_t i = 0; i < pk->nlevels; i++) {
        cap *= f;
        pk->lv[i].cap_segs = i + 1 == pk->nlevels ? UINT64_MAX : (uint64_t)ceil(cap);
    }
}

static void
free_entries(struct pink_entry *e, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        free(e[i].key);
    free(e);
}

/* Drop the flash copy of a level's list. */
static void
drop_list_pages(struct pink *pk, struct pink_level *l)
{
    uint32_t ppp = ftl_pieces_per_page(pk->base.env.alloc);
    for (uint32_t k = 0; k < l->list_pages; k++)
        ftl_invalidate(pk->base.env.alloc, l->list_ppas[k], 0, ppp);
    free(l->list_ppas);
    l->list_ppas = NULL;
    l->list_pages = 0;
}

void
pink__free_level(struct pink_level *l)
{
    free_entries(l->e, l->n);
    free(l->segs);
    free(l->list_ppas);
    memset(l, 0, sizeof(*l));
}

/* Cut a level's entries into meta segments of at most one page of {key, ppa}. */
static void
build_segments(struct pink *pk, struct pink_level *l)
{
    uint64_t cap = pink__seg_capacity_bytes(pk);
    l->nsegs = 0;
    l->list_bytes = 0;
    uint64_t used = cap + 1;
    for (uint64_t i = 0; i < l->n; i++) {
        uint64_t need = l->e[i].klen + PINK_PPA_BYTES;
        if (used + need > cap) {
            if (l->nsegs == l->segs_cap) {
                l->segs_cap = l->segs_cap ? l->segs_cap * 2 : 16;
                l->segs = realloc(l->segs, l->segs_cap * sizeof(*l->segs));
                NVKV_CHECK(l->segs != NULL);
            }
            /* a fresh segment sits in controller memory until residency is decided */
            l->segs[l->nsegs++] = (struct pink_seg){(uint32_t)i, 0, PINK_NO_PPA, true, false};
            l->list_bytes += l->e[i].klen + PINK_PPA_BYTES;
            used = 0;
        }
        l->segs[l->nsegs - 1].count++;
        used += need;
    }
    l->list_dirty = true;
}

/* Read every flash-resident segment of a level (compaction input). */
static void
read_level_segments(struct pink *pk, struct sim_plan *bg, const struct pink_level *l)
{
    for (uint32_t s = 0; s < l->nsegs; s++) {
        if (l->segs[s].in_dram)
            continue;
        int rc = nand_read(pk->base.env.nand, bg, l->segs[s].flash_ppa, NULL, NULL,
                           NAND_ORIGIN_COMPACTION, SIM_PRIO_BG);
        NVKV_CHECK_MSG(rc == 0, "pink: %s", nand_last_violation(pk->base.env.nand));
        pk->compaction_meta_reads++;
    }
}

/* A flash read of a meta page, after the work that chose it. */
static void
read_meta_page(struct pink *pk, struct kv_cost *c, uint64_t ppa, struct pink_meta_memo *memo)
{
    if (ppa == PINK_NO_PPA)
        return; /* mid-compaction (GC for its output pages): the page is in controller memory */
    if (memo != NULL) {
        for (uint32_t i = 0; i < memo->n; i++)
            if (memo->ppa[i] == ppa)
                return; /* still in the controller's buffer */
        memo->ppa[memo->next] = ppa;
        memo->next = (memo->next + 1) % PINK_MEMO_PAGES;
        if (memo->n < PINK_MEMO_PAGES)
            memo->n++;
    }
    kv_cost_read(c, pk->base.env.cpu, pk->base.env.nand, ppa,
                 memo != NULL ? memo->origin : NAND_ORIGIN_META);
}

/*
 * The read path over the levels: level list (a flash read when it spilled), meta segment (a
 * flash read when not pinned), binary searches on a controller core. Returns the entry or NULL.
 * With a memo, a meta page read once is not read again (GC's validity checks of one page).
 */
const struct pink_entry *
pink__lookup(struct pink *pk, struct kv_cost *c, const void *key, uint32_t klen,
             struct pink_meta_memo *memo)
{
    struct dev_cpu *cpu = pk->base.env.cpu;
    for (uint32_t i = 0; i < pk->nlevels; i++) {
        const struct pink_level *l = &pk->lv[i];
        if (l->n == 0)
            continue;
        c->cpu_ns += dev_cpu_bsearch_ns(cpu, l->nsegs);
        /* candidate segment: the last one whose first key <= key */
        int64_t lb = pink__level_lower_bound(l, key, klen);
        uint64_t idx = (uint64_t)lb;
        bool exact = idx < l->n && kv_key_cmp(l->e[idx].key, l->e[idx].klen, key, klen) == 0;
        uint64_t probe = exact ? idx : (idx == 0 ? UINT64_MAX : idx - 1);
        if (probe == UINT64_MAX)
            continue; /* below the level's first key: the level list answers from DRAM */
        uint32_t s = pink__seg_of(l, probe);
        if (!l->list_in_dram && l->list_pages > 0) /* the level-list page of this segment */
            read_meta_page(pk, c, l->list_ppas[(uint64_t)s * l->list_pages / l->nsegs], memo);
        if (!l->segs[s].in_dram)
            read_meta_page(pk, c, l->segs[s].flash_ppa, memo);
        c->cpu_ns += dev_cpu_bsearch_ns(cpu, l->segs[s].count);
        if (exact)
            return &l->e[idx];
    }
    return NULL;
}

/* Forget a level's segments: their flash copies become invalid. */
static void
retire_segments(struct pink *pk, struct pink_level *l)
{
    for (uint32_t s = 0; s < l->nsegs; s++)
        pink__meta_drop(pk, &l->segs[s]);
    l->nsegs = 0;
    drop_list_pages(pk, l);
}

static void
invalidate_record(struct pink *pk, const struct pink_entry *e)
{
    pink__data_invalidate(pk, e);
}

/*
 * Merge `src` (newer, sorted, owned; consumed) into level `d`. Equal keys keep the newer entry;
 * the older one's record becomes invalid. Into the last level, tombstones vanish: nothing older
 * remains below them.
 */
static void
merge_into(struct pink *pk, struct sim_plan *bg, struct pink_entry *src, uint64_t n_src, uint32_t d)
{
    struct pink_level *dst = &pk->lv[d];
    bool last = d + 1 == pk->nlevels;
    read_level_segments(pk, bg, dst);
    if (bg != NULL)
        sim_plan_barrier(bg);
    dev_cpu_charge(pk->base.env.cpu, bg, SIM_PRIO_BG,
                   (n_src + dst->n) * pk->base.env.cpu->p.merge_entry_ns);
    if (bg != NULL)
        sim_plan_barrier(bg);
    struct pink_entry *out = malloc((n_src + dst->n + 1) * sizeof(*out));
    NVKV_CHECK_MSG(out != NULL, "out of memory merging %llu entries",
                   (unsigned long long)(n_src + dst->n));
    uint64_t i = 0, j = 0, n = 0;
    while (i < n_src || j < dst->n) {
        struct pink_entry take;
        if (j == dst->n) {
            take = src[i++];
        } else if (i == n_src) {
            take = dst->e[j++];
        } else {
            int c = src[i].pfx != dst->e[j].pfx
                        ? (src[i].pfx < dst->e[j].pfx ? -1 : 1)
                        : kv_key_cmp(src[i].key, src[i].klen, dst->e[j].key, dst->e[j].klen);
            if (c < 0) {
                take = src[i++];
            } else if (c > 0) {
                take = dst->e[j++];
            } else {
                invalidate_record(pk, &dst->e[j]);
                free(dst->e[j++].key);
                take = src[i++];
            }
        }
        if (last && (take.flags & PINK_F_TOMBSTONE)) {
            free(take.key);
            continue;
        }
        out[n++] = take;
    }
    free(src);
    free(dst->e);
    retire_segments(pk, dst);
    dst->e = out;
    dst->n = n;
    dst->cap = n;
    build_segments(pk, dst);
}

/* Move all of level s into level s + 1. */
static void
compact_level(struct pink *pk, struct sim_plan *bg, uint32_t s)
{
    struct pink_level *src = &pk->lv[s];
    read_level_segments(pk, bg, src);
    struct pink_entry *e = src->e;
    uint64_t n = src->n;
    retire_segments(pk, src);
    src->e = NULL;
    src->n = src->cap = 0;
    src->list_bytes = 0;
    merge_into(pk, bg, e, n, s + 1);
    pk->st.compactions++;
}

/*
 * A newer version (or a tombstone) reaches flash: the record of the version it shadows is dead
 * now, as PinK's GC judges validity by the newest version of a key. The shadowed entry stays in
 * its level until a merge drops it, with no record left (pieces 0) so nothing frees it twice.
 */
static void
supersede(struct pink *pk, const struct kv_mem_entry *m)
{
    uint32_t level;
    uint64_t idx;
    if (!pink__find(pk, m->key, m->klen, &level, &idx))
        return;
    struct pink_entry *old = &pk->lv[level].e[idx];
    if (m->assumed_new && !(old->flags & PINK_F_TOMBSTONE)) {
        /* the PUT counted a new key; it replaced this one */
        pk->st.live_keys--;
        pk->st.live_bytes -= old->klen + old->vlen;
        if (old->loc.pieces > 0)
            pk->live_held -= pink__record_bytes(pk, old->klen, old->vlen);
    }
    invalidate_record(pk, old);
    old->loc.pieces = 0;
}

/* Write the buffered pairs as data records; returns the sorted entries (owned). */
static struct pink_entry *
write_buffer_records(struct pink *pk, struct sim_plan *bg, uint64_t *count)
{
    uint64_t n = 0;
    /* room first: GC must not run while flushed records have no level entry yet, and one
     * write buffer always fits in the GC reserve */
    pink__make_room(pk, bg);
    struct kv_mem_entry **sorted = NULL;
    uint64_t sorted_cap = 0;
    n = kv_membuf_sorted(&pk->mem, &sorted, &sorted_cap);
    struct pink_entry *out = malloc((n + 1) * sizeof(*out));
    NVKV_CHECK(out != NULL);
    pk->flushing = true;
    for (uint64_t i = 0; i < n; i++) {
        struct kv_mem_entry *m = sorted[i];
        struct pink_entry *e = &out[i];
        e->key = malloc(m->klen);
        e->pfx = pink__key_prefix(m->key, m->klen);
        NVKV_CHECK(e->key != NULL);
        memcpy(e->key, m->key, m->klen);
        e->klen = m->klen;
        e->flags = m->flags;
        e->vlen = m->vlen;
        e->loc = (struct kv_loc){0, 0, 0};
        supersede(pk, m);
        if (!(m->flags & PINK_F_TOMBSTONE)) {
            int rc = pink__data_append(pk, bg, false, m->key, m->klen, m->key + m->klen, m->vlen,
                                       &e->loc);
            if (rc == -ENOSPC) {
                pink__gc(pk, bg, true);
                rc = pink__data_append(pk, bg, false, m->key, m->klen, m->key + m->klen, m->vlen,
                                       &e->loc);
            }
            NVKV_CHECK_MSG(
                rc == 0,
                "pink: no flash left to flush the write buffer (%d): pair %llu of "
                "%llu, %llu buffered bytes, free blocks %llu, GC threshold %llu, "
                "blocks data %llu gc %llu meta %llu, live record bytes %llu",
                rc, (unsigned long long)i, (unsigned long long)n, (unsigned long long)pk->mem.bytes,
                (unsigned long long)ftl_free_blocks(pk->base.env.alloc),
                (unsigned long long)pk->gc_threshold,
                (unsigned long long)ftl_stream_blocks(pk->base.env.alloc, pk->data_stream),
                (unsigned long long)ftl_stream_blocks(pk->base.env.alloc, pk->gc_stream),
                (unsigned long long)ftl_stream_blocks(pk->base.env.alloc, pk->meta_stream),
                (unsigned long long)pk->live_held);
        }
    }
    free(sorted);
    pk->flushing = false;
    kv_membuf_clear(&pk->mem);
    pk->reinsert_pending = 0; /* written now */
    *count = n;
    return out;
}

int
pink__flush(struct pink *pk, struct sim_plan *flush, struct sim_plan *bg)
{
    uint64_t n;
    struct pink_entry *entries = write_buffer_records(pk, flush, &n);
    merge_into(pk, bg, entries, n, 0);
    pk->st.flushes++;
    pink__set_level_caps(pk);
    for (uint32_t i = 0; i + 1 < pk->nlevels; i++)
        if (pk->lv[i].nsegs > pk->lv[i].cap_segs)
            compact_level(pk, bg, i);
    if (bg != NULL)
        sim_plan_barrier(bg);
    pink__recompute_residency(pk, bg);
    return 0;
}

/* Write a spilled level list to flash (its pages hold first key + location per segment). */
static void
write_list_pages(struct pink *pk, struct sim_plan *bg, uint32_t level)
{
    struct pink_level *l = &pk->lv[level];
    drop_list_pages(pk, l);
    uint64_t pages = (l->list_bytes + pk->np->page_bytes - 1) / pk->np->page_bytes;
    l->list_ppas = malloc((pages ? pages : 1) * sizeof(uint64_t));
    NVKV_CHECK(l->list_ppas != NULL);
    uint32_t ppp = ftl_pieces_per_page(pk->base.env.alloc);
    for (uint64_t k = 0; k < pages; k++) {
        uint64_t ppa;
        int rc = pink__alloc_meta_page(pk, bg, &ppa);
        if (rc == -ENOSPC) {
            /* no block left: the list stays in controller memory, reported over budget */
            drop_list_pages(pk, l);
            l->list_in_dram = true;
            pk->dram_overcommit_bytes += l->list_bytes;
            return;
        }
        NVKV_CHECK_MSG(rc == 0, "pink: level list page (%d)", rc);
        rc = nand_program(pk->base.env.nand, bg, ppa, NULL, NULL, NAND_ORIGIN_COMPACTION,
                          SIM_PRIO_BG);
        NVKV_CHECK_MSG(rc == 0, "pink: %s", nand_last_violation(pk->base.env.nand));
        ftl_set_valid(pk->base.env.alloc, ppa, 0, ppp);
        pk->meta_owner[ppa] = PINK_OWNER(1, level, k);
        l->list_ppas[k] = ppa;
        l->list_pages = (uint32_t)k + 1; /* meta GC may move a page while later ones go out */
        pk->meta_pages_written++;
    }
    l->list_dirty = false;
}

/*
 * PinK's DRAM order: level lists first (top level down), then meta segments pinned top level
 * down while the budget lasts. What no longer fits goes to flash (a program when it has no flash
 * copy yet); what fits again is loaded (a read).
 */
void
pink__recompute_residency(struct pink *pk, struct sim_plan *bg)
{
    struct dev_dram *dram = pk->base.env.dram;
    dev_dram_release(dram, DEV_DRAM_LEVEL_LISTS, dram->used[DEV_DRAM_LEVEL_LISTS]);
    dev_dram_release(dram, DEV_DRAM_META_SEGMENTS, dram->used[DEV_DRAM_META_SEGMENTS]);
    for (uint32_t i = 0; i < pk->nlevels; i++) {
        struct pink_level *l = &pk->lv[i];
        if (dev_dram_try_charge(dram, DEV_DRAM_LEVEL_LISTS, l->list_bytes)) {
            l->list_in_dram = true;
            drop_list_pages(pk, l);
        } else {
            l->list_in_dram = false;
            if (l->list_dirty || l->list_pages == 0)
                write_list_pages(pk, bg, i);
        }
    }
    for (uint32_t i = 0; i < pk->nlevels; i++) {
        struct pink_level *l = &pk->lv[i];
        for (uint32_t s = 0; s < l->nsegs; s++) {
            struct pink_seg *seg = &l->segs[s];
            if (dev_dram_try_charge(dram, DEV_DRAM_META_SEGMENTS, pk->np->page_bytes)) {
                if (seg->dirty) {
                    pink__meta_drop(pk, seg); /* DRAM holds the truth; the copy is stale */
                    seg->dirty = false;
                }
                if (!seg->in_dram && seg->flash_ppa != PINK_NO_PPA) {
                    int rc = nand_read(pk->base.env.nand, bg, seg->flash_ppa, NULL, NULL,
                                       NAND_ORIGIN_META, SIM_PRIO_BG);
                    NVKV_CHECK(rc == 0);
                }
                seg->in_dram = true;
            } else {
                seg->in_dram = false;
                if (seg->dirty) {
                    /* a GC move deferred to here, batched with the compaction's writes */
                    pink__meta_drop(pk, seg);
                    seg->dirty = false;
                    pink__meta_program(pk, bg, i, s, NAND_ORIGIN_GC);
                } else if (seg->flash_ppa == PINK_NO_PPA) {
                    pink__meta_program(pk, bg, i, s, NAND_ORIGIN_COMPACTION);
                }
            }
        }
    }
    pk->level_list_dram_bytes = dram->used[DEV_DRAM_LEVEL_LISTS];
    pk->seg_dram_bytes = dram->used[DEV_DRAM_META_SEGMENTS];
}
