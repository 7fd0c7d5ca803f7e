/* SPDX-License-Identifier: MIT */
#include "plot_charts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#define MAX_CLUSTERS   (2 * PLOT_MAX_RUNS)
#define MAX_CATEGORIES 32
#define CLUSTER_MAX    (2 * PLOT_NAME_MAX + 8)
#define MIB            1048576.0
/* log scale once values span this factor: bars and lines stay readable across decades */
#define LOG_SPAN 30.0

/* ---------------------------------------------------------------------------------------------
 * Files and scripts
 * ------------------------------------------------------------------------------------------- */

static FILE *
open_out(const struct plot_out *out, const char *file)
{
    char path[PLOT_PATH_MAX + PLOT_NAME_MAX + 16];
    snprintf(path, sizeof(path), "%s/%s", out->dir, file);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "nvkv: plot: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    printf("%s\n", path);
    return f;
}

static void
close_out(FILE *f, const struct plot_out *out, const char *file)
{
    if (ferror(f) != 0 || fclose(f) != 0) {
        fprintf(stderr, "nvkv: plot: cannot write %s/%s\n", out->dir, file);
        exit(1);
    }
}

/* A gnuplot string literal: single quotes, where '' stands for one quote. */
static void
gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s != '\0'; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* A label inside a data file: double-quoted (labels never hold '"', see plot_data.c). */
static void
dat_string(FILE *f, const char *s)
{
    fprintf(f, "\"%s\"", s);
}

static void
dat_number(FILE *f, double v)
{
    if (isnan(v))
        fputs(" NaN", f);
    else
        fprintf(f, " %.10g", v);
}

struct chart {
    const struct plot_out *out;
    char name[PLOT_NAME_MAX];
    FILE *gp;
    char *plot_cmd; /* the plot command, written once per image format */
    size_t plot_len;
    FILE *plot;
    int n_items;
};

static void
chart_begin(struct chart *c, const struct plot_out *out, const char *name, const char *title,
            const char *xlabel, const char *ylabel)
{
    memset(c, 0, sizeof(*c));
    c->out = out;
    snprintf(c->name, sizeof(c->name), "%s", name);
    char file[PLOT_NAME_MAX + 4];
    snprintf(file, sizeof(file), "%s.gp", name);
    c->gp = open_out(out, file);
    c->plot = open_memstream(&c->plot_cmd, &c->plot_len);
    if (c->plot == NULL) {
        fprintf(stderr, "nvkv: plot: out of memory\n");
        exit(1);
    }
    fprintf(c->gp, "# %s: written by nvkv plot; `gnuplot %s.gp` in this directory redraws it.\n",
            title, name);
    fputs("set encoding utf8\nset datafile missing 'NaN'\nset title font ',14'\nset title ", c->gp);
    if (out->title != NULL) {
        char full[512];
        snprintf(full, sizeof(full), "%s: %s", out->title, title);
        gp_string(c->gp, full);
    } else {
        gp_string(c->gp, title);
    }
    fputs("\nset xlabel ", c->gp);
    gp_string(c->gp, xlabel);
    fputs("\nset ylabel ", c->gp);
    gp_string(c->gp, ylabel);
    /* outside the plot area the key never covers data */
    fputs("\nset key outside right top vertical Left reverse noautotitle\n"
          "set grid lc rgb '#d0d0d0'\nset border 3\nset tics nomirror\n",
          c->gp);
    fputs("plot ", c->plot);
}

/* One item of the plot command (items are joined by commas). */
__attribute__((format(printf, 2, 3))) static void
chart_item(struct chart *c, const char *fmt, ...)
{
    if (c->n_items++ > 0)
        fputs(", \\\n     ", c->plot);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->plot, fmt, ap);
    va_end(ap);
}

/* "title '...'" of an item, escaped. */
static void
chart_item_title(struct chart *c, const char *title)
{
    fputs(" title ", c->plot);
    gp_string(c->plot, title);
}

static void
chart_image(struct chart *c, const char *terminal, const char *ext)
{
    fprintf(c->gp, "\nset terminal %s size 1000,600 font 'sans,11' noenhanced\n", terminal);
    fprintf(c->gp, "set output '%s.%s'\n%s\nunset output\n", c->name, ext, c->plot_cmd);
}

static void
chart_end(struct chart *c, struct plot_out *out)
{
    if (fclose(c->plot) != 0) {
        fprintf(stderr, "nvkv: plot: out of memory\n");
        exit(1);
    }
    if (out->png)
        chart_image(c, "pngcairo", "png");
    if (out->svg)
        chart_image(c, "svg dynamic background rgb 'white'", "svg");
    free(c->plot_cmd);
    char file[PLOT_NAME_MAX + 4];
    snprintf(file, sizeof(file), "%s.gp", c->name);
    close_out(c->gp, out, file);
    snprintf(out->charts[out->n_charts++], PLOT_NAME_MAX, "%s", c->name);
}

static void
upper(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src[i] != '\0' && i + 1 < size; i++)
        dst[i] = src[i] >= 'a' && src[i] <= 'z' ? (char)(src[i] - 'a' + 'A') : src[i];
    dst[i] = '\0';
}

/* Smallest positive and largest value of v[0..n) (NaN skipped); false when none is positive. */
static bool
positive_span(const double *v, size_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] > 0 && v[i] < *lo)
            *lo = v[i];
        if (v[i] > *hi)
            *hi = v[i];
    }
    return *hi > 0;
}

/* Tic labels: SI prefixes (150k, 2M) for large values, plain numbers otherwise. */
static const char *
axis_format(double hi)
{
    return hi >= 10000 ? "'%.0s%c'" : "'%g'";
}

/* ---------------------------------------------------------------------------------------------
 * Latency CDFs
 * ------------------------------------------------------------------------------------------- */

/*
 * The tail chart's y is 1 / (1 - fraction), on a log axis labelled p90, p99, p99.9...: every
 * "nine" gets the same height, so p95 and p99 are far apart instead of squeezed against 1.0.
 * The last point (fraction 1, the maximum) is drawn half a sample beyond the one before it.
 */
static double
tail_y(double fraction, double floor_1mp)
{
    double rest = 1.0 - fraction;
    return 1.0 / (rest > floor_1mp ? rest : floor_1mp);
}

static double
tail_floor(const struct plot_run *r, const struct plot_latency *lat)
{
    char path[PLOT_NAME_MAX + 32];
    snprintf(path, sizeof(path), "latency_ns.%s.count", lat->op);
    double count = plot_run_number(r, path);
    if (count >= 1)
        return 0.5 / count;
    double smallest = 1e-6;
    for (size_t i = 0; i < lat->n; i++)
        if (lat->fraction[i] < 1.0 && 1.0 - lat->fraction[i] < smallest * 2)
            smallest = (1.0 - lat->fraction[i]) / 2;
    return smallest;
}

/* latency_<op>.dat: one block per run that has the op; returns the blocks' run indices. */
static int
write_latency_dat(const struct plot_out *out, const struct plot_set *set, const char *op,
                  int *block_run, double *max_tail)
{
    char file[PLOT_NAME_MAX + 16];
    snprintf(file, sizeof(file), "latency_%.32s.dat", op);
    FILE *dat = open_out(out, file);
    fprintf(dat,
            "# %s latency CDF, one block per result dir: latency_us cumulative_fraction "
            "tail_y (= 1 / (1 - fraction))\n",
            op);
    int n_blocks = 0;
    *max_tail = 2;
    for (int i = 0; i < set->n_runs; i++) {
        const struct plot_run *r = &set->runs[i];
        const struct plot_latency *lat = plot_run_latency(r, op);
        if (lat == NULL)
            continue;
        double floor_1mp = tail_floor(r, lat);
        fprintf(dat, "%s# %s: %s\n", n_blocks > 0 ? "\n\n" : "", r->label, r->dir);
        bool first = true;
        for (size_t k = 0; k < lat->n; k++) {
            if (lat->ns[k] <= 0)
                continue; /* not on a log axis */
            double y = tail_y(lat->fraction[k], floor_1mp);
            /* the curve rises from 0 at the first bound: a one-row CDF is still a visible step */
            if (first && lat->fraction[k] > 0)
                fprintf(dat, "%.10g 0 1\n", lat->ns[k] / 1000.0);
            first = false;
            fprintf(dat, "%.10g %.10g %.10g\n", lat->ns[k] / 1000.0, lat->fraction[k], y);
            *max_tail = y > *max_tail ? y : *max_tail;
        }
        block_run[n_blocks++] = i;
    }
    close_out(dat, out, file);
    return n_blocks;
}

/*
 * gnuplot's line types repeat their colours after 8; the dash pattern changes with each round
 * of 8 so every curve of a large comparison stays distinguishable.
 */
static int
curve_dash(int run)
{
    return 1 + run / 8 % 5;
}

static void
latency_cdf_chart(struct plot_out *out, const struct plot_set *set, const char *op,
                  const int *block_run, int n_blocks)
{
    char name[PLOT_NAME_MAX], title[128], ylabel[128], op_up[PLOT_NAME_MAX];
    upper(op_up, sizeof(op_up), op);
    snprintf(name, sizeof(name), "latency_%.32s_cdf", op);
    snprintf(title, sizeof(title), "%s latency CDF", op_up);
    snprintf(ylabel, sizeof(ylabel), "fraction of %ss completed", op_up);
    struct chart c;
    chart_begin(&c, out, name, title, "latency (µs, log scale)", ylabel);
    fputs("set logscale x\nset format x '%g'\nset yrange [0:1]\nset ytics 0.1\n", c.gp);
    for (int b = 0; b < n_blocks; b++) {
        chart_item(&c, "'latency_%s.dat' index %d using 1:2 with steps lw 2 lt %d dt %d", op, b,
                   block_run[b] + 1, curve_dash(block_run[b]));
        chart_item_title(&c, set->runs[block_run[b]].label);
    }
    chart_end(&c, out);
}

static void
latency_tail_chart(struct plot_out *out, const struct plot_set *set, const char *op,
                   const int *block_run, int n_blocks, double max_tail)
{
    char name[PLOT_NAME_MAX], title[128], op_up[PLOT_NAME_MAX];
    upper(op_up, sizeof(op_up), op);
    snprintf(name, sizeof(name), "latency_%.32s_tail", op);
    snprintf(title, sizeof(title), "%s latency tail (percentiles on a log scale of 1 - p)", op_up);
    struct chart c;
    chart_begin(&c, out, name, title, "latency (µs, log scale)", "percentile");
    fputs("set logscale x\nset format x '%g'\nset logscale y\nunset mytics\n"
          "set ytics ('p50' 2, 'p90' 10, 'p95' 20, 'p99' 100, 'p99.9' 1000, 'p99.99' 10000, "
          "'p99.999' 100000, 'p99.9999' 1000000, 'p99.99999' 10000000)\n",
          c.gp);
    fprintf(c.gp, "set yrange [2:%.6g]\n", max_tail * 1.5);
    for (int b = 0; b < n_blocks; b++) {
        chart_item(&c, "'latency_%s.dat' index %d using 1:3 with steps lw 2 lt %d dt %d", op, b,
                   block_run[b] + 1, curve_dash(block_run[b]));
        chart_item_title(&c, set->runs[block_run[b]].label);
    }
    chart_end(&c, out);
}

static void
latency_charts(struct plot_out *out, const struct plot_set *set)
{
    char ops[PLOT_MAX_OPS][PLOT_NAME_MAX];
    int n_ops = 0;
    for (int i = 0; i < set->n_runs; i++) {
        const struct plot_run *r = &set->runs[i];
        for (int k = 0; k < r->n_latency; k++) {
            bool known = false;
            for (int o = 0; o < n_ops; o++)
                known |= strcmp(ops[o], r->latency[k].op) == 0;
            if (!known && n_ops < PLOT_MAX_OPS)
                memcpy(ops[n_ops++], r->latency[k].op, PLOT_NAME_MAX);
        }
    }
    for (int o = 0; o < n_ops; o++) {
        int block_run[PLOT_MAX_RUNS];
        double max_tail;
        int n_blocks = write_latency_dat(out, set, ops[o], block_run, &max_tail);
        latency_cdf_chart(out, set, ops[o], block_run, n_blocks);
        latency_tail_chart(out, set, ops[o], block_run, n_blocks, max_tail);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Timelines
 * ------------------------------------------------------------------------------------------- */

/* An interval without ops of a kind: its rate is 0, its p99 has no value (empty or 0). */
static double
timeline_value(const struct plot_timeline *tl, int col, size_t row)
{
    double v = tl->col[col][row];
    bool is_p99 = col == PLOT_TL_P99 || col == PLOT_TL_GET_P99 || col == PLOT_TL_PUT_P99;
    if (is_p99)
        return v > 0 ? v : NAN;
    return isnan(v) ? 0 : v;
}

static int
write_timeline_dat(const struct plot_out *out, const struct plot_set *set, int *block_run,
                   double *p99_lo, double *p99_hi, double *max_ops)
{
    FILE *dat = open_out(out, "timeline.dat");
    fputs("# one block per result dir with a timeline.csv:", dat);
    for (int col = 0; col < PLOT_TL_COLS; col++)
        fprintf(dat, " %s", plot_tl_names[col]);
    fputc('\n', dat);
    int n_blocks = 0;
    *p99_lo = INFINITY;
    *p99_hi = 0;
    *max_ops = 0;
    for (int i = 0; i < set->n_runs; i++) {
        const struct plot_run *r = &set->runs[i];
        if (r->timeline.n == 0)
            continue;
        fprintf(dat, "%s# %s: %s\n", n_blocks > 0 ? "\n\n" : "", r->label, r->dir);
        for (size_t row = 0; row < r->timeline.n; row++) {
            for (int col = 0; col < PLOT_TL_COLS; col++) {
                double v = timeline_value(&r->timeline, col, row);
                dat_number(dat, v);
                if (col == PLOT_TL_OPS && v > *max_ops)
                    *max_ops = v;
                if (col == PLOT_TL_P99 && v > 0) {
                    *p99_lo = v < *p99_lo ? v : *p99_lo;
                    *p99_hi = v > *p99_hi ? v : *p99_hi;
                }
            }
            fputc('\n', dat);
        }
        block_run[n_blocks++] = i;
    }
    close_out(dat, out, "timeline.dat");
    return n_blocks;
}

/* One curve per run; a single run also gets its GET and PUT curves (dashed). */
static void
timeline_items(struct chart *c, const struct plot_set *set, const int *block_run, int n_blocks,
               int col_all, int col_get, int col_put)
{
    for (int b = 0; b < n_blocks; b++) {
        chart_item(
            c, "'timeline.dat' index %d using 1:%d with linespoints lw 2 pt 7 ps 0.5 lt %d dt %d",
            b, col_all + 1, block_run[b] + 1, curve_dash(block_run[b]));
        chart_item_title(c, set->runs[block_run[b]].label);
    }
    if (n_blocks == 1) {
        chart_item(c,
                   "'timeline.dat' index 0 using 1:%d with lines lw 1.5 dt 2 lc rgb '#1f77b4'"
                   " title 'GET'",
                   col_get + 1);
        chart_item(c,
                   "'timeline.dat' index 0 using 1:%d with lines lw 1.5 dt 3 lc rgb '#d62728'"
                   " title 'PUT'",
                   col_put + 1);
    }
}

static void
timeline_charts(struct plot_out *out, const struct plot_set *set)
{
    bool any = false;
    for (int i = 0; i < set->n_runs; i++)
        any |= set->runs[i].timeline.n > 0;
    if (!any)
        return;
    int block_run[PLOT_MAX_RUNS];
    double lo, hi, max_ops;
    int n_blocks = write_timeline_dat(out, set, block_run, &lo, &hi, &max_ops);
    const char *xlabel = "virtual time since the run phase began (s)";
    struct chart c;
    chart_begin(&c, out, "throughput_time", "Throughput over time", xlabel, "throughput (ops/s)");
    fprintf(c.gp, "set yrange [0:*]\nset format y %s\n", axis_format(max_ops));
    timeline_items(&c, set, block_run, n_blocks, PLOT_TL_OPS, PLOT_TL_GET_OPS, PLOT_TL_PUT_OPS);
    chart_end(&c, out);

    chart_begin(&c, out, "p99_time", "p99 latency over time", xlabel, "p99 latency (µs)");
    if (hi > 0 && hi / lo > LOG_SPAN)
        fprintf(c.gp, "set logscale y\nset format y '%s'\n", hi >= 1e5 ? "%.0f" : "%g");
    else
        fputs("set yrange [0:*]\n", c.gp);
    timeline_items(&c, set, block_run, n_blocks, PLOT_TL_P99, PLOT_TL_GET_P99, PLOT_TL_PUT_P99);
    chart_end(&c, out);
}

/* ---------------------------------------------------------------------------------------------
 * Grouped bars: clusters along x (groups, or group x metric), one bar per series
 * ------------------------------------------------------------------------------------------- */

struct bars {
    const char *name, *title, *ylabel;
    const char *value_format; /* of the number printed over each bar */
    char cluster[MAX_CLUSTERS][CLUSTER_MAX];
    int n_clusters;
    double v[MAX_CLUSTERS][PLOT_MAX_RUNS]; /* [cluster][series index]; NaN: no bar */
};

static struct bars *
bars_new(const char *name, const char *title, const char *ylabel, const char *value_format)
{
    struct bars *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        fprintf(stderr, "nvkv: plot: out of memory\n");
        exit(1);
    }
    b->name = name;
    b->title = title;
    b->ylabel = ylabel;
    b->value_format = value_format;
    return b;
}

/*
 * Clusters for every group x metric; the cluster label names the group when there are several
 * and the metric when there are several. Each value is `value(run, metric)`.
 */
static void
bars_fill(struct bars *b, const struct plot_set *set, const char *const *metrics, int n_metrics,
          double (*value)(const struct plot_run *r, int metric))
{
    for (int g = 0; g < set->n_groups; g++) {
        for (int m = 0; m < n_metrics; m++) {
            int k = b->n_clusters++;
            if (set->n_groups > 1 && n_metrics > 1)
                snprintf(b->cluster[k], CLUSTER_MAX, "%s %s", set->groups[g], metrics[m]);
            else
                snprintf(b->cluster[k], CLUSTER_MAX, "%s",
                         n_metrics > 1 ? metrics[m] : set->groups[g]);
            for (int s = 0; s < PLOT_MAX_RUNS; s++)
                b->v[k][s] = NAN;
            for (int i = 0; i < set->n_runs; i++) {
                const struct plot_run *r = &set->runs[i];
                if (strcmp(r->group, set->groups[g]) == 0)
                    b->v[k][plot_series_index(set, r->series)] = value(r, m);
            }
        }
    }
}

static bool
bars_series_used(const struct bars *b, int s)
{
    for (int k = 0; k < b->n_clusters; k++)
        if (!isnan(b->v[k][s]))
            return true;
    return false;
}

static bool
bars_cluster_used(const struct bars *b, const struct plot_set *set, int k)
{
    for (int s = 0; s < set->n_series; s++)
        if (!isnan(b->v[k][s]))
            return true;
    return false;
}

/* The .dat (clusters with any bar, series with any bar) and the value range; column count. */
static int
bars_write_dat(const struct plot_out *out, const struct plot_set *set, const struct bars *b,
               int *series_col, double *lo, double *hi)
{
    char file[PLOT_NAME_MAX + 8];
    snprintf(file, sizeof(file), "%s.dat", b->name);
    FILE *dat = open_out(out, file);
    fprintf(dat, "# %s (%s)\n# cluster", b->title, b->ylabel);
    int n_cols = 0;
    for (int s = 0; s < set->n_series; s++) {
        series_col[s] = bars_series_used(b, s) ? n_cols++ : -1;
        if (series_col[s] >= 0)
            fprintf(dat, " \"%s\"", set->series[s]);
    }
    fputc('\n', dat);
    double all[MAX_CLUSTERS * PLOT_MAX_RUNS];
    size_t n_all = 0;
    for (int k = 0; k < b->n_clusters; k++) {
        if (!bars_cluster_used(b, set, k))
            continue;
        dat_string(dat, b->cluster[k]);
        for (int s = 0; s < set->n_series; s++) {
            if (series_col[s] < 0)
                continue;
            dat_number(dat, b->v[k][s]);
            all[n_all++] = b->v[k][s];
        }
        fputc('\n', dat);
    }
    close_out(dat, out, file);
    positive_span(all, n_all, lo, hi);
    return n_cols;
}

static bool
bars_any_positive(const struct bars *b, const struct plot_set *set)
{
    for (int k = 0; k < b->n_clusters; k++)
        for (int s = 0; s < set->n_series; s++)
            if (b->v[k][s] > 0)
                return true;
    return false;
}

/* Written only when some bar has a height: a chart of zeros says nothing. */
static void
bars_chart(struct plot_out *out, const struct plot_set *set, const struct bars *b)
{
    if (!bars_any_positive(b, set))
        return;
    int series_col[PLOT_MAX_RUNS];
    double lo, hi;
    int n_cols = bars_write_dat(out, set, b, series_col, &lo, &hi);
    struct chart c;
    chart_begin(&c, out, b->name, b->title, "", b->ylabel);
    fputs("set style data histograms\nset style histogram clustered gap 1\n"
          "set style fill solid 0.85 border -1\nset boxwidth 0.9\nset xtics scale 0\n"
          "set grid noxtics ytics\n",
          c.gp);
    bool log = hi > 0 && hi / lo > LOG_SPAN;
    if (log)
        fprintf(c.gp, "set logscale y\nset yrange [%.6g:%.6g]\n", lo / 3, hi * 4);
    else
        fprintf(c.gp, "set yrange [0:%.6g]\n", hi > 0 ? hi * 1.15 : 1);
    fprintf(c.gp, "set format y %s\n", axis_format(hi));
    char file[PLOT_NAME_MAX + 8];
    snprintf(file, sizeof(file), "%s.dat", b->name);
    for (int s = 0; s < set->n_series; s++) {
        if (series_col[s] < 0)
            continue;
        chart_item(&c, "'%s' using %d%s lt %d", file, series_col[s] + 2,
                   series_col[s] == 0 ? ":xtic(1)" : "", s + 1);
        chart_item_title(&c, set->series[s]);
    }
    /* the number over each bar: bar j of a cluster sits at (j - (N - 1) / 2) / (N + gap) */
    for (int s = 0; s < set->n_series; s++) {
        if (series_col[s] < 0)
            continue;
        chart_item(&c,
                   "'%s' using ($0 + (%d - (%d - 1) / 2.0) / (%d + 1.0)):%d:(gprintf('%s', "
                   "column(%d))) with labels font 'sans,9' offset 0,0.6 notitle",
                   file, series_col[s], n_cols, n_cols, series_col[s] + 2, b->value_format,
                   series_col[s] + 2);
    }
    chart_end(&c, out);
}

static double
value_iops(const struct plot_run *r, int metric)
{
    (void)metric;
    return plot_run_number(r, "throughput.ops_per_s");
}

static double
value_page_writes(const struct plot_run *r, int metric)
{
    (void)metric;
    return plot_run_sum(r, "flash.page_writes");
}

/* Operations of a run: run.ops (nvkv run), workload.ops (xfer), else the latency counts summed. */
static double
run_ops(const struct plot_run *r)
{
    double ops = plot_run_number(r, "run.ops");
    if (ops <= 0)
        ops = plot_run_number(r, "workload.ops");
    if (ops > 0)
        return ops;
    double sum = 0;
    const struct nvkv_jnode *lat = nvkv_jnode_at(r->json, "latency_ns");
    for (const struct nvkv_jnode *m = lat != NULL ? lat->first : NULL; m != NULL; m = m->next) {
        double n;
        if (nvkv_jnode_number_at(m, "count", &n))
            sum += n;
    }
    return sum;
}

static double
value_pcie_per_op(const struct plot_run *r, int metric)
{
    double bytes = plot_run_number(r, metric == 0 ? "pcie.h2d_bytes" : "pcie.d2h_bytes");
    double ops = run_ops(r);
    return ops > 0 ? bytes / ops : NAN;
}

static double
value_reads_per_get(const struct plot_run *r, int metric)
{
    return plot_run_number(r, metric == 0 ? "flash.reads_per_get.mean" : "flash.reads_per_get.p95");
}

static bool
any_run_has(const struct plot_set *set, const char *path)
{
    for (int i = 0; i < set->n_runs; i++)
        if (nvkv_jnode_at(set->runs[i].json, path) != NULL)
            return true;
    return false;
}

static void
one_bar_chart(struct plot_out *out, const struct plot_set *set, struct bars *b,
              const char *const *metrics, int n_metrics,
              double (*value)(const struct plot_run *r, int metric))
{
    bars_fill(b, set, metrics, n_metrics, value);
    bars_chart(out, set, b);
    free(b);
}

static void
bar_charts(struct plot_out *out, const struct plot_set *set)
{
    static const char *const one[] = {""};
    static const char *const pcie[] = {"host to device", "device to host"};
    static const char *const reads[] = {"mean", "p95"};
    if (any_run_has(set, "throughput.ops_per_s"))
        one_bar_chart(
            out, set,
            bars_new("iops", "Throughput", "operations per second (virtual time)", "%.1s%c"), one,
            1, value_iops);
    if (any_run_has(set, "flash.page_writes"))
        one_bar_chart(out, set,
                      bars_new("flash_page_writes", "Flash page writes (all origins)",
                               "pages written", "%.1s%c"),
                      one, 1, value_page_writes);
    if (any_run_has(set, "pcie.h2d_bytes"))
        one_bar_chart(out, set,
                      bars_new("pcie_bytes_per_op", "PCIe bytes per operation",
                               "bytes per operation", "%.0f"),
                      pcie, 2, value_pcie_per_op);
    if (any_run_has(set, "flash.reads_per_get"))
        one_bar_chart(out, set,
                      bars_new("flash_reads_per_get", "Flash reads per GET",
                               "flash page reads per GET", "%.2f"),
                      reads, 2, value_reads_per_get);
}

/* ---------------------------------------------------------------------------------------------
 * Metadata: one stacked bar per run, one stack segment per category
 * ------------------------------------------------------------------------------------------- */

struct categories {
    char name[MAX_CATEGORIES][PLOT_NAME_MAX];
    int n;
};

/*
 * Categories with a non-zero size at `where` (dram or flash; NULL: either) in some run, in
 * first-seen order.
 */
static void
collect_categories(const struct plot_set *set, const char *where, struct categories *cats)
{
    cats->n = 0;
    for (int i = 0; i < set->n_runs; i++) {
        const struct nvkv_jnode *md = nvkv_jnode_at(set->runs[i].json, "metadata_bytes");
        for (const struct nvkv_jnode *m = md != NULL ? md->first : NULL; m != NULL; m = m->next) {
            double d = 0, f = 0;
            nvkv_jnode_number_at(m, "dram", &d);
            nvkv_jnode_number_at(m, "flash", &f);
            double v = where == NULL ? d + f : strcmp(where, "dram") == 0 ? d : f;
            if (m->type != NVKV_JOBJECT || !(v > 0))
                continue;
            bool known = false;
            for (int k = 0; k < cats->n; k++)
                known |= strncmp(cats->name[k], m->key, PLOT_NAME_MAX - 1) == 0;
            if (!known && cats->n < MAX_CATEGORIES)
                snprintf(cats->name[cats->n++], PLOT_NAME_MAX, "%s", m->key);
        }
    }
}

/* A bar's label as two data columns, drawn on two lines: the series, then the group when the
 * runs come from several groups (long one-line labels would run into each other). */
static void
write_bar_label(FILE *dat, const struct plot_set *set, const struct plot_run *r)
{
    char grouped[3 * PLOT_NAME_MAX];
    snprintf(grouped, sizeof(grouped), "%s (%s)", r->series, r->group);
    bool several = set->n_groups > 1;
    dat_string(dat, several && strcmp(r->label, grouped) == 0 ? r->series : r->label);
    fputc(' ', dat);
    dat_string(dat, several ? r->group : "");
}

/* Returns the largest stack (MiB); budgets[] gets each row's DRAM budget in MiB (or NaN). */
static double
write_metadata_dat(const struct plot_out *out, const struct plot_set *set, const char *where,
                   const struct categories *cats, double *budgets, int *n_rows)
{
    char file[PLOT_NAME_MAX];
    snprintf(file, sizeof(file), "metadata_%s.dat", where);
    FILE *dat = open_out(out, file);
    fprintf(dat, "# metadata in %s by category, MiB; one row per result dir\n# run group", where);
    for (int k = 0; k < cats->n; k++)
        fprintf(dat, " %s", cats->name[k]);
    fputc('\n', dat);
    double max_stack = 0;
    *n_rows = 0;
    for (int i = 0; i < set->n_runs; i++) {
        const struct plot_run *r = &set->runs[i];
        if (nvkv_jnode_at(r->json, "metadata_bytes") == NULL)
            continue;
        write_bar_label(dat, set, r);
        double stack = 0;
        for (int k = 0; k < cats->n; k++) {
            char path[2 * PLOT_NAME_MAX];
            snprintf(path, sizeof(path), "metadata_bytes.%s.%s", cats->name[k], where);
            double v = plot_run_number(r, path);
            dat_number(dat, isnan(v) ? 0 : v / MIB);
            stack += isnan(v) ? 0 : v / MIB;
        }
        fputc('\n', dat);
        max_stack = stack > max_stack ? stack : max_stack;
        budgets[(*n_rows)++] = plot_run_number(r, "dram.budget_bytes") / MIB;
    }
    close_out(dat, out, file);
    return max_stack;
}

/* One line across the chart when every run has the same budget, else one mark per bar. */
static double
budget_lines(struct chart *c, const double *budgets, int n_rows)
{
    bool same = true;
    double top = 0;
    for (int i = 0; i < n_rows; i++) {
        same &= budgets[i] == budgets[0] || (isnan(budgets[i]) && isnan(budgets[0]));
        top = budgets[i] > top ? budgets[i] : top;
    }
    const char *style = "nohead dt 2 lw 2.5 lc rgb '#d62728' front";
    if (same && !isnan(budgets[0]))
        fprintf(c->gp, "set arrow from graph 0, first %.6g to graph 1, first %.6g %s\n", budgets[0],
                budgets[0], style);
    for (int i = 0; !same && i < n_rows; i++)
        if (!isnan(budgets[i]))
            fprintf(c->gp, "set arrow from %.2f, first %.6g to %.2f, first %.6g %s\n", i - 0.45,
                    budgets[i], i + 0.45, budgets[i], style);
    if (top > 0)
        chart_item(c, "NaN with lines dt 2 lw 2.5 lc rgb '#d62728' title 'DRAM budget'");
    return top;
}

/* The line type of a category: its place among all categories, so colours match across charts. */
static int
category_color(const struct categories *all, const char *name)
{
    for (int k = 0; k < all->n; k++)
        if (strcmp(all->name[k], name) == 0)
            return k + 1;
    return all->n + 1;
}

static void
metadata_chart(struct plot_out *out, const struct plot_set *set, const char *where)
{
    struct categories cats, all;
    collect_categories(set, where, &cats);
    collect_categories(set, NULL, &all);
    if (cats.n == 0)
        return;
    bool dram = strcmp(where, "dram") == 0;
    double budgets[PLOT_MAX_RUNS];
    int n_rows;
    double max_stack = write_metadata_dat(out, set, where, &cats, budgets, &n_rows);
    char name[PLOT_NAME_MAX], file[PLOT_NAME_MAX + 8];
    snprintf(name, sizeof(name), "metadata_%s", where);
    snprintf(file, sizeof(file), "%s.dat", name);
    struct chart c;
    chart_begin(&c, out, name,
                dram ? "Metadata in device DRAM by category" : "Metadata in flash by category", "",
                dram ? "device DRAM (MiB)" : "flash (MiB)");
    fputs("set style data histograms\nset style histogram rowstacked\n"
          "set style fill solid 0.85 border -1\nset boxwidth 0.6\nset xtics scale 0\n"
          "set grid noxtics ytics\n",
          c.gp);
    if (set->n_groups > 1)
        fputs("set bmargin 4\n", c.gp); /* room for two-line labels */
    for (int k = 0; k < cats.n; k++) {
        chart_item(&c, "'%s' using %d%s lt %d", file, k + 3,
                   k == 0 ? ":xtic(strcol(1).\"\\n\".strcol(2))" : "",
                   category_color(&all, cats.name[k]));
        chart_item_title(&c, cats.name[k]);
    }
    double top = dram ? budget_lines(&c, budgets, n_rows) : 0;
    top = top > max_stack ? top : max_stack;
    fprintf(c.gp, "set yrange [0:%.6g]\n", top > 0 ? top * 1.15 : 1);
    chart_end(&c, out);
}

void
plot_write_charts(struct plot_out *out, const struct plot_set *set)
{
    latency_charts(out, set);
    timeline_charts(out, set);
    bar_charts(out, set);
    if (any_run_has(set, "metadata_bytes")) {
        metadata_chart(out, set, "dram");
        metadata_chart(out, set, "flash");
    }
}
