/* SPDX-License-Identifier: MIT */
/*
 * `hash`: a hash-indexed KV-SSD as the earlier KV-SSDs were built, nvkv's baseline engine.
 *
 * Layout. KV records are appended through one kv_datalog on stream "hash-data" (origin HOST);
 * GC moves live records through a second writer on "hash-gc" (origin GC), so two writers never
 * share a stream. The index maps a key fingerprint to its record (hash_index.h): in device
 * DRAM while it fits, in bucket pages on "hash-bucket" beyond that. A delete writes no tombstone:
 * the index is the only way to a record, so dropping the entry and invalidating the record's
 * pieces is the whole delete.
 *
 * What each command costs (recorded in the caller's plan):
 *   PUT   hash the key (CPU) -> read the key's bucket if spilled -> append the record: the data
 *         writer's open page is the write buffer, and the PUT that fills a page carries its
 *         program at FG_WRITE and so completes when it is programmed (the others complete once
 *         buffered; this simple engine has no separate flush) -> program the bucket if spilled.
 *   GET   hash -> bucket read if spilled -> record read (no flash read while the record is in a
 *         writer's open page) -> compare the full key -> copy the value.
 *   DEL   hash -> bucket read if spilled -> drop entry, invalidate record -> bucket program.
 *   EXIST hash -> bucket read if spilled.
 *   Iterator: a hash index has no key order, so iter_seek scans every page holding a live record
 *         (each page read once, charged) and sorts the keys; iter_next re-reads each record and
 *         skips keys deleted since the seek. A real hash KV-SSD needs the same full scan.
 *
 * GC. Below kv_gc_threshold() free blocks a write first collects greedy victims (fewest valid
 * pages, across the data, GC and bucket streams; failing that, a block whose live pieces repack
 * into fewer pages) in a background plan; victims are collected side by side, each erase after its
 * own copies, and background plans do not wait for each other. Records in a victim are found by
 * walking its valid pieces; each is re-appended through the GC writer, its entry repointed, and
 * every spilled bucket touched is rewritten once. GC frees blocks at once in the functional core,
 * but a block is free in virtual time only once its erase has run: a write waits for background
 * plans only when fewer than half the threshold of such blocks remain, and then only for the oldest
 * plans whose erases make up the difference (admission). A workload that outpaces GC therefore sees
 * write stalls. Under sim.bg_model=kvemu a PUT's and a DEL's work goes into a flat background plan
 * (it only reserves die time) and nothing waits for erases.
 *
 * Capacity. A PUT gets KV_NO_SPACE when the live records would exceed the exposed capacity, or
 * when GC cannot give back HOST_RESERVE free blocks (what GC and bucket pages need to make
 * progress), or when the append itself fails. Nothing is changed then.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/check.h"
#include "hash_internal.h"

struct iter_key {
    uint64_t off;
    const uint8_t *key;
    uint32_t klen;
};

struct iter_loc {
    uint64_t ppa;
    uint64_t slot;
    uint32_t piece;
};

struct kv_iter {
    struct hash_engine *e;
    uint8_t *arena;
    size_t arena_len, arena_cap;
    struct iter_key *keys;
    uint64_t n, pos, keys_cap;
    struct iter_loc *locs;
    uint64_t locs_cap;
    uint8_t *vbuf;
    uint32_t vcap;
};

static struct hash_engine *
engine_of(struct kv_engine *ke)
{
    return (struct hash_engine *)ke;
}

static void *
grow(void *p, uint64_t *cap, uint64_t need, size_t size)
{
    if (need <= *cap)
        return p;
    uint64_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * size);
    NVKV_CHECK_MSG(q != NULL, "hash: out of memory for %llu items", (unsigned long long)c);
    *cap = c;
    return q;
}

/* ---- records ---- */

static struct kv_loc
loc_of(const struct hidx_entry *en)
{
    return (struct kv_loc){en->ppa, en->piece, kv_record_pieces(en->klen, en->vlen)};
}

/* Read the record of an entry through the writer whose open page may hold it. */
static int
read_record(struct hash_engine *e, struct sim_plan *plan, enum sim_prio prio,
            const struct hidx_entry *en, struct kv_record *rec)
{
    struct kv_loc loc = loc_of(en);
    struct kv_datalog *dl = kv_datalog_is_open_page(e->gc, loc.ppa) ? e->gc : e->data;
    int n = kv_datalog_read(dl, plan, prio, NAND_ORIGIN_HOST, &loc, rec);
    NVKV_CHECK_MSG(n >= 0, "hash: cannot read the record at ppa %llu (%d)",
                   (unsigned long long)loc.ppa, n);
    return n;
}

/* ---- commands ---- */

static enum kv_status
hash_put(struct kv_engine *ke, struct sim_plan *plan, const void *key, uint32_t klen,
         const void *value, uint32_t vlen, uint32_t options)
{
    struct hash_engine *e = engine_of(ke);
    struct ftl_alloc *a = e->base.env.alloc;
    enum kv_status st = KV_OK;
    uint64_t h1, h2, slot;
    uint32_t pieces, old_pieces = 0;
    struct kv_loc loc;
    bool waited = false;

    e->st.puts++;
    if (kv_check_key(klen) != KV_OK)
        return KV_INVALID_KEY;
    if (vlen > kv_datalog_max_value(e->data, klen))
        return KV_INVALID_VALUE;
    plan = hash__write_plan(e, plan);
    hidx_hash(key, klen, &h1, &h2);
    hash__charge_hash(e, plan, SIM_PRIO_FG_WRITE, klen);
    hash__barrier(plan);
    /* the read half of the bucket's read-modify-write also answers the options */
    hidx_lookup_cost(&e->idx, plan, SIM_PRIO_FG_WRITE, h1);
    slot = hidx_find(&e->idx, h1, h2, HIDX_NONE);
    if ((options & KV_PUT_IF_EXISTS) && slot == HIDX_NONE) {
        st = KV_NOT_FOUND;
        goto out;
    }
    if ((options & KV_PUT_IF_ABSENT) && slot != HIDX_NONE) {
        st = KV_EXISTS;
        goto out;
    }
    pieces = kv_record_pieces(klen, vlen);
    if (slot != HIDX_NONE)
        old_pieces = loc_of(&e->idx.slots[slot]).pieces;
    if (e->live_pieces - old_pieces + pieces > e->cap_pieces ||
        (slot == HIDX_NONE && hidx_reserve(&e->idx) != 0)) {
        st = KV_NO_SPACE;
        goto out;
    }
    hash__make_room(e, plan, false, &waited);
    if (ftl_free_blocks(a) < HOST_RESERVE)
        hash__make_room(e, plan, true, &waited);
    if (ftl_free_blocks(a) < HOST_RESERVE ||
        kv_datalog_append(e->data, plan, SIM_PRIO_FG_WRITE, NAND_ORIGIN_HOST, key, klen, value,
                          vlen, 0, &loc) != 0) {
        st = KV_NO_SPACE;
        goto out;
    }
    hash__barrier(plan);
    /* GC may have moved the old record, never the slot */
    slot = hidx_find(&e->idx, h1, h2, HIDX_NONE);
    if (slot != HIDX_NONE) {
        struct hidx_entry *en = &e->idx.slots[slot];
        ftl_invalidate(a, en->ppa, en->piece, old_pieces);
        e->st.live_bytes -= (uint64_t)en->klen + en->vlen;
        en->ppa = loc.ppa;
        en->piece = (uint16_t)loc.piece;
        en->vlen = vlen;
    } else {
        struct hidx_entry en = {h1, h2, loc.ppa, vlen, (uint16_t)loc.piece, (uint8_t)klen, 0};
        hidx_insert(&e->idx, &en);
    }
    e->live_pieces = e->live_pieces - old_pieces + pieces;
    e->st.live_bytes += (uint64_t)klen + vlen;
    e->st.host_bytes_written += (uint64_t)klen + vlen;
    hidx_update_cost(&e->idx, plan, SIM_PRIO_FG_WRITE, h1, NAND_ORIGIN_META);
    hidx_rebalance(&e->idx);
out:
    if (st == KV_NO_SPACE)
        e->no_space++;
    hash__end_op(e);
    return st;
}

static enum kv_status
hash_get(struct kv_engine *ke, struct sim_plan *plan, const void *key, uint32_t klen, void *buf,
         uint32_t buf_len, uint32_t *vlen)
{
    struct hash_engine *e = engine_of(ke);
    enum kv_status st = KV_NOT_FOUND;
    uint64_t h1, h2, slot = HIDX_NONE;

    e->st.gets++;
    if (vlen != NULL)
        *vlen = 0;
    if (kv_check_key(klen) != KV_OK)
        return KV_INVALID_KEY;
    hidx_hash(key, klen, &h1, &h2);
    hash__charge_hash(e, plan, SIM_PRIO_FG_READ, klen);
    hash__barrier(plan);
    int reads = hidx_lookup_cost(&e->idx, plan, SIM_PRIO_FG_READ, h1);
    hash__barrier(plan);
    while ((slot = hidx_find(&e->idx, h1, h2, slot)) != HIDX_NONE) {
        struct kv_record rec;
        reads += read_record(e, plan, SIM_PRIO_FG_READ, &e->idx.slots[slot], &rec);
        /* a full 128-bit fingerprint collision: keep probing */
        if (kv_key_cmp(rec.key, rec.klen, key, klen) != 0)
            continue;
        if (buf != NULL && buf_len > 0 && rec.vlen > 0)
            memcpy(buf, rec.value, rec.vlen < buf_len ? rec.vlen : buf_len);
        if (vlen != NULL)
            *vlen = rec.vlen;
        st = KV_OK;
        e->st.get_hits++;
        break;
    }
    nvkv_hist_add(&e->st.flash_reads_per_get, (uint64_t)reads);
    return st;
}

static enum kv_status
hash_del(struct kv_engine *ke, struct sim_plan *plan, const void *key, uint32_t klen)
{
    struct hash_engine *e = engine_of(ke);
    uint64_t h1, h2, slot;
    bool waited = false;

    e->st.dels++;
    if (kv_check_key(klen) != KV_OK)
        return KV_INVALID_KEY;
    plan = hash__write_plan(e, plan);
    hidx_hash(key, klen, &h1, &h2);
    hash__charge_hash(e, plan, SIM_PRIO_FG_WRITE, klen);
    hash__barrier(plan);
    hidx_lookup_cost(&e->idx, plan, SIM_PRIO_FG_WRITE, h1);
    slot = hidx_find(&e->idx, h1, h2, HIDX_NONE);
    if (slot == HIDX_NONE) {
        hash__end_op(e); /* submits what the lookup recorded under KVEMU's model */
        return KV_NOT_FOUND;
    }
    /* no record to write, but a spilled bucket's new page needs a free block like any write */
    hash__make_room(e, plan, false, &waited);
    hash__barrier(plan);
    struct hidx_entry *en = &e->idx.slots[slot];
    struct kv_loc loc = loc_of(en);
    ftl_invalidate(e->base.env.alloc, loc.ppa, loc.piece, loc.pieces);
    e->live_pieces -= loc.pieces;
    e->st.live_bytes -= (uint64_t)en->klen + en->vlen;
    hidx_remove(&e->idx, slot);
    hidx_update_cost(&e->idx, plan, SIM_PRIO_FG_WRITE, h1, NAND_ORIGIN_META);
    hidx_rebalance(&e->idx);
    hash__end_op(e);
    return KV_OK;
}

static enum kv_status
hash_exist(struct kv_engine *ke, struct sim_plan *plan, const void *key, uint32_t klen)
{
    struct hash_engine *e = engine_of(ke);
    uint64_t h1, h2;

    e->st.exists++;
    if (kv_check_key(klen) != KV_OK)
        return KV_INVALID_KEY;
    hidx_hash(key, klen, &h1, &h2);
    hash__charge_hash(e, plan, SIM_PRIO_FG_READ, klen);
    hash__barrier(plan);
    hidx_lookup_cost(&e->idx, plan, SIM_PRIO_FG_READ, h1);
    return hidx_find(&e->idx, h1, h2, HIDX_NONE) != HIDX_NONE ? KV_OK : KV_NOT_FOUND;
}

/* ---- iterator ---- */

static int
hash_iter_create(struct kv_engine *ke, struct kv_iter **out)
{
    struct kv_iter *it = calloc(1, sizeof(*it));
    if (it == NULL)
        return -ENOMEM;
    it->e = engine_of(ke);
    *out = it;
    return 0;
}

static void
hash_iter_destroy(struct kv_iter *it)
{
    if (it == NULL)
        return;
    free(it->arena);
    free(it->keys);
    free(it->locs);
    free(it->vbuf);
    free(it);
}

static int
cmp_loc(const void *pa, const void *pb)
{
    const struct iter_loc *a = pa, *b = pb;
    if (a->ppa != b->ppa)
        return a->ppa < b->ppa ? -1 : 1;
    return a->piece < b->piece ? -1 : (a->piece > b->piece ? 1 : 0);
}

static int
cmp_key(const void *pa, const void *pb)
{
    const struct iter_key *a = pa, *b = pb;
    return kv_key_cmp(a->key, a->klen, b->key, b->klen);
}

/* A record for the scan (a real hash KV-SSD reads every live record to answer a range). */
static void
scan_record(struct hash_engine *e, struct sim_plan *plan, const struct hidx_entry *en,
            struct kv_record *rec)
{
    read_record(e, plan, SIM_PRIO_FG_READ, en, rec);
}

static enum kv_status
hash_iter_seek(struct kv_iter *it, struct sim_plan *plan, const void *key, uint32_t klen)
{
    struct hash_engine *e = it->e;
    const struct hidx *x = &e->idx;
    uint64_t m = 0;

    if (klen > KV_KEY_MAX)
        return KV_INVALID_KEY;
    it->n = it->pos = 0;
    it->arena_len = 0;
    it->locs = grow(it->locs, &it->locs_cap, x->count, sizeof(*it->locs));
    it->keys = grow(it->keys, &it->keys_cap, x->count, sizeof(*it->keys));
    for (uint64_t s = 0; s < x->cap; s++)
        if (x->slots[s].klen != 0)
            it->locs[m++] = (struct iter_loc){x->slots[s].ppa, s, x->slots[s].piece};
    /* in flash order: the records of a page are read back to back */
    if (m > 1)
        qsort(it->locs, m, sizeof(*it->locs), cmp_loc);
    for (uint64_t i = 0; i < m; i++) {
        struct kv_record rec;
        scan_record(e, plan, &x->slots[it->locs[i].slot], &rec);
        if (it->arena_len + rec.klen > it->arena_cap) {
            size_t cap = it->arena_cap ? it->arena_cap * 2 : 4096;
            while (cap < it->arena_len + rec.klen)
                cap *= 2;
            it->arena = realloc(it->arena, cap);
            NVKV_CHECK_MSG(it->arena != NULL, "hash: out of memory for an iterator");
            it->arena_cap = cap;
        }
        memcpy(it->arena + it->arena_len, rec.key, rec.klen);
        it->keys[it->n++] = (struct iter_key){it->arena_len, NULL, rec.klen};
        it->arena_len += rec.klen;
    }
    for (uint64_t i = 0; i < it->n; i++)
        it->keys[i].key = it->arena + it->keys[i].off;
    if (it->n > 1)
        qsort(it->keys, it->n, sizeof(*it->keys), cmp_key);
    dev_cpu_charge(e->base.env.cpu, plan, SIM_PRIO_FG_READ,
                   it->n * dev_cpu_bsearch_ns(e->base.env.cpu, it->n));
    if (klen > 0) {
        uint64_t lo = 0, hi = it->n;
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (kv_key_cmp(it->keys[mid].key, it->keys[mid].klen, key, klen) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        it->pos = lo;
    }
    return it->pos < it->n ? KV_OK : KV_END;
}

static enum kv_status
hash_iter_next(struct kv_iter *it, struct sim_plan *plan, const void **key, uint32_t *klen,
               const void **value, uint32_t *vlen)
{
    struct hash_engine *e = it->e;
    e->st.iter_nexts++;
    while (it->pos < it->n) {
        const struct iter_key *k = &it->keys[it->pos++];
        uint64_t h1, h2, slot = HIDX_NONE;
        hidx_hash(k->key, k->klen, &h1, &h2);
        hash__charge_hash(e, plan, SIM_PRIO_FG_READ, k->klen);
        hash__barrier(plan);
        hidx_lookup_cost(&e->idx, plan, SIM_PRIO_FG_READ, h1);
        hash__barrier(plan);
        /* keys deleted since the seek have no entry any more and are skipped */
        while ((slot = hidx_find(&e->idx, h1, h2, slot)) != HIDX_NONE) {
            struct kv_record rec;
            read_record(e, plan, SIM_PRIO_FG_READ, &e->idx.slots[slot], &rec);
            if (kv_key_cmp(rec.key, rec.klen, k->key, k->klen) != 0)
                continue;
            /* the writer's buffers change with the next engine call: keep a copy */
            if (rec.vlen > it->vcap) {
                uint8_t *b = realloc(it->vbuf, rec.vlen);
                NVKV_CHECK_MSG(b != NULL, "hash: out of memory for an iterator value");
                it->vbuf = b;
                it->vcap = rec.vlen;
            }
            if (rec.vlen > 0)
                memcpy(it->vbuf, rec.value, rec.vlen);
            *key = k->key;
            *klen = k->klen;
            *value = it->vbuf;
            *vlen = rec.vlen;
            return KV_OK;
        }
    }
    return KV_END;
}

/* ---- lifetime, stats ---- */

static void
hash_destroy(struct kv_engine *ke)
{
    struct hash_engine *e = engine_of(ke);
    if (e == NULL)
        return;
    hidx_fini(&e->idx);
    kv_datalog_destroy(e->data);
    kv_datalog_destroy(e->gc);
    free(e->blockbuf);
    free(e->bgq);
    free(e);
}

static int
hash_create(const struct kv_env *env, struct kv_engine **out)
{
    int rc;
    struct hash_engine *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return -ENOMEM;
    e->base.ops = &kv_hash_ops;
    e->base.env = *env;
    e->np = nand_params(env->nand);
    e->ppp = e->np->page_bytes / FTL_PIECE_BYTES;
    nvkv_hist_init(&e->st.flash_reads_per_get);
    e->s_data = ftl_stream_create(env->alloc, "hash-data");
    e->s_gc = ftl_stream_create(env->alloc, "hash-gc");
    e->s_bucket = ftl_stream_create(env->alloc, "hash-bucket");
    e->blockbuf = malloc((size_t)e->np->pages_per_block * e->np->page_bytes);
    rc = e->blockbuf == NULL ? -ENOMEM : 0;
    /* the write buffers are charged first; the index gets the DRAM they leave */
    if (rc == 0)
        rc = kv_datalog_create(env, e->s_data, NAND_ORIGIN_HOST, &e->data);
    if (rc == 0)
        rc = kv_datalog_create(env, e->s_gc, NAND_ORIGIN_GC, &e->gc);
    if (rc == 0)
        rc = hidx_init(&e->idx, env, e->s_bucket, hash__bg_plan, e);
    if (rc != 0) {
        hash_destroy(&e->base);
        return rc;
    }
    e->gc_threshold = kv_gc_threshold(env);
    e->gc_critical = e->gc_threshold / 2 ? e->gc_threshold / 2 : 1;
    e->cap_pieces = env->exposed_bytes / FTL_PIECE_BYTES;
    *out = &e->base;
    return 0;
}

static void
hash_background(struct kv_engine *ke)
{
    struct hash_engine *e = engine_of(ke);
    if (ftl_free_blocks(e->base.env.alloc) < e->gc_threshold)
        hash__gc_run(e, e->gc_threshold, GC_ROUNDS_EASY);
    hash__end_op(e);
}

static const struct kv_stats *
hash_stats(struct kv_engine *ke)
{
    return &engine_of(ke)->st;
}

static void
hash_write_json(struct kv_engine *ke, struct nvkv_json *j)
{
    struct hash_engine *e = engine_of(ke);
    const struct hidx *x = &e->idx;
    nvkv_json_u64(j, "index_entries", x->count);
    nvkv_json_u64(j, "index_entry_bytes", x->entry_bytes);
    nvkv_json_u64(j, "buckets", x->nb);
    nvkv_json_u64(j, "bucket_entries", x->bucket_entries);
    nvkv_json_u64(j, "resident_buckets", x->k);
    nvkv_json_u64(j, "spilled_buckets", x->nb - x->k);
    nvkv_json_u64(j, "spilled_entries", x->count - x->resident);
    nvkv_json_u64(j, "bucket_pages", x->pages);
    nvkv_json_u64(j, "bucket_reads", x->st.bucket_reads);
    nvkv_json_u64(j, "bucket_writes", x->st.bucket_writes);
    nvkv_json_u64(j, "bucket_spills", x->st.spills);
    nvkv_json_u64(j, "bucket_loads", x->st.loads);
    nvkv_json_u64(j, "bucket_splits", x->st.splits);
    nvkv_json_u64(j, "bucket_write_failures", x->st.write_failures);
    nvkv_json_u64(j, "gc_records_moved", e->gc_records);
    nvkv_json_u64(j, "gc_bucket_pages_moved", e->gc_bucket_pages);
    nvkv_json_u64(j, "gc_foreground_waits", e->gc_waits);
    nvkv_json_u64(j, "gc_stuck", e->gc_stuck);
    nvkv_json_u64(j, "no_space", e->no_space);
}

static uint32_t
hash_max_value(struct kv_engine *ke, uint32_t klen)
{
    return kv_datalog_max_value(engine_of(ke)->data, klen);
}

const struct kv_engine_ops kv_hash_ops = {
    .name = "hash",
    .description = "hash-indexed KV-SSD: key hash -> location in DRAM, flash buckets beyond",
    .create = hash_create,
    .destroy = hash_destroy,
    .put = hash_put,
    .get = hash_get,
    .del = hash_del,
    .exist = hash_exist,
    .iter_create = hash_iter_create,
    .iter_destroy = hash_iter_destroy,
    .iter_seek = hash_iter_seek,
    .iter_next = hash_iter_next,
    .background = hash_background,
    .stats = hash_stats,
    .write_json = hash_write_json,
    .max_value = hash_max_value,
};
