/* SPDX-License-Identifier: MIT */
/*
 * The hash engine: real bytes through put / get / del / exist and their options, the limits,
 * the iterator's order, GC under overwrites, the DRAM budget (index in DRAM, then spilled to
 * flash buckets with a GET costing a bucket read and a record read), running out of space
 * without losing data, and determinism.
 */
#include <stdlib.h>

#include "../../src/base/rng.h"
#include "../../src/kv/datalog.h"
#include "../../tools/kvdev.h"
#include "harness.h"

/* 2 x 2 dies of 16 blocks of 16 pages of 8 KiB: 8 MiB raw, 7.2 MiB exposed */
static const char *const small_device[] = {
    "nand.channels=2",
    "nand.dies_per_channel=2",
    "nand.blocks_per_die=16",
    "nand.pages_per_block=16",
    NULL,
};

struct dev {
    struct kvdev *d;
    struct kv_engine *e;
    uint64_t last_latency;
};

static void
open_dev(struct dev *t, const char *const *extra)
{
    struct cfg c;
    char err[CFG_ERR_LEN];
    CHECK_EQ_INT(cfg_load_preset(&c, "anykey64g", err, sizeof(err)), 0);
    for (int i = 0; small_device[i] != NULL; i++)
        CHECK_EQ_INT(cfg_set_assignment(&c, small_device[i], err, sizeof(err)), 0);
    for (int i = 0; extra != NULL && extra[i] != NULL; i++)
        CHECK_EQ_INT(cfg_set_assignment(&c, extra[i], err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg_finalize(&c, 1, err, sizeof(err)), 0);
    t->d = NULL;
    CHECK_EQ_INT(kvdev_open(&c, "hash", 1, &t->d, err, sizeof(err)), 0);
    t->e = t->d->engine;
}

static void
close_dev(struct dev *t)
{
    kvdev_close(t->d);
}

static void
record_end(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)plan;
    *(uint64_t *)arg = sim_now(sim);
}

/* Submit the op's plan and run the simulation dry; the op's latency is kept. */
static void
finish(struct dev *t, struct sim_plan *p)
{
    uint64_t start = sim_now(t->d->sim), end = start;
    sim_plan_submit(t->d->sim, p, record_end, &end);
    sim_run(t->d->sim, UINT64_MAX);
    t->last_latency = end - start;
}

static enum kv_status
put_opt(struct dev *t, const void *k, uint32_t kl, const void *v, uint32_t vl, uint32_t opt)
{
    struct sim_plan *p = sim_plan_new(t->d->sim);
    enum kv_status s = t->e->ops->put(t->e, p, k, kl, v, vl, opt);
    finish(t, p);
    return s;
}

static enum kv_status
put(struct dev *t, const void *k, uint32_t kl, const void *v, uint32_t vl)
{
    return put_opt(t, k, kl, v, vl, 0);
}

static enum kv_status
get(struct dev *t, const void *k, uint32_t kl, void *buf, uint32_t cap, uint32_t *vl)
{
    struct sim_plan *p = sim_plan_new(t->d->sim);
    enum kv_status s = t->e->ops->get(t->e, p, k, kl, buf, cap, vl);
    finish(t, p);
    return s;
}

static enum kv_status
del(struct dev *t, const void *k, uint32_t kl)
{
    struct sim_plan *p = sim_plan_new(t->d->sim);
    enum kv_status s = t->e->ops->del(t->e, p, k, kl);
    finish(t, p);
    return s;
}

static enum kv_status
exist(struct dev *t, const void *k, uint32_t kl)
{
    struct sim_plan *p = sim_plan_new(t->d->sim);
    enum kv_status s = t->e->ops->exist(t->e, p, k, kl);
    finish(t, p);
    return s;
}

static uint64_t
flash_reads(const struct dev *t)
{
    const struct nand_stats *s = nand_stats(t->d->nand);
    uint64_t n = 0;
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
        n += s->page_reads[o];
    return n;
}

static void
make_key(uint8_t *k, uint32_t klen, uint64_t id)
{
    memset(k, 'k', klen);
    for (uint32_t i = 0; i < 8 && i < klen; i++)
        k[i] = (uint8_t)(id >> (56 - 8 * i));
}

/* The bytes of value (id, version): deterministic, different for every pair. */
static void
make_value(uint8_t *v, uint32_t vlen, uint64_t id, uint64_t version)
{
    uint64_t s = id * 0x9e3779b97f4a7c15ull ^ version << 40 ^ vlen;
    for (uint32_t i = 0; i < vlen; i++)
        v[i] = (uint8_t)(nvkv_splitmix64(&s) >> 17);
}

/* GET the key and compare with value (id, version) of vlen bytes. */
static bool
value_is(struct dev *t, const uint8_t *k, uint32_t kl, uint64_t id, uint64_t version, uint32_t vlen)
{
    static uint8_t want[256 << 10], got[256 << 10];
    uint32_t n = UINT32_MAX;
    make_value(want, vlen, id, version);
    if (get(t, k, kl, got, sizeof(got), &n) != KV_OK || n != vlen)
        return false;
    return vlen == 0 || memcmp(want, got, vlen) == 0;
}

TEST(round_trip_sizes)
{
    struct dev t;
    open_dev(&t, NULL);
    static uint8_t v[40 << 10], buf[40 << 10];
    const uint32_t sizes[] = {0, 1, 511, 8192, 3 * 8192 + 100, 40 << 10};
    uint8_t k[KV_KEY_MAX];
    for (uint32_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint32_t kl = i % 2 ? KV_KEY_MAX : 1 + i;
        make_key(k, kl, i);
        make_value(v, sizes[i], i, 1);
        CHECK_EQ_INT(put(&t, k, kl, v, sizes[i]), KV_OK);
    }
    for (uint32_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint32_t kl = i % 2 ? KV_KEY_MAX : 1 + i;
        make_key(k, kl, i);
        CHECK_MSG(value_is(&t, k, kl, i, 1, sizes[i]), "value of %u bytes", sizes[i]);
    }
    /* a short buffer gets the first bytes, the length is the stored one; no buffer at all */
    make_key(k, KV_KEY_MAX, 3);
    make_value(v, 8192, 3, 1);
    uint32_t n = 0;
    memset(buf, 0xee, 200);
    CHECK_EQ_INT(get(&t, k, KV_KEY_MAX, buf, 100, &n), KV_OK);
    CHECK_EQ_U64(n, 8192);
    CHECK(memcmp(buf, v, 100) == 0 && buf[100] == 0xee);
    CHECK_EQ_INT(get(&t, k, KV_KEY_MAX, NULL, 0, &n), KV_OK);
    CHECK_EQ_U64(n, 8192);
    const struct kv_stats *s = t.e->ops->stats(t.e);
    CHECK_EQ_U64(s->live_keys, 6);
    CHECK_EQ_U64(s->puts, 6);
    CHECK_EQ_U64(s->get_hits, 8);
    close_dev(&t);
}

TEST(overwrite_delete_exist)
{
    struct dev t;
    open_dev(&t, NULL);
    uint8_t k[16], v[3000];
    make_key(k, 16, 7);
    CHECK_EQ_INT(exist(&t, k, 16), KV_NOT_FOUND);
    CHECK_EQ_INT(del(&t, k, 16), KV_NOT_FOUND);
    make_value(v, 3000, 7, 1);
    CHECK_EQ_INT(put(&t, k, 16, v, 3000), KV_OK);
    CHECK_EQ_INT(exist(&t, k, 16), KV_OK);
    make_value(v, 100, 7, 2);
    CHECK_EQ_INT(put(&t, k, 16, v, 100), KV_OK);
    CHECK(value_is(&t, k, 16, 7, 2, 100));
    const struct kv_stats *s = t.e->ops->stats(t.e);
    CHECK_EQ_U64(s->live_keys, 1);
    CHECK_EQ_U64(s->live_bytes, 116);
    CHECK_EQ_U64(s->host_bytes_written, 3016 + 116);
    /* the overwritten record's pieces are invalid: only the new one's stay valid */
    uint64_t valid = 0;
    for (uint64_t b = 0; b < ftl_total_blocks(t.d->alloc); b++)
        valid += ftl_block_valid_pieces(t.d->alloc, b);
    CHECK_EQ_U64(valid, kv_record_pieces(16, 100));
    CHECK_EQ_INT(del(&t, k, 16), KV_OK);
    CHECK_EQ_INT(exist(&t, k, 16), KV_NOT_FOUND);
    uint32_t n;
    CHECK_EQ_INT(get(&t, k, 16, v, sizeof(v), &n), KV_NOT_FOUND);
    CHECK_EQ_INT(del(&t, k, 16), KV_NOT_FOUND);
    valid = 0;
    for (uint64_t b = 0; b < ftl_total_blocks(t.d->alloc); b++)
        valid += ftl_block_valid_pieces(t.d->alloc, b);
    CHECK_EQ_U64(valid, 0);
    CHECK_EQ_U64(s->live_keys, 0);
    CHECK_EQ_U64(s->live_bytes, 0);
    close_dev(&t);
}

TEST(put_options)
{
    struct dev t;
    open_dev(&t, NULL);
    uint8_t k[8], v[64];
    make_key(k, 8, 1);
    make_value(v, 64, 1, 1);
    CHECK_EQ_INT(put_opt(&t, k, 8, v, 64, KV_PUT_IF_EXISTS), KV_NOT_FOUND);
    CHECK_EQ_INT(exist(&t, k, 8), KV_NOT_FOUND);
    CHECK_EQ_INT(put_opt(&t, k, 8, v, 64, KV_PUT_IF_ABSENT), KV_OK);
    make_value(v, 64, 1, 2);
    CHECK_EQ_INT(put_opt(&t, k, 8, v, 64, KV_PUT_IF_ABSENT), KV_EXISTS);
    CHECK(value_is(&t, k, 8, 1, 1, 64));
    CHECK_EQ_INT(put_opt(&t, k, 8, v, 64, KV_PUT_IF_EXISTS), KV_OK);
    CHECK(value_is(&t, k, 8, 1, 2, 64));
    CHECK_EQ_U64(t.e->ops->stats(t.e)->host_bytes_written, 2 * 72);
    close_dev(&t);
}

TEST(limits)
{
    struct dev t;
    open_dev(&t, NULL);
    static uint8_t k[KV_KEY_MAX + 1], v[128 << 10];
    uint32_t n;
    make_key(k, sizeof(k), 1);
    CHECK_EQ_INT(put(&t, k, 0, v, 1), KV_INVALID_KEY);
    CHECK_EQ_INT(put(&t, k, KV_KEY_MAX + 1, v, 1), KV_INVALID_KEY);
    CHECK_EQ_INT(get(&t, k, 0, v, 1, &n), KV_INVALID_KEY);
    CHECK_EQ_INT(get(&t, k, KV_KEY_MAX + 1, v, 1, &n), KV_INVALID_KEY);
    CHECK_EQ_INT(del(&t, k, 0), KV_INVALID_KEY);
    CHECK_EQ_INT(exist(&t, k, KV_KEY_MAX + 1), KV_INVALID_KEY);
    /* one block: 16 pages of 8 KiB (the key and header live in the first page's OOB) */
    uint32_t max = t.e->ops->max_value(t.e, 10);
    CHECK_EQ_U64(max, 16 * 8192);
    CHECK_EQ_INT(put(&t, k, 10, v, max + 1), KV_INVALID_VALUE);
    CHECK_EQ_INT(put(&t, k, 10, v, KV_VALUE_MAX + 1), KV_INVALID_VALUE);
    CHECK_EQ_INT(exist(&t, k, 10), KV_NOT_FOUND);
    make_value(v, max, 1, 1);
    CHECK_EQ_INT(put(&t, k, 10, v, max), KV_OK);
    CHECK(value_is(&t, k, 10, 1, 1, max));
    CHECK_EQ_U64(t.e->ops->stats(t.e)->live_keys, 1);
    close_dev(&t);
}

/* A buffered PUT completes at once; the one that fills the page waits for its program. */
TEST(write_buffer_and_read_costs)
{
    struct dev t;
    open_dev(&t, NULL);
    uint8_t k[8], v[400];
    uint32_t n;
    /* 8 + 8 + 400 bytes: one piece, sixteen records a page */
    for (uint64_t i = 0; i < 16; i++) {
        make_key(k, 8, i);
        make_value(v, 400, i, 1);
        CHECK_EQ_INT(put(&t, k, 8, v, 400), KV_OK);
        if (i < 15)
            CHECK_LT_U64(t.last_latency, 5000);
        if (i == 0) {
            uint64_t before = flash_reads(&t);
            CHECK(value_is(&t, k, 8, 0, 1, 400)); /* from the open page: no flash read */
            CHECK_EQ_U64(flash_reads(&t), before);
        }
    }
    CHECK_GE_U64(t.last_latency, 800000); /* a program: 0.8 ms at the least */
    uint64_t before = flash_reads(&t);
    make_key(k, 8, 3);
    CHECK_EQ_INT(get(&t, k, 8, v, sizeof(v), &n), KV_OK);
    CHECK_EQ_U64(flash_reads(&t) - before, 1);
    CHECK_GE_U64(t.last_latency, 56000);
    const struct kv_stats *s = t.e->ops->stats(t.e);
    CHECK_EQ_U64(s->flash_reads_per_get.count, 2);
    CHECK_EQ_U64(s->flash_reads_per_get.max, 1);
    /* a miss in a DRAM-resident index costs no flash read */
    before = flash_reads(&t);
    make_key(k, 8, 99);
    CHECK_EQ_INT(get(&t, k, 8, v, sizeof(v), &n), KV_NOT_FOUND);
    CHECK_EQ_U64(flash_reads(&t), before);
    /* index entries are charged at hash_entry_bytes each */
    CHECK_EQ_U64(t.d->dram.used[DEV_DRAM_MAPPING], 16 * 8);
    CHECK_EQ_U64(s->metadata_flash_bytes[DEV_DRAM_MAPPING], 0);
    close_dev(&t);
}

static int
cmp_keys(const void *a, const void *b)
{
    return memcmp(a, b, 12);
}

TEST(iterator_order)
{
    struct dev t;
    open_dev(&t, NULL);

    enum {
        N = 300
    };

    static uint8_t keys[N][12];
    uint8_t v[700];
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 42);
    for (uint64_t i = 0; i < N; i++) {
        for (int b = 0; b < 12; b++)
            keys[i][b] = (uint8_t)nvkv_rng_below(&rng, 256);
        make_value(v, (uint32_t)(i * 7 % 700), i, 1);
        CHECK_EQ_INT(put(&t, keys[i], 12, v, (uint32_t)(i * 7 % 700)), KV_OK);
    }
    /* every third key deleted before the seek */
    for (uint64_t i = 0; i < N; i += 3)
        CHECK_EQ_INT(del(&t, keys[i], 12), KV_OK);
    struct kv_iter *it;
    CHECK_EQ_INT(t.e->ops->iter_create(t.e, &it), 0);
    struct sim_plan *p = sim_plan_new(t.d->sim);
    uint64_t before = flash_reads(&t);
    CHECK_EQ_INT(t.e->ops->iter_seek(it, p, NULL, 0), KV_OK);
    finish(&t, p);
    CHECK_LT_U64(before, flash_reads(&t)); /* the scan reads the flash */
    uint8_t prev[12];
    uint64_t seen = 0;
    for (;;) {
        const void *k, *val;
        uint32_t kl, vl;
        p = sim_plan_new(t.d->sim);
        enum kv_status st = t.e->ops->iter_next(it, p, &k, &kl, &val, &vl);
        finish(&t, p);
        if (st == KV_END)
            break;
        CHECK_EQ_INT(st, KV_OK);
        CHECK_EQ_U64(kl, 12);
        if (seen > 0)
            CHECK(memcmp(prev, k, 12) < 0);
        memcpy(prev, k, 12);
        uint64_t id = N;
        for (uint64_t i = 0; i < N; i++)
            if (memcmp(keys[i], k, 12) == 0)
                id = i;
        CHECK(id < N && id % 3 != 0);
        make_value(v, (uint32_t)(id * 7 % 700), id, 1);
        CHECK(vl == id * 7 % 700 && memcmp(v, val, vl) == 0);
        seen++;
    }
    CHECK_EQ_U64(seen, N - (N + 2) / 3);
    /* seek into the middle; keys deleted after the seek are skipped */
    static uint8_t sorted[N][12];
    uint64_t m = 0;
    for (uint64_t i = 0; i < N; i++)
        if (i % 3 != 0)
            memcpy(sorted[m++], keys[i], 12);
    qsort(sorted, m, 12, cmp_keys);
    p = sim_plan_new(t.d->sim);
    CHECK_EQ_INT(t.e->ops->iter_seek(it, p, sorted[m / 2], 12), KV_OK);
    finish(&t, p);
    CHECK_EQ_INT(del(&t, sorted[m / 2 + 1], 12), KV_OK);
    const void *k, *val;
    uint32_t kl, vl;
    p = sim_plan_new(t.d->sim);
    CHECK_EQ_INT(t.e->ops->iter_next(it, p, &k, &kl, &val, &vl), KV_OK);
    CHECK(kl == 12 && memcmp(k, sorted[m / 2], 12) == 0);
    CHECK_EQ_INT(t.e->ops->iter_next(it, p, &k, &kl, &val, &vl), KV_OK);
    CHECK(kl == 12 && memcmp(k, sorted[m / 2 + 2], 12) == 0);
    finish(&t, p);
    /* past the last key */
    uint8_t high[13];
    memset(high, 0xff, sizeof(high));
    p = sim_plan_new(t.d->sim);
    CHECK_EQ_INT(t.e->ops->iter_seek(it, p, high, 13), KV_END);
    CHECK_EQ_INT(t.e->ops->iter_next(it, p, &k, &kl, &val, &vl), KV_END);
    finish(&t, p);
    t.e->ops->iter_destroy(it);
    close_dev(&t);
}

TEST(gc_under_overwrites)
{
    struct dev t;
    open_dev(&t, NULL);

    /* 900 keys of 3-6 KiB (about half the array live), overwritten at random 3,000 times:
     * about 16 MB through an 8 MiB array, with live data in most victims */
    enum {
        KEYS = 900,
        OPS = 3000
    };

    static uint32_t version[KEYS];
    static uint8_t v[6200];
    uint8_t k[20];
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 3);
    for (uint64_t op = 0; op < KEYS + OPS; op++) {
        uint64_t i = op < KEYS ? op : nvkv_rng_below(&rng, KEYS);
        uint32_t vl = 3000 + (uint32_t)((i * 131 + version[i]) % 3000);
        version[i]++;
        make_key(k, 20, i);
        make_value(v, vl, i, version[i]);
        CHECK_EQ_INT(put(&t, k, 20, v, vl), KV_OK);
    }
    for (uint64_t i = 0; i < KEYS; i++) {
        make_key(k, 20, i);
        uint32_t vl = 3000 + (uint32_t)((i * 131 + version[i] - 1) % 3000);
        CHECK_MSG(value_is(&t, k, 20, i, version[i], vl), "key %llu", (unsigned long long)i);
    }
    const struct kv_stats *s = t.e->ops->stats(t.e);
    CHECK_LT_U64(0, s->gcs);
    CHECK_LT_U64(0, s->gc_pages_copied);
    CHECK_EQ_U64(s->live_keys, KEYS);
    CHECK_LT_U64(0, nand_stats(t.d->nand)->erases[NAND_ORIGIN_GC]);
    CHECK_LT_U64(0, nand_stats(t.d->nand)->page_writes[NAND_ORIGIN_GC]);
    CHECK_LE_U64(2, ftl_free_blocks(t.d->alloc));
    close_dev(&t);
}

/*
 * 24 KiB of DRAM: the two write-buffer pages take 16 KiB, so 1,024 index entries fit. With
 * 4,000 keys the table spills to flash buckets and a GET of a spilled key whose record is on
 * flash costs two reads; once most keys are gone the index fits again.
 */
TEST(spilled_buckets)
{
    const char *const sets[] = {"device.dram=24KiB", NULL};
    struct dev t;
    open_dev(&t, sets);

    enum {
        N = 4000
    };

    uint8_t k[16], v[24];
    for (uint64_t i = 0; i < N; i++) {
        make_key(k, 16, i);
        make_value(v, 24, i, 1);
        CHECK_EQ_INT(put(&t, k, 16, v, 24), KV_OK);
    }
    const struct kv_stats *s = t.e->ops->stats(t.e);
    CHECK_LE_U64(t.d->dram.used[DEV_DRAM_MAPPING], 8192);
    CHECK_LT_U64(0, s->metadata_flash_bytes[DEV_DRAM_MAPPING]);
    CHECK_LE_U64(t.d->dram.total_used, t.d->dram.budget);
    uint64_t two = 0, one = 0, meta0 = nand_stats(t.d->nand)->page_reads[NAND_ORIGIN_META];
    for (uint64_t i = 0; i < N; i++) {
        make_key(k, 16, i);
        uint64_t before = flash_reads(&t);
        CHECK(value_is(&t, k, 16, i, 1, 24));
        uint64_t n = flash_reads(&t) - before;
        CHECK_LE_U64(n, 2);
        two += n == 2;
        one += n == 1;
    }
    /* most of the index is on flash: most GETs read a bucket, then the record */
    CHECK_LT_U64(N / 2, two);
    CHECK_LT_U64(0, one);
    CHECK_EQ_U64(nand_stats(t.d->nand)->page_reads[NAND_ORIGIN_META] - meta0, two);
    CHECK_EQ_U64(s->flash_reads_per_get.max, 2);
    /* an absent key in a spilled bucket costs the bucket read alone */
    uint64_t spilled_misses = 0;
    for (uint64_t i = N; i < N + 100; i++) {
        make_key(k, 16, i);
        uint32_t n;
        uint64_t before = flash_reads(&t);
        CHECK_EQ_INT(get(&t, k, 16, v, sizeof(v), &n), KV_NOT_FOUND);
        CHECK_LE_U64(flash_reads(&t) - before, 1);
        spilled_misses += flash_reads(&t) - before;
    }
    CHECK_LT_U64(0, spilled_misses);
    /* overwrites and deletes in spilled buckets rewrite the bucket pages; then it fits again */
    for (uint64_t i = 0; i < N; i += 2) {
        make_key(k, 16, i);
        make_value(v, 24, i, 2);
        CHECK_EQ_INT(put(&t, k, 16, v, 24), KV_OK);
    }
    for (uint64_t i = 0; i < N; i++) {
        if (i % 8 == 0)
            continue;
        make_key(k, 16, i);
        CHECK_EQ_INT(del(&t, k, 16), KV_OK);
    }
    CHECK_EQ_U64(s->metadata_flash_bytes[DEV_DRAM_MAPPING], 0);
    CHECK_EQ_U64(t.d->dram.used[DEV_DRAM_MAPPING], (N / 8) * 8);
    for (uint64_t i = 0; i < N; i += 8) {
        make_key(k, 16, i);
        uint64_t before = flash_reads(&t);
        CHECK(value_is(&t, k, 16, i, 2, 24));
        CHECK_LE_U64(flash_reads(&t) - before, 1);
    }
    close_dev(&t);
}

TEST(no_space_keeps_data)
{
    struct dev t;
    open_dev(&t, NULL);

    /* 8 + 16 + 2024 bytes: four pieces, four records a page, nothing lost to padding */
    enum {
        VLEN = 2024
    };

    static uint8_t v[VLEN];
    uint8_t k[16];
    uint64_t stored = 0;
    enum kv_status st = KV_OK;
    for (; stored < 100000; stored++) {
        make_key(k, 16, stored);
        make_value(v, VLEN, stored, 1);
        st = put(&t, k, 16, v, VLEN);
        if (st != KV_OK)
            break;
    }
    CHECK_EQ_INT(st, KV_NO_SPACE);
    /* the device was filled close to its exposed capacity */
    uint64_t used = stored * kv_record_pieces(16, VLEN) * FTL_PIECE_BYTES;
    CHECK_LE_U64(used, t.d->exposed_bytes);
    CHECK_LE_U64(t.d->exposed_bytes * 8 / 10, used);
    for (uint64_t i = 0; i < stored; i++) {
        make_key(k, 16, i);
        CHECK_MSG(value_is(&t, k, 16, i, 1, VLEN), "key %llu", (unsigned long long)i);
    }
    make_key(k, 16, stored);
    CHECK_EQ_INT(exist(&t, k, 16), KV_NOT_FOUND);
    /* room comes back after deletes (GC reclaims it) */
    for (uint64_t i = 0; i < stored; i += 2) {
        make_key(k, 16, i);
        CHECK_EQ_INT(del(&t, k, 16), KV_OK);
    }
    for (uint64_t i = stored; i < stored + stored / 4; i++) {
        make_key(k, 16, i);
        make_value(v, VLEN, i, 1);
        CHECK_EQ_INT(put(&t, k, 16, v, VLEN), KV_OK);
    }
    for (uint64_t i = 1; i < stored + stored / 4; i += (i < stored ? 2 : 1)) {
        make_key(k, 16, i);
        CHECK_MSG(value_is(&t, k, 16, i, 1, VLEN), "key %llu", (unsigned long long)i);
    }
    CHECK_LT_U64(0, t.e->ops->stats(t.e)->gcs);
    close_dev(&t);
}

/* A mixed run; returns its virtual end time and the flash work in *work. */
static uint64_t
mixed_run(uint64_t *work)
{
    struct dev t;
    open_dev(&t, NULL);
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 7);
    static uint8_t v[9000];
    uint8_t k[24];
    uint32_t n;
    for (uint64_t op = 0; op < 6000; op++) {
        uint64_t id = nvkv_rng_below(&rng, 300), r = nvkv_rng_below(&rng, 100);
        make_key(k, 24, id);
        if (r < 50) {
            uint32_t vl = (uint32_t)nvkv_rng_below(&rng, sizeof(v));
            make_value(v, vl, id, op);
            put(&t, k, 24, v, vl);
        } else if (r < 85) {
            get(&t, k, 24, v, sizeof(v), &n);
        } else if (r < 95) {
            del(&t, k, 24);
        } else {
            t.e->ops->background(t.e);
            sim_run(t.d->sim, UINT64_MAX);
        }
    }
    const struct nand_stats *s = nand_stats(t.d->nand);
    *work = 0;
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
        *work = *work * 31 + s->page_reads[o] * 7 + s->page_writes[o] * 3 + s->erases[o];
    uint64_t end = sim_now(t.d->sim);
    CHECK_LT_U64(0, t.e->ops->stats(t.e)->gcs);
    close_dev(&t);
    return end;
}

TEST(determinism)
{
    uint64_t w1, w2;
    uint64_t t1 = mixed_run(&w1), t2 = mixed_run(&w2);
    CHECK_EQ_U64(t1, t2);
    CHECK_EQ_U64(w1, w2);
    CHECK_LT_U64(0, t1);
}

TEST(json_members)
{
    struct dev t;
    open_dev(&t, NULL);
    uint8_t k[4] = {1, 2, 3, 4};
    CHECK_EQ_INT(put(&t, k, 4, k, 4), KV_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f != NULL);
    struct nvkv_json j;
    nvkv_json_begin(&j, f);
    kv_write_stats_json(t.e, &j);
    CHECK_EQ_INT(nvkv_json_end(&j), 0);
    fclose(f);
    CHECK_CONTAINS(text, "\"name\": \"hash\"");
    CHECK_CONTAINS(text, "\"index_entries\": 1");
    CHECK_CONTAINS(text, "\"spilled_buckets\": 0");
    free(text);
    close_dev(&t);
}

TEST_MAIN(TEST_ENTRY(round_trip_sizes), TEST_ENTRY(overwrite_delete_exist), TEST_ENTRY(put_options),
          TEST_ENTRY(limits), TEST_ENTRY(write_buffer_and_read_costs), TEST_ENTRY(iterator_order),
          TEST_ENTRY(gc_under_overwrites), TEST_ENTRY(spilled_buckets),
          TEST_ENTRY(no_space_keeps_data), TEST_ENTRY(determinism), TEST_ENTRY(json_members))
