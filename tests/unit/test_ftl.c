/* SPDX-License-Identifier: MIT */
/* Block allocator: striping, runs, piece validity, victims under both policies, erase. */
#include "../../src/base/err.h"
#include "../../src/ftl/alloc.h"
#include "harness.h"

struct fixture {
    struct nand *nand;
    struct ftl_alloc *a;
    struct nand_params p;
};

static void
setup(struct fixture *f)
{
    char err[256];
    nand_params_default(&f->p);
    f->p.channels = 2;
    f->p.dies_per_channel = 2;
    f->p.blocks_per_die = 4;
    f->p.pages_per_block = 8;
    nand_params_resolve(&f->p);
    CHECK_EQ_INT(nand_create(&f->p, NULL, &f->nand, err, sizeof(err)), 0);
    CHECK_EQ_INT(ftl_alloc_create(f->nand, &f->a), 0);
}

static void
teardown(struct fixture *f)
{
    ftl_alloc_destroy(f->a);
    nand_destroy(f->nand);
}

/* Allocate and program one page of a stream. */
static uint64_t
page(struct fixture *f, int stream)
{
    uint64_t ppa = 0;
    CHECK_EQ_INT(ftl_alloc_run(f->a, stream, 1, &ppa), 0);
    CHECK_EQ_INT(nand_program(f->nand, NULL, ppa, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG), 0);
    return ppa;
}

TEST(consecutive_pages_stripe_over_dies)
{
    struct fixture f;
    setup(&f);
    int s = ftl_stream_create(f.a, "data");
    for (uint32_t i = 0; i < 8; i++) {
        uint64_t ppa = page(&f, s);
        CHECK_EQ_U64(nand_addr_of(&f.p, ppa).die, i % 4);
        CHECK_EQ_U64(nand_addr_of(&f.p, ppa).page, i / 4);
    }
    CHECK_EQ_U64(ftl_free_blocks(f.a), 16 - 4);
    CHECK_EQ_U64(ftl_stream_blocks(f.a, s), 4);
    teardown(&f);
}

TEST(a_narrow_stream_keeps_few_blocks_open)
{
    struct fixture f;
    setup(&f);
    int s = ftl_stream_create(f.a, "meta");
    ftl_stream_set_width(f.a, s, 2);
    uint32_t dies_used = 0;
    for (uint32_t i = 0; i < 8; i++)
        dies_used |= 1u << nand_addr_of(&f.p, page(&f, s)).die;
    CHECK_EQ_U64(__builtin_popcount(dies_used), 2);
    CHECK_EQ_U64(ftl_stream_blocks(f.a, s), 2);
    /* when those blocks fill, the next ones open: still two at a time */
    for (uint32_t i = 0; i < 8; i++)
        page(&f, s);
    CHECK_EQ_U64(ftl_stream_blocks(f.a, s), 2);
    dies_used = 0;
    for (uint32_t i = 0; i < 8; i++)
        dies_used |= 1u << nand_addr_of(&f.p, page(&f, s)).die;
    CHECK_EQ_U64(__builtin_popcount(dies_used), 2);
    CHECK_EQ_U64(ftl_stream_blocks(f.a, s), 4);
    teardown(&f);
}

TEST(runs_stay_in_one_block_and_pad_its_tail)
{
    struct fixture f;
    setup(&f);
    int s = ftl_stream_create(f.a, "data");
    uint64_t first = 0, second = 0;
    CHECK_EQ_INT(ftl_alloc_run(f.a, s, 6, &first), 0);  /* die 0, pages 0..5 */
    CHECK_EQ_INT(ftl_alloc_run(f.a, s, 8, &second), 0); /* a whole block of die 1 */
    CHECK_EQ_U64(nand_addr_of(&f.p, second).page, 0);
    uint64_t third = 0;
    for (int i = 0; i < 2; i++) /* dies 2 and 3 */
        CHECK_EQ_INT(ftl_alloc_run(f.a, s, 1, &third), 0);
    CHECK_EQ_INT(ftl_alloc_run(f.a, s, 4, &third), 0); /* back on die 0: 2 pages left, too few */
    CHECK_EQ_U64(nand_addr_of(&f.p, third).page, 0);
    CHECK(nand_addr_of(&f.p, third).block != nand_addr_of(&f.p, first).block);
    CHECK_EQ_U64(ftl_stats(f.a)->padding_pages, 2);
    CHECK_EQ_INT(ftl_alloc_run(f.a, s, 8, &third), 0);
    teardown(&f);
}

TEST(piece_validity_counts_pages_and_blocks)
{
    struct fixture f;
    setup(&f);
    int s = ftl_stream_create(f.a, "data");
    uint64_t ppa = page(&f, s);
    uint32_t ppp = ftl_pieces_per_page(f.a);
    CHECK_EQ_U64(ppp, 16);
    ftl_set_valid(f.a, ppa, 3, 5);
    CHECK(ftl_piece_valid(f.a, ppa, 3) && ftl_piece_valid(f.a, ppa, 7));
    CHECK(!ftl_piece_valid(f.a, ppa, 8));
    CHECK_EQ_U64(ftl_page_valid_pieces(f.a, ppa), 5);
    CHECK_EQ_U64(ftl_block_valid_pages(f.a, ppa / f.p.pages_per_block), 1);
    ftl_invalidate(f.a, ppa, 3, 5);
    CHECK_EQ_U64(ftl_block_valid_pieces(f.a, ppa / f.p.pages_per_block), 0);
    CHECK_EQ_U64(ftl_block_valid_pages(f.a, ppa / f.p.pages_per_block), 0);
    teardown(&f);
}

/* Fill the four blocks of a stream; block b keeps `valid[b]` valid pages. */
static void
fill_blocks(struct fixture *f, int s, const uint32_t valid[4], uint64_t blocks[4])
{
    for (uint32_t i = 0; i < 4 * f->p.pages_per_block; i++) {
        uint64_t ppa = page(f, s);
        uint32_t die = nand_addr_of(&f->p, ppa).die;
        blocks[die] = ppa / f->p.pages_per_block;
        if (nand_addr_of(&f->p, ppa).page < valid[die])
            ftl_set_valid(f->a, ppa, 0, ftl_pieces_per_page(f->a));
    }
}

TEST(victims_greedy_and_by_pieces)
{
    struct fixture f;
    setup(&f);
    int s = ftl_stream_create(f.a, "data");
    uint64_t blocks[4];
    static const uint32_t valid[4] = {6, 2, 7, 8};
    fill_blocks(&f, s, valid, blocks);
    /* greedy: fewest valid pages, and only with enough free pages */
    CHECK_EQ_U64(ftl_pick_victim(f.a, s, 1), blocks[1]);
    CHECK_EQ_U64(ftl_pick_victim(f.a, s, 7), FTL_NO_BLOCK);
    /* by pieces: the repack must fit */
    ftl_set_gc_policy(f.a, FTL_GC_GREEDY);
    CHECK_EQ_U64(ftl_pick_victim_by_pieces(f.a, s, 1), blocks[1]);
    /* an erase needs every piece invalid, then the block is free again */
    for (uint32_t pg = 0; pg < valid[1]; pg++)
        ftl_invalidate(f.a, ftl_block_first_ppa(f.a, blocks[1]) + pg, 0, ftl_pieces_per_page(f.a));
    uint64_t free_before = ftl_free_blocks(f.a);
    CHECK_EQ_INT(ftl_erase_block(f.a, NULL, blocks[1], NAND_ORIGIN_GC, SIM_PRIO_BG), 0);
    CHECK_EQ_U64(ftl_free_blocks(f.a), free_before + 1);
    CHECK_EQ_U64(nand_block_erase_count(f.nand, ftl_block_first_ppa(f.a, blocks[1])), 1);
    teardown(&f);
}

/* A full block of `s` with its first `valid` pages valid. */
static uint64_t
full_block(struct fixture *f, int s, uint32_t valid)
{
    uint64_t ppa = 0;
    CHECK_EQ_INT(ftl_alloc_run(f->a, s, f->p.pages_per_block, &ppa), 0);
    for (uint32_t i = 0; i < f->p.pages_per_block; i++) {
        CHECK_EQ_INT(
            nand_program(f->nand, NULL, ppa + i, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG), 0);
        if (i < valid)
            ftl_set_valid(f->a, ppa + i, 0, ftl_pieces_per_page(f->a));
    }
    return ppa / f->p.pages_per_block;
}

TEST(cost_benefit_prefers_an_old_block_to_a_slightly_emptier_young_one)
{
    struct fixture f;
    setup(&f);
    int s = ftl_stream_create(f.a, "data"), other = ftl_stream_create(f.a, "other");
    uint64_t old = full_block(&f, s, 4); /* u = 0.5, closed first */
    for (int i = 0; i < 8; i++)
        full_block(&f, other, 8);          /* time passes */
    uint64_t young = full_block(&f, s, 3); /* u = 0.375, just closed */
    CHECK_EQ_U64(ftl_pick_victim(f.a, s, 1), young);
    ftl_set_gc_policy(f.a, FTL_GC_COST_BENEFIT);
    CHECK_EQ_U64(ftl_pick_victim(f.a, s, 1), old);
    CHECK_EQ_U64(ftl_pick_victim_by_pieces(f.a, s, 1), old);
    teardown(&f);
}

TEST(open_or_unprogrammed_blocks_are_never_victims)
{
    struct fixture f;
    setup(&f);
    int s = ftl_stream_create(f.a, "data");
    uint64_t ppa = 0;
    /* hand out a whole block but program only part of it: not collectable */
    CHECK_EQ_INT(ftl_alloc_run(f.a, s, 8, &ppa), 0);
    for (uint32_t i = 0; i < 7; i++)
        CHECK_EQ_INT(nand_program(f.nand, NULL, ppa + i, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG),
                     0);
    CHECK_EQ_U64(ftl_pick_victim(f.a, s, 1), FTL_NO_BLOCK);
    CHECK_EQ_INT(nand_program(f.nand, NULL, ppa + 7, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG), 0);
    CHECK_EQ_U64(ftl_pick_victim(f.a, s, 1), ppa / f.p.pages_per_block);
    teardown(&f);
}

TEST(out_of_blocks_is_enospc)
{
    struct fixture f;
    setup(&f);
    int s = ftl_stream_create(f.a, "data");
    uint64_t ppa;
    for (int i = 0; i < 16; i++)
        CHECK_EQ_INT(ftl_alloc_run(f.a, s, 8, &ppa), 0);
    CHECK_EQ_INT(ftl_alloc_run(f.a, s, 1, &ppa), -ENOSPC);
    CHECK_EQ_U64(ftl_free_blocks(f.a), 0);
    teardown(&f);
}

TEST_MAIN(TEST_ENTRY(consecutive_pages_stripe_over_dies),
          TEST_ENTRY(a_narrow_stream_keeps_few_blocks_open),
          TEST_ENTRY(runs_stay_in_one_block_and_pad_its_tail),
          TEST_ENTRY(piece_validity_counts_pages_and_blocks),
          TEST_ENTRY(victims_greedy_and_by_pieces),
          TEST_ENTRY(cost_benefit_prefers_an_old_block_to_a_slightly_emptier_young_one),
          TEST_ENTRY(open_or_unprogrammed_blocks_are_never_victims),
          TEST_ENTRY(out_of_blocks_is_enospc))
