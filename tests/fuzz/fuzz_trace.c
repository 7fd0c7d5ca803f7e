/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for trace replay (outside input: trace files of any origin). The input is a trace
 * file. Every line goes through wl_trace_parse_line for text, Twitter and CacheLib (with the
 * kv_traces_1 header, and with the input's own first line as the header when it is one); then
 * the whole input through the streaming reader in each format, with options taken from the
 * input's size (1-3 passes, a value limit or none). The contract checked: never crash or leak;
 * a record has a 1..255-byte key in the caller's buffer, a known op, a value size within the
 * limit and 0 outside puts; an error is one non-empty line, prefixed "fuzz:LINE: " when it is a
 * line's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/check.h"
#include "../../src/workload/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Requests drained per trace: op_count can ask for 2^32 - 1 copies of a row. */
#define MAX_REQUESTS 20000

static void
check_error(const char *err)
{
    NVKV_CHECK_MSG(err[0] != '\0' && strchr(err, '\n') == NULL, "error not one line: '%s'", err);
}

static void
check_rec(const struct wl_trace_rec *r, const uint8_t *keybuf, uint32_t max_value)
{
    NVKV_CHECK(r->key == keybuf || keybuf == NULL);
    NVKV_CHECK_MSG(r->key_len >= 1 && r->key_len <= 255, "key of %u bytes", r->key_len);
    NVKV_CHECK(r->op == WL_TRACE_GET || r->op == WL_TRACE_PUT || r->op == WL_TRACE_DEL);
    NVKV_CHECK(r->op == WL_TRACE_PUT || r->value_size == 0);
    NVKV_CHECK(max_value == 0 || r->value_size <= max_value);
}

static void
parse_one(enum wl_trace_format f, const struct wl_trace_cols *cols, const char *line, size_t len,
          uint32_t max_value)
{
    uint8_t keybuf[255];
    struct wl_trace_rec r;
    uint32_t count = 0;
    char err[256] = "";
    int rc =
        wl_trace_parse_line(f, cols, line, len, max_value, keybuf, &r, &count, err, sizeof(err));
    NVKV_CHECK_MSG(rc == 1 || rc == 0 || rc == -EINVAL, "parse_line returned %d", rc);
    if (rc == 1) {
        check_rec(&r, keybuf, max_value);
        NVKV_CHECK(count >= 1);
    } else if (rc < 0) {
        check_error(err);
    }
}

static void
parse_lines(const char *text, size_t size, uint32_t max_value)
{
    static const char meta_header[] =
        "op_time,key,key_size,op,op_count,size,cache_hits,ttl,usecase,sub_usecase";
    struct wl_trace_cols meta, own;
    char err[256];
    NVKV_CHECK(
        wl_trace_header_parse(meta_header, sizeof(meta_header) - 1, &meta, err, sizeof(err)) == 0);
    const char *nl = memchr(text, '\n', size);
    size_t first_len = nl != NULL ? (size_t)(nl - text) : size;
    int own_rc = wl_trace_header_parse(text, first_len, &own, err, sizeof(err));
    if (own_rc != 0)
        check_error(err);
    for (size_t at = 0; at < size;) {
        nl = memchr(text + at, '\n', size - at);
        size_t len = nl != NULL ? (size_t)(nl - (text + at)) : size - at;
        parse_one(WL_TRACE_TEXT, NULL, text + at, len, max_value);
        parse_one(WL_TRACE_TWITTER, NULL, text + at, len, max_value);
        parse_one(WL_TRACE_CACHELIB, &meta, text + at, len, max_value);
        if (own_rc == 0)
            parse_one(WL_TRACE_CACHELIB, &own, text + at, len, max_value);
        at += len + 1;
    }
}

static void
read_whole(char *copy, size_t size, enum wl_trace_format f, uint32_t repeat, uint32_t max_value)
{
    FILE *mem = fmemopen(copy, size, "r");
    NVKV_CHECK(mem != NULL);
    struct wl_trace_opts o = {f, repeat, max_value};
    struct wl_trace *t;
    char err[512] = "";
    int rc = wl_trace_open_file(mem, "fuzz", &o, &t, err, sizeof(err));
    if (rc != 0) {
        check_error(err);
        NVKV_CHECK(strncmp(err, "fuzz:", 5) == 0);
        return;
    }
    NVKV_CHECK(f == WL_TRACE_AUTO || wl_trace_format_of(t) == f);
    struct wl_trace_rec r;
    uint64_t n = 0;
    while (n < MAX_REQUESTS && (rc = wl_trace_next(t, &r, err, sizeof(err))) == 1) {
        NVKV_CHECK(r.line >= 1);
        check_rec(&r, NULL, max_value);
        n++;
    }
    if (rc < 0) {
        check_error(err);
        NVKV_CHECK_MSG(strncmp(err, "fuzz:", 5) == 0, "error without the file name: %s", err);
    }
    struct wl_trace_counts c;
    wl_trace_counts(t, &c);
    NVKV_CHECK(c.requests == n && c.clamped_keys <= n && c.clamped_values <= n);
    NVKV_CHECK(c.pass < repeat);
    wl_trace_close(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t max_value = size % 2 == 0 ? 0 : 64;
    uint32_t repeat = 1 + (uint32_t)(size % 3);
    char *copy = calloc(size + 1, 1); /* fmemopen wants a writable buffer; +1: size 0 */
    NVKV_CHECK(copy != NULL);
    if (size > 0)
        memcpy(copy, data, size);
    parse_lines(copy, size, max_value);
    if (size > 0) { /* fmemopen refuses an empty buffer on older C libraries */
        for (int f = WL_TRACE_AUTO; f <= WL_TRACE_CACHELIB; f++)
            read_whole(copy, size, (enum wl_trace_format)f, repeat, max_value);
    }
    free(copy);
    return 0;
}
