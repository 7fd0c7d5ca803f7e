/* SPDX-License-Identifier: MIT */
/*
 * Operation mixes: the share of each operation kind, and scan lengths.
 *   read    GET of an existing item
 *   update  PUT of an existing item with a new version (YCSB update, db_bench overwrite)
 *   insert  PUT of the next new item (raises the key generator's limit)
 *   delete  DEL of an existing item
 *   scan    seek to an item and read `len` items in key order from it (YCSB's scan length;
 *           db_bench's seekrandom --seek_nexts and mixgraph's scan length count the same: the
 *           item at the seek, then one per Next)
 *   rmw     GET then PUT of the same item (YCSB read-modify-write)
 * Scan lengths: uniform in [1, scan_max] (YCSB's default), generalized Pareto (db_bench
 * mixgraph: ceil of iter_theta 0, iter_k 2.517, iter_sigma 14.236, modulo scan_max, 10000
 * there, at least 1), or fixed at scan_max (db_bench seekrandom's --seek_nexts).
 *
 * A draw is one 64-bit random number against cumulative cuts (a few compares).
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
    WL_SCAN_FIXED,
};

/* db_bench mixgraph's scan-length defaults (--iter_k, --iter_sigma, --mix_max_scan_len). */
#define WL_SCAN_PARETO_K     2.517
#define WL_SCAN_PARETO_SIGMA 14.236
#define WL_SCAN_PARETO_MAX   10000u

struct wl_mix {
    double share[WL_OP_COUNT]; /* as given (normalized when drawing) */
    uint64_t cut[WL_OP_COUNT]; /* cumulative thresholds over 2^64 (set by wl_mix_init) */
    enum wl_scan_dist scan_dist;
    uint32_t scan_max;         /* >= 1 */
    double scan_k, scan_sigma; /* pareto (set by wl_mix_init to db_bench's defaults) */
};

/* "read", "update", "insert", "delete", "scan", "rmw" */
const char *wl_op_name(enum wl_op op);
int wl_op_parse(const char *name);

/*
 * Set the shares (any non-negative finite numbers, at least one positive; normalized) and the
 * scan length rule (scan_max >= 1). Returns 0 or -EINVAL.
 */
int wl_mix_init(struct wl_mix *m, const double share[WL_OP_COUNT], enum wl_scan_dist scan_dist,
                uint32_t scan_max);

/*
 * Parse "read=0.5,update=0.5" (names as wl_op_name; missing ones 0; each at most once; at least
 * one positive) into share[]. Returns 0 or -EINVAL with a one-line reason in err.
 */
int wl_mix_parse(const char *spec, double share[WL_OP_COUNT], char *err, size_t errlen);

enum wl_op wl_mix_next(const struct wl_mix *m, struct nvkv_rng *rng);

uint32_t wl_scan_len_next(const struct wl_mix *m, struct nvkv_rng *rng);

#endif
