/* SPDX-License-Identifier: MIT */
/*
 * The pieces of `nvkv run` shared by its three files: run.c (the driver), run_args.c (the
 * command line, presets and db_bench aliases) and run_report.c (the printed summary and the
 * result files).
 */
#ifndef NVKV_TOOLS_RUN_INTERNAL_H
#define NVKV_TOOLS_RUN_INTERNAL_H

#include <stdio.h>

#include "../src/base/rng.h"
#include "../src/kv/engine.h"
#include "../src/workload/keymap.h"
#include "cli.h"
#include "kvdev.h"
#include "progress.h"
#include "run.h"

/* An item's record: its last version, with this bit set while it is absent (never written or
 * deleted); the next PUT writes version + 1, so a value read back is never mistaken for an
 * older one. */
#define RUN_ABSENT 0x80000000u

struct run;

struct run_client {
    struct run *r;
    struct run_client *next_free;
    enum run_lat lat;       /* latency class of the operation in flight */
    bool timed;             /* false: a refused PUT, counted but not timed */
    uint64_t start_ns;      /* submission, or the arrival time in open loop */
    struct sim_waits waits; /* of the operation in flight, by cause */
};

struct run_timeline {
    FILE *f;
    uint64_t interval_ns;
    uint64_t bucket; /* the interval being filled */
    uint64_t ops, gets, puts;
    struct nvkv_hist all, get, put;
};

struct run {
    const struct run_opts *o;
    const struct run_workload *w; /* the phase being run */
    struct kvdev *dev;
    struct kv_engine *e;
    struct run_result *res; /* the phase's result */
    /* the key space */
    uint64_t n;        /* items the arrays hold */
    uint64_t limit;    /* items [0, limit) may exist */
    uint64_t n_loaded; /* items the load wrote */
    bool loaded;       /* the device has been written: later phases never load */
    bool loaded_now;   /* this phase began with the load */
    uint32_t *version; /* per item: version | RUN_ABSENT */
    uint32_t *vsize;   /* per item: bytes of its present value */
    struct wl_keygen keygen;
    struct wl_mix mix;
    struct nvkv_rng key_rng, mix_rng, size_rng, scan_rng, arrival_rng;
    /* buffers */
    uint8_t key[WL_KEY_BYTES_MAX];
    uint32_t key_len;
    uint8_t *value, *get_buf;
    uint32_t buf_len;
    /* the phase */
    bool loading;
    uint64_t load_target;
    uint64_t issued, completed;
    bool stop;
    uint64_t phase_start_ns;
    uint64_t last_done_ns;     /* the phase's last completion so far */
    struct run_acct acct0;     /* at the phase's start */
    struct run_acct acct_last; /* when nothing was in flight last */
    bool kvemu;                /* sim.bg_model=kvemu: writes carry no command cost */
    uint64_t bytes_target;     /* capacity_x x exposed bytes; 0: none */
    uint64_t requests_target;  /* requests_x x raw bytes; 0: none */
    uint32_t refused_in_row;   /* writes refused with KV_NO_SPACE since the last accepted one */
    struct run_client *free_clients;
    struct run_client **client_blocks;
    uint32_t n_client_blocks;
    uint64_t next_arrival_ns;
    struct progress prog;
    struct run_timeline tl;
    /* trace replay */
    struct wl_trace *trace;
    struct wl_keymap keymap;
    bool keymap_ready;
    /* the first error; the phase stops issuing */
    int rc;
    char err[512];
};

/* run_ops.c */
/* Record the first error (the phase stops issuing); returns rc. */
int run_fail(struct run *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Room for items [0, n) in the per-item record (new items absent); 0 or -ENOMEM. */
int run_reserve_items(struct run *r, uint64_t n);
/* The kind of the next generated operation. */
enum wl_op run_draw_op(struct run *r);
/* Each adds one operation's engine work to `plan`: true when its latency is to be counted. */
bool run_load_op(struct run *r, struct sim_plan *plan);
bool run_generated_op(struct run *r, struct sim_plan *plan, enum wl_op op, enum run_lat *lat);
/* The trace's next request: false at its end (or on an error, recorded). */
bool run_trace_read(struct run *r, struct wl_trace_rec *rec);
enum wl_op run_trace_op_kind(const struct wl_trace_rec *rec);
bool run_trace_op(struct run *r, struct sim_plan *plan, const struct wl_trace_rec *rec,
                  enum run_lat *lat);

/* run_args.c */
void run_parse_args(int argc, char **argv, struct cli_common *cc, struct run_opts *o);
/* Items of the key space a phase starts from: --keys, else fill x exposed / mean record. */
uint64_t run_key_space(const struct run_opts *o, const struct run_workload *w,
                       uint64_t exposed_bytes);
/* Bytes of the longest key the workload writes. */
uint32_t run_key_len_max(const struct run_workload *w);

/* run_report.c */
void run_print_header(const struct run *r, const struct cfg *c);
void run_print_summary(const struct run *r, const struct cfg *c, bool with_load);
void run_write_results(const char *dir, const struct run *r, const struct cfg *c, bool with_load);
void run_timeline_open(struct run *r, const char *dir);
void run_timeline_add(struct run *r, uint64_t t_ns, enum run_lat lat, uint64_t latency_ns);
void run_timeline_close(struct run *r);
uint64_t run_sum_origins(const uint64_t *v);
/* The device's busy time by origin now. */
void run_acct_take(const struct run *r, struct run_acct *a);
double run_write_amp(const struct nand_stats *f, uint64_t host_bytes, uint32_t page_bytes);

#endif
