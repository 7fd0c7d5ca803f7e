/* SPDX-License-Identifier: MIT */
/*
 * The differential model test: random operations against an engine and a reference ordered map,
 * every answer compared.
 *
 *   test_model ENGINE [--ops N] [--seed S] [--min-fill F] [--set section.key=value ...]
 *
 * The device is small (2 x 2 dies of 32 blocks of 32 pages, 128 KiB DRAM, 16 KiB write buffers)
 * and is kept as full as the engine allows: the fill is the sum of the live records' flash sizes
 * (8-byte header + key + value, rounded up to 512-byte pieces) over the exposed capacity. The
 * load goes to FILL_LOAD; then new keys are favoured below a band and deletes above it. The band
 * ends at FILL_MAX or, once the engine answers KV_NO_SPACE, at the fill where it did (probing
 * higher again after a calm stretch), so the live set stays just under what the engine can hold
 * and flushes, compaction and GC run over and over. KV_NO_SPACE is accepted only when the fill
 * (counting the refused record) is at least NOSPACE_MIN_FILL; the reference then does not apply
 * the write. (Records never span pages, so page padding makes an engine's physical limit lie
 * below 100% of this piece-counted fill.)
 *
 * Operations: put (sometimes only-if-exists / only-if-absent, rarely a value over the engine's
 * limit), get (value bytes and length; sometimes into a short or no buffer), del, exist, and
 * scans (seek, next k times; rare, since a hash engine's seek reads the whole device). A full scan
 * every FULL_SCAN_EVERY operations and at the end must equal the map. The first mismatch stops the
 * run with the op index, the key and both answers. Nothing here knows any engine: every engine in
 * kv_engines[] runs it unchanged.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/check.h"
#include "../../src/base/rng.h"
#include "../../src/kv/engine.h"
#include "../../tools/cli.h"
#include "../../tools/kvdev.h"
#include "model_ref.h"

#define FILL_LOAD     0.92  /* the initial load stops here (or at the first KV_NO_SPACE) */
#define FILL_MAX      0.96  /* the band's ceiling never rises above this */
#define FILL_BAND     0.03  /* below ceiling - band: new keys are favoured */
#define CEILING_PROBE 0.005 /* raise the ceiling this much after PROBE_EVERY calm ops */
#define PROBE_EVERY   10000u
/*
 * KV_NO_SPACE below this fill is a failure. Piece-counted 0.80 of the exposed capacity is about
 * 0.9 once page padding is added (records do not span pages; with these value sizes a page
 * loses ~10%), and the rest of the raw capacity is over-provisioning, open blocks and the GC
 * reserve: the device is then genuinely full.
 */
#define NOSPACE_MIN_FILL 0.80 /* the default of --min-fill */
#define SCAN_PERMILLE    1    /* scans per 1000 ops: a hash engine's seek reads everything */
#define SCAN_MAX_NEXT    256
#define VALUE_MAX        8192u
#define N_PREFIXES       16
#define FULL_SCAN_EVERY  100000u
#define BACKGROUND_EVERY 1024u
#define MAX_SETS         32

/* The small device every engine runs on; --set adds to it. */
static const char *const device_sets[] = {
    "nand.channels=2",         "nand.dies_per_channel=2", "nand.blocks_per_die=32",
    "nand.pages_per_block=32", "device.dram=128KiB",      "kv.write_buffer=16KiB",
};

struct model {
    const char *engine;
    uint64_t ops, seed;
    double min_fill; /* KV_NO_SPACE below this fill is a failure (--min-fill) */
    const char *sets[MAX_SETS];
    int n_sets;
    struct kvdev *dev;
    struct kv_engine *e;
    struct model_ref ref;
    struct nvkv_rng rng, data_rng;
    uint8_t prefix[N_PREFIXES][24];
    uint32_t prefix_len[N_PREFIXES];
    uint8_t key[KV_KEY_MAX];
    uint32_t klen;
    uint8_t *val, *buf;
    uint32_t val_cap, buf_cap;
    uint32_t big_value; /* a value length over the engine's limit, 0 if too large to try */
    uint64_t op;
    const char *op_name;
    bool loaded, failed;
    /* counters */
    uint64_t n_put, n_get, n_del, n_exist, n_scan, n_next, n_full_scans;
    uint64_t no_space, rejected, hits;
    double fill_min, fill_sum; /* after the load */
    uint64_t fill_samples;
    double ceiling;         /* where the fill band ends: the fill of the last refusal */
    double no_space_min;    /* the lowest fill a refusal came at */
    uint64_t last_no_space; /* op index of the last refusal */
};

static uint64_t
below(struct model *m, uint64_t n)
{
    return nvkv_rng_below(&m->rng, n);
}

static double
fill_with(const struct model *m, uint64_t extra)
{
    return (double)(m->ref.rec_bytes + extra) / (double)m->dev->exposed_bytes;
}

static void
print_replay(const struct model *m, FILE *out)
{
    fprintf(out, "  replay: test_model %s --min-fill %.2f --ops %" PRIu64 " --seed %" PRIu64,
            m->engine, m->min_fill, m->ops, m->seed);
    for (int i = 0; i < m->n_sets; i++)
        fprintf(out, " --set %s", m->sets[i]);
    fputc('\n', out);
}

/* Report the first mismatch: op index and kind, key, expected vs got, and how to replay. */
static bool mismatch(struct model *m, const void *key, uint32_t klen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool
mismatch(struct model *m, const void *key, uint32_t klen, const char *fmt, ...)
{
    char hex[80];
    va_list ap;
    model_hex(hex, sizeof(hex), key, klen, 24);
    fprintf(stderr, "MISMATCH at op %" PRIu64 " (%s), key %u bytes %s: ", m->op, m->op_name, klen,
            hex);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  engine %s, seed %" PRIu64 ", fill %.4f, %zu keys in the model\n",
            m->engine, m->seed, fill_with(m, 0), m->ref.n);
    print_replay(m, stderr);
    m->failed = true;
    return false;
}

static bool
expect_status(struct model *m, enum kv_status got, enum kv_status want)
{
    if (got == want)
        return true;
    return mismatch(m, m->key, m->klen, "expected %s, got %s", kv_status_name(want),
                    kv_status_name(got));
}

static struct sim_plan *
plan_begin(struct model *m)
{
    return sim_plan_new(m->dev->sim);
}

static void
plan_end(struct model *m, struct sim_plan *plan)
{
    sim_plan_submit(m->dev->sim, plan, NULL, NULL);
}

/* ---- keys and values ---- */

static uint32_t
pick_klen(struct model *m)
{
    uint64_t r = below(m, 100);
    if (r < 55)
        return 4 + (uint32_t)below(m, 21); /* 4..24 */
    if (r < 90)
        return 25 + (uint32_t)below(m, 76); /* 25..100 */
    return 101 + (uint32_t)below(m, 155);   /* 101..255 */
}

/* A key that is probably absent: shared prefixes, tiny alphabets, neighbours of present keys. */
static void
gen_new_key(struct model *m)
{
    static const uint8_t tiny[4] = {0x00, 0x01, 'a', 0xff};
    if (m->ref.n > 0 && below(m, 100) < 15) {
        const struct model_entry *e = model_ref_at(&m->ref, below(m, m->ref.n));
        memcpy(m->key, e->key, e->klen);
        m->klen = e->klen;
        switch (below(m, 3)) {
        case 0: /* a key it is a prefix of */
            for (uint32_t add = 1 + (uint32_t)below(m, 8); add > 0 && m->klen < KV_KEY_MAX; add--)
                m->key[m->klen++] = (uint8_t)below(m, 256);
            break;
        case 1: /* a prefix of it */
            if (m->klen > 4)
                m->klen = 4 + (uint32_t)below(m, m->klen - 4);
            break;
        default: /* a neighbour */
            m->key[m->klen - 1] += below(m, 2) ? 1 : 0xff;
        }
        return;
    }
    uint32_t len = pick_klen(m), used = 0;
    if (below(m, 100) < 70) {
        uint32_t p = (uint32_t)below(m, N_PREFIXES);
        used = m->prefix_len[p] < len ? m->prefix_len[p] : len;
        memcpy(m->key, m->prefix[p], used);
    }
    bool small_alphabet = below(m, 100) < 20;
    for (; used < len; used++)
        m->key[used] = small_alphabet ? tiny[below(m, 4)] : (uint8_t)below(m, 256);
    m->klen = len;
}

/* Copy a present key (the entry may be freed by the operation). */
static const struct model_entry *
pick_existing_key(struct model *m)
{
    if (m->ref.n == 0) {
        gen_new_key(m);
        return NULL;
    }
    const struct model_entry *e = model_ref_at(&m->ref, below(m, m->ref.n));
    memcpy(m->key, e->key, e->klen);
    m->klen = e->klen;
    return e;
}

static void
pick_key(struct model *m, uint32_t existing_pct)
{
    if (below(m, 100) < existing_pct)
        pick_existing_key(m);
    else
        gen_new_key(m);
}

/* Skewed toward small: some empty, most under 256 bytes, a tail up to 8 KiB. */
static uint32_t
pick_vlen(struct model *m)
{
    uint64_t r = below(m, 100);
    uint32_t v;
    if (r < 8)
        v = 0;
    else if (r < 60)
        v = 1 + (uint32_t)below(m, 256);
    else if (r < 85)
        v = 257 + (uint32_t)below(m, 2048 - 256);
    else
        v = 2049 + (uint32_t)below(m, VALUE_MAX - 2048);
    uint32_t limit = m->e->ops->max_value(m->e, m->klen);
    return v < limit ? v : limit;
}

static void
gen_value(struct model *m, uint32_t vlen)
{
    for (uint32_t i = 0; i < vlen; i += 8) {
        uint64_t x = nvkv_rng_next(&m->data_rng);
        memcpy(m->val + i, &x, vlen - i < 8 ? vlen - i : 8);
    }
}

/* ---- operations ---- */

/* A write the engine refused for space: fine only when the device is nearly full. */
static bool
accept_no_space(struct model *m, uint64_t record_bytes)
{
    double fill = fill_with(m, record_bytes);
    if (fill >= m->min_fill) {
        m->no_space++;
        m->last_no_space = m->op;
        if (fill < m->no_space_min)
            m->no_space_min = fill;
        /* the engine's real capacity: keep the band just under it */
        m->ceiling = fill_with(m, 0) < FILL_MAX ? fill_with(m, 0) : FILL_MAX;
        return true;
    }
    return mismatch(m, m->key, m->klen, "no_space at fill %.4f (with this record), below %.2f",
                    fill_with(m, record_bytes), m->min_fill);
}

static bool
op_put(struct model *m, uint32_t existing_pct, bool conditional)
{
    m->op_name = "put";
    m->n_put++;
    pick_key(m, existing_pct);
    uint32_t options = 0;
    uint64_t r = conditional ? below(m, 100) : 100;
    if (r < 8)
        options = KV_PUT_IF_EXISTS;
    else if (r < 16)
        options = KV_PUT_IF_ABSENT;
    uint32_t vlen = pick_vlen(m);
    enum kv_status want = KV_OK;
    if (m->big_value != 0 && below(m, 2000) == 0) {
        vlen = m->e->ops->max_value(m->e, m->klen) + 1;
        memset(m->val, 0x5a, vlen);
        want = KV_INVALID_VALUE;
    } else {
        gen_value(m, vlen);
    }
    bool present = model_ref_find(&m->ref, m->key, m->klen) != NULL;
    if (want == KV_OK && (options & KV_PUT_IF_EXISTS) && !present)
        want = KV_NOT_FOUND;
    if (want == KV_OK && (options & KV_PUT_IF_ABSENT) && present)
        want = KV_EXISTS;
    struct sim_plan *plan = plan_begin(m);
    enum kv_status st = m->e->ops->put(m->e, plan, m->key, m->klen, m->val, vlen, options);
    plan_end(m, plan);
    if (st == KV_NO_SPACE && want != KV_INVALID_VALUE)
        return accept_no_space(m, model_record_bytes(m->klen, vlen));
    if (!expect_status(m, st, want))
        return false;
    if (st == KV_OK)
        model_ref_put(&m->ref, m->key, m->klen, m->val, vlen);
    else
        m->rejected++;
    return true;
}

static bool
op_get(struct model *m, uint32_t existing_pct)
{
    m->op_name = "get";
    m->n_get++;
    pick_key(m, existing_pct);
    const struct model_entry *e = model_ref_find(&m->ref, m->key, m->klen);
    uint32_t want_len = e ? e->vlen : 0;
    uint64_t r = below(m, 100);
    uint32_t buf_len = m->buf_cap - 64; /* 64 poisoned bytes stay past the end */
    if (r >= 95)
        buf_len = 0;
    else if (r >= 85)
        buf_len = (uint32_t)below(m, want_len + 1);
    uint32_t copy = want_len < buf_len ? want_len : buf_len;
    memset(m->buf, 0xcd, copy + 64);
    uint32_t vlen = UINT32_MAX;
    struct sim_plan *plan = plan_begin(m);
    enum kv_status st =
        m->e->ops->get(m->e, plan, m->key, m->klen, buf_len ? m->buf : NULL, buf_len, &vlen);
    plan_end(m, plan);
    if (!expect_status(m, st, e ? KV_OK : KV_NOT_FOUND))
        return false;
    if (e == NULL)
        return true;
    m->hits++;
    if (vlen != want_len)
        return mismatch(m, m->key, m->klen, "value length: expected %u, got %u", want_len, vlen);
    for (uint32_t i = 0; i < copy; i++)
        if (m->buf[i] != e->value[i])
            return mismatch(m, m->key, m->klen,
                            "value byte %u of %u (buffer %u): expected %02x, got %02x", i, want_len,
                            buf_len, e->value[i], m->buf[i]);
    for (uint32_t i = copy; i < copy + 64 && i < buf_len; i++)
        if (m->buf[i] != 0xcd)
            return mismatch(m, m->key, m->klen,
                            "wrote buffer byte %u past the %u copied (value %u, buffer %u)", i,
                            copy, want_len, buf_len);
    return true;
}

static bool
op_del(struct model *m, uint32_t existing_pct)
{
    m->op_name = "del";
    m->n_del++;
    pick_key(m, existing_pct);
    bool present = model_ref_find(&m->ref, m->key, m->klen) != NULL;
    struct sim_plan *plan = plan_begin(m);
    enum kv_status st = m->e->ops->del(m->e, plan, m->key, m->klen);
    plan_end(m, plan);
    if (st == KV_NO_SPACE) /* a tombstone needs room too */
        return accept_no_space(m, model_record_bytes(m->klen, 0));
    if (!expect_status(m, st, present ? KV_OK : KV_NOT_FOUND))
        return false;
    if (present)
        model_ref_del(&m->ref, m->key, m->klen);
    return true;
}

static bool
op_exist(struct model *m, uint32_t existing_pct)
{
    m->op_name = "exist";
    m->n_exist++;
    pick_key(m, existing_pct);
    bool present = model_ref_find(&m->ref, m->key, m->klen) != NULL;
    struct sim_plan *plan = plan_begin(m);
    enum kv_status st = m->e->ops->exist(m->e, plan, m->key, m->klen);
    plan_end(m, plan);
    return expect_status(m, st, present ? KV_OK : KV_NOT_FOUND);
}

/*
 * Seek to m->key (klen 0: the first key) and compare `count` nexts with the model (count 0:
 * until the end, which must come exactly after the model's last key).
 */
static bool
scan(struct model *m, uint64_t count)
{
    struct kv_iter *it = NULL;
    bool ok = true;
    char hex[80];
    if (m->e->ops->iter_create(m->e, &it) != 0)
        return mismatch(m, m->key, m->klen, "iter_create failed");
    struct model_cursor cur = model_ref_seek(&m->ref, m->key, m->klen);
    const struct model_entry *e = model_ref_entry(&m->ref, cur);
    struct sim_plan *plan = plan_begin(m);
    enum kv_status st = m->e->ops->iter_seek(it, plan, m->key, m->klen);
    plan_end(m, plan);
    if (st != KV_OK && st != KV_END) {
        ok = mismatch(m, m->key, m->klen, "seek: expected ok or end, got %s", kv_status_name(st));
    } else if (st == KV_END && e != NULL) {
        model_hex(hex, sizeof(hex), e->key, e->klen, 24);
        ok =
            mismatch(m, m->key, m->klen, "seek: got end, but the model holds key %s after it", hex);
    }
    for (uint64_t j = 0; ok && (count == 0 || j < count); j++) {
        const void *k = NULL, *v = NULL;
        uint32_t klen = 0, vlen = 0;
        plan = plan_begin(m);
        st = m->e->ops->iter_next(it, plan, &k, &klen, &v, &vlen);
        plan_end(m, plan);
        m->n_next++;
        if (e == NULL) {
            if (st != KV_END)
                ok = mismatch(m, k, klen, "next %" PRIu64 " after seek: expected end, got %s", j,
                              kv_status_name(st));
            break;
        }
        if (st != KV_OK || kv_key_cmp(k, klen, e->key, e->klen) != 0) {
            model_hex(hex, sizeof(hex), e->key, e->klen, 24);
            if (st != KV_OK)
                ok = mismatch(m, m->key, m->klen, "next %" PRIu64 ": expected key %s, got %s", j,
                              hex, kv_status_name(st));
            else
                ok = mismatch(m, k, klen, "next %" PRIu64 ": got this key, expected %u bytes %s", j,
                              e->klen, hex);
        } else if (vlen != e->vlen || (vlen > 0 && memcmp(v, e->value, vlen) != 0)) {
            uint32_t at = 0;
            while (at < vlen && at < e->vlen && ((const uint8_t *)v)[at] == e->value[at])
                at++;
            ok = mismatch(m, k, klen,
                          "next %" PRIu64 ": value differs from byte %u (%u bytes, expected %u)", j,
                          at, vlen, e->vlen);
        }
        model_ref_next(&m->ref, &cur);
        e = model_ref_entry(&m->ref, cur);
    }
    m->e->ops->iter_destroy(it);
    /* a long scan leaves many plans in flight: play them now */
    sim_run(m->dev->sim, UINT64_MAX);
    return ok;
}

static bool
op_scan(struct model *m)
{
    m->op_name = "scan";
    m->n_scan++;
    uint64_t r = below(m, 100);
    if (r < 10)
        m->klen = 0;
    else
        pick_key(m, 50);
    return scan(m, 1 + below(m, SCAN_MAX_NEXT));
}

static bool
full_scan(struct model *m)
{
    m->op_name = "full scan";
    m->n_full_scans++;
    m->klen = 0;
    return scan(m, 0);
}

/* One operation; the mix leans toward new keys below the fill band and toward deletes above. */
static bool
step(struct model *m)
{
    double fill = fill_with(m, 0);
    if (!m->loaded) {
        uint64_t no_space = m->no_space;
        bool ok = op_put(m, 0, false);
        if (fill_with(m, 0) >= FILL_LOAD || m->no_space != no_space)
            m->loaded = true;
        return ok;
    }
    if (fill < m->fill_min)
        m->fill_min = fill;
    m->fill_sum += fill;
    m->fill_samples++;
    if (m->op - m->last_no_space >= PROBE_EVERY && m->ceiling < FILL_MAX) {
        m->ceiling += CEILING_PROBE; /* no refusal for a while: look for more room */
        m->last_no_space = m->op;
    }
    double low = m->ceiling - FILL_BAND;
    uint32_t new_pct = fill < low ? 70 : fill < m->ceiling ? 35 : 10;
    uint32_t del_existing_pct = fill < low ? 30 : fill < m->ceiling ? 80 : 95;
    uint64_t r = below(m, 1000);
    if (r < SCAN_PERMILLE)
        return op_scan(m);
    if (r < 350)
        return op_put(m, 100 - new_pct, true);
    if (r < 650)
        return op_get(m, 80);
    if (r < 780)
        return op_del(m, del_existing_pct);
    return op_exist(m, 70);
}

/* ---- setup and main ---- */

/* An engine invariant that fails during an operation names the operation and the replay. */
static void
print_context(void *arg, FILE *out)
{
    const struct model *m = arg;
    fprintf(out, "test_model: engine %s, op %" PRIu64 " (%s), seed %" PRIu64 ", fill %.4f\n",
            m->engine, m->op, m->op_name ? m->op_name : "-", m->seed, fill_with(m, 0));
    print_replay(m, out);
}

static int
open_device(struct model *m)
{
    char err[CFG_ERR_LEN] = "";
    struct cfg c;
    if (cfg_load_preset(&c, "anykey64g", err, sizeof(err)) != 0)
        goto bad;
    for (size_t i = 0; i < sizeof(device_sets) / sizeof(device_sets[0]); i++)
        if (cfg_set_assignment(&c, device_sets[i], err, sizeof(err)) != 0)
            goto bad;
    for (int i = 0; i < m->n_sets; i++)
        if (cfg_set_assignment(&c, m->sets[i], err, sizeof(err)) != 0)
            goto bad;
    if (cfg_finalize(&c, 1, err, sizeof(err)) != 0)
        goto bad;
    if (kvdev_open(&c, m->engine, m->seed, &m->dev, err, sizeof(err)) != 0)
        goto bad;
    m->e = m->dev->engine;
    return 0;
bad:
    fprintf(stderr, "test_model: %s\n", err);
    return -1;
}

static void
init_streams(struct model *m)
{
    nvkv_rng_derive(&m->rng, m->seed, "model.ops");
    nvkv_rng_derive(&m->data_rng, m->seed, "model.values");
    for (int p = 0; p < N_PREFIXES; p++) {
        /* odd prefixes extend the even one before them: nested shared prefixes */
        uint32_t base = p % 2 ? m->prefix_len[p - 1] : 0;
        if (base)
            memcpy(m->prefix[p], m->prefix[p - 1], base);
        m->prefix_len[p] = base + 1 + (uint32_t)below(m, 10);
        for (uint32_t i = base; i < m->prefix_len[p]; i++)
            m->prefix[p][i] = (uint8_t)below(m, 256);
    }
    m->fill_min = 1e9;
    m->no_space_min = 1e9;
    m->ceiling = FILL_MAX;
}

static int
usage(const char *msg)
{
    fprintf(stderr,
            "test_model: %s\nusage: test_model ENGINE [--ops N] [--seed S] [--min-fill F] [--set "
            "sec.key=val]\n",
            msg);
    printf("0 passed, 1 failed\n");
    return 1;
}

static void
print_summary(struct model *m, double wall_s)
{
    const struct kv_stats *s = m->e->ops->stats(m->e);
    const struct nand_stats *f = nand_stats(m->dev->nand);
    uint64_t erases = 0, writes = 0;
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++) {
        erases += f->erases[o];
        writes += f->page_writes[o];
    }
    printf("model %s: %" PRIu64 " ops in %.1f s (seed %" PRIu64 ")\n", m->engine, m->op, wall_s,
           m->seed);
    printf("  put %" PRIu64 " (%" PRIu64 " refused by option, %" PRIu64 " no_space), get %" PRIu64
           " (%" PRIu64 " hits), del %" PRIu64 ", exist %" PRIu64 ", scans %" PRIu64 " + %" PRIu64
           " full (%" PRIu64 " nexts)\n",
           m->n_put, m->rejected, m->no_space, m->n_get, m->hits, m->n_del, m->n_exist, m->n_scan,
           m->n_full_scans, m->n_next);
    printf("  fill of exposed capacity after the load: min %.3f, mean %.3f, end %.3f; %zu keys, "
           "%" PRIu64 " key+value bytes\n",
           m->fill_samples ? m->fill_min : 0.0,
           m->fill_samples ? m->fill_sum / (double)m->fill_samples : 0.0, fill_with(m, 0), m->ref.n,
           m->ref.kv_bytes);
    if (m->no_space > 0)
        printf("  no_space answers came at fill %.3f and above; the band's ceiling ended at %.3f\n",
               m->no_space_min, m->ceiling);
    printf("  engine: flushes %" PRIu64 ", compactions %" PRIu64 ", gcs %" PRIu64 " (%" PRIu64
           " pages copied); flash: %" PRIu64 " page writes, %" PRIu64 " erases\n",
           s->flushes, s->compactions, s->gcs, s->gc_pages_copied, writes, erases);
    if (s->live_keys != m->ref.n)
        printf("  note: the engine reports %" PRIu64 " live keys, the model holds %zu\n",
               s->live_keys, m->ref.n);
}

int
main(int argc, char **argv)
{
    struct model m = {.ops = 1000000, .seed = 1, .min_fill = NOSPACE_MIN_FILL};
    if (argc < 2 || argv[1][0] == '-')
        return usage("missing ENGINE");
    m.engine = argv[1];
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc)
            return usage("an option lacks its value");
        char *end = NULL;
        if (strcmp(argv[i], "--ops") == 0)
            m.ops = strtoull(argv[++i], &end, 0);
        else if (strcmp(argv[i], "--seed") == 0)
            m.seed = strtoull(argv[++i], &end, 0);
        else if (strcmp(argv[i], "--min-fill") == 0)
            m.min_fill = strtod(argv[++i], &end);
        else if (strcmp(argv[i], "--set") == 0 && m.n_sets < MAX_SETS)
            m.sets[m.n_sets++] = argv[++i];
        else
            return usage("unknown option");
        if (end != NULL && (*end != '\0' || end == argv[i]))
            return usage("--ops and --seed take an integer, --min-fill a number");
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep the summary if an engine check aborts */
    model_ref_init(&m.ref);
    if (open_device(&m) != 0) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    init_streams(&m);
    uint32_t limit = m.e->ops->max_value(m.e, KV_KEY_MIN);
    m.big_value = limit < (1u << 20) ? limit + 1 : 0;
    m.val_cap = (m.big_value > VALUE_MAX ? m.big_value : VALUE_MAX) + 8;
    m.buf_cap = VALUE_MAX + 1024;
    m.val = malloc(m.val_cap);
    m.buf = malloc(m.buf_cap);
    if (m.val == NULL || m.buf == NULL) {
        fprintf(stderr, "test_model: out of memory\n");
        return 1;
    }

    double t0 = cli_wall_seconds();
    int passed = 0, failed = 0;
    bool ok = true;
    for (m.op = 0; ok && m.op < m.ops; m.op++) {
        nvkv_check_set_context(print_context, &m); /* sim_run() installs its own */
        ok = step(&m);
        sim_run(m.dev->sim, UINT64_MAX);
        if (ok && (m.op + 1) % BACKGROUND_EVERY == 0) {
            m.e->ops->background(m.e);
            sim_run(m.dev->sim, UINT64_MAX);
        }
        if (ok && (m.op + 1) % FULL_SCAN_EVERY == 0) {
            nvkv_check_set_context(print_context, &m);
            ok = full_scan(&m);
        }
    }
    ok ? passed++ : failed++;
    if (ok) {
        /* the final state, after the engine had time for background work */
        m.e->ops->background(m.e);
        sim_run(m.dev->sim, UINT64_MAX);
        nvkv_check_set_context(print_context, &m);
        ok = full_scan(&m);
        sim_run(m.dev->sim, UINT64_MAX);
        ok ? passed++ : failed++;
    }
    if (ok && m.ops >= 100000) {
        uint64_t erases = 0;
        for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
            erases += nand_stats(m.dev->nand)->erases[o];
        if (erases == 0) {
            fprintf(stderr,
                    "FAIL: %" PRIu64 " operations never erased a block: space was "
                    "never reclaimed, so GC was not exercised\n",
                    m.ops);
            failed++;
        } else {
            passed++;
        }
    }
    print_summary(&m, cli_wall_seconds() - t0);
    kvdev_close(m.dev);
    model_ref_free(&m.ref);
    free(m.val);
    free(m.buf);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
