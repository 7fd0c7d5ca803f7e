/* SPDX-License-Identifier: MIT */
/*
 * The byte-packed pair writer (KVEMU's PinK data pages): pairs per page as KVEMU packs them,
 * reads from flash and from the open page, the page's maps as laid out, whole-page decoding for
 * GC, and live counts per page and block with the allocator's page validity following them.
 */
#include <stdlib.h>

#include "../../src/base/le.h"
#include "../../src/kv/packlog.h"
#include "flash_env.h"

struct fixture {
    struct flash_env fe;
    struct kv_packlog *pl;
};

static void
setup(struct fixture *f)
{
    flash_env_open(&f->fe, 0);
    CHECK_EQ_INT(kv_packlog_create(&f->fe.env, f->fe.stream, NAND_ORIGIN_HOST, &f->pl), 0);
}

static void
teardown(struct fixture *f)
{
    kv_packlog_destroy(f->pl);
    flash_env_close(&f->fe);
}

static void
make_pair(uint8_t *k, uint32_t klen, uint8_t *v, uint32_t vlen, uint32_t id)
{
    for (uint32_t i = 0; i < klen; i++)
        k[i] = (uint8_t)(id >> (8 * (i % 4)) ^ i);
    for (uint32_t i = 0; i < vlen; i++)
        v[i] = (uint8_t)(id * 131 + i * 7);
}

static void
check_pair(struct fixture *f, const struct kv_loc *loc, uint32_t klen, uint32_t vlen, uint32_t id,
           int want_pages)
{
    uint8_t k[256], v[8192];
    make_pair(k, klen, v, vlen, id);
    struct kv_record rec;
    CHECK_EQ_INT(kv_packlog_read(f->pl, NULL, SIM_PRIO_FG_READ, NAND_ORIGIN_HOST, loc, &rec),
                 want_pages);
    CHECK_EQ_U64(rec.klen, klen);
    CHECK_EQ_U64(rec.vlen, vlen);
    CHECK(memcmp(rec.key, k, klen) == 0);
    CHECK(vlen == 0 || memcmp(rec.value, v, vlen) == 0);
}

/* 80 B / 80 B: floor((8192 - 8) / 164) = 49 pairs a page, as KVEMU's data_segment.c packs them */
TEST(pairs_per_page_as_kvemu_packs_them)
{
    struct fixture f;
    setup(&f);
    uint8_t k[80], v[80];
    struct kv_loc loc[120];
    for (uint32_t id = 0; id < 120; id++) {
        make_pair(k, 80, v, 80, id);
        CHECK_EQ_INT(kv_packlog_append(f.pl, NULL, SIM_PRIO_BG, k, 80, v, 80, &loc[id]), 0);
    }
    CHECK_EQ_U64(loc[48].piece, 48);
    CHECK(loc[49].ppa != loc[48].ppa); /* the 50th opens the next page */
    CHECK_EQ_U64(loc[49].piece, 0);
    CHECK_EQ_U64(kv_packlog_page_live(f.pl, loc[0].ppa), 49);
    /* the maps as laid out: n, offsets, end; n, key lengths, 0; then the pairs */
    uint8_t hdr[8];
    CHECK_EQ_INT(nand_copy_out(f.fe.nand, loc[0].ppa, 0, 2, hdr), 0);
    CHECK_EQ_U64(nvkv_get_le16(hdr), 49);
    CHECK_EQ_INT(nand_copy_out(f.fe.nand, loc[0].ppa, 2, 4, hdr), 0);
    CHECK_EQ_U64(nvkv_get_le16(hdr), 8 + 49 * 4); /* pair 0 right behind the maps */
    CHECK_EQ_U64(nvkv_get_le16(hdr + 2), 8 + 49 * 4 + 160);
    for (uint32_t id = 0; id < 120; id++)
        check_pair(&f, &loc[id], 80, 80, id, id < 98 ? 1 : 0); /* the last 22: open page */
    CHECK_EQ_INT(kv_packlog_flush(f.pl, NULL, SIM_PRIO_BG), 0);
    check_pair(&f, &loc[119], 80, 80, 119, 1);
    teardown(&f);
}

TEST(mixed_sizes_and_whole_page_decoding)
{
    struct fixture f;
    setup(&f);
    uint8_t k[200], v[8192];
    struct kv_loc loc[40];
    uint32_t kl[40], vl[40];
    for (uint32_t id = 0; id < 40; id++) {
        kl[id] = 1 + id * 5 % 200;
        vl[id] = id == 7 ? kv_packlog_max_value(f.pl, kl[id]) : id * 97 % 1500;
        make_pair(k, kl[id], v, vl[id], id);
        CHECK_EQ_INT(kv_packlog_append(f.pl, NULL, SIM_PRIO_BG, k, kl[id], v, vl[id], &loc[id]), 0);
    }
    CHECK_EQ_INT(kv_packlog_flush(f.pl, NULL, SIM_PRIO_BG), 0);
    for (uint32_t id = 0; id < 40; id++)
        check_pair(&f, &loc[id], kl[id], vl[id], id, 1);
    /* a whole page decodes to the pairs appended to it, in order */
    struct kv_record *recs = malloc(KV_PACK_MAX_PAIRS * sizeof(*recs));
    int n = kv_packlog_read_page(f.pl, NULL, SIM_PRIO_BG, NAND_ORIGIN_GC, loc[0].ppa, recs);
    CHECK_GE_U64((uint64_t)n, 1);
    for (int i = 0; i < n; i++) {
        make_pair(k, kl[i], v, vl[i], (uint32_t)i);
        CHECK_EQ_U64(recs[i].klen, kl[i]);
        CHECK_EQ_U64(recs[i].vlen, vl[i]);
        CHECK(memcmp(recs[i].key, k, kl[i]) == 0);
        CHECK(memcmp(recs[i].value, v, vl[i]) == 0);
    }
    free(recs);
    teardown(&f);
}

/* Pages count live pairs; the allocator sees a page valid while any pair in it is live. */
TEST(live_counts_drive_page_validity)
{
    struct fixture f;
    setup(&f);
    uint8_t k[16], v[1000];
    struct kv_loc loc[16];
    for (uint32_t id = 0; id < 16; id++) {
        make_pair(k, 16, v, 1000, id);
        CHECK_EQ_INT(kv_packlog_append(f.pl, NULL, SIM_PRIO_BG, k, 16, v, 1000, &loc[id]), 0);
    }
    CHECK_EQ_INT(kv_packlog_flush(f.pl, NULL, SIM_PRIO_BG), 0);
    uint64_t page = loc[0].ppa, block = page / 8;
    uint32_t in_page = kv_packlog_page_live(f.pl, page);
    CHECK_EQ_U64(in_page, 8); /* (8192 - 8) / 1020 */
    uint64_t block_live = kv_packlog_block_live(f.pl, block);
    CHECK_GE_U64(block_live, in_page);
    for (uint32_t i = 0; i + 1 < in_page; i++) {
        kv_packlog_invalidate(f.pl, &loc[i], kv_pack_pair_bytes(16, 1000));
        CHECK_EQ_U64(ftl_page_valid_pieces(f.fe.alloc, page), ftl_pieces_per_page(f.fe.alloc));
    }
    kv_packlog_invalidate(f.pl, &loc[in_page - 1], kv_pack_pair_bytes(16, 1000));
    CHECK_EQ_U64(kv_packlog_block_live_bytes(f.pl, block), (block_live - in_page) * 1020);
    CHECK_EQ_U64(kv_packlog_page_live(f.pl, page), 0);
    CHECK_EQ_U64(ftl_page_valid_pieces(f.fe.alloc, page), 0);
    CHECK_EQ_U64(kv_packlog_block_live(f.pl, block), block_live - in_page);
    teardown(&f);
}

/* Timed: a read from flash is one page read in the caller's plan. */
TEST(a_read_is_one_timed_page_read)
{
    struct fixture f;
    setup(&f);
    uint8_t k[24], v[50];
    struct kv_loc loc;
    make_pair(k, 24, v, 50, 1);
    CHECK_EQ_INT(kv_packlog_append(f.pl, NULL, SIM_PRIO_BG, k, 24, v, 50, &loc), 0);
    CHECK_EQ_INT(kv_packlog_flush(f.pl, NULL, SIM_PRIO_BG), 0);
    struct sim_plan *p = sim_plan_new(f.fe.sim);
    struct kv_record rec;
    CHECK_EQ_INT(kv_packlog_read(f.pl, p, SIM_PRIO_FG_READ, NAND_ORIGIN_HOST, &loc, &rec), 1);
    CHECK_EQ_U64(p->n_ops, 1);
    sim_plan_submit(f.fe.sim, p, NULL, NULL);
    sim_run(f.fe.sim, UINT64_MAX);
    CHECK_EQ_U64(nand_stats(f.fe.nand)->page_reads[NAND_ORIGIN_HOST], 1);
    teardown(&f);
}

TEST_MAIN(TEST_ENTRY(pairs_per_page_as_kvemu_packs_them),
          TEST_ENTRY(mixed_sizes_and_whole_page_decoding),
          TEST_ENTRY(live_counts_drive_page_validity), TEST_ENTRY(a_read_is_one_timed_page_read))
