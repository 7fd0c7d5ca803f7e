/* SPDX-License-Identifier: MIT */
/*
 * Trace replay: requests read from a file, one at a time (the file is streamed, never loaded
 * whole).
 *
 * Formats (`wl_trace_format`):
 *   text      nvkv's own: one request per line, `OP KEY VALUE_SIZE`, separated by blanks; OP is
 *             get | put | del (also set, delete); KEY is any run of non-blank bytes (1..255);
 *             VALUE_SIZE a decimal (0 for get and del). Blank lines and lines starting with
 *             `#` are skipped.
 *   twitter   Twitter's public cache-trace CSV (OSDI'20), no header: timestamp, anonymized key,
 *             key size, value size, client id, operation, TTL.
 *             get, gets -> get; set, add, replace, cas, append, prepend, incr, decr -> put of
 *             the recorded value size; delete -> del.
 *   cachelib  Meta's CacheLib kvcache trace CSV: a header names the columns (their order
 *             varies between files); the columns used are key, key_size, op, op_count, size.
 *             GET, GET_LEASE -> get; SET, SET_LEASE -> put of `size` bytes; DELETE -> del; each
 *             row repeated op_count times (CacheBench's replay rule).
 *   auto      cachelib when the first line is a header naming `key` and `op`; twitter when it
 *             has 7 comma-separated fields; text otherwise.
 *
 * Keys are built to the recorded key size (twitter, cachelib): the anonymized key's bytes,
 * repeated to fill the recorded length or cut to it, so the key-length distribution is kept and
 * the same anonymized key always gives the same bytes. Recorded sizes outside 1..255 are
 * clamped to it (counted in wl_trace.clamped_keys).
 *
 * Scaling up a short sample: `repeat` passes over the file; pass p > 0 makes every key distinct
 * from the other passes' by overwriting its last bytes with the pass number (key-space
 * multiplier), so p passes touch p times the distinct keys with the same popularity shape.
 *
 * Malformed lines are errors: wl_trace_next fails with "FILE:LINE: reason".
 */
#ifndef NVKV_WORKLOAD_TRACE_H
#define NVKV_WORKLOAD_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum wl_trace_format {
    WL_TRACE_AUTO = 0,
    WL_TRACE_TEXT,
    WL_TRACE_TWITTER,
    WL_TRACE_CACHELIB,
};

enum wl_trace_op {
    WL_TRACE_GET = 0,
    WL_TRACE_PUT,
    WL_TRACE_DEL,
};

struct wl_trace_rec {
    enum wl_trace_op op;
    const uint8_t *key; /* valid until the next wl_trace_next */
    uint32_t key_len;   /* 1..255 */
    uint32_t value_size; /* put: the recorded size (clamped to max_value); get/del: 0 */
    uint64_t line;       /* line number in the file (1-based) */
};

struct wl_trace_opts {
    enum wl_trace_format format;
    uint32_t repeat;    /* passes over the file, >= 1 (default 1) */
    uint32_t max_value; /* value sizes above it are clamped to it (counted) */
};

struct wl_trace;

/* Open a trace. Returns 0 and *out, or a negative errno with a one-line reason in err. */
int wl_trace_open(const char *path, const struct wl_trace_opts *o, struct wl_trace **out,
                  char *err, size_t errlen);

/*
 * The next request: 1 and *rec, 0 at the end of the last pass, or a negative errno with
 * "PATH:LINE: reason" in err (malformed line, read error).
 */
int wl_trace_next(struct wl_trace *t, struct wl_trace_rec *rec, char *err, size_t errlen);

/* Counts so far: requests returned, keys clamped to 1..255, values clamped to max_value. */
struct wl_trace_counts {
    uint64_t requests;
    uint64_t clamped_keys;
    uint64_t clamped_values;
    uint32_t pass;
};
void wl_trace_counts(const struct wl_trace *t, struct wl_trace_counts *c);

enum wl_trace_format wl_trace_format_of(const struct wl_trace *t);
const char *wl_trace_format_name(enum wl_trace_format f);
int wl_trace_format_parse(const char *name); /* -1 if unknown */

void wl_trace_close(struct wl_trace *t);

/*
 * Parse one line of a given format (not auto) without a file: the fuzz target's entry and the
 * unit tests'. `cols` is the CacheLib header's column map (wl_trace_header_parse), NULL for the
 * other formats. Returns 1 with *rec (key bytes in `keybuf`, >= 255 bytes), 0 for a skipped
 * line, or -EINVAL with the reason in err (no file or line prefix).
 */
struct wl_trace_cols {
    int key, key_size, op, op_count, size; /* column indices, -1 when absent */
    int n;                                 /* columns in the header */
};
int wl_trace_header_parse(const char *line, size_t len, struct wl_trace_cols *cols, char *err,
                          size_t errlen);
int wl_trace_parse_line(enum wl_trace_format f, const struct wl_trace_cols *cols, const char *line,
                        size_t len, uint32_t max_value, uint8_t *keybuf, struct wl_trace_rec *rec,
                        uint32_t *op_count, char *err, size_t errlen);

#endif
