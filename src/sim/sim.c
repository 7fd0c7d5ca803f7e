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
sim_resource_acquire(struct sim *sim, struct sim_resource *r, enum sim_prio prio,
                     struct sim_waiter *w)
{
    NVKV_CHECK((unsigned)prio < SIM_PRIO_COUNT);
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
    sim_resource_release(sim, op->obj);
    sim_op_done(sim, op);
}

static void
use_granted(struct sim *sim, struct sim_waiter *w)
{
    struct sim_op *op = SIM_CONTAINER_OF(w, struct sim_op, waiter);
    sim_after(sim, op->a, use_release_event, op);
}

static void
exec_use(struct sim *sim, void *ctx, struct sim_op *op)
{
    (void)ctx;
    op->waiter.granted = use_granted;
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
    free(p->stage_end);
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
    p->cur_stage = 0;
    p->pending_ops = 0;
    p->pending_deps = 0;
    p->n_waiters = 0;
    p->state = SIM_PLAN_BUILDING;
    p->id = sim->next_plan_id++;
    p->done = NULL;
    p->done_arg = NULL;
    p->user = NULL;
    p->next_free = NULL;
    return p;
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
    return op;
}

void
sim_plan_barrier(struct sim_plan *plan)
{
    uint32_t last_end = plan->n_stages ? plan->stage_end[plan->n_stages - 1] : 0;
    if (plan->n_ops == last_end)
        return; /* an empty stage would only cost time to skip */
    if (plan->n_stages == plan->cap_stages) {
        plan->cap_stages = plan->cap_stages ? plan->cap_stages * 2 : 4;
        plan->stage_end = xrealloc(plan->stage_end, plan->cap_stages * sizeof(uint32_t));
    }
    plan->stage_end[plan->n_stages++] = plan->n_ops;
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

static void plan_complete(struct sim *sim, struct sim_plan *plan);

/*
 * Start stages from cur_stage until one has operations in flight. Returns true when no stage
 * is left, i.e. the plan is complete (the caller decides how to finish it).
 */
static bool
plan_run_stages(struct sim *sim, struct sim_plan *plan)
{
    while (plan->cur_stage < plan->n_stages) {
        uint32_t begin = plan->cur_stage ? plan->stage_end[plan->cur_stage - 1] : 0;
        uint32_t end = plan->stage_end[plan->cur_stage];
        if (begin == end) {
            plan->cur_stage++;
            continue;
        }
        plan->pending_ops = end - begin;
        for (uint32_t i = begin; i < end; i++) {
            struct sim_op *op = &plan->ops[i];
            op->plan = plan;
            const struct sim_exec *ex = &sim->exec[op->kind];
            NVKV_CHECK_MSG(ex->start != NULL, "no executor for operation kind %u", op->kind);
            ex->start(sim, ex->ctx, op);
        }
        NVKV_CHECK_MSG(plan->pending_ops == end - begin,
                       "an executor finished an operation synchronously in plan %llu",
                       (unsigned long long)plan->id);
        return false;
    }
    return true;
}

static void
plan_begin(struct sim *sim, struct sim_plan *plan)
{
    plan->state = SIM_PLAN_RUNNING;
    plan->start_ns = sim->now_ns;
    if (plan_run_stages(sim, plan))
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
    sim_plan_barrier(plan);
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
    if (plan_run_stages(sim, plan))
        sim_schedule(sim, sim->now_ns, plan_finish_event, plan);
}

void
sim_op_done(struct sim *sim, struct sim_op *op)
{
    struct sim_plan *plan = op->plan;
    NVKV_CHECK(plan->state == SIM_PLAN_RUNNING && plan->pending_ops > 0);
    if (--plan->pending_ops > 0)
        return;
    plan->cur_stage++;
    if (plan_run_stages(sim, plan))
        plan_complete(sim, plan);
}

static void
plan_complete(struct sim *sim, struct sim_plan *plan)
{
    if (plan->done != NULL)
        plan->done(sim, plan, plan->done_arg);
    for (uint32_t i = 0; i < plan->n_waiters; i++) {
        struct sim_plan *w = plan->waiters[i];
        NVKV_CHECK(w->pending_deps > 0);
        if (--w->pending_deps == 0 && w->state == SIM_PLAN_WAITING)
            plan_begin(sim, w);
    }
    sim->plans_completed++;
    plan->state = SIM_PLAN_BUILDING;
    plan->n_waiters = 0;
    plan->next_free = sim->free_plans;
    sim->free_plans = plan;
}
