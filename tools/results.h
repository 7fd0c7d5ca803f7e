/* SPDX-License-Identifier: MIT */
/*
 * The results writer every subcommand shares: `--out DIR` gets result.json and one
 * latency_<op>.csv (CDF) per operation. The keys below are a contract: later subcommands add
 * keys through `extra`, none renames these.
 *
 * result.json: config (effective), seed, workload, sim.{virtual_ns, wall_s, events,
 * ops_per_wall_s}, throughput.{ops_per_s, bytes_per_s},
 * latency_ns.<op>.{count, mean, p50, p95, p99, p999, max}, flash.page_reads.<origin>,
 * flash.page_writes.<origin>, flash.erases (total), flash.erases_by_origin.<origin> and, for KV
 * runs, flash.reads_per_get.{mean, p95, max}.
 * Only sim.wall_s and sim.ops_per_wall_s depend on the machine; everything else is a function
 * of config and seed.
 */
#ifndef NVKV_TOOLS_RESULTS_H
#define NVKV_TOOLS_RESULTS_H

#include <stdint.h>

#include "../src/base/hist.h"
#include "../src/base/json.h"
#include "../src/config/config.h"
#include "../src/nand/nand.h"

#define RESULTS_MAX_OPS 8

typedef void results_json_fn(struct nvkv_json *j, const void *arg);

struct results {
    const struct cfg *cfg;
    uint64_t seed;
    results_json_fn *workload; /* writes the members of the `workload` object */
    const void *workload_arg;
    uint64_t virtual_ns;
    double wall_s;
    uint64_t events;
    uint64_t ops;
    uint64_t bytes;
    const char *op_names[RESULTS_MAX_OPS];
    const struct nvkv_hist *op_latency[RESULTS_MAX_OPS];
    int n_ops;
    const struct nand_stats *flash;
    const struct nvkv_hist *reads_per_get; /* flash.reads_per_get.{mean,p95,max}; may be NULL */
    results_json_fn *extra;                /* more top-level members, may be NULL */
    const void *extra_arg;
};

/* Create DIR (and parents) if needed and write the files. Returns 0 or -errno, message in err. */
int results_write(const char *dir, const struct results *r, char *err, size_t errlen);

/* Create DIR and its parents if needed. Returns 0 or -errno, message in err. */
int results_mkdirs(const char *dir, char *err, size_t errlen);

/* Simulated operations per second of virtual time. */
double results_ops_per_s(const struct results *r);

#endif
