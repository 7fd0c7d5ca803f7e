/* SPDX-License-Identifier: MIT */
/*
 * `nvkv nand-bench`: random page reads, programs, or a mix, kept at a queue depth over the whole
 * die array, closed loop. Programs follow the NAND rules the way an FTL would: each die fills its
 * blocks in order and erases a block before reusing it (the erase is part of that program's
 * latency and is counted). Reads pick a uniformly random programmed page; for read and mixed
 * runs every page is programmed first, untimed and uncounted.
 */
#ifndef NVKV_TOOLS_NAND_BENCH_H
#define NVKV_TOOLS_NAND_BENCH_H

#include <stdint.h>

#include "../src/base/hist.h"
#include "../src/config/config.h"

enum nand_bench_mode {
    NAND_BENCH_READ,
    NAND_BENCH_PROGRAM,
    NAND_BENCH_MIXED,
};

struct nand_bench_opts {
    enum nand_bench_mode mode;
    uint64_t ops;
    uint32_t qd;
    uint32_t read_pct; /* mixed: share of reads */
    uint64_t seed;
};

struct nand_bench_result {
    uint64_t ops, reads, programs, erases;
    uint64_t bytes;
    uint64_t virtual_ns;
    uint64_t events;
    double wall_s;
    struct nvkv_hist read_lat;
    struct nvkv_hist program_lat;
    struct nand_stats flash;
};

const char *nand_bench_mode_name(enum nand_bench_mode m);

/* Run one benchmark on a fresh array built from `c`. Returns 0 or an error (message in err). */
int nand_bench_run(const struct cfg *c, const struct nand_bench_opts *o,
                   struct nand_bench_result *r, char *err, size_t errlen);

/* The `nvkv nand-bench` subcommand. */
int nand_bench_main(int argc, char **argv);

#endif
