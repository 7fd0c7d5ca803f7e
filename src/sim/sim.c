/* SPDX-License-Identifier: MIT */
/*
 * Event queue, resources and work plans. See sim.h for the contracts. The heap compares
 * (time, seq); seq is a counter bumped on every schedule, which is what makes a run
 * reproducible: two events due at the same nanosecond run in the order they were scheduled.
 */
#include "sim.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"

#define SIM_CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

const char *
sim_prio_name(enum sim_prio p)
{
    switch (p) {
    case SIM_PRIO_FG_READ:
        return "fg_read";
    case SIM_PRIO_FG_WRITE:
        return "fg_write";
    case SIM_PRIO_BG:
        return "background";
    default:
        return "?";
    }
}

static const char *const origin_names[SIM_ORIGIN_COUNT] = {
    "user_read", "user_write", "flush", "compaction", "log_compaction",
    "gc",        "vlog",       "meta",  "other",
};

const char *
sim_origin_name(enum sim_origin o)
{
    return (unsigned)o < SIM_ORIGIN_COUNT ? origin_names[o] : "?";
}

static const char *const wait_names[SIM_WAIT_COUNT] = {
    "die_fg", "die_bg", "channel", "cpu", "buffer_full", "backpressure", "admission",
};

const char *
sim_wait_name(enum sim_wait_cause c)
{
    return (unsigned)c < SIM_WAIT_COUNT ? wait_names[c] : "?";
}

static void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    NVKV_CHECK_MSG(q != NULL, "out of memory growing to %zu bytes", n);
    return q;
}

/* ---- event heap ---- */

static inline bool
event_before(const struct sim_event *a, const struct sim_event *b)
{
    return a->time_ns < b->time_ns || (a->time_ns == b->time_ns && a->seq < b->seq);
}

void
sim_schedule(struct sim *sim, uint64_t at_ns, sim_event_fn *fn, void *arg)
{
    NVKV_CHECK_MSG(at_ns >= sim->now_ns, "event scheduled in the past: %llu < now %llu",
                   (unsigned long long)at_ns, (unsigned long long)sim->now_ns);
    if (sim->heap_len == sim->heap_cap) {
        sim->heap_cap = sim->heap_cap ? sim->heap_cap * 2 : 1024;
        sim->heap = xrealloc(sim->heap, sim->heap_cap * sizeof(*sim->heap));
    }
    struct sim_event ev = {.time_ns = at_ns, .seq = sim->seq++, .fn = fn, .arg = arg};
    struct sim_event *h = sim->heap;
    uint32_t i = sim->heap_len++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!event_before(&ev, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = ev;
}

static struct sim_event
heap_pop(struct sim *sim)
{
    struct sim_event *h = sim->heap;
    struct sim_event top = h[0];
    struct sim_event last = h[--sim->heap_len];
    uint32_t n = sim->heap_len;
    uint32_t i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && event_before(&h[child + 1], &h[child]))
            child++;
        if (!event_before(&h[child], &last))
            break;
        h[i] = h[child];
        i = child;
    }
    if (n > 0)
        h[i] = last;
    return top;
}

static void
sim_print_context(void *arg, FILE *out)
{
    const struct sim *sim = arg;
    fprintf(out, "nvkv:   at virtual time %llu ns, %llu events run",
            (unsigned long long)sim->now_ns, (unsigned long long)sim->events_run);
    if (sim->current != NULL)
        fprintf(out, ", in event #%llu due at %llu ns", (unsigned long long)sim->current->seq,
                (unsigned long long)sim->current->time_ns);
    fputc('\n', out);
}

bool
sim_step(struct sim *sim)
{
    if (sim->heap_len == 0)
        return false;
    struct sim_event ev = heap_pop(sim);
    sim->now_ns = ev.time_ns;
    sim->events_run++;
    sim->current = &ev;
    ev.fn(sim, ev.arg);
    sim->current = NULL;
    return true;
}

void
sim_run(struct sim *sim, uint64_t until_ns)
{
    sim->stop = false;
    nvkv_check_set_context(sim_print_context, sim);
    while (!sim->stop && sim->heap_len > 0 && sim->heap[0].time_ns <= until_ns)
        sim_step(sim);
    nvkv_check_set_context(NULL, NULL);
}

void
sim_stop(struct sim *sim)
{
    sim->stop = true;
}

/* ---- resources ---- */

void
sim_resource_init(struct sim_resource *r, uint32_t capacity)
{
    memset(r, 0, sizeof(*r));
    NVKV_CHECK(capacity > 0);
    r->capacity = capacity;
}

void
sim_resource_set_fifo(struct sim_resource *r, bool fifo)
{
    r->fifo = fifo;
}

void
sim_resource_acquire(struct sim *sim, struct sim_resource *r, enum sim_prio prio,
                     struct sim_waiter *w)
{
    NVKV_CHECK((unsigned)prio < SIM_PRIO_COUNT);
    if (r->fifo)
        prio = SIM_PRIO_FG_READ; /* one queue: arrival order */
    if (r->busy < r->capacity) {
        r->busy++;
        r->grants++;
        w->granted(sim, w);
        return;
    }
    w->next = NULL;
    if (r->tail[prio] != NULL)
        r->tail[prio]->next = w;
    else
        r->head[prio] = w;
    r->tail[prio] = w;
    r->waits++;
}

void
sim_resource_release(struct sim *sim, struct sim_resource *r)
{
    NVKV_CHECK(r->busy > 0);
    for (int p = 0; p < SIM_PRIO_COUNT; p++) {
        struct sim_waiter *w = r->head[p];
        if (w == NULL)
            continue;
        r->head[p] = w->next;
        if (r->head[p] == NULL)
            r->tail[p] = NULL;
        r->grants++;
        /* the unit passes straight to the waiter: busy stays the same */
        w->granted(sim, w);
        return;
    }
    r->busy--;
}

/* ---- built-in executors ---- */

static void
op_finish_event(struct sim *sim, void *arg)
{
    sim_op_done(sim, arg);
}

static void
exec_delay(struct sim *sim, void *ctx, struct sim_op *op)
{
    (void)ctx;
    sim_after(sim, op->a, op_finish_event, op);
}

static void
use_release_event(struct sim *sim, void *arg)
{
    struct sim_op *op = arg;
    struct sim_resource *r = op->obj;
    if (r->busy_by_origin != NULL)
        r->busy_by_origin[op->origin] += op->a;
    sim_resource_release(sim, r);
    sim_op_done(sim, op);
}

static void
use_granted(struct sim *sim, struct sim_waiter *w)
{
    struct sim_op *op = SIM_CONTAINER_OF(w, struct sim_op, waiter);
    struct sim_resource *r = op->obj;
    if (sim->now_ns > op->wait_t0)
        sim_op_wait(op, (enum sim_wait_cause)r->wait_kind, sim->now_ns - op->wait_t0);
    sim_after(sim, op->a, use_release_event, op);
}

static void
exec_use(struct sim *sim, void *ctx, struct sim_op *op)
{
    (void)ctx;
    op->waiter.granted = use_granted;
    op->wait_t0 = sim->now_ns;
    sim_resource_acquire(sim, op->obj, (enum sim_prio)op->prio, &op->waiter);
}

/* ---- simulator lifecycle ---- */

int
sim_create(struct sim **out)
{
    struct sim *sim = calloc(1, sizeof(*sim));
    if (sim == NULL)
        return -ENOMEM;
    sim->exec[SIM_EXEC_DELAY] = (struct sim_exec){exec_delay, NULL};
    sim->exec[SIM_EXEC_USE] = (struct sim_exec){exec_use, NULL};
    *out = sim;
    return 0;
}

static void
plan_free_arrays(struct sim_plan *p)
{
    free(p->ops);
    free(p->stages);
    free(p->edges);
    free(p->succ);
    free(p->ready);
    free(p->waiters);
    free(p);
}

void
sim_destroy(struct sim *sim)
{
    if (sim == NULL)
        return;
    while (sim->free_plans != NULL) {
        struct sim_plan *p = sim->free_plans;
        sim->free_plans = p->next_free;
        plan_free_arrays(p);
    }
    /* Plans still in flight are owned by events that will never run; their count is reported. */
    free(sim->heap);
    free(sim);
}

void
sim_register_exec(struct sim *sim, uint8_t kind, sim_exec_fn *start, void *ctx)
{
    NVKV_CHECK(kind >= SIM_EXEC_FIRST_FREE && kind < SIM_EXEC_MAX);
    sim->exec[kind] = (struct sim_exec){start, ctx};
}

/* ---- plans ---- */

struct sim_plan *
sim_plan_new(struct sim *sim)
{
    struct sim_plan *p = sim->free_plans;
    if (p != NULL) {
        sim->free_plans = p->next_free;
    } else {
        p = calloc(1, sizeof(*p));
        NVKV_CHECK_MSG(p != NULL, "out of memory for a plan");
        sim->plans_created++;
    }
    p->n_ops = 0;
    p->n_stages = 0;
    p->n_edges = 0;
    p->n_ready = 0;
    p->chain_last = SIM_STAGE_NONE;
    p->graph = false;
    p->open_joined = false;
    p->flat = false;
    p->origin = SIM_ORIGIN_OTHER;
    p->stages_done = 0;
    p->pending_ops = 0;
    p->pending_deps = 0;
    p->n_waiters = 0;
    p->state = SIM_PLAN_BUILDING;
    p->id = sim->next_plan_id++;
    p->waits = NULL;
    p->wait_cause = SIM_WAIT_ADMISSION;
    p->wait_bp_ns = 0;
    p->done = NULL;
    p->done_arg = NULL;
    p->user = NULL;
    p->next_free = NULL;
    return p;
}

/* The first operation of the open stage. */
static inline uint32_t
open_begin(const struct sim_plan *plan)
{
    return plan->n_stages ? plan->stages[plan->n_stages - 1].end : 0;
}

static void
add_edge(struct sim_plan *plan, uint32_t from, uint32_t to)
{
    NVKV_CHECK_MSG(from < to, "plan %llu: stage %u cannot wait for stage %u",
                   (unsigned long long)plan->id, to, from);
    if (plan->n_edges == plan->cap_edges) {
        plan->cap_edges = plan->cap_edges ? plan->cap_edges * 2 : 8;
        plan->edges = xrealloc(plan->edges, plan->cap_edges * sizeof(*plan->edges));
    }
    plan->edges[plan->n_edges][0] = from;
    plan->edges[plan->n_edges][1] = to;
    plan->n_edges++;
}

struct sim_op *
sim_plan_add(struct sim_plan *plan, uint8_t kind, enum sim_prio prio)
{
    NVKV_CHECK_MSG(plan->state == SIM_PLAN_BUILDING, "operation added to plan %llu after submit",
                   (unsigned long long)plan->id);
    if (plan->n_ops == plan->cap_ops) {
        plan->cap_ops = plan->cap_ops ? plan->cap_ops * 2 : 8;
        plan->ops = xrealloc(plan->ops, plan->cap_ops * sizeof(*plan->ops));
    }
    struct sim_op *op = &plan->ops[plan->n_ops++];
    memset(op, 0, sizeof(*op));
    op->kind = kind;
    op->prio = (uint8_t)prio;
    if (plan->origin != SIM_ORIGIN_OTHER)
        op->origin = plan->origin;
    else
        op->origin = prio == SIM_PRIO_FG_READ    ? SIM_ORIGIN_USER_READ
                     : prio == SIM_PRIO_FG_WRITE ? SIM_ORIGIN_USER_WRITE
                                                 : SIM_ORIGIN_OTHER;
    return op;
}

/* Close the open stage if it holds operations or joins other stages; true when it closed. */
static bool
close_open(struct sim_plan *plan)
{
    uint32_t begin = open_begin(plan);
    if (plan->n_ops == begin && !plan->open_joined)
        return false; /* an empty stage would only cost time to skip */
    if (plan->n_stages == plan->cap_stages) {
        plan->cap_stages = plan->cap_stages ? plan->cap_stages * 2 : 4;
        plan->stages = xrealloc(plan->stages, plan->cap_stages * sizeof(*plan->stages));
    }
    uint32_t k = plan->n_stages++;
    plan->stages[k] = (struct sim_stage){.begin = begin, .end = plan->n_ops};
    if (plan->graph && plan->chain_last != SIM_STAGE_NONE)
        add_edge(plan, plan->chain_last, k);
    plan->chain_last = k;
    plan->open_joined = false;
    return true;
}

void
sim_plan_barrier(struct sim_plan *plan)
{
    close_open(plan);
}

uint32_t
sim_plan_point(struct sim_plan *plan)
{
    close_open(plan);
    return plan->chain_last;
}

/* Drop the edges recorded for the open stage (it is about to get other predecessors). */
static void
drop_open_edges(struct sim_plan *plan)
{
    while (plan->n_edges > 0 && plan->edges[plan->n_edges - 1][1] == plan->n_stages)
        plan->n_edges--;
    plan->open_joined = false;
}

/* The plan leaves its single line: store the edges the line had implicitly. */
static void
make_graph(struct sim_plan *plan)
{
    if (plan->graph)
        return;
    plan->graph = true;
    for (uint32_t k = 1; k < plan->n_stages; k++)
        add_edge(plan, k - 1, k);
}

void
sim_plan_fork(struct sim_plan *plan, uint32_t after)
{
    make_graph(plan);
    close_open(plan);
    NVKV_CHECK(after == SIM_STAGE_NONE || after < plan->n_stages);
    drop_open_edges(plan);
    plan->chain_last = after;
}

void
sim_plan_join(struct sim_plan *plan, uint32_t stage)
{
    if (stage == SIM_STAGE_NONE || stage == plan->chain_last)
        return;
    NVKV_CHECK_MSG(stage < plan->n_stages, "plan %llu: join of stage %u that is not closed",
                   (unsigned long long)plan->id, stage);
    make_graph(plan);
    add_edge(plan, stage, plan->n_stages);
    plan->open_joined = true;
}

void
sim_plan_set_flat(struct sim_plan *plan, bool flat)
{
    plan->flat = flat;
}

enum sim_origin
sim_plan_set_origin(struct sim_plan *plan, enum sim_origin o)
{
    if (plan == NULL)
        return SIM_ORIGIN_OTHER;
    enum sim_origin old = (enum sim_origin)plan->origin;
    plan->origin = (uint8_t)o;
    return old;
}

void
sim_plan_delay(struct sim_plan *plan, enum sim_prio prio, uint64_t ns)
{
    sim_plan_add(plan, SIM_EXEC_DELAY, prio)->a = ns;
}

void
sim_plan_use(struct sim_plan *plan, struct sim_resource *r, enum sim_prio prio, uint64_t ns)
{
    struct sim_op *op = sim_plan_add(plan, SIM_EXEC_USE, prio);
    op->a = ns;
    op->obj = r;
}

void
sim_plan_after(struct sim_plan *plan, struct sim_plan *other)
{
    NVKV_CHECK(plan->state == SIM_PLAN_BUILDING);
    NVKV_CHECK(plan != other);
    if (other->n_waiters == other->cap_waiters) {
        other->cap_waiters = other->cap_waiters ? other->cap_waiters * 2 : 4;
        other->waiters = xrealloc(other->waiters, other->cap_waiters * sizeof(*other->waiters));
    }
    other->waiters[other->n_waiters++] = plan;
    plan->pending_deps++;
}

void
sim_plan_after_cause(struct sim_plan *plan, struct sim_plan *other, enum sim_wait_cause cause)
{
    sim_plan_after(plan, other);
    plan->wait_cause = (uint8_t)cause;
}

static void plan_complete(struct sim *sim, struct sim_plan *plan);

static void
push_ready(struct sim_plan *plan, uint32_t k)
{
    plan->ready[plan->n_ready++] = k; /* sized n_stages at submit; each stage is pushed once */
}

/* A stage ended: its successors whose predecessors have all ended become ready. */
static void
stage_ended(struct sim_plan *plan, uint32_t k)
{
    plan->stages_done++;
    if (!plan->graph) {
        if (!plan->flat && k + 1 < plan->n_stages)
            push_ready(plan, k + 1);
        return;
    }
    uint32_t end = k + 1 < plan->n_stages ? plan->stages[k + 1].succ_off : plan->n_edges;
    /* pushed in reverse so that the stack starts them in the order they were declared */
    for (uint32_t i = end; i-- > plan->stages[k].succ_off;) {
        struct sim_stage *s = &plan->stages[plan->succ[i]];
        if (--s->preds == 0)
            push_ready(plan, plan->succ[i]);
    }
}

/*
 * Start every ready stage; a stage with no operations ends at once. Returns true when every
 * stage has ended, i.e. the plan is complete (the caller decides how to finish it).
 */
static bool
plan_pump(struct sim *sim, struct sim_plan *plan)
{
    while (plan->n_ready > 0) {
        uint32_t k = plan->ready[--plan->n_ready];
        struct sim_stage *st = &plan->stages[k];
        if (st->begin == st->end) {
            stage_ended(plan, k);
            continue;
        }
        st->left = st->end - st->begin;
        plan->pending_ops += st->left;
        for (uint32_t i = st->begin; i < st->end; i++) {
            struct sim_op *op = &plan->ops[i];
            op->plan = plan;
            op->stage = k;
            const struct sim_exec *ex = &sim->exec[op->kind];
            NVKV_CHECK_MSG(ex->start != NULL, "no executor for operation kind %u", op->kind);
            ex->start(sim, ex->ctx, op);
        }
        NVKV_CHECK_MSG(st->left == st->end - st->begin,
                       "an executor finished an operation synchronously in plan %llu",
                       (unsigned long long)plan->id);
    }
    return plan->stages_done == plan->n_stages;
}

/* Grow `*a` (capacity `*cap`) to hold n entries; kept across the plan's reuses. */
static void
reserve_u32(uint32_t **a, uint32_t *cap, uint32_t n)
{
    if (n <= *cap)
        return;
    uint32_t c = *cap ? *cap : 8;
    while (c < n)
        c *= 2;
    *a = xrealloc(*a, c * sizeof(**a));
    *cap = c;
}

/* Successor lists (counting sort of the edges by source) and each stage's predecessor count. */
static void
plan_link(struct sim_plan *plan)
{
    uint32_t n = plan->n_stages;
    reserve_u32(&plan->ready, &plan->cap_ready, n);
    plan->n_ready = 0;
    if (!plan->graph || plan->flat) {
        /* one line: stage 0 starts, each next one when its predecessor ends (stage_ended);
         * flat: every stage starts now */
        plan->n_edges = 0;
        for (uint32_t k = plan->flat ? n : (n > 0); k-- > 0;)
            push_ready(plan, k);
        if (plan->flat)
            plan->graph = false; /* no successors to follow */
        return;
    }
    for (uint32_t k = 0; k < n; k++)
        plan->stages[k].preds = plan->stages[k].succ_off = 0;
    for (uint32_t e = 0; e < plan->n_edges; e++) {
        plan->stages[plan->edges[e][0]].succ_off++;
        plan->stages[plan->edges[e][1]].preds++;
    }
    uint32_t sum = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t c = plan->stages[k].succ_off;
        plan->stages[k].succ_off = sum;
        sum += c;
    }
    reserve_u32(&plan->succ, &plan->cap_succ, plan->n_edges);
    /* fill by bumping each source's offset, then shift the offsets back */
    for (uint32_t e = 0; e < plan->n_edges; e++)
        plan->succ[plan->stages[plan->edges[e][0]].succ_off++] = plan->edges[e][1];
    for (uint32_t k = n; k-- > 0;)
        plan->stages[k].succ_off = k ? plan->stages[k - 1].succ_off : 0;
    for (uint32_t k = n; k-- > 0;)
        if (plan->stages[k].preds == 0)
            push_ready(plan, k);
}

static void
plan_begin(struct sim *sim, struct sim_plan *plan)
{
    plan->state = SIM_PLAN_RUNNING;
    plan->start_ns = sim->now_ns;
    if (plan->waits != NULL && plan->start_ns > plan->submit_ns) {
        uint64_t w = plan->start_ns - plan->submit_ns;
        uint64_t bp = plan->wait_bp_ns < w ? plan->wait_bp_ns : w;
        plan->waits->ns[plan->wait_cause] += w - bp;
        plan->waits->ns[SIM_WAIT_BACKPRESSURE] += bp;
    }
    if (plan_pump(sim, plan))
        plan_complete(sim, plan);
}

static void
plan_finish_event(struct sim *sim, void *arg)
{
    plan_complete(sim, arg);
}

void
sim_plan_submit(struct sim *sim, struct sim_plan *plan, sim_plan_done_fn *done, void *arg)
{
    NVKV_CHECK(plan->state == SIM_PLAN_BUILDING);
    close_open(plan);
    drop_open_edges(plan); /* edges to an open stage that stayed empty */
    plan_link(plan);
    plan->done = done;
    plan->done_arg = arg;
    plan->submit_ns = sim->now_ns;
    if (plan->pending_deps > 0) {
        plan->state = SIM_PLAN_WAITING;
        return;
    }
    plan->state = SIM_PLAN_RUNNING;
    plan->start_ns = sim->now_ns;
    /* An empty plan completes through an event, so `done` never runs inside submit. */
    if (plan_pump(sim, plan))
        sim_schedule(sim, sim->now_ns, plan_finish_event, plan);
}

void
sim_op_done(struct sim *sim, struct sim_op *op)
{
    struct sim_plan *plan = op->plan;
    NVKV_CHECK(plan->state == SIM_PLAN_RUNNING && plan->pending_ops > 0);
    plan->pending_ops--;
    struct sim_stage *st = &plan->stages[op->stage];
    if (--st->left > 0)
        return;
    stage_ended(plan, op->stage);
    if (plan_pump(sim, plan))
        plan_complete(sim, plan);
}

static void
plan_complete(struct sim *sim, struct sim_plan *plan)
{
    if (plan->done != NULL)
        plan->done(sim, plan, plan->done_arg);
    /* what a waiter spent waiting while this plan itself waited for others is backpressure */
    uint64_t own_wait = plan->start_ns - plan->submit_ns;
    for (uint32_t i = 0; i < plan->n_waiters; i++) {
        struct sim_plan *w = plan->waiters[i];
        NVKV_CHECK(w->pending_deps > 0);
        if (own_wait > 0 && plan->start_ns > w->submit_ns) {
            uint64_t from = w->submit_ns > plan->submit_ns ? w->submit_ns : plan->submit_ns;
            uint64_t bp = plan->start_ns - from;
            if (bp > w->wait_bp_ns)
                w->wait_bp_ns = bp;
        }
        if (--w->pending_deps == 0 && w->state == SIM_PLAN_WAITING)
            plan_begin(sim, w);
    }
    sim->plans_completed++;
    plan->state = SIM_PLAN_BUILDING;
    plan->n_waiters = 0;
    plan->next_free = sim->free_plans;
    sim->free_plans = plan;
}
