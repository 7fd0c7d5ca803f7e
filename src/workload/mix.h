/* SPDX-License-Identifier: MIT */
/*
 * Operation mixes: the share of each operation kind, and scan lengths.
 *   read    GET of an existing item
 *   update  PUT of an existing item with a new version (YCSB update, db_bench overwrite)
 *   insert  PUT of the next new item (raises the key generator's limit)
 *   delete  DEL of an existing item
 *   scan    seek to an item, then `len` nexts (YCSB scan, db_bench seekrandom)
 *   rmw     GET then PUT of the same item (YCSB read-modify-write)
 * Scan lengths: uniform in [1, scan_max] (YCSB's default) or generalized Pareto
 * (db_bench mixgraph: iter_k 2.517, iter_sigma 14.236, modulo scan_max 10000, at least 1).
 */
#ifndef NVKV_WORKLOAD_MIX_H
#define NVKV_WORKLOAD_MIX_H

#include <stddef.h>
#include <stdint.h>

#include "../base/rng.h"

enum wl_op {
    WL_OP_READ = 0,
    WL_OP_UPDATE,
    WL_OP_INSERT,
    WL_OP_DELETE,
    WL_OP_SCAN,
    WL_OP_RMW,
    WL_OP_COUNT,
};

enum wl_scan_dist {
    WL_SCAN_UNIFORM = 0,
    WL_SCAN_PARETO,
};

struct wl_mix {
    double share[WL_OP_COUNT]; /* as given (normalized when drawing) */
    uint64_t cut[WL_OP_COUNT]; /* cumulative thresholds over 2^64 (set by wl_mix_init) */
    enum wl_scan_dist scan_dist;
    uint32_t scan_max;         /* >= 1 */
    double scan_k, scan_sigma; /* pareto */
};

/* "read", "update", "insert", "delete", "scan", "rmw" */
const char *wl_op_name(enum wl_op op);
int wl_op_parse(const char *name);

/*
 * Set the shares (any non-negative numbers, at least one positive; normalized) and the scan
 * length rule. Returns 0 or -EINVAL.
 */
int wl_mix_init(struct wl_mix *m, const double share[WL_OP_COUNT], enum wl_scan_dist scan_dist,
                uint32_t scan_max);

/*
 * Parse "read=0.5,update=0.5" (names as wl_op_name; missing ones 0) into share[]. Returns 0 or
 * -EINVAL with a one-line reason in err.
 */
int wl_mix_parse(const char *spec, double share[WL_OP_COUNT], char *err, size_t errlen);

enum wl_op wl_mix_next(const struct wl_mix *m, struct nvkv_rng *rng);

uint32_t wl_scan_len_next(const struct wl_mix *m, struct nvkv_rng *rng);

#endif
