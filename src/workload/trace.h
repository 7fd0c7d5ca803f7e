/* SPDX-License-Identifier: MIT */
/*
 * Trace replay: requests read from a file, one at a time (the file is streamed, never loaded
 * whole; lines may be of any length, end in LF or CRLF, and the last may lack its newline).
 *
 * Formats (`wl_trace_format`):
 *   text      nvkv's own: one request per line, `OP KEY VALUE_SIZE`, separated by blanks; OP is
 *             get | put | del (also set, delete); KEY is any run of non-blank bytes (1..255,
 *             longer is an error); VALUE_SIZE a decimal, required for put, optional for get and
 *             del (read as 0). Lines starting with `#` (after blanks) are skipped.
 *   twitter   Twitter's public cache-trace CSV (OSDI'20), no header: timestamp, anonymized key,
 *             key size, value size, client id, operation, TTL.
 *             get, gets -> get; set, add, replace, cas, append, prepend, incr, decr -> put of
 *             the recorded value size; delete -> del.
 *             The key is what lies between the first comma and the fifth comma from the right,
 *             so a key holding commas still parses (the anonymized keys hold none, but the
 *             format does not forbid them). Only the fields used are checked: key, key size,
 *             value size and operation; timestamp, client id and TTL just have to be there.
 *   cachelib  Meta's CacheLib kvcache trace CSV: a header names the columns (their order
 *             varies between files); the columns used are key, key_size, op, op_count, size.
 *             key, op and size are required; without key_size the anonymized key's own length
 *             is used, without op_count every row counts once. Every row has as many fields as
 *             the header. GET, GET_LEASE -> get; SET, SET_LEASE -> put of `size` bytes;
 *             DELETE -> del; each row repeated op_count times (CacheBench's replay rule); a
 *             row with op_count 0 stands for no request and is skipped (counted in
 *             wl_trace_counts.skipped_rows); op_count above 2^32 - 1 is an error.
 *   auto      cachelib when the first line is a header naming `key` and `op`; twitter when it
 *             has 7 comma-separated fields; text otherwise (so a Twitter trace whose first key
 *             holds a comma needs `twitter` named).
 * Operation names are matched without regard to case. Empty lines are skipped in every format.
 *
 * Keys are built to the recorded key size (twitter, cachelib): the anonymized key's bytes,
 * repeated to fill the recorded length or cut to it, so the key-length distribution is kept and
 * the same anonymized key always gives the same bytes. Recorded sizes above 255 are cut to 255
 * (counted in wl_trace_counts.clamped_keys); a recorded size of 0 is an error, as is an empty
 * key.
 *
 * Scaling up a short sample: `repeat` passes over the file (the file must be seekable); pass
 * p > 0 makes every key distinct from the other passes' by setting the high bit of its last
 * bytes to the bits of p (bit i on the i-th byte from the end), a key-space multiplier: p
 * passes touch p times the distinct keys with the same popularity shape and key lengths.
 * Setting bits, not overwriting bytes, keeps two keys that differ only in their last bytes
 * apart within a pass. The limit: keys of 7-bit bytes (every anonymized key of both public
 * traces) stay distinct across passes p < 2^L for keys of L bytes (two passes for 1-byte keys,
 * 256 for 8-byte keys, all for 32 bytes and more); beyond it, or for keys already holding bytes
 * >= 0x80, passes may share keys. A pass that returns no request ends the trace early.
 *
 * Value sizes above max_value (0: no limit) are cut to it (counted, puts only).
 *
 * Malformed lines are errors: wl_trace_next fails with "FILE:LINE: reason"; after an error the
 * trace keeps returning it.
 */
#ifndef NVKV_WORKLOAD_TRACE_H
#define NVKV_WORKLOAD_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
    const uint8_t *key;  /* valid until the next wl_trace_next */
    uint32_t key_len;    /* 1..255 */
    uint32_t value_size; /* put: the recorded size (clamped to max_value); get/del: 0 */
    uint64_t line;       /* line number in the file (1-based) */
};

struct wl_trace_opts {
    enum wl_trace_format format;
    uint32_t repeat;    /* passes over the file, >= 1 (default 1) */
    uint32_t max_value; /* value sizes above it are clamped to it (counted); 0: no limit */
};

struct wl_trace;

/*
 * Open a trace (o NULL: auto, one pass, no value limit). Reads the first line to detect the
 * format or the CacheLib header. Returns 0 and *out, or a negative errno with a one-line
 * reason in err (-EINVAL for bad options or a bad header).
 */
int wl_trace_open(const char *path, const struct wl_trace_opts *o, struct wl_trace **out, char *err,
                  size_t errlen);

/*
 * The same over an open stream (e.g. fmemopen for tests and the fuzz target): `name` stands for
 * the path in messages. Takes ownership of f: wl_trace_close closes it, and so does a failure.
 */
int wl_trace_open_file(FILE *f, const char *name, const struct wl_trace_opts *o,
                       struct wl_trace **out, char *err, size_t errlen);

/*
 * The next request: 1 and *rec, 0 at the end of the last pass, or a negative errno with
 * "PATH:LINE: reason" in err (malformed line, read error).
 */
int wl_trace_next(struct wl_trace *t, struct wl_trace_rec *rec, char *err, size_t errlen);

/*
 * Counts so far, over every pass: requests returned, requests whose key was cut to 255 bytes,
 * puts whose value size was cut to max_value, rows skipped for op_count 0; and the pass being
 * read (0-based).
 */
struct wl_trace_counts {
    uint64_t requests;
    uint64_t clamped_keys;
    uint64_t clamped_values;
    uint32_t pass;
    uint64_t skipped_rows;
};

void wl_trace_counts(const struct wl_trace *t, struct wl_trace_counts *c);

enum wl_trace_format wl_trace_format_of(const struct wl_trace *t);
const char *wl_trace_format_name(enum wl_trace_format f);
int wl_trace_format_parse(const char *name); /* -1 if unknown */

void wl_trace_close(struct wl_trace *t);

/*
 * Parse one line of a given format (not auto) without a file: the fuzz target's entry and the
 * unit tests'. `line` need not be NUL-terminated and holds no line end (a trailing CR is
 * tolerated). `cols` is the CacheLib header's column map (wl_trace_header_parse), NULL for the
 * other formats. Returns 1 with *rec (key bytes in `keybuf`, >= 255 bytes; rec->line 0) and
 * *op_count (1 outside cachelib; op_count may be NULL), 0 for a skipped line (blank, comment,
 * op_count 0), or -EINVAL with the reason in err (no file or line prefix). No pass marking.
 *
 * wl_trace_header_parse fills *cols from a CacheLib header line: 0, or -EINVAL with the reason
 * (key, op or size missing, a column named twice).
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
