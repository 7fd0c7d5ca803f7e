/* SPDX-License-Identifier: MIT */
#include "plot_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include "cli.h"

#define MAX_CSV_ROWS 10000000

const char *const plot_tl_names[PLOT_TL_COLS] = {
    "time_s", "ops_per_s", "p99_us", "get_ops_per_s", "get_p99_us", "put_ops_per_s", "put_p99_us",
};

static _Noreturn void
out_of_memory(void)
{
    fprintf(stderr, "nvkv: plot: out of memory\n");
    exit(1);
}

static bool
is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool
is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
has_result_json(const char *dir)
{
    char path[PLOT_PATH_MAX + 16];
    int n = snprintf(path, sizeof(path), "%s/result.json", dir);
    return n > 0 && (size_t)n < sizeof(path) && is_file(path);
}

/*
 * Copy a label that ends up in gnuplot scripts and data files: control characters and double
 * quotes become '_', and a cut at the size limit never splits a UTF-8 sequence.
 */
static void
copy_label(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    for (; src[n] != '\0' && n + 1 < size; n++) {
        unsigned char c = (unsigned char)src[n];
        dst[n] = c < 0x20 || c == 0x7f || c == '"' ? '_' : (char)c;
    }
    /* cut inside a sequence (the next byte continues it): drop back to before its lead byte */
    while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
        n--;
    dst[n] = '\0';
}

static const char *
base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

/* ---------------------------------------------------------------------------------------------
 * CSV files
 * ------------------------------------------------------------------------------------------- */

static void
append(double **col, size_t n, double v)
{
    /* grow at powers of two */
    if ((n & (n - 1)) == 0) {
        double *p = realloc(*col, (n ? n * 2 : 1) * sizeof(**col));
        if (p == NULL)
            out_of_memory();
        *col = p;
    }
    (*col)[n] = v;
}

/* A number field [s, end): empty gives NAN; anything but one number exits 2. */
static double
parse_field(const char *s, const char *end, const char *path, size_t line)
{
    if (s == end)
        return NAN;
    char *stop;
    errno = 0;
    double v = strtod(s, &stop);
    if (stop != end || errno != 0 || !isfinite(v))
        cli_usage_error("plot: %s:%zu: '%.*s' is not a number", path, line, (int)(end - s), s);
    return v;
}

static void
strip_newline(char *line)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
}

static void
read_latency_csv(const char *path, struct plot_latency *lat)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        cli_usage_error("plot: %s: cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, line_no = 0;
    while (getline(&line, &cap, f) >= 0) {
        line_no++;
        strip_newline(line);
        if (line_no == 1) {
            if (strcmp(line, "latency_ns,cumulative_fraction") != 0)
                cli_usage_error("plot: %s:1: header is not 'latency_ns,cumulative_fraction'", path);
            continue;
        }
        char *comma = strchr(line, ',');
        if (comma == NULL || lat->n >= MAX_CSV_ROWS)
            cli_usage_error("plot: %s:%zu: want 'latency_ns,cumulative_fraction'", path, line_no);
        double ns = parse_field(line, comma, path, line_no);
        double fr = parse_field(comma + 1, comma + strlen(comma), path, line_no);
        if (isnan(ns) || isnan(fr) || fr < 0 || fr > 1)
            cli_usage_error("plot: %s:%zu: want a latency and a fraction in [0, 1]", path, line_no);
        append(&lat->ns, lat->n, ns);
        append(&lat->fraction, lat->n, fr);
        lat->n++;
    }
    free(line);
    fclose(f);
}

/* Map each header field to a known column; -1 for columns nvkv plot does not use. */
static int
timeline_header(char *line, int *col_of_field, int max_fields, const char *path)
{
    int n = 0;
    bool have_time = false;
    for (char *tok = line, *end; tok != NULL && n < max_fields; tok = end, n++) {
        end = strchr(tok, ',');
        if (end != NULL)
            *end++ = '\0';
        col_of_field[n] = -1;
        for (int c = 0; c < PLOT_TL_COLS; c++)
            if (strcmp(tok, plot_tl_names[c]) == 0)
                col_of_field[n] = c;
        have_time |= col_of_field[n] == PLOT_TL_TIME;
    }
    if (!have_time)
        cli_usage_error("plot: %s:1: header lacks 'time_s'", path);
    return n;
}

static void
timeline_row(struct plot_timeline *tl, char *line, const int *col_of_field, int n_fields,
             const char *path, size_t line_no)
{
    double v[PLOT_TL_COLS];
    for (int c = 0; c < PLOT_TL_COLS; c++)
        v[c] = NAN;
    const char *tok = line;
    for (int i = 0; i < n_fields && tok != NULL; i++) {
        const char *comma = strchr(tok, ',');
        const char *end = comma != NULL ? comma : tok + strlen(tok);
        if (col_of_field[i] >= 0)
            v[col_of_field[i]] = parse_field(tok, end, path, line_no);
        tok = comma != NULL ? comma + 1 : NULL;
    }
    if (isnan(v[PLOT_TL_TIME]) || tl->n >= MAX_CSV_ROWS)
        cli_usage_error("plot: %s:%zu: row without time_s", path, line_no);
    for (int c = 0; c < PLOT_TL_COLS; c++)
        append(&tl->col[c], tl->n, v[c]);
    tl->n++;
}

static void
read_timeline_csv(const char *path, struct plot_timeline *tl)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        cli_usage_error("plot: %s: cannot open: %s", path, strerror(errno));

    enum {
        MAX_FIELDS = 64
    };

    int col_of_field[MAX_FIELDS], n_fields = 0;
    char *line = NULL;
    size_t cap = 0, line_no = 0;
    while (getline(&line, &cap, f) >= 0) {
        line_no++;
        strip_newline(line);
        if (line_no == 1)
            n_fields = timeline_header(line, col_of_field, MAX_FIELDS, path);
        else if (line[0] != '\0')
            timeline_row(tl, line, col_of_field, n_fields, path, line_no);
    }
    free(line);
    fclose(f);
}

/* ---------------------------------------------------------------------------------------------
 * Result dirs
 * ------------------------------------------------------------------------------------------- */

/* An op name from "latency_<op>.csv": lower-case letters, digits and '_' only. */
static bool
latency_op_name(const char *file, char *op, size_t size)
{
    size_t n = strlen(file);
    if (n <= 12 || strncmp(file, "latency_", 8) != 0 || strcmp(file + n - 4, ".csv") != 0)
        return false;
    size_t len = n - 12;
    if (len >= size || len > PLOT_OP_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = file[8 + i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    memcpy(op, file + 8, len);
    op[len] = '\0';
    return true;
}

static void
load_latencies(struct plot_run *r)
{
    struct dirent **names;
    int n = scandir(r->dir, &names, NULL, alphasort);
    if (n < 0)
        cli_usage_error("plot: %s: cannot list: %s", r->dir, strerror(errno));
    for (int i = 0; i < n; i++) {
        struct plot_latency *lat = &r->latency[r->n_latency];
        if (r->n_latency < PLOT_MAX_OPS &&
            latency_op_name(names[i]->d_name, lat->op, sizeof(lat->op))) {
            char path[PLOT_PATH_MAX + 300];
            snprintf(path, sizeof(path), "%s/%s", r->dir, names[i]->d_name);
            read_latency_csv(path, lat);
            r->n_latency += lat->n > 0;
        }
        free(names[i]);
    }
    free(names);
}

static void
load_run(struct plot_run *r, const char *dir)
{
    if (snprintf(r->dir, sizeof(r->dir), "%s", dir) >= (int)sizeof(r->dir))
        cli_usage_error("plot: %s: path too long", dir);
    char path[PLOT_PATH_MAX + 32], err[512];
    snprintf(path, sizeof(path), "%s/result.json", dir);
    int rc = nvkv_jdoc_load(path, &r->doc, err, sizeof(err));
    if (rc == -ENOMEM)
        out_of_memory();
    if (rc != 0)
        cli_usage_error("plot: %s", err);
    r->json = nvkv_jdoc_root(r->doc);
    const char *series = nvkv_jnode_string_at(r->json, "workload.method");
    if (series == NULL)
        series = nvkv_jnode_string_at(r->json, "workload.engine");
    copy_label(r->series, sizeof(r->series), series != NULL ? series : base_name(dir));
    const char *group = nvkv_jnode_string_at(r->json, "workload.name");
    copy_label(r->group, sizeof(r->group), group != NULL ? group : "(no workload name)");
    load_latencies(r);
    snprintf(path, sizeof(path), "%s/timeline.csv", dir);
    if (is_file(path))
        read_timeline_csv(path, &r->timeline);
}

static void
add_run(struct plot_set *set, const char *dir)
{
    if (set->n_runs == PLOT_MAX_RUNS)
        cli_usage_error("plot: more than %d result dirs", PLOT_MAX_RUNS);
    load_run(&set->runs[set->n_runs++], dir);
}

/* A DIR argument: a result dir, or a parent of result dirs (in name order). */
static void
add_dir_argument(struct plot_set *set, const char *arg)
{
    char dir[PLOT_PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", arg);
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/';)
        dir[--n] = '\0';
    if (!is_dir(dir))
        cli_usage_error("plot: %s: not a directory", arg);
    if (has_result_json(dir)) {
        add_run(set, dir);
        return;
    }
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        cli_usage_error("plot: %s: cannot list: %s", arg, strerror(errno));
    int found = 0;
    for (int i = 0; i < n; i++) {
        char sub[PLOT_PATH_MAX + 300];
        snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && is_dir(sub) && has_result_json(sub)) {
            add_run(set, sub);
            found++;
        }
        free(names[i]);
    }
    free(names);
    if (found == 0)
        cli_usage_error("plot: %s: no result.json in it or in its immediate subdirectories", arg);
}

/* ---------------------------------------------------------------------------------------------
 * Labels
 * ------------------------------------------------------------------------------------------- */

static int
count_label(const struct plot_set *set, const char *label)
{
    int n = 0;
    for (int i = 0; i < set->n_runs; i++)
        n += strcmp(set->runs[i].label, label) == 0;
    return n;
}

/* Series alone where unique, then "series (group)", then the dir path. */
static void
make_unique_labels(struct plot_set *set)
{
    for (int i = 0; i < set->n_runs; i++)
        snprintf(set->runs[i].label, sizeof(set->runs[i].label), "%s", set->runs[i].series);
    for (int i = 0; i < set->n_runs; i++) {
        struct plot_run *r = &set->runs[i];
        int same_series = 0;
        for (int k = 0; k < set->n_runs; k++)
            same_series += strcmp(set->runs[k].series, r->series) == 0;
        if (same_series > 1)
            snprintf(r->label, sizeof(r->label), "%s (%s)", r->series, r->group);
    }
    for (int i = 0; i < set->n_runs; i++) {
        struct plot_run *r = &set->runs[i];
        if (count_label(set, r->label) > 1)
            copy_label(r->label, sizeof(r->label), r->dir);
    }
}

static void
collect_distinct(struct plot_set *set)
{
    for (int i = 0; i < set->n_runs; i++) {
        const struct plot_run *r = &set->runs[i];
        if (plot_group_index(set, r->group) < 0)
            memcpy(set->groups[set->n_groups++], r->group, PLOT_NAME_MAX);
        if (plot_series_index(set, r->series) < 0)
            memcpy(set->series[set->n_series++], r->series, PLOT_NAME_MAX);
    }
}

void
plot_load(struct plot_set *set, char **dirs, int n_dirs)
{
    memset(set, 0, sizeof(*set));
    set->runs = calloc(PLOT_MAX_RUNS, sizeof(*set->runs));
    if (set->runs == NULL)
        out_of_memory();
    for (int i = 0; i < n_dirs; i++)
        add_dir_argument(set, dirs[i]);
    make_unique_labels(set);
    collect_distinct(set);
}

void
plot_set_free(struct plot_set *set)
{
    for (int i = 0; i < set->n_runs; i++) {
        struct plot_run *r = &set->runs[i];
        nvkv_jdoc_free(r->doc);
        for (int k = 0; k < PLOT_MAX_OPS; k++) {
            free(r->latency[k].ns);
            free(r->latency[k].fraction);
        }
        for (int c = 0; c < PLOT_TL_COLS; c++)
            free(r->timeline.col[c]);
    }
    free(set->runs);
    memset(set, 0, sizeof(*set));
}

/* ---------------------------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------------------------- */

const struct plot_latency *
plot_run_latency(const struct plot_run *r, const char *op)
{
    for (int i = 0; i < r->n_latency; i++)
        if (strcmp(r->latency[i].op, op) == 0)
            return &r->latency[i];
    return NULL;
}

double
plot_run_number(const struct plot_run *r, const char *path)
{
    double v;
    return nvkv_jnode_number_at(r->json, path, &v) ? v : NAN;
}

double
plot_run_sum(const struct plot_run *r, const char *path)
{
    const struct nvkv_jnode *obj = nvkv_jnode_at(r->json, path);
    if (obj == NULL || obj->type != NVKV_JOBJECT)
        return NAN;
    double sum = 0;
    for (const struct nvkv_jnode *m = obj->first; m != NULL; m = m->next)
        if (m->type == NVKV_JNUMBER)
            sum += m->number;
    return sum;
}

int
plot_group_index(const struct plot_set *set, const char *group)
{
    for (int i = 0; i < set->n_groups; i++)
        if (strcmp(set->groups[i], group) == 0)
            return i;
    return -1;
}

int
plot_series_index(const struct plot_set *set, const char *series)
{
    for (int i = 0; i < set->n_series; i++)
        if (strcmp(set->series[i], series) == 0)
            return i;
    return -1;
}
