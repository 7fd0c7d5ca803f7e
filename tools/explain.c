/* SPDX-License-Identifier: MIT */
/*
 * `nvkv explain DIR [DIR2]`: reads result.json and says, in a few lines, where a run's virtual
 * time went (die time by origin, request waits by cause, backlog, what bounds it), or, given two
 * dirs, which differences explain one run's IOPS against the other's, largest first.
 *
 * Every field is optional: result.json files written before a field existed lack it, so a
 * missing field is "not recorded" and its line or row is left out, never an error. Member names
 * (origins, causes, utilization classes) are read from the file rather than listed here, so new
 * origins or causes show up without a change to this file.
 */
#include "explain.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "../src/base/jsonread.h"
#include "cli.h"

#define NAME_LEN  48
#define MAX_ITEMS 32  /* members read from one object; result.json has at most 9 */
#define MAX_ROWS  256 /* rows of the two-dir table before filtering */
#define LABEL_LEN 96

/* The run is bound by writes waiting when they hold this share of the queue depth on average. */
#define WRITE_SLOTS_SHARE 0.25
/* Above this die utilization the flash work itself is what the run waits for. */
#define DIE_BUSY 0.8
/* A two-dir row is shown when it differs by more than this share of the larger value (and by
 * more than its unit's noise, struct kind's min_abs). */
#define MIN_REL_DIFF 0.05

static const char explain_help[] =
    "usage: nvkv explain DIR [DIR2]\n"
    "\n"
    "Reads DIR/result.json (written by nvkv run --out DIR) and prints where the run's virtual\n"
    "time went: die time per operation by origin (user reads and writes, flush, compaction,\n"
    "GC, ...), utilization of dies, channels and controller cores, what each GET and PUT\n"
    "waited for on average (dies held by foreground or background work, channels, cores, a\n"
    "full write buffer, backpressure, admission), the backlog left at the phase's end, and\n"
    "the bound derived from them: writes waiting (when they hold a quarter of the queue\n"
    "depth), die time (dies over 80% busy), else GET latency and its largest wait.\n"
    "\n"
    "Given DIR2 too: DIR2's IOPS as a ratio of DIR's (B/A), the mean latencies, then the\n"
    "figures that differ, one unit at a time, largest difference first: die time per op and\n"
    "waits per request in us, utilization, write wait slots, flash reads per GET, page reads\n"
    "and writes per op. A row is shown when it differs by more than 5% of the larger value\n"
    "and more than its unit's noise (1 us, 1 point of utilization, 0.01 slots or reads per\n"
    "GET, 0.001 pages per op). Last, each run's bound.\n"
    "Fields a result.json does not hold are skipped.\n"
    "\n";

/* Operation classes of latency_ns and waits.by_op, with the name printed for each. */
static const struct {
    const char *key, *label;
} op_classes[] = {
    {"get", "GET"}, {"put", "PUT"}, {"del", "DEL"}, {"scan", "SCAN"}, {"rmw", "RMW"},
};

#define N_OP_CLASSES (sizeof(op_classes) / sizeof(op_classes[0]))

/* The wait causes of the write path: a write holds its queue slot while waiting for these. */
static const char *const write_causes[] = {"buffer_full", "backpressure", "admission"};

struct result {
    const char *dir;
    char engine[NAME_LEN];
    char workload[NAME_LEN]; /* "" when not recorded */
    struct nvkv_jdoc *doc;
    const struct nvkv_jnode *root;
};

/* One member of an object: a name and its (scaled) number. */
struct item {
    char name[NAME_LEN];
    double v;
};

/* ---------------------------------------------------------------------------------------------
 * Reading result.json
 * ------------------------------------------------------------------------------------------- */

/* Copy a name from the file for printing: control characters become '_'. */
static void
copy_name(char *dst, size_t size, const char *src, size_t len)
{
    size_t n = 0;
    for (; n < len && n + 1 < size; n++) {
        unsigned char c = (unsigned char)src[n];
        dst[n] = c < 0x20 || c == 0x7f ? '_' : (char)c;
    }
    dst[n] = '\0';
}

/* The number at a dotted path, or NAN when not recorded. */
static double
number(const struct nvkv_jnode *root, const char *path)
{
    double v;
    return nvkv_jnode_number_at(root, path, &v) ? v : NAN;
}

static double numberf(const struct nvkv_jnode *root, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static double
numberf(const struct nvkv_jnode *root, const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return n > 0 && (size_t)n < sizeof(path) ? number(root, path) : NAN;
}

static int
by_value_desc(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return strcmp(x->name, y->name); /* qsort is not stable: keep the output deterministic */
}

/*
 * The numbers directly inside the object at `path`, each times `scale`, largest first, a "_ns"
 * suffix dropped from their names. -1 when there is no such object or no finite scale (the
 * divisor it came from was not recorded).
 */
static int
collect(const struct nvkv_jnode *root, const char *path, double scale, struct item *items)
{
    const struct nvkv_jnode *obj = nvkv_jnode_at(root, path);
    if (obj == NULL || obj->type != NVKV_JOBJECT || !isfinite(scale))
        return -1;
    int n = 0;
    for (const struct nvkv_jnode *m = obj->first; m != NULL && n < MAX_ITEMS; m = m->next) {
        if (m->type != NVKV_JNUMBER)
            continue;
        size_t len = strlen(m->key);
        if (len > 3 && strcmp(m->key + len - 3, "_ns") == 0)
            len -= 3;
        copy_name(items[n].name, sizeof(items[n].name), m->key, len);
        items[n].v = m->number * scale;
        n++;
    }
    qsort(items, (size_t)n, sizeof(*items), by_value_desc);
    return n;
}

/* Timed requests of an op class: the latency histogram's count, else run's counter. */
static double
op_count(const struct nvkv_jnode *root, const char *op)
{
    double n = numberf(root, "latency_ns.%s.count", op);
    if (isnan(n))
        n = numberf(root, "run.%ss", op);
    return n;
}

/* GET figures (share behind background, reads per GET) mean nothing in a run without GETs. */
static bool
has_gets(const struct nvkv_jnode *root)
{
    return op_count(root, "get") > 0;
}

/* The queue depth of a closed loop; NAN in open loop (workload.rate > 0), which has none. */
static double
closed_loop_qd(const struct nvkv_jnode *root)
{
    double rate = number(root, "workload.rate");
    return rate > 0 ? NAN : number(root, "workload.qd");
}

/* us per request of each wait cause of an op class; -1 when not recorded or no request. */
static int
op_waits_us(const struct nvkv_jnode *root, const char *op, struct item *items)
{
    char path[64];
    double count = op_count(root, op);
    if (!(count > 0))
        return -1;
    snprintf(path, sizeof(path), "waits.by_op.%s", op);
    return collect(root, path, 1e-3 / count, items);
}

/* die time per op in us, by origin */
static int
die_us_per_op(const struct nvkv_jnode *root, struct item *items)
{
    double ops = number(root, "run.ops");
    return collect(root, "time_by_origin.die", ops > 0 ? 1e-3 / ops : NAN, items);
}

static const char *
base_name(const char *path, size_t *len)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') /* "dir/" names dir */
        n--;
    size_t start = n;
    while (start > 0 && path[start - 1] != '/')
        start--;
    *len = n - start;
    return path + start;
}

/* The run's name: workload.engine, else engine.name, else the dir's name. */
static void
name_result(struct result *r)
{
    const char *engine = nvkv_jnode_string_at(r->root, "workload.engine");
    if (engine == NULL)
        engine = nvkv_jnode_string_at(r->root, "engine.name");
    size_t len;
    if (engine != NULL)
        len = strlen(engine);
    else
        engine = base_name(r->dir, &len);
    copy_name(r->engine, sizeof(r->engine), engine, len);
    const char *wl = nvkv_jnode_string_at(r->root, "workload.name");
    if (wl != NULL)
        copy_name(r->workload, sizeof(r->workload), wl, strlen(wl));
}

/* Read DIR/result.json; false with `err` naming the file when it cannot be read or parsed. */
static bool
load_result(struct result *r, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    memset(r, 0, sizeof(*r));
    r->dir = dir;
    size_t len = strlen(dir);
    while (len > 0 && dir[len - 1] == '/') /* "DIR/" would give "DIR//result.json" */
        len--;
    int n = len <= 4000 ? snprintf(path, sizeof(path), "%.*s/result.json", (int)len, dir) : -1;
    if (n < 0 || (size_t)n >= sizeof(path)) {
        snprintf(err, errlen, "%.64s...: path too long", dir);
        return false;
    }
    if (nvkv_jdoc_load(path, &r->doc, err, errlen) != 0)
        return false;
    r->root = nvkv_jdoc_root(r->doc);
    if (r->root->type != NVKV_JOBJECT) {
        snprintf(err, errlen, "%s: not a JSON object", path);
        return false;
    }
    name_result(r);
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * One run
 * ------------------------------------------------------------------------------------------- */

/* "pink on crypto1 (DIR)" */
static void
print_name(const struct result *r)
{
    printf("%s", r->engine);
    if (r->workload[0] != '\0')
        printf(" on %s", r->workload);
    printf(" (%s)", r->dir);
}

/* "198791 IOPS, 200000 ops in 1.006 s virtual, ended at the last completion", as recorded. */
static void
print_header(const struct result *r)
{
    double iops = number(r->root, "throughput.ops_per_s");
    double ops = number(r->root, "run.ops");
    double ns = number(r->root, "sim.virtual_ns");
    const char *end = nvkv_jnode_string_at(r->root, "phase_end");
    const char *sep = ": ";
    print_name(r);
    if (isfinite(iops)) {
        printf("%s%.0f IOPS", sep, iops);
        sep = ", ";
    }
    if (isfinite(ops) || isfinite(ns)) {
        printf("%s", sep);
        if (isfinite(ops))
            printf("%.0f ops%s", ops, isfinite(ns) ? " in " : "");
        if (isfinite(ns))
            printf("%.3f s virtual", ns * 1e-9);
        sep = ", ";
    }
    if (end != NULL && strcmp(end, "last_completion") == 0)
        printf("%sended at the last completion", sep);
    else if (end != NULL && strcmp(end, "drain") == 0)
        printf("%sended when the backlog drained", sep);
    else if (strcmp(sep, ": ") == 0)
        printf(": IOPS and phase time not recorded");
    printf("\n");
}

/*
 * "name v, name v" for the items that print as non-zero, largest first; "none" when all are
 * zero, "not recorded" when n < 0.
 */
static void
print_items(const struct item *items, int n, const char *suffix)
{
    if (n < 0) {
        printf("not recorded");
        return;
    }
    int shown = 0;
    for (int i = 0; i < n; i++) {
        if (fabs(items[i].v) < 0.05) /* prints as 0.0 */
            continue;
        printf("%s%s %.1f%s", shown ? ", " : "", items[i].name, items[i].v, suffix);
        shown++;
    }
    if (shown == 0)
        printf("none");
}

static void
print_die_time(const struct result *r)
{
    struct item items[MAX_ITEMS];
    printf("  %-24s", "die time per op, us");
    print_items(items, die_us_per_op(r->root, items), "");
    printf("\n");
}

static void
print_utilization(const struct result *r)
{
    struct item items[MAX_ITEMS];
    printf("  %-24s", "utilization");
    print_items(items, collect(r->root, "utilization", 100, items), "%");
    printf("\n");
}

/* One line per op class with requests: its waits per request, then its mean latency. */
static void
print_op_waits(const struct result *r)
{
    struct item items[MAX_ITEMS];
    for (size_t k = 0; k < N_OP_CLASSES; k++) {
        int n = op_waits_us(r->root, op_classes[k].key, items);
        if (n < 0)
            continue;
        char label[32];
        snprintf(label, sizeof(label), "%s waits, us/%s", op_classes[k].label, op_classes[k].label);
        printf("  %-24s", label);
        print_items(items, n, "");
        double mean = numberf(r->root, "latency_ns.%s.mean", op_classes[k].key);
        if (isfinite(mean))
            printf("  (mean latency %.1f us)", mean * 1e-3);
        printf("\n");
    }
    double behind = number(r->root, "waits.get_behind_background_share");
    if (isfinite(behind) && has_gets(r->root))
        printf("  %-24s%.1f%% of GET latency\n", "GET behind background", behind * 100);
}

static void
print_write_slots(const struct result *r)
{
    double slots = number(r->root, "waits.write_wait_slots");
    double qd = closed_loop_qd(r->root);
    if (!isfinite(slots))
        return;
    printf("  %-24s%.2f", "writes waiting", slots);
    if (qd > 0)
        printf(" of %.0f", qd);
    printf(" queue slots on average\n");
}

static void
print_backlog(const struct result *r)
{
    double ns = number(r->root, "backlog.ns");
    double ops = number(r->root, "backlog.flash_ops");
    if (!isfinite(ns) && !isfinite(ops))
        return;
    printf("  %-24s", "backlog");
    if (!(ns > 0) && !(ops > 0)) {
        printf("none\n");
        return;
    }
    if (isfinite(ns))
        printf("%.3f s", ns * 1e-9);
    if (isfinite(ops))
        printf("%s%.0f flash ops", isfinite(ns) ? ", " : "", ops);
    /* a drained phase timed its backlog; otherwise that work is missing from the IOPS */
    const char *end = nvkv_jnode_string_at(r->root, "phase_end");
    bool drained = end != NULL && strcmp(end, "drain") == 0;
    printf(" %s\n", drained ? "(timed: the phase drained it)"
                            : "queued after the last completion (not timed)");
}

/* The largest of the write path's wait causes, or NULL when writes never waited. */
static const char *
largest_write_cause(const struct nvkv_jnode *root)
{
    const char *best = NULL;
    double best_ns = 0;
    for (size_t i = 0; i < sizeof(write_causes) / sizeof(write_causes[0]); i++) {
        double ns = numberf(root, "waits.%s_ns", write_causes[i]);
        if (ns > best_ns) {
            best_ns = ns;
            best = write_causes[i];
        }
    }
    return best;
}

/* "GET latency (die_bg: 509.4 us of a 736.5 us GET)" from the op class's largest wait. */
static bool
latency_bound(const struct nvkv_jnode *root, size_t k, char *buf, size_t size)
{
    struct item items[MAX_ITEMS];
    int n = op_waits_us(root, op_classes[k].key, items);
    if (n <= 0 || items[0].v < 0.05)
        return false;
    const char *op = op_classes[k].label;
    int len = snprintf(buf, size, "%s latency (%s: %.1f us", op, items[0].name, items[0].v);
    double mean = numberf(root, "latency_ns.%s.mean", op_classes[k].key);
    if (len > 0 && (size_t)len < size && isfinite(mean))
        snprintf(buf + len, size - (size_t)len, " of a %.1f us %s)", mean * 1e-3, op);
    else if (len > 0 && (size_t)len < size)
        snprintf(buf + len, size - (size_t)len, " per %s)", op);
    return true;
}

/*
 * What the run's IOPS waits on, in the order that decides it: writes holding a large share of
 * the queue slots cap a closed loop whatever the dies do; busy dies cap it next; otherwise the
 * requests' own latency does, named by the largest wait of the first class that waited.
 */
static void
bound(const struct nvkv_jnode *root, char *buf, size_t size)
{
    double slots = number(root, "waits.write_wait_slots");
    double qd = closed_loop_qd(root);
    double die = number(root, "utilization.die");
    if (qd > 0 && slots >= WRITE_SLOTS_SHARE * qd) {
        const char *cause = largest_write_cause(root);
        snprintf(buf, size, "writes waiting for %s (%.1f of %.0f queue slots on average)",
                 cause != NULL ? cause : "the write path", slots, qd);
        return;
    }
    if (die > DIE_BUSY) {
        snprintf(buf, size, "die time (flash work; dies %.1f%% busy)", die * 100);
        return;
    }
    for (size_t k = 0; k < N_OP_CLASSES; k++)
        if (latency_bound(root, k, buf, size))
            return;
    snprintf(buf, size, "service time (no request waited, or waits not recorded)");
}

static void
explain_one(const struct result *r)
{
    char b[256];
    print_header(r);
    print_die_time(r);
    print_utilization(r);
    print_op_waits(r);
    print_write_slots(r);
    print_backlog(r);
    bound(r->root, b, sizeof(b));
    printf("  bound: %s\n", b);
}

/* ---------------------------------------------------------------------------------------------
 * Two runs
 * ------------------------------------------------------------------------------------------- */

/*
 * How a row's values print, when a difference counts, and where the row sorts: differences are
 * compared only within a kind (one unit), and kinds print in `order`, times first because
 * waits and die time in us are what a closed loop's IOPS is made of.
 */
struct kind {
    int order;
    double scale;    /* printed = value x scale */
    int decimals;    /* printed digits after the point */
    const char *pct; /* "%" or "" */
    double min_abs;  /* smaller differences are noise */
};

static const struct kind k_us = {0, 1, 1, "", 1.0};
static const struct kind k_share = {1, 100, 1, "%", 0.01};
static const struct kind k_slots = {2, 1, 2, "", 0.01};
static const struct kind k_per_get = {3, 1, 2, "", 0.01};
static const struct kind k_per_op = {4, 1, 3, "", 0.001};

struct row {
    char label[LABEL_LEN];
    const struct kind *kind;
    double a, b;
};

struct rows {
    struct row r[MAX_ROWS];
    int n;
};

static void add_row(struct rows *rows, const struct kind *kind, double a, double b, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

/* A row when both runs recorded the figure. */
static void
add_row(struct rows *rows, const struct kind *kind, double a, double b, const char *fmt, ...)
{
    if (!isfinite(a) || !isfinite(b) || rows->n == MAX_ROWS)
        return;
    struct row *r = &rows->r[rows->n++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->label, sizeof(r->label), fmt, ap);
    va_end(ap);
    r->kind = kind;
    r->a = a;
    r->b = b;
}

/* A row per member the two item lists share. */
static void
add_item_rows(struct rows *rows, const struct kind *kind, const char *prefix, const struct item *a,
              int na, const struct item *b, int nb)
{
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            if (strcmp(a[i].name, b[j].name) == 0)
                add_row(rows, kind, a[i].v, b[j].v, "%s %s", prefix, a[i].name);
}

static void
add_object_rows(struct rows *rows, const struct kind *kind, const char *prefix,
                const struct result *a, const struct result *b, const char *path, double scale_a,
                double scale_b)
{
    struct item ia[MAX_ITEMS], ib[MAX_ITEMS];
    int na = collect(a->root, path, scale_a, ia);
    int nb = collect(b->root, path, scale_b, ib);
    add_item_rows(rows, kind, prefix, ia, na, ib, nb);
}

static void
add_wait_rows(struct rows *rows, const struct result *a, const struct result *b)
{
    struct item ia[MAX_ITEMS], ib[MAX_ITEMS];
    for (size_t k = 0; k < N_OP_CLASSES; k++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "%s wait us:", op_classes[k].label);
        int na = op_waits_us(a->root, op_classes[k].key, ia);
        int nb = op_waits_us(b->root, op_classes[k].key, ib);
        add_item_rows(rows, &k_us, prefix, ia, na, ib, nb);
    }
}

static void
collect_rows(struct rows *rows, const struct result *a, const struct result *b)
{
    struct item ia[MAX_ITEMS], ib[MAX_ITEMS];
    int na = die_us_per_op(a->root, ia), nb = die_us_per_op(b->root, ib);
    add_item_rows(rows, &k_us, "die us/op:", ia, na, ib, nb);
    add_wait_rows(rows, a, b);
    add_object_rows(rows, &k_share, "utilization:", a, b, "utilization", 1, 1);
    const char *p = "waits.write_wait_slots";
    add_row(rows, &k_slots, number(a->root, p), number(b->root, p), "write wait slots");
    if (has_gets(a->root) && has_gets(b->root)) {
        p = "waits.get_behind_background_share";
        add_row(rows, &k_share, number(a->root, p), number(b->root, p),
                "GET share behind background");
        p = "flash.reads_per_get.mean";
        add_row(rows, &k_per_get, number(a->root, p), number(b->root, p), "flash reads per GET");
    }
    double ops_a = number(a->root, "run.ops"), ops_b = number(b->root, "run.ops");
    double per_a = ops_a > 0 ? 1 / ops_a : NAN, per_b = ops_b > 0 ? 1 / ops_b : NAN;
    add_object_rows(rows, &k_per_op, "page reads/op:", a, b, "flash.page_reads", per_a, per_b);
    add_object_rows(rows, &k_per_op, "page writes/op:", a, b, "flash.page_writes", per_a, per_b);
}

static bool
meaningful(const struct row *r)
{
    double d = fabs(r->b - r->a);
    double larger = fmax(fabs(r->a), fabs(r->b));
    return d > MIN_REL_DIFF * larger && d > r->kind->min_abs;
}

/* Kind by kind, each largest absolute difference first. */
static int
by_difference(const void *x, const void *y)
{
    const struct row *a = x, *b = y;
    if (a->kind->order != b->kind->order)
        return a->kind->order < b->kind->order ? -1 : 1;
    double ma = fabs(a->b - a->a), mb = fabs(b->b - b->a);
    if (ma != mb)
        return ma > mb ? -1 : 1;
    return strcmp(a->label, b->label); /* qsort is not stable: keep the output deterministic */
}

static void
format_value(char *buf, size_t size, const struct kind *k, double v, bool sign)
{
    snprintf(buf, size, sign ? "%+.*f%s" : "%.*f%s", k->decimals, v * k->scale, k->pct);
}

static void
print_row(const struct row *r)
{
    char a[32], b[32], d[32];
    format_value(a, sizeof(a), r->kind, r->a, false);
    format_value(b, sizeof(b), r->kind, r->b, false);
    format_value(d, sizeof(d), r->kind, r->b - r->a, true);
    printf("  %-34s %10s %10s %10s\n", r->label, a, b, d);
}

static void
print_ratio(const struct result *a, const struct result *b)
{
    double ia = number(a->root, "throughput.ops_per_s");
    double ib = number(b->root, "throughput.ops_per_s");
    if (ia > 0 && isfinite(ib))
        printf("B/A IOPS %.2fx (%.0f vs %.0f)\n", ib / ia, ib, ia);
    else
        printf("B/A IOPS not recorded\n");
}

/* Mean latency per op class both runs timed: what the waits below add up into. */
static void
print_latencies(const struct result *a, const struct result *b)
{
    int shown = 0;
    for (size_t k = 0; k < N_OP_CLASSES; k++) {
        double ma = numberf(a->root, "latency_ns.%s.mean", op_classes[k].key);
        double mb = numberf(b->root, "latency_ns.%s.mean", op_classes[k].key);
        bool timed =
            op_count(a->root, op_classes[k].key) > 0 && op_count(b->root, op_classes[k].key) > 0;
        if (!timed || !isfinite(ma) || !isfinite(mb))
            continue;
        printf("%s %s %.1f -> %.1f us", shown ? "," : "mean latency:", op_classes[k].label,
               ma * 1e-3, mb * 1e-3);
        shown++;
    }
    if (shown > 0)
        printf("\n");
}

static void
print_differences(struct rows *rows)
{
    qsort(rows->r, (size_t)rows->n, sizeof(rows->r[0]), by_difference);
    int shown = 0;
    for (int i = 0; i < rows->n; i++) {
        if (!meaningful(&rows->r[i]))
            continue;
        if (shown++ == 0)
            printf("  %-34s %10s %10s %10s\n", "differences, largest first", "A", "B", "B - A");
        print_row(&rows->r[i]);
    }
    if (shown == 0)
        printf("  no recorded figure differs by more than 5%%\n");
}

static void
explain_two(const struct result *a, const struct result *b)
{
    static struct rows rows; /* 30 KiB: kept off the stack */
    char bound_a[256], bound_b[256];
    printf("A ");
    print_name(a);
    printf("\nB ");
    print_name(b);
    printf("\n");
    print_ratio(a, b);
    print_latencies(a, b);
    rows.n = 0;
    collect_rows(&rows, a, b);
    print_differences(&rows);
    bound(a->root, bound_a, sizeof(bound_a));
    bound(b->root, bound_b, sizeof(bound_b));
    printf("  A bound: %s\n  B bound: %s\n", bound_a, bound_b);
}

int
explain_main(int argc, char **argv)
{
    const char *dirs[2];
    int n_dirs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(explain_help, stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_usage_error("explain: unknown option '%s'; see nvkv explain --help", argv[i]);
        } else if (argv[i][0] == '\0') {
            cli_usage_error("explain: empty dir name");
        } else if (n_dirs == 2) {
            cli_usage_error("explain: more than two dirs; usage: nvkv explain DIR [DIR2]");
        } else {
            dirs[n_dirs++] = argv[i];
        }
    }
    if (n_dirs == 0)
        cli_usage_error("explain: no result dir given; usage: nvkv explain DIR [DIR2]");
    struct result r[2];
    char err[4200];
    int loaded = 0, status = 0;
    while (loaded < n_dirs && load_result(&r[loaded], dirs[loaded], err, sizeof(err)))
        loaded++;
    if (loaded < n_dirs) {
        fprintf(stderr, "nvkv: explain: %s\n", err);
        nvkv_jdoc_free(r[loaded].doc); /* parsed, but not an object */
        status = 1;
    } else if (n_dirs == 1) {
        explain_one(&r[0]);
    } else {
        explain_two(&r[0], &r[1]);
    }
    for (int i = 0; i < loaded; i++)
        nvkv_jdoc_free(r[i].doc);
    return status;
}
