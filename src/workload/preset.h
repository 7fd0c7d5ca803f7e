/* SPDX-License-Identifier: MIT */
/*
 * Named workloads of the papers and tools, each with its source (wl_preset.source):
 *   the 14 AnyKey workloads (key / value bytes, ASPLOS'25 Table and KVEMU's settings.h):
 *     kvssd 16/4096, ycsb 20/1000, wpink 32/1024, xbox 94/1200, etc 41/358, udb 27/127,
 *     cache 42/188, var 35/115, crypto2 37/110, dedup 20/44, cache15 38/38, zippydb 48/43,
 *     crypto1 76/50, rtdata 24/10; all 20% updates, 80% reads, scrambled Zipfian 0.99, loaded
 *     first;
 *   BandSlim's value-size mixes wb, wc, wd, wm: PUT-only (inserts), 4-byte binary keys
 *     (db_bench test.sh key_size 4);
 *   YCSB core workloads ycsb-a .. ycsb-f (research/host-lsm-kvaccel-workloads.md 4.3): ycsb key
 *     format, 1000-byte values (10 fields of 100 B), request distribution scrambled Zipfian
 *     (latest for D), E's scans uniform 1..100;
 *   db_bench fillseq, fillrandom, readrandom, readwhilewriting, seekrandom, mixgraph (4.1, 4.2).
 */
#ifndef NVKV_WORKLOAD_PRESET_H
#define NVKV_WORKLOAD_PRESET_H

#include <stdbool.h>
#include <stdint.h>

#include "keygen.h"
#include "mix.h"
#include "valsize.h"

/* A generated workload: its keys, their choice, the values and the operation mix. */
struct wl_spec {
    uint32_t key_size;
    enum wl_key_format key_format;
    struct wl_valsize values;
    struct wl_key_params keys;
    double share[WL_OP_COUNT];
    enum wl_scan_dist scan_dist;
    uint32_t scan_max;
    bool load; /* load the key space before the run (false: the run starts on an empty device) */
};

struct wl_preset {
    const char *name;
    const char *family;  /* "anykey", "bandslim", "ycsb", "db_bench" */
    const char *summary; /* one line for `nvkv run --workload list` */
    const char *source;  /* where the parameters come from */
    struct wl_spec spec;
};

extern const struct wl_preset wl_presets[];
extern const unsigned wl_preset_count;

/* The preset of that name (case-sensitive), or NULL. */
const struct wl_preset *wl_preset_find(const char *name);

/* "kvssd, ycsb, ..." : every name, comma-separated (a static buffer). */
const char *wl_preset_names(void);

#endif
