/* SPDX-License-Identifier: MIT */
/*
 * AnyKey and AnyKey+: the mechanisms the paper rests on, on a scaled-down anykey64g device.
 *   - 76-byte keys, 50-byte values (Crypto1): level lists and hash lists fit device DRAM and a
 *     GET costs at most two flash reads at the 95th percentile, while PinK's meta segments
 *     spill and its GETs pay three or more;
 *   - values come back byte for byte through the value log, inlined groups and GC;
 *   - 32/1024 overwrites fill the value log: log-triggered compactions happen, AnyKey+ never
 *     chains a tree compaction of L_n onto one, and GC copies few pages.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../src/base/err.h"
#include "../../src/kv/anykey/anykey_internal.h"
#include "engine_dev.h"

/* The Crypto1 comparison and the value-log runs use 1/64 of the preset (512 blocks, 1 MiB of
 * device DRAM): at smaller scales PinK's open blocks leave it too little room for these pairs.
 * The layout checks use 1/256 (128 blocks, 256 KiB). */
#define SCALE_COMPARE 64u
#define SCALE_SMALL   256u

/* Load n keys (scattered order), then overwrite `rounds` x n random keys, verifying as it goes. */
static void
load_and_overwrite(struct dev *t, uint32_t klen, uint32_t vlen, uint64_t n, uint64_t overwrites,
                   uint32_t *version)
{
    uint8_t k[KV_KEY_MAX], *v = malloc(vlen);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t id = i * 2654435761u % n;
        make_key(k, klen, id);
        make_value(v, vlen, id, 0);
        CHECK_EQ_INT(put_run(t, k, klen, v, vlen, i % 64 == 0), KV_OK);
    }
    for (uint64_t i = 0; i < overwrites; i++) {
        uint64_t id = (i * 7919u + i / 3) % n;
        make_key(k, klen, id);
        make_value(v, vlen, id, version[id] + 1);
        CHECK_EQ_INT(put_run(t, k, klen, v, vlen, i % 64 == 0), KV_OK);
        version[id]++;
    }
    sim_run(t->d->sim, UINT64_MAX);
    free(v);
}

/* Read `gets` keys, check their bytes, and return the flash reads of just these GETs. */
static void
read_back(struct dev *t, uint32_t klen, uint32_t vlen, uint64_t n, const uint32_t *version,
          uint32_t gets, struct nvkv_hist *reads)
{
    uint8_t k[KV_KEY_MAX], *want = malloc(vlen), *back = malloc(vlen);
    static struct nvkv_hist before;
    before = t->e->ops->stats(t->e)->flash_reads_per_get;
    for (uint32_t i = 0; i < gets; i++) {
        uint64_t id = (i * 104729u) % n;
        uint32_t vl = 0;
        make_key(k, klen, id);
        make_value(want, vlen, id, version != NULL ? version[id] : 0);
        CHECK_EQ_INT(get(t, k, klen, back, vlen, &vl), KV_OK);
        CHECK_EQ_U64(vl, vlen);
        CHECK(memcmp(back, want, vlen) == 0);
    }
    reads_since(t, &before, reads);
    free(want);
    free(back);
}

/* Keys that fill `fraction` of the exposed capacity with klen + vlen pairs. */
static uint64_t
keys_for(const struct dev *t, uint32_t klen, uint32_t vlen, double fraction)
{
    return (uint64_t)((double)t->d->exposed_bytes * fraction / (klen + vlen));
}

/* Load Crypto1 pairs (a count PinK can hold too: it packs each pair in a 512-byte piece) into
 * `engine` on the 1/64 device, read 3,000 back; the device stays open in *t. */
static bool
crypto1(struct dev *t, const char *engine, struct nvkv_hist *reads)
{
    open_dev(t, engine, SCALE_COMPARE, NULL);
    if (t->d == NULL)
        return false;
    uint64_t n = keys_for(t, 76, 50, 0.10);
    load_and_overwrite(t, 76, 50, n, 0, NULL);
    read_back(t, 76, 50, n, NULL, 3000, reads);
    fprintf(stderr, "%s 76/50, %llu keys: reads per GET mean %.2f p95 %llu\n", engine,
            (unsigned long long)n, nvkv_hist_mean(reads),
            (unsigned long long)nvkv_hist_quantile(reads, 0.95));
    return true;
}

TEST(crypto1_metadata_fits_dram_and_gets_cost_at_most_two_reads)
{
    struct dev t;
    struct nvkv_hist reads;
    if (!crypto1(&t, "anykey", &reads))
        return;
    const struct dev_dram *d = t.e->env.dram;
    fprintf(stderr, "anykey DRAM: level lists %llu, hash lists %llu of %llu\n",
            (unsigned long long)d->used[DEV_DRAM_LEVEL_LISTS],
            (unsigned long long)d->used[DEV_DRAM_HASH_LISTS], (unsigned long long)d->budget);
    CHECK_LE_U64(nvkv_hist_quantile(&reads, 0.95), 2);
    CHECK_GE_U64(d->used[DEV_DRAM_LEVEL_LISTS], 1);
    CHECK_GE_U64(d->used[DEV_DRAM_HASH_LISTS], 1);
    CHECK_EQ_U64(t.e->ops->stats(t.e)->metadata_flash_bytes[DEV_DRAM_LEVEL_LISTS], 0);
    CHECK_LE_U64(d->total_used, d->budget);
    kvdev_close(t.d);
}

TEST(crypto1_pink_spills_and_pays_more_than_two_reads)
{
    struct dev t;
    struct nvkv_hist reads;
    if (!crypto1(&t, "pink", &reads))
        return;
    CHECK_GE_U64(nvkv_hist_quantile(&reads, 0.95), 3);
    CHECK_GE_U64(t.e->ops->stats(t.e)->metadata_flash_bytes[DEV_DRAM_META_SEGMENTS], 1);
    kvdev_close(t.d);
}

/* 32/1024 with overwrites: the value log fills and log-triggered compactions run. */
static void
overwrite_run(const char *engine, struct anykey **out, struct dev *t, uint32_t **version)
{
    open_dev(t, engine, SCALE_COMPARE, NULL);
    *out = NULL;
    if (t->d == NULL)
        return;
    uint64_t n = keys_for(t, 32, 1024, 0.25);
    *version = calloc(n, sizeof(**version));
    load_and_overwrite(t, 32, 1024, n, 3 * n / 2, *version);
    struct nvkv_hist reads;
    read_back(t, 32, 1024, n, *version, 2000, &reads);
    *out = (struct anykey *)t->e;
    fprintf(
        stderr,
        "%s 32/1024: tree compactions %llu, log %llu, chains %llu, inlined %llu, re-logged %llu, "
        "group pages written %llu, GC pages copied %llu\n",
        engine, (unsigned long long)(*out)->tree_compactions,
        (unsigned long long)(*out)->log_compactions, (unsigned long long)(*out)->compaction_chains,
        (unsigned long long)(*out)->values_inlined, (unsigned long long)(*out)->values_relogged,
        (unsigned long long)(*out)->group_pages_written,
        (unsigned long long)(*out)->st.gc_pages_copied);
}

TEST(value_log_fills_log_compactions_run_and_gc_copies_little)
{
    struct dev t;
    struct anykey *ak;
    uint32_t *version = NULL;
    overwrite_run("anykey", &ak, &t, &version);
    if (ak == NULL)
        return;
    CHECK_GE_U64(ak->log_compactions, 1);
    CHECK_GE_U64(ak->tree_compactions, 1);
    CHECK_GE_U64(ak->values_inlined, 1);
    /* whole groups die together: GC moves a small share of what compaction writes */
    CHECK_LE_U64(ak->st.gc_pages_copied * 10, ak->group_pages_written);
    free(version);
    kvdev_close(t.d);
}

TEST(anykey_plus_never_chains_a_tree_compaction_onto_a_log_compaction)
{
    struct dev t;
    struct anykey *ak;
    uint32_t *version = NULL;
    overwrite_run("anykey+", &ak, &t, &version);
    if (ak == NULL)
        return;
    CHECK_GE_U64(ak->log_compactions, 1);
    CHECK_EQ_U64(ak->compaction_chains, 0);
    free(version);
    kvdev_close(t.d);
}

TEST(hash_order_and_key_table_on_flash)
{
    /* a group's pages hold its entities in xxHash32 order, and page prefixes are ascending */
    struct dev t;
    open_dev(&t, "anykey", SCALE_SMALL, NULL);
    if (t.d == NULL)
        return;
    uint64_t n = 100000;
    load_and_overwrite(&t, 24, 10, n, 0, NULL);
    struct anykey *ak = (struct anykey *)t.e;
    uint64_t groups = 0;
    for (uint32_t l = 0; l < ak->nlevels; l++) {
        for (uint32_t g = 0; g < ak->lv[l].ng; g++) {
            const struct ak_group *x = ak->lv[l].g[g];
            groups++;
            for (uint32_t i = 1; i < x->n; i++) {
                CHECK(x->hashes[i - 1] <= x->hashes[i]);
                CHECK(x->hpage[i - 1] <= x->hpage[i]);
                CHECK(kv_key_cmp(x->e[i - 1].key, x->e[i - 1].klen, x->e[i].key, x->e[i].klen) < 0);
            }
            for (uint32_t p = x->first_entity_page + 1; p < x->npages; p++)
                CHECK(x->prefix[p - 1] <= x->prefix[p]);
        }
    }
    CHECK_GE_U64(groups, 1);
    kvdev_close(t.d);
}

TEST(relog_of_an_entry_still_in_the_open_log_page_keeps_its_bytes)
{
    /* move_logged_value reads an entry and appends it again; when the entry sits in the open
     * page and the append must program that page first, the bytes read must survive */
    struct dev t;
    open_dev(&t, "anykey", SCALE_SMALL, NULL);
    if (t.d == NULL)
        return;
    struct ak_vlog *v = &((struct anykey *)t.e)->vlog;
    uint8_t key[32], val[5000];
    memset(key, 'K', sizeof(key));
    for (uint32_t i = 0; i < sizeof(val); i++)
        val[i] = (uint8_t)(i * 7 + 1);
    uint64_t ppa, ppa2;
    uint16_t off, off2;
    struct sim_plan *p = sim_plan_new(t.d->sim);
    CHECK_EQ_INT(ak_vlog_append(v, p, key, 32, val, sizeof(val), &ppa, &off), 0);
    const uint8_t *k, *vv;
    uint32_t kl, vl;
    CHECK_EQ_INT(
        ak_vlog_read(v, p, SIM_PRIO_BG, NAND_ORIGIN_COMPACTION, true, ppa, off, &k, &kl, &vv, &vl),
        0);
    CHECK(ak_vlog_is_open_page(v, ppa));
    CHECK_EQ_INT(ak_vlog_append(v, p, k, kl, vv, vl, &ppa2, &off2), 0); /* programs ppa first */
    ak_vlog_flush(v, p);
    int pages = ak_vlog_read(v, p, SIM_PRIO_BG, NAND_ORIGIN_COMPACTION, true, ppa2, off2, &k, &kl,
                             &vv, &vl);
    CHECK(pages >= 1);
    CHECK_EQ_U64(kl, 32);
    CHECK_EQ_U64(vl, sizeof(val));
    CHECK(memcmp(k, key, sizeof(key)) == 0);
    CHECK(memcmp(vv, val, sizeof(val)) == 0);
    sim_plan_submit(t.d->sim, p, NULL, NULL);
    sim_run(t.d->sim, UINT64_MAX);
    kvdev_close(t.d);
}

TEST_MAIN(TEST_ENTRY(crypto1_metadata_fits_dram_and_gets_cost_at_most_two_reads),
          TEST_ENTRY(crypto1_pink_spills_and_pays_more_than_two_reads),
          TEST_ENTRY(value_log_fills_log_compactions_run_and_gc_copies_little),
          TEST_ENTRY(anykey_plus_never_chains_a_tree_compaction_onto_a_log_compaction),
          TEST_ENTRY(hash_order_and_key_table_on_flash),
          TEST_ENTRY(relog_of_an_entry_still_in_the_open_log_page_keeps_its_bytes))
