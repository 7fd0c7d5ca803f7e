/* SPDX-License-Identifier: MIT */
/*
 * PinK: the engine operations, the write buffer and the read path. Levels, compaction and DRAM
 * residency are in pink_lsm.c; GC in pink_gc.c. See pink_internal.h for the design.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/check.h"
#include "../../base/err.h"
#include "../lsmkit.h"
#include "pink_internal.h"

static struct pink *
as_pink(struct kv_engine *e)
{
    return (struct pink *)e;
}

/* ---- lookups ---- */

/* What a key currently is, without charging anything (for stats and capacity). */
struct current {
    bool present;
    uint32_t vlen;
    uint64_t held; /* flash bytes its record holds (0: none yet, or none left) */
};

static struct current
current_version(struct pink *pk, const void *key, uint32_t klen)
{
    struct current c = {false, 0, 0};
    const struct kv_mem_entry *m = kv_membuf_find(&pk->mem, key, klen);
    if (m != NULL) {
        if (!(m->flags & PINK_F_TOMBSTONE))
            c = (struct current){true, m->vlen, pink__record_bytes(pk, klen, m->vlen)};
        return c;
    }
    uint32_t level;
    uint64_t idx;
    if (pink__find(pk, key, klen, &level, &idx)) {
        const struct pink_entry *e = &pk->lv[level].e[idx];
        if (!(e->flags & PINK_F_TOMBSTONE))
            c = (struct current){true, e->vlen,
                                 e->loc.pieces ? pink__record_bytes(pk, e->klen, e->vlen) : 0};
    }
    return c;
}

/* ---- engine operations ---- */

/* PinK's parts of the background work the time model orders (kv_bg_flush_buffer). */
static int
flush_part(struct kv_engine *e, struct sim_plan *flush, struct sim_plan *work)
{
    return pink__flush(as_pink(e), flush, work);
}

static int
gc_part(struct kv_engine *e, struct sim_plan *bg, bool urgent)
{
    return pink__gc(as_pink(e), bg, urgent);
}

static enum kv_status
do_write(struct pink *pk, struct sim_plan *plan, const void *key, uint32_t klen, const void *value,
         uint32_t vlen, uint8_t flags)
{
    /*
     * The version being replaced: exact when it is buffered; a delete searches the levels (it
     * had to find the key anyway); a PUT of a key not buffered counts as a new key and the
     * flush corrects the counts when it meets an older version (supersede), which keeps the
     * level search off the PUT path.
     */
    const struct kv_mem_entry *m = kv_membuf_find(&pk->mem, key, klen);
    struct current cur = {false, 0, 0};
    bool assumed_new = false;
    if (m != NULL) {
        assumed_new = m->assumed_new;
        if (!(m->flags & PINK_F_TOMBSTONE))
            cur = (struct current){true, m->vlen, pink__record_bytes(pk, klen, m->vlen)};
    } else if (flags & PINK_F_TOMBSTONE) {
        cur = current_version(pk, key, klen);
    } else {
        assumed_new = true;
    }
    uint64_t held = flags & PINK_F_TOMBSTONE ? 0 : pink__record_bytes(pk, klen, vlen);
    if (held > cur.held && pk->live_held + held - cur.held > pk->base.env.exposed_bytes)
        return KV_NO_SPACE;
    /* Physical headroom: padding inside pages and metadata on flash can exhaust blocks before
     * the logical capacity; below half the GC reserve, new data is refused so that buffered
     * data, compaction output and GC relocations always find a block. */
    if (pink__free_blocks(pk) <= pk->gc_threshold / 2) {
        kv_bg_make_room(&pk->bg, &pk->base, plan, gc_part, false);
        if (pink__free_blocks(pk) <= pk->gc_threshold / 2)
            return KV_NO_SPACE;
    }
    pk->live_held = pk->live_held + held - cur.held;
    if (cur.present) {
        pk->st.live_keys--;
        pk->st.live_bytes -= klen + cur.vlen;
    }
    if (!(flags & PINK_F_TOMBSTONE)) {
        pk->st.live_keys++;
        pk->st.live_bytes += klen + vlen;
    }
    kv_bg_gate(&pk->bg, plan);
    if (!kv_bg_kvemu(&pk->bg))
        dev_cpu_charge(pk->base.env.cpu, plan, SIM_PRIO_FG_WRITE,
                       dev_cpu_hash_ns(pk->base.env.cpu, klen));
    kv_membuf_put(&pk->mem, key, klen, value, vlen, flags, assumed_new);
    if (pk->mem.bytes >= pk->base.env.params->write_buffer_bytes)
        kv_bg_flush_buffer(&pk->bg, &pk->base, plan, flush_part, gc_part);
    return KV_OK;
}

static uint32_t
pink_max_value(struct kv_engine *e, uint32_t klen)
{
    return pink__data_max_value(as_pink(e), klen);
}

/* Does the key exist, charging what a device pays to find out (no data read). */
static bool
charged_exists(struct kv_engine *eng, struct sim_plan *plan, const void *key, uint32_t klen,
               enum sim_prio prio)
{
    struct pink *pk = as_pink(eng);
    struct kv_cost c = {plan, prio, dev_cpu_hash_ns(pk->base.env.cpu, klen), 0};
    const struct kv_mem_entry *m = kv_membuf_find(&pk->mem, key, klen);
    bool exists;
    if (m != NULL) {
        exists = !(m->flags & PINK_F_TOMBSTONE);
    } else {
        const struct pink_entry *e = pink__lookup(pk, &c, key, klen, NULL);
        exists = e != NULL && !(e->flags & PINK_F_TOMBSTONE);
    }
    kv_cost_sync(pk->base.env.cpu, &c);
    return exists;
}

static enum kv_status
front_write(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen,
            const void *value, uint32_t vlen, bool tombstone)
{
    return do_write(as_pink(e), plan, key, klen, value, vlen, tombstone ? PINK_F_TOMBSTONE : 0);
}

static struct kv_front
front_of(struct pink *pk)
{
    return (struct kv_front){charged_exists, front_write, &pk->st};
}

static enum kv_status
pink_put(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen,
         const void *value, uint32_t vlen, uint32_t options)
{
    struct kv_front f = front_of(as_pink(e));
    return kv_front_put(&f, e, plan, key, klen, value, vlen, options);
}

static enum kv_status
pink_del(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen)
{
    struct kv_front f = front_of(as_pink(e));
    return kv_front_del(&f, e, plan, key, klen);
}

static enum kv_status
pink_exist(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen)
{
    struct kv_front f = front_of(as_pink(e));
    return kv_front_exist(&f, e, plan, key, klen);
}

/* Read a record's value into buf; returns the flash pages read. */
static uint32_t
read_value(struct pink *pk, struct sim_plan *plan, const struct pink_entry *en, enum sim_prio prio,
           void *buf, uint32_t buf_len, uint32_t *vlen)
{
    struct kv_record rec;
    int pages = pink__data_read(pk, plan, prio, &en->loc, &rec);
    NVKV_CHECK(pages >= 0);
    NVKV_CHECK_MSG(kv_key_cmp(rec.key, rec.klen, en->key, en->klen) == 0,
                   "pink: record at ppa %llu piece %u holds another key",
                   (unsigned long long)en->loc.ppa, en->loc.piece);
    *vlen = rec.vlen;
    if (buf_len > 0)
        memcpy(buf, rec.value, rec.vlen < buf_len ? rec.vlen : buf_len);
    if (plan != NULL)
        sim_plan_barrier(plan);
    return (uint32_t)pages;
}

/* The GET path without statistics (shared by GET and the iterator). */
static enum kv_status
lookup_value(struct pink *pk, struct sim_plan *plan, const void *key, uint32_t klen, void *buf,
             uint32_t buf_len, uint32_t *vlen, uint32_t *reads)
{
    struct kv_cost c = {plan, SIM_PRIO_FG_READ, dev_cpu_hash_ns(pk->base.env.cpu, klen), 0};
    enum kv_status s = KV_NOT_FOUND;
    const struct kv_mem_entry *m = kv_membuf_find(&pk->mem, key, klen);
    if (m != NULL) {
        if (!(m->flags & PINK_F_TOMBSTONE)) {
            *vlen = m->vlen;
            if (buf_len > 0)
                memcpy(buf, kv_mem_value(m), m->vlen < buf_len ? m->vlen : buf_len);
            s = KV_OK;
        }
    } else {
        const struct pink_entry *en = pink__lookup(pk, &c, key, klen, NULL);
        if (en != NULL && !(en->flags & PINK_F_TOMBSTONE)) {
            kv_cost_sync(pk->base.env.cpu, &c);
            c.reads += read_value(pk, plan, en, SIM_PRIO_FG_READ, buf, buf_len, vlen);
            s = KV_OK;
        }
    }
    kv_cost_sync(pk->base.env.cpu, &c);
    *reads += c.reads;
    return s;
}

static enum kv_status
pink_get(struct kv_engine *e, struct sim_plan *plan, const void *key, uint32_t klen, void *buf,
         uint32_t buf_len, uint32_t *vlen)
{
    struct pink *pk = as_pink(e);
    if (kv_check_key(klen) != KV_OK)
        return KV_INVALID_KEY;
    uint32_t reads = 0;
    enum kv_status s = lookup_value(pk, plan, key, klen, buf, buf_len, vlen, &reads);
    pk->st.gets++;
    if (s == KV_OK)
        pk->st.get_hits++;
    nvkv_hist_add(&pk->st.flash_reads_per_get, reads);
    return s;
}

/* ---- iterator: a merged, newest-wins walk that re-checks each key at next() ---- */

struct kv_iter {
    struct pink *pk;
    uint8_t key[KV_KEY_MAX];
    uint32_t klen;
    bool have_pos; /* key holds the last key returned (or the seek key when !returned) */
    bool returned;
    uint8_t *value;
    uint32_t value_cap;
    uint8_t out_key[KV_KEY_MAX];
    struct kv_membuf_view mem_view; /* the write buffer in key order */
};

static int
pink_iter_create(struct kv_engine *e, struct kv_iter **out)
{
    struct kv_iter *it = calloc(1, sizeof(*it));
    if (it == NULL)
        return -ENOMEM;
    it->pk = as_pink(e);
    *out = it;
    return 0;
}

static void
pink_iter_destroy(struct kv_iter *it)
{
    if (it == NULL)
        return;
    free(it->value);
    kv_membuf_view_free(&it->mem_view);
    free(it);
}

static enum kv_status
pink_iter_seek(struct kv_iter *it, struct sim_plan *plan, const void *key, uint32_t klen)
{
    (void)plan;
    if (klen > KV_KEY_MAX)
        return KV_INVALID_KEY;
    memcpy(it->key, key, klen);
    it->klen = klen;
    it->have_pos = true;
    it->returned = false;
    return KV_OK;
}

/* Smallest key > (or >= when inclusive) the position, over the buffer and every level. */
static bool
next_candidate(struct kv_iter *it, const uint8_t *pos, uint32_t plen, bool inclusive, uint8_t *out,
               uint32_t *olen)
{
    struct pink *pk = it->pk;
    bool found = false;
    const struct kv_mem_entry *m =
        kv_membuf_view_next(&it->mem_view, &pk->mem, pos, plen, inclusive);
    if (m != NULL) {
        memcpy(out, m->key, m->klen);
        *olen = m->klen;
        found = true;
    }
    for (uint32_t l = 0; l < pk->nlevels; l++) {
        const struct pink_level *lv = &pk->lv[l];
        uint64_t idx = (uint64_t)pink__level_lower_bound(lv, pos, plen);
        if (idx < lv->n && !inclusive &&
            kv_key_cmp(lv->e[idx].key, lv->e[idx].klen, pos, plen) == 0)
            idx++;
        if (idx < lv->n &&
            (!found || kv_key_cmp(lv->e[idx].key, lv->e[idx].klen, out, *olen) < 0)) {
            memcpy(out, lv->e[idx].key, lv->e[idx].klen);
            *olen = lv->e[idx].klen;
            found = true;
        }
    }
    return found;
}

static enum kv_status
pink_iter_next(struct kv_iter *it, struct sim_plan *plan, const void **key, uint32_t *klen,
               const void **value, uint32_t *vlen)
{
    struct pink *pk = it->pk;
    if (!it->have_pos)
        return KV_END;
    for (;;) {
        uint32_t olen = 0;
        if (!next_candidate(it, it->key, it->klen, !it->returned, it->out_key, &olen)) {
            it->have_pos = false;
            return KV_END;
        }
        memcpy(it->key, it->out_key, olen);
        it->klen = olen;
        it->returned = true;
        /* the newest version decides: a tombstone hides the key */
        uint32_t len = 0, reads = 0;
        if (it->value == NULL) {
            /* room for the largest value, so each value is read from flash once */
            it->value_cap = pink_max_value(&pk->base, KV_KEY_MIN);
            it->value = malloc(it->value_cap);
            NVKV_CHECK(it->value != NULL);
        }
        uint32_t cap = it->value_cap;
        enum kv_status s = lookup_value(pk, plan, it->key, olen, it->value, cap, &len, &reads);
        if (s != KV_OK)
            continue;
        if (len > cap) {
            uint8_t *grown = realloc(it->value, len);
            NVKV_CHECK(grown != NULL);
            it->value = grown;
            it->value_cap = len;
            /* the bytes were already paid for; copy them again untimed */
            s = lookup_value(pk, NULL, it->key, olen, it->value, len, &len, &reads);
            NVKV_CHECK(s == KV_OK);
        }
        pk->st.iter_nexts++;
        *key = it->key;
        *klen = olen;
        *value = it->value;
        *vlen = len;
        return KV_OK;
    }
}

/* ---- lifecycle and stats ---- */

static void
pink_background(struct kv_engine *e)
{
    (void)e; /* GC runs with each flush; an idle device has nothing left to do */
}

static const struct kv_stats *
pink_stats(struct kv_engine *e)
{
    struct pink *pk = as_pink(e);
    uint64_t seg_flash = 0, list_flash = 0;
    for (uint32_t i = 0; i < pk->nlevels; i++) {
        const struct pink_level *l = &pk->lv[i];
        for (uint32_t s = 0; s < l->nsegs; s++)
            if (!l->segs[s].in_dram)
                seg_flash += pk->np->page_bytes;
        if (!l->list_in_dram)
            list_flash += l->list_bytes;
    }
    pk->st.metadata_flash_bytes[DEV_DRAM_META_SEGMENTS] = seg_flash;
    pk->st.metadata_flash_bytes[DEV_DRAM_LEVEL_LISTS] = list_flash;
    /* buffered PUTs counted as new keys until their flush: settle them for the report */
    pk->st_view = pk->st;
    for (uint64_t i = 0; i < pk->mem.nslots; i++) {
        const struct kv_mem_entry *m = &pk->mem.slots[i];
        uint32_t level;
        uint64_t idx;
        if (m->key == NULL || !m->assumed_new || !pink__find(pk, m->key, m->klen, &level, &idx))
            continue;
        const struct pink_entry *old = &pk->lv[level].e[idx];
        if (old->flags & PINK_F_TOMBSTONE)
            continue;
        pk->st_view.live_keys--;
        pk->st_view.live_bytes -= old->klen + old->vlen;
    }
    return &pk->st_view;
}

static void
pink_write_json(struct kv_engine *e, struct nvkv_json *j)
{
    struct pink *pk = as_pink(e);
    nvkv_json_double(j, "size_ratio", (double)pk->size_ratio_x100 / 100.0);
    nvkv_json_u64(j, "write_buffer_outside_budget_bytes", pk->write_buffer_outside_budget);
    nvkv_json_u64(j, "metadata_over_budget_bytes", pk->dram_overcommit_bytes);
    nvkv_json_u64(j, "data_gcs", pk->data_gcs);
    nvkv_json_u64(j, "meta_gcs", pk->meta_gcs);
    nvkv_json_u64(j, "gc_reinserted_pairs", pk->gc_reinserted);
    nvkv_json_u64(j, "piece_bytes", pk->packed ? 1 : FTL_PIECE_BYTES);
    nvkv_json_u64(j, "meta_pages_written", pk->meta_pages_written);
    nvkv_json_u64(j, "compaction_meta_reads", pk->compaction_meta_reads);
    nvkv_json_array(j, "levels");
    for (uint32_t i = 0; i < pk->nlevels; i++) {
        const struct pink_level *l = &pk->lv[i];
        uint64_t pinned = 0;
        for (uint32_t s = 0; s < l->nsegs; s++)
            pinned += l->segs[s].in_dram;
        nvkv_json_object(j, NULL);
        nvkv_json_u64(j, "entries", l->n);
        nvkv_json_u64(j, "meta_segments", l->nsegs);
        nvkv_json_u64(j, "meta_segments_in_dram", pinned);
        nvkv_json_u64(j, "capacity_segments", l->cap_segs == UINT64_MAX ? 0 : l->cap_segs);
        nvkv_json_u64(j, "level_list_bytes", l->list_bytes);
        nvkv_json_bool(j, "level_list_in_dram", l->list_in_dram);
        nvkv_json_close(j);
    }
    nvkv_json_close(j);
}

static void
pink_destroy(struct kv_engine *e)
{
    struct pink *pk = as_pink(e);
    if (pk == NULL)
        return;
    kv_membuf_free(&pk->mem);
    kv_bg_free(&pk->bg);
    for (uint32_t i = 0; i < pk->nlevels; i++)
        pink__free_level(&pk->lv[i]);
    pink__data_close(pk);
    free(pk->meta_owner);
    free(pk);
}

static int
pink_create(const struct kv_env *env, struct kv_engine **out)
{
    struct pink *pk = calloc(1, sizeof(*pk));
    if (pk == NULL)
        return -ENOMEM;
    int rc = 0;
    pk->base.env = *env;
    pk->np = nand_params(env->nand);
    pk->nlevels = env->params->pink_levels;
    kv_bg_init(&pk->bg, env->sim, env->params);
    NVKV_CHECK(pk->nlevels >= 1 && pk->nlevels <= PINK_MAX_LEVELS);
    nvkv_hist_init(&pk->st.flash_reads_per_get);
    pk->meta_owner = calloc(nand_total_pages(pk->np), sizeof(uint32_t));
    if (kv_membuf_init(&pk->mem) != 0 || pk->meta_owner == NULL) {
        rc = -ENOMEM;
        goto err;
    }
    pk->data_stream = ftl_stream_create(env->alloc, "pink-data");
    pk->gc_stream = ftl_stream_create(env->alloc, "pink-data-gc");
    pk->meta_stream = ftl_stream_create(env->alloc, "pink-meta");
    /*
     * GC relocations are a background trickle: one open block per channel. Meta segments keep
     * every die, as compaction's writes need the parallelism (narrowing them to 8 dies cut
     * IOPS by a third to a half on 1/64 runs).
     */
    ftl_stream_set_width(env->alloc, pk->gc_stream, pk->np->channels);
    NVKV_ERR(pink__data_open(pk, env));
    /*
     * Two write buffers (active + immutable) come first. kv.write_buffer does not shrink with
     * --scale: how much a flush spreads over the dies is what it sets, not capacity. When a
     * scaled-down budget cannot hold them they stay outside it, as KVEMU keeps its write buffer
     * outside its metadata cache budget, and are reported as such.
     */
    if (!dev_dram_try_charge(env->dram, DEV_DRAM_WRITE_BUFFER, 2 * env->params->write_buffer_bytes))
        pk->write_buffer_outside_budget = 2 * env->params->write_buffer_bytes;
    pk->gc_threshold = kv_gc_threshold(env);
    /* one block GC can always move live data into */
    ftl_set_reserve(env->alloc, 1);
    for (uint32_t i = 0; i < pk->nlevels; i++)
        pk->lv[i].list_in_dram = true;
    pink__set_level_caps(pk);
    pk->base.ops = &kv_pink_ops;
    *out = &pk->base;
    return 0;
err:
    pink_destroy(&pk->base);
    return rc;
}

const struct kv_engine_ops kv_pink_ops = {
    .name = "pink",
    .description = "PinK (ATC'20): LSM-tree with level lists and meta segments pinned top-down",
    .create = pink_create,
    .destroy = pink_destroy,
    .put = pink_put,
    .get = pink_get,
    .del = pink_del,
    .exist = pink_exist,
    .iter_create = pink_iter_create,
    .iter_destroy = pink_iter_destroy,
    .iter_seek = pink_iter_seek,
    .iter_next = pink_iter_next,
    .background = pink_background,
    .stats = pink_stats,
    .write_json = pink_write_json,
    .max_value = pink_max_value,
};
