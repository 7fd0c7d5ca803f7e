/* SPDX-License-Identifier: MIT */
/*
 * The device around the NAND array: the device-DRAM budget and how much of the raw capacity is
 * exposed to the host. Controller cores, namespaces and PLM windows join this module later.
 */
#ifndef NVKV_DEV_DEV_H
#define NVKV_DEV_DEV_H

#include <stdint.h>

#include "../nand/nand.h"

/* The [device] section of the config. */
struct dev_params {
    uint64_t dram_bytes; /* device DRAM budget for firmware structures */
    double exposed_pct;  /* share of raw capacity offered to the host; the rest is OP */
    uint32_t controller_cores;
};

/* anykey64g: 64 MB DRAM (0.1% of 64 GB), 90% exposed (10% over-provisioning, as KVEMU). */
void dev_params_default(struct dev_params *d);

/* Bytes offered to the host: raw capacity x exposed share, whole pages. */
uint64_t dev_exposed_bytes(const struct dev_params *d, const struct nand_params *n);

#endif
