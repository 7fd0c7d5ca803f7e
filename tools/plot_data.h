/* SPDX-License-Identifier: MIT */
/*
 * What `nvkv plot` reads: result dirs (result.json, latency_<op>.csv, timeline.csv), found from
 * the DIR arguments, each given a series label (workload.method, else workload.engine, else
 * the dir's name) and a group (workload.name). A DIR is a result dir or a parent whose
 * immediate subdirectories are result dirs, taken in name order.
 */
#ifndef NVKV_TOOLS_PLOT_DATA_H
#define NVKV_TOOLS_PLOT_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "../src/base/jsonread.h"

#define PLOT_MAX_RUNS 64
#define PLOT_MAX_OPS  8
#define PLOT_NAME_MAX 64
#define PLOT_PATH_MAX 1024
#define PLOT_OP_MAX   32 /* longest op name in latency_<op>.csv (chart names use %.32s) */

/* Columns of timeline.csv, in the order the contract lists them. */
enum plot_tl_col {
    PLOT_TL_TIME,
    PLOT_TL_OPS,
    PLOT_TL_P99,
    PLOT_TL_GET_OPS,
    PLOT_TL_GET_P99,
    PLOT_TL_PUT_OPS,
    PLOT_TL_PUT_P99,
    PLOT_TL_COLS,
};

extern const char *const plot_tl_names[PLOT_TL_COLS];

/* One latency_<op>.csv: the CDF. */
struct plot_latency {
    char op[PLOT_NAME_MAX];
    double *ns, *fraction;
    size_t n;
};

/* timeline.csv; NAN where an interval had no value. */
struct plot_timeline {
    double *col[PLOT_TL_COLS];
    size_t n;
};

struct plot_run {
    char dir[PLOT_PATH_MAX];
    char series[PLOT_NAME_MAX];
    char group[PLOT_NAME_MAX];
    char label[3 * PLOT_NAME_MAX]; /* unique among the runs: series, plus group or dir if needed */
    struct nvkv_jdoc *doc;
    const struct nvkv_jnode *json;
    struct plot_latency latency[PLOT_MAX_OPS];
    int n_latency;
    struct plot_timeline timeline; /* n == 0: no timeline.csv */
};

struct plot_set {
    struct plot_run *runs;
    int n_runs;
    char groups[PLOT_MAX_RUNS][PLOT_NAME_MAX]; /* distinct groups in first-seen order */
    int n_groups;
    char series[PLOT_MAX_RUNS][PLOT_NAME_MAX]; /* distinct series in first-seen order */
    int n_series;
};

/* Find and read every result dir; bad usage or malformed input exits 2 with one line. */
void plot_load(struct plot_set *set, char **dirs, int n_dirs);

void plot_set_free(struct plot_set *set);

/* The run's latency CDF of `op`, or NULL. */
const struct plot_latency *plot_run_latency(const struct plot_run *r, const char *op);

/* The number at a dotted path of the run's result.json, or NAN. */
double plot_run_number(const struct plot_run *r, const char *path);

/* Sum of the numbers directly inside the object at `path`, or NAN when there is no object. */
double plot_run_sum(const struct plot_run *r, const char *path);

int plot_group_index(const struct plot_set *set, const char *group);
int plot_series_index(const struct plot_set *set, const char *series);

#endif
