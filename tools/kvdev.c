/* SPDX-License-Identifier: MIT */
#include "kvdev.h"

#include <stdio.h>
#include <stdlib.h>

#include "../src/base/err.h"

int
kvdev_open(const struct cfg *c, const char *engine_name, uint64_t seed, struct kvdev **out,
           char *err, size_t errlen)
{
    int rc = 0;
    struct kv_env env;
    const struct kv_engine_ops *ops = kv_engine_find(engine_name);
    if (ops == NULL) {
        snprintf(err, errlen, "--engine '%s': unknown engine; allowed: %s", engine_name,
                 kv_engine_names());
        return NVKV_ECONFIG;
    }
    struct kvdev *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->cfg = *c;
    NVKV_ERR(sim_create(&d->sim));
    NVKV_ERR(nand_create(&c->nand, d->sim, &d->nand, err, errlen));
    NVKV_ERR(ftl_alloc_create(d->nand, &d->alloc));
    ftl_set_gc_policy(d->alloc, (enum ftl_gc_policy)c->kv.gc_policy);
    dev_dram_init(&d->dram, c->device.dram_bytes);
    dev_cpu_init(&d->cpu, &c->cpu, c->device.controller_cores);
    d->exposed_bytes = dev_exposed_bytes(&c->device, &c->nand);
    env = (struct kv_env){
        .sim = d->sim,
        .nand = d->nand,
        .alloc = d->alloc,
        .dram = &d->dram,
        .cpu = &d->cpu,
        .params = &d->cfg.kv,
        .exposed_bytes = d->exposed_bytes,
        .seed = seed,
    };
    NVKV_ERR(ops->create(&env, &d->engine));
    *out = d;
    return 0;
err:
    if (err[0] == '\0')
        snprintf(err, errlen, "cannot open the device: %s", nvkv_strerror(rc));
    kvdev_close(d);
    return rc;
}

void
kvdev_close(struct kvdev *d)
{
    if (d == NULL)
        return;
    if (d->engine != NULL)
        d->engine->ops->destroy(d->engine);
    ftl_alloc_destroy(d->alloc);
    nand_destroy(d->nand);
    sim_destroy(d->sim);
    free(d);
}
