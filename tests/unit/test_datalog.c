/* SPDX-License-Identifier: MIT */
/*
 * The record writer and reader: values in pieces, keys in the page directory (OOB first, then
 * the page top), multi-page runs, zero-length values, reads from the open page, and the GC walk.
 */
#include <stdlib.h>

#include "../../src/kv/datalog.h"
#include "flash_env.h"

struct fixture {
    struct flash_env fe;
    struct kv_datalog *dl;
};

static void
setup(struct fixture *f, uint32_t oob_bytes)
{
    flash_env_open(&f->fe, oob_bytes);
    CHECK_EQ_INT(kv_datalog_create(&f->fe.env, f->fe.stream, NAND_ORIGIN_HOST, &f->dl), 0);
}

static void
teardown(struct fixture *f)
{
    kv_datalog_destroy(f->dl);
    flash_env_close(&f->fe);
}

static void
fill(uint8_t *v, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        v[i] = (uint8_t)(seed * 131 + i * 7);
}

static void
check_record(struct fixture *f, const struct kv_loc *loc, const char *key, uint32_t vlen,
             uint32_t seed, int want_pages)
{
    struct kv_record rec;
    int pages = kv_datalog_read(f->dl, NULL, SIM_PRIO_FG_READ, NAND_ORIGIN_HOST, loc, &rec);
    CHECK_EQ_INT(pages, want_pages);
    CHECK_EQ_U64(rec.klen, strlen(key));
    CHECK(memcmp(rec.key, key, rec.klen) == 0);
    CHECK_EQ_U64(rec.vlen, vlen);
    uint8_t *want = malloc(vlen + 1);
    fill(want, vlen, seed);
    CHECK(vlen == 0 || memcmp(rec.value, want, vlen) == 0);
    free(want);
}

TEST(two_4k_values_share_a_page_and_read_back)
{
    struct fixture f;
    setup(&f, 512);
    uint8_t v[4096];
    struct kv_loc a, b;
    fill(v, sizeof(v), 1);
    CHECK_EQ_INT(
        kv_datalog_append(f.dl, NULL, SIM_PRIO_BG, NAND_ORIGIN_HOST, "key-a", 5, v, 4096, 0, &a),
        0);
    fill(v, sizeof(v), 2);
    CHECK_EQ_INT(
        kv_datalog_append(f.dl, NULL, SIM_PRIO_BG, NAND_ORIGIN_HOST, "key-b", 5, v, 4096, 0, &b),
        0);
    CHECK_EQ_U64(a.ppa, b.ppa);
    CHECK_EQ_U64(a.pieces, 8);
    CHECK_EQ_U64(b.piece, 8);
    /* the page filled up and was programmed: reads come from flash */
    CHECK_EQ_U64(kv_datalog_is_open_page(f.dl, a.ppa), 0);
    check_record(&f, &a, "key-a", 4096, 1, 1);
    check_record(&f, &b, "key-b", 4096, 2, 1);
    CHECK_EQ_U64(ftl_page_valid_pieces(f.fe.alloc, a.ppa), 16);
    teardown(&f);
}

TEST(open_page_records_are_served_from_the_buffer)
{
    struct fixture f;
    setup(&f, 512);
    uint8_t v[100];
    fill(v, sizeof(v), 3);
    struct kv_loc a, z;
    CHECK_EQ_INT(
        kv_datalog_append(f.dl, NULL, SIM_PRIO_BG, NAND_ORIGIN_HOST, "k", 1, v, 100, 0, &a), 0);
    CHECK_EQ_INT(
        kv_datalog_append(f.dl, NULL, SIM_PRIO_BG, NAND_ORIGIN_HOST, "zero", 4, v, 0, 0, &z), 0);
    CHECK(kv_datalog_is_open_page(f.dl, a.ppa));
    check_record(&f, &a, "k", 100, 3, 0);
    check_record(&f, &z, "zero", 0, 0, 0);
    CHECK_EQ_U64(z.pieces, 1); /* a zero-length value still has a place */
    CHECK_EQ_INT(kv_datalog_flush(f.dl, NULL, SIM_PRIO_BG), 0);
    check_record(&f, &a, "k", 100, 3, 1);
    check_record(&f, &z, "zero", 0, 0, 1);
    teardown(&f);
}

TEST(small_oob_overflows_the_directory_into_the_page_top)
{
    struct fixture f;
    setup(&f, 64); /* room for about two 20-byte keys' entries in the OOB */
    uint8_t v[300];
    struct kv_loc loc[16];
    char key[32];
    uint32_t n = 0;
    uint64_t first_ppa = UINT64_MAX;
    /* 300-byte values take one piece each; their directory entries outgrow the OOB */
    for (; n < 16; n++) {
        snprintf(key, sizeof(key), "key-%015u", n);
        fill(v, sizeof(v), n);
        CHECK_EQ_INT(kv_datalog_append(f.dl, NULL, SIM_PRIO_BG, NAND_ORIGIN_HOST, key, 19, v, 300,
                                       0, &loc[n]),
                     0);
        if (first_ppa == UINT64_MAX)
            first_ppa = loc[n].ppa;
        if (loc[n].ppa != first_ppa)
            break;
    }
    /* fewer than 16 fit: pieces at the top went to the directory */
    CHECK_LT_U64(n, 16);
    CHECK_GE_U64(n, 10);
    CHECK_EQ_INT(kv_datalog_flush(f.dl, NULL, SIM_PRIO_BG), 0);
    for (uint32_t i = 0; i <= n && i < 16; i++) {
        snprintf(key, sizeof(key), "key-%015u", i);
        check_record(&f, &loc[i], key, 300, i, 1);
    }
    teardown(&f);
}

TEST(a_value_larger_than_a_page_takes_a_run)
{
    struct fixture f;
    setup(&f, 512);
    uint32_t big = 3 * 8192 + 100;
    uint8_t *v = malloc(big);
    fill(v, big, 9);
    struct kv_loc small, run;
    CHECK_EQ_INT(
        kv_datalog_append(f.dl, NULL, SIM_PRIO_BG, NAND_ORIGIN_HOST, "s", 1, v, 10, 0, &small), 0);
    CHECK_EQ_INT(
        kv_datalog_append(f.dl, NULL, SIM_PRIO_BG, NAND_ORIGIN_HOST, "big", 3, v, big, 0, &run), 0);
    CHECK_EQ_U64(run.piece, 0);
    CHECK_EQ_U64(run.pieces, (big + 511) / 512);
    /* the open page went to flash first, keeping the block's pages in program order */
    CHECK_EQ_U64(kv_datalog_is_open_page(f.dl, small.ppa), 0);
    check_record(&f, &run, "big", big, 9, 4);
    CHECK_EQ_U64(kv_datalog_max_value(f.dl, 3), 8 * 8192);
    free(v);
    teardown(&f);
}

struct walk_seen {
    uint32_t n;
    uint32_t bytes;
};

static bool
count_record(void *arg, const struct kv_record *rec, const struct kv_loc *loc)
{
    (void)loc;
    struct walk_seen *w = arg;
    w->n++;
    w->bytes += rec->vlen;
    return true;
}

TEST(gc_walk_sees_only_valid_records)
{
    struct fixture f;
    setup(&f, 512);
    static uint8_t v[20000];
    fill(v, sizeof(v), 4);
    struct kv_loc loc[16];
    for (int i = 0; i < 16; i++)
        CHECK_EQ_INT(kv_datalog_append(f.dl, NULL, SIM_PRIO_BG, NAND_ORIGIN_HOST, "kk", 2, v,
                                       i % 2 ? 3000 : 20000, 0, &loc[i]),
                     0);
    CHECK_EQ_INT(kv_datalog_flush(f.dl, NULL, SIM_PRIO_BG), 0);
    uint64_t block = loc[0].ppa / 8;
    struct walk_seen all = {0, 0}, after = {0, 0};
    kv_datalog_walk_block(f.dl, NULL, SIM_PRIO_BG, NAND_ORIGIN_GC, block, count_record, &all);
    CHECK_GE_U64(all.n, 1);
    /* invalidate the first record found in that block and walk again */
    for (int i = 0; i < 16; i++) {
        if (loc[i].ppa / 8 == block) {
            ftl_invalidate(f.fe.alloc, loc[i].ppa, loc[i].piece, loc[i].pieces);
            break;
        }
    }
    kv_datalog_walk_block(f.dl, NULL, SIM_PRIO_BG, NAND_ORIGIN_GC, block, count_record, &after);
    CHECK_EQ_U64(after.n + 1, all.n);
    teardown(&f);
}

TEST_MAIN(TEST_ENTRY(two_4k_values_share_a_page_and_read_back),
          TEST_ENTRY(open_page_records_are_served_from_the_buffer),
          TEST_ENTRY(small_oob_overflows_the_directory_into_the_page_top),
          TEST_ENTRY(a_value_larger_than_a_page_takes_a_run),
          TEST_ENTRY(gc_walk_sees_only_valid_records))
