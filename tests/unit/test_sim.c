/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the discrete-event core (src/sim): the event queue, resources with priority
 * classes, work plans and their executors, and run-to-run determinism.
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

#define CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ---- shared helpers ---- */

static struct sim *
new_sim(void)
{
    struct sim *sim = NULL;
    int rc = sim_create(&sim);
    if (rc != 0 || sim == NULL) {
        fprintf(stderr, "sim_create failed: %d\n", rc);
        abort();
    }
    return sim;
}

/* An ordered log of (tag, virtual time) pairs that handlers append to. */
#define LOG_MAX 256

static struct {
    int n;
    int tag[LOG_MAX];
    uint64_t t[LOG_MAX];
} g_log;

static void
log_reset(void)
{
    g_log.n = 0;
}

static void
log_push(int tag, uint64_t t)
{
    if (g_log.n < LOG_MAX) {
        g_log.tag[g_log.n] = tag;
        g_log.t[g_log.n] = t;
    }
    g_log.n++;
}

/* Compare the log with expected tags and times; n_exp entries. */
static void
check_log(const int *tags, const uint64_t *times, int n_exp)
{
    CHECK_EQ_INT(g_log.n, n_exp);
    for (int i = 0; i < n_exp && i < g_log.n && i < LOG_MAX; i++) {
        CHECK_MSG(g_log.tag[i] == tags[i], "log[%d]: tag %d, expected %d", i, g_log.tag[i],
                  tags[i]);
        if (times != NULL)
            CHECK_MSG(g_log.t[i] == times[i],
                      "log[%d] (tag %d): time %" PRIu64 ", expected %" PRIu64, i, g_log.tag[i],
                      g_log.t[i], times[i]);
    }
}

/* ================================================================================================
 * Event queue
 * ============================================================================================== */

struct tagged {
    int tag;
    uint64_t child_at;
    struct tagged *child;
};

static void
ev_log(struct sim *sim, void *arg)
{
    const struct tagged *t = arg;
    log_push(t->tag, sim_now(sim));
}

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

static void
check_resource_idle(const struct sim_resource *r)
{
    CHECK_EQ_U64(r->busy, 0);
    for (int p = 0; p < SIM_PRIO_COUNT; p++) {
        CHECK(r->head[p] == NULL);
        CHECK(r->tail[p] == NULL);
    }
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
 * Plans
 * ============================================================================================== */

struct done_rec {
    int tag;
    int calls;
    uint64_t at;
    uint64_t plan_id;
    uint64_t submit_ns, start_ns;
    bool in_submit;
};

static bool g_in_submit;

static void
plan_done_rec(struct sim *sim, struct sim_plan *plan, void *arg)
{
    struct done_rec *d = arg;
    d->calls++;
    d->at = sim_now(sim);
    d->plan_id = plan->id;
    d->submit_ns = plan->submit_ns;
    d->start_ns = plan->start_ns;
    d->in_submit = g_in_submit;
    log_push(d->tag, sim_now(sim));
}

static void
done_init(struct done_rec *d, int tag)
{
    *d = (struct done_rec){.tag = tag, .at = UINT64_MAX};
}

static void
submit_rec(struct sim *sim, struct sim_plan *p, struct done_rec *d)
{
    g_in_submit = true;
    sim_plan_submit(sim, p, plan_done_rec, d);
    g_in_submit = false;
}

TEST(plan_parallel_stage_max)
{
    struct sim *sim = new_sim();
    log_reset();
    struct sim_plan *p = sim_plan_new(sim);
    CHECK(p->state == SIM_PLAN_BUILDING);
    sim_plan_delay(p, SIM_PRIO_FG_READ, 30);
    sim_plan_delay(p, SIM_PRIO_FG_READ, 10);
    sim_plan_delay(p, SIM_PRIO_FG_READ, 50);
    sim_plan_delay(p, SIM_PRIO_FG_READ, 20);
    CHECK_EQ_U64(p->n_ops, 4);
    uint64_t id = p->id;
    struct done_rec d;
    done_init(&d, 1);
    submit_rec(sim, p, &d);
    CHECK(p->state == SIM_PLAN_RUNNING);
    CHECK_EQ_U64(p->n_stages, 1);
    CHECK_EQ_U64(p->pending_ops, 4);
    CHECK_EQ_INT(d.calls, 0);
    sim_run(sim, 49);
    CHECK_EQ_INT(d.calls, 0);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(d.calls, 1);
    CHECK_EQ_U64(d.at, 50);
    CHECK_EQ_U64(d.plan_id, id);
    CHECK_EQ_U64(sim_now(sim), 50);
    CHECK_EQ_U64(sim->plans_completed, 1);
    sim_destroy(sim);
}

TEST(plan_stages_in_sequence)
{
    struct sim *sim = new_sim();
    log_reset();
    struct sim_plan *p = sim_plan_new(sim);
    sim_plan_delay(p, SIM_PRIO_BG, 10);
    sim_plan_delay(p, SIM_PRIO_BG, 40);
    sim_plan_barrier(p);
    sim_plan_delay(p, SIM_PRIO_BG, 5);
    sim_plan_barrier(p);
    sim_plan_delay(p, SIM_PRIO_BG, 20);
    sim_plan_delay(p, SIM_PRIO_BG, 1);
    sim_plan_delay(p, SIM_PRIO_BG, 20);
    struct done_rec d;
    done_init(&d, 1);
    submit_rec(sim, p, &d);
    CHECK_EQ_U64(p->n_stages, 3);
    CHECK_EQ_U64(p->cur_stage, 0);
    CHECK_EQ_U64(p->pending_ops, 2);
    sim_run(sim, 40);
    CHECK_EQ_U64(p->cur_stage, 1); /* stage 1 started at 40 */
    CHECK_EQ_U64(p->pending_ops, 1);
    sim_run(sim, 45);
    CHECK_EQ_U64(p->cur_stage, 2);
    CHECK_EQ_U64(p->pending_ops, 3);
    CHECK_EQ_INT(d.calls, 0);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(d.calls, 1);
    CHECK_EQ_U64(d.at, 40 + 5 + 20);

    /* a plan submitted later starts at its submit time */
    struct sim_plan *p2 = sim_plan_new(sim);
    sim_plan_delay(p2, SIM_PRIO_FG_WRITE, 7);
    sim_plan_barrier(p2);
    sim_plan_delay(p2, SIM_PRIO_FG_WRITE, 3);
    struct done_rec d2;
    done_init(&d2, 2);
    submit_rec(sim, p2, &d2);
    CHECK_EQ_U64(p2->submit_ns, 65);
    CHECK_EQ_U64(p2->start_ns, 65);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_U64(d2.at, 75);
    sim_destroy(sim);
}

TEST(plan_empty_barriers_add_nothing)
{
    struct sim *sim = new_sim();
    log_reset();
    struct sim_plan *p = sim_plan_new(sim);
    sim_plan_barrier(p);
    sim_plan_barrier(p);
    sim_plan_delay(p, SIM_PRIO_FG_READ, 10);
    sim_plan_barrier(p);
    sim_plan_barrier(p);
    sim_plan_barrier(p);
    sim_plan_delay(p, SIM_PRIO_FG_READ, 5);
    sim_plan_barrier(p);
    CHECK_EQ_U64(p->n_stages, 2);
    struct done_rec d;
    done_init(&d, 1);
    submit_rec(sim, p, &d);
    CHECK_EQ_U64(p->n_stages, 2); /* the submit's implicit barrier adds nothing either */
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(d.calls, 1);
    CHECK_EQ_U64(d.at, 15);
    /* zero-length delays complete at the same instant, through events */
    struct sim_plan *z = sim_plan_new(sim);
    sim_plan_delay(z, SIM_PRIO_FG_READ, 0);
    sim_plan_barrier(z);
    sim_plan_delay(z, SIM_PRIO_FG_READ, 0);
    struct done_rec dz;
    done_init(&dz, 2);
    submit_rec(sim, z, &dz);
    CHECK_EQ_INT(dz.calls, 0);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(dz.calls, 1);
    CHECK_EQ_U64(dz.at, 15);
    sim_destroy(sim);
}

/* Submits an empty plan from inside an event at its time. */
struct empty_ctx {
    struct done_rec d;
    int calls_after_submit;
    uint64_t pending_after_submit;
};

static void
ev_submit_empty(struct sim *sim, void *arg)
{
    struct empty_ctx *c = arg;
    struct sim_plan *p = sim_plan_new(sim);
    uint64_t before = sim_pending_events(sim);
    submit_rec(sim, p, &c->d);
    c->calls_after_submit = c->d.calls;
    c->pending_after_submit = sim_pending_events(sim) - before;
}

TEST(plan_empty_completes_via_event)
{
    struct sim *sim = new_sim();
    log_reset();
    /* outside any event, at time 0 */
    struct sim_plan *p = sim_plan_new(sim);
    struct done_rec d;
    done_init(&d, 1);
    submit_rec(sim, p, &d);
    CHECK_EQ_INT(d.calls, 0);
    CHECK_EQ_U64(sim_pending_events(sim), 1);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(d.calls, 1);
    CHECK_EQ_U64(d.at, 0);
    CHECK(!d.in_submit);

    /* inside an event at 7 */
    struct empty_ctx c;
    memset(&c, 0, sizeof(c));
    done_init(&c.d, 2);
    sim_schedule(sim, 7, ev_submit_empty, &c);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(c.calls_after_submit, 0);
    CHECK_EQ_U64(c.pending_after_submit, 1);
    CHECK_EQ_INT(c.d.calls, 1);
    CHECK_EQ_U64(c.d.at, 7);
    CHECK(!c.d.in_submit);
    CHECK_EQ_U64(sim->plans_completed, 2);

    /* NULL done callback is allowed */
    struct sim_plan *q = sim_plan_new(sim);
    sim_plan_submit(sim, q, NULL, NULL);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_U64(sim->plans_completed, 3);
    sim_destroy(sim);
}

TEST(plan_after_submitted_first)
{
    struct sim *sim = new_sim();
    log_reset();
    struct sim_plan *a = sim_plan_new(sim);
    sim_plan_delay(a, SIM_PRIO_BG, 50);
    struct sim_plan *b = sim_plan_new(sim);
    sim_plan_delay(b, SIM_PRIO_FG_READ, 10);
    sim_plan_after(b, a);
    CHECK_EQ_U64(b->pending_deps, 1);
    struct done_rec da, db;
    done_init(&da, 1);
    done_init(&db, 2);
    submit_rec(sim, b, &db); /* B first: it must wait for A anyway */
    CHECK(b->state == SIM_PLAN_WAITING);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(db.calls, 0); /* A is not even submitted yet */
    CHECK_EQ_U64(sim->events_run, 0);
    sim_schedule(sim, 5, ev_log, &(struct tagged){.tag = 99});
    sim_run(sim, UINT64_MAX);
    submit_rec(sim, a, &da); /* at 5 */
    CHECK(a->state == SIM_PLAN_RUNNING);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(da.calls, 1);
    CHECK_EQ_INT(db.calls, 1);
    CHECK_EQ_U64(da.at, 55);
    CHECK_EQ_U64(db.at, 65);
    CHECK_EQ_U64(db.submit_ns, 0);
    CHECK_EQ_U64(db.start_ns, 55); /* started when its dependency completed */
    CHECK_EQ_U64(da.submit_ns, 5);
    CHECK_EQ_U64(da.start_ns, 5);
    static const int tags[3] = {99, 1, 2};
    static const uint64_t times[3] = {5, 55, 65};
    check_log(tags, times, 3);

    /* dependency already met before the dependent plan is submitted */
    log_reset();
    struct sim_plan *c = sim_plan_new(sim);
    sim_plan_delay(c, SIM_PRIO_BG, 20);
    struct sim_plan *e = sim_plan_new(sim);
    sim_plan_delay(e, SIM_PRIO_BG, 5);
    sim_plan_after(e, c);
    struct done_rec dc, de;
    done_init(&dc, 3);
    done_init(&de, 4);
    submit_rec(sim, c, &dc);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_U64(dc.at, 85);
    CHECK_EQ_U64(e->pending_deps, 0);
    CHECK(e->state == SIM_PLAN_BUILDING);
    sim_plan_delay(e, SIM_PRIO_BG, 3); /* still building: may add more */
    submit_rec(sim, e, &de);
    CHECK(e->state == SIM_PLAN_RUNNING);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(de.calls, 1);
    CHECK_EQ_U64(de.at, 90);
    sim_destroy(sim);
}

TEST(plan_after_multiple_waiters)
{
    struct sim *sim = new_sim();
    log_reset();
    struct sim_resource r;
    sim_resource_init(&r, 1);
    struct sim_plan *a = sim_plan_new(sim);
    sim_plan_delay(a, SIM_PRIO_BG, 20);
    struct sim_plan *b = sim_plan_new(sim);
    sim_plan_use(b, &r, SIM_PRIO_FG_WRITE, 5);
    struct sim_plan *c = sim_plan_new(sim);
    sim_plan_use(c, &r, SIM_PRIO_FG_WRITE, 5);
    struct sim_plan *e = sim_plan_new(sim); /* empty waiter: completes with A */
    struct sim_plan *f = sim_plan_new(sim); /* waits for both A and B */
    sim_plan_delay(f, SIM_PRIO_BG, 1);
    sim_plan_after(b, a);
    sim_plan_after(c, a);
    sim_plan_after(e, a);
    sim_plan_after(f, a);
    sim_plan_after(f, b);
    CHECK_EQ_U64(a->n_waiters, 4);
    CHECK_EQ_U64(f->pending_deps, 2);
    struct done_rec d[5];
    for (int i = 0; i < 5; i++)
        done_init(&d[i], i);
    submit_rec(sim, f, &d[4]);
    submit_rec(sim, e, &d[3]);
    submit_rec(sim, c, &d[2]);
    submit_rec(sim, b, &d[1]);
    submit_rec(sim, a, &d[0]);
    sim_run(sim, UINT64_MAX);
    /* B and C start at 20 in sim_plan_after order and share r: B 20..25, C 25..30 */
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(d[i].calls, 1);
    CHECK_EQ_U64(d[0].at, 20);
    CHECK_EQ_U64(d[1].at, 25);
    CHECK_EQ_U64(d[2].at, 30);
    CHECK_EQ_U64(d[3].at, 20);
    CHECK_EQ_U64(d[4].at, 26);
    CHECK(!d[3].in_submit);
    static const int tags[5] = {0, 3, 1, 4, 2};
    static const uint64_t times[5] = {20, 20, 25, 26, 30};
    check_log(tags, times, 5);
    CHECK_EQ_U64(sim->plans_completed, 5);
    check_resource_idle(&r);
    sim_destroy(sim);
}

TEST(plan_use_shared_resource)
{
    struct sim *sim = new_sim();
    log_reset();
    struct sim_resource r;
    sim_resource_init(&r, 1);
    struct sim_plan *p1 = sim_plan_new(sim);
    sim_plan_use(p1, &r, SIM_PRIO_FG_WRITE, 10);
    CHECK_EQ_U64(p1->ops[0].kind, SIM_EXEC_USE);
    CHECK(p1->ops[0].obj == &r);
    CHECK_EQ_U64(p1->ops[0].a, 10);
    struct sim_plan *p2 = sim_plan_new(sim);
    sim_plan_use(p2, &r, SIM_PRIO_FG_WRITE, 10);
    struct sim_plan *p3 = sim_plan_new(sim); /* two parallel uses of the same unit */
    sim_plan_use(p3, &r, SIM_PRIO_FG_WRITE, 10);
    sim_plan_use(p3, &r, SIM_PRIO_FG_WRITE, 10);
    struct done_rec d[3];
    for (int i = 0; i < 3; i++)
        done_init(&d[i], i + 1);
    submit_rec(sim, p1, &d[0]);
    submit_rec(sim, p2, &d[1]);
    submit_rec(sim, p3, &d[2]);
    CHECK_EQ_U64(r.busy, 1);
    CHECK_EQ_U64(r.grants, 1);
    CHECK_EQ_U64(r.waits, 3);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_U64(d[0].at, 10);
    CHECK_EQ_U64(d[1].at, 20);
    CHECK_EQ_U64(d[2].at, 40);
    CHECK_EQ_U64(r.grants, 4);
    check_resource_idle(&r);

    /* priority through plans: a BG holder, then a queued BG and a later FG read */
    log_reset();
    struct sim_plan *h = sim_plan_new(sim);
    sim_plan_use(h, &r, SIM_PRIO_BG, 100);
    struct sim_plan *bg = sim_plan_new(sim);
    sim_plan_use(bg, &r, SIM_PRIO_BG, 10);
    struct sim_plan *fg = sim_plan_new(sim);
    sim_plan_use(fg, &r, SIM_PRIO_FG_READ, 10);
    struct done_rec e[3];
    for (int i = 0; i < 3; i++)
        done_init(&e[i], i + 10);
    submit_rec(sim, h, &e[0]);
    submit_rec(sim, bg, &e[1]);
    submit_rec(sim, fg, &e[2]);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_U64(e[0].at, 140);
    CHECK_EQ_U64(e[2].at, 150);
    CHECK_EQ_U64(e[1].at, 160);

    /* a delay stage, then a use that has to wait for another plan's hold */
    struct sim_resource r2;
    sim_resource_init(&r2, 1);
    struct sim_plan *holder = sim_plan_new(sim);
    sim_plan_use(holder, &r2, SIM_PRIO_BG, 20);
    struct sim_plan *q = sim_plan_new(sim);
    sim_plan_delay(q, SIM_PRIO_FG_WRITE, 5);
    sim_plan_barrier(q);
    sim_plan_use(q, &r2, SIM_PRIO_FG_WRITE, 10);
    struct done_rec dh, dq;
    done_init(&dh, 20);
    done_init(&dq, 21);
    submit_rec(sim, holder, &dh);
    submit_rec(sim, q, &dq);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_U64(dh.at, 180);
    CHECK_EQ_U64(dq.at, 190);
    CHECK_EQ_U64(r2.grants, 2);
    CHECK_EQ_U64(r2.waits, 1);
    check_resource_idle(&r2);
    sim_destroy(sim);
}

/* ---- recycling: each completion submits the next plan ---- */

#define RECYCLE_N 10000

static struct {
    int done;
    uint64_t expect_end;
    uint64_t last_id;
    int id_errors, time_errors;
} g_rec;

static void recycle_submit_next(struct sim *sim);

static void
recycle_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)arg;
    if (sim_now(sim) != g_rec.expect_end)
        g_rec.time_errors++;
    if (g_rec.done > 0 && plan->id <= g_rec.last_id)
        g_rec.id_errors++;
    g_rec.last_id = plan->id;
    g_rec.done++;
    if (g_rec.done < RECYCLE_N)
        recycle_submit_next(sim);
}

static void
recycle_submit_next(struct sim *sim)
{
    int i = g_rec.done;
    struct sim_plan *p = sim_plan_new(sim);
    /* vary the shape so the recycled arrays are reused at different sizes */
    int n_stages = 1 + i % 3;
    int n_ops = 1 + (i * 7) % 20;
    uint64_t total = 0;
    for (int s = 0; s < n_stages; s++) {
        uint64_t stage_max = 0;
        for (int k = 0; k < n_ops; k++) {
            uint64_t ns = (uint64_t)((i + s * 3 + k * 5) % 11) + 1;
            sim_plan_delay(p, SIM_PRIO_BG, ns);
            if (ns > stage_max)
                stage_max = ns;
        }
        sim_plan_barrier(p);
        total += stage_max;
    }
    g_rec.expect_end = sim_now(sim) + total;
    sim_plan_submit(sim, p, recycle_done, NULL);
}

TEST(plan_recycling)
{
    struct sim *sim = new_sim();
    memset(&g_rec, 0, sizeof(g_rec));
    recycle_submit_next(sim);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(g_rec.done, RECYCLE_N);
    CHECK_EQ_INT(g_rec.time_errors, 0);
    CHECK_EQ_INT(g_rec.id_errors, 0);
    CHECK_EQ_U64(sim->plans_completed, RECYCLE_N);
    /* the next plan is taken inside the previous one's callback, before it is recycled */
    CHECK_LE_U64(sim->plans_created, 2);
    CHECK_GE_U64(sim->plans_created, 1);
    CHECK_EQ_U64(sim->next_plan_id, RECYCLE_N);

    /* strictly sequential submit-and-run reuses a single plan object */
    struct sim *s2 = new_sim();
    uint64_t expect = 0;
    for (int i = 0; i < RECYCLE_N; i++) {
        struct sim_plan *p = sim_plan_new(s2);
        sim_plan_delay(p, SIM_PRIO_FG_READ, (uint64_t)(i % 5));
        sim_plan_submit(s2, p, NULL, NULL);
        sim_run(s2, UINT64_MAX);
        expect += (uint64_t)(i % 5);
    }
    CHECK_EQ_U64(s2->plans_created, 1);
    CHECK_EQ_U64(s2->plans_completed, RECYCLE_N);
    CHECK_EQ_U64(sim_now(s2), expect);
    sim_destroy(s2);
    sim_destroy(sim);
}

/* ---- custom executor ---- */

#define CUSTOM_KIND (SIM_EXEC_FIRST_FREE + 1)

struct custom_ctx {
    int starts, finishes;
    uint64_t latency;
    const void *bad_ctx; /* set if ever called with another ctx */
    int bad_plan;
    uint64_t start_at[8];
    uint32_t aux[8];
    uint16_t tag[8];
    const void *obj[8];
};

static struct custom_ctx *g_custom;

static void
custom_finish_ev(struct sim *sim, void *arg)
{
    struct sim_op *op = arg;
    g_custom->finishes++;
    op->phase = 2;
    sim_op_done(sim, op);
}

static void
custom_start(struct sim *sim, void *ctx, struct sim_op *op)
{
    struct custom_ctx *c = ctx;
    if (c != g_custom)
        c->bad_ctx = ctx;
    if (op->plan == NULL || op->kind != CUSTOM_KIND)
        c->bad_plan++;
    int i = c->starts++;
    if (i < 8) {
        c->start_at[i] = sim_now(sim);
        c->aux[i] = op->aux;
        c->tag[i] = op->tag;
        c->obj[i] = op->obj;
    }
    op->t0 = sim_now(sim);
    op->phase = 1;
    sim_after(sim, c->latency + op->a, custom_finish_ev, op);
}

TEST(plan_custom_executor)
{
    struct sim *sim = new_sim();
    log_reset();
    struct custom_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.latency = 100;
    g_custom = &ctx;
    sim_register_exec(sim, CUSTOM_KIND, custom_start, &ctx);
    CHECK(sim->exec[CUSTOM_KIND].start == custom_start);
    CHECK(sim->exec[CUSTOM_KIND].ctx == &ctx);
    int marker = 0;

    struct sim_plan *p = sim_plan_new(sim);
    struct sim_op *op = sim_plan_add(p, CUSTOM_KIND, SIM_PRIO_FG_READ);
    op->a = 5;
    op->aux = 111;
    op->tag = 7;
    op->obj = &marker;
    op = sim_plan_add(p, CUSTOM_KIND, SIM_PRIO_FG_READ);
    op->a = 15;
    op->aux = 222;
    op->tag = 8;
    sim_plan_delay(p, SIM_PRIO_FG_READ, 12);
    sim_plan_barrier(p);
    op = sim_plan_add(p, CUSTOM_KIND, SIM_PRIO_BG);
    op->a = 1;
    op->aux = 333;
    CHECK_EQ_U64(op->prio, SIM_PRIO_BG);
    struct done_rec d;
    done_init(&d, 1);
    submit_rec(sim, p, &d);
    /* started synchronously by the submit, finished later */
    CHECK_EQ_INT(ctx.starts, 2);
    CHECK_EQ_INT(ctx.finishes, 0);
    CHECK_EQ_U64(p->ops[0].phase, 1);
    CHECK(p->ops[0].plan == p);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(ctx.starts, 3);
    CHECK_EQ_INT(ctx.finishes, 3);
    CHECK(ctx.bad_ctx == NULL);
    CHECK_EQ_INT(ctx.bad_plan, 0);
    CHECK_EQ_U64(ctx.start_at[0], 0);
    CHECK_EQ_U64(ctx.start_at[1], 0);
    CHECK_EQ_U64(ctx.start_at[2], 115);
    CHECK_EQ_U64(ctx.aux[0], 111);
    CHECK_EQ_U64(ctx.aux[1], 222);
    CHECK_EQ_U64(ctx.aux[2], 333);
    CHECK_EQ_U64(ctx.tag[0], 7);
    CHECK_EQ_U64(ctx.tag[1], 8);
    CHECK(ctx.obj[0] == &marker);
    CHECK(ctx.obj[1] == NULL);
    CHECK_EQ_INT(d.calls, 1);
    CHECK_EQ_U64(d.at, 115 + 101);

    /* re-registering replaces the ctx */
    struct custom_ctx ctx2;
    memset(&ctx2, 0, sizeof(ctx2));
    ctx2.latency = 3;
    g_custom = &ctx2;
    sim_register_exec(sim, CUSTOM_KIND, custom_start, &ctx2);
    struct sim_plan *q = sim_plan_new(sim);
    sim_plan_add(q, CUSTOM_KIND, SIM_PRIO_FG_WRITE)->a = 4;
    struct done_rec dq;
    done_init(&dq, 2);
    submit_rec(sim, q, &dq);
    sim_run(sim, UINT64_MAX);
    CHECK_EQ_INT(ctx2.starts, 1);
    CHECK_EQ_INT(ctx2.finishes, 1);
    CHECK(ctx2.bad_ctx == NULL);
    CHECK_EQ_INT(ctx.starts, 3);
    CHECK_EQ_U64(dq.at, 216 + 7);
    g_custom = NULL;
    sim_destroy(sim);
}

/* ================================================================================================
 * Determinism: a randomized scenario with resources, priorities, stages and dependencies
 * ============================================================================================== */

#define SC_PLANS 2000
#define SC_RES   3

struct scenario;

struct sc_plan {
    struct scenario *sc;
    struct sim_plan *p;
    int idx;
    int dep; /* -1 when none */
    bool live, done, pure;
    uint64_t arrive, expect, done_at;
};

struct scenario {
    struct sim *sim;
    struct nvkv_rng rng;
    struct sim_resource res[SC_RES];
    struct sc_plan plans[SC_PLANS];
    int next;
    uint64_t hash;
    uint64_t completed;
    uint64_t last_done;
    int order_errors, pure_errors, dep_errors, busy_errors;
};

static void
sc_mix(uint64_t *h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        *h ^= (v >> (8 * i)) & 0xff;
        *h *= 0x100000001b3ULL;
    }
}

static void
sc_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    struct sc_plan *sp = arg;
    struct scenario *sc = sp->sc;
    (void)plan;
    uint64_t now = sim_now(sim);
    if (now < sc->last_done)
        sc->order_errors++;
    sc->last_done = now;
    if (sp->pure && now != sp->expect)
        sc->pure_errors++;
    if (now < sp->arrive)
        sc->pure_errors++;
    if (sp->dep >= 0) {
        const struct sc_plan *d = &sc->plans[sp->dep];
        if (!d->done || d->done_at > now)
            sc->dep_errors++;
    }
    for (int r = 0; r < SC_RES; r++)
        if (sc->res[r].busy > sc->res[r].capacity)
            sc->busy_errors++;
    sp->live = false;
    sp->done = true;
    sp->done_at = now;
    sc->completed++;
    sc_mix(&sc->hash, (uint64_t)sp->idx);
    sc_mix(&sc->hash, now);
}

static void
sc_arrive(struct sim *sim, void *arg)
{
    struct scenario *sc = arg;
    struct nvkv_rng *rng = &sc->rng;
    int idx = sc->next++;
    struct sc_plan *sp = &sc->plans[idx];
    *sp = (struct sc_plan){.sc = sc, .idx = idx, .dep = -1, .arrive = sim_now(sim)};
    struct sim_plan *p = sim_plan_new(sim);
    sp->p = p;
    bool pure = true;
    uint64_t total = 0;
    int n_stages = (int)nvkv_rng_below(rng, 4); /* 0..3: empty plans too */
    for (int s = 0; s < n_stages; s++) {
        int n_ops = 1 + (int)nvkv_rng_below(rng, 4);
        uint64_t stage_max = 0;
        for (int k = 0; k < n_ops; k++) {
            enum sim_prio prio = (enum sim_prio)nvkv_rng_below(rng, SIM_PRIO_COUNT);
            uint64_t ns = nvkv_rng_below(rng, 100);
            if (nvkv_rng_below(rng, 2) == 0) {
                sim_plan_delay(p, prio, ns);
            } else {
                sim_plan_use(p, &sc->res[nvkv_rng_below(rng, SC_RES)], prio, ns);
                pure = false;
            }
            if (ns > stage_max)
                stage_max = ns;
        }
        sim_plan_barrier(p);
        total += stage_max;
    }
    if (idx > 0 && nvkv_rng_below(rng, 4) == 0) {
        int lo = idx > 8 ? idx - 8 : 0;
        int j = lo + (int)nvkv_rng_below(rng, (uint64_t)(idx - lo));
        if (sc->plans[j].live) {
            sim_plan_after(p, sc->plans[j].p);
            sp->dep = j;
            pure = false;
        }
    }
    sp->pure = pure;
    sp->expect = sim_now(sim) + total;
    sp->live = true;
    sim_plan_submit(sim, p, sc_done, sp);
    if (sc->next < SC_PLANS)
        sim_after(sim, nvkv_rng_below(rng, 100), sc_arrive, sc);
}

/* Runs the scenario; returns the hash of the (plan index, completion time) sequence. */
static uint64_t
scenario_run(uint64_t seed, uint64_t *end_time)
{
    struct scenario *sc = calloc(1, sizeof(*sc));
    if (sc == NULL) {
        CHECK(sc != NULL);
        return 0;
    }
    sc->sim = new_sim();
    nvkv_rng_derive(&sc->rng, seed, "test_sim.scenario");
    sc->hash = 0xcbf29ce484222325ULL;
    static const uint32_t caps[SC_RES] = {1, 2, 4};
    for (int r = 0; r < SC_RES; r++)
        sim_resource_init(&sc->res[r], caps[r]);
    sim_schedule(sc->sim, 0, sc_arrive, sc);
    sim_run(sc->sim, UINT64_MAX);
    CHECK_EQ_INT(sc->next, SC_PLANS);
    CHECK_EQ_U64(sc->completed, SC_PLANS);
    CHECK_EQ_U64(sc->sim->plans_completed, SC_PLANS);
    CHECK_EQ_U64(sim_pending_events(sc->sim), 0);
    CHECK_EQ_INT(sc->order_errors, 0);
    CHECK_EQ_INT(sc->pure_errors, 0);
    CHECK_EQ_INT(sc->dep_errors, 0);
    CHECK_EQ_INT(sc->busy_errors, 0);
    int deps = 0, uses_waited = 0;
    for (int i = 0; i < SC_PLANS; i++)
        deps += sc->plans[i].dep >= 0;
    for (int r = 0; r < SC_RES; r++) {
        check_resource_idle(&sc->res[r]);
        uses_waited += sc->res[r].waits > 0;
    }
    CHECK_GE_U64(deps, 1);                    /* the scenario exercised dependencies */
    CHECK_GE_U64(uses_waited, 1);             /* and contention */
    CHECK_LT_U64(sc->sim->plans_created, 64); /* plans are recycled */
    if (end_time != NULL)
        *end_time = sim_now(sc->sim);
    uint64_t h = sc->hash;
    sim_destroy(sc->sim);
    free(sc);
    return h;
}

TEST(determinism_same_seed_same_trace)
{
    uint64_t end1 = 0, end2 = 0, end3 = 0;
    uint64_t h1 = scenario_run(harness_seed, &end1);
    uint64_t h2 = scenario_run(harness_seed, &end2);
    CHECK_EQ_U64(h1, h2);
    CHECK_EQ_U64(end1, end2);
    CHECK_LT_U64(0, end1);
    /* a different seed gives a different trace (the hash really depends on the run) */
    uint64_t h3 = scenario_run(harness_seed + 1, &end3);
    CHECK_NE_U64(h1, h3);
}

/* ================================================================================================
 * Invariant checks: misuse aborts with a message (each case runs in a forked child)
 * ============================================================================================== */

/* Runs fn in a child; returns true when it died of SIGABRT. Its stderr goes to out. */
static bool
dies_with_abort(void (*fn)(void), char *out, size_t out_len)
{
    int fds[2];
    out[0] = '\0';
    if (pipe(fds) != 0)
        return false;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        close(fds[1]);
        fn();
        _exit(0); /* returned: the misuse was not caught */
    }
    close(fds[1]);
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fds[0], out + used, out_len - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
        if (used == out_len - 1)
            break;
    }
    out[used] = '\0';
    close(fds[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return false;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
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
          TEST_ENTRY(plan_parallel_stage_max), TEST_ENTRY(plan_stages_in_sequence),
          TEST_ENTRY(plan_empty_barriers_add_nothing), TEST_ENTRY(plan_empty_completes_via_event),
          TEST_ENTRY(plan_after_submitted_first), TEST_ENTRY(plan_after_multiple_waiters),
          TEST_ENTRY(plan_use_shared_resource), TEST_ENTRY(plan_recycling),
          TEST_ENTRY(plan_custom_executor), TEST_ENTRY(determinism_same_seed_same_trace),
          TEST_ENTRY(invariant_checks_abort))
