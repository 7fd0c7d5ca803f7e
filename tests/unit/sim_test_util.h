/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the sim unit tests (test_sim_events.c, test_sim_plans.c): creating a sim,
 * an ordered log of (tag, virtual time) pairs that handlers append to, a logging event and an
 * idle-resource check. Each test binary gets its own copy; the functions are static inline so a
 * binary that leaves one unused still builds warning-free.
 */
#ifndef NVKV_TESTS_SIM_TEST_UTIL_H
#define NVKV_TESTS_SIM_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../src/sim/sim.h"
#include "harness.h"

static inline struct sim *
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

static inline void
log_reset(void)
{
    g_log.n = 0;
}

static inline void
log_push(int tag, uint64_t t)
{
    if (g_log.n < LOG_MAX) {
        g_log.tag[g_log.n] = tag;
        g_log.t[g_log.n] = t;
    }
    g_log.n++;
}

/* Compare the log with expected tags and times; n_exp entries. */
static inline void
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

struct tagged {
    int tag;
    uint64_t child_at;
    struct tagged *child;
};

static inline void
ev_log(struct sim *sim, void *arg)
{
    const struct tagged *t = arg;
    log_push(t->tag, sim_now(sim));
}

static inline void
check_resource_idle(const struct sim_resource *r)
{
    CHECK_EQ_U64(r->busy, 0);
    for (int p = 0; p < SIM_PRIO_COUNT; p++) {
        CHECK(r->head[p] == NULL);
        CHECK(r->tail[p] == NULL);
    }
}

#endif
