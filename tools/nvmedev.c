/* SPDX-License-Identifier: MIT */
#include "nvmedev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../src/base/err.h"

int
nvmedev_open(const struct cfg *c, const char *engine_name, uint64_t seed, struct nvmedev **out,
             char *err, size_t errlen)
{
    int rc = 0;
    struct kvdev *kd;
    struct nvme_ctrl_env env;
    struct nvmedev *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    NVKV_ERR(kvdev_open(c, engine_name, seed, &d->kd, err, errlen));
    kd = d->kd;
    env = (struct nvme_ctrl_env){
        .sim = kd->sim,
        .engine = kd->engine,
        .cpu = &kd->cpu,
        .nvme = &kd->cfg.nvme,
        .pcie = &kd->cfg.pcie,
        .pack_page_bytes = kd->cfg.nand.page_bytes,
    };
    rc = nvme_ctrl_create(&env, &d->ctrl);
    if (rc != 0) {
        snprintf(err, errlen, "nvme controller: %s", nvkv_strerror(rc));
        goto err;
    }
    rc = host_drv_create(kd->sim, d->ctrl, &kd->cfg.nvme, &d->drv);
    if (rc != 0) {
        snprintf(err, errlen, "host driver: %s", nvkv_strerror(rc));
        goto err;
    }
    *out = d;
    return 0;
err:
    nvmedev_close(d);
    return rc;
}

void
nvmedev_close(struct nvmedev *d)
{
    if (d == NULL)
        return;
    /* finish what is in flight (a CQ doorbell after the last completion, say): plans in
     * flight belong to the event queue */
    if (d->kd != NULL)
        sim_run(d->kd->sim, UINT64_MAX);
    host_drv_destroy(d->drv);
    nvme_ctrl_destroy(d->ctrl);
    kvdev_close(d->kd);
    free(d);
}
