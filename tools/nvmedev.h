/* SPDX-License-Identifier: MIT */
/*
 * An emulated KV-SSD behind its NVMe interface: the device of kvdev.h plus the NVMe controller
 * (queues, PCIe link, transfer methods) and the host driver on top. What `nvkv xfer`, the
 * public API and the NVMe tests open.
 */
#ifndef NVKV_TOOLS_NVMEDEV_H
#define NVKV_TOOLS_NVMEDEV_H

#include <stddef.h>
#include <stdint.h>

#include "../src/host/driver.h"
#include "../src/nvme/ctrl.h"
#include "kvdev.h"

struct nvmedev {
    struct kvdev *kd;
    struct nvme_ctrl *ctrl;
    struct host_drv *drv;
};

/* Open from a finalized config. Returns 0 or an error with a one-line message in err. */
int nvmedev_open(const struct cfg *c, const char *engine_name, uint64_t seed, struct nvmedev **out,
                 char *err, size_t errlen);
void nvmedev_close(struct nvmedev *d);

#endif
