/* SPDX-License-Identifier: MIT */
/*
 * NAND model: timing identities on dies and channels, priority behaviour, the NAND rules,
 * per-origin counters and the file backend's persistence.
 */
#include <stdlib.h>

#include <unistd.h>

#include "../../src/base/err.h"
#include "../../src/nand/nand.h"
#include "harness.h"

struct fixture {
    struct sim *sim;
    struct nand *nand;
    struct nand_params p;
};

/* A small TLC array: 2 channels x 2 dies, 4 blocks of 6 pages. */
static void
small_params(struct nand_params *p)
{
    nand_params_default(p);
    p->channels = 2;
    p->dies_per_channel = 2;
    p->blocks_per_die = 4;
    p->pages_per_block = 6;
    nand_params_resolve(p);
}

static void
setup(struct fixture *f, const struct nand_params *p)
{
    char err[256];
    f->p = *p;
    CHECK_EQ_INT(sim_create(&f->sim), 0);
    CHECK_EQ_INT(nand_create(p, f->sim, &f->nand, err, sizeof(err)), 0);
}

static void
teardown(struct fixture *f)
{
    nand_destroy(f->nand);
    sim_destroy(f->sim);
}

/* Records the completion time of a plan into *(uint64_t *)arg. */
static void
record_end(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)plan;
    *(uint64_t *)arg = sim_now(sim);
}

static uint64_t
ppa_of(const struct nand_params *p, uint32_t die, uint32_t block, uint32_t page)
{
    struct nand_addr a = {die, block, page};
    return nand_ppa(p, a);
}

/* Program pages 0..n-1 of a block, untimed. */
static void
fill_block(struct fixture *f, uint32_t die, uint32_t block, uint32_t n)
{
    for (uint32_t pg = 0; pg < n; pg++)
        CHECK_EQ_INT(nand_program(f->nand, NULL, ppa_of(&f->p, die, block, pg), NULL, NULL,
                                  NAND_ORIGIN_HOST, SIM_PRIO_FG_WRITE),
                     0);
}

static uint64_t
submit_read(struct fixture *f, uint64_t ppa, enum sim_prio prio, uint64_t *end)
{
    struct sim_plan *plan = sim_plan_new(f->sim);
    CHECK_EQ_INT(nand_read(f->nand, plan, ppa, NULL, NULL, NAND_ORIGIN_HOST, prio), 0);
    sim_plan_submit(f->sim, plan, record_end, end);
    return 0;
}

static uint64_t
read_time(const struct nand_params *p, uint32_t page)
{
    return p->cmd_ns + p->read_ns[nand_page_type(p, page)] + nand_xfer_ns(p, p->page_bytes);
}

TEST(one_read_is_command_plus_tr_plus_transfer)
{
    struct nand_params p;
    small_params(&p);
    for (uint32_t page = 0; page < 3; page++) {
        struct fixture f;
        setup(&f, &p);
        fill_block(&f, 0, 0, 3);
        uint64_t end = 0;
        submit_read(&f, ppa_of(&p, 0, 0, page), SIM_PRIO_FG_READ, &end);
        sim_run(f.sim, UINT64_MAX);
        CHECK_EQ_U64(end, read_time(&p, page));
        teardown(&f);
    }
    /* the TLC table of the AnyKey paper, LSB/CSB/MSB */
    CHECK_EQ_U64(p.read_ns[0], 56500);
    CHECK_EQ_U64(p.read_ns[1], 77500);
    CHECK_EQ_U64(p.read_ns[2], 106000);
    CHECK_EQ_U64(p.program_ns[2], 5700000);
    CHECK_EQ_U64(p.erase_ns, 3000000);
    CHECK_EQ_U64(nand_xfer_ns(&p, 8192), 10240); /* 8 KiB at 800 MB/s */
}

TEST(program_and_erase_times)
{
    struct nand_params p;
    small_params(&p);
    struct fixture f;
    setup(&f, &p);
    uint64_t end_prog = 0, end_erase = 0;
    struct sim_plan *plan = sim_plan_new(f.sim);
    CHECK_EQ_INT(nand_program(f.nand, plan, ppa_of(&p, 0, 0, 0), NULL, NULL, NAND_ORIGIN_HOST,
                              SIM_PRIO_FG_WRITE),
                 0);
    sim_plan_submit(f.sim, plan, record_end, &end_prog);
    plan = sim_plan_new(f.sim);
    CHECK_EQ_INT(nand_erase(f.nand, plan, ppa_of(&p, 1, 2, 0), NAND_ORIGIN_GC, SIM_PRIO_BG), 0);
    sim_plan_submit(f.sim, plan, record_end, &end_erase);
    sim_run(f.sim, UINT64_MAX);
    CHECK_EQ_U64(end_prog, p.cmd_ns + nand_xfer_ns(&p, p.page_bytes) + p.program_ns[0]);
    /* die 1 is on channel 1: no contention with the program on die 0 */
    CHECK_EQ_U64(end_erase, p.cmd_ns + p.erase_ns);
    CHECK_EQ_U64(nand_die_stats(f.nand, 0)->busy_ns, end_prog);
    teardown(&f);
}

TEST(reads_on_all_dies_run_in_parallel)
{
    struct nand_params p;
    nand_params_default(&p); /* 8 channels x 8 dies */
    p.blocks_per_die = 2;
    nand_params_resolve(&p);
    struct fixture f;
    setup(&f, &p);
    uint32_t dies = nand_dies(&p);
    uint64_t ends[64] = {0};
    for (uint32_t d = 0; d < dies; d++)
        fill_block(&f, d, 0, 1);
    for (uint32_t d = 0; d < dies; d++)
        submit_read(&f, ppa_of(&p, d, 0, 0), SIM_PRIO_FG_READ, &ends[d]);
    sim_run(f.sim, UINT64_MAX);
    uint64_t makespan = 0;
    for (uint32_t d = 0; d < dies; d++)
        makespan = ends[d] > makespan ? ends[d] : makespan;
    /* one read, plus the other 7 dies of a channel moving their data out one after another */
    uint64_t ideal = read_time(&p, 0) + (p.dies_per_channel - 1) * nand_xfer_ns(&p, p.page_bytes);
    CHECK_GE_U64(makespan, ideal);
    CHECK_LE_U64(makespan * 100, ideal * 105);
    teardown(&f);
}

TEST(two_reads_on_one_die_serialize)
{
    struct nand_params p;
    small_params(&p);
    struct fixture f;
    setup(&f, &p);
    fill_block(&f, 0, 0, 1);
    uint64_t e1 = 0, e2 = 0;
    submit_read(&f, ppa_of(&p, 0, 0, 0), SIM_PRIO_FG_READ, &e1);
    submit_read(&f, ppa_of(&p, 0, 0, 0), SIM_PRIO_FG_READ, &e2);
    sim_run(f.sim, UINT64_MAX);
    CHECK_EQ_U64(e1, read_time(&p, 0));
    CHECK_EQ_U64(e2, 2 * read_time(&p, 0));
    teardown(&f);
}

TEST(dies_on_one_channel_contend_for_the_bus)
{
    struct nand_params p;
    small_params(&p); /* die d is on channel d % 2 */
    struct fixture f;
    setup(&f, &p);
    for (uint32_t d = 0; d < 4; d++)
        fill_block(&f, d, 0, 1);
    uint64_t e0 = 0, e2 = 0, e1 = 0;
    submit_read(&f, ppa_of(&p, 0, 0, 0), SIM_PRIO_FG_READ, &e0); /* channel 0 */
    submit_read(&f, ppa_of(&p, 2, 0, 0), SIM_PRIO_FG_READ, &e2); /* channel 0 */
    submit_read(&f, ppa_of(&p, 1, 0, 0), SIM_PRIO_FG_READ, &e1); /* channel 1 */
    sim_run(f.sim, UINT64_MAX);
    uint64_t xfer = nand_xfer_ns(&p, p.page_bytes);
    CHECK_EQ_U64(e0, read_time(&p, 0));
    /* die 2's command waited for die 0's, and its data out waits for die 0's data out */
    CHECK_EQ_U64(e2, e0 + xfer);
    /* a die on the other channel is not delayed at all */
    CHECK_EQ_U64(e1, read_time(&p, 0));
    teardown(&f);
}

struct delayed_read {
    struct fixture *f;
    uint64_t ppa;
    uint64_t end;
    uint64_t submitted;
};

static void
submit_delayed_read(struct sim *sim, void *arg)
{
    struct delayed_read *dr = arg;
    dr->submitted = sim_now(sim);
    submit_read(dr->f, dr->ppa, SIM_PRIO_FG_READ, &dr->end);
}

/* Two background programs on die 0, then a foreground read of die 0 at t = 1 us. */
static void
read_behind_two_programs(enum nand_sched sched, uint64_t *end_p1, uint64_t *end_p2,
                         struct delayed_read *dr, struct nand_params *p)
{
    small_params(p);
    p->sched = sched;
    struct fixture f;
    setup(&f, p);
    fill_block(&f, 0, 1, 1);
    for (uint32_t pg = 0; pg < 2; pg++) {
        struct sim_plan *plan = sim_plan_new(f.sim);
        CHECK_EQ_INT(nand_program(f.nand, plan, ppa_of(p, 0, 0, pg), NULL, NULL,
                                  NAND_ORIGIN_COMPACTION, SIM_PRIO_BG),
                     0);
        sim_plan_submit(f.sim, plan, record_end, pg == 0 ? end_p1 : end_p2);
    }
    *dr = (struct delayed_read){&f, ppa_of(p, 0, 1, 0), 0, 0};
    sim_schedule(f.sim, 1000, submit_delayed_read, dr);
    sim_run(f.sim, UINT64_MAX);
    teardown(&f);
}

TEST(background_program_delays_foreground_read_by_at_most_the_one_in_service)
{
    struct nand_params p;
    uint64_t end_p1 = 0, end_p2 = 0;
    struct delayed_read dr;
    read_behind_two_programs(NAND_SCHED_FG_FIRST, &end_p1, &end_p2, &dr, &p);
    uint64_t p1_time = p.cmd_ns + nand_xfer_ns(&p, p.page_bytes) + p.program_ns[0];
    CHECK_EQ_U64(end_p1, p1_time);
    /* the read overtakes the queued program and waits only for the one in service */
    CHECK_EQ_U64(dr.end, end_p1 + read_time(&p, 0));
    CHECK_LE_U64(dr.end - dr.submitted, p1_time + read_time(&p, 0));
    CHECK_GE_U64(end_p2, dr.end + p.program_ns[1]);
}

TEST(fcfs_read_waits_for_every_program_queued_before_it)
{
    struct nand_params p;
    uint64_t end_p1 = 0, end_p2 = 0;
    struct delayed_read dr;
    read_behind_two_programs(NAND_SCHED_FCFS, &end_p1, &end_p2, &dr, &p);
    uint64_t p1_time = p.cmd_ns + nand_xfer_ns(&p, p.page_bytes) + p.program_ns[0];
    CHECK_EQ_U64(end_p1, p1_time);
    /* KVEMU's per-die clock: the read starts after both reserved programs */
    CHECK_EQ_U64(end_p2, end_p1 + p.cmd_ns + nand_xfer_ns(&p, p.page_bytes) + p.program_ns[1]);
    CHECK_EQ_U64(dr.end, end_p2 + read_time(&p, 0));
}

TEST(nand_rules_are_enforced_with_the_address)
{
    struct nand_params p;
    small_params(&p);
    struct fixture f;
    setup(&f, &p);
    uint64_t b0 = ppa_of(&p, 1, 2, 0);
    /* out of order */
    CHECK_EQ_INT(nand_program(f.nand, NULL, b0 + 1, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG),
                 NVKV_ENANDRULE);
    CHECK_CONTAINS(nand_last_violation(f.nand), "out of order");
    CHECK_CONTAINS(nand_last_violation(f.nand), "die 1 block 2 page 1");
    CHECK_EQ_U64(nand_block_write_pointer(f.nand, b0), 0);
    /* reading an erased page */
    CHECK_EQ_INT(nand_read(f.nand, NULL, b0, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG),
                 NVKV_ENANDRULE);
    CHECK_CONTAINS(nand_last_violation(f.nand), "erased");
    /* in order works, reprogramming does not */
    CHECK_EQ_INT(nand_program(f.nand, NULL, b0, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG), 0);
    CHECK_EQ_INT(nand_program(f.nand, NULL, b0, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG),
                 NVKV_ENANDRULE);
    CHECK_CONTAINS(nand_last_violation(f.nand), "already programmed");
    /* beyond the array */
    CHECK_EQ_INT(nand_erase(f.nand, NULL, nand_total_pages(&p), NAND_ORIGIN_GC, SIM_PRIO_BG),
                 NVKV_ENANDRULE);
    CHECK_CONTAINS(nand_last_violation(f.nand), "beyond the last page");
    /* a full block refuses more pages; erase (naming any page of it) resets it */
    for (uint32_t pg = 1; pg < p.pages_per_block; pg++)
        CHECK_EQ_INT(nand_program(f.nand, NULL, b0 + pg, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG),
                     0);
    CHECK_EQ_U64(nand_block_write_pointer(f.nand, b0), p.pages_per_block);
    CHECK_EQ_INT(nand_erase(f.nand, NULL, b0 + 3, NAND_ORIGIN_GC, SIM_PRIO_BG), 0);
    CHECK_EQ_U64(nand_block_write_pointer(f.nand, b0), 0);
    CHECK_EQ_U64(nand_block_erase_count(f.nand, b0), 1);
    CHECK_EQ_INT(nand_read(f.nand, NULL, b0, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG),
                 NVKV_ENANDRULE);
    teardown(&f);
}

TEST(counters_by_origin_and_die)
{
    struct nand_params p;
    small_params(&p);
    struct fixture f;
    setup(&f, &p);
    fill_block(&f, 3, 0, 4);
    CHECK_EQ_INT(
        nand_read(f.nand, NULL, ppa_of(&p, 3, 0, 2), NULL, NULL, NAND_ORIGIN_GC, SIM_PRIO_BG), 0);
    CHECK_EQ_INT(nand_erase(f.nand, NULL, ppa_of(&p, 3, 0, 0), NAND_ORIGIN_GC, SIM_PRIO_BG), 0);
    const struct nand_stats *s = nand_stats(f.nand);
    CHECK_EQ_U64(s->page_writes[NAND_ORIGIN_HOST], 4);
    CHECK_EQ_U64(s->page_reads[NAND_ORIGIN_GC], 1);
    CHECK_EQ_U64(s->page_reads[NAND_ORIGIN_HOST], 0);
    CHECK_EQ_U64(s->erases[NAND_ORIGIN_GC], 1);
    CHECK_EQ_U64(nand_die_stats(f.nand, 3)->programs, 4);
    CHECK_EQ_U64(nand_die_stats(f.nand, 3)->reads, 1);
    CHECK_EQ_U64(nand_die_stats(f.nand, 0)->programs, 0);
    nand_reset_stats(f.nand);
    CHECK_EQ_U64(nand_stats(f.nand)->page_writes[NAND_ORIGIN_HOST], 0);
    CHECK_STR(nand_origin_name(NAND_ORIGIN_COMPACTION), "compaction");
    teardown(&f);
}

TEST(ram_backend_keeps_data_and_oob)
{
    struct nand_params p;
    small_params(&p);
    struct fixture f;
    setup(&f, &p);
    uint8_t *page = malloc(p.page_bytes), *oob = malloc(p.oob_bytes);
    uint8_t *back = malloc(p.page_bytes), *oob_back = malloc(p.oob_bytes);
    for (uint32_t i = 0; i < p.page_bytes; i++)
        page[i] = (uint8_t)(i * 7 + 1);
    for (uint32_t i = 0; i < p.oob_bytes; i++)
        oob[i] = (uint8_t)(i * 3 + 5);
    uint64_t ppa = ppa_of(&p, 2, 1, 0);
    CHECK_EQ_INT(nand_program(f.nand, NULL, ppa, page, oob, NAND_ORIGIN_HOST, SIM_PRIO_BG), 0);
    CHECK_EQ_INT(nand_program(f.nand, NULL, ppa + 1, NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG), 0);
    CHECK_EQ_INT(nand_read(f.nand, NULL, ppa, back, oob_back, NAND_ORIGIN_HOST, SIM_PRIO_BG), 0);
    CHECK(memcmp(back, page, p.page_bytes) == 0);
    CHECK(memcmp(oob_back, oob, p.oob_bytes) == 0);
    CHECK_EQ_INT(nand_read(f.nand, NULL, ppa + 1, back, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG), 0);
    CHECK_EQ_U64(back[0] | back[p.page_bytes - 1], 0);
    /* copy-out takes a byte range of a programmed page and counts nothing */
    uint64_t reads = nand_stats(f.nand)->page_reads[NAND_ORIGIN_HOST];
    uint8_t part[16];
    CHECK_EQ_INT(nand_copy_out(f.nand, ppa, 100, sizeof(part), part), 0);
    CHECK(memcmp(part, page + 100, sizeof(part)) == 0);
    CHECK_EQ_U64(nand_stats(f.nand)->page_reads[NAND_ORIGIN_HOST], reads);
    CHECK_EQ_INT(nand_copy_out(f.nand, ppa, p.page_bytes - 8, 16, part), NVKV_ENANDRULE);
    CHECK_CONTAINS(nand_last_violation(f.nand), "beyond");
    CHECK_EQ_INT(nand_copy_out(f.nand, ppa + 2, 0, 16, part), NVKV_ENANDRULE);
    CHECK_CONTAINS(nand_last_violation(f.nand), "erased");
    free(page);
    free(oob);
    free(back);
    free(oob_back);
    teardown(&f);
}

static void
temp_path(char *buf, size_t len)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, len, "%s/nvkv-test-nand-%ld.img", dir ? dir : "/tmp", (long)getpid());
    unlink(buf);
}

TEST(file_backend_survives_close_and_reopen)
{
    struct nand_params p;
    small_params(&p);
    p.backend = NAND_BACKEND_FILE;
    temp_path(p.file_path, sizeof(p.file_path));
    uint8_t *page = malloc(p.page_bytes), *oob = malloc(p.oob_bytes);
    uint8_t *back = malloc(p.page_bytes), *oob_back = malloc(p.oob_bytes);
    char err[256];
    struct nand *n = NULL;
    CHECK_EQ_INT(nand_create(&p, NULL, &n, err, sizeof(err)), 0);
    /* die 3 block 1: 5 pages with distinct contents; die 0 block 0: filled then erased twice */
    for (uint32_t pg = 0; pg < 5; pg++) {
        memset(page, 0x40 + (int)pg, p.page_bytes);
        memset(oob, 0x80 + (int)pg, p.oob_bytes);
        CHECK_EQ_INT(
            nand_program(n, NULL, ppa_of(&p, 3, 1, pg), page, oob, NAND_ORIGIN_HOST, SIM_PRIO_BG),
            0);
    }
    for (int round = 0; round < 2; round++) {
        CHECK_EQ_INT(
            nand_program(n, NULL, ppa_of(&p, 0, 0, 0), NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG),
            0);
        CHECK_EQ_INT(nand_erase(n, NULL, ppa_of(&p, 0, 0, 0), NAND_ORIGIN_GC, SIM_PRIO_BG), 0);
    }
    nand_destroy(n);

    n = NULL;
    CHECK_EQ_INT(nand_create(&p, NULL, &n, err, sizeof(err)), 0);
    CHECK_EQ_U64(nand_block_write_pointer(n, ppa_of(&p, 3, 1, 0)), 5);
    CHECK_EQ_U64(nand_block_erase_count(n, ppa_of(&p, 0, 0, 0)), 2);
    CHECK_EQ_U64(nand_block_write_pointer(n, ppa_of(&p, 0, 0, 0)), 0);
    for (uint32_t pg = 0; pg < 5; pg++) {
        CHECK_EQ_INT(
            nand_read(n, NULL, ppa_of(&p, 3, 1, pg), back, oob_back, NAND_ORIGIN_HOST, SIM_PRIO_BG),
            0);
        CHECK_EQ_U64(back[0], 0x40 + pg);
        CHECK_EQ_U64(back[p.page_bytes - 1], 0x40 + pg);
        CHECK_EQ_U64(oob_back[p.oob_bytes - 1], 0x80 + pg);
    }
    /* the reopened block continues at its write pointer */
    CHECK_EQ_INT(
        nand_program(n, NULL, ppa_of(&p, 3, 1, 4), NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG),
        NVKV_ENANDRULE);
    CHECK_EQ_INT(
        nand_program(n, NULL, ppa_of(&p, 3, 1, 5), NULL, NULL, NAND_ORIGIN_HOST, SIM_PRIO_BG), 0);
    nand_destroy(n);

    /* another geometry is refused with the field named */
    p.pages_per_block = 8;
    n = NULL;
    CHECK_EQ_INT(nand_create(&p, NULL, &n, err, sizeof(err)), NVKV_EFORMAT);
    CHECK_CONTAINS(err, "pages_per_block=6");
    CHECK(n == NULL);
    unlink(p.file_path);

    /* a file that is not an image is refused */
    FILE *junk = fopen(p.file_path, "w");
    CHECK(junk != NULL);
    if (junk != NULL) {
        fputs("not a nand image\n", junk);
        fclose(junk);
    }
    CHECK_EQ_INT(nand_create(&p, NULL, &n, err, sizeof(err)), NVKV_EFORMAT);
    CHECK_CONTAINS(err, "bad magic");
    unlink(p.file_path);
    free(page);
    free(oob);
    free(back);
    free(oob_back);
}

TEST(page_types_follow_the_cell)
{
    struct nand_params p;
    nand_params_default(&p);
    p.cell = NAND_CELL_MLC;
    nand_params_resolve(&p);
    CHECK_EQ_U64(nand_page_type(&p, 5), 1);
    CHECK_EQ_U64(p.read_ns[0], 48000);
    CHECK_EQ_U64(p.read_ns[1], 64000);
    CHECK_EQ_U64(p.read_ns[2], 0);
    nand_params_default(&p);
    p.cell = NAND_CELL_SLC;
    p.read_ns[0] = 25000; /* explicit values win over the table */
    nand_params_resolve(&p);
    CHECK_EQ_U64(p.read_ns[0], 25000);
    CHECK_EQ_U64(p.program_ns[0], 800000);
    CHECK_EQ_U64(nand_page_type(&p, 5), 0);
}

TEST(address_round_trip)
{
    struct nand_params p;
    nand_params_default(&p);
    for (uint64_t ppa = 0; ppa < nand_total_pages(&p); ppa += 9973) {
        struct nand_addr a = nand_addr_of(&p, ppa);
        CHECK_EQ_U64(nand_ppa(&p, a), ppa);
        CHECK_LT_U64(a.die, nand_dies(&p));
        CHECK_LT_U64(a.block, p.blocks_per_die);
        CHECK_LT_U64(a.page, p.pages_per_block);
    }
}

TEST_MAIN(TEST_ENTRY(one_read_is_command_plus_tr_plus_transfer),
          TEST_ENTRY(program_and_erase_times), TEST_ENTRY(reads_on_all_dies_run_in_parallel),
          TEST_ENTRY(two_reads_on_one_die_serialize),
          TEST_ENTRY(dies_on_one_channel_contend_for_the_bus),
          TEST_ENTRY(background_program_delays_foreground_read_by_at_most_the_one_in_service),
          TEST_ENTRY(fcfs_read_waits_for_every_program_queued_before_it),
          TEST_ENTRY(nand_rules_are_enforced_with_the_address),
          TEST_ENTRY(counters_by_origin_and_die), TEST_ENTRY(ram_backend_keeps_data_and_oob),
          TEST_ENTRY(file_backend_survives_close_and_reopen),
          TEST_ENTRY(page_types_follow_the_cell), TEST_ENTRY(address_round_trip))
