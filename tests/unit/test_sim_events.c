/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the discrete-event core (src/sim), part one: the event queue, resources with
 * priority classes, and the invariant checks that make misuse abort. Plans, executors and
 * run-to-run determinism are in test_sim_plans.c; shared helpers in sim_test_util.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/base/rng.h"
#include "../../src/sim/sim.h"
#include "harness.h"
#include "harness_child.h"
#include "sim_test_util.h"

#define CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ================================================================================================
 * Event queue
 * ============================================================================================== */

static void
ev_log_and_stop(struct sim *sim, void *arg)
{
    ev_log(sim, arg);
    sim_stop(sim);
}

/* Logs itself, then schedules its child at absolute time child_at. */
static void
ev_log_and_spawn(struct sim *sim, void *arg)
{
    const struct tagged *t = arg;
    log_push(t->tag, sim_now(sim));
    sim_schedule(sim, t->child_at, ev_log, t->child);
}

/* Logs itself, then schedules two children at the current time: one absolute, one via sim_after. */
static void
ev_log_and_spawn_two_now(struct sim *sim, void *arg)
{
    struct tagged *t = arg;
    log_push(t->tag, sim_now(sim));
    sim_schedule(sim, sim_now(sim), ev_log, t->child);
    sim_after(sim, 0, ev_log, t->child->child);
}

TEST(event_time_order)
{
    struct sim *sim = new_sim();
    log_reset();
    struct tagged ev[6];
    static const uint64_t at[6] = {50, 10, 30, 0, 40, 20};
    for (int i = 0; i < 6; i++) {
        ev[i] = (struct tagged){.tag = i};
        sim_schedule(sim, at[i], ev_log, &ev[i]);
    }
    CHECK_EQ_U64(sim_pending_events(sim), 6);
    CHECK_EQ_U64(sim_now(sim), 0);
    sim_run(sim, UINT64_MAX);
    static const int tags[6] = {3, 1, 5, 2, 4, 0};
    static const uint64_t times[6] = {0, 10, 20, 30, 40, 50};
    check_log(tags, times, 6);
    CHECK_EQ_U64(sim_now(sim), 50);
    CHECK_EQ_U64(sim->events_run, 6);
    CHECK_EQ_U64(sim_pending_events(sim), 0);
    sim_destroy(sim);
}

TEST(event_equal_times_fifo)
{
    struct sim *sim = new_sim();
    log_reset();
    /*
     * At 100: A(0), B(1), C(2) scheduled up front; B schedules 10 (sim_schedule at now) and
     * 11 (sim_after 0). D(3) at 50 schedules 12 at 100. 12's seq is older than 10's and 11's,
     * so at 100 the order is 0, 1, 2, 12, 10, 11.
     */
    struct tagged c11 = {.tag = 11};
    struct tagged c10 = {.tag = 10, .child = &c11};
    struct tagged c12 = {.tag = 12};
    struct tagged a = {.tag = 0};
    struct tagged b = {.tag = 1, .child = &c10};
    struct tagged c = {.tag = 2};
    struct tagged d = {.tag = 3, .child_at = 100, .child = &c12};
    sim_schedule(sim, 100, ev_log, &a);
    sim_schedule(sim, 100, ev_log_and_spawn_two_now, &b);
    sim_schedule(sim, 100, ev_log, &c);
    sim_schedule(sim, 50, ev_log_and_spawn, &d);
    sim_run(sim, UINT64_MAX);
    static const int tags[7] = {3, 0, 1, 2, 12, 10, 11};
    static const uint64_t times[7] = {50, 100, 100, 100, 100, 100, 100};
    check_log(tags, times, 7);
    CHECK_EQ_U64(sim->events_run, 7);

    /* many events at one instant keep their scheduling order */
    log_reset();
    struct tagged many[40];
    for (int i = 0; i < 40; i++) {
        many[i] = (struct tagged){.tag = i};
        sim_schedule(sim, 200, ev_log, &many[i]);
    }
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(g_log.n, 40);
    for (int i = 0; i < 40 && i < g_log.n; i++) {
        CHECK_EQ_INT(g_log.tag[i], i);
        CHECK_EQ_U64(g_log.t[i], 200);
    }
    sim_destroy(sim);
}

TEST(event_run_until_and_resume)
{
    struct sim *sim = new_sim();
    log_reset();
    struct tagged ev[4];
    struct tagged late = {.tag = 9};
    for (int i = 0; i < 4; i++) {
        ev[i] = (struct tagged){.tag = i, .child_at = 45, .child = &late};
        sim_schedule(sim, (uint64_t)(i + 1) * 10, i == 3 ? ev_log_and_spawn : ev_log, &ev[i]);
    }
    sim_run(sim, 25);
    CHECK_EQ_INT(g_log.n, 2);
    CHECK_EQ_U64(sim_now(sim), 20); /* the clock stays at the last event run */
    CHECK_EQ_U64(sim_pending_events(sim), 2);
    CHECK_EQ_U64(sim->events_run, 2);

    sim_run(sim, 29); /* nothing due */
    CHECK_EQ_INT(g_log.n, 2);
    CHECK_EQ_U64(sim->events_run, 2);

    sim_run(sim, 30); /* the bound is inclusive */
    CHECK_EQ_INT(g_log.n, 3);
    CHECK_EQ_U64(sim_now(sim), 30);
    CHECK_EQ_U64(sim_pending_events(sim), 1);

    sim_run(sim, UINT64_MAX); /* 40 spawns 9 at 45, which runs in the same call */
    static const int tags[5] = {0, 1, 2, 3, 9};
    static const uint64_t times[5] = {10, 20, 30, 40, 45};
    check_log(tags, times, 5);
    CHECK_EQ_U64(sim_now(sim), 45);
    CHECK_EQ_U64(sim->events_run, 5);
    CHECK_EQ_U64(sim_pending_events(sim), 0);

    /* running an empty queue is a no-op */
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_U64(sim->events_run, 5);
    CHECK_EQ_U64(sim_now(sim), 45);
    sim_destroy(sim);
}

TEST(event_stop_from_handler)
{
    struct sim *sim = new_sim();
    log_reset();
    struct tagged e0 = {.tag = 0}, e1 = {.tag = 1}, e2 = {.tag = 2}, e3 = {.tag = 3};
    sim_schedule(sim, 10, ev_log, &e0);
    sim_schedule(sim, 20, ev_log_and_stop, &e1);
    sim_schedule(sim, 20, ev_log, &e2); /* same time, later seq: must not run before the stop */
    sim_schedule(sim, 30, ev_log, &e3);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(g_log.n, 2);
    CHECK_EQ_U64(sim_now(sim), 20);
    CHECK_EQ_U64(sim->events_run, 2);
    CHECK_EQ_U64(sim_pending_events(sim), 2);

    sim_run(sim, UINT64_MAX); /* a new run resumes where the stop left off */
    static const int tags[4] = {0, 1, 2, 3};
    static const uint64_t times[4] = {10, 20, 20, 30};
    check_log(tags, times, 4);
    CHECK_EQ_U64(sim->events_run, 4);
    CHECK_EQ_U64(sim_pending_events(sim), 0);
    sim_destroy(sim);
}

TEST(event_step)
{
    struct sim *sim = new_sim();
    log_reset();
    CHECK(!sim_step(sim));
    CHECK_EQ_U64(sim->events_run, 0);
    struct tagged e0 = {.tag = 0}, e1 = {.tag = 1};
    sim_schedule(sim, 7, ev_log, &e0);
    sim_schedule(sim, 3, ev_log, &e1);
    CHECK(sim_step(sim));
    CHECK_EQ_U64(sim_now(sim), 3);
    CHECK_EQ_INT(g_log.n, 1);
    CHECK_EQ_INT(g_log.tag[0], 1);
    CHECK_EQ_U64(sim_pending_events(sim), 1);
    CHECK(sim->current == NULL);
    CHECK(sim_step(sim));
    CHECK_EQ_U64(sim_now(sim), 7);
    CHECK(!sim_step(sim));
    CHECK_EQ_U64(sim->events_run, 2);
    CHECK_EQ_U64(sim_now(sim), 7);
    sim_destroy(sim);
}

/* ---- large randomized heap test ---- */

#define BIG_N       100000
#define BIG_UPFRONT 60000

struct big_ev {
    uint64_t time, seq;
    int ran;
};

static struct {
    struct big_ev *ev;
    uint32_t n_sched;
    struct nvkv_rng rng;
    uint64_t last_time, last_seq;
    uint64_t popped;
    uint64_t order_errors, meta_errors;
} g_big;

static void big_handler(struct sim *sim, void *arg);

static void
big_schedule(struct sim *sim, uint64_t at)
{
    struct big_ev *e = &g_big.ev[g_big.n_sched++];
    e->time = at;
    e->seq = sim->seq; /* the seq sim_schedule is about to assign */
    sim_schedule(sim, at, big_handler, e);
}

static void
big_handler(struct sim *sim, void *arg)
{
    struct big_ev *e = arg;
    const struct sim_event *cur = sim->current;
    if (cur == NULL || cur->time_ns != e->time || cur->seq != e->seq || sim_now(sim) != e->time ||
        cur->arg != arg || e->ran != 0)
        g_big.meta_errors++;
    e->ran++;
    if (g_big.popped > 0 &&
        !(e->time > g_big.last_time || (e->time == g_big.last_time && e->seq > g_big.last_seq)))
        g_big.order_errors++;
    g_big.last_time = e->time;
    g_big.last_seq = e->seq;
    g_big.popped++;
    /* interleave pushes with pops; a delay of 0 lands at the current instant */
    uint64_t r = nvkv_rng_below(&g_big.rng, 4);
    if (g_big.n_sched < BIG_N && r != 0)
        big_schedule(sim, sim_now(sim) + nvkv_rng_below(&g_big.rng, 64));
}

TEST(event_random_heap_order)
{
    struct sim *sim = new_sim();
    memset(&g_big, 0, sizeof(g_big));
    g_big.ev = calloc(BIG_N, sizeof(*g_big.ev));
    if (g_big.ev == NULL) {
        CHECK(g_big.ev != NULL);
        sim_destroy(sim);
        return;
    }
    nvkv_rng_seed(&g_big.rng, harness_seed ^ 0x5eed0001ULL);
    /* a small time range forces many ties, which only seq can order */
    for (int i = 0; i < BIG_UPFRONT; i++)
        big_schedule(sim, nvkv_rng_below(&g_big.rng, 20000));
    CHECK_EQ_U64(sim_pending_events(sim), BIG_UPFRONT);
    /* top the queue up from handlers until BIG_N events were scheduled in total */
    while (g_big.n_sched < BIG_N && sim_pending_events(sim) > 0)
        sim_step(sim);
    while (g_big.n_sched < BIG_N)
        big_schedule(sim, sim_now(sim) + nvkv_rng_below(&g_big.rng, 1000));
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_U64(g_big.n_sched, BIG_N);
    CHECK_EQ_U64(g_big.popped, BIG_N);
    CHECK_EQ_U64(sim->events_run, BIG_N);
    CHECK_EQ_U64(g_big.order_errors, 0);
    CHECK_EQ_U64(g_big.meta_errors, 0);
    uint64_t not_once = 0;
    for (uint32_t i = 0; i < BIG_N; i++)
        not_once += g_big.ev[i].ran != 1;
    CHECK_EQ_U64(not_once, 0);
    CHECK_EQ_U64(sim_pending_events(sim), 0);
    free(g_big.ev);
    g_big.ev = NULL;
    sim_destroy(sim);
}

/* ================================================================================================
 * Resources
 * ============================================================================================== */

struct job {
    struct sim_waiter w;
    struct sim_resource *r;
    int tag;
    enum sim_prio prio;
    uint64_t hold;
    uint64_t granted_at, released_at;
    int grants;
};

static int g_in_service, g_max_in_service;

static void
job_release_ev(struct sim *sim, void *arg)
{
    struct job *j = arg;
    j->released_at = sim_now(sim);
    g_in_service--;
    sim_resource_release(sim, j->r);
}

static void
job_granted(struct sim *sim, struct sim_waiter *w)
{
    struct job *j = CONTAINER_OF(w, struct job, w);
    j->grants++;
    j->granted_at = sim_now(sim);
    log_push(j->tag, sim_now(sim));
    if (++g_in_service > g_max_in_service)
        g_max_in_service = g_in_service;
    sim_after(sim, j->hold, job_release_ev, j);
}

static void
job_init(struct job *j, struct sim_resource *r, int tag, enum sim_prio prio, uint64_t hold)
{
    memset(j, 0, sizeof(*j));
    j->w.granted = job_granted;
    j->r = r;
    j->tag = tag;
    j->prio = prio;
    j->hold = hold;
    j->granted_at = UINT64_MAX;
    j->released_at = UINT64_MAX;
}

static void
job_acquire(struct sim *sim, struct job *j)
{
    sim_resource_acquire(sim, j->r, j->prio, &j->w);
}

static void
job_arrive_ev(struct sim *sim, void *arg)
{
    job_acquire(sim, arg);
}

static void
res_reset_globals(void)
{
    log_reset();
    g_in_service = 0;
    g_max_in_service = 0;
}

TEST(resource_prio_names)
{
    CHECK_STR(sim_prio_name(SIM_PRIO_FG_READ), "fg_read");
    CHECK_STR(sim_prio_name(SIM_PRIO_FG_WRITE), "fg_write");
    CHECK_STR(sim_prio_name(SIM_PRIO_BG), "background");
    CHECK_STR(sim_prio_name(SIM_PRIO_COUNT), "?");
}

TEST(resource_capacity1_serializes)
{
    struct sim *sim = new_sim();
    res_reset_globals();
    struct sim_resource r;
    sim_resource_init(&r, 1);
    CHECK_EQ_U64(r.capacity, 1);
    CHECK_EQ_U64(r.grants, 0);
    struct job j[3];
    for (int i = 0; i < 3; i++) {
        job_init(&j[i], &r, i, SIM_PRIO_FG_WRITE, 10);
        job_acquire(sim, &j[i]);
    }
    /* the first grant runs synchronously inside acquire */
    CHECK_EQ_INT(j[0].grants, 1);
    CHECK_EQ_U64(j[0].granted_at, 0);
    CHECK_EQ_INT(j[1].grants, 0);
    CHECK_EQ_INT(j[2].grants, 0);
    CHECK_EQ_U64(r.busy, 1);
    CHECK_EQ_U64(r.grants, 1);
    CHECK_EQ_U64(r.waits, 2);
    sim_run(sim, UINT64_MAX);
    static const int tags[3] = {0, 1, 2};
    static const uint64_t times[3] = {0, 10, 20};
    check_log(tags, times, 3);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(j[i].grants, 1);
        CHECK_EQ_U64(j[i].released_at, (uint64_t)(i + 1) * 10);
    }
    CHECK_EQ_INT(g_max_in_service, 1);
    CHECK_EQ_U64(r.grants, 3);
    CHECK_EQ_U64(r.waits, 2);
    CHECK_EQ_U64(sim_now(sim), 30);
    check_resource_idle(&r);
    sim_destroy(sim);
}

TEST(resource_capacity_k_parallel)
{
    struct sim *sim = new_sim();
    res_reset_globals();
    struct sim_resource r;
    sim_resource_init(&r, 3);
    struct job j[7];
    for (int i = 0; i < 7; i++) {
        job_init(&j[i], &r, i, SIM_PRIO_BG, 10);
        job_acquire(sim, &j[i]);
    }
    CHECK_EQ_U64(r.busy, 3);
    CHECK_EQ_U64(r.grants, 3);
    CHECK_EQ_U64(r.waits, 4);
    sim_run(sim, UINT64_MAX);
    static const int tags[7] = {0, 1, 2, 3, 4, 5, 6};
    static const uint64_t times[7] = {0, 0, 0, 10, 10, 10, 20};
    check_log(tags, times, 7);
    CHECK_EQ_INT(g_max_in_service, 3);
    CHECK_EQ_U64(r.grants, 7);
    CHECK_EQ_U64(r.waits, 4);
    CHECK_EQ_U64(sim_now(sim), 30);
    check_resource_idle(&r);

    /* uneven holds: a freed unit goes to the next waiter while the other stays busy */
    res_reset_globals();
    struct sim_resource r2;
    sim_resource_init(&r2, 2);
    struct job k[4];
    static const uint64_t holds[4] = {30, 10, 10, 10};
    for (int i = 0; i < 4; i++) {
        job_init(&k[i], &r2, i, SIM_PRIO_FG_READ, holds[i]);
        job_acquire(sim, &k[i]);
    }
    sim_run(sim, UINT64_MAX);
    /* k0: 30..60, k1: 30..40, k2: 40..50, k3: 50..60 (the run starts at 30) */
    static const int tags2[4] = {0, 1, 2, 3};
    static const uint64_t times2[4] = {30, 30, 40, 50};
    check_log(tags2, times2, 4);
    CHECK_EQ_U64(k[0].released_at, 60);
    CHECK_EQ_U64(k[3].released_at, 60);
    CHECK_EQ_INT(g_max_in_service, 2);
    CHECK_EQ_U64(r2.grants, 4);
    CHECK_EQ_U64(r2.waits, 2);
    check_resource_idle(&r2);
    sim_destroy(sim);
}

TEST(resource_priority_classes)
{
    struct sim *sim = new_sim();
    res_reset_globals();
    struct sim_resource r;
    sim_resource_init(&r, 1);
    struct job h, q[6], late;
    job_init(&h, &r, 0, SIM_PRIO_BG, 100);
    job_acquire(sim, &h); /* holds the unit 0..100 */

    static const enum sim_prio prios[6] = {SIM_PRIO_BG, SIM_PRIO_FG_WRITE, SIM_PRIO_FG_READ,
                                           SIM_PRIO_BG, SIM_PRIO_FG_WRITE, SIM_PRIO_FG_READ};

    /* tags: BG1=1 FGW1=2 FGR1=3 BG2=4 FGW2=5 FGR2=6 */
    for (int i = 0; i < 6; i++) {
        job_init(&q[i], &r, i + 1, prios[i], 10);
        job_acquire(sim, &q[i]);
    }
    /* FGW3 arrives at 105, while FGR1 is in service, behind the queued FG writes */
    job_init(&late, &r, 7, SIM_PRIO_FG_WRITE, 10);
    sim_schedule(sim, 105, job_arrive_ev, &late);
    CHECK_EQ_U64(r.grants, 1);
    CHECK_EQ_U64(r.waits, 6);
    sim_run(sim, UINT64_MAX);
    static const int tags[8] = {0, 3, 6, 2, 5, 7, 1, 4};
    static const uint64_t times[8] = {0, 100, 110, 120, 130, 140, 150, 160};
    check_log(tags, times, 8);
    CHECK_EQ_U64(r.grants, 8);
    CHECK_EQ_U64(r.waits, 7);
    CHECK_EQ_INT(g_max_in_service, 1);
    CHECK_EQ_U64(sim_now(sim), 170);
    check_resource_idle(&r);
    sim_destroy(sim);
}

TEST(resource_non_preemptive)
{
    struct sim *sim = new_sim();
    res_reset_globals();
    struct sim_resource r;
    sim_resource_init(&r, 1);
    struct job bg0, bg1, fgr, fgw;
    job_init(&bg0, &r, 0, SIM_PRIO_BG, 100);
    job_init(&bg1, &r, 1, SIM_PRIO_BG, 50);
    job_init(&fgr, &r, 2, SIM_PRIO_FG_READ, 10);
    job_init(&fgw, &r, 3, SIM_PRIO_FG_WRITE, 5);
    job_acquire(sim, &bg0); /* in service 0..100 */
    job_acquire(sim, &bg1); /* queued */
    sim_schedule(sim, 30, job_arrive_ev, &fgr);
    sim_schedule(sim, 50, job_arrive_ev, &fgw);
    sim_run(sim, 99);
    /* the BG holder keeps its unit; the foreground arrivals only queue */
    CHECK_EQ_INT(fgr.grants, 0);
    CHECK_EQ_INT(fgw.grants, 0);
    CHECK_EQ_U64(bg0.released_at, UINT64_MAX);
    CHECK_EQ_U64(r.busy, 1);
    CHECK_EQ_U64(r.waits, 3);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_U64(bg0.granted_at, 0);
    CHECK_EQ_U64(bg0.released_at, 100);
    /* the read waits only for the BG op in service and jumps ahead of the queued BG op */
    CHECK_EQ_U64(fgr.granted_at, 100);
    CHECK_EQ_U64(fgr.released_at, 110);
    CHECK_EQ_U64(fgw.granted_at, 110);
    CHECK_EQ_U64(bg1.granted_at, 115);
    CHECK_EQ_U64(bg1.released_at, 165);
    static const int tags[4] = {0, 2, 3, 1};
    check_log(tags, NULL, 4);
    CHECK_EQ_U64(r.grants, 4);
    CHECK_EQ_U64(r.waits, 3);
    check_resource_idle(&r);
    sim_destroy(sim);
}

static int g_noop_grants;

static void
noop_granted(struct sim *sim, struct sim_waiter *w)
{
    (void)sim;
    (void)w;
    g_noop_grants++;
}

TEST(resource_counters_and_release)
{
    struct sim *sim = new_sim();
    g_noop_grants = 0;
    struct sim_resource r;
    sim_resource_init(&r, 2);
    struct sim_waiter w[4];
    for (int i = 0; i < 4; i++)
        w[i] = (struct sim_waiter){.granted = noop_granted};
    sim_resource_acquire(sim, &r, SIM_PRIO_FG_READ, &w[0]);
    sim_resource_acquire(sim, &r, SIM_PRIO_BG, &w[1]);
    CHECK_EQ_INT(g_noop_grants, 2);
    CHECK_EQ_U64(r.busy, 2);
    CHECK_EQ_U64(r.grants, 2);
    CHECK_EQ_U64(r.waits, 0);
    sim_resource_acquire(sim, &r, SIM_PRIO_BG, &w[2]);
    sim_resource_acquire(sim, &r, SIM_PRIO_FG_WRITE, &w[3]);
    CHECK_EQ_INT(g_noop_grants, 2);
    CHECK_EQ_U64(r.waits, 2);
    CHECK(r.head[SIM_PRIO_BG] == &w[2]);
    CHECK(r.head[SIM_PRIO_FG_WRITE] == &w[3]);
    CHECK(r.head[SIM_PRIO_FG_READ] == NULL);
    /* a release with waiters hands the unit over: busy stays at capacity */
    sim_resource_release(sim, &r);
    CHECK_EQ_INT(g_noop_grants, 3);
    CHECK_EQ_U64(r.busy, 2);
    CHECK(r.head[SIM_PRIO_FG_WRITE] == NULL);
    CHECK(r.tail[SIM_PRIO_FG_WRITE] == NULL);
    sim_resource_release(sim, &r);
    CHECK_EQ_INT(g_noop_grants, 4);
    CHECK_EQ_U64(r.busy, 2);
    CHECK(r.head[SIM_PRIO_BG] == NULL);
    /* releases without waiters free units */
    sim_resource_release(sim, &r);
    CHECK_EQ_U64(r.busy, 1);
    sim_resource_release(sim, &r);
    CHECK_EQ_U64(r.busy, 0);
    CHECK_EQ_U64(r.grants, 4);
    CHECK_EQ_U64(r.waits, 2);
    check_resource_idle(&r);
    /* a free unit is granted at once again */
    sim_resource_acquire(sim, &r, SIM_PRIO_BG, &w[0]);
    CHECK_EQ_INT(g_noop_grants, 5);
    CHECK_EQ_U64(r.busy, 1);
    CHECK_EQ_U64(r.grants, 5);
    CHECK_EQ_U64(r.waits, 2);
    sim_destroy(sim);
}

/* ================================================================================================
 * Invariant checks: misuse aborts with a message (each case runs in a forked child)
 * ============================================================================================== */

/* Runs fn in a child; returns true when it died of SIGABRT. Its stderr goes to out. */
static bool
dies_with_abort(void (*fn)(void), char *out, size_t out_len)
{
    int status = harness_run_in_child(fn, out, out_len);
    return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void
noop_event(struct sim *sim, void *arg)
{
    (void)sim;
    (void)arg;
}

static void
die_schedule_past(void)
{
    struct sim *sim = new_sim();
    sim_schedule(sim, 10, noop_event, NULL);
    sim_run(sim, UINT64_MAX);
    sim_schedule(sim, 5, noop_event, NULL);
}

static void
ev_schedule_past(struct sim *sim, void *arg)
{
    (void)arg;
    sim_schedule(sim, sim_now(sim) - 1, noop_event, NULL);
}

static void
die_schedule_past_in_run(void)
{
    struct sim *sim = new_sim();
    sim_schedule(sim, 10, noop_event, NULL);
    sim_schedule(sim, 42, ev_schedule_past, NULL);
    sim_run(sim, UINT64_MAX);
}

static void
die_release_idle(void)
{
    struct sim *sim = new_sim();
    struct sim_resource r;
    sim_resource_init(&r, 1);
    sim_resource_release(sim, &r);
}

static void
die_zero_capacity(void)
{
    struct sim_resource r;
    sim_resource_init(&r, 0);
}

static void
die_add_after_submit(void)
{
    struct sim *sim = new_sim();
    struct sim_plan *p = sim_plan_new(sim);
    sim_plan_delay(p, SIM_PRIO_BG, 10);
    sim_plan_submit(sim, p, NULL, NULL);
    sim_plan_delay(p, SIM_PRIO_BG, 10);
}

static void
die_submit_twice(void)
{
    struct sim *sim = new_sim();
    struct sim_plan *p = sim_plan_new(sim);
    sim_plan_delay(p, SIM_PRIO_BG, 10);
    sim_plan_submit(sim, p, NULL, NULL);
    sim_plan_submit(sim, p, NULL, NULL);
}

static void
die_after_self(void)
{
    struct sim *sim = new_sim();
    struct sim_plan *p = sim_plan_new(sim);
    sim_plan_after(p, p);
}

static void
sync_start(struct sim *sim, void *ctx, struct sim_op *op)
{
    (void)ctx;
    sim_op_done(sim, op);
}

static void
die_sync_executor(void)
{
    struct sim *sim = new_sim();
    sim_register_exec(sim, SIM_EXEC_FIRST_FREE, sync_start, NULL);
    struct sim_plan *p = sim_plan_new(sim);
    sim_plan_add(p, SIM_EXEC_FIRST_FREE, SIM_PRIO_BG);
    sim_plan_add(p, SIM_EXEC_FIRST_FREE, SIM_PRIO_BG);
    sim_plan_submit(sim, p, NULL, NULL);
}

static void
die_no_executor(void)
{
    struct sim *sim = new_sim();
    struct sim_plan *p = sim_plan_new(sim);
    sim_plan_add(p, SIM_EXEC_FIRST_FREE + 3, SIM_PRIO_BG);
    sim_plan_submit(sim, p, NULL, NULL);
}

static void
die_register_builtin_kind(void)
{
    struct sim *sim = new_sim();
    sim_register_exec(sim, SIM_EXEC_USE, sync_start, NULL);
}

static void
die_register_kind_too_big(void)
{
    struct sim *sim = new_sim();
    sim_register_exec(sim, SIM_EXEC_MAX, sync_start, NULL);
}

static void
die_bad_prio(void)
{
    struct sim *sim = new_sim();
    struct sim_resource r;
    sim_resource_init(&r, 1);
    struct sim_waiter w = {.granted = noop_granted};
    sim_resource_acquire(sim, &r, SIM_PRIO_COUNT, &w);
}

TEST(invariant_checks_abort)
{
    static const struct {
        const char *name;
        void (*fn)(void);
        const char *msg;
    } cases[] = {
        {"schedule_past", die_schedule_past, "event scheduled in the past: 5 < now 10"},
        {"schedule_past_in_run", die_schedule_past_in_run, "at virtual time 42 ns, 2 events run"},
        {"release_idle", die_release_idle, "r->busy > 0"},
        {"zero_capacity", die_zero_capacity, "capacity > 0"},
        {"add_after_submit", die_add_after_submit, "after submit"},
        {"submit_twice", die_submit_twice, "SIM_PLAN_BUILDING"},
        {"after_self", die_after_self, "plan != other"},
        {"sync_executor", die_sync_executor, "finished an operation synchronously"},
        {"no_executor", die_no_executor, "no executor for operation kind 5"},
        {"register_builtin_kind", die_register_builtin_kind, "SIM_EXEC_FIRST_FREE"},
        {"register_kind_too_big", die_register_kind_too_big, "SIM_EXEC_MAX"},
        {"bad_prio", die_bad_prio, "SIM_PRIO_COUNT"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[4096];
        bool aborted = dies_with_abort(cases[i].fn, out, sizeof(out));
        CHECK_MSG(aborted, "%s did not abort; stderr: %s", cases[i].name, out);
        CHECK_MSG(strstr(out, "invariant violated") != NULL && strstr(out, cases[i].msg) != NULL,
                  "%s: stderr lacks \"%s\": %s", cases[i].name, cases[i].msg, out);
    }
}

TEST_MAIN(TEST_ENTRY(event_time_order), TEST_ENTRY(event_equal_times_fifo),
          TEST_ENTRY(event_run_until_and_resume), TEST_ENTRY(event_stop_from_handler),
          TEST_ENTRY(event_step), TEST_ENTRY(event_random_heap_order),
          TEST_ENTRY(resource_prio_names), TEST_ENTRY(resource_capacity1_serializes),
          TEST_ENTRY(resource_capacity_k_parallel), TEST_ENTRY(resource_priority_classes),
          TEST_ENTRY(resource_non_preemptive), TEST_ENTRY(resource_counters_and_release),
          TEST_ENTRY(invariant_checks_abort))
