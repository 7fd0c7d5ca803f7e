/* SPDX-License-Identifier: MIT */
/*
 * The discrete-event core: one virtual clock in nanoseconds, an event queue ordered by
 * (time, sequence number) so that equal deadlines always run in the order they were scheduled,
 * servers with priority classes, and work plans (stages of parallel operations).
 *
 * Everything is single-threaded and allocation-free on the hot path: events live by value in a
 * binary heap, plans and their operation arrays come from a free list and keep their capacity.
 */
#ifndef NVKV_SIM_SIM_H
#define NVKV_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

struct sim;

typedef void sim_event_fn(struct sim *sim, void *arg);

struct sim_event {
    uint64_t time_ns;
    uint64_t seq;
    sim_event_fn *fn;
    void *arg;
};

/* ---- priority classes (ARCHITECTURE.md, "The time model") ---- */

enum sim_prio {
    SIM_PRIO_FG_READ = 0,  /* foreground reads are served first */
    SIM_PRIO_FG_WRITE = 1, /* then foreground writes */
    SIM_PRIO_BG = 2,       /* then background work: flush, compaction, GC, rollback */
    SIM_PRIO_COUNT = 3,
};

const char *sim_prio_name(enum sim_prio p);

/* ---- resources: servers with `capacity` identical units ---- */

struct sim_waiter;
typedef void sim_grant_fn(struct sim *sim, struct sim_waiter *w);

/* A queued request for a resource unit; embed it in the requester (no allocation). */
struct sim_waiter {
    struct sim_waiter *next;
    sim_grant_fn *granted;
};

struct sim_resource {
    uint32_t capacity;
    uint32_t busy;
    struct sim_waiter *head[SIM_PRIO_COUNT];
    struct sim_waiter *tail[SIM_PRIO_COUNT];
    uint64_t grants;
    uint64_t waits; /* grants that had to queue */
};

void sim_resource_init(struct sim_resource *r, uint32_t capacity);

/*
 * Ask for one unit. When a unit is free, `w->granted` runs at once (inside this call);
 * otherwise the waiter joins the FIFO of its class and is granted by a later release.
 * Service is non-preemptive: a unit in use is never taken away.
 */
void sim_resource_acquire(struct sim *sim, struct sim_resource *r, enum sim_prio prio,
                          struct sim_waiter *w);

/* Give a unit back; the oldest waiter of the highest class waiting gets it at once. */
void sim_resource_release(struct sim *sim, struct sim_resource *r);

/* ---- work plans ---- */

struct sim_plan;
struct sim_op;

/* Starts an operation; must finish it later (never inside this call) with sim_op_done(). */
typedef void sim_exec_fn(struct sim *sim, void *ctx, struct sim_op *op);
typedef void sim_plan_done_fn(struct sim *sim, struct sim_plan *plan, void *arg);

enum {
    SIM_EXEC_DELAY = 0, /* wait `a` ns, holding nothing */
    SIM_EXEC_USE = 1,   /* hold one unit of resource `obj` for `a` ns */
    SIM_EXEC_FIRST_FREE = 2,
    SIM_EXEC_MAX = 16,
};

/*
 * One operation of a plan. The builder fills kind, prio and the operands; the executor may use
 * the scratch fields while the operation runs. Valid while its plan runs.
 */
struct sim_op {
    uint8_t kind;
    uint8_t prio;
    uint16_t tag; /* executor-defined (e.g. NAND origin) */
    uint32_t aux; /* executor-defined (e.g. operation type, byte count) */
    uint64_t a;   /* executor-defined (e.g. duration, physical page) */
    void *obj;    /* executor-defined (e.g. resource) */
    struct sim_plan *plan;
    /* executor scratch */
    struct sim_waiter waiter;
    uint64_t t0;
    uint32_t phase;
    uint32_t scratch;
};

enum sim_plan_state {
    SIM_PLAN_BUILDING,
    SIM_PLAN_WAITING, /* submitted, waiting for the plans it depends on */
    SIM_PLAN_RUNNING,
};

struct sim_plan {
    struct sim_op *ops;
    uint32_t n_ops, cap_ops;
    uint32_t *stage_end; /* stage k holds ops [stage_end[k-1], stage_end[k]) */
    uint32_t n_stages, cap_stages;
    uint32_t cur_stage;
    uint32_t pending_ops;  /* ops of the current stage not yet done */
    uint32_t pending_deps; /* plans this one still waits for */
    enum sim_plan_state state;
    struct sim_plan **waiters; /* plans waiting for this one */
    uint32_t n_waiters, cap_waiters;
    uint64_t id;
    uint64_t submit_ns;
    uint64_t start_ns; /* when its dependencies were met and stage 0 began */
    sim_plan_done_fn *done;
    void *done_arg;
    void *user; /* free for the plan's owner */
    struct sim_plan *next_free;
};

/* Take a fresh plan in the BUILDING state. */
struct sim_plan *sim_plan_new(struct sim *sim);

/* Append an operation to the current stage; the pointer is valid until the next append. */
struct sim_op *sim_plan_add(struct sim_plan *plan, uint8_t kind, enum sim_prio prio);

/* Close the current stage: operations added after this start when all before it are done. */
void sim_plan_barrier(struct sim_plan *plan);

/* Convenience: append a pure delay, or the use of a resource for `ns`. */
void sim_plan_delay(struct sim_plan *plan, enum sim_prio prio, uint64_t ns);
void sim_plan_use(struct sim_plan *plan, struct sim_resource *r, enum sim_prio prio, uint64_t ns);

/*
 * Make `plan` (not yet submitted) start only after `other` has completed. `other` must be live:
 * submitted or building, and not yet completed (its owner learns completion through its callback).
 */
void sim_plan_after(struct sim_plan *plan, struct sim_plan *other);

/*
 * Submit at the current virtual time. `done` (may be NULL) runs when the last stage ends, with
 * sim_now() equal to the completion time; the plan is recycled right after it returns.
 */
void sim_plan_submit(struct sim *sim, struct sim_plan *plan, sim_plan_done_fn *done, void *arg);

/* Called by an executor when an operation finishes. */
void sim_op_done(struct sim *sim, struct sim_op *op);

/* ---- the simulator ---- */

struct sim_exec {
    sim_exec_fn *start;
    void *ctx;
};

struct sim {
    uint64_t now_ns;
    uint64_t seq;
    uint64_t events_run;
    struct sim_event *heap;
    uint32_t heap_len, heap_cap;
    bool stop;
    const struct sim_event *current; /* being executed, for failure reports */
    struct sim_exec exec[SIM_EXEC_MAX];
    struct sim_plan *free_plans;
    uint64_t plans_created, plans_completed;
    uint64_t next_plan_id;
};

/* Create with an empty queue at time 0. Returns 0 or -ENOMEM. */
int sim_create(struct sim **out);
void sim_destroy(struct sim *sim);

static inline uint64_t
sim_now(const struct sim *sim)
{
    return sim->now_ns;
}

/* Schedule fn(arg) at absolute time `at_ns` (>= now). */
void sim_schedule(struct sim *sim, uint64_t at_ns, sim_event_fn *fn, void *arg);

static inline void
sim_after(struct sim *sim, uint64_t delay_ns, sim_event_fn *fn, void *arg)
{
    sim_schedule(sim, sim->now_ns + delay_ns, fn, arg);
}

/* Register the executor for operation kind `kind` (>= SIM_EXEC_FIRST_FREE). */
void sim_register_exec(struct sim *sim, uint8_t kind, sim_exec_fn *start, void *ctx);

/* Run one event; false when the queue is empty. */
bool sim_step(struct sim *sim);

/* Run until the queue is empty, sim_stop() is called, or the next event lies after `until_ns`. */
void sim_run(struct sim *sim, uint64_t until_ns);

/* Make sim_run() return after the current event. */
void sim_stop(struct sim *sim);

static inline uint32_t
sim_pending_events(const struct sim *sim)
{
    return sim->heap_len;
}

#endif
