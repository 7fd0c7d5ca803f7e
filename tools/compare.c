/* SPDX-License-Identifier: MIT */
/*
 * `nvkv compare`: a matrix of runs (engines x workloads through `nvkv run`, or transfer methods
 * x workloads through `nvkv xfer`), each cell a child process of this binary writing its own
 * result directory, then one aligned table per metric with every column's ratio to the first.
 * Cells run --jobs at a time; each is deterministic, so the table does not depend on the order.
 */
#include "compare.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/base/jsonread.h"
#include "cli.h"
#include "results.h"

#define COMPARE_MAX_COLS 8
#define COMPARE_MAX_ROWS 32
#define COMPARE_MAX_PASS 64

static const char compare_help[] =
    "usage: nvkv compare (--engines E1,E2,... | --methods M1,M2,...) --workloads W1,W2,...\n"
    "                    [--jobs N] [--out DIR] [options passed to every cell]\n"
    "\n"
    "Runs every (column, workload) cell as its own `nvkv run --engine E --workload W` (or\n"
    "`nvkv xfer --method M --workload W`) with the remaining options, N cells at a time (default:\n"
    "the number of processors), and prints one table per metric with each column's ratio to the\n"
    "first. Each cell writes DIR/<workload>-<column>/ (result.json, CSVs, its output in\n"
    "run.log); `nvkv plot DIR` draws them. Default DIR: results/compare.\n"
    "\n"
    "  --engines LIST      engines to compare (nvkv run); the first is the baseline\n"
    "  --methods LIST      transfer methods to compare (nvkv xfer): prp, piggyback, adaptive,\n"
    "                      inline; workloads then are wb, wc, wd, wm or fixed sizes (e.g. 512)\n"
    "  --workloads LIST    presets (nvkv run --workload list)\n"
    "  --jobs N            cells run at once (default: processors)\n"
    "  --out DIR           where the cells write (default results/compare)\n"
    "  --quiet             only the tables\n"
    "\n";

struct metric {
    const char *title;
    const char *path; /* in result.json; "sum:PREFIX" adds an object's numbers */
    double scale;     /* printed value = json value x scale */
    int decimals;
};

static const struct metric engine_metrics[] = {
    {"IOPS", "throughput.ops_per_s", 1, 0},
    {"GET p95 latency (us)", "latency_ns.get.p95", 1e-3, 1},
    {"GET p99 latency (us)", "latency_ns.get.p99", 1e-3, 1},
    {"PUT p99 latency (us)", "latency_ns.put.p99", 1e-3, 1},
    {"flash reads per GET, p95", "flash.reads_per_get.p95", 1, 0},
    {"flash page writes (run)", "sum:flash.page_writes", 1, 0},
    {"write amplification", "write_amplification", 1, 2},
    {"storage utilization", "storage_utilization", 1, 3},
    {"metadata in flash (MB)", "sum:metadata_bytes.*.flash", 1e-6, 2},
    /* the AnyKey paper's Table 1 (metadata, wherever it lives) and Table 3 (compaction and GC
     * page I/O of the measured phase) */
    {"metadata in DRAM + flash (MB)", "metadata_total_bytes", 1e-6, 2},
    {"compaction page reads (run)", "flash.by_origin.compaction.reads", 1, 0},
    {"compaction page writes (run)", "flash.by_origin.compaction.writes", 1, 0},
    {"GC page reads (run)", "flash.by_origin.gc.reads", 1, 0},
    {"GC page writes (run)", "flash.by_origin.gc.writes", 1, 0},
};

static const struct metric method_metrics[] = {
    {"PUTs per second", "throughput.ops_per_s", 1, 0},
    {"host-to-device PCIe bytes per PUT", "pcie.h2d_bytes_per_put", 1, 0},
    {"device-to-host PCIe bytes per PUT", "pcie.d2h_bytes_per_put", 1, 0},
    {"PUT p99 latency (us)", "latency_ns.put.p99", 1e-3, 1},
    {"flash page writes", "sum:flash.page_writes", 1, 0},
};

struct compare {
    bool methods; /* columns are transfer methods (xfer) rather than engines (run) */
    char *cols[COMPARE_MAX_COLS];
    int n_cols;
    char *rows[COMPARE_MAX_ROWS];
    int n_rows;
    char col_buf[512], row_buf[2048]; /* the lists' bytes */
    const char *pass[COMPARE_MAX_PASS];
    int n_pass;
    int jobs;
    const char *out;
    bool quiet;
};

/* Split a comma-separated list into `out`, pointing into `buf` (a copy of the list). */
static int
split_list(const char *option, const char *list, char *buf, size_t buf_len, char **out, int max)
{
    if (snprintf(buf, buf_len, "%s", list) >= (int)buf_len)
        cli_usage_error("%s: list longer than %zu bytes", option, buf_len - 1);
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        if (n == max)
            cli_usage_error("%s: at most %d entries", option, max);
        out[n++] = t;
    }
    if (n == 0)
        cli_usage_error("%s: empty list", option);
    return n;
}

/* argv[i] is `name` or `name=...`. */
static bool
is_option(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* Two columns or two rows of one name would write one directory. */
static void
check_unique(const char *option, char *const *names, int n)
{
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            if (strcmp(names[a], names[b]) == 0)
                cli_usage_error("%s: '%s' is named twice", option, names[a]);
}

static void
parse_args(int argc, char **argv, struct compare *c)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    c->jobs = cpus > 0 ? (int)cpus : 1;
    c->out = "results/compare";
    bool engines = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(compare_help, stdout);
            exit(0);
        } else if ((v = cli_option_value("--engines", argc, argv, &i)) != NULL) {
            c->n_cols = split_list("--engines", v, c->col_buf, sizeof(c->col_buf), c->cols,
                                   COMPARE_MAX_COLS);
            engines = true;
        } else if ((v = cli_option_value("--methods", argc, argv, &i)) != NULL) {
            c->n_cols = split_list("--methods", v, c->col_buf, sizeof(c->col_buf), c->cols,
                                   COMPARE_MAX_COLS);
            c->methods = true;
        } else if ((v = cli_option_value("--workloads", argc, argv, &i)) != NULL) {
            c->n_rows = split_list("--workloads", v, c->row_buf, sizeof(c->row_buf), c->rows,
                                   COMPARE_MAX_ROWS);
        } else if ((v = cli_option_value("--jobs", argc, argv, &i)) != NULL) {
            c->jobs = (int)cli_parse_u64("--jobs", v, 1, 64);
        } else if ((v = cli_option_value("--out", argc, argv, &i)) != NULL) {
            c->out = v;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            c->quiet = true;
        } else if (is_option(argv[i], "--engine") || is_option(argv[i], "--workload") ||
                   is_option(argv[i], "--method") || is_option(argv[i], "--benchmarks") ||
                   is_option(argv[i], "--trace")) {
            cli_usage_error("compare: %s is set per cell; use --engines, --methods, --workloads",
                            argv[i]);
        } else {
            if (c->n_pass == COMPARE_MAX_PASS)
                cli_usage_error("compare: at most %d options for the cells", COMPARE_MAX_PASS);
            c->pass[c->n_pass++] = argv[i];
        }
    }
    if (engines == c->methods)
        cli_usage_error("compare: give exactly one of --engines and --methods");
    if (c->n_rows == 0)
        cli_usage_error("compare: --workloads is required");
    check_unique(c->methods ? "--methods" : "--engines", c->cols, c->n_cols);
    check_unique("--workloads", c->rows, c->n_rows);
}

/* DIR/<workload>-<column>, with '/' and ':' of sized workloads ("anykey:40/20") as '_'. */
static void
cell_dir(const struct compare *c, int row, int col, char *buf, size_t len)
{
    int at = snprintf(buf, len, "%s/", c->out);
    snprintf(buf + at, len - (size_t)at, "%s-%s", c->rows[row], c->cols[col]);
    for (char *p = buf + at; *p != '\0'; p++)
        if (*p == '/' || *p == ':')
            *p = '_';
}

/* Start one cell: this binary with `run` or `xfer`, its output into DIR/run.log. */
static pid_t
start_cell(const struct compare *c, const char *self, int row, int col)
{
    char dir[4096], log[4200], err[512];
    cell_dir(c, row, col, dir, sizeof(dir));
    if (results_mkdirs(dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "nvkv: compare: %s\n", err);
        return -1;
    }
    snprintf(log, sizeof(log), "%s/run.log", dir);
    char stale[4200];
    snprintf(stale, sizeof(stale), "%s/result.json", dir);
    unlink(stale); /* a failed cell must not show an earlier run's figures */
    const char *argv[COMPARE_MAX_PASS + 16];
    int n = 0;
    argv[n++] = self;
    argv[n++] = c->methods ? "xfer" : "run";
    argv[n++] = c->methods ? "--method" : "--engine";
    argv[n++] = c->cols[col];
    /* xfer takes a fixed size as --value-size */
    bool size = c->methods && strspn(c->rows[row], "0123456789") == strlen(c->rows[row]);
    argv[n++] = size ? "--value-size" : "--workload";
    argv[n++] = c->rows[row];
    argv[n++] = "--out";
    argv[n++] = dir;
    argv[n++] = "--quiet";
    for (int k = 0; k < c->n_pass; k++)
        argv[n++] = c->pass[k];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execv(self, (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    return pid;
}

struct cell {
    pid_t pid;
    int status;
};

/* Run every cell, `jobs` at a time. Returns the number that failed. */
static int
run_cells(const struct compare *c, const char *self, struct cell *cells)
{
    int total = c->n_rows * c->n_cols, next = 0, running = 0, failed = 0, done = 0;
    double t0 = cli_wall_seconds();
    while (done < total) {
        while (running < c->jobs && next < total) {
            cells[next].pid = start_cell(c, self, next / c->n_cols, next % c->n_cols);
            if (cells[next].pid < 0) {
                cells[next].status = -1;
                failed++;
                done++;
            } else {
                running++;
            }
            next++;
        }
        if (running == 0)
            continue;
        int status;
        pid_t pid = wait(&status);
        if (pid < 0)
            break;
        for (int k = 0; k < next; k++) {
            if (cells[k].pid != pid)
                continue;
            cells[k].status = status;
            running--;
            done++;
            bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (!ok) {
                char dir[4096];
                cell_dir(c, k / c->n_cols, k % c->n_cols, dir, sizeof(dir));
                fprintf(stderr, "nvkv: compare: %s %s on %s failed (see %s/run.log)\n",
                        c->methods ? "method" : "engine", c->cols[k % c->n_cols],
                        c->rows[k / c->n_cols], dir);
                failed++;
            }
            if (!c->quiet)
                fprintf(stderr, "compare: %d/%d cells done, %.0f s\n", done, total,
                        cli_wall_seconds() - t0);
        }
    }
    return failed;
}

/* A number of result.json: a path, or "sum:" a path whose last-but-one part may be `*`. */
static bool
metric_value(const struct nvkv_jnode *root, const char *path, double *out)
{
    if (strncmp(path, "sum:", 4) != 0)
        return nvkv_jnode_number_at(root, path, out);
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path + 4);
    char *star = strstr(buf, ".*.");
    double sum = 0;
    if (star == NULL) {
        const struct nvkv_jnode *obj = nvkv_jnode_at(root, buf);
        if (obj == NULL || obj->type != NVKV_JOBJECT)
            return false;
        for (const struct nvkv_jnode *m = obj->first; m != NULL; m = m->next)
            sum += m->type == NVKV_JNUMBER ? m->number : 0;
    } else {
        *star = '\0';
        const char *leaf = star + 3;
        const struct nvkv_jnode *obj = nvkv_jnode_at(root, buf);
        if (obj == NULL || obj->type != NVKV_JOBJECT)
            return false;
        for (const struct nvkv_jnode *m = obj->first; m != NULL; m = m->next) {
            double v;
            if (nvkv_jnode_number_at(m, leaf, &v))
                sum += v;
        }
    }
    *out = sum;
    return true;
}

/* Width of the workload column: the longest row name, at least "workload". */
static int
row_width(const struct compare *c)
{
    int w = 8;
    for (int row = 0; row < c->n_rows; row++)
        if ((int)strlen(c->rows[row]) > w)
            w = (int)strlen(c->rows[row]);
    return w;
}

/* "1.43x", or three significant digits when the ratio is small ("0.00166x"). */
static void
format_ratio(char *buf, size_t len, double ratio)
{
    snprintf(buf, len, ratio >= 0.01 || ratio == 0 ? "%.2fx" : "%.3gx", ratio);
}

static void
print_table(const struct compare *c, const struct metric *m, struct nvkv_jdoc **docs)
{
    int rw = row_width(c);
    printf("\n%s\n%-*s", m->title, rw, "workload");
    for (int col = 0; col < c->n_cols; col++)
        printf(" %*s", col == 0 ? 12 : 21, c->cols[col]);
    printf("\n");
    for (int row = 0; row < c->n_rows; row++) {
        printf("%-*s", rw, c->rows[row]);
        double base = 0;
        for (int col = 0; col < c->n_cols; col++) {
            struct nvkv_jdoc *d = docs[row * c->n_cols + col];
            double v;
            char num[32] = "-", ratio[24], cell[64];
            bool have = d != NULL && metric_value(nvkv_jdoc_root(d), m->path, &v);
            if (have)
                snprintf(num, sizeof(num), "%.*f", m->decimals, v * m->scale);
            if (col == 0) {
                base = have ? v : 0;
                printf(" %12s", num);
                continue;
            }
            if (have && base != 0) {
                format_ratio(ratio, sizeof(ratio), v / base);
                snprintf(cell, sizeof(cell), "%s (%s)", num, ratio);
            } else {
                snprintf(cell, sizeof(cell), "%s", num);
            }
            printf(" %21s", cell);
        }
        printf("\n");
    }
}

int
compare_main(int argc, char **argv)
{
    struct compare c = {0};
    parse_args(argc, argv, &c);
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        fprintf(stderr, "nvkv: compare: cannot find this program (/proc/self/exe)\n");
        return 1;
    }
    self[n] = '\0';
    int total = c.n_rows * c.n_cols;
    struct cell *cells = calloc((size_t)total, sizeof(*cells));
    struct nvkv_jdoc **docs = calloc((size_t)total, sizeof(*docs));
    if (cells == NULL || docs == NULL) {
        fprintf(stderr, "nvkv: compare: out of memory\n");
        return 1;
    }
    if (!c.quiet)
        fprintf(stderr, "compare: %d cells (%d %s x %d workloads), %d at a time, into %s/\n", total,
                c.n_cols, c.methods ? "methods" : "engines", c.n_rows, c.jobs, c.out);
    int failed = run_cells(&c, self, cells);
    for (int k = 0; k < total; k++) {
        char dir[4096], path[4200], err[512];
        cell_dir(&c, k / c.n_cols, k % c.n_cols, dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/result.json", dir);
        bool ok = WIFEXITED(cells[k].status) && WEXITSTATUS(cells[k].status) == 0;
        if (ok && nvkv_jdoc_load(path, &docs[k], err, sizeof(err)) != 0)
            fprintf(stderr, "nvkv: compare: %s\n", err);
    }
    const struct metric *metrics = c.methods ? method_metrics : engine_metrics;
    size_t n_metrics = c.methods ? sizeof(method_metrics) / sizeof(method_metrics[0])
                                 : sizeof(engine_metrics) / sizeof(engine_metrics[0]);
    printf("nvkv compare: %s against %s (ratio = column / %s)\n",
           c.methods ? "transfer methods" : "engines", c.cols[0], c.cols[0]);
    for (size_t k = 0; k < n_metrics; k++)
        print_table(&c, &metrics[k], docs);
    printf("\nresults: %s/<workload>-<%s>/ (plot them: nvkv plot %s)\n", c.out,
           c.methods ? "method" : "engine", c.out);
    for (int k = 0; k < total; k++)
        nvkv_jdoc_free(docs[k]);
    free(docs);
    free(cells);
    return failed ? 1 : 0;
}
