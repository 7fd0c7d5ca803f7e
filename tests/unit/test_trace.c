/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for trace replay (src/workload/trace.h) and key interning (keymap.h). The expected
 * records and totals of the public samples were computed independently (Python's csv module
 * over the files in tests/data/traces) and are hard-coded here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "../../src/base/rng.h"
#include "../../src/workload/keymap.h"
#include "../../src/workload/trace.h"
#include "harness.h"

#ifndef NVKV_TEST_DATA_DIR
#error "NVKV_TEST_DATA_DIR must name tests/data/traces"
#endif
#define DATA(name) NVKV_TEST_DATA_DIR "/" name

static char err[512];

static struct wl_trace *
open_path(const char *path, enum wl_trace_format fmt, uint32_t repeat, uint32_t max_value)
{
    struct wl_trace_opts o = {fmt, repeat, max_value};
    struct wl_trace *t = NULL;
    int rc = wl_trace_open(path, &o, &t, err, sizeof(err));
    CHECK_MSG(rc == 0, "open %s: %d %s", path, rc, err);
    return t;
}

/* A trace over bytes held in a temporary file (seekable, any bytes, no lifetime to manage). */
static int
open_text(const char *bytes, size_t len, enum wl_trace_format fmt, uint32_t repeat,
          uint32_t max_value, struct wl_trace **t)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (f == NULL)
        return -EIO;
    CHECK_EQ_U64(fwrite(bytes, 1, len, f), len);
    rewind(f);
    struct wl_trace_opts o = {fmt, repeat, max_value};
    return wl_trace_open_file(f, "mem", &o, t, err, sizeof(err));
}

static struct wl_trace *
open_str(const char *s, enum wl_trace_format fmt, uint32_t repeat, uint32_t max_value)
{
    struct wl_trace *t = NULL;
    int rc = open_text(s, strlen(s), fmt, repeat, max_value, &t);
    CHECK_MSG(rc == 0, "open: %d %s", rc, err);
    return t;
}

static void
expect_rec(struct wl_trace *t, enum wl_trace_op op, const char *key, uint32_t key_len,
           uint32_t value_size, uint64_t line)
{
    struct wl_trace_rec r;
    int rc = wl_trace_next(t, &r, err, sizeof(err));
    CHECK_MSG(rc == 1, "next: %d %s (want line %llu)", rc, err, (unsigned long long)line);
    if (rc != 1)
        return;
    CHECK_EQ_INT(r.op, op);
    CHECK_EQ_U64(r.key_len, key_len);
    CHECK_MSG(r.key_len == key_len && memcmp(r.key, key, key_len) == 0, "key at line %llu",
              (unsigned long long)line);
    CHECK_EQ_U64(r.value_size, value_size);
    CHECK_EQ_U64(r.line, line);
}

/* A recorded key built to `size` bytes: the anonymized key repeated, then cut. */
static const char *
built(const char *anon, uint32_t size)
{
    static char buf[256];
    size_t n = strlen(anon);
    for (uint32_t i = 0; i < size; i++)
        buf[i] = anon[i % n];
    buf[size] = '\0';
    return buf;
}

struct tally {
    uint64_t ops[3];
    uint64_t put_bytes;
    uint64_t last_line;
    uint64_t max_value_seen;
    int rc; /* 0 at a clean end */
};

static struct tally
drain(struct wl_trace *t)
{
    struct tally y = {{0, 0, 0}, 0, 0, 0, 0};
    struct wl_trace_rec r;
    int rc;
    while ((rc = wl_trace_next(t, &r, err, sizeof(err))) == 1) {
        y.ops[r.op]++;
        if (r.op == WL_TRACE_PUT)
            y.put_bytes += r.value_size;
        if (r.value_size > y.max_value_seen)
            y.max_value_seen = r.value_size;
        CHECK(r.key_len >= 1 && r.key_len <= 255);
        y.last_line = r.line;
    }
    y.rc = rc;
    return y;
}

static void
check_totals(const char *path, enum wl_trace_format fmt, uint64_t gets, uint64_t puts,
             uint64_t dels, uint64_t put_bytes, uint64_t last_line)
{
    struct wl_trace *t = open_path(path, fmt, 1, 0);
    if (t == NULL)
        return;
    struct tally y = drain(t);
    CHECK_MSG(y.rc == 0, "%s: %d %s", path, y.rc, err);
    CHECK_EQ_U64(y.ops[WL_TRACE_GET], gets);
    CHECK_EQ_U64(y.ops[WL_TRACE_PUT], puts);
    CHECK_EQ_U64(y.ops[WL_TRACE_DEL], dels);
    CHECK_EQ_U64(y.put_bytes, put_bytes);
    CHECK_EQ_U64(y.last_line, last_line);
    struct wl_trace_counts c;
    wl_trace_counts(t, &c);
    CHECK_EQ_U64(c.requests, gets + puts + dels);
    CHECK_EQ_U64(c.clamped_keys, 0);
    CHECK_EQ_U64(c.clamped_values, 0);
    CHECK_EQ_U64(c.skipped_rows, 0);
    CHECK_EQ_U64(c.pass, 0);
    CHECK_EQ_INT(wl_trace_next(t, &(struct wl_trace_rec){0}, err, sizeof(err)), 0);
    wl_trace_close(t);
}

/* ---- the public samples ---- */

TEST(twitter_first_rows)
{
    struct wl_trace *t = open_path(DATA("twitter_sample.csv"), WL_TRACE_TWITTER, 1, 0);
    if (t == NULL)
        return;
    expect_rec(t, WL_TRACE_GET, "q:q:1:8WTwl7huJeQ", 17, 0, 1);
    expect_rec(t, WL_TRACE_GET, "q:q:1:MYY8VvHze8", 16, 0, 2);
    expect_rec(t, WL_TRACE_GET, "yDqF:gY:1AJrn9G9JKGxJ9KCr9C", 27, 0, 3);
    struct wl_trace_rec r;
    while (wl_trace_next(t, &r, err, sizeof(err)) == 1 && r.op != WL_TRACE_PUT)
        ;
    /* line 18: 0,yDqF:vS:GKA9AK1xJxJ9nKA991,26,27,...,add,... */
    CHECK_EQ_U64(r.line, 18);
    CHECK_EQ_U64(r.key_len, 26);
    CHECK(memcmp(r.key, "yDqF:vS:GKA9AK1xJxJ9nKA991", 26) == 0);
    CHECK_EQ_U64(r.value_size, 27);
    wl_trace_close(t);
}

/* get 91 + gets 2 -> 93 gets; add 5 + cas 2 -> 7 puts of 1407 bytes; no final newline. */
TEST(twitter_totals)
{
    check_totals(DATA("twitter_sample.csv"), WL_TRACE_TWITTER, 93, 7, 0, 1407, 100);
}

TEST(cachelib_first_rows_file1)
{
    struct wl_trace *t = open_path(DATA("kv_traces_1.csv"), WL_TRACE_CACHELIB, 1, 0);
    if (t == NULL)
        return;
    /* line 2: 82131353f9ddc8c6,48,GET,op_count 1,size 87 (a get: value size 0) */
    expect_rec(t, WL_TRACE_GET, built("82131353f9ddc8c6", 48), 48, 0, 2);
    /* line 3: a54f88ab02ece24d,24,GET,op_count 3 */
    for (int i = 0; i < 3; i++)
        expect_rec(t, WL_TRACE_GET, built("a54f88ab02ece24d", 24), 24, 0, 3);
    expect_rec(t, WL_TRACE_GET, built("a54f88ab02ece24d", 24), 24, 0, 4);
    for (int i = 0; i < 3; i++)
        expect_rec(t, WL_TRACE_GET, built("4ccc6e0fdd163416", 87), 87, 0, 5);
    struct wl_trace_rec r;
    while (wl_trace_next(t, &r, err, sizeof(err)) == 1 && r.op != WL_TRACE_PUT)
        ;
    /* line 16: 828769c1e1ce3a29,67,SET,1,65 */
    CHECK_EQ_U64(r.line, 16);
    CHECK_EQ_U64(r.key_len, 67);
    CHECK(memcmp(r.key, built("828769c1e1ce3a29", 67), 67) == 0);
    CHECK_EQ_U64(r.value_size, 65);
    wl_trace_close(t);
}

TEST(cachelib_first_rows_file2)
{
    struct wl_trace *t = open_path(DATA("kv_traces_2.csv"), WL_TRACE_CACHELIB, 1, 0);
    if (t == NULL)
        return;
    /* line 2: 2748536847,56,GET,op_count 2,size 21; lines 3 and 4 the same key once each */
    expect_rec(t, WL_TRACE_GET, built("2748536847", 56), 56, 0, 2);
    expect_rec(t, WL_TRACE_GET, built("2748536847", 56), 56, 0, 2);
    expect_rec(t, WL_TRACE_GET, built("2748536847", 56), 56, 0, 3);
    expect_rec(t, WL_TRACE_GET, built("2748536847", 56), 56, 0, 4);
    /* line 5: 2776285353,68,SET,1,11 */
    expect_rec(t, WL_TRACE_PUT, built("2776285353", 68), 68, 11, 5);
    wl_trace_close(t);
}

/*
 * Requests are rows x op_count. File 1: GET 167 + GET_LEASE 511, SET 8 + SET_LEASE 2, DELETE 3.
 * File 2: GET 383 + GET_LEASE 35, SET 9 + SET_LEASE 5, DELETE 1.
 */
TEST(cachelib_totals)
{
    check_totals(DATA("kv_traces_1.csv"), WL_TRACE_CACHELIB, 678, 10, 3, 1827, 100);
    check_totals(DATA("kv_traces_2.csv"), WL_TRACE_CACHELIB, 418, 14, 1, 10632, 100);
}

TEST(text_sample_records)
{
    struct wl_trace *t = open_path(DATA("text_sample.txt"), WL_TRACE_TEXT, 1, 0);
    if (t == NULL)
        return;
    expect_rec(t, WL_TRACE_PUT, "user0001", 8, 100, 2);
    expect_rec(t, WL_TRACE_GET, "user0001", 8, 0, 3);
    expect_rec(t, WL_TRACE_PUT, "user0002", 8, 4096, 4);
    expect_rec(t, WL_TRACE_GET, "user0002", 8, 0, 5);
    expect_rec(t, WL_TRACE_DEL, "user0001", 8, 0, 8);
    expect_rec(t, WL_TRACE_PUT, "user0003", 8, 17, 9);
    expect_rec(t, WL_TRACE_DEL, "user0003", 8, 0, 10);
    expect_rec(t, WL_TRACE_GET, "user0002", 8, 0, 11);
    expect_rec(t, WL_TRACE_PUT, "k", 1, 0, 12);
    struct wl_trace_rec r;
    CHECK_EQ_INT(wl_trace_next(t, &r, err, sizeof(err)), 0);
    wl_trace_close(t);
    check_totals(DATA("text_sample.txt"), WL_TRACE_TEXT, 3, 4, 2, 4213, 12);
}

TEST(auto_detection)
{
    static const struct {
        const char *path;
        enum wl_trace_format want;
    } files[] = {
        {DATA("twitter_sample.csv"), WL_TRACE_TWITTER},
        {DATA("kv_traces_1.csv"), WL_TRACE_CACHELIB},
        {DATA("kv_traces_2.csv"), WL_TRACE_CACHELIB},
        {DATA("text_sample.txt"), WL_TRACE_TEXT},
    };

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct wl_trace *t = open_path(files[i].path, WL_TRACE_AUTO, 1, 0);
        if (t == NULL)
            continue;
        CHECK_STR(wl_trace_format_name(wl_trace_format_of(t)), wl_trace_format_name(files[i].want));
        wl_trace_close(t);
    }
    /* auto reads the same records as the named format */
    check_totals(DATA("twitter_sample.csv"), WL_TRACE_AUTO, 93, 7, 0, 1407, 100);
    check_totals(DATA("kv_traces_2.csv"), WL_TRACE_AUTO, 418, 14, 1, 10632, 100);
    /* an empty file is an empty text trace */
    struct wl_trace *t = open_str("", WL_TRACE_AUTO, 1, 0);
    if (t != NULL) {
        CHECK_EQ_INT(wl_trace_format_of(t), WL_TRACE_TEXT);
        CHECK_EQ_INT(drain(t).rc, 0);
        wl_trace_close(t);
    }
}

TEST(format_names)
{
    CHECK_EQ_INT(wl_trace_format_parse("auto"), WL_TRACE_AUTO);
    CHECK_EQ_INT(wl_trace_format_parse("text"), WL_TRACE_TEXT);
    CHECK_EQ_INT(wl_trace_format_parse("twitter"), WL_TRACE_TWITTER);
    CHECK_EQ_INT(wl_trace_format_parse("cachelib"), WL_TRACE_CACHELIB);
    CHECK_EQ_INT(wl_trace_format_parse("csv"), -1);
    CHECK_STR(wl_trace_format_name(WL_TRACE_CACHELIB), "cachelib");
    CHECK_STR(wl_trace_format_name((enum wl_trace_format)9), "unknown");
}

/* ---- passes ---- */

/* p passes: p times the requests and p times the distinct keys; pass 0 keys are the file's. */
static void
check_passes(const char *path, uint64_t requests, uint64_t distinct, uint32_t passes)
{
    struct wl_trace *t = open_path(path, WL_TRACE_AUTO, passes, 0);
    if (t == NULL)
        return;
    struct wl_keymap m;
    CHECK_EQ_INT(wl_keymap_init(&m, 0), 0);
    struct wl_trace_rec r;
    uint64_t n = 0, prev_line = 0, restarts = 0;
    int rc;
    while ((rc = wl_trace_next(t, &r, err, sizeof(err))) == 1) {
        uint64_t id;
        bool is_new;
        CHECK_EQ_INT(wl_keymap_intern(&m, r.key, r.key_len, &id, &is_new), 0);
        restarts += r.line < prev_line;
        prev_line = r.line;
        n++;
    }
    CHECK_MSG(rc == 0, "%s: %s", path, err);
    CHECK_EQ_U64(n, requests * passes);
    CHECK_EQ_U64(wl_keymap_count(&m), distinct * passes);
    CHECK_EQ_U64(restarts, passes - 1); /* line numbers start again each pass */
    struct wl_trace_counts c;
    wl_trace_counts(t, &c);
    CHECK_EQ_U64(c.pass, passes - 1);
    CHECK_EQ_U64(c.requests, requests * passes);
    wl_keymap_free(&m);
    wl_trace_close(t);
}

TEST(repeat_passes_multiply_keys)
{
    check_passes(DATA("twitter_sample.csv"), 100, 85, 3);
    check_passes(DATA("kv_traces_1.csv"), 691, 52, 3);
    check_passes(DATA("kv_traces_2.csv"), 433, 62, 5);
    check_passes(DATA("kv_traces_2.csv"), 433, 62, 300);
}

/* Pass p sets the high bit of the i-th byte from the end for bit i of p. */
TEST(repeat_pass_key_bytes)
{
    struct wl_trace *t = open_str("put ab 1\nput ac 1\n", WL_TRACE_TEXT, 4, 0);
    if (t == NULL)
        return;
    expect_rec(t, WL_TRACE_PUT, "ab", 2, 1, 1);
    expect_rec(t, WL_TRACE_PUT, "ac", 2, 1, 2);
    expect_rec(t, WL_TRACE_PUT, "a\xe2", 2, 1, 1);
    expect_rec(t, WL_TRACE_PUT, "a\xe3", 2, 1, 2);
    expect_rec(t, WL_TRACE_PUT,
               "\xe1"
               "b",
               2, 1, 1);
    expect_rec(t, WL_TRACE_PUT,
               "\xe1"
               "c",
               2, 1, 2);
    expect_rec(t, WL_TRACE_PUT, "\xe1\xe2", 2, 1, 1);
    expect_rec(t, WL_TRACE_PUT, "\xe1\xe3", 2, 1, 2);
    CHECK_EQ_INT(drain(t).rc, 0);
    wl_trace_close(t);
    /* the documented limit: 1-byte keys have two distinct passes; pass 2 repeats pass 0 */
    t = open_str("get a\n", WL_TRACE_TEXT, 3, 0);
    if (t == NULL)
        return;
    expect_rec(t, WL_TRACE_GET, "a", 1, 0, 1);
    expect_rec(t, WL_TRACE_GET, "\xe1", 1, 0, 1);
    expect_rec(t, WL_TRACE_GET, "a", 1, 0, 1);
    wl_trace_close(t);
}

/* A pass with no request ends the trace (else 2^32 passes over comments would spin). */
TEST(repeat_of_nothing_ends)
{
    struct wl_trace *t = open_str("# nothing\n\n", WL_TRACE_TEXT, UINT32_MAX, 0);
    if (t == NULL)
        return;
    CHECK_EQ_INT(drain(t).rc, 0);
    wl_trace_close(t);
}

TEST(repeat_needs_seekable_input)
{
    int fd[2];
    CHECK_EQ_INT(pipe(fd), 0);
    CHECK_EQ_INT(write(fd[1], "get a\n", 6), 6);
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    struct wl_trace_opts o = {WL_TRACE_TEXT, 2, 0};
    struct wl_trace *t = NULL;
    CHECK_EQ_INT(wl_trace_open_file(f, "pipe", &o, &t, err, sizeof(err)), -ESPIPE);
    CHECK_CONTAINS(err, "pipe: cannot repeat");
    CHECK(t == NULL);
}

/* ---- malformed input ---- */

static void
expect_error_at(const char *path, enum wl_trace_format fmt, uint64_t good, const char *where,
                const char *why)
{
    struct wl_trace *t = open_path(path, fmt, 1, 0);
    if (t == NULL)
        return;
    struct tally y = drain(t);
    CHECK_EQ_INT(y.rc, -EINVAL);
    CHECK_EQ_U64(y.ops[0] + y.ops[1] + y.ops[2], good);
    CHECK_CONTAINS(err, where);
    CHECK_CONTAINS(err, why);
    CHECK(strchr(err, '\n') == NULL);
    /* sticky: the same error again */
    char again[512];
    CHECK_EQ_INT(wl_trace_next(t, &(struct wl_trace_rec){0}, again, sizeof(again)), -EINVAL);
    CHECK_STR(again, err);
    wl_trace_close(t);
}

TEST(malformed_files_name_the_line)
{
    expect_error_at(DATA("bad_text_op.txt"), WL_TRACE_AUTO, 2,
                    "bad_text_op.txt:3: ", "unknown operation 'fetch'");
    expect_error_at(DATA("bad_twitter_fields.csv"), WL_TRACE_AUTO, 2,
                    "bad_twitter_fields.csv:3: ", "6 fields");
    expect_error_at(DATA("bad_cachelib_number.csv"), WL_TRACE_AUTO, 2,
                    "bad_cachelib_number.csv:4: ", "bad op_count 'x'");
    expect_error_at(DATA("bad_twitter_key_size.csv"), WL_TRACE_TWITTER, 1,
                    "bad_twitter_key_size.csv:2: ", "key size 0");
}

TEST(bad_header_fails_open)
{
    struct wl_trace_opts o = {WL_TRACE_AUTO, 1, 0};
    struct wl_trace *t = NULL;
    CHECK_EQ_INT(wl_trace_open(DATA("bad_cachelib_header.csv"), &o, &t, err, sizeof(err)), -EINVAL);
    CHECK_CONTAINS(err, "bad_cachelib_header.csv:1: ");
    CHECK_CONTAINS(err, "lacks the size column");
    CHECK(t == NULL);
    CHECK_EQ_INT(wl_trace_open(DATA("no_such_file.csv"), &o, &t, err, sizeof(err)), -ENOENT);
    CHECK_CONTAINS(err, "no_such_file.csv: ");
    o.format = (enum wl_trace_format)7;
    CHECK_EQ_INT(wl_trace_open(DATA("text_sample.txt"), &o, &t, err, sizeof(err)), -EINVAL);
    /* a header twice the same column, and a CacheLib trace with no header at all */
    t = NULL;
    CHECK_EQ_INT(open_text("key,op,size,key\n", 16, WL_TRACE_CACHELIB, 1, 0, &t), -EINVAL);
    CHECK_CONTAINS(err, "mem:1: column 'key' named twice");
    CHECK_EQ_INT(open_text("", 0, WL_TRACE_CACHELIB, 1, 0, &t), -EINVAL);
    CHECK_CONTAINS(err, "empty file");
}

struct bad_line {
    enum wl_trace_format f;
    const char *line;
    const char *why;
};

TEST(malformed_lines)
{
    static const struct bad_line bad[] = {
        {WL_TRACE_TEXT, "fetch k 1", "unknown operation 'fetch'"},
        {WL_TRACE_TEXT, "put", "missing key"},
        {WL_TRACE_TEXT, "put k", "missing value size"},
        {WL_TRACE_TEXT, "put k 1 2", "too many fields"},
        {WL_TRACE_TEXT, "put k -1", "bad value size '-1'"},
        {WL_TRACE_TEXT, "put k 1x", "bad value size '1x'"},
        {WL_TRACE_TEXT, "put k 18446744073709551616", "out of range"},
        {WL_TRACE_TEXT, "get \x01\xff 0 0", "too many fields"},
        {WL_TRACE_TWITTER, "0,k,3,1,get,0", "6 fields"},
        {WL_TRACE_TWITTER, "0", "1 fields"},
        {WL_TRACE_TWITTER, "0,,3,1,1,get,0", "empty key"},
        {WL_TRACE_TWITTER, "0,k,0,1,1,get,0", "key size 0"},
        {WL_TRACE_TWITTER, "0,k,x,1,1,get,0", "bad key size 'x'"},
        {WL_TRACE_TWITTER, "0,k,3,,1,get,0", "bad value size ''"},
        {WL_TRACE_TWITTER, "0,k,3,1,1,fetch,0", "unknown operation 'fetch'"},
        {WL_TRACE_TWITTER, "0,k,3,1,1,,0", "missing operation"},
        {WL_TRACE_TWITTER, "0,k,3,1,1,get,0,5", "unknown operation '0'"},
        {WL_TRACE_CACHELIB, "1,k,3,GET,1", "fewer fields, the header has 6"},
        {WL_TRACE_CACHELIB, "1,k,3,GET,1,0,9", "more fields, the header has 6"},
        {WL_TRACE_CACHELIB, "1,,3,GET,1,0", "empty key"},
        {WL_TRACE_CACHELIB, "1,k,3,PUT,1,0", "unknown operation 'PUT'"},
        {WL_TRACE_CACHELIB, "1,k,0,GET,1,0", "key size 0"},
        {WL_TRACE_CACHELIB, "1,k,3,GET,4294967296,0", "op_count '4294967296' out of range"},
        {WL_TRACE_CACHELIB, "1,k,3,SET,1,x", "bad value size 'x'"},
    };
    struct wl_trace_cols cols;
    static const char header[] = "op_time,key,key_size,op,op_count,size";
    CHECK_EQ_INT(wl_trace_header_parse(header, strlen(header), &cols, err, sizeof(err)), 0);
    uint8_t key[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct wl_trace_rec r;
        uint32_t count;
        err[0] = '\0';
        int rc = wl_trace_parse_line(bad[i].f, &cols, bad[i].line, strlen(bad[i].line), 0, key, &r,
                                     &count, err, sizeof(err));
        CHECK_MSG(rc == -EINVAL, "'%s' gave %d", bad[i].line, rc);
        CHECK_CONTAINS(err, bad[i].why);
    }
    /* a text key longer than 255 bytes is an error (no recorded size to clamp to) */
    char line[300] = "get ";
    memset(line + 4, 'k', 256);
    line[260] = '\0';
    struct wl_trace_rec r;
    CHECK_EQ_INT(
        wl_trace_parse_line(WL_TRACE_TEXT, NULL, line, 260, 0, key, &r, NULL, err, sizeof(err)),
        -EINVAL);
    CHECK_CONTAINS(err, "key of 256 bytes");
    /* cachelib without a header map */
    CHECK_EQ_INT(wl_trace_parse_line(WL_TRACE_CACHELIB, NULL, "1,k,3,GET,1,0", 13, 0, key, &r, NULL,
                                     err, sizeof(err)),
                 -EINVAL);
    /* the error quotes binary bytes escaped and cuts long fields */
    CHECK_EQ_INT(
        wl_trace_parse_line(WL_TRACE_TEXT, NULL, "\x01\xff", 2, 0, key, &r, NULL, err, sizeof(err)),
        -EINVAL);
    CHECK_CONTAINS(err, "'\\x01\\xff'");
}

/* ---- line shapes ---- */

TEST(crlf_and_missing_final_newline)
{
    static const char twitter[] = "0,a:1,4,10,1,get,0\r\n0,b:2,4,20,1,set,0";
    static const char cachelib[] = "key,op,size\r\nk1,SET,5\r\nk2,GET,0";
    static const char text[] = "put k 3\r\n# c\r\n\r\nget k\r\ndel k";
    struct wl_trace *t = open_str(twitter, WL_TRACE_AUTO, 1, 0);
    if (t != NULL) {
        CHECK_EQ_INT(wl_trace_format_of(t), WL_TRACE_TWITTER);
        expect_rec(t, WL_TRACE_GET, "a:1a", 4, 0, 1);
        expect_rec(t, WL_TRACE_PUT, "b:2b", 4, 20, 2);
        CHECK_EQ_INT(drain(t).rc, 0);
        wl_trace_close(t);
    }
    t = open_str(cachelib, WL_TRACE_AUTO, 1, 0);
    if (t != NULL) {
        CHECK_EQ_INT(wl_trace_format_of(t), WL_TRACE_CACHELIB);
        /* no key_size column: the key's own length; no op_count column: once */
        expect_rec(t, WL_TRACE_PUT, "k1", 2, 5, 2);
        expect_rec(t, WL_TRACE_GET, "k2", 2, 0, 3);
        CHECK_EQ_INT(drain(t).rc, 0);
        wl_trace_close(t);
    }
    t = open_str(text, WL_TRACE_AUTO, 1, 0);
    if (t != NULL) {
        CHECK_EQ_INT(wl_trace_format_of(t), WL_TRACE_TEXT);
        expect_rec(t, WL_TRACE_PUT, "k", 1, 3, 1);
        expect_rec(t, WL_TRACE_GET, "k", 1, 0, 4);
        expect_rec(t, WL_TRACE_DEL, "k", 1, 0, 5);
        CHECK_EQ_INT(drain(t).rc, 0);
        wl_trace_close(t);
    }
    /* a UTF-8 byte-order mark before a CacheLib header */
    t = open_str("\xef\xbb\xbfkey,op,size\nk,GET,0\n", WL_TRACE_AUTO, 1, 0);
    if (t != NULL) {
        CHECK_EQ_INT(wl_trace_format_of(t), WL_TRACE_CACHELIB);
        expect_rec(t, WL_TRACE_GET, "k", 1, 0, 2);
        wl_trace_close(t);
    }
}

/* getline takes lines of any length: a 1 MiB comment, then a twitter key of 1000 bytes cut. */
TEST(long_lines)
{
    size_t n = 1u << 20;
    char *buf = malloc(n + 64);
    memset(buf, '#', n);
    strcpy(buf + n, "\nget k\n");
    struct wl_trace *t = NULL;
    CHECK_EQ_INT(open_text(buf, strlen(buf), WL_TRACE_TEXT, 1, 0, &t), 0);
    if (t != NULL) {
        expect_rec(t, WL_TRACE_GET, "k", 1, 0, 2);
        wl_trace_close(t);
    }
    size_t at = (size_t)sprintf(buf, "0,");
    memset(buf + at, 'x', 1000);
    at += 1000;
    sprintf(buf + at, ",1000,7,1,set,0\n");
    t = NULL;
    CHECK_EQ_INT(open_text(buf, strlen(buf), WL_TRACE_TWITTER, 1, 0, &t), 0);
    if (t != NULL) {
        char want[256];
        memset(want, 'x', 255);
        expect_rec(t, WL_TRACE_PUT, want, 255, 7, 1);
        struct wl_trace_counts c;
        wl_trace_counts(t, &c);
        CHECK_EQ_U64(c.clamped_keys, 1);
        wl_trace_close(t);
    }
    free(buf);
}

/* Twitter keys are taken between the first comma and the fifth from the right. */
TEST(twitter_key_with_commas)
{
    struct wl_trace *t = open_str("0,a,b,c,5,3,1,set,0\n", WL_TRACE_TWITTER, 1, 0);
    if (t == NULL)
        return;
    expect_rec(t, WL_TRACE_PUT, "a,b,c", 5, 3, 1);
    wl_trace_close(t);
}

/* ---- op_count and clamping ---- */

TEST(op_count_repeats_and_zero_skips)
{
    static const char trace[] = "key,op_count,op,size,key_size\n"
                                "a,2,SET,10,3\n"
                                "b,0,GET,0,3\n"
                                "c,1,DELETE,0,1\n";
    struct wl_trace *t = open_str(trace, WL_TRACE_AUTO, 1, 0);
    if (t == NULL)
        return;
    expect_rec(t, WL_TRACE_PUT, "aaa", 3, 10, 2);
    expect_rec(t, WL_TRACE_PUT, "aaa", 3, 10, 2);
    expect_rec(t, WL_TRACE_DEL, "c", 1, 0, 4);
    CHECK_EQ_INT(drain(t).rc, 0);
    struct wl_trace_counts c;
    wl_trace_counts(t, &c);
    CHECK_EQ_U64(c.requests, 3);
    CHECK_EQ_U64(c.skipped_rows, 1);
    wl_trace_close(t);
    /* parse_line reports the count; op_count 0 is a skipped line */
    struct wl_trace_cols cols;
    CHECK_EQ_INT(wl_trace_header_parse(trace, 29, &cols, err, sizeof(err)), 0);
    CHECK_EQ_INT(cols.key, 0);
    CHECK_EQ_INT(cols.op_count, 1);
    CHECK_EQ_INT(cols.op, 2);
    CHECK_EQ_INT(cols.size, 3);
    CHECK_EQ_INT(cols.key_size, 4);
    CHECK_EQ_INT(cols.n, 5);
    uint8_t key[256];
    struct wl_trace_rec r;
    uint32_t count = 99;
    CHECK_EQ_INT(wl_trace_parse_line(WL_TRACE_CACHELIB, &cols, "a,7,GET,0,3", 11, 0, key, &r,
                                     &count, err, sizeof(err)),
                 1);
    CHECK_EQ_U64(count, 7);
    CHECK_EQ_INT(wl_trace_parse_line(WL_TRACE_CACHELIB, &cols, "a,0,GET,0,3", 11, 0, key, &r,
                                     &count, err, sizeof(err)),
                 0);
    CHECK_EQ_U64(count, 0);
}

TEST(value_and_key_clamping)
{
    /* twitter: two puts over 200 bytes (of 7) */
    struct wl_trace *t = open_path(DATA("twitter_sample.csv"), WL_TRACE_TWITTER, 1, 200);
    if (t != NULL) {
        struct tally y = drain(t);
        CHECK_EQ_INT(y.rc, 0);
        CHECK_LE_U64(y.max_value_seen, 200);
        struct wl_trace_counts c;
        wl_trace_counts(t, &c);
        CHECK_EQ_U64(c.clamped_values, 2);
        CHECK_EQ_U64(c.clamped_keys, 0);
        wl_trace_close(t);
    }

    /* kv_traces_1: the 14773-byte size is a GET's, so nothing is clamped at 4096; at 1000 one */
    static const struct {
        const char *path;
        uint32_t max;
        uint64_t clamped;
    } cl[] = {
        {DATA("kv_traces_1.csv"), 4096, 0},
        {DATA("kv_traces_1.csv"), 1000, 1},
        {DATA("kv_traces_2.csv"), 4096, 1},
        {DATA("kv_traces_2.csv"), 100, 3},
    };

    for (size_t i = 0; i < sizeof(cl) / sizeof(cl[0]); i++) {
        t = open_path(cl[i].path, WL_TRACE_CACHELIB, 2, cl[i].max);
        if (t == NULL)
            continue;
        struct tally y = drain(t);
        CHECK_EQ_INT(y.rc, 0);
        CHECK_LE_U64(y.max_value_seen, cl[i].max);
        struct wl_trace_counts c;
        wl_trace_counts(t, &c);
        CHECK_EQ_U64(c.clamped_values, 2 * cl[i].clamped); /* two passes */
        wl_trace_close(t);
    }
    /* a key size over 255 is cut and counted */
    t = open_path(DATA("bad_twitter_key_size.csv"), WL_TRACE_TWITTER, 1, 0);
    if (t != NULL) {
        expect_rec(t, WL_TRACE_PUT, built("k:1", 255), 255, 10, 1);
        struct wl_trace_counts c;
        wl_trace_counts(t, &c);
        CHECK_EQ_U64(c.clamped_keys, 1);
        wl_trace_close(t);
    }
}

/* ---- keymap ---- */

static uint32_t
random_key(struct nvkv_rng *rng, uint8_t *buf)
{
    /* lengths 0..300, bytes from a small alphabet so short keys repeat */
    uint32_t len = (uint32_t)nvkv_rng_below(rng, 301);
    for (uint32_t i = 0; i < len; i++)
        buf[i] = (uint8_t)('a' + nvkv_rng_below(rng, 4));
    return len;
}

TEST(keymap_round_trips)
{
    enum {
        N = 100000
    };
    struct wl_keymap m;
    CHECK_EQ_INT(wl_keymap_init(&m, 0), 0); /* grows from the minimum */
    size_t bytes0 = wl_keymap_bytes(&m);
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, harness_seed);
    uint8_t buf[512];
    uint64_t fresh = 0;
    for (uint64_t i = 0; i < N; i++) {
        uint32_t len = random_key(&rng, buf);
        uint64_t id;
        bool is_new;
        CHECK_EQ_INT(wl_keymap_intern(&m, buf, len, &id, &is_new), 0);
        if (is_new)
            CHECK_EQ_U64(id, fresh++); /* dense, first-seen order */
        else
            CHECK_LT_U64(id, fresh);
        uint32_t got_len;
        const uint8_t *got = wl_keymap_key(&m, id, &got_len);
        CHECK(got != NULL && got_len == len && (len == 0 || memcmp(got, buf, len) == 0));
    }
    CHECK_EQ_U64(wl_keymap_count(&m), fresh);
    CHECK_GE_U64(fresh, N * 9 / 10); /* the few short keys repeat; most are new */
    CHECK(wl_keymap_bytes(&m) > bytes0);
    /* the same sequence again: every key found with the same id, none new */
    nvkv_rng_seed(&rng, harness_seed);
    uint64_t seen = 0;
    for (uint64_t i = 0; i < N; i++) {
        uint32_t len = random_key(&rng, buf);
        uint64_t id, again;
        bool is_new;
        CHECK_EQ_INT(wl_keymap_find(&m, buf, len, &id), 0);
        CHECK_EQ_INT(wl_keymap_intern(&m, buf, len, &again, &is_new), 0);
        CHECK(!is_new);
        CHECK_EQ_U64(again, id);
        if (id == seen)
            seen++; /* ids appear in the order they were given */
        CHECK_LE_U64(id, seen);
    }
    CHECK_EQ_U64(seen, fresh);
    CHECK_EQ_U64(wl_keymap_count(&m), fresh);
    /* absent keys: a different alphabet */
    uint64_t id;
    CHECK_EQ_INT(wl_keymap_find(&m, (const uint8_t *)"zzz", 3, &id), -ENOENT);
    CHECK(wl_keymap_key(&m, fresh, &(uint32_t){0}) == NULL);
    wl_keymap_free(&m);
}

TEST(keymap_edge_keys)
{
    struct wl_keymap m;
    CHECK_EQ_INT(wl_keymap_init(&m, 1000), 0);
    uint64_t id;
    bool is_new;
    CHECK_EQ_INT(wl_keymap_intern(&m, NULL, 0, &id, &is_new), 0);
    CHECK(is_new && id == 0);
    CHECK_EQ_INT(wl_keymap_find(&m, NULL, 0, &id), 0);
    /* a key that is a prefix of another, and keys differing only in length */
    CHECK_EQ_INT(wl_keymap_intern(&m, (const uint8_t *)"abcdefghij", 10, &id, &is_new), 0);
    CHECK_EQ_U64(id, 1);
    CHECK_EQ_INT(wl_keymap_intern(&m, (const uint8_t *)"abcdefghij", 9, &id, &is_new), 0);
    CHECK(is_new && id == 2);
    CHECK_EQ_INT(wl_keymap_intern(&m, (const uint8_t *)"\0\0\0", 3, &id, &is_new), 0);
    CHECK_EQ_INT(wl_keymap_intern(&m, (const uint8_t *)"\0\0", 2, &id, &is_new), 0);
    CHECK(is_new && id == 4);
    /* a key read from the map itself (its bytes move when the arena grows) */
    uint32_t len;
    const uint8_t *k = wl_keymap_key(&m, 1, &len);
    CHECK_EQ_INT(wl_keymap_intern(&m, k + 2, 5, &id, &is_new), 0); /* "cdefg" */
    CHECK(is_new && id == 5);
    /* windows of one long key, each a new key whose source bytes lie in the growing arena */
    uint8_t longkey[200];
    for (int i = 0; i < 200; i++)
        longkey[i] = (uint8_t)(i * 7 + 1);
    uint64_t long_id;
    CHECK_EQ_INT(wl_keymap_intern(&m, longkey, 200, &long_id, &is_new), 0);
    for (uint32_t off = 0; off < 100; off++) {
        k = wl_keymap_key(&m, long_id, &len);
        CHECK_EQ_INT(wl_keymap_intern(&m, k + off, 100, &id, &is_new), 0);
        CHECK(is_new);
        const uint8_t *got = wl_keymap_key(&m, id, &len);
        CHECK(len == 100 && memcmp(got, longkey + off, 100) == 0);
    }
    CHECK_GE_U64(m.arena_cap, 200 + 100 * 100); /* the arena moved several times meanwhile */
    k = wl_keymap_key(&m, 5, &len);
    CHECK(len == 5 && memcmp(k, "cdefg", 5) == 0);
    wl_keymap_free(&m);
    CHECK_EQ_INT(wl_keymap_init(&m, UINT64_MAX), -ENOMEM);
    wl_keymap_free(&m);
}

TEST_MAIN(TEST_ENTRY(twitter_first_rows), TEST_ENTRY(twitter_totals),
          TEST_ENTRY(cachelib_first_rows_file1), TEST_ENTRY(cachelib_first_rows_file2),
          TEST_ENTRY(cachelib_totals), TEST_ENTRY(text_sample_records), TEST_ENTRY(auto_detection),
          TEST_ENTRY(format_names), TEST_ENTRY(repeat_passes_multiply_keys),
          TEST_ENTRY(repeat_pass_key_bytes), TEST_ENTRY(repeat_of_nothing_ends),
          TEST_ENTRY(repeat_needs_seekable_input), TEST_ENTRY(malformed_files_name_the_line),
          TEST_ENTRY(bad_header_fails_open), TEST_ENTRY(malformed_lines),
          TEST_ENTRY(crlf_and_missing_final_newline), TEST_ENTRY(long_lines),
          TEST_ENTRY(twitter_key_with_commas), TEST_ENTRY(op_count_repeats_and_zero_skips),
          TEST_ENTRY(value_and_key_clamping), TEST_ENTRY(keymap_round_trips),
          TEST_ENTRY(keymap_edge_keys))
