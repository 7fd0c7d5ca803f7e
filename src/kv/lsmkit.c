/* SPDX-License-Identifier: MIT */
#include "lsmkit.h"

#include <stdlib.h>
#include <string.h>

#include "../base/check.h"

void
kv_cost_sync(struct dev_cpu *cpu, struct kv_cost *c)
{
    if (c->cpu_ns == 0 || c->plan == NULL) {
        c->cpu_ns = 0;
        return;
    }
    dev_cpu_charge(cpu, c->plan, c->prio, c->cpu_ns);
    sim_plan_barrier(c->plan);
    c->cpu_ns = 0;
}

void
kv_cost_read(struct kv_cost *c, struct dev_cpu *cpu, struct nand *nand, uint64_t ppa,
             enum nand_origin origin)
{
    kv_cost_sync(cpu, c);
    int rc = nand_read(nand, c->plan, ppa, NULL, NULL, origin, c->prio);
    NVKV_CHECK_MSG(rc == 0, "engine read: %s", nand_last_violation(nand));
    if (c->plan != NULL)
        sim_plan_barrier(c->plan);
    c->reads++;
}

void
kv_bg_init(struct kv_bg *b, struct sim *sim, const struct kv_params *p)
{
    *b = (struct kv_bg){.sim = sim, .p = p};
}

void
kv_bg_free(struct kv_bg *b)
{
    free(b->work);
    b->work = NULL;
    b->n_work = b->cap_work = 0;
}

static void
flush_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)sim;
    struct kv_bg *b = arg;
    if (b->flush == plan)
        b->flush = NULL;
    if (b->gate == plan)
        b->gate = NULL;
}

static void
work_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)sim;
    struct kv_bg *b = arg;
    for (uint32_t i = 0; i < b->n_work; i++) {
        if (b->work[i] != plan)
            continue;
        memmove(&b->work[i], &b->work[i + 1], (b->n_work - i - 1) * sizeof(*b->work));
        b->n_work--;
        return;
    }
    NVKV_CHECK_MSG(0, "a compaction plan ended that was not registered");
}

static void
room_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)sim;
    (void)plan;
    (void)arg;
}

void
kv_bg_gate(struct kv_bg *b, struct sim_plan *fg)
{
    if (fg == NULL || b->gate == NULL || kv_bg_kvemu(b))
        return;
    sim_plan_after_cause(fg, b->gate, SIM_WAIT_BUFFER_FULL);
    b->writes_gated++;
}

struct sim_plan *
kv_bg_flush_begin(struct kv_bg *b, struct sim_plan *fg)
{
    if (fg == NULL || b->sim == NULL)
        return NULL;
    struct sim_plan *f = sim_plan_new(b->sim);
    sim_plan_set_origin(f, SIM_ORIGIN_FLUSH);
    if (kv_bg_kvemu(b)) {
        sim_plan_set_flat(f, true);
        return f;
    }
    if (b->flush != NULL) {
        /* the immutable buffer is still being written: this buffer becomes immutable (and its
         * flush starts) only then, and writes wait until it has */
        if (b->gate != b->flush)
            sim_plan_after_cause(fg, b->flush, SIM_WAIT_BUFFER_FULL);
        sim_plan_after(f, b->flush);
        b->gate = b->flush;
    }
    if (b->n_work >= b->p->bg_inflight) {
        sim_plan_after(f, b->work[b->n_work - b->p->bg_inflight]);
        b->flushes_waited++;
    }
    return f;
}

void
kv_bg_flush_end(struct kv_bg *b, struct sim_plan *flush)
{
    if (flush == NULL)
        return;
    sim_plan_submit(b->sim, flush, flush_done, b);
    if (!kv_bg_kvemu(b))
        b->flush = flush;
}

struct sim_plan *
kv_bg_work_begin(struct kv_bg *b, struct sim_plan *fg, struct sim_plan *flush)
{
    if (fg == NULL || b->sim == NULL)
        return NULL;
    struct sim_plan *w = sim_plan_new(b->sim);
    sim_plan_set_origin(w, SIM_ORIGIN_COMPACTION);
    if (kv_bg_kvemu(b))
        sim_plan_set_flat(w, true);
    else if (flush != NULL)
        sim_plan_after(w, flush);
    return w;
}

void
kv_bg_work_end(struct kv_bg *b, struct sim_plan *work)
{
    if (work == NULL)
        return;
    if (kv_bg_kvemu(b)) {
        sim_plan_submit(b->sim, work, room_done, b);
        return;
    }
    if (b->n_work == b->cap_work) {
        b->cap_work = b->cap_work ? 2 * b->cap_work : 8;
        b->work = realloc(b->work, b->cap_work * sizeof(*b->work));
        NVKV_CHECK_MSG(b->work != NULL, "out of memory for background plans");
    }
    b->work[b->n_work++] = work;
    sim_plan_submit(b->sim, work, work_done, b);
}

struct sim_plan *
kv_bg_room_begin(struct kv_bg *b, struct sim_plan *fg)
{
    if (fg == NULL || b->sim == NULL)
        return NULL;
    struct sim_plan *r = sim_plan_new(b->sim);
    sim_plan_set_origin(r, SIM_ORIGIN_GC);
    if (kv_bg_kvemu(b))
        sim_plan_set_flat(r, true);
    return r;
}

void
kv_bg_room_end(struct kv_bg *b, struct sim_plan *fg, struct sim_plan *room)
{
    if (room == NULL)
        return;
    if (!kv_bg_kvemu(b) && room->n_ops > 0) {
        sim_plan_after_cause(fg, room, SIM_WAIT_ADMISSION);
        b->room_waits++;
    }
    sim_plan_submit(b->sim, room, room_done, b);
}

void
kv_bg_flush_buffer(struct kv_bg *b, struct kv_engine *e, struct sim_plan *fg,
                   kv_bg_flush_fn *flush_fn, kv_bg_gc_fn *gc)
{
    struct sim_plan *flush = kv_bg_flush_begin(b, fg);
    struct sim_plan *work = kv_bg_work_begin(b, fg, flush);
    NVKV_CHECK(flush_fn(e, flush, work) == 0);
    kv_bg_flush_end(b, flush);
    gc(e, work, false);
    kv_bg_work_end(b, work);
}

void
kv_bg_make_room(struct kv_bg *b, struct kv_engine *e, struct sim_plan *fg, kv_bg_gc_fn *gc,
                bool urgent)
{
    struct sim_plan *room = kv_bg_room_begin(b, fg);
    gc(e, room, urgent);
    kv_bg_room_end(b, fg, room);
}

void
kv_par_begin(struct kv_par *par, struct sim_plan *plan)
{
    *par = (struct kv_par){.plan = plan};
    if (plan != NULL)
        par->base = sim_plan_point(plan);
}

void
kv_par_branch(struct kv_par *par)
{
    if (par->plan == NULL)
        return;
    if (par->open) {
        uint32_t end = sim_plan_point(par->plan);
        if (end != par->base) {
            if (par->n_ends == par->cap_ends) {
                par->cap_ends = par->cap_ends ? 2 * par->cap_ends : 8;
                par->ends = realloc(par->ends, par->cap_ends * sizeof(*par->ends));
                NVKV_CHECK_MSG(par->ends != NULL, "out of memory for plan branches");
            }
            par->ends[par->n_ends++] = end;
        }
    }
    sim_plan_fork(par->plan, par->base);
    par->open = true;
}

void
kv_par_end(struct kv_par *par)
{
    if (par->plan == NULL)
        return;
    kv_par_branch(par); /* closes the last branch */
    sim_plan_fork(par->plan, par->base);
    for (uint32_t i = 0; i < par->n_ends; i++)
        sim_plan_join(par->plan, par->ends[i]);
    sim_plan_barrier(par->plan); /* an empty join stage closes only if it joined something */
    free(par->ends);
    par->ends = NULL;
}

enum kv_status
kv_front_put(const struct kv_front *f, struct kv_engine *e, struct sim_plan *plan, const void *key,
             uint32_t klen, const void *value, uint32_t vlen, uint32_t options)
{
    if (kv_check_key(klen) != KV_OK)
        return KV_INVALID_KEY;
    if (vlen > e->ops->max_value(e, klen))
        return KV_INVALID_VALUE;
    if (options & (KV_PUT_IF_EXISTS | KV_PUT_IF_ABSENT)) {
        bool exists = f->exists(e, plan, key, klen, SIM_PRIO_FG_WRITE);
        if ((options & KV_PUT_IF_EXISTS) && !exists)
            return KV_NOT_FOUND;
        if ((options & KV_PUT_IF_ABSENT) && exists)
            return KV_EXISTS;
    }
    enum kv_status s = f->write(e, plan, key, klen, value, vlen, false);
    if (s == KV_OK) {
        f->st->puts++;
        f->st->host_bytes_written += klen + vlen;
    }
    return s;
}

enum kv_status
kv_front_del(const struct kv_front *f, struct kv_engine *e, struct sim_plan *plan, const void *key,
             uint32_t klen)
{
    if (kv_check_key(klen) != KV_OK)
        return KV_INVALID_KEY;
    if (!f->exists(e, plan, key, klen, SIM_PRIO_FG_WRITE))
        return KV_NOT_FOUND;
    f->st->dels++;
    return f->write(e, plan, key, klen, NULL, 0, true);
}

enum kv_status
kv_front_exist(const struct kv_front *f, struct kv_engine *e, struct sim_plan *plan,
               const void *key, uint32_t klen)
{
    if (kv_check_key(klen) != KV_OK)
        return KV_INVALID_KEY;
    f->st->exists++;
    return f->exists(e, plan, key, klen, SIM_PRIO_FG_READ) ? KV_OK : KV_NOT_FOUND;
}
