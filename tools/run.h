/* SPDX-License-Identifier: MIT */
/*
 * `nvkv run`: one engine on one emulated KV-SSD under key-value workloads.
 *
 * A run is a load (optional: the key space written by sequential PUTs at the queue depth, not
 * measured) followed by one or more measured phases on the same device, each a workload: a
 * preset (src/workload/preset.h) or flags, or a trace file. Operations are issued closed loop at
 * a queue depth or open loop at a rate, until an operation count, a span of virtual time or a
 * volume of writes (a multiple of the exposed capacity) is reached. Every GET's value is checked
 * against the host's record of the key's version and size; a wrong value is a bug and aborts.
 * Latency, IOPS and every flash, DRAM and engine figure of each phase are printed and written
 * to result.json, latency_<op>.csv and timeline.csv.
 */
#ifndef NVKV_TOOLS_RUN_H
#define NVKV_TOOLS_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "../src/base/hist.h"
#include "../src/config/config.h"
#include "../src/nand/nand.h"
#include "../src/workload/keygen.h"
#include "../src/workload/mix.h"
#include "../src/workload/preset.h"
#include "../src/workload/trace.h"
#include "../src/workload/valsize.h"

/* What one measured phase does. */
struct run_workload {
    const char *name;    /* the preset's name, "custom" or "trace" */
    struct wl_spec spec; /* spec.load: load the key space first (only the first phase can) */
    uint64_t ops;        /* operations; 0: no operation limit */
    const char *trace;   /* a trace file instead of generated operations */
    struct wl_trace_opts trace_opts;
};

#define RUN_MAX_PHASES 16

/* A named procedure: how the device is filled and how long the measured phase runs. */
enum run_procedure {
    RUN_PROC_NONE = 0, /* the options as given */
    RUN_PROC_PAPER,    /* the AnyKey paper's (section 5.5): see run_args.c */
};

const char *run_procedure_name(enum run_procedure p);

struct run_opts {
    const char *engine;
    struct run_workload phase[RUN_MAX_PHASES];
    int n_phases;
    double fill;         /* (0, 1]: share of the exposed capacity the key space fills */
    uint64_t keys;       /* the key space in items; 0: derived from fill */
    uint32_t fill_piece; /* fill counts each record as whole pieces of this many bytes; 0: exact */
    double capacity_x;   /* per phase: stop after writing this many x the exposed capacity */
    double requests_x;   /* per phase: stop when all requests' bytes reach this x raw capacity */
    enum run_procedure procedure;
    uint64_t duration_ns; /* per phase: stop after this much virtual time; 0: none */
    uint32_t qd;
    double rate;          /* open loop: operations per virtual second; 0: closed loop at qd */
    bool poisson;         /* open loop arrivals: exponential gaps (true) or fixed */
    uint64_t timeline_ns; /* timeline.csv interval */
    uint64_t seed;
    bool quiet;
    bool drain; /* a phase's time includes the background backlog left at its last completion */
};

/* Latency classes: each is one latency_<name>.csv and one latency_ns.<name> in result.json. */
enum run_lat {
    RUN_LAT_GET = 0, /* read */
    RUN_LAT_PUT,     /* update and insert */
    RUN_LAT_DEL,
    RUN_LAT_SCAN,
    RUN_LAT_RMW, /* a read-modify-write, GET and PUT together */
    RUN_LAT_COUNT,
};

const char *run_lat_name(enum run_lat l);

/* Busy time by origin of the device's resources (ARCHITECTURE.md, "Time accounting"). */
struct run_acct {
    uint64_t die[SIM_ORIGIN_COUNT];
    uint64_t channel[SIM_ORIGIN_COUNT];
    uint64_t cpu[SIM_ORIGIN_COUNT];
    uint64_t flash_ops;   /* timed flash operations completed */
    uint64_t flash_pages; /* of those, page reads and programs */
};

/* What a phase measured. Flash counts and engine work are of the phase only. */
struct run_result {
    const char *name;
    enum wl_trace_format trace_format; /* the format a trace was read as */
    uint64_t keys;                     /* items loaded */
    uint32_t fill_piece; /* fill counts each record as whole pieces of this many bytes; 0: exact */
    /* load (only in the first phase's result) */
    uint64_t load_virtual_ns;
    double load_wall_s;
    uint64_t load_host_bytes;
    struct nand_stats load_flash;
    /* the phase */
    uint64_t ops;
    uint64_t op_count[WL_OP_COUNT];
    uint64_t no_space;        /* PUTs refused with KV_NO_SPACE */
    uint64_t get_misses;      /* GETs of keys never written or deleted (expected NOT_FOUND) */
    uint64_t insert_overflow; /* inserts past the key space, done as updates */
    uint64_t scan_keys;       /* keys returned by scans */
    uint64_t host_bytes;      /* key + value bytes of the PUTs that succeeded */
    uint64_t request_bytes;   /* key + value bytes of every request (GET: the value returned) */
    uint64_t virtual_ns;
    uint64_t events;
    double wall_s;
    struct nand_stats flash;
    uint64_t flushes, compactions, gcs, gc_pages_copied;
    struct nvkv_hist lat[RUN_LAT_COUNT];
    uint64_t live_bytes; /* key + value bytes of the present keys at the end */
    /* the time model: the phase ends at its last completion (or after the backlog: --drain) */
    bool drained;
    uint64_t backlog_ns;        /* background work left at the last completion, in time */
    uint64_t backlog_flash_ops; /* ... and in flash operations */
    uint64_t backlog_pages;     /* ... of which page reads and programs */
    struct run_acct acct;       /* over the phase's time */
    struct sim_waits waits[RUN_LAT_COUNT]; /* summed over each class's timed requests */
};

/* The `nvkv run` subcommand. */
int run_main(int argc, char **argv);

#endif
