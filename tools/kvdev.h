/* SPDX-License-Identifier: MIT */
/*
 * The composition root of an emulated KV-SSD: builds the simulator, NAND array, block
 * allocator, DRAM budget, controller cores and one engine from a finalized config. Used by
 * `nvkv run`, the model tests and (later) the NVMe controller.
 */
#ifndef NVKV_TOOLS_KVDEV_H
#define NVKV_TOOLS_KVDEV_H

#include <stddef.h>
#include <stdint.h>

#include "../src/config/config.h"

struct kvdev {
    struct cfg cfg; /* a copy: engines keep pointers into it */
    struct sim *sim;
    struct nand *nand;
    struct ftl_alloc *alloc;
    struct dev_dram dram;
    struct dev_cpu cpu;
    struct kv_engine *engine;
    uint64_t exposed_bytes;
};

/*
 * Open a device running engine `engine_name`. Returns 0, NVKV_ECONFIG for an unknown engine, or
 * another error; a one-line message is left in err.
 */
int kvdev_open(const struct cfg *c, const char *engine_name, uint64_t seed, struct kvdev **out,
               char *err, size_t errlen);
void kvdev_close(struct kvdev *d);

#endif
