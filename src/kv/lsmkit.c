/* SPDX-License-Identifier: MIT */
#include "lsmkit.h"

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

static void
bg_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)sim;
    struct kv_bg_chain *ch = arg;
    if (ch->pending == plan)
        ch->pending = NULL;
}

struct sim_plan *
kv_bg_begin(struct kv_bg_chain *ch, struct sim *sim, struct sim_plan *fg, bool stall)
{
    struct sim_plan *bg = fg != NULL ? sim_plan_new(sim) : NULL;
    if (bg != NULL && ch->pending != NULL) {
        sim_plan_after(bg, ch->pending);
        if (stall)
            sim_plan_after(fg, ch->pending);
    }
    return bg;
}

void
kv_bg_end(struct kv_bg_chain *ch, struct sim *sim, struct sim_plan *bg)
{
    if (bg == NULL)
        return;
    sim_plan_submit(sim, bg, bg_done, ch);
    /* an empty plan completes from an event; it still orders later work correctly */
    ch->pending = bg;
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
