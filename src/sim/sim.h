/* SPDX-License-Identifier: MIT */
/*
 * The discrete-event core: one virtual clock in nanoseconds, an event queue ordered by
 * (time, sequence number) so that equal deadlines always run in the order they were scheduled,
 * servers with priority classes, and work plans: operations grouped in stages, a stage starting
 * when the stages it depends on have ended (a dependency graph, not a sequence of barriers).
 *
 * Everything is single-threaded and allocation-free on the hot path: events live by value in a
 * binary heap, plans and their operation arrays come from a free list and keep their capacity.
 */
#ifndef NVKV_SIM_SIM_H
#define NVKV_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
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

/*
 * What caused an operation, for time accounting (ARCHITECTURE.md, "Time accounting"): every
 * resource keeps its busy time by origin. Foreground operations count as user reads or writes.
 */
enum sim_origin {
    SIM_ORIGIN_USER_READ = 0,
    SIM_ORIGIN_USER_WRITE,
    SIM_ORIGIN_FLUSH,
    SIM_ORIGIN_COMPACTION,
    SIM_ORIGIN_LOG_COMPACTION,
    SIM_ORIGIN_GC,
    SIM_ORIGIN_VLOG,
    SIM_ORIGIN_META,
    SIM_ORIGIN_OTHER,
    SIM_ORIGIN_COUNT,
};

const char *sim_origin_name(enum sim_origin o);

/* Why a foreground request waited (summed into a struct sim_waits the request owns). */
enum sim_wait_cause {
    SIM_WAIT_DIE_FG = 0,   /* for a die held by other foreground work */
    SIM_WAIT_DIE_BG,       /* for a die held by background work (flush, compaction, GC, log) */
    SIM_WAIT_CHANNEL,      /* for a NAND channel */
    SIM_WAIT_CPU,          /* for a controller core */
    SIM_WAIT_BUFFER_FULL,  /* a PUT: active write buffer full, the immutable one not written yet */
    SIM_WAIT_BACKPRESSURE, /* the flush it waited for waited for earlier background work */
    SIM_WAIT_ADMISSION,    /* a write held until GC made room under the write reserve */
    SIM_WAIT_COUNT,
};

const char *sim_wait_name(enum sim_wait_cause c);

struct sim_waits {
    uint64_t ns[SIM_WAIT_COUNT];
};

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
    bool fifo;                /* serve in arrival order whatever the class (KVEMU's die clocks) */
    uint8_t wait_kind;        /* enum sim_wait_cause charged to a waiter (executor-defined use) */
    uint64_t *busy_by_origin; /* NULL, or SIM_ORIGIN_COUNT counters the executor adds to */
    struct sim_waiter *head[SIM_PRIO_COUNT];
    struct sim_waiter *tail[SIM_PRIO_COUNT];
    uint64_t grants;
    uint64_t waits; /* grants that had to queue */
};

void sim_resource_init(struct sim_resource *r, uint32_t capacity);

/* Serve every class in one arrival-order queue (true) or by class (false, the default). */
void sim_resource_set_fifo(struct sim_resource *r, bool fifo);

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
    uint8_t origin; /* enum sim_origin, stamped from the plan when added */
    uint8_t pad_;
    uint16_t tag; /* executor-defined (e.g. NAND origin) */
    uint32_t stage;
    uint32_t aux; /* executor-defined (e.g. operation type, byte count) */
    uint64_t a;   /* executor-defined (e.g. duration, physical page) */
    void *obj;    /* executor-defined (e.g. resource) */
    struct sim_plan *plan;
    /* executor scratch */
    struct sim_waiter waiter;
    uint64_t t0;
    uint64_t wait_t0; /* when it queued for a resource */
    uint64_t wait_a0; /* executor-defined snapshot taken then */
    uint32_t phase;
    uint32_t scratch;
};

enum sim_plan_state {
    SIM_PLAN_BUILDING,
    SIM_PLAN_WAITING, /* submitted, waiting for the plans it depends on */
    SIM_PLAN_RUNNING,
};

#define SIM_STAGE_NONE UINT32_MAX

/* A stage: operations [begin, end) of the plan, started together once its predecessors ended. */
struct sim_stage {
    uint32_t begin, end;
    uint32_t preds;    /* predecessors not yet ended (while running) */
    uint32_t left;     /* operations not yet done (while running) */
    uint32_t succ_off; /* its successors: succ[succ_off .. next stage's succ_off) */
};

struct sim_plan {
    struct sim_op *ops;
    uint32_t n_ops, cap_ops;
    /*
     * Stages and the edges between them. Operations always join the open stage (index
     * n_stages); closing it makes it stage n_stages - 1. An edge (from, to) always has from < to,
     * so the graph has no cycle.
     */
    struct sim_stage *stages;
    uint32_t n_stages, cap_stages;
    uint32_t (*edges)[2];
    uint32_t n_edges, cap_edges;
    uint32_t *succ;  /* successor lists, built at submit */
    uint32_t *ready; /* stages ready to start (a stack) */
    uint32_t n_ready, cap_succ, cap_ready;
    /*
     * false while the stages form one line (no fork or join yet): each stage then follows the
     * one before it and no edge is stored, so the common barrier-only plan costs what a list of
     * stages costs. The first fork or join writes the line's edges out.
     */
    bool graph;
    uint32_t chain_last; /* the stage the open one follows by default, or SIM_STAGE_NONE */
    bool open_joined;    /* the open stage has an edge besides its default one */
    bool flat;           /* all operations start at submit; edges ignored (KVEMU's model) */
    uint8_t origin;      /* enum sim_origin for operations added from now; OTHER = by priority */
    uint32_t stages_done;
    uint32_t pending_ops;  /* operations started and not yet done */
    uint32_t pending_deps; /* plans this one still waits for */
    enum sim_plan_state state;
    struct sim_plan **waiters; /* plans waiting for this one */
    uint32_t n_waiters, cap_waiters;
    uint64_t id;
    uint64_t submit_ns;
    uint64_t start_ns; /* when its dependencies were met and its first stages began */
    /* waits: where the foreground request that owns this plan sums its waits (may be NULL) */
    struct sim_waits *waits;
    uint8_t wait_cause;  /* enum sim_wait_cause of its wait for other plans */
    uint64_t wait_bp_ns; /* of that wait, the part its dependency itself spent waiting */
    sim_plan_done_fn *done;
    void *done_arg;
    void *user; /* free for the plan's owner */
    struct sim_plan *next_free;
};

/* Take a fresh plan in the BUILDING state. */
struct sim_plan *sim_plan_new(struct sim *sim);

/* Append an operation to the current stage; the pointer is valid until the next append. */
struct sim_op *sim_plan_add(struct sim_plan *plan, uint8_t kind, enum sim_prio prio);

/* Close the open stage: operations added after this start when all before it in this line of
 * stages are done. A barrier on an empty stage adds nothing. */
void sim_plan_barrier(struct sim_plan *plan);

/*
 * Dependencies beyond a line of barriers (ARCHITECTURE.md, "Work plans"):
 *  point(): close the open stage and return the stage that everything added so far in this line
 *           of stages ends with (SIM_STAGE_NONE when nothing), to depend on later;
 *  fork(after): close the open stage and start a new line whose first stage waits for `after`
 *           only (SIM_STAGE_NONE: for nothing: it starts at submit);
 *  join(stage): the open stage also waits for `stage` (a closed stage).
 */
uint32_t sim_plan_point(struct sim_plan *plan);
void sim_plan_fork(struct sim_plan *plan, uint32_t after);
void sim_plan_join(struct sim_plan *plan, uint32_t stage);

/* Every operation starts at submit, whatever the stages (KVEMU: background work only reserves
 * die time, in the order it was issued). */
void sim_plan_set_flat(struct sim_plan *plan, bool flat);

/* The origin stamped on operations added from now (SIM_ORIGIN_OTHER: user read or write by
 * priority for foreground operations). Returns the previous one. */
enum sim_origin sim_plan_set_origin(struct sim_plan *plan, enum sim_origin o);

/* Convenience: append a pure delay, or the use of a resource for `ns`. */
void sim_plan_delay(struct sim_plan *plan, enum sim_prio prio, uint64_t ns);
void sim_plan_use(struct sim_plan *plan, struct sim_resource *r, enum sim_prio prio, uint64_t ns);

/*
 * Make `plan` (not yet submitted) start only after `other` has completed. `other` must be live:
 * submitted or building, and not yet completed (its owner learns completion through its callback).
 */
void sim_plan_after(struct sim_plan *plan, struct sim_plan *other);

/* sim_plan_after, and the time `plan` spends waiting is charged to its waits as `cause`. */
void sim_plan_after_cause(struct sim_plan *plan, struct sim_plan *other, enum sim_wait_cause cause);

/* Charge a wait of `ns` to the foreground request that owns `op`'s plan (if it keeps waits). */
static inline void
sim_op_wait(struct sim_op *op, enum sim_wait_cause cause, uint64_t ns)
{
    if (op->plan->waits != NULL)
        op->plan->waits->ns[cause] += ns;
}

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
