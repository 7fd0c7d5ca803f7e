/* SPDX-License-Identifier: MIT */
/*
 * The charts of `nvkv plot`: for each chart with data, a gnuplot script NAME.gp and its data
 * (NAME.dat, or a .dat shared by the charts drawn from the same numbers) in the output dir.
 * Scripts use paths relative to that dir, so `cd DIR && gnuplot NAME.gp` redraws a chart.
 */
#ifndef NVKV_TOOLS_PLOT_CHARTS_H
#define NVKV_TOOLS_PLOT_CHARTS_H

#include <stdbool.h>

#include "plot_data.h"

#define PLOT_MAX_CHARTS (2 * PLOT_MAX_OPS + 16)

struct plot_out {
    char dir[PLOT_PATH_MAX];
    bool png, svg;
    const char *title;                           /* prefix of every chart title, or NULL */
    char charts[PLOT_MAX_CHARTS][PLOT_NAME_MAX]; /* names of the scripts written (no .gp) */
    int n_charts;
};

/* Write every chart that has data; prints each path written. Exits 1 when a file fails. */
void plot_write_charts(struct plot_out *out, const struct plot_set *set);

#endif
