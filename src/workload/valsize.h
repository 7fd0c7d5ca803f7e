/* SPDX-License-Identifier: MIT */
/*
 * Value-size distributions.
 *   fixed    one size
 *   wb       8 B and 2 KiB values at 9:1 (BandSlim W(B), small-dominant)
 *   wc       8 B and 2 KiB values at 1:9 (BandSlim W(C), large-dominant)
 *   wd       8, 16, 32, ..., 2048 B in nine equal shares (BandSlim W(D))
 *   wm       db_bench mixgraph (BandSlim W(M)): generalized Pareto with theta 0, k 0.2615,
 *            sigma 25.45; over the 1 KiB maximum taken modulo it (db_bench's rule), then under
 *            10 B raised to 10 (research/nvme-pcie-bandslim-plm.md 3.6,
 *            research/host-lsm-kvaccel-workloads.md 4.2). The draw truncates where db_bench
 *            rounds up (up to 1 B smaller) and db_bench raises only negative sizes to 10; kept
 *            so since published W(M) figures were drawn this way. Its fields are not read, so
 *            a struct with only kind = WL_VALSIZE_WM draws it.
 *   uniform  every size in [min, max] equally likely
 *   pareto   generalized Pareto ceil(theta + sigma (u^-k - 1) / k) (exponential when k == 0),
 *            then db_bench's clamps: over `max` taken modulo `max` (so 0 .. max - 1), under
 *            `min` raised to `min`
 *
 * Specs as the command line writes them (wl_valsize_parse_spec):
 *   "4096" (fixed), "wb" | "wc" | "wd" | "wm", "uniform:MIN-MAX", "pareto:K,SIGMA[,MIN,MAX]"
 *   (pareto's theta is 0; MIN,MAX default to 10,1024, db_bench mixgraph's clamps)
 */
#ifndef NVKV_WORKLOAD_VALSIZE_H
#define NVKV_WORKLOAD_VALSIZE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/rng.h"

enum wl_valsize_kind {
    WL_VALSIZE_FIXED = 0,
    WL_VALSIZE_WB,
    WL_VALSIZE_WC,
    WL_VALSIZE_WD,
    WL_VALSIZE_WM,
    WL_VALSIZE_UNIFORM,
    WL_VALSIZE_PARETO,
};

struct wl_valsize {
    int kind;
    uint32_t fixed;         /* fixed */
    uint32_t min, max;      /* uniform: the range; pareto: the clamps (wm: 10, 1024) */
    double theta, k, sigma; /* pareto */
};

/* "wb", "wc", "wd", "wm" -> kind; -1 for an unknown name. */
int wl_valsize_parse(const char *name);

const char *wl_valsize_name(int kind);

/*
 * Parse a spec (see above) into *v. Returns 0, or -EINVAL with a one-line reason in err naming
 * what is allowed (sizes must be <= max_size; uniform needs MIN <= MAX; pareto needs
 * 0 <= K < 1, SIGMA > 0, 0 <= MIN <= MAX, MAX >= 1).
 */
int wl_valsize_parse_spec(const char *spec, uint32_t max_size, struct wl_valsize *v, char *err,
                          size_t errlen);

/* Write the spec back in the form wl_valsize_parse_spec reads ("4096", "wm", "uniform:1-9"). */
void wl_valsize_format(const struct wl_valsize *v, char *buf, size_t len);

/* The largest size the distribution can draw, and its mean (analytical; pareto/wm: numerical). */
uint32_t wl_valsize_max(const struct wl_valsize *v);
double wl_valsize_mean(const struct wl_valsize *v);

uint32_t wl_valsize_next(const struct wl_valsize *v, struct nvkv_rng *rng);

/*
 * The generalized Pareto inverse CDF, theta + sigma (u^-k - 1) / k (theta - sigma ln u when
 * k == 0), before db_bench's rounding up; u == 0 is taken as 2^-53 (nvkv_rng_unit's step).
 */
double wl_pareto_inverse(double u, double theta, double k, double sigma);

#endif
