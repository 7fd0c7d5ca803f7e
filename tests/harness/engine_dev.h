/* SPDX-License-Identifier: MIT */
/*
 * Engine tests' shared scaffolding: open an anykey64g device with one engine, run single
 * PUTs / GETs to completion, deterministic keys and values, and the flash reads of a window of
 * GETs (the engine's histogram minus a snapshot).
 */
#ifndef NVKV_TESTS_ENGINE_DEV_H
#define NVKV_TESTS_ENGINE_DEV_H

#include <stdlib.h>
#include <string.h>

#include "../../tools/kvdev.h"
#include "harness.h"

struct dev {
    struct kvdev *d;
    struct kv_engine *e;
};

/* The anykey64g preset at 1/scale with `sets` (NULL-terminated, may be NULL) applied. */
static inline void
open_dev(struct dev *t, const char *engine, uint32_t scale, const char *const *sets)
{
    struct cfg c;
    char err[CFG_ERR_LEN];
    CHECK_EQ_INT(cfg_load_preset(&c, "anykey64g", err, sizeof(err)), 0);
    for (int i = 0; sets != NULL && sets[i] != NULL; i++)
        CHECK_EQ_INT(cfg_set_assignment(&c, sets[i], err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg_finalize(&c, scale, err, sizeof(err)), 0);
    t->d = NULL;
    CHECK_EQ_INT(kvdev_open(&c, engine, 1, &t->d, err, sizeof(err)), 0);
    t->e = t->d->engine;
}

/* One PUT; with `run` the simulation runs until everything submitted so far is done. */
static inline enum kv_status
put_run(struct dev *t, const void *k, uint32_t kl, const void *v, uint32_t vl, bool run)
{
    struct sim_plan *p = sim_plan_new(t->d->sim);
    enum kv_status s = t->e->ops->put(t->e, p, k, kl, v, vl, 0);
    sim_plan_submit(t->d->sim, p, NULL, NULL);
    if (run)
        sim_run(t->d->sim, UINT64_MAX);
    return s;
}

static inline enum kv_status
get(struct dev *t, const void *k, uint32_t kl, void *buf, uint32_t cap, uint32_t *vl)
{
    struct sim_plan *p = sim_plan_new(t->d->sim);
    enum kv_status s = t->e->ops->get(t->e, p, k, kl, buf, cap, vl);
    sim_plan_submit(t->d->sim, p, NULL, NULL);
    sim_run(t->d->sim, UINT64_MAX);
    return s;
}

/* Key `id`: big-endian id in the first min(klen, 8) bytes, then 'k' padding. */
static inline void
make_key(uint8_t *k, uint32_t klen, uint64_t id)
{
    memset(k, 'k', klen);
    for (int i = 0; i < 8 && i < (int)klen; i++)
        k[i] = (uint8_t)(id >> (56 - 8 * i));
}

static inline void
make_value(uint8_t *v, uint32_t vlen, uint64_t id, uint32_t version)
{
    for (uint32_t i = 0; i < vlen; i++)
        v[i] = (uint8_t)(id * 31 + version * 7 + i);
}

/* The flash reads per GET recorded since `before` (a copy of the engine's histogram). */
static inline void
reads_since(struct dev *t, const struct nvkv_hist *before, struct nvkv_hist *out)
{
    const struct nvkv_hist *after = &t->e->ops->stats(t->e)->flash_reads_per_get;
    nvkv_hist_init(out);
    for (uint32_t b = 0; b < NVKV_HIST_BUCKETS; b++) {
        uint64_t c = after->buckets[b] - before->buckets[b], lo, hi;
        nvkv_hist_bucket_range(b, &lo, &hi);
        for (uint64_t i = 0; i < c; i++)
            nvkv_hist_add(out, lo);
    }
}

#endif
