/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/base: random streams, JSON writer, error codes and invariant checks (the
 * histogram tests are in test_hist.c). Random inputs come from nvkv_rng with fixed seeds (some
 * mix in --seed), so every run sees the same numbers and a failure can be replayed.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/base/check.h"
#include "../../src/base/err.h"
#include "../../src/base/json.h"
#include "../../src/base/rng.h"
#include "../../src/base/xxh32.h"
#include "harness.h"
#include "harness_child.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------- */

/* Text written by `fill` through a JSON writer into a memory stream (caller frees). */
static char *
json_text(void (*fill)(struct nvkv_json *j), int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        fprintf(stderr, "open_memstream: %s\n", strerror(errno));
        exit(2);
    }
    struct nvkv_json j;
    nvkv_json_begin(&j, f);
    fill(&j);
    *rc = nvkv_json_end(&j);
    fclose(f);
    return buf;
}

static bool
aborted(int status)
{
    return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* ---------------------------------------------------------------------------------------------
 * Random streams
 * ------------------------------------------------------------------------------------------- */

TEST(rng_known_answers)
{
    /* Published splitmix64 outputs for state 0. */
    uint64_t st = 0;
    CHECK_EQ_U64(nvkv_splitmix64(&st), 0xe220a8397b1dcdafULL);
    CHECK_EQ_U64(nvkv_splitmix64(&st), 0x6e789e6aa1b965f4ULL);
    CHECK_EQ_U64(nvkv_splitmix64(&st), 0x06c45d188009454fULL);
    CHECK_EQ_U64(st, 3 * 0x9e3779b97f4a7c15ULL);

    /* xoshiro256** reference outputs from state {1, 2, 3, 4}. */
    struct nvkv_rng r = {{1, 2, 3, 4}};
    CHECK_EQ_U64(nvkv_rng_next(&r), 11520);
    CHECK_EQ_U64(nvkv_rng_next(&r), 0);
    CHECK_EQ_U64(nvkv_rng_next(&r), 1509978240);
    CHECK_EQ_U64(nvkv_rng_next(&r), 1215971899390074240ULL);

    /* Seeding and deriving (values from an independent implementation): pinned so result files
     * stay comparable across versions. */
    nvkv_rng_seed(&r, 12345);
    CHECK_EQ_U64(nvkv_rng_next(&r), 0xbe6a36374160d49bULL);
    CHECK_EQ_U64(nvkv_rng_next(&r), 0x214aaa0637a688c6ULL);
    CHECK_EQ_U64(nvkv_rng_next(&r), 0xf69d16de9954d388ULL);
    nvkv_rng_derive(&r, 7, "nand-bench.addr");
    CHECK_EQ_U64(nvkv_rng_next(&r), 0x7262694ee7bde373ULL);
    CHECK_EQ_U64(nvkv_rng_next(&r), 0x61085e9422ef0e30ULL);

    /* Lemire's method, including its rejections (10 of the first 16 draws for 2^63 + 1) and the
     * number of draws consumed (checked by the raw draw at the end). */
    const uint64_t big[] = {0x7b4e8b6f4caa69c4ULL, 0x06300246274b7019ULL, 0x47103b5776a8e324ULL,
                            0x14739527f6427b4cULL, 0x64137888087a51e9ULL, 0x44c2d9d6e69337eeULL,
                            0x1166eaaf8be519d0ULL, 0x6de5033ffd95b79aULL};
    const uint64_t ten[] = {5, 4, 0, 3, 1, 2, 0, 0};
    nvkv_rng_seed(&r, 12345);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_U64(nvkv_rng_below(&r, (1ULL << 63) + 1), big[i]);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_U64(nvkv_rng_below(&r, 10), ten[i]);
    CHECK_EQ_U64(nvkv_rng_next(&r), 1063991887965583472ULL);

    /* Seed 0 must not give the all-zero fixed point. */
    nvkv_rng_seed(&r, 0);
    CHECK((r.s[0] | r.s[1] | r.s[2] | r.s[3]) != 0);
    uint64_t x = nvkv_rng_next(&r), y = nvkv_rng_next(&r);
    CHECK(x != 0 || y != 0);
}

TEST(xxh32_known_answers)
{
    /* Published XXH32 values (seed 0): the empty input, short inputs through the tail loops, and
     * python-xxhash's documented example (>= 16 bytes: the four-lane stripes). */
    CHECK_EQ_U64(nvkv_xxh32("", 0, 0), 0x02CC5D05u);
    CHECK_EQ_U64(nvkv_xxh32("a", 1, 0), 0x550D7456u);
    CHECK_EQ_U64(nvkv_xxh32("abc", 3, 0), 0x32D153FFu);
    const char *s = "Nobody inspects the spammish repetition";
    CHECK_EQ_U64(nvkv_xxh32(s, strlen(s), 0), 0xE2293B2Fu);
    /* the seed changes the value */
    CHECK_NE_U64(nvkv_xxh32("abc", 3, 1), 0x32D153FFu);
}

TEST(rng_same_seed_same_sequence)
{
    struct nvkv_rng a, b, c;
    nvkv_rng_seed(&a, 12345);
    nvkv_rng_seed(&b, 12345);
    nvkv_rng_seed(&c, 12346);
    int diff_ab = 0, same_ac = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t x = nvkv_rng_next(&a), y = nvkv_rng_next(&b), z = nvkv_rng_next(&c);
        diff_ab += x != y;
        same_ac += x == z;
    }
    CHECK_EQ_INT(diff_ab, 0);
    CHECK_EQ_INT(same_ac, 0);

    /* Mixed calls replay identically too. */
    nvkv_rng_seed(&a, harness_seed);
    nvkv_rng_seed(&b, harness_seed);
    int diff = 0;
    for (int i = 0; i < 1000; i++) {
        diff += nvkv_rng_below(&a, 1000 + (uint64_t)i) != nvkv_rng_below(&b, 1000 + (uint64_t)i);
        diff += nvkv_rng_unit(&a) != nvkv_rng_unit(&b);
    }
    CHECK_EQ_INT(diff, 0);
}

/* Positions among the first 1000 draws at which two streams agree. */
static int
stream_agreements(struct nvkv_rng *a, struct nvkv_rng *b)
{
    int same = 0;
    for (int i = 0; i < 1000; i++)
        same += nvkv_rng_next(a) == nvkv_rng_next(b);
    return same;
}

TEST(rng_derive_streams)
{
    struct nvkv_rng a, b;
    nvkv_rng_derive(&a, 7, "nand-bench.addr");
    nvkv_rng_derive(&b, 7, "nand-bench.addr");
    CHECK_EQ_INT(stream_agreements(&a, &b), 1000);

    const char *names[] = {"nand-bench.data", "nand-bench.add", "nand-bench.addr2", "",
                           "NAND-BENCH.ADDR"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        nvkv_rng_derive(&a, 7, "nand-bench.addr");
        nvkv_rng_derive(&b, 7, names[i]);
        CHECK_MSG(stream_agreements(&a, &b) == 0, "name \"%s\"", names[i]);
    }
    /* Same name, other seed: other stream. */
    nvkv_rng_derive(&a, 7, "nand-bench.addr");
    nvkv_rng_derive(&b, 8, "nand-bench.addr");
    CHECK_EQ_INT(stream_agreements(&a, &b), 0);
    /* Swapped characters: other stream. */
    nvkv_rng_derive(&a, 7, "ab");
    nvkv_rng_derive(&b, 7, "ba");
    CHECK_EQ_INT(stream_agreements(&a, &b), 0);
    /* A derived stream is not the plain stream of the same seed. */
    nvkv_rng_derive(&a, 7, "x");
    nvkv_rng_seed(&b, 7);
    CHECK_EQ_INT(stream_agreements(&a, &b), 0);
    /* One stream's first value does not show up early in the other (not a shifted copy). */
    nvkv_rng_derive(&a, 7, "nand-bench.addr");
    nvkv_rng_derive(&b, 7, "nand-bench.data");
    uint64_t first = nvkv_rng_next(&b);
    int found = 0;
    for (int i = 0; i < 100000; i++)
        found += nvkv_rng_next(&a) == first;
    CHECK_EQ_INT(found, 0);
}

TEST(rng_below_range)
{
    struct nvkv_rng rng;
    nvkv_rng_derive(&rng, harness_seed, "test.rng.below");
    int bad = 0;
    for (int i = 0; i < 1000; i++)
        bad += nvkv_rng_below(&rng, 1) != 0;
    CHECK_EQ_INT(bad, 0);

    int ones = 0;
    bad = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t v = nvkv_rng_below(&rng, 2);
        bad += v > 1;
        ones += v == 1;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_MSG(ones > 4500 && ones < 5500, "%d ones in 10000", ones);

    /* Huge bounds: 2^63 + 1 rejects about half the draws, so the retry loop runs a lot. */
    const uint64_t bigs[] = {(1ULL << 63) + 1, (1ULL << 63) + 12345, UINT64_MAX - 1, UINT64_MAX};
    for (size_t k = 0; k < sizeof(bigs) / sizeof(bigs[0]); k++) {
        uint64_t n = bigs[k];
        int out = 0, upper = 0;
        for (int i = 0; i < 20000; i++) {
            uint64_t v = nvkv_rng_below(&rng, n);
            out += v >= n;
            upper += v >= n / 2;
        }
        CHECK_MSG(out == 0, "n=%" PRIu64 ": %d out of range", n, out);
        CHECK_MSG(upper > 9500 && upper < 10500, "n=%" PRIu64 ": %d of 20000 in upper half", n,
                  upper);
    }

    /* Power-of-two bounds take the top bits of exactly one draw (no rejection possible). */
    struct nvkv_rng twin = rng;
    bad = 0;
    for (int k = 1; k < 64; k++) {
        for (int i = 0; i < 20; i++)
            bad += nvkv_rng_below(&rng, 1ULL << k) != nvkv_rng_next(&twin) >> (64 - k);
    }
    CHECK_EQ_INT(bad, 0);
}

TEST(rng_below_uniform)
{
    enum {
        DRAWS = 100000,
        N = 10
    };
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 99);
    uint64_t counts[N] = {0};
    for (int i = 0; i < DRAWS; i++) {
        uint64_t v = nvkv_rng_below(&rng, N);
        if (v < N)
            counts[v]++;
    }
    double expect = (double)DRAWS / N, chi2 = 0.0;
    uint64_t total = 0;
    for (int b = 0; b < N; b++) {
        total += counts[b];
        CHECK_MSG(fabs((double)counts[b] - expect) <= 0.05 * expect, "bucket %d: %" PRIu64, b,
                  counts[b]);
        chi2 += ((double)counts[b] - expect) * ((double)counts[b] - expect) / expect;
    }
    CHECK_EQ_U64(total, DRAWS);
    /* 9 degrees of freedom: P(chi2 > 27.88) = 0.001. */
    CHECK_MSG(chi2 < 27.88, "chi2 = %g", chi2);

    /* n = 3 (a non-power of two where 2^64 % n != 0) over a different stream. */
    uint64_t c3[3] = {0};
    for (int i = 0; i < 30000; i++) {
        uint64_t v = nvkv_rng_below(&rng, 3);
        CHECK_LT_U64(v, 3);
        if (v < 3)
            c3[v]++;
    }
    for (int b = 0; b < 3; b++)
        CHECK_MSG(c3[b] > 9500 && c3[b] < 10500, "n=3 bucket %d: %" PRIu64, b, c3[b]);
}

TEST(rng_unit_range)
{
    struct nvkv_rng rng, twin;
    nvkv_rng_seed(&rng, 4242);
    twin = rng;
    double lo = 1.0, hi = 0.0, sum = 0.0;
    int out = 0, mismatch = 0;
    for (int i = 0; i < 100000; i++) {
        double u = nvkv_rng_unit(&rng);
        out += !(u >= 0.0 && u < 1.0);
        mismatch += u != (double)(nvkv_rng_next(&twin) >> 11) / 9007199254740992.0;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        sum += u;
    }
    CHECK_EQ_INT(out, 0);
    CHECK_EQ_INT(mismatch, 0);
    CHECK_MSG(lo < 0.001, "smallest %g", lo);
    CHECK_MSG(hi > 0.999, "largest %g", hi);
    CHECK_NEAR(sum / 100000, 0.5, 0.01);

    /* A zero draw maps to exactly 0 (the interval is closed below). */
    struct nvkv_rng zero = {{0, 0, 0, 0}};
    CHECK(nvkv_rng_unit(&zero) == 0.0);
}

static void
child_rng_below_zero(void)
{
    struct nvkv_rng rng;
    nvkv_rng_seed(&rng, 1);
    printf("%" PRIu64 "\n", nvkv_rng_below(&rng, 0));
}

TEST(rng_below_zero_aborts)
{
    char err[4096];
    int status = harness_run_in_child(child_rng_below_zero, err, sizeof(err));
    CHECK_MSG(aborted(status), "status %d, stderr: %s", status, err);
    CHECK_CONTAINS(err, "invariant violated");
    CHECK_CONTAINS(err, "n > 0");
}

/* ---------------------------------------------------------------------------------------------
 * JSON writer
 * ------------------------------------------------------------------------------------------- */

static void
fill_document(struct nvkv_json *j)
{
    nvkv_json_u64(j, "u64_max", UINT64_MAX);
    nvkv_json_i64(j, "i64_min", INT64_MIN);
    nvkv_json_i64(j, "neg", -42);
    nvkv_json_double(j, "half", 0.5);
    nvkv_json_double(j, "pi", 3.14159265358979);
    nvkv_json_bool(j, "yes", true);
    nvkv_json_bool(j, "no", false);
    nvkv_json_string(j, "name",
                     "a\"b\\c\nd\te\x01"
                     "f");
    nvkv_json_object(j, "nested");
    nvkv_json_u64(j, "zero", 0);
    nvkv_json_array(j, "list");
    nvkv_json_u64(j, NULL, 1);
    nvkv_json_i64(j, "ignored", -2);
    nvkv_json_string(j, NULL, "x");
    nvkv_json_object(j, NULL);
    nvkv_json_double(j, "k", 1.5);
    nvkv_json_close(j);
    nvkv_json_array(j, NULL);
    nvkv_json_close(j);
    nvkv_json_close(j);
    nvkv_json_object(j, "empty");
    nvkv_json_close(j);
    nvkv_json_close(j);
    nvkv_json_double(j, "nan", NAN);
    nvkv_json_double(j, "inf", INFINITY);
    nvkv_json_double(j, "ninf", -INFINITY);
}

TEST(json_document_exact)
{
    int rc = -1;
    char *text = json_text(fill_document, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_STR(text, "{\n"
                    "  \"u64_max\": 18446744073709551615,\n"
                    "  \"i64_min\": -9223372036854775808,\n"
                    "  \"neg\": -42,\n"
                    "  \"half\": 0.5,\n"
                    "  \"pi\": 3.14159265359,\n"
                    "  \"yes\": true,\n"
                    "  \"no\": false,\n"
                    "  \"name\": \"a\\\"b\\\\c\\nd\\te\\u0001f\",\n"
                    "  \"nested\": {\n"
                    "    \"zero\": 0,\n"
                    "    \"list\": [\n"
                    "      1,\n"
                    "      -2,\n"
                    "      \"x\",\n"
                    "      {\n"
                    "        \"k\": 1.5\n"
                    "      },\n"
                    "      []\n"
                    "    ],\n"
                    "    \"empty\": {}\n"
                    "  },\n"
                    "  \"nan\": null,\n"
                    "  \"inf\": null,\n"
                    "  \"ninf\": null\n"
                    "}\n");
    free(text);
}

static void
fill_escapes(struct nvkv_json *j)
{
    nvkv_json_string(j, "k\"e\\y\n", "cr\r tab\t us\x1f del\x7f slash/ utf8 \xc3\xa9 end");
    nvkv_json_string(j, "empty", "");
    nvkv_json_string(j, "ctl", "\x01\x02\x08\x0c\x10");
}

TEST(json_escaping)
{
    int rc = -1;
    char *text = json_text(fill_escapes, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_STR(text, "{\n"
                    "  \"k\\\"e\\\\y\\n\": \"cr\\u000d tab\\t us\\u001f del\x7f slash/ utf8 "
                    "\xc3\xa9 end\",\n"
                    "  \"empty\": \"\",\n"
                    "  \"ctl\": \"\\u0001\\u0002\\u0008\\u000c\\u0010\"\n"
                    "}\n");
    free(text);
}

static void
fill_doubles(struct nvkv_json *j)
{
    nvkv_json_array(j, "d");
    nvkv_json_double(j, NULL, 0.1);
    nvkv_json_double(j, NULL, 3.0);
    nvkv_json_double(j, NULL, -0.0);
    nvkv_json_double(j, NULL, 1.0 / 3.0);
    nvkv_json_double(j, NULL, 1e300);
    nvkv_json_double(j, NULL, -2.5e-7);
    nvkv_json_double(j, NULL, NAN);
    nvkv_json_double(j, NULL, -NAN);
    nvkv_json_double(j, NULL, HUGE_VAL);
    nvkv_json_double(j, NULL, 0.0);
    nvkv_json_close(j);
}

TEST(json_doubles_and_nonfinite)
{
    int rc = -1;
    char *text = json_text(fill_doubles, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_STR(text, "{\n"
                    "  \"d\": [\n"
                    "    0.1,\n"
                    "    3,\n"
                    "    -0,\n"
                    "    0.333333333333,\n"
                    "    1e+300,\n"
                    "    -2.5e-07,\n"
                    "    null,\n"
                    "    null,\n"
                    "    null,\n"
                    "    0\n"
                    "  ]\n"
                    "}\n");
    free(text);
}

static void
fill_nothing(struct nvkv_json *j)
{
    (void)j;
}

static void
fill_deep(struct nvkv_json *j)
{
    /* The top-level object is depth 0, so 31 nested containers is the most allowed. */
    nvkv_json_array(j, "deep");
    for (int i = 1; i < NVKV_JSON_MAX_DEPTH - 1; i++)
        nvkv_json_array(j, NULL);
    nvkv_json_u64(j, NULL, 7);
    for (int i = 0; i < NVKV_JSON_MAX_DEPTH - 1; i++)
        nvkv_json_close(j);
    nvkv_json_bool(j, "after", true);
}

TEST(json_empty_and_deep)
{
    int rc = -1;
    char *text = json_text(fill_nothing, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_STR(text, "{\n}\n");
    free(text);

    text = json_text(fill_deep, &rc);
    CHECK_EQ_INT(rc, 0);
    int n_open = 0, n_close = 0;
    for (const char *p = text; *p != '\0'; p++) {
        n_open += *p == '[';
        n_close += *p == ']';
    }
    CHECK_EQ_INT(n_open, NVKV_JSON_MAX_DEPTH - 1);
    CHECK_EQ_INT(n_close, NVKV_JSON_MAX_DEPTH - 1);
    /* The innermost value is indented by 2 spaces per level (31 levels plus the top). */
    char inner[128];
    snprintf(inner, sizeof(inner), "\n%*s7\n", 2 * NVKV_JSON_MAX_DEPTH, "");
    CHECK_CONTAINS(text, inner);
    CHECK_CONTAINS(text, "\n  ],\n  \"after\": true\n}\n");
    const char *prefix = "{\n  \"deep\": [\n    [\n      [";
    CHECK_MSG(strncmp(text, prefix, strlen(prefix)) == 0, "text: %s", text);
    free(text);
}

TEST(json_write_error)
{
    FILE *f = fopen("/dev/null", "r");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    struct nvkv_json j;
    nvkv_json_begin(&j, f);
    nvkv_json_u64(&j, "a", 1);
    CHECK_EQ_INT(nvkv_json_end(&j), -EIO);
    fclose(f);
}

static void
child_json_unclosed(void)
{
    struct nvkv_json j;
    FILE *f = tmpfile();
    nvkv_json_begin(&j, f);
    nvkv_json_object(&j, "open");
    nvkv_json_end(&j);
}

static void
child_json_null_key(void)
{
    struct nvkv_json j;
    FILE *f = tmpfile();
    nvkv_json_begin(&j, f);
    nvkv_json_u64(&j, NULL, 1);
}

static void
child_json_too_deep(void)
{
    struct nvkv_json j;
    FILE *f = tmpfile();
    nvkv_json_begin(&j, f);
    for (int i = 0; i < NVKV_JSON_MAX_DEPTH; i++)
        nvkv_json_array(&j, "a");
}

static void
child_json_close_top(void)
{
    struct nvkv_json j;
    FILE *f = tmpfile();
    nvkv_json_begin(&j, f);
    nvkv_json_close(&j);
}

TEST(json_misuse_aborts)
{
    struct {
        void (*fn)(void);
        const char *expr;
    } cases[] = {
        {child_json_unclosed, "depth == 0"},
        {child_json_null_key, "key != NULL"},
        {child_json_too_deep, "NVKV_JSON_MAX_DEPTH"},
        {child_json_close_top, "depth > 0"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[4096];
        int status = harness_run_in_child(cases[i].fn, err, sizeof(err));
        CHECK_MSG(aborted(status), "case %zu: status %d, stderr: %s", i, status, err);
        CHECK_CONTAINS(err, "invariant violated");
        CHECK_CONTAINS(err, cases[i].expr);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Error codes and invariant checks
 * ------------------------------------------------------------------------------------------- */

TEST(err_strerror)
{
    CHECK_STR(nvkv_strerror(NVKV_OK), "success");
    CHECK_STR(nvkv_strerror(NVKV_ECONFIG), "invalid configuration");
    CHECK_STR(nvkv_strerror(NVKV_ENANDRULE), "NAND rule violated");
    CHECK_STR(nvkv_strerror(NVKV_EFORMAT), "file format or geometry mismatch");

    const int errnos[] = {ENOENT, EIO, EINVAL, ENOMEM, ENOSPC, EEXIST};
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
        char want[256];
        snprintf(want, sizeof(want), "%s", strerror(errnos[i]));
        const char *got = nvkv_strerror(-errnos[i]);
        CHECK(got != NULL);
        if (got != NULL)
            CHECK_STR(got, want);
    }
    CHECK_STR(nvkv_strerror(-ENOENT), "No such file or directory");

    const int unknown[] = {1, ENOENT, 4000, -4003, -4100, -5000, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        const char *got = nvkv_strerror(unknown[i]);
        CHECK(got != NULL);
        if (got != NULL)
            CHECK_MSG(strcmp(got, "unknown error") == 0, "rc %d: \"%s\"", unknown[i], got);
    }
}

static int
pass_through(int rc)
{
    return rc;
}

static int
use_err_macro(int in, int *reached, int *cleaned)
{
    int rc;
    NVKV_ERR(pass_through(0));
    NVKV_ERR(pass_through(in));
    *reached = 1;
    rc = 0;
err:
    *cleaned = 1;
    return rc;
}

static int
use_ret_macro(int in, int *reached)
{
    NVKV_RET(pass_through(0));
    NVKV_RET(pass_through(in));
    *reached = 1;
    return 0;
}

TEST(err_macros)
{
    int reached = 0, cleaned = 0;
    CHECK_EQ_INT(use_err_macro(0, &reached, &cleaned), 0);
    CHECK_EQ_INT(reached, 1);
    CHECK_EQ_INT(cleaned, 1);
    reached = cleaned = 0;
    CHECK_EQ_INT(use_err_macro(-ENOENT, &reached, &cleaned), -ENOENT);
    CHECK_EQ_INT(reached, 0);
    CHECK_EQ_INT(cleaned, 1);
    reached = cleaned = 0;
    CHECK_EQ_INT(use_err_macro(NVKV_EFORMAT, &reached, &cleaned), NVKV_EFORMAT);
    CHECK_EQ_INT(reached, 0);

    reached = 0;
    CHECK_EQ_INT(use_ret_macro(0, &reached), 0);
    CHECK_EQ_INT(reached, 1);
    reached = 0;
    CHECK_EQ_INT(use_ret_macro(NVKV_ECONFIG, &reached), NVKV_ECONFIG);
    CHECK_EQ_INT(reached, 0);
}

static void
print_context(void *arg, FILE *out)
{
    fprintf(out, "context: vt=%d\n", *(const int *)arg);
}

static void
child_check_with_context(void)
{
    static int vt = 1234;
    nvkv_check_set_context(print_context, &vt);
    int x = 2;
    NVKV_CHECK_MSG(x + 1 == 4, "x was %d", x);
}

static void
child_check_context_removed(void)
{
    static int vt = 99;
    nvkv_check_set_context(print_context, &vt);
    nvkv_check_set_context(NULL, NULL);
    int x = 0;
    NVKV_CHECK(x != 0);
}

static void
child_check_passes(void)
{
    int x = 1;
    NVKV_CHECK(x == 1);
    NVKV_CHECK_MSG(x > 0, "x %d", x);
    fputs("still running\n", stderr);
}

TEST(check_reports_and_aborts)
{
    char err[4096];
    int status = harness_run_in_child(child_check_with_context, err, sizeof(err));
    CHECK_MSG(aborted(status), "status %d", status);
    CHECK_CONTAINS(err, "nvkv: invariant violated at ");
    CHECK_CONTAINS(err, "test_base.c:");
    CHECK_CONTAINS(err, "in child_check_with_context(): x + 1 == 4\n");
    CHECK_CONTAINS(err, "nvkv:   x was 2\n");
    CHECK_CONTAINS(err, "context: vt=1234\n");

    status = harness_run_in_child(child_check_context_removed, err, sizeof(err));
    CHECK_MSG(aborted(status), "status %d", status);
    CHECK_CONTAINS(err, "x != 0");
    CHECK_MSG(strstr(err, "context:") == NULL, "stderr: %s", err);

    status = harness_run_in_child(child_check_passes, err, sizeof(err));
    CHECK_MSG(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
    CHECK_STR(err, "still running\n");
}

TEST_MAIN(TEST_ENTRY(rng_known_answers), TEST_ENTRY(xxh32_known_answers),
          TEST_ENTRY(rng_same_seed_same_sequence), TEST_ENTRY(rng_derive_streams),
          TEST_ENTRY(rng_below_range), TEST_ENTRY(rng_below_uniform), TEST_ENTRY(rng_unit_range),
          TEST_ENTRY(rng_below_zero_aborts), TEST_ENTRY(json_document_exact),
          TEST_ENTRY(json_escaping), TEST_ENTRY(json_doubles_and_nonfinite),
          TEST_ENTRY(json_empty_and_deep), TEST_ENTRY(json_write_error),
          TEST_ENTRY(json_misuse_aborts), TEST_ENTRY(err_strerror), TEST_ENTRY(err_macros),
          TEST_ENTRY(check_reports_and_aborts))
