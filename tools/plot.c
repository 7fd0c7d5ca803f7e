/* SPDX-License-Identifier: MIT */
#include "plot.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "plot_charts.h"
#include "plot_data.h"
#include "results.h"

#define MAX_DIR_ARGS PLOT_MAX_RUNS

static const char plot_help[] =
    "usage: nvkv plot [--out DIR] [--format png|svg|both] [--title T] DIR...\n"
    "\n"
    "Charts of result dirs (written by nvkv run, xfer, nand-bench --out). Each DIR is a result\n"
    "dir (it holds result.json) or a parent whose immediate subdirectories are result dirs.\n"
    "Bars and curves are labelled by workload.method or workload.engine (else the dir name) and\n"
    "grouped by workload.name. Charts, each written only when some dir has its data:\n"
    "  latency_<op>_cdf, latency_<op>_tail  latency CDF per operation; the tail chart spaces\n"
    "                                       p90, p99, p99.9 evenly (log scale of 1 - p)\n"
    "  throughput_time, p99_time            from timeline.csv\n"
    "  iops, flash_page_writes, pcie_bytes_per_op, flash_reads_per_get   grouped bars\n"
    "  metadata_dram, metadata_flash        metadata bytes by category, DRAM budget line\n"
    "For each: NAME.gp (gnuplot script), its .dat data and NAME.png / NAME.svg. Needs gnuplot\n"
    "(Debian package gnuplot-nox, installed by scripts/install-deps).\n"
    "\n"
    "  --out DIR       output dir (default: the DIR when it is one result dir, else\n"
    "                  FIRST-DIR/plots)\n"
    "  --format F      png, svg or both (default png)\n"
    "  --title T       prefix of every chart title\n";

struct plot_opts {
    const char *out_dir;
    bool png, svg;
    const char *title;
    char *dirs[MAX_DIR_ARGS];
    int n_dirs;
};

static void
parse_format(struct plot_opts *o, const char *v)
{
    o->png = strcmp(v, "png") == 0 || strcmp(v, "both") == 0;
    o->svg = strcmp(v, "svg") == 0 || strcmp(v, "both") == 0;
    if (!o->png && !o->svg)
        cli_usage_error("plot: --format = '%s': invalid; allowed: png, svg, both", v);
}

static void
parse_args(int argc, char **argv, struct plot_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->png = true;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(plot_help, stdout);
            exit(0);
        } else if ((v = cli_option_value("--out", argc, argv, &i)) != NULL) {
            o->out_dir = v;
        } else if ((v = cli_option_value("--format", argc, argv, &i)) != NULL) {
            parse_format(o, v);
        } else if ((v = cli_option_value("--title", argc, argv, &i)) != NULL) {
            o->title = v;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_usage_error("plot: unknown option '%s'; see nvkv plot --help", argv[i]);
        } else if (o->n_dirs == MAX_DIR_ARGS) {
            cli_usage_error("plot: more than %d dirs", MAX_DIR_ARGS);
        } else {
            o->dirs[o->n_dirs++] = argv[i];
        }
    }
    if (o->n_dirs == 0)
        cli_usage_error("plot: no result dir given; usage: nvkv plot [options] DIR...");
}

static void
choose_out_dir(const struct plot_opts *o, const struct plot_set *set, struct plot_out *out)
{
    int n;
    if (o->out_dir != NULL)
        n = snprintf(out->dir, sizeof(out->dir), "%s", o->out_dir);
    else if (o->n_dirs == 1 && set->n_runs == 1)
        n = snprintf(out->dir, sizeof(out->dir), "%s", set->runs[0].dir);
    else
        n = snprintf(out->dir, sizeof(out->dir), "%s/plots", o->dirs[0]);
    if (n < 0 || n >= (int)sizeof(out->dir))
        cli_usage_error("plot: output path too long");
    char err[512];
    if (results_mkdirs(out->dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "nvkv: plot: %s\n", err);
        exit(1);
    }
}

/* The executable `prog` on PATH, as execvp would find it. */
static bool
find_on_path(const char *prog, char *found, size_t size)
{
    const char *path = getenv("PATH");
    if (path == NULL || path[0] == '\0')
        path = "/usr/bin:/bin";
    while (*path != '\0') {
        size_t len = strcspn(path, ":");
        int n = snprintf(found, size, "%.*s/%s", (int)len, len > 0 ? path : ".", prog);
        if (n > 0 && (size_t)n < size && access(found, X_OK) == 0)
            return true;
        path += len + (path[len] == ':');
    }
    return false;
}

/* `gnuplot NAME.gp` inside the output dir; returns its exit status (or -1). */
static int
run_gnuplot(const char *gnuplot, const char *dir, const char *chart)
{
    char script[PLOT_NAME_MAX + 4];
    snprintf(script, sizeof(script), "%s.gp", chart);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (chdir(dir) == 0)
            execl(gnuplot, "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool
non_empty_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static int
draw_images(const struct plot_out *out)
{
    char gnuplot[PLOT_PATH_MAX];
    if (!find_on_path("gnuplot", gnuplot, sizeof(gnuplot))) {
        fprintf(stderr, "nvkv: plot: gnuplot not found on PATH; the scripts and data are written, "
                        "install the Debian package gnuplot-nox (scripts/install-deps does)\n");
        return 1;
    }
    for (int i = 0; i < out->n_charts; i++) {
        int rc = run_gnuplot(gnuplot, out->dir, out->charts[i]);
        if (rc != 0) {
            fprintf(stderr, "nvkv: plot: gnuplot failed on %s/%s.gp (status %d)\n", out->dir,
                    out->charts[i], rc);
            return 1;
        }
        for (int f = 0; f < 2; f++) {
            if (!(f == 0 ? out->png : out->svg))
                continue;
            char image[PLOT_PATH_MAX + PLOT_NAME_MAX + 8];
            snprintf(image, sizeof(image), "%s/%s.%s", out->dir, out->charts[i],
                     f == 0 ? "png" : "svg");
            if (!non_empty_file(image)) {
                fprintf(stderr, "nvkv: plot: gnuplot wrote no %s\n", image);
                return 1;
            }
            printf("%s\n", image);
        }
    }
    return 0;
}

int
plot_main(int argc, char **argv)
{
    struct plot_opts o;
    parse_args(argc, argv, &o);
    struct plot_set set;
    plot_load(&set, o.dirs, o.n_dirs);
    struct plot_out *out = calloc(1, sizeof(*out));
    if (out == NULL) {
        fprintf(stderr, "nvkv: plot: out of memory\n");
        return 1;
    }
    out->png = o.png;
    out->svg = o.svg;
    out->title = o.title;
    choose_out_dir(&o, &set, out);
    plot_write_charts(out, &set);
    int rc = out->n_charts > 0 ? draw_images(out) : 0;
    if (out->n_charts == 0)
        fprintf(stderr, "nvkv: plot: no chart has data in the given dirs\n");
    free(out);
    plot_set_free(&set);
    return rc;
}
