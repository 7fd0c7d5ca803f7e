/* SPDX-License-Identifier: MIT */
/*
 * PinK: round trips through flush, compaction and GC, and the DRAM mechanism the AnyKey paper
 * rests on: with small keys the level lists and upper meta segments fit device DRAM and a GET
 * costs at most two flash reads; with 80-byte keys and values they spill and GETs pay more.
 */
#include <stdlib.h>

#include "../../src/base/err.h"
#include "../../src/kv/datalog.h"
#include "../../src/kv/packlog.h"
#include "engine_dev.h"

static enum kv_status
put(struct dev *t, const void *k, uint32_t kl, const void *v, uint32_t vl)
{
    return put_run(t, k, kl, v, vl, true);
}

TEST(round_trip_through_flush_compaction_and_gc)
{
    static const char *const sets[] = {"nand.channels=2",
                                       "nand.dies_per_channel=2",
                                       "nand.blocks_per_die=32",
                                       "nand.pages_per_block=32",
                                       "kv.write_buffer=16KiB",
                                       "device.dram=64KiB",
                                       NULL};
    struct dev t;
    open_dev(&t, "pink", 1, sets);
    if (t.d == NULL)
        return;

    enum {
        KEYS = 3000,
        ROUNDS = 12
    };

    uint32_t *version = calloc(KEYS, sizeof(uint32_t));
    uint8_t k[40], v[1500], back[1500];
    for (uint32_t r = 0; r < ROUNDS; r++) {
        for (uint64_t id = 0; id < KEYS; id++) {
            uint32_t kl = 8 + (uint32_t)(id % 32), vl = (uint32_t)((id * 37 + r) % 1400);
            make_key(k, kl, id);
            make_value(v, vl, id, r);
            if (r == ROUNDS - 1 && id % 5 == 0) {
                struct sim_plan *p = sim_plan_new(t.d->sim);
                CHECK_EQ_INT(t.e->ops->del(t.e, p, k, kl), KV_OK);
                sim_plan_submit(t.d->sim, p, NULL, NULL);
                version[id] = UINT32_MAX;
                continue;
            }
            CHECK_EQ_INT(put(&t, k, kl, v, vl), KV_OK);
            version[id] = r;
        }
    }
    sim_run(t.d->sim, UINT64_MAX);
    for (uint64_t id = 0; id < KEYS; id++) {
        uint32_t kl = 8 + (uint32_t)(id % 32), vl = 0;
        uint32_t want = (uint32_t)((id * 37 + version[id]) % 1400);
        make_key(k, kl, id);
        enum kv_status s = get(&t, k, kl, back, sizeof(back), &vl);
        if (version[id] == UINT32_MAX) {
            CHECK_EQ_INT(s, KV_NOT_FOUND);
            continue;
        }
        CHECK_EQ_INT(s, KV_OK);
        CHECK_EQ_U64(vl, want);
        make_value(v, want, id, version[id]);
        CHECK(memcmp(v, back, want) == 0);
    }
    const struct kv_stats *st = t.e->ops->stats(t.e);
    CHECK_GE_U64(st->flushes, 10);
    CHECK_GE_U64(st->compactions, 3);
    CHECK_GE_U64(st->gcs, 1);
    CHECK_EQ_U64(st->live_keys, KEYS - KEYS / 5);
    free(version);
    kvdev_close(t.d);
}

/*
 * Fill `fraction` of the exposed capacity with fixed-size pairs, then read random keys. The
 * fill counts what a record really occupies in the layout in use: KVEMU's packed pages hold
 * floor((page - 8) / (K + V + 4)) pairs, so a 16 + 4096-byte pair takes a whole 8 KiB page; the
 * original's 512-byte pieces (keys in the page directory) fit two.
 */
static void
fill_and_read(struct dev *t, uint32_t klen, uint32_t vlen, double fraction, uint32_t gets,
              struct nvkv_hist *reads)
{
    uint32_t ppp = t->d->cfg.nand.page_bytes / FTL_PIECE_BYTES;
    uint32_t per_page =
        t->d->cfg.kv.pink_piece_bytes == 1
            ? (t->d->cfg.nand.page_bytes - KV_PACK_HEADER) / kv_pack_pair_bytes(klen, vlen)
            : ppp / kv_record_pieces(klen, vlen);
    uint64_t n =
        (uint64_t)((double)t->d->exposed_bytes * fraction / (t->d->cfg.nand.page_bytes / per_page));
    uint8_t *k = malloc(klen), *v = malloc(vlen), *back = malloc(vlen);
    for (uint64_t id = 0; id < n; id++) {
        make_key(k, klen, id * 2654435761u % n);
        make_value(v, vlen, id, 0);
        CHECK_EQ_INT(put_run(t, k, klen, v, vlen, id % 64 == 0), KV_OK);
    }
    sim_run(t->d->sim, UINT64_MAX);
    /* the GETs below are told apart from any earlier ones by subtracting a snapshot */
    static struct nvkv_hist before;
    before = t->e->ops->stats(t->e)->flash_reads_per_get;
    for (uint32_t i = 0; i < gets; i++) {
        uint32_t vl = 0;
        make_key(k, klen, (i * 7919u) % n);
        CHECK_EQ_INT(get(t, k, klen, back, vlen, &vl), KV_OK);
    }
    reads_since(t, &before, reads);
    free(k);
    free(v);
    free(back);
}

TEST(small_keys_fit_dram_and_get_costs_at_most_two_reads)
{
    struct dev t;
    open_dev(&t, "pink", 64, NULL);
    if (t.d == NULL)
        return;
    struct nvkv_hist reads;
    fill_and_read(&t, 16, 4096, 0.5, 2000, &reads);
    CHECK_LE_U64(reads.max, 2);
    const struct dev_dram *d = t.e->env.dram;
    CHECK_GE_U64(d->used[DEV_DRAM_LEVEL_LISTS], 1);
    CHECK_EQ_U64(t.e->ops->stats(t.e)->metadata_flash_bytes[DEV_DRAM_LEVEL_LISTS], 0);
    kvdev_close(t.d);
}

TEST(large_keys_spill_and_get_costs_more_than_two_reads)
{
    struct dev t;
    open_dev(&t, "pink", 64, NULL);
    if (t.d == NULL)
        return;
    struct nvkv_hist reads;
    fill_and_read(&t, 80, 80, 0.5, 2000, &reads);
    CHECK_GE_U64(nvkv_hist_quantile(&reads, 0.95), 3);
    CHECK_GE_U64(t.e->ops->stats(t.e)->metadata_flash_bytes[DEV_DRAM_META_SEGMENTS], 1);
    fprintf(stderr, "80/80: flash reads per GET mean %.2f p95 %llu max %llu\n",
            nvkv_hist_mean(&reads), (unsigned long long)nvkv_hist_quantile(&reads, 0.95),
            (unsigned long long)reads.max);
    kvdev_close(t.d);
}

TEST_MAIN(TEST_ENTRY(round_trip_through_flush_compaction_and_gc),
          TEST_ENTRY(small_keys_fit_dram_and_get_costs_at_most_two_reads),
          TEST_ENTRY(large_keys_spill_and_get_costs_more_than_two_reads))
