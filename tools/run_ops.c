/* SPDX-License-Identifier: MIT */
/*
 * `nvkv run`: what one operation does. Each adds its engine work to a plan and keeps the host's
 * record of every item (version, value size) that checks each value read back: PUT, GET, DEL,
 * scans (key order, and with decodable keys values and completeness), read-modify-write, the
 * load's PUTs, and trace requests.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/err.h"
#include "../src/sim/sim.h"
#include "../src/workload/value.h"
#include "run_internal.h"

/*
 * Writes the engine may refuse in a row (KV_NO_SPACE) in a phase bounded only by bytes written
 * before the phase gives up: such a phase would otherwise never reach its target.
 */
#define REFUSALS_IN_A_ROW_MAX 100000u

/* ---- the per-item record ---- */

int
run_fail(struct run *r, int rc, const char *fmt, ...)
{
    if (r->rc == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof(r->err), fmt, ap);
        va_end(ap);
        r->rc = rc;
    }
    r->stop = true;
    return rc;
}

/* Make room for items [0, n): grows the arrays (absent items) when a trace brings new keys. */
int
run_reserve_items(struct run *r, uint64_t n)
{
    if (n <= r->n && r->n > 0)
        return 0;
    uint64_t cap = r->n ? r->n : 1024;
    while (cap < n)
        cap *= 2;
    uint32_t *v = realloc(r->version, cap * sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    r->version = v;
    uint32_t *s = realloc(r->vsize, cap * sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    r->vsize = s;
    for (uint64_t i = r->n; i < cap; i++) {
        r->version[i] = RUN_ABSENT;
        r->vsize[i] = 0;
    }
    r->n = cap;
    return 0;
}

static bool
item_present(const struct run *r, uint64_t item)
{
    return (r->version[item] & RUN_ABSENT) == 0;
}

static void
set_key(struct run *r, uint64_t item)
{
    r->key_len = wl_key_bytes(r->w->spec.key_format, r->w->spec.key_size, item, r->key);
}

/* A write refused with KV_NO_SPACE: counted; a phase that can only stop by writing gives up. */
static void
refused(struct run *r)
{
    r->res->no_space++;
    if (++r->refused_in_row >= REFUSALS_IN_A_ROW_MAX && r->bytes_target && !r->w->ops &&
        !r->o->duration_ns)
        run_fail(r, -ENOSPC,
                 "the engine refused %u writes in a row (KV_NO_SPACE) after %llu of the %llu bytes "
                 "--capacity-x asks for: the device is full; lower --fill or bound the phase with "
                 "--ops or --duration",
                 REFUSALS_IN_A_ROW_MAX, (unsigned long long)r->res->host_bytes,
                 (unsigned long long)r->bytes_target);
}

/* ---- operations: each adds its engine work to `plan`; false when it must not be timed ---- */

static bool
op_put(struct run *r, struct sim_plan *plan, uint64_t item, uint32_t size)
{
    uint32_t version = (r->version[item] & ~RUN_ABSENT) + 1;
    if (version >= RUN_ABSENT)
        version = 1; /* 2^31 writes of one item: wrap (older values are long gone) */
    wl_value_fill(r->value, size, item, version);
    enum kv_status st = r->e->ops->put(r->e, plan, r->key, r->key_len, r->value, size, 0);
    if (st == KV_NO_SPACE) {
        if (r->loading)
            run_fail(r, -ENOSPC,
                     "the device is full after loading %llu of %llu keys (KV_NO_SPACE); lower "
                     "--fill or --keys",
                     (unsigned long long)item, (unsigned long long)r->load_target);
        else
            refused(r);
        return false;
    }
    r->refused_in_row = 0;
    if (st != KV_OK) {
        run_fail(r, -EIO, "PUT of item %llu (%u value bytes) answered %s", (unsigned long long)item,
                 size, kv_status_name(st));
        return false;
    }
    r->version[item] = version;
    r->vsize[item] = size;
    if (r->loading) {
        r->res->load_host_bytes += r->key_len + size;
    } else {
        r->res->host_bytes += r->key_len + size;
        r->res->request_bytes += r->key_len + size;
    }
    return true;
}

static void
check_value(struct run *r, uint64_t item, const uint8_t *buf, uint32_t vlen, const char *what)
{
    uint32_t want = r->vsize[item], version = r->version[item];
    if (vlen != want) {
        run_fail(r, -EIO, "%s of item %llu returned %u value bytes, not %u (version %u)", what,
                 (unsigned long long)item, vlen, want, version);
        return;
    }
    uint32_t bad = wl_value_check(buf, vlen, item, version);
    if (bad != vlen)
        run_fail(r, -EIO, "%s of item %llu returned a wrong value (version %u, first bad byte %u)",
                 what, (unsigned long long)item, version, bad);
}

static void
op_get(struct run *r, struct sim_plan *plan, uint64_t item)
{
    uint32_t vlen = 0;
    enum kv_status st =
        r->e->ops->get(r->e, plan, r->key, r->key_len, r->get_buf, r->buf_len, &vlen);
    r->res->request_bytes += r->key_len + (st == KV_OK ? vlen : 0);
    if (!item_present(r, item)) {
        if (st != KV_NOT_FOUND)
            run_fail(r, -EIO, "GET of absent item %llu answered %s, not NOT_FOUND",
                     (unsigned long long)item, kv_status_name(st));
        r->res->get_misses++;
        return;
    }
    if (st != KV_OK) {
        run_fail(r, -EIO, "GET of item %llu (version %u) answered %s", (unsigned long long)item,
                 r->version[item], kv_status_name(st));
        return;
    }
    check_value(r, item, r->get_buf, vlen, "GET");
}

static bool
op_del(struct run *r, struct sim_plan *plan, uint64_t item)
{
    enum kv_status st = r->e->ops->del(r->e, plan, r->key, r->key_len);
    r->res->request_bytes += r->key_len;
    if (st == KV_NO_SPACE) {
        refused(r);
        return false;
    }
    enum kv_status want = item_present(r, item) ? KV_OK : KV_NOT_FOUND;
    if (st != want) {
        run_fail(r, -EIO, "DEL of item %llu answered %s, not %s", (unsigned long long)item,
                 kv_status_name(st), kv_status_name(want));
        return false;
    }
    r->version[item] |= RUN_ABSENT;
    return true;
}

/*
 * The item whose key a scan returned, when the key format lets the host decode it (binary keys
 * of 8 bytes or more carry the whole item number, and their order is item order).
 */
static bool
scan_decodable(const struct run *r)
{
    return r->w->spec.key_format == WL_KEYFMT_BINARY && r->w->spec.key_size >= 8;
}

static uint64_t
scan_item_of(const uint8_t *key)
{
    uint64_t item = 0;
    for (int i = 0; i < 8; i++)
        item = item << 8 | key[i];
    return item;
}

/* Every item in [from, to) must be absent: the scan passed over them. */
static void
check_skipped(struct run *r, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to && i < r->limit; i++)
        if (item_present(r, i)) {
            run_fail(r, -EIO, "scan skipped item %llu, which is present", (unsigned long long)i);
            return;
        }
}

/* Byte order of keys, a prefix first (the engines' order). */
static int
key_cmp(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c != 0 ? c : (alen > blen) - (alen < blen);
}

/*
 * One key a scan returned: above the previous one (the first: not below the seek key) and,
 * when decodable, present with its value.
 */
static void
scan_check_key(struct run *r, const uint8_t *key, uint32_t klen, const uint8_t *value,
               uint32_t vlen, uint64_t *next_item, uint8_t *prev, uint32_t *prev_len, bool first)
{
    int c = key_cmp(key, klen, prev, *prev_len);
    if (first ? c < 0 : c <= 0) {
        run_fail(r, -EIO,
                 first ? "scan returned a key below the seek key"
                       : "scan returned keys out of order");
        return;
    }
    memcpy(prev, key, klen);
    *prev_len = klen;
    if (!scan_decodable(r))
        return;
    uint64_t item = klen == r->w->spec.key_size ? scan_item_of(key) : UINT64_MAX;
    if (item >= r->limit || !item_present(r, item)) {
        run_fail(r, -EIO, "scan returned a key the host never wrote or deleted (item %llu)",
                 (unsigned long long)item);
        return;
    }
    check_skipped(r, *next_item, item);
    check_value(r, item, value, vlen, "scan");
    *next_item = item + 1;
}

/*
 * A seek to the current key, then up to `len` keys. Keys must come in strictly increasing
 * order from the seek key; with binary keys of 8+ bytes the host also checks each value and
 * that no present item was passed over (including, at the end of the keys, up to the limit).
 */
static void
op_scan(struct run *r, struct sim_plan *plan, uint64_t seek_item, uint32_t len)
{
    struct kv_iter *it = NULL;
    if (r->e->ops->iter_create == NULL || r->e->ops->iter_create(r->e, &it) != 0) {
        run_fail(r, -ENOTSUP, "engine %s has no iterator; scans need one", r->e->ops->name);
        return;
    }
    uint8_t prev[WL_KEY_BYTES_MAX];
    uint32_t prev_len = r->key_len;
    memcpy(prev, r->key, r->key_len);
    uint64_t next_item = seek_item;
    enum kv_status st = r->e->ops->iter_seek(it, plan, r->key, r->key_len);
    uint32_t got = 0;
    while (got < len && st == KV_OK && r->rc == 0) {
        const void *key, *value;
        uint32_t klen, vlen;
        st = r->e->ops->iter_next(it, plan, &key, &klen, &value, &vlen);
        if (st != KV_OK)
            break;
        got++;
        r->res->scan_keys++;
        scan_check_key(r, key, klen, value, vlen, &next_item, prev, &prev_len, got == 1);
    }
    if (st == KV_END && scan_decodable(r) && r->rc == 0)
        check_skipped(r, next_item, r->limit);
    else if (st != KV_OK && st != KV_END)
        run_fail(r, -EIO, "scan answered %s", kv_status_name(st));
    r->e->ops->iter_destroy(it);
}

/* The next item an operation on existing items touches. */
static uint64_t
pick_item(struct run *r)
{
    return wl_keygen_next(&r->keygen, &r->key_rng);
}

/* An insert writes the next new item; past the key space it becomes an update (counted). */
static uint64_t
insert_item(struct run *r)
{
    if (r->limit < r->keygen.n) {
        uint64_t item = r->limit++;
        wl_keygen_set_limit(&r->keygen, r->limit);
        return item;
    }
    r->res->insert_overflow++;
    return pick_item(r);
}

/* The kind of the next generated operation. */
enum wl_op
run_draw_op(struct run *r)
{
    enum wl_op op = wl_mix_next(&r->mix, &r->mix_rng);
    return op != WL_OP_INSERT && r->limit == 0 ? WL_OP_INSERT : op; /* nothing exists yet */
}

/* One generated operation of kind `op` into `plan`; its latency class and whether it is timed. */
bool
run_generated_op(struct run *r, struct sim_plan *plan, enum wl_op op, enum run_lat *lat)
{
    r->res->op_count[op]++;
    uint64_t item = op == WL_OP_INSERT ? insert_item(r) : pick_item(r);
    set_key(r, item);
    switch (op) {
    case WL_OP_READ:
        *lat = RUN_LAT_GET;
        op_get(r, plan, item);
        return true;
    case WL_OP_DELETE:
        *lat = RUN_LAT_DEL;
        return op_del(r, plan, item);
    case WL_OP_SCAN:
        *lat = RUN_LAT_SCAN;
        op_scan(r, plan, item, wl_scan_len_next(&r->mix, &r->scan_rng));
        return true;
    case WL_OP_RMW:
        *lat = RUN_LAT_RMW;
        op_get(r, plan, item);
        sim_plan_barrier(plan); /* the write follows the read */
        return op_put(r, plan, item, wl_valsize_next(&r->w->spec.values, &r->size_rng));
    default: /* update, insert */
        *lat = RUN_LAT_PUT;
        return op_put(r, plan, item, wl_valsize_next(&r->w->spec.values, &r->size_rng));
    }
}

/* The next request of the trace: false at its end (or on an error, recorded). */
bool
run_trace_read(struct run *r, struct wl_trace_rec *rec)
{
    char err[512];
    int got = wl_trace_next(r->trace, rec, err, sizeof(err));
    if (got < 0)
        run_fail(r, NVKV_EFORMAT, "%s", err);
    if (got <= 0)
        r->stop = true;
    return got > 0;
}

enum wl_op
run_trace_op_kind(const struct wl_trace_rec *rec)
{
    return rec->op == WL_TRACE_GET   ? WL_OP_READ
           : rec->op == WL_TRACE_DEL ? WL_OP_DELETE
                                     : WL_OP_UPDATE;
}

/* One request of the trace into `plan`. */
bool
run_trace_op(struct run *r, struct sim_plan *plan, const struct wl_trace_rec *rec,
             enum run_lat *lat)
{
    uint64_t item;
    bool is_new; /* first seen: not the same as absent (a GET may have seen it first) */
    if (wl_keymap_intern(&r->keymap, rec->key, rec->key_len, &item, &is_new) != 0 ||
        run_reserve_items(r, item + 1) != 0) {
        run_fail(r, -ENOMEM, "out of memory for the trace's keys");
        return false;
    }
    if (item >= r->limit)
        r->limit = item + 1;
    memcpy(r->key, rec->key, rec->key_len);
    r->key_len = rec->key_len;
    switch (rec->op) {
    case WL_TRACE_GET:
        r->res->op_count[WL_OP_READ]++;
        *lat = RUN_LAT_GET;
        op_get(r, plan, item);
        return true;
    case WL_TRACE_DEL:
        r->res->op_count[WL_OP_DELETE]++;
        *lat = RUN_LAT_DEL;
        return op_del(r, plan, item);
    default:
        r->res->op_count[item_present(r, item) ? WL_OP_UPDATE : WL_OP_INSERT]++;
        *lat = RUN_LAT_PUT;
        return op_put(r, plan, item, rec->value_size);
    }
}

/* One PUT of the load: the next item in key order. */
bool
run_load_op(struct run *r, struct sim_plan *plan)
{
    uint64_t item = r->limit++;
    set_key(r, item);
    return op_put(r, plan, item, wl_valsize_next(&r->w->spec.values, &r->size_rng));
}
