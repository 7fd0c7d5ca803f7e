/* SPDX-License-Identifier: MIT */
/*
 * `nvkv run`: one engine on one emulated KV-SSD under a closed-loop key-value workload.
 *
 * The device is filled to a fraction of its exposed capacity with unique fixed-size keys
 * (sequential PUTs at the queue depth: the load phase, not measured), then runs N operations on
 * those keys at a write ratio: writes overwrite existing keys, reads GET them, keys chosen
 * uniformly or Zipfian (YCSB's scrambled generator). Every GET's value is checked against the
 * host's copy of the key's version; a wrong value is a bug and aborts. Latency, IOPS and every
 * flash, DRAM and engine figure of the measured phase are printed and written to result.json.
 */
#ifndef NVKV_TOOLS_RUN_H
#define NVKV_TOOLS_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "../src/base/hist.h"
#include "../src/config/config.h"
#include "../src/nand/nand.h"

struct run_opts {
    const char *engine;
    uint32_t key_size;
    uint32_t value_size;
    double fill;        /* (0, 1]: share of the exposed capacity loaded with unique keys */
    uint64_t ops;       /* measured operations after the load */
    double write_ratio; /* [0, 1] */
    bool zipf;          /* key choice: Zipfian (true) or uniform */
    double theta;       /* Zipfian skew, (0, 1) */
    uint32_t qd;
    uint64_t seed;
};

/* What a run measured. Flash counts and engine work are of the measured phase only. */
struct run_result {
    uint64_t keys;
    /* load phase */
    uint64_t load_virtual_ns;
    double load_wall_s;
    uint64_t load_host_bytes;
    struct nand_stats load_flash;
    /* measured phase */
    uint64_t ops, gets, puts, no_space;
    uint64_t host_bytes; /* key + value bytes of the PUTs that succeeded */
    uint64_t virtual_ns;
    uint64_t events;
    double wall_s;
    struct nand_stats flash;
    uint64_t flushes, compactions, gcs, gc_pages_copied;
    struct nvkv_hist get_lat, put_lat;
};

/* Number of keys a run loads: fill x exposed bytes / (key + value size). */
uint64_t run_key_count(const struct run_opts *o, uint64_t exposed_bytes);

/* Key `id` as the run writes it: big-endian id, then a fixed pad byte pattern. */
void run_key_encode(uint8_t *key, uint32_t key_size, uint64_t id);

/* The `nvkv run` subcommand. */
int run_main(int argc, char **argv);

#endif
