/* SPDX-License-Identifier: MIT */
/*
 * The time model (ARCHITECTURE.md, "The time model") as scenarios on whole engines:
 *  (a) with no background backlog a PUT never waits, not even the one that fills the buffer
 *      (every engine, both models; under sim.bg_model=kvemu it takes no time at all);
 *  (b) with compaction saturated (PUTs at QD 64, nothing drained) the background plans in flight
 *      stay bounded by what the buffers allow, and write stalls do not grow with the run; the
 *      hash engine, whose writes wait only for GC erases, likewise under GC all along;
 *  (c) die busy time by origin sums to the dies' busy time;
 *  (d) sim.bg_model=kvemu: PUTs take no time and a GET queues behind reserved background die
 *      time, first come first served (more than under foreground-first scheduling);
 *  (e) stage dependencies: parallel branches of a plan overlap, a join waits for all of them.
 * Determinism of whole runs (same seed, same result.json) is in tests/cli/test_run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/kv/lsmkit.h"
#include "engine_dev.h"
#include "sim_test_util.h"

static const char *const small_dev[] = {"nand.channels=2",
                                        "nand.dies_per_channel=2",
                                        "nand.blocks_per_die=64",
                                        "nand.pages_per_block=32",
                                        "kv.write_buffer=16KiB",
                                        "device.dram=64KiB",
                                        NULL};

/* A closed-loop PUT client: records its latency and waits, and issues the next PUT. */
struct loop {
    struct dev *t;
    uint64_t next_id, last_id;
    uint32_t vlen;
    uint64_t max_lat_first_half, max_lat_second_half;
    uint64_t max_lat_quarter[4];
    uint64_t max_bg_in_flight;
    uint32_t outstanding;
    struct sim_waits waits;
};

struct slot {
    struct loop *lp;
    uint64_t start;
    struct sim_waits waits;
};

static void put_next(struct loop *lp, struct slot *s);

static void
put_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)plan;
    struct slot *s = arg;
    struct loop *lp = s->lp;
    uint64_t lat = sim_now(sim) - s->start;
    bool first = lp->next_id < lp->last_id / 2;
    uint64_t *max = first ? &lp->max_lat_first_half : &lp->max_lat_second_half;
    if (lat > *max)
        *max = lat;
    uint64_t q = lp->next_id * 4 / (lp->last_id + 1);
    if (lat > lp->max_lat_quarter[q])
        lp->max_lat_quarter[q] = lat;
    for (int c = 0; c < SIM_WAIT_COUNT; c++)
        lp->waits.ns[c] += s->waits.ns[c];
    /* plans taken and not completed, less the foreground ones in flight (this one included:
     * it counts as completed only after its callback) */
    uint64_t live = sim->next_plan_id - sim->plans_completed;
    uint64_t bg = live > lp->outstanding ? live - lp->outstanding : 0;
    if (bg > lp->max_bg_in_flight)
        lp->max_bg_in_flight = bg;
    lp->outstanding--;
    if (lp->next_id < lp->last_id)
        put_next(lp, s);
}

static void
put_next(struct loop *lp, struct slot *s)
{
    uint8_t k[16], v[600];
    make_key(k, sizeof(k), lp->next_id % 4096);
    make_value(v, lp->vlen, lp->next_id, 0);
    lp->next_id++;
    struct sim *sim = lp->t->d->sim;
    struct sim_plan *p = sim_plan_new(sim);
    s->start = sim_now(sim);
    memset(&s->waits, 0, sizeof(s->waits));
    p->waits = &s->waits;
    CHECK_EQ_INT(lp->t->e->ops->put(lp->t->e, p, k, sizeof(k), v, lp->vlen, 0), KV_OK);
    lp->outstanding++;
    sim_plan_submit(sim, p, put_done, s);
}

static void
closed_loop(struct dev *t, uint32_t qd, uint64_t puts, struct loop *lp)
{
    *lp = (struct loop){.t = t, .last_id = puts, .vlen = 500};
    struct slot *slots = calloc(qd, sizeof(*slots));
    for (uint32_t i = 0; i < qd; i++) {
        slots[i].lp = lp;
        put_next(lp, &slots[i]);
    }
    sim_run(t->d->sim, UINT64_MAX);
    free(slots);
}

static void
record_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)plan;
    *(uint64_t *)arg = sim_now(sim);
}

static void
check_no_wait_without_backlog(const char *engine, const char *model)
{
    struct dev t;
    char m[64];
    snprintf(m, sizeof(m), "sim.bg_model=%s", model);
    const char *sets[16];
    int n = 0;
    for (; small_dev[n] != NULL; n++)
        sets[n] = small_dev[n];
    sets[n++] = m;
    sets[n] = NULL;
    open_dev(&t, engine, 1, sets);
    if (t.d == NULL)
        return;
    uint8_t k[16], v[600];
    uint64_t flushes0 = t.e->ops->stats(t.e)->flushes;
    for (uint64_t id = 0; id < 400; id++) {
        make_key(k, sizeof(k), id);
        make_value(v, 500, id, 0);
        struct sim *sim = t.d->sim;
        struct sim_plan *p = sim_plan_new(sim);
        struct sim_waits w = {{0}};
        p->waits = &w;
        uint64_t t0 = sim_now(sim), end = UINT64_MAX;
        CHECK_EQ_INT(t.e->ops->put(t.e, p, k, sizeof(k), v, 500, 0), KV_OK);
        sim_plan_submit(sim, p, record_done, &end);
        sim_run(sim, UINT64_MAX); /* drain: no backlog before the next PUT */
        /* the PUT's own plan is controller CPU only, however much background it started; the
         * hash engine has no write buffer apart from its open page, so the PUT that fills a
         * page programs it; under KVEMU's model a PUT takes no time at all */
        const struct nand_params *np = nand_params(t.d->nand);
        uint64_t page_program = 100000; /* + command, transfer and CPU */
        for (int pt = 0; pt < NAND_MAX_PAGE_TYPES; pt++)
            if (np->program_ns[pt] + 100000 > page_program)
                page_program = np->program_ns[pt] + 100000;
        bool hash = strcmp(engine, "hash") == 0, kvemu = strcmp(model, "kvemu") == 0;
        CHECK_LE_U64(end - t0, kvemu ? 0 : hash ? page_program : 2000);
        CHECK_EQ_U64(
            w.ns[SIM_WAIT_BUFFER_FULL] + w.ns[SIM_WAIT_BACKPRESSURE] + w.ns[SIM_WAIT_ADMISSION], 0);
    }
    if (strcmp(engine, "hash") != 0)
        CHECK_GE_U64(t.e->ops->stats(t.e)->flushes - flushes0, 5);
    kvdev_close(t.d);
}

TEST(a_put_never_waits_without_a_backlog)
{
    static const char *const engines[] = {"pink", "anykey", "anykey+", "hash"};
    for (int i = 0; i < 4; i++) {
        check_no_wait_without_backlog(engines[i], "deps");
        check_no_wait_without_backlog(engines[i], "kvemu");
    }
}

static void
check_bounded_backlog(const char *engine)
{
    struct dev t;
    open_dev(&t, engine, 1, small_dev);
    if (t.d == NULL)
        return;
    struct loop lp;
    /* 16 KiB buffers of ~530-byte records: ~30 PUTs fill one; 20,000 PUTs are ~650 flushes */
    closed_loop(&t, 64, 20000, &lp);
    const struct kv_params *kp = &t.d->cfg.kv;
    /*
     * What the buffers allow: per full buffer one flush plan and one compaction plan, at most
     * bg_inflight compaction plans ahead of a flush, the flush being written, the one waiting
     * to start, and GC for room: 2 x (bg_inflight + 2) + 2 plans.
     */
    uint64_t bound = 2 * ((uint64_t)kp->bg_inflight + 2) + 2;
    CHECK_LE_U64(lp.max_bg_in_flight, bound);
    CHECK_GE_U64(lp.max_bg_in_flight, 1);
    /* writes did wait (the loop outran compaction) ... */
    CHECK_GE_U64(lp.waits.ns[SIM_WAIT_BUFFER_FULL], 1);
    /* ... but a stall does not grow with the run, as a chain of earlier plans would make it */
    CHECK_LE_U64(lp.max_lat_second_half, 2 * lp.max_lat_first_half + 1000000);
    kvdev_close(t.d);
}

TEST(b_saturated_compaction_keeps_waits_and_backlog_bounded)
{
    check_bounded_backlog("pink");
    check_bounded_backlog("anykey");
}

/* A small array the hash engine fills many times over: GC runs all along. */
static const char *const hash_gc_dev[] = {"nand.channels=2",        "nand.dies_per_channel=2",
                                          "nand.blocks_per_die=16", "nand.pages_per_block=32",
                                          "device.dram=64KiB",      NULL};

TEST(b_hash_gc_waits_stay_bounded)
{
    struct dev t;
    open_dev(&t, "hash", 1, hash_gc_dev);
    if (t.d == NULL)
        return;
    struct loop lp;
    /* 60,000 records of ~1 KiB through a 16 MiB array: GC from the second quarter on */
    closed_loop(&t, 64, 60000, &lp);
    CHECK_GE_U64(t.e->ops->stats(t.e)->gcs, 20);
    /* writes waited for GC erases (admission) ... */
    CHECK_GE_U64(lp.waits.ns[SIM_WAIT_ADMISSION], 1);
    CHECK_EQ_U64(lp.waits.ns[SIM_WAIT_BUFFER_FULL], 0); /* no write buffer to wait for */
    /* ... but once GC runs all along, a stall does not grow with the run */
    CHECK_LE_U64(lp.max_lat_quarter[3], 2 * lp.max_lat_quarter[2] + 1000000);
    /* background plans do not pile up: at most one per command in flight, and a write whose
     * GC has not erased enough waits for it */
    CHECK_LE_U64(lp.max_bg_in_flight, 64);
    kvdev_close(t.d);
}

TEST(c_die_time_by_origin_sums_to_die_busy_time)
{
    static const char *const engines[] = {"pink", "anykey", "hash"};
    for (int i = 0; i < 3; i++) {
        struct dev t;
        open_dev(&t, engines[i], 1, small_dev);
        if (t.d == NULL)
            return;
        struct loop lp;
        closed_loop(&t, 16, 6000, &lp);
        uint8_t k[16], buf[600];
        uint32_t vl;
        for (uint64_t id = 0; id < 200; id++) {
            make_key(k, sizeof(k), id);
            CHECK_EQ_INT(get(&t, k, sizeof(k), buf, sizeof(buf), &vl), KV_OK);
        }
        const struct nand_stats *f = nand_stats(t.d->nand);
        uint64_t by_origin = 0, busy = 0;
        for (int o = 0; o < SIM_ORIGIN_COUNT; o++)
            by_origin += f->die_busy_by_origin[o];
        for (uint32_t d = 0; d < nand_dies(nand_params(t.d->nand)); d++)
            busy += nand_die_stats(t.d->nand, d)->busy_ns;
        CHECK_EQ_U64(by_origin, busy);
        CHECK_GE_U64(f->die_busy_by_origin[SIM_ORIGIN_USER_READ], 1);
        CHECK_GE_U64(f->die_busy_by_origin[SIM_ORIGIN_FLUSH] +
                         f->die_busy_by_origin[SIM_ORIGIN_VLOG] +
                         f->die_busy_by_origin[SIM_ORIGIN_USER_WRITE],
                     1);
        kvdev_close(t.d);
    }
}

/*
 * Fill until a flush starts background work, then GET a key on a die that work reserved, at
 * once. Returns the GET's wait behind background work; *put_lat the PUTs' largest latency.
 */
static uint64_t
get_behind_flush(const char *model, const char *sched, uint64_t *put_lat)
{
    char m[64], s[64];
    snprintf(m, sizeof(m), "sim.bg_model=%s", model);
    snprintf(s, sizeof(s), "sim.die_sched=%s", sched);
    const char *const sets[] = {"nand.channels=1",
                                "nand.dies_per_channel=1",
                                "nand.blocks_per_die=64",
                                "nand.pages_per_block=32",
                                "kv.write_buffer=16KiB",
                                "device.dram=64KiB",
                                m,
                                s,
                                NULL};
    struct dev t;
    open_dev(&t, "pink", 1, sets);
    uint8_t k[16], v[600], buf[600];
    uint32_t vl;
    struct sim *sim = t.d->sim;
    /* one flush's worth, drained, so the key below is on flash */
    for (uint64_t id = 0; id < 40; id++) {
        make_key(k, sizeof(k), id);
        make_value(v, 500, id, 0);
        CHECK_EQ_INT(put_run(&t, k, sizeof(k), v, 500, true), KV_OK);
    }
    uint64_t flushes = t.e->ops->stats(t.e)->flushes;
    *put_lat = 0;
    for (uint64_t id = 1000; t.e->ops->stats(t.e)->flushes == flushes; id++) {
        make_key(k, sizeof(k), id);
        make_value(v, 500, id, 0);
        struct sim_plan *p = sim_plan_new(sim);
        uint64_t t0 = sim_now(sim);
        uint64_t end = UINT64_MAX;
        CHECK_EQ_INT(t.e->ops->put(t.e, p, k, sizeof(k), v, 500, 0), KV_OK);
        sim_plan_submit(sim, p, record_done, &end);
        /* run only until this PUT is done; background work stays queued */
        while (end == UINT64_MAX && sim_step(sim))
            ;
        if (end - t0 > *put_lat)
            *put_lat = end - t0;
    }
    struct sim_plan *g = sim_plan_new(sim);
    struct sim_waits w = {{0}};
    g->waits = &w;
    make_key(k, sizeof(k), 3);
    CHECK_EQ_INT(t.e->ops->get(t.e, g, k, sizeof(k), buf, sizeof(buf), &vl), KV_OK);
    sim_plan_submit(sim, g, NULL, NULL);
    sim_run(sim, UINT64_MAX);
    kvdev_close(t.d);
    return w.ns[SIM_WAIT_DIE_BG];
}

TEST(d_kvemu_model_zero_latency_puts_and_fcfs_gets)
{
    uint64_t put_lat_kvemu, put_lat_deps, put_lat_fg;
    uint64_t fcfs = get_behind_flush("kvemu", "fcfs", &put_lat_kvemu);
    uint64_t fg_first = get_behind_flush("kvemu", "fg_first", &put_lat_fg);
    uint64_t deps = get_behind_flush("deps", "fcfs", &put_lat_deps);
    /* under KVEMU's model a PUT costs nothing, whatever the die schedule */
    CHECK_EQ_U64(put_lat_kvemu, 0);
    CHECK_EQ_U64(put_lat_fg, 0);
    CHECK_GE_U64(put_lat_deps, 1); /* the default model charges the command's CPU */
    /* the GET waits for the background time reserved before it ... */
    CHECK_GE_U64(fcfs, 1);
    /* ... more than when it may overtake queued background work */
    CHECK_GE_U64(fcfs, fg_first + 1);
    /* dependency plans start their flash work when its inputs exist, never earlier than KVEMU's
     * reservations, so the GET meets at most as much of it */
    CHECK_GE_U64(fcfs, deps);
}

TEST(e_parallel_branches_overlap_and_join)
{
    struct sim *sim = new_sim();
    struct sim_plan *p = sim_plan_new(sim);
    sim_plan_delay(p, SIM_PRIO_BG, 10);
    struct kv_par par;
    kv_par_begin(&par, p);
    for (int b = 0; b < 3; b++) {
        kv_par_branch(&par);
        sim_plan_delay(p, SIM_PRIO_BG, 100); /* "copies" */
        sim_plan_barrier(p);
        sim_plan_delay(p, SIM_PRIO_BG, 30); /* "erase", after its own copies only */
    }
    kv_par_end(&par);
    sim_plan_delay(p, SIM_PRIO_BG, 5); /* after every branch */
    uint64_t end = 0;
    sim_plan_submit(sim, p, NULL, NULL);
    while (sim_step(sim))
        end = sim_now(sim);
    /* 10, then three 130-ns branches side by side, then 5: not 10 + 3 x 130 + 5 */
    CHECK_EQ_U64(end, 10 + 130 + 5);
    sim_destroy(sim);
}

TEST_MAIN(TEST_ENTRY(a_put_never_waits_without_a_backlog),
          TEST_ENTRY(b_saturated_compaction_keeps_waits_and_backlog_bounded),
          TEST_ENTRY(b_hash_gc_waits_stay_bounded),
          TEST_ENTRY(c_die_time_by_origin_sums_to_die_busy_time),
          TEST_ENTRY(d_kvemu_model_zero_latency_puts_and_fcfs_gets),
          TEST_ENTRY(e_parallel_branches_overlap_and_join))
