/* SPDX-License-Identifier: MIT */
/*
 * Value-size mixes of the BandSlim paper's workloads (research/nvme-pcie-bandslim-plm.md 3.6):
 *   wb  8 B and 2 KiB values at 9:1 (small-dominant)
 *   wc  8 B and 2 KiB values at 1:9 (large-dominant)
 *   wd  8, 16, 32, ..., 2048 B in nine equal shares
 *   wm  db_bench mixgraph: generalized Pareto (theta 0, k 0.2615, sigma 25.45), values over
 *       the 1 KiB maximum taken modulo it (db_bench's rule), then under 10 B raised to 10
 *   fixed  one size
 */
#ifndef NVKV_WORKLOAD_VALSIZE_H
#define NVKV_WORKLOAD_VALSIZE_H

#include <stdint.h>

#include "../base/rng.h"

enum wl_valsize_kind {
    WL_VALSIZE_FIXED = 0,
    WL_VALSIZE_WB,
    WL_VALSIZE_WC,
    WL_VALSIZE_WD,
    WL_VALSIZE_WM,
};

struct wl_valsize {
    int kind;
    uint32_t fixed;
};

/* "wb", "wc", "wd", "wm" -> kind; -1 for an unknown name. */
int wl_valsize_parse(const char *name);

const char *wl_valsize_name(int kind);

uint32_t wl_valsize_next(const struct wl_valsize *v, struct nvkv_rng *rng);

#endif
