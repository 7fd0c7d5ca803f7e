/* SPDX-License-Identifier: MIT */
/*
 * AnyKey's data segment groups: building one (hash order, page packing, the key-order table,
 * footers with collision bits, the value moves a merge asked for), retiring one, the in-DRAM
 * searches a GET makes over a group, and GC, which moves whole groups.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/check.h"
#include "../../base/le.h"
#include "anykey_internal.h"

/* Bytes of a page entities and table may use. */
static uint32_t
page_room(const struct anykey *ak)
{
    return ak->np->page_bytes - AK_PAGE_FOOTER;
}

/*
 * What one group may hold, counted as the sum of entity sizes plus the key table: its pages
 * minus a margin for the ends of pages no entity fills (KVEMU keeps a 4-page margin of 32).
 */
uint32_t
ak_group_budget(const struct anykey *ak)
{
    uint64_t room = (uint64_t)ak->group_pages * page_room(ak);
    uint64_t margin = room / 8 > page_room(ak) ? room / 8 : page_room(ak);
    return room > margin ? (uint32_t)(room - margin) : page_room(ak) / 2;
}

/*
 * The pages of a group: a run of neighbouring pages of one block (paper 4.2.1.1). KVEMU stripes
 * a group over the dies of a superblock line and collects whole lines; with per-block GC that
 * layout would move a whole group to free one page of a victim, so it is not offered.
 */
static int
alloc_group_pages(struct anykey *ak, struct sim_plan *bg, int stream, uint32_t n, uint64_t *ppas,
                  bool may_gc)
{
    uint64_t first;
    int rc = may_gc ? ak_alloc_run(ak, bg, stream, n, &first)
                    : ftl_alloc_run(ak->base.env.alloc, stream, n, &first);
    for (uint32_t i = 0; rc == 0 && i < n; i++)
        ppas[i] = first + i;
    return rc;
}

int
ak_alloc_run(struct anykey *ak, struct sim_plan *bg, int stream, uint32_t n, uint64_t *ppa)
{
    ak_make_room(ak, bg);
    int rc = ftl_alloc_run(ak->base.env.alloc, stream, n, ppa);
    if (rc == -ENOSPC && !ak->in_gc) {
        ak_gc(ak, bg, true);
        rc = ftl_alloc_run(ak->base.env.alloc, stream, n, ppa);
    }
    return rc;
}

static int
cmp_hash_order(const void *a, const void *b)
{
    const struct ak_mentry *x = *(const struct ak_mentry *const *)a;
    const struct ak_mentry *y = *(const struct ak_mentry *const *)b;
    if (x->e.hash != y->e.hash)
        return x->e.hash < y->e.hash ? -1 : 1;
    return kv_key_cmp(x->e.key, x->e.klen, y->e.key, y->e.klen);
}

static bool
value_inline(const struct ak_mentry *m)
{
    if (m->e.flags & AK_F_TOMBSTONE)
        return false;
    if (m->want == AK_INLINE)
        return true;
    return m->want == AK_KEEP && !(m->e.flags & AK_F_LOGGED);
}

/* Where each entity goes, in hash order; false when they do not fit the group's pages. */
static bool
place(const struct anykey *ak, struct ak_mentry **ord, uint32_t n, uint8_t *npage, uint16_t *noff,
      uint32_t *npages, uint32_t *first_entity_page)
{
    uint32_t room = page_room(ak);
    uint64_t table = (uint64_t)n * AK_TABLE_ENTRY;
    uint32_t page = (uint32_t)(table / room), off = (uint32_t)(table % room);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size = ak_entity_bytes(&ord[i]->e, value_inline(ord[i]));
        if (off + size > room) {
            page++;
            off = 0;
        }
        if (i == 0)
            *first_entity_page = page;
        if (page >= ak->group_pages || size > room)
            return false;
        npage[i] = (uint8_t)page;
        noff[i] = (uint16_t)off;
        off += size;
    }
    *npages = page + 1;
    return true;
}

/* Move a logged value as the merge asked: into the group (returns its bytes) or to the log's
 * head (updates the pointer). */
static const uint8_t *
move_logged_value(struct anykey *ak, struct sim_plan *bg, struct ak_mentry *m)
{
    const uint8_t *k, *val;
    uint32_t klen, vlen;
    bool charge = m->e.vppa != ak->last_vppa;
    int rc = ak_vlog_read(&ak->vlog, bg, SIM_PRIO_BG, NAND_ORIGIN_COMPACTION, charge, m->e.vppa,
                          m->e.voff, &k, &klen, &val, &vlen);
    NVKV_CHECK_MSG(rc >= 0, "anykey: value-log read failed (%d)", rc);
    NVKV_CHECK_MSG(klen == m->e.klen && vlen == m->e.vlen && memcmp(k, m->e.key, klen) == 0,
                   "anykey: value-log entry at ppa %llu offset %u holds another key",
                   (unsigned long long)m->e.vppa, m->e.voff);
    ak->last_vppa = m->e.vppa;
    ak->compaction_page_reads += (uint64_t)rc;
    ak->log_bytes_fetched += vlen;
    if (m->want == AK_RELOG) {
        uint64_t ppa;
        uint16_t off;
        rc = ak_vlog_append(&ak->vlog, bg, k, klen, val, vlen, &ppa, &off);
        if (rc == -ENOSPC) {
            /* no block for the log's head: the value stays where it is, still referenced */
            ak->relogs_deferred++;
            return NULL;
        }
        NVKV_CHECK_MSG(rc == 0, "anykey: re-logging a value failed (%d)", rc);
        ak_vlog_kill(&ak->vlog, m->e.vppa, klen, vlen, false);
        m->e.vppa = ppa;
        m->e.voff = off;
        ak->values_relogged++;
        return NULL;
    }
    ak_vlog_kill(&ak->vlog, m->e.vppa, klen, vlen, false);
    m->e.flags &= (uint8_t)~AK_F_LOGGED;
    ak->values_inlined++;
    return val;
}

/* Write one entity's bytes at p. */
static void
write_entity(struct anykey *ak, struct sim_plan *bg, struct ak_mentry *m, uint8_t *p)
{
    const uint8_t *inline_bytes = NULL;
    bool from_group = value_inline(m) && !(m->e.flags & AK_F_LOGGED) && m->src != NULL;
    uint32_t old_page = m->e.page, old_off = m->e.off;
    if ((m->e.flags & AK_F_LOGGED) && m->want != AK_KEEP)
        inline_bytes = move_logged_value(ak, bg, m);
    nvkv_put_le32(p, m->e.hash);
    p[4] = m->e.klen;
    p[5] = m->e.flags & (AK_F_TOMBSTONE | AK_F_LOGGED);
    nvkv_put_le32(p + 6, m->e.vlen);
    memcpy(p + AK_ENT_HEADER, m->e.key, m->e.klen);
    uint8_t *v = p + AK_ENT_HEADER + m->e.klen;
    if (m->e.flags & AK_F_TOMBSTONE)
        return;
    if (m->e.flags & AK_F_LOGGED) {
        NVKV_CHECK(m->e.vppa < UINT32_MAX);
        nvkv_put_le32(v, (uint32_t)m->e.vppa);
        nvkv_put_le16(v + 4, m->e.voff);
    } else if (inline_bytes != NULL) {
        memcpy(v, inline_bytes, m->e.vlen);
    } else if (from_group && m->e.vlen > 0) {
        /* the source group is retired only once every entity it holds has been copied */
        int rc = nand_copy_out(ak->base.env.nand, m->src->ppas[old_page],
                               old_off + AK_ENT_HEADER + m->e.klen, m->e.vlen, v);
        NVKV_CHECK_MSG(rc == 0, "anykey: %s", nand_last_violation(ak->base.env.nand));
    }
}

static struct ak_group *
group_alloc(uint32_t n, uint32_t npages)
{
    struct ak_group *g = calloc(1, sizeof(*g));
    NVKV_CHECK(g != NULL);
    g->e = malloc((size_t)n * sizeof(*g->e));
    g->hashes = malloc((size_t)n * sizeof(*g->hashes));
    g->hpage = malloc(n);
    g->prefix = calloc(npages, sizeof(*g->prefix));
    g->ppas = calloc(npages, sizeof(*g->ppas));
    g->collide = calloc(npages, 1);
    NVKV_CHECK_MSG(g->e && g->hashes && g->hpage && g->prefix && g->collide && g->ppas,
                   "out of memory for a group of %u entities", n);
    g->n = n;
    g->npages = npages;
    return g;
}

void
ak_group_free(struct ak_group *g)
{
    if (g == NULL)
        return;
    free(g->e);
    free(g->hashes);
    free(g->hpage);
    free(g->prefix);
    free(g->collide);
    free(g->ppas);
    free(g);
}

struct ak_group *
ak_group_build(struct anykey *ak, struct sim_plan *bg, struct ak_mentry *m, uint32_t n,
               enum nand_origin origin)
{
    uint32_t pb = ak->np->page_bytes, room = page_room(ak);
    struct ak_mentry **ord = malloc((size_t)n * sizeof(*ord));
    uint8_t *npage = malloc(n);
    uint16_t *noff = malloc((size_t)n * sizeof(*noff));
    NVKV_CHECK(ord != NULL && npage != NULL && noff != NULL);
    for (uint32_t i = 0; i < n; i++)
        ord[i] = &m[i];
    qsort(ord, n, sizeof(*ord), cmp_hash_order);
    uint32_t npages = 0, fep = 0;
    struct ak_group *g = NULL;
    uint64_t ppas[256];
    if (!place(ak, ord, n, npage, noff, &npages, &fep)) {
        free(ord);
        free(npage);
        free(noff);
        return NULL;
    }
    int rc = alloc_group_pages(ak, bg, ak->group_stream, npages, ppas, true);
    NVKV_CHECK_MSG(
        rc == 0,
        "anykey: no flash left for a group of %u pages (%d): blocks groups %llu gc %llu "
        "vlog %llu (limit %llu) free %llu, live need %llu; gcs %llu relocated %llu "
        "log compactions %llu reclaimed %llu",
        npages, rc, (unsigned long long)ftl_stream_blocks(ak->base.env.alloc, ak->group_stream),
        (unsigned long long)ftl_stream_blocks(ak->base.env.alloc, ak->gc_stream),
        (unsigned long long)ftl_stream_blocks(ak->base.env.alloc, ak->vlog_stream),
        (unsigned long long)ak->vlog_limit_blocks,
        (unsigned long long)ftl_free_blocks(ak->base.env.alloc), (unsigned long long)ak->live_need,
        (unsigned long long)ak->group_gcs, (unsigned long long)ak->groups_relocated,
        (unsigned long long)ak->log_compactions, (unsigned long long)ak->vlog_blocks_reclaimed);
    g = group_alloc(n, npages);
    memcpy(g->ppas, ppas, npages * sizeof(*ppas));
    g->first_entity_page = fep;
    memset(ak->gbuf, 0, (size_t)npages * pb);
    uint16_t *count = calloc(npages, sizeof(*count));
    NVKV_CHECK(count != NULL);
    for (uint32_t i = 0; i < n; i++) {
        struct ak_mentry *x = ord[i];
        write_entity(ak, bg, x, ak->gbuf + (size_t)npage[i] * pb + noff[i]);
        x->e.page = npage[i];
        x->e.off = noff[i];
        g->hashes[i] = x->e.hash;
        g->hpage[i] = npage[i];
        if (count[npage[i]]++ == 0)
            g->prefix[npage[i]] = (uint16_t)(x->e.hash >> 16);
        if (i > 0 && npage[i] != npage[i - 1] && ord[i - 1]->e.hash == x->e.hash) {
            g->collide[npage[i - 1]] |= AK_COLL_NEXT;
            g->collide[npage[i]] |= AK_COLL_PREV;
        }
    }
    /* the key-order table (m is in key order) from page 0 on, then each page's footer */
    for (uint32_t i = 0; i < n; i++) {
        uint64_t at = (uint64_t)i * AK_TABLE_ENTRY;
        uint32_t tp = (uint32_t)(at / room), to = (uint32_t)(at % room);
        uint8_t entry[AK_TABLE_ENTRY] = {m[i].e.page, 0, 0};
        nvkv_put_le16(entry + 1, m[i].e.off);
        for (uint32_t b = 0; b < AK_TABLE_ENTRY; b++, to++) {
            if (to == room) {
                tp++;
                to = 0;
            }
            ak->gbuf[(size_t)tp * pb + to] = entry[b];
        }
        g->e[i] = m[i].e;
        if (g->e[i].flags & AK_F_LOGGED) {
            g->logged_bytes += g->e[i].vlen;
            if (g->e[i].flags & AK_F_STALE)
                g->stale_bytes += g->e[i].vlen;
        }
    }
    uint64_t table = (uint64_t)n * AK_TABLE_ENTRY;
    for (uint32_t p = 0; p < npages; p++) {
        uint8_t *f = ak->gbuf + (size_t)p * pb + room;
        uint64_t t_here = table > (uint64_t)p * room ? table - (uint64_t)p * room : 0;
        nvkv_put_le16(f, count[p]);
        nvkv_put_le16(f + 2, p == fep ? noff[0] : 0);
        f[4] = g->collide[p];
        nvkv_put_le16(f + 6, (uint32_t)(t_here < room ? t_here : room));
        rc = nand_program(ak->base.env.nand, bg, ppas[p], ak->gbuf + (size_t)p * pb, NULL, origin,
                          SIM_PRIO_BG);
        NVKV_CHECK_MSG(rc == 0, "anykey: %s", nand_last_violation(ak->base.env.nand));
        ftl_set_valid(ak->base.env.alloc, ppas[p], 0, ftl_pieces_per_page(ak->base.env.alloc));
        ak->owner[ppas[p]] = g;
    }
    free(count);
    ak->group_pages_written += npages;
    ak->groups_written++;
    free(ord);
    free(npage);
    free(noff);
    return g;
}

void
ak_group_retire(struct anykey *ak, struct ak_group *g)
{
    struct ftl_alloc *a = ak->base.env.alloc;
    for (uint32_t p = 0; p < g->npages; p++) {
        ftl_invalidate(a, g->ppas[p], 0, ftl_pieces_per_page(a));
        ak->owner[g->ppas[p]] = NULL;
    }
    ak_group_free(g);
}

bool
ak_group_has_hash(const struct ak_group *g, uint32_t h, uint32_t *first, uint32_t *last)
{
    uint32_t lo = 0, hi = g->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->hashes[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == g->n || g->hashes[lo] != h)
        return false;
    uint32_t end = lo;
    while (end + 1 < g->n && g->hashes[end + 1] == h)
        end++;
    *first = lo;
    *last = end;
    return true;
}

uint32_t
ak_group_choose_page(const struct ak_group *g, uint32_t h)
{
    /* the last entity page whose first hash prefix is <= the key's */
    uint16_t ph = (uint16_t)(h >> 16);
    uint32_t best = g->first_entity_page;
    for (uint32_t p = g->first_entity_page; p < g->npages; p++) {
        if (g->prefix[p] > ph)
            break;
        best = p;
    }
    return best;
}

int64_t
ak_group_find(const struct ak_group *g, const void *key, uint32_t klen)
{
    uint32_t lo = 0, hi = g->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = kv_key_cmp(g->e[mid].key, g->e[mid].klen, key, klen);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ---- GC: whole groups move; the level list entry takes the new PPA (DRAM only) ---- */

static void
relocate_group(struct anykey *ak, struct sim_plan *bg, struct ak_group *g)
{
    uint32_t pb = ak->np->page_bytes;
    uint64_t moved[256];
    struct ftl_alloc *a = ak->base.env.alloc;
    int rc = alloc_group_pages(ak, bg, ak->gc_stream, g->npages, moved, false);
    NVKV_CHECK_MSG(rc == 0, "anykey GC: no flash left to move a group (%d)", rc);
    /* each page is programmed as soon as it has been read: the copies go to other dies and the
     * pages of a victim's groups move side by side; the erase waits for all of them (ak_gc) */
    struct kv_par pages;
    kv_par_begin(&pages, bg);
    for (uint32_t p = 0; p < g->npages; p++) {
        kv_par_branch(&pages);
        rc = nand_read(ak->base.env.nand, bg, g->ppas[p], ak->gbuf + (size_t)p * pb, NULL,
                       NAND_ORIGIN_GC, SIM_PRIO_BG);
        NVKV_CHECK_MSG(rc == 0, "anykey GC: %s", nand_last_violation(ak->base.env.nand));
        if (bg != NULL)
            sim_plan_barrier(bg);
        rc = nand_program(ak->base.env.nand, bg, moved[p], ak->gbuf + (size_t)p * pb, NULL,
                          NAND_ORIGIN_GC, SIM_PRIO_BG);
        NVKV_CHECK_MSG(rc == 0, "anykey GC: %s", nand_last_violation(ak->base.env.nand));
        ftl_set_valid(a, moved[p], 0, ftl_pieces_per_page(a));
        ftl_invalidate(a, g->ppas[p], 0, ftl_pieces_per_page(a));
        ak->owner[moved[p]] = g;
        ak->owner[g->ppas[p]] = NULL;
        g->ppas[p] = moved[p];
    }
    kv_par_end(&pages);
    ak->st.gc_pages_copied += g->npages;
    ak->groups_relocated++;
}

static void
gc_block(struct anykey *ak, struct sim_plan *bg, uint64_t block)
{
    struct ftl_alloc *a = ak->base.env.alloc;
    uint64_t first = ftl_block_first_ppa(a, block);
    for (uint32_t p = 0; p < ak->np->pages_per_block; p++) {
        if (ftl_page_valid_pieces(a, first + p) == 0)
            continue;
        struct ak_group *g = ak->owner[first + p];
        NVKV_CHECK_MSG(g != NULL, "anykey GC: valid page %llu has no group",
                       (unsigned long long)(first + p));
        relocate_group(ak, bg, g);
    }
    ak->group_gcs++;
}

void
ak_make_room(struct anykey *ak, struct sim_plan *bg)
{
    if (!ak->in_gc && ftl_free_blocks(ak->base.env.alloc) < ak->gc_threshold)
        ak_gc(ak, bg, false);
}

int
ak_gc(struct anykey *ak, struct sim_plan *bg, bool urgent)
{
    struct ftl_alloc *a = ak->base.env.alloc;
    uint64_t min_free = ak->np->pages_per_block / 8 ? ak->np->pages_per_block / 8 : 1;
    uint64_t want = (urgent ? ak->write_reserve : ak->gc_threshold) + 1;
    int streams[2] = {ak->group_stream, ak->gc_stream};
    if (ak->in_gc)
        return 0;
    ak->in_gc = true;
    ftl_set_gc_active(a, true);
    enum sim_origin was = sim_plan_set_origin(bg, SIM_ORIGIN_GC);
    /* value-log blocks nothing points into any more cost only an erase */
    ak_reclaim_vlog(ak, bg);
    /* victims are collected in parallel; each erase waits only for its own copies, and what
     * the plan adds after GC waits for every victim */
    struct kv_par par;
    kv_par_begin(&par, bg);
    /* bounded: near full, each round frees little; writes are refused rather than paid for
     * with an ever longer GC (the write amplification a nearly full device would pay) */
    uint64_t free_now = ftl_free_blocks(a);
    uint64_t rounds = free_now < want ? 2 * (want - free_now) + 2 : 0;
    uint64_t copied0 = ak->st.gc_pages_copied + ak->vlog.pages_programmed + ak->group_pages_written;
    uint64_t freed0 = ak->st.gcs + ak->vlog_blocks_reclaimed;
    for (uint64_t round = 0; ftl_free_blocks(a) < want && round < rounds; round++) {
        uint64_t best = FTL_NO_BLOCK, best_valid = UINT64_MAX;
        for (int s = 0; s < 2; s++) {
            uint64_t v = ftl_pick_victim(a, streams[s], min_free);
            if (v != FTL_NO_BLOCK && ftl_block_valid_pages(a, v) < best_valid) {
                best = v;
                best_valid = ftl_block_valid_pages(a, v);
            }
        }
        for (int s = 0; s < 2 && best == FTL_NO_BLOCK && ftl_free_blocks(a) <= 2; s++)
            best = ftl_pick_victim(a, streams[s], 1);
        /*
         * The value log may hold the space instead: blocks whose few live values no compaction
         * has reached yet. A log block goes first when it is emptier than the best group block
         * (by live bytes against valid pages), or when no group block can be collected.
         */
        uint64_t live, block_bytes = (uint64_t)ak->np->pages_per_block * ak->np->page_bytes;
        uint64_t lv = ak_vlog_victim(&ak->vlog, &live);
        bool stuck =
            best != FTL_NO_BLOCK && ftl_free_blocks(a) == 0 && ftl_block_valid_pieces(a, best) > 0;
        bool emptier = best != FTL_NO_BLOCK && live * ak->np->pages_per_block <
                                                   ftl_block_valid_pages(a, best) * block_bytes;
        kv_par_branch(&par);
        if (lv != FTL_NO_BLOCK && (best == FTL_NO_BLOCK || stuck || emptier)) {
            uint64_t before = ak->vlog_blocks_reclaimed;
            if (ak_vlog_gc(ak, bg) && ak->vlog_blocks_reclaimed > before)
                continue;
        }
        if (best == FTL_NO_BLOCK)
            break;
        if (ftl_free_blocks(a) == 0 && ftl_block_valid_pieces(a, best) > 0)
            break;
        gc_block(ak, bg, best);
        if (bg != NULL)
            sim_plan_barrier(bg);
        int rc = ftl_erase_block(a, bg, best, NAND_ORIGIN_GC, SIM_PRIO_BG);
        NVKV_CHECK(rc == 0);
        ak->st.gcs++;
    }
    kv_par_end(&par);
    sim_plan_set_origin(bg, was);
    /* what this GC paid (pages written: copies, rewritten groups, re-logged values) for what it
     * freed: the device's admission control watches the ratio */
    ak->gc_copied_win +=
        ak->st.gc_pages_copied + ak->vlog.pages_programmed + ak->group_pages_written - copied0;
    ak->gc_freed_win += (ak->st.gcs + ak->vlog_blocks_reclaimed - freed0) * ak->np->pages_per_block;
    ftl_set_gc_active(a, false);
    ak->in_gc = false;
    return 0;
}
