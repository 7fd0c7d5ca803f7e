/* SPDX-License-Identifier: MIT */
/*
 * Goodness-of-fit helpers of the statistical unit tests: Pearson's chi-square and the p = 0.001
 * critical values the tests use. Tests draw from fixed seeds, so each passes or fails for good.
 */
#ifndef NVKV_TESTS_STATS_H
#define NVKV_TESTS_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Pearson's chi-square of observed counts against expected probabilities. */
static inline double
chi_square(const uint64_t *observed, const double *p, size_t bins, uint64_t draws)
{
    double chi = 0.0;
    for (size_t b = 0; b < bins; b++) {
        double want = p[b] * (double)draws;
        double d = (double)observed[b] - want;
        chi += d * d / want;
    }
    return chi;
}

/* Chi-square critical values at p = 0.001 for the degrees of freedom used. */
#define CHI2_001_DOF2  13.82
#define CHI2_001_DOF8  26.12
#define CHI2_001_DOF10 29.59
#define CHI2_001_DOF30 59.70
#define CHI2_001_DOF99 148.23

#endif
