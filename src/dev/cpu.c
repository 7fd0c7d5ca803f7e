/* SPDX-License-Identifier: MIT */
#include "cpu.h"

#include <stddef.h>

void
dev_cpu_params_default(struct dev_cpu_params *p)
{
    p->hash_40b_ns = 79;
    /* one key comparison and a branch on an in-order A53 at 1.2 GHz: an estimate, a knob */
    p->bsearch_step_ns = 30;
    p->merge_entry_ns = 7; /* 118 us / 16,384 entries */
    /* fetch-side decode and dispatch of one command: an estimate, a knob */
    p->decode_ns = 200;
}

void
dev_cpu_init(struct dev_cpu *c, const struct dev_cpu_params *p, uint32_t cores)
{
    c->p = *p;
    sim_resource_init(&c->cores, cores);
    for (int o = 0; o < SIM_ORIGIN_COUNT; o++)
        c->busy_by_origin[o] = 0;
    c->cores.busy_by_origin = c->busy_by_origin;
    c->cores.wait_kind = SIM_WAIT_CPU;
}

uint64_t
dev_cpu_hash_ns(const struct dev_cpu *c, uint32_t klen)
{
    return (c->p.hash_40b_ns * klen + 39) / 40;
}

uint64_t
dev_cpu_bsearch_ns(const struct dev_cpu *c, uint64_t n)
{
    uint64_t steps = 0;
    while (n > 0) {
        steps++;
        n >>= 1;
    }
    return steps * c->p.bsearch_step_ns;
}

void
dev_cpu_charge(struct dev_cpu *c, struct sim_plan *plan, enum sim_prio prio, uint64_t ns)
{
    if (ns == 0 || plan == NULL)
        return;
    sim_plan_use(plan, &c->cores, prio, ns);
}
