/* SPDX-License-Identifier: MIT */
/*
 * AnyKey / AnyKey+: the engine operations, the read path over level lists, hash lists and group
 * pages, the iterator and the statistics. See anykey_internal.h for the design and the on-flash
 * layout; the LSM-tree is in anykey_lsm.c, groups and GC in anykey_group.c, the value log in
 * anykey_vlog.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/check.h"
#include "../../base/err.h"
#include "../../base/le.h"
#include "../../base/xxh32.h"
#include "../lsmkit.h"
#include "anykey_internal.h"

static struct anykey *
as_ak(struct kv_engine *e)
{
    return (struct anykey *)e;
}

static void
read_page(struct anykey *ak, struct kv_cost *c, uint64_t ppa, enum nand_origin origin)
{
    kv_cost_read(c, ak->base.env.cpu, ak->base.env.nand, ppa, origin);
}

/* Read pages lo..hi of a group (a collision run or a neighbour scan), in order. */
static void
read_group_span(struct anykey *ak, struct kv_cost *c, const struct ak_group *g, uint32_t lo,
                uint32_t hi)
{
    for (uint32_t p = lo; p <= hi; p++)
        read_page(ak, c, g->ppas[p], NAND_ORIGIN_HOST);
    ak->neighbour_reads += hi - lo;
}

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static uint32_t
max_u32(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

/*
 * The group pages a device reads for key hash h in group g: the page the prefixes choose, then
 * its neighbours as the collision bits (or, under collision=scan, a miss) send it there.
 * `target` is the page holding the key, or -1 when the group does not hold it.
 */
static void
read_candidate_pages(struct anykey *ak, struct kv_cost *c, const struct ak_group *g, uint32_t h,
                     int64_t target)
{
    uint32_t p = ak_group_choose_page(g, h);
    uint32_t lo = p, hi = p;
    bool scan = ak->p->collision == KV_ANYKEY_COLL_SCAN;
    uint32_t f, l;
    if (target >= 0 && (uint32_t)target != p) {
        lo = min_u32(p, (uint32_t)target);
        hi = max_u32(p, (uint32_t)target);
    } else if (target < 0 && ak_group_has_hash(g, h, &f, &l)) {
        /* another key with the same hash: read the pages its run spans */
        lo = min_u32(p, g->hpage[f]);
        hi = max_u32(p, g->hpage[l]);
    } else {
        scan = false; /* found on the chosen page, or no such hash in the page */
    }
    if (scan) {
        /* without collision bits a miss reads both neighbours */
        lo = lo > g->first_entity_page ? lo - 1 : lo;
        hi = hi + 1 < g->npages ? hi + 1 : hi;
    }
    read_group_span(ak, c, g, lo, hi);
}

/*
 * The read path over the levels. Returns the entity holding the key's newest version on flash
 * (possibly a tombstone) and its group, or NULL.
 */
static const struct ak_entity *
lsm_lookup(struct anykey *ak, struct kv_cost *c, const void *key, uint32_t klen, uint32_t h,
           const struct ak_group **gout)
{
    struct dev_cpu *cpu = ak->base.env.cpu;
    for (uint32_t i = 0; i < ak->nlevels; i++) {
        const struct ak_level *l = &ak->lv[i];
        if (l->ng == 0)
            continue;
        c->cpu_ns += dev_cpu_bsearch_ns(cpu, l->ng);
        int64_t gi = ak_level_group_of(l, key, klen);
        if (gi < 0)
            continue; /* below the level's first key: the level list answers from DRAM */
        const struct ak_group *g = l->g[gi];
        if (!l->list_in_dram) {
            /* a level list that did not fit DRAM costs a flash read to probe (KVEMU charges
             * its cache misses the same way; the group's first page stands in for it) */
            read_page(ak, c, g->ppas[0], NAND_ORIGIN_META);
            ak->level_list_reads++;
        }
        uint32_t f, last;
        if (g->hl_in_dram) {
            c->cpu_ns += dev_cpu_bsearch_ns(cpu, g->n);
            if (!ak_group_has_hash(g, h, &f, &last)) {
                ak->hash_list_skips++;
                continue;
            }
        }
        c->cpu_ns += dev_cpu_bsearch_ns(cpu, g->npages);
        int64_t idx = ak_group_find(g, key, klen);
        const struct ak_entity *e = idx >= 0 ? &g->e[idx] : NULL;
        if (e != NULL && (e->flags & AK_F_STALE))
            e = NULL; /* shadowed: a newer version sits above (never reached in order) */
        read_candidate_pages(ak, c, g, h, e != NULL ? e->page : -1);
        c->cpu_ns += dev_cpu_bsearch_ns(cpu, g->n / (g->npages ? g->npages : 1) + 1);
        if (e != NULL) {
            *gout = g;
            return e;
        }
    }
    return NULL;
}

/*
 * The entity's bytes as the flash holds them: checked against the key, then the value (inline,
 * or through the value-log pointer: one more read). KV_NOT_FOUND for a tombstone.
 */
static enum kv_status
read_entity(struct anykey *ak, struct kv_cost *c, const struct ak_group *g,
            const struct ak_entity *e, bool want_value, void *buf, uint32_t buf_len, uint32_t *vlen)
{
    uint8_t hdr[AK_ENT_HEADER + KV_KEY_MAX + AK_PTR_BYTES];
    uint64_t ppa = g->ppas[e->page];
    uint32_t n = AK_ENT_HEADER + e->klen;
    struct nand *nand = ak->base.env.nand;
    int rc = nand_copy_out(nand, ppa, e->off, n, hdr);
    NVKV_CHECK_MSG(rc == 0, "anykey: %s", nand_last_violation(nand));
    NVKV_CHECK_MSG(nvkv_get_le32(hdr) == e->hash && hdr[4] == e->klen &&
                       memcmp(hdr + AK_ENT_HEADER, e->key, e->klen) == 0,
                   "anykey: group page %llu offset %u holds another entity",
                   (unsigned long long)ppa, e->off);
    uint8_t flags = hdr[5];
    if (flags & AK_F_TOMBSTONE)
        return KV_NOT_FOUND;
    *vlen = nvkv_get_le32(hdr + 6);
    if (!want_value)
        return KV_OK;
    if (flags & AK_F_LOGGED) {
        rc = nand_copy_out(nand, ppa, e->off + n, AK_PTR_BYTES, hdr + n);
        NVKV_CHECK(rc == 0);
        uint64_t vppa = nvkv_get_le32(hdr + n);
        uint16_t voff = (uint16_t)nvkv_get_le16(hdr + n + 4);
        const uint8_t *k, *v;
        uint32_t kl, vl;
        kv_cost_sync(ak->base.env.cpu, c);
        rc = ak_vlog_read(&ak->vlog, c->plan, c->prio, NAND_ORIGIN_HOST, true, vppa, voff, &k, &kl,
                          &v, &vl);
        NVKV_CHECK_MSG(rc >= 0 && kl == e->klen && memcmp(k, e->key, kl) == 0 && vl == *vlen,
                       "anykey: value-log pointer of a group entity leads to another entry");
        if (c->plan != NULL && rc > 0)
            sim_plan_barrier(c->plan);
        c->reads += (uint32_t)rc;
        if (buf_len > 0)
            memcpy(buf, v, min_u32(vl, buf_len));
        return KV_OK;
    }
    if (buf_len > 0 && *vlen > 0) {
        rc = nand_copy_out(nand, ppa, e->off + n, min_u32(*vlen, buf_len), buf);
        NVKV_CHECK(rc == 0);
    }
    return KV_OK;
}

/* GET without statistics (shared by GET, EXIST and the iterator). */
static enum kv_status
lookup(struct anykey *ak, struct sim_plan *plan, enum sim_prio prio, const void *key, uint32_t klen,
       bool want_value, void *buf, uint32_t buf_len, uint32_t *vlen, uint32_t *reads)
{
    struct kv_cost c = {plan, prio, dev_cpu_hash_ns(ak->base.env.cpu, klen), 0};
    enum kv_status s = KV_NOT_FOUND;
    const struct kv_mem_entry *m = kv_membuf_find(&ak->mem, key, klen);
    if (m != NULL) {
        if (!(m->flags & AK_F_TOMBSTONE)) {
            *vlen = m->vlen;
            if (buf_len > 0)
                memcpy(buf, kv_mem_value(m), min_u32(m->vlen, buf_len));
            s = KV_OK;
        }
    } else {
        const struct ak_group *g = NULL;
        const struct ak_entity *e = lsm_lookup(ak, &c, key, klen, nvkv_xxh32(key, klen, 0), &g);
        if (e != NULL)
            s = read_entity(ak, &c, g, e, want_value, buf, buf_len, vlen);
    }
    kv_cost_sync(ak->base.env.cpu, &c);
    *reads += c.reads;
    return s;
}

/* ---- writes ---- */

/* AnyKey's parts of the background work the time model orders (kv_bg_flush_buffer). */
static int
flush_part(struct kv_engine *e, struct sim_plan *flush, struct sim_plan *work)
{
    return ak_flush(as_ak(e), flush, work);
}

static int
gc_part(struct kv_engine *e, struct sim_plan *bg, bool urgent)
{
    return ak_gc(as_ak(e), bg, urgent);
}

/* The newest version of a key, uncharged (capacity accounting). */
static bool
current_version(struct anykey *ak, const void *key, uint32_t klen, uint32_t *vlen)
{
    const struct kv_mem_entry *m = kv_membuf_find(&ak->mem, key, klen);
    if (m != NULL) {
        *vlen = m->vlen;
        return !(m->flags & AK_F_TOMBSTONE);
    }
    uint32_t level;
    struct ak_group *g;
    int64_t idx;
    if (!ak_find(ak, key, klen, &level, &g, &idx) || (g->e[idx].flags & AK_F_TOMBSTONE))
        return false;
    *vlen = g->e[idx].vlen;
    return true;
}

static enum kv_status
do_write(struct anykey *ak, struct sim_plan *plan, const void *key, uint32_t klen,
         const void *value, uint32_t vlen, uint8_t flags)
{
    /* as PinK: a PUT of a key not buffered counts as new; the flush corrects it */
    const struct kv_mem_entry *m = kv_membuf_find(&ak->mem, key, klen);
    bool present = false, assumed_new = false;
    uint32_t cur_vlen = 0;
    if (m != NULL) {
        assumed_new = m->assumed_new;
        present = !(m->flags & AK_F_TOMBSTONE);
        cur_vlen = m->vlen;
    } else if (flags & AK_F_TOMBSTONE) {
        present = current_version(ak, key, klen, &cur_vlen);
    } else {
        assumed_new = true;
    }
    uint64_t need = (flags & AK_F_TOMBSTONE) ? 0 : ak_need(ak, klen, vlen);
    uint64_t cur = present ? ak_need(ak, klen, cur_vlen) : 0;
    if (need > cur && ak->live_need + need - cur > ak->base.env.exposed_bytes)
        return KV_NO_SPACE;
    /* full in practice: GC lately wrote more than gc_cost_limit pages for each page it freed
     * (stale versions and log blocks held by values compaction has not reached yet); more
     * data would only raise that, so new data waits for deletes and compactions */
    if (need > cur && ak->gc_copied_win > ak->gc_freed_win * ak->p->gc_cost_limit &&
        ak->gc_copied_win > 4ull * ak->np->pages_per_block)
        return KV_NO_SPACE;
    /* physical headroom: stale versions and value-log blocks still referenced can fill the
     * flash before the logical capacity; new data is refused while a flush with its
     * compactions might not find the blocks it needs */
    /* a tombstone is small and is what frees room: only the hard floor holds it back */
    uint64_t floor = (flags & AK_F_TOMBSTONE) ? ak->write_reserve / 2 : ak->write_reserve;
    if (ftl_free_blocks(ak->base.env.alloc) <= floor) {
        /* after a GC that could not make room, wait for the next flush to change something
         * (or for 256 refusals): retrying at every refused PUT would only move the same
         * groups back and forth */
        if (!ak->gc_futile || ++ak->refusals % 256 == 0) {
            kv_bg_make_room(&ak->bg, &ak->base, plan, gc_part, true);
            ak->gc_futile = ftl_free_blocks(ak->base.env.alloc) <= floor;
        }
        if (ftl_free_blocks(ak->base.env.alloc) <= floor)
            return KV_NO_SPACE;
    }
    ak->live_need = ak->live_need + need - cur;
    if (present) {
        ak->st.live_keys--;
        ak->st.live_bytes -= klen + cur_vlen;
    }
    if (!(flags & AK_F_TOMBSTONE)) {
        ak->st.live_keys++;
        ak->st.live_bytes += klen + vlen;
    }
    kv_bg_gate(&ak->bg, plan);
    if (!kv_bg_kvemu(&ak->bg))
        dev_cpu_charge(ak->base.env.cpu, plan, SIM_PRIO_FG_WRITE,
                       dev_cpu_hash_ns(ak->base.env.cpu, klen));
    kv_membuf_put(&ak->mem, key, klen, value, vlen, flags, assumed_new);
    if (ak->mem.bytes >= ak->base.env.params->write_buffer_bytes)
        kv_bg_flush_buffer(&ak->bg, &ak->base, plan, flush_part, gc_part);
    return KV_OK;
}

static uint32_t
ak_max_value(struct kv_engine *e, uint32_t klen)
{
    return ak_vlog_max_value(&as_ak(e)->vlog, klen);
}

static bool
charged_exists(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen,
               enum sim_prio prio)
{
    uint32_t vlen = 0, reads = 0;
    return lookup(as_ak(e), plan, prio, key, klen, false, NULL, 0, &vlen, &reads) == KV_OK;
}

static enum kv_status
front_write(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen,
            const void *value, uint32_t vlen, bool tombstone)
{
    return do_write(as_ak(e), plan, key, klen, value, vlen, tombstone ? AK_F_TOMBSTONE : 0);
}

static struct kv_front
front_of(struct anykey *ak)
{
    return (struct kv_front){charged_exists, front_write, &ak->st};
}

static enum kv_status
ak_put(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen,
       const void *value, uint32_t vlen, uint32_t options)
{
    struct kv_front f = front_of(as_ak(e));
    return kv_front_put(&f, e, plan, key, klen, value, vlen, options);
}

static enum kv_status
ak_del(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen)
{
    struct kv_front f = front_of(as_ak(e));
    return kv_front_del(&f, e, plan, key, klen);
}

static enum kv_status
ak_exist(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen)
{
    struct kv_front f = front_of(as_ak(e));
    return kv_front_exist(&f, e, plan, key, klen);
}

static enum kv_status
ak_get(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen, void *buf,
       uint32_t buf_len, uint32_t *vlen)
{
    struct anykey *ak = as_ak(e);
    if (kv_check_key(klen) != KV_OK)
        return KV_INVALID_KEY;
    uint32_t reads = 0;
    enum kv_status s =
        lookup(ak, plan, SIM_PRIO_FG_READ, key, klen, true, buf, buf_len, vlen, &reads);
    ak->st.gets++;
    if (s == KV_OK)
        ak->st.get_hits++;
    nvkv_hist_add(&ak->st.flash_reads_per_get, reads);
    return s;
}

/* ---- iterator: merged over the buffer and every level, newest version decides ---- */

struct kv_iter {
    struct anykey *ak;
    uint8_t key[KV_KEY_MAX];
    uint32_t klen;
    bool have_pos, returned;
    uint8_t *value;
    uint32_t value_cap;
    uint8_t out_key[KV_KEY_MAX];
    struct kv_membuf_view mem_view;                   /* the write buffer in key order */
    const struct ak_group *table_read[AK_MAX_LEVELS]; /* group whose key table was last read */
};

static int
ak_iter_create(struct kv_engine *e, struct kv_iter **out)
{
    struct kv_iter *it = calloc(1, sizeof(*it));
    if (it == NULL)
        return -ENOMEM;
    it->ak = as_ak(e);
    *out = it;
    return 0;
}

static void
ak_iter_destroy(struct kv_iter *it)
{
    if (it == NULL)
        return;
    free(it->value);
    kv_membuf_view_free(&it->mem_view);
    free(it);
}

static enum kv_status
ak_iter_seek(struct kv_iter *it, struct sim_plan *plan, const void *key, uint32_t klen)
{
    (void)plan;
    if (klen > KV_KEY_MAX)
        return KV_INVALID_KEY;
    memcpy(it->key, key, klen);
    it->klen = klen;
    it->have_pos = true;
    it->returned = false;
    memset(it->table_read, 0, sizeof(it->table_read));
    return KV_OK;
}

/* First entity of level l at or after the position (after, when !inclusive). */
static const struct ak_entity *
level_next(const struct ak_level *l, const uint8_t *pos, uint32_t plen, bool inclusive,
           const struct ak_group **gout)
{
    int64_t gi = ak_level_group_of(l, pos, plen);
    for (uint32_t g = gi < 0 ? 0 : (uint32_t)gi; g < l->ng; g++) {
        const struct ak_group *x = l->g[g];
        uint32_t lo = 0, hi = x->n;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            int c = kv_key_cmp(x->e[mid].key, x->e[mid].klen, pos, plen);
            if (c < 0 || (c == 0 && !inclusive))
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < x->n) {
            *gout = x;
            return &x->e[lo];
        }
    }
    return NULL;
}

static bool
next_candidate(struct kv_iter *it, struct sim_plan *plan, bool inclusive, uint32_t *olen)
{
    struct anykey *ak = it->ak;
    bool found = false;
    const struct kv_mem_entry *m =
        kv_membuf_view_next(&it->mem_view, &ak->mem, it->key, it->klen, inclusive);
    if (m != NULL) {
        memcpy(it->out_key, m->key, m->klen);
        *olen = m->klen;
        found = true;
    }
    for (uint32_t l = 0; l < ak->nlevels; l++) {
        const struct ak_group *g = NULL;
        const struct ak_entity *e = level_next(&ak->lv[l], it->key, it->klen, inclusive, &g);
        if (e == NULL)
            continue;
        if (g != it->table_read[l]) {
            /* entering a group: its key-order table (first page) locates the entities */
            struct kv_cost c = {plan, SIM_PRIO_FG_READ, 0, 0};
            read_page(ak, &c, g->ppas[0], NAND_ORIGIN_HOST);
            it->table_read[l] = g;
        }
        if (!found || kv_key_cmp(e->key, e->klen, it->out_key, *olen) < 0) {
            memcpy(it->out_key, e->key, e->klen);
            *olen = e->klen;
            found = true;
        }
    }
    return found;
}

static enum kv_status
ak_iter_next(struct kv_iter *it, struct sim_plan *plan, const void **key, uint32_t *klen,
             const void **value, uint32_t *vlen)
{
    struct anykey *ak = it->ak;
    if (!it->have_pos)
        return KV_END;
    if (it->value == NULL) {
        it->value_cap = ak_max_value(&ak->base, KV_KEY_MIN);
        it->value = malloc(it->value_cap);
        NVKV_CHECK(it->value != NULL);
    }
    for (;;) {
        uint32_t olen = 0;
        if (!next_candidate(it, plan, !it->returned, &olen)) {
            it->have_pos = false;
            return KV_END;
        }
        memcpy(it->key, it->out_key, olen);
        it->klen = olen;
        it->returned = true;
        uint32_t len = 0, reads = 0;
        enum kv_status s = lookup(ak, plan, SIM_PRIO_FG_READ, it->key, olen, true, it->value,
                                  it->value_cap, &len, &reads);
        if (s != KV_OK)
            continue; /* the newest version is a tombstone */
        NVKV_CHECK(len <= it->value_cap);
        ak->st.iter_nexts++;
        *key = it->key;
        *klen = olen;
        *value = it->value;
        *vlen = len;
        return KV_OK;
    }
}

/* ---- lifecycle and stats ---- */

static void
ak_background(struct kv_engine *e)
{
    (void)e; /* compaction and GC run with each flush */
}

static const struct kv_stats *
ak_stats(struct kv_engine *e)
{
    struct anykey *ak = as_ak(e);
    uint64_t list_flash = 0;
    for (uint32_t i = 0; i < ak->nlevels; i++)
        if (!ak->lv[i].list_in_dram)
            list_flash += ak->lv[i].list_bytes;
    ak->st.metadata_flash_bytes[DEV_DRAM_LEVEL_LISTS] = list_flash;
    /* buffered PUTs counted as new keys until their flush: settle them for the report */
    ak->st_view = ak->st;
    for (uint64_t i = 0; i < ak->mem.nslots; i++) {
        const struct kv_mem_entry *m = &ak->mem.slots[i];
        uint32_t level;
        struct ak_group *g;
        int64_t idx;
        if (m->key == NULL || !m->assumed_new || !ak_find(ak, m->key, m->klen, &level, &g, &idx))
            continue;
        const struct ak_entity *old = &g->e[idx];
        if (old->flags & AK_F_TOMBSTONE)
            continue;
        ak->st_view.live_keys--;
        ak->st_view.live_bytes -= old->klen + old->vlen;
    }
    return &ak->st_view;
}

static void
ak_write_json(struct kv_engine *e, struct nvkv_json *j)
{
    struct anykey *ak = as_ak(e);
    nvkv_json_double(j, "size_ratio", ak->size_ratio);
    nvkv_json_u64(j, "group_pages", ak->group_pages);
    nvkv_json_u64(j, "write_buffer_outside_budget_bytes", ak->write_buffer_outside_budget);
    nvkv_json_u64(j, "tree_compactions", ak->tree_compactions);
    nvkv_json_u64(j, "tree_compactions_deferred", ak->tree_compactions_deferred);
    nvkv_json_u64(j, "log_compactions", ak->log_compactions);
    nvkv_json_u64(j, "log_compactions_deferred", ak->log_compactions_deferred);
    nvkv_json_u64(j, "compaction_chains", ak->compaction_chains);
    nvkv_json_u64(j, "values_inlined", ak->values_inlined);
    nvkv_json_u64(j, "values_relogged", ak->values_relogged);
    nvkv_json_u64(j, "relogs_deferred", ak->relogs_deferred);
    nvkv_json_u64(j, "log_bytes_fetched", ak->log_bytes_fetched);
    nvkv_json_u64(j, "groups_written", ak->groups_written);
    nvkv_json_u64(j, "group_pages_written", ak->group_pages_written);
    nvkv_json_u64(j, "compaction_page_reads", ak->compaction_page_reads);
    nvkv_json_u64(j, "group_gcs", ak->group_gcs);
    nvkv_json_double(j, "gc_recent_cost",
                     ak->gc_freed_win ? (double)ak->gc_copied_win / (double)ak->gc_freed_win : 0.0);
    nvkv_json_u64(j, "groups_relocated", ak->groups_relocated);
    nvkv_json_u64(j, "vlog_blocks", ftl_stream_blocks(ak->base.env.alloc, ak->vlog_stream));
    nvkv_json_u64(j, "vlog_pages_in_use", ak->vlog.pages_in_use);
    nvkv_json_u64(j, "vlog_limit_blocks", ak->vlog_limit_blocks);
    nvkv_json_u64(j, "vlog_blocks_reclaimed", ak->vlog_blocks_reclaimed);
    nvkv_json_u64(j, "vlog_pages_written", ak->vlog.pages_programmed);
    nvkv_json_u64(j, "vlog_gcs", ak->vlog_gcs);
    nvkv_json_u64(j, "vlog_gc_groups_rewritten", ak->vlog_gc_groups_rewritten);
    nvkv_json_u64(j, "neighbour_page_reads", ak->neighbour_reads);
    nvkv_json_u64(j, "hash_list_skips", ak->hash_list_skips);
    nvkv_json_u64(j, "level_list_flash_reads", ak->level_list_reads);
    nvkv_json_array(j, "levels");
    for (uint32_t i = 0; i < ak->nlevels; i++) {
        const struct ak_level *l = &ak->lv[i];
        uint64_t entities = 0, hl = 0, logged = 0, stale = 0;
        for (uint32_t g = 0; g < l->ng; g++) {
            entities += l->g[g]->n;
            hl += l->g[g]->hl_in_dram;
            logged += l->g[g]->logged_bytes;
            stale += l->g[g]->stale_bytes;
        }
        nvkv_json_object(j, NULL);
        nvkv_json_u64(j, "groups", l->ng);
        nvkv_json_u64(j, "entities", entities);
        nvkv_json_u64(j, "capacity_groups", l->cap_groups == UINT64_MAX ? 0 : l->cap_groups);
        nvkv_json_u64(j, "level_list_bytes", l->list_bytes);
        nvkv_json_bool(j, "level_list_in_dram", l->list_in_dram);
        nvkv_json_u64(j, "hash_lists_in_dram", hl);
        nvkv_json_u64(j, "logged_value_bytes", logged);
        nvkv_json_u64(j, "invalid_logged_value_bytes", stale);
        nvkv_json_close(j);
    }
    nvkv_json_close(j);
}

static void
ak_destroy(struct kv_engine *e)
{
    struct anykey *ak = as_ak(e);
    if (ak == NULL)
        return;
    kv_membuf_free(&ak->mem);
    kv_bg_free(&ak->bg);
    for (uint32_t i = 0; i < ak->nlevels; i++)
        ak_free_level(&ak->lv[i]);
    ak_vlog_free(&ak->vlog);
    free(ak->owner);
    free(ak->gbuf);
    free(ak);
}

static uint32_t
clamp_u32(uint64_t v, uint32_t lo, uint32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : (uint32_t)v);
}

static int
create(const struct kv_env *env, bool plus, struct kv_engine **out)
{
    const struct nand_params *np = nand_params(env->nand);
    if (np->page_bytes > UINT16_MAX + 1u || nand_total_pages(np) >= UINT32_MAX)
        return -EINVAL; /* entity offsets are 16-bit and value-log pointers 32-bit */
    struct anykey *ak = calloc(1, sizeof(*ak));
    if (ak == NULL)
        return -ENOMEM;
    int rc = 0;
    uint64_t blocks = ftl_total_blocks(env->alloc);
    uint64_t block_bytes = (uint64_t)np->pages_per_block * np->page_bytes;
    ak->base.env = *env;
    ak->np = np;
    ak->p = &env->params->anykey;
    ak->plus = plus;
    ak->nlevels = ak->p->levels;
    kv_bg_init(&ak->bg, env->sim, env->params);
    ak->last_log_dest = -1;
    ak->vlog_gc_block = FTL_NO_BLOCK;
    NVKV_CHECK(ak->nlevels >= 2 && ak->nlevels <= AK_MAX_LEVELS);
    /* a group never takes more than a quarter of a block, so runs pack blocks with little
     * padding (32 of 256 pages on the paper's device) */
    ak->group_pages =
        clamp_u32(ak->p->group_pages, 1, np->pages_per_block / 4 ? np->pages_per_block / 4 : 1);
    if (ak->group_pages > 255)
        ak->group_pages = 255;
    nvkv_hist_init(&ak->st.flash_reads_per_get);
    ak->owner = calloc(nand_total_pages(np), sizeof(*ak->owner));
    ak->gbuf = malloc((size_t)ak->group_pages * np->page_bytes);
    if (kv_membuf_init(&ak->mem) != 0 || ak->owner == NULL || ak->gbuf == NULL) {
        rc = -ENOMEM;
        goto err;
    }
    ak->vlog_limit_blocks = (uint64_t)((double)blocks * ak->p->vlog_pct / 100.0);
    if (ak->vlog_limit_blocks < 2)
        ak->vlog_limit_blocks = 2;
    ak->group_stream = ftl_stream_create(env->alloc, "anykey-groups");
    ak->gc_stream = ftl_stream_create(env->alloc, "anykey-groups-gc");
    ak->vlog_stream = ftl_stream_create(env->alloc, "anykey-vlog");
    ftl_stream_set_width(env->alloc, ak->gc_stream, np->channels);
    /* group_placement=block: a block holds neighbouring groups of one compaction, which later
     * die together (the paper's reason that most group victims need no copy, 4.2.4.4), at the
     * price of writing a compaction's groups a few dies at a time; spread (the default) writes
     * them die after die in parallel, as KVEMU's write pointer does */
    if (ak->p->group_fill_block) {
        ftl_stream_set_block_first(env->alloc, ak->group_stream, true);
        ftl_stream_set_block_first(env->alloc, ak->gc_stream, true);
    }
    /* the log writes (and compaction reads it) on as many dies as its share has blocks */
    ftl_stream_set_width(env->alloc, ak->vlog_stream,
                         clamp_u32(ak->vlog_limit_blocks, 1, nand_dies(np)));
    NVKV_ERR(ak_vlog_init(&ak->vlog, &ak->base.env, ak->vlog_stream));
    if (!dev_dram_try_charge(env->dram, DEV_DRAM_WRITE_BUFFER, 2 * env->params->write_buffer_bytes))
        ak->write_buffer_outside_budget = 2 * env->params->write_buffer_bytes;
    ak->gc_threshold = kv_gc_threshold(env);
    /* a flush needs the log blocks of two write buffers and a group run or two in flight */
    ak->write_reserve = ak->gc_threshold / 2 + 1 +
                        (2 * env->params->write_buffer_bytes + block_bytes - 1) / block_bytes;
    ftl_set_reserve(env->alloc, 1);
    ak->pack_num = (uint64_t)ak->group_pages * (np->page_bytes - AK_PAGE_FOOTER);
    ak->pack_den = ak_group_budget(ak);
    ak_set_level_caps(ak);
    ak_recompute_residency(ak);
    ak->base.ops = plus ? &kv_anykey_plus_ops : &kv_anykey_ops;
    *out = &ak->base;
    return 0;
err:
    ak_destroy(&ak->base);
    return rc;
}

static int
ak_create(const struct kv_env *env, struct kv_engine **out)
{
    return create(env, false, out);
}

static int
akp_create(const struct kv_env *env, struct kv_engine **out)
{
    return create(env, true, out);
}

#define ANYKEY_OPS_COMMON                                                                      \
    .destroy = ak_destroy, .put = ak_put, .get = ak_get, .del = ak_del, .exist = ak_exist,     \
    .iter_create = ak_iter_create, .iter_destroy = ak_iter_destroy, .iter_seek = ak_iter_seek, \
    .iter_next = ak_iter_next, .background = ak_background, .stats = ak_stats,                 \
    .write_json = ak_write_json, .max_value = ak_max_value

const struct kv_engine_ops kv_anykey_ops = {
    .name = "anykey",
    .description = "AnyKey (ASPLOS'25): hash-sorted data segment groups, hash lists, value log",
    .create = ak_create,
    ANYKEY_OPS_COMMON,
};

const struct kv_engine_ops kv_anykey_plus_ops = {
    .name = "anykey+",
    .description = "AnyKey+ (ASPLOS'25): AnyKey with log-triggered compaction that avoids chains",
    .create = akp_create,
    ANYKEY_OPS_COMMON,
};
