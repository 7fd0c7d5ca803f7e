/* SPDX-License-Identifier: MIT */
#include "results.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sys/stat.h>

static int
make_dirs(const char *dir)
{
    char path[1024];
    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int
results_mkdirs(const char *dir, char *err, size_t errlen)
{
    int rc = make_dirs(dir);
    if (rc != 0)
        snprintf(err, errlen, "--out %s: cannot create: %s", dir, strerror(-rc));
    return rc;
}

double
results_ops_per_s(const struct results *r)
{
    return r->virtual_ns ? (double)r->ops * 1e9 / (double)r->virtual_ns : 0.0;
}

static void
write_latency(struct nvkv_json *j, const struct results *r)
{
    nvkv_json_object(j, "latency_ns");
    for (int i = 0; i < r->n_ops; i++) {
        const struct nvkv_hist *h = r->op_latency[i];
        nvkv_json_object(j, r->op_names[i]);
        nvkv_json_u64(j, "count", h->count);
        nvkv_json_double(j, "mean", nvkv_hist_mean(h));
        nvkv_json_u64(j, "p50", nvkv_hist_quantile(h, 0.50));
        nvkv_json_u64(j, "p95", nvkv_hist_quantile(h, 0.95));
        nvkv_json_u64(j, "p99", nvkv_hist_quantile(h, 0.99));
        nvkv_json_u64(j, "p999", nvkv_hist_quantile(h, 0.999));
        nvkv_json_u64(j, "max", h->max);
        nvkv_json_close(j);
    }
    nvkv_json_close(j);
}

static void
write_origin_counts(struct nvkv_json *j, const char *key, const uint64_t *counts)
{
    nvkv_json_object(j, key);
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
        nvkv_json_u64(j, nand_origin_name((enum nand_origin)o), counts[o]);
    nvkv_json_close(j);
}

/*
 * The same counts by what caused them, as the AnyKey paper's Table 3 splits them: user (the
 * host's records and their flush), compaction, gc, vlog (value log), meta (metadata pages),
 * rollback (KVAccel).
 */
static void
write_by_origin(struct nvkv_json *j, const struct nand_stats *s)
{
    static const struct {
        const char *name;
        unsigned mask;
    } groups[] = {
        {"user", 1u << NAND_ORIGIN_HOST | 1u << NAND_ORIGIN_FLUSH},
        {"compaction", 1u << NAND_ORIGIN_COMPACTION},
        {"gc", 1u << NAND_ORIGIN_GC},
        {"vlog", 1u << NAND_ORIGIN_VLOG},
        {"meta", 1u << NAND_ORIGIN_META},
        {"rollback", 1u << NAND_ORIGIN_ROLLBACK},
    };

    nvkv_json_object(j, "by_origin");
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        uint64_t r = 0, w = 0, e = 0;
        for (int o = 0; o < NAND_ORIGIN_COUNT; o++) {
            if (!(groups[g].mask & 1u << o))
                continue;
            r += s->page_reads[o];
            w += s->page_writes[o];
            e += s->erases[o];
        }
        nvkv_json_object(j, groups[g].name);
        nvkv_json_u64(j, "reads", r);
        nvkv_json_u64(j, "writes", w);
        nvkv_json_u64(j, "erases", e);
        nvkv_json_close(j);
    }
    nvkv_json_close(j);
}

static void
write_flash(struct nvkv_json *j, const struct nand_stats *s, const struct nvkv_hist *rpg)
{
    uint64_t erases = 0;
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
        erases += s->erases[o];
    nvkv_json_object(j, "flash");
    write_origin_counts(j, "page_reads", s->page_reads);
    write_origin_counts(j, "page_writes", s->page_writes);
    nvkv_json_u64(j, "erases", erases);
    write_origin_counts(j, "erases_by_origin", s->erases);
    write_by_origin(j, s);
    if (rpg != NULL) {
        nvkv_json_object(j, "reads_per_get");
        nvkv_json_double(j, "mean", nvkv_hist_mean(rpg));
        nvkv_json_u64(j, "p95", nvkv_hist_quantile(rpg, 0.95));
        nvkv_json_u64(j, "max", rpg->max);
        nvkv_json_close(j);
    }
    nvkv_json_close(j);
}

static int
write_json(const char *path, const struct results *r)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -errno;
    struct nvkv_json j;
    nvkv_json_begin(&j, f);
    cfg_write_json(r->cfg, &j, "config");
    nvkv_json_u64(&j, "seed", r->seed);
    nvkv_json_object(&j, "workload");
    if (r->workload != NULL)
        r->workload(&j, r->workload_arg);
    nvkv_json_close(&j);
    nvkv_json_object(&j, "sim");
    nvkv_json_u64(&j, "virtual_ns", r->virtual_ns);
    nvkv_json_double(&j, "wall_s", r->wall_s);
    nvkv_json_u64(&j, "events", r->events);
    nvkv_json_double(&j, "ops_per_wall_s", r->wall_s > 0 ? (double)r->ops / r->wall_s : 0.0);
    nvkv_json_close(&j);
    nvkv_json_object(&j, "throughput");
    nvkv_json_double(&j, "ops_per_s", results_ops_per_s(r));
    nvkv_json_double(&j, "bytes_per_s",
                     r->virtual_ns ? (double)r->bytes * 1e9 / (double)r->virtual_ns : 0.0);
    nvkv_json_close(&j);
    write_latency(&j, r);
    if (r->flash != NULL)
        write_flash(&j, r->flash, r->reads_per_get);
    if (r->extra != NULL)
        r->extra(&j, r->extra_arg);
    int rc = nvkv_json_end(&j);
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

int
results_write(const char *dir, const struct results *r, char *err, size_t errlen)
{
    char path[1200];
    int rc = results_mkdirs(dir, err, errlen);
    if (rc != 0)
        return rc;
    snprintf(path, sizeof(path), "%s/result.json", dir);
    rc = write_json(path, r);
    for (int i = 0; rc == 0 && i < r->n_ops; i++) {
        snprintf(path, sizeof(path), "%s/latency_%s.csv", dir, r->op_names[i]);
        FILE *f = fopen(path, "w");
        if (f == NULL) {
            rc = -errno;
            break;
        }
        rc = nvkv_hist_write_cdf(r->op_latency[i], f, "latency_ns");
        if (fclose(f) != 0 && rc == 0)
            rc = -errno;
    }
    if (rc != 0)
        snprintf(err, errlen, "--out %s: cannot write %s: %s", dir, path, strerror(-rc));
    return rc;
}
