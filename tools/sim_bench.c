/* SPDX-License-Identifier: MIT */
/*
 * `nvkv sim-bench`: the speed of the bare event core. The classic hold model: K timers are
 * pending at all times; each event reschedules itself after a pseudo-random delay, so every
 * event is one heap pop and one heap push at queue size K. A second phase runs one-op plans
 * (plan from the pool, a delay executor, completion callback) to price the plan machinery.
 */
#include "sim_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/rng.h"
#include "../src/sim/sim.h"
#include "cli.h"

struct hold {
    struct nvkv_rng rng;
    uint64_t remaining;
};

static void
hold_event(struct sim *sim, void *arg)
{
    struct hold *h = arg;
    if (h->remaining == 0)
        return;
    h->remaining--;
    /* delays of 1..1024 ns: a spread like flash operations', cheap to draw */
    sim_after(sim, 1 + (nvkv_rng_next(&h->rng) >> 54), hold_event, h);
}

static void
plan_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)plan;
    struct hold *h = arg;
    if (h->remaining == 0)
        return;
    h->remaining--;
    struct sim_plan *next = sim_plan_new(sim);
    sim_plan_delay(next, SIM_PRIO_FG_READ, 1 + (nvkv_rng_next(&h->rng) >> 54));
    sim_plan_submit(sim, next, plan_done, h);
}

static double
run_phase(bool plans, uint64_t events, uint32_t pending, uint64_t seed, uint64_t *ran)
{
    struct sim *sim;
    if (sim_create(&sim) != 0)
        return 0;
    struct hold h;
    nvkv_rng_derive(&h.rng, seed, "sim-bench");
    h.remaining = events;
    for (uint32_t i = 0; i < pending; i++) {
        if (plans) {
            struct sim_plan *p = sim_plan_new(sim);
            sim_plan_delay(p, SIM_PRIO_FG_READ, 1 + i);
            sim_plan_submit(sim, p, plan_done, &h);
        } else {
            sim_after(sim, 1 + i, hold_event, &h);
        }
    }
    double t0 = cli_wall_seconds();
    sim_run(sim, UINT64_MAX);
    double wall = cli_wall_seconds() - t0;
    *ran = sim->events_run;
    sim_destroy(sim);
    return wall;
}

static const char sim_bench_help[] =
    "usage: nvkv sim-bench [--events N] [--pending K] [--seed S]\n"
    "\n"
    "Speed of the bare event core (hold model: K pending timers, each event reschedules\n"
    "itself) and of one-operation work plans, in events and plans per wall second.\n"
    "  --events N    events per phase (default 20000000)\n"
    "  --pending K   events kept pending (default 256)\n";

int
sim_bench_main(int argc, char **argv)
{
    uint64_t events = 20000000, seed = 1;
    uint32_t pending = 256;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(sim_bench_help, stdout);
            return 0;
        } else if ((v = cli_option_value("--events", argc, argv, &i)) != NULL) {
            events = cli_parse_u64("--events", v, 1, 1ull << 40);
        } else if ((v = cli_option_value("--pending", argc, argv, &i)) != NULL) {
            pending = (uint32_t)cli_parse_u64("--pending", v, 1, 1u << 24);
        } else if ((v = cli_option_value("--seed", argc, argv, &i)) != NULL) {
            seed = cli_parse_u64("--seed", v, 0, UINT64_MAX);
        } else {
            cli_usage_error("sim-bench: unknown option '%s'; see nvkv sim-bench --help", argv[i]);
        }
    }
    printf("%-8s %12s %9s %14s %12s\n", "phase", "events", "pending", "wall s", "M/s");
    for (int phase = 0; phase < 2; phase++) {
        uint64_t ran = 0;
        double wall = run_phase(phase == 1, events, pending, seed, &ran);
        printf("%-8s %12llu %9u %14.3f %12.2f\n", phase ? "plans" : "events",
               (unsigned long long)ran, pending, wall, wall > 0 ? (double)ran / wall / 1e6 : 0);
    }
    return 0;
}
