/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/base/jsonread: well-formed documents (a real result.json among them),
 * string escapes, numbers, dotted-path lookups, every class of malformed input the parser
 * refuses (each with the byte offset it names) and the depth limit.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/jsonread.h"
#include "harness.h"

#ifndef NVKV_TEST_DATA_DIR
#error "NVKV_TEST_DATA_DIR must name tests/data"
#endif

static struct nvkv_jdoc *
parse_ok(const char *text)
{
    struct nvkv_jdoc *doc = NULL;
    char err[256];
    int rc = nvkv_jdoc_parse(text, strlen(text), &doc, err, sizeof(err));
    CHECK_MSG(rc == 0 && doc != NULL, "'%s' refused: %s", text, err);
    return doc;
}

/* Parsing must fail and the message must contain `fragment` (usually "byte N"). */
static void
expect_error(const char *text, size_t len, const char *fragment)
{
    struct nvkv_jdoc *doc = NULL;
    char err[256];
    int rc = nvkv_jdoc_parse(text, len, &doc, err, sizeof(err));
    CHECK_MSG(rc == -EINVAL, "'%.*s' accepted (rc %d)", (int)len, text, rc);
    CHECK(doc == NULL);
    if (rc != 0)
        CHECK_CONTAINS(err, fragment);
    nvkv_jdoc_free(doc);
}

#define EXPECT_ERROR(text, fragment) expect_error(text, sizeof(text) - 1, fragment)

static double
number_at(const struct nvkv_jdoc *doc, const char *path)
{
    double v = -12345.0;
    CHECK_MSG(nvkv_jnode_number_at(nvkv_jdoc_root(doc), path, &v), "no number at %s", path);
    return v;
}

TEST(scalars_at_top_level)
{
    struct nvkv_jdoc *doc = parse_ok("  true ");
    CHECK(nvkv_jdoc_root(doc)->type == NVKV_JBOOL && nvkv_jdoc_root(doc)->boolean);
    nvkv_jdoc_free(doc);
    doc = parse_ok("null");
    CHECK(nvkv_jdoc_root(doc)->type == NVKV_JNULL);
    nvkv_jdoc_free(doc);
    doc = parse_ok("\"x\"");
    CHECK_STR(nvkv_jnode_string_at(nvkv_jdoc_root(doc), ""), "x");
    nvkv_jdoc_free(doc);
}

TEST(objects_and_arrays)
{
    struct nvkv_jdoc *doc =
        parse_ok("{\"a\": {\"b\": [1, 2, {\"c\": false}], \"e\": {}, \"f\": []}, \"z\": 3}");
    const struct nvkv_jnode *root = nvkv_jdoc_root(doc);
    CHECK(root->type == NVKV_JOBJECT);
    CHECK_EQ_U64(root->n_members, 2);
    CHECK_STR(root->first->key, "a");
    CHECK_STR(root->first->next->key, "z");
    CHECK(root->first->next->next == NULL);
    CHECK_NEAR(number_at(doc, "a.b.1"), 2.0, 0);
    CHECK_NEAR(number_at(doc, "z"), 3.0, 0);
    const struct nvkv_jnode *c = nvkv_jnode_at(root, "a.b.2.c");
    CHECK(c != NULL && c->type == NVKV_JBOOL && !c->boolean);
    CHECK(nvkv_jnode_at(root, "a.b.3") == NULL);
    CHECK(nvkv_jnode_at(root, "a.e")->n_members == 0 && nvkv_jnode_at(root, "a.e")->first == NULL);
    CHECK(nvkv_jnode_at(root, "a.f")->type == NVKV_JARRAY);
    CHECK(nvkv_jnode_at(root, "a.x") == NULL);
    CHECK(nvkv_jnode_at(root, "z.q") == NULL); /* below a number */
    CHECK(nvkv_jnode_at(root, "a.b.x") == NULL);
    double v = 7;
    CHECK(!nvkv_jnode_number_at(root, "a", &v) && v == 7); /* not a number: untouched */
    CHECK(nvkv_jnode_string_at(root, "z") == NULL);
    nvkv_jdoc_free(doc);
}

TEST(duplicate_keys_find_the_first)
{
    struct nvkv_jdoc *doc = parse_ok("{\"k\": 1, \"k\": 2}");
    CHECK_NEAR(number_at(doc, "k"), 1.0, 0);
    CHECK_EQ_U64(nvkv_jdoc_root(doc)->n_members, 2);
    nvkv_jdoc_free(doc);
}

TEST(string_escapes)
{
    struct nvkv_jdoc *doc =
        parse_ok("[\"q\\\"b\\\\s\\/n\\nr\\rt\\tb\\bf\\f\", \"\\u0041\\u00e9\\u20ac\", "
                 "\"\\ud83d\\ude00\", \"a\\u0000b\", \"h\xc3\xa9\"]");
    const struct nvkv_jnode *root = nvkv_jdoc_root(doc);
    CHECK_STR(nvkv_jnode_string_at(root, "0"), "q\"b\\s/n\nr\rt\tb\bf\f");
    CHECK_STR(nvkv_jnode_string_at(root, "1"), "A\xc3\xa9\xe2\x82\xac");
    CHECK_STR(nvkv_jnode_string_at(root, "2"), "\xf0\x9f\x98\x80");
    const struct nvkv_jnode *nul = nvkv_jnode_at(root, "3");
    CHECK_EQ_U64(nul->str_len, 3);
    CHECK(memcmp(nul->str, "a\0b", 3) == 0);
    CHECK_STR(nvkv_jnode_string_at(root, "4"), "h\xc3\xa9");
    nvkv_jdoc_free(doc);
}

TEST(numbers)
{
    struct nvkv_jdoc *doc = parse_ok("[0, -0, 12, -7, 3.25, -0.5, 1e3, 2E+2, 5e-1, -1.5e-3, "
                                     "1.7976931348623157e308, 1e-400, 18446744073709551615]");
    static const double want[] = {0,
                                  -0.0,
                                  12,
                                  -7,
                                  3.25,
                                  -0.5,
                                  1000,
                                  200,
                                  0.5,
                                  -0.0015,
                                  1.7976931348623157e308,
                                  0,
                                  18446744073709551615.0};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char path[8];
        snprintf(path, sizeof(path), "%zu", i);
        CHECK_NEAR(number_at(doc, path), want[i], 1e-12);
    }
    nvkv_jdoc_free(doc);
}

TEST(result_json_fixture)
{
    struct nvkv_jdoc *doc = NULL;
    char err[512];
    int rc =
        nvkv_jdoc_load(NVKV_TEST_DATA_DIR "/plot/engines/pink/result.json", &doc, err, sizeof(err));
    CHECK_MSG(rc == 0, "%s", err);
    if (rc != 0)
        return;
    const struct nvkv_jnode *root = nvkv_jdoc_root(doc);
    CHECK_STR(nvkv_jnode_string_at(root, "workload.engine"), "pink");
    CHECK_NEAR(number_at(doc, "flash.page_writes.flush"), 856, 0);
    CHECK_NEAR(number_at(doc, "dram.budget_bytes"), 1048576, 0);
    CHECK_NEAR(number_at(doc, "throughput.ops_per_s"), 182571.676705, 1e-6);
    CHECK_NEAR(number_at(doc, "engine.levels.1.meta_segments"), 52, 0);
    double sum = 0;
    int n = 0;
    for (const struct nvkv_jnode *m = nvkv_jnode_at(root, "flash.page_writes")->first; m != NULL;
         m = m->next, n++)
        sum += m->number;
    CHECK_EQ_INT(n, 7);
    CHECK_NEAR(sum, 883, 0);
    nvkv_jdoc_free(doc);
}

TEST(load_errors_name_the_path)
{
    struct nvkv_jdoc *doc = NULL;
    char err[512];
    CHECK_EQ_INT(nvkv_jdoc_load("/nonexistent/x.json", &doc, err, sizeof(err)), -ENOENT);
    CHECK_CONTAINS(err, "/nonexistent/x.json: cannot open");
    CHECK(doc == NULL);
}

TEST(malformed_structure)
{
    EXPECT_ERROR("", "byte 0 (line 1): unexpected end of input");
    EXPECT_ERROR("   ", "byte 3");
    EXPECT_ERROR("{", "byte 1 (line 1): expected a string key");
    EXPECT_ERROR("{\"a\" 1}", "byte 5 (line 1): expected ':'");
    EXPECT_ERROR("{\"a\": 1,}", "byte 8 (line 1): expected a string key");
    EXPECT_ERROR("[1, 2,]", "byte 6 (line 1): expected a value");
    EXPECT_ERROR("[1 2]", "byte 3 (line 1): expected ',' or ']' in array");
    EXPECT_ERROR("{\"a\": 1 \"b\": 2}", "expected ',' or '}' in object");
    EXPECT_ERROR("[1, 2", "byte 5 (line 1): unexpected end of input inside array");
    EXPECT_ERROR("{1: 2}", "byte 1 (line 1): expected a string key");
    EXPECT_ERROR("{} x", "byte 3 (line 1): unexpected data after the top-level value");
    EXPECT_ERROR("1 2", "byte 2");
    EXPECT_ERROR("[\n\n  tru]", "byte 5 (line 3): expected a value");
    EXPECT_ERROR("nul", "byte 0");
    EXPECT_ERROR("// c\n1", "byte 0");
    EXPECT_ERROR("\xef\xbb\xbf{}", "byte 0"); /* a byte order mark */
    EXPECT_ERROR("[1]]", "byte 3");
}

TEST(malformed_numbers)
{
    EXPECT_ERROR("01", "byte 0 (line 1): number with a leading zero");
    EXPECT_ERROR("-", "byte 1 (line 1): number needs a digit");
    EXPECT_ERROR("1.", "byte 2 (line 1): number needs a digit after '.'");
    EXPECT_ERROR(".5", "byte 0");
    EXPECT_ERROR("1e", "byte 2 (line 1): number needs a digit in its exponent");
    EXPECT_ERROR("1e+", "byte 3");
    EXPECT_ERROR("+1", "byte 0");
    EXPECT_ERROR("1e999", "byte 0 (line 1): number out of range");
    EXPECT_ERROR("-1e999", "number out of range");
    EXPECT_ERROR("NaN", "byte 0");
    EXPECT_ERROR("Infinity", "byte 0");
    EXPECT_ERROR("0x10", "byte 1");
    EXPECT_ERROR("- 1", "byte 1");
}

TEST(malformed_strings)
{
    EXPECT_ERROR("\"abc", "byte 0 (line 1): unterminated string");
    EXPECT_ERROR("\"a\nb\"", "byte 2 (line 1): control character 0x0a");
    EXPECT_ERROR("\"a\\x\"", "byte 2 (line 1): invalid escape");
    EXPECT_ERROR("\"a\\", "byte 2");
    EXPECT_ERROR("\"\\u12\"", "byte 1 (line 1): \\u needs four hex digits");
    EXPECT_ERROR("\"\\u12g4\"", "four hex digits");
    EXPECT_ERROR("\"\\ud800\"", "byte 1 (line 1): high surrogate");
    EXPECT_ERROR("\"\\ud800\\u0041\"", "without a low surrogate");
    EXPECT_ERROR("\"\\udc00\"", "lone low surrogate");
    EXPECT_ERROR("\"\xff\"", "byte 1 (line 1): invalid UTF-8");
    EXPECT_ERROR("\"\xc0\xaf\"", "invalid UTF-8");         /* overlong */
    EXPECT_ERROR("\"\xed\xa0\x80\"", "invalid UTF-8");     /* encoded surrogate */
    EXPECT_ERROR("\"\xf4\x90\x80\x80\"", "invalid UTF-8"); /* above U+10FFFF */
    EXPECT_ERROR("\"\xe2\x82\"", "invalid UTF-8");         /* truncated */
    EXPECT_ERROR("'a'", "byte 0");
    expect_error("\"a\0b\"", 5, "byte 2 (line 1): control character 0x00");
}

static char *
nested_arrays(int depth)
{
    char *s = malloc((size_t)depth * 2 + 1);
    for (int i = 0; i < depth; i++) {
        s[i] = '[';
        s[depth * 2 - 1 - i] = ']';
    }
    s[depth * 2] = '\0';
    return s;
}

TEST(depth_limit)
{
    char *ok = nested_arrays(NVKV_JSONREAD_MAX_DEPTH);
    struct nvkv_jdoc *doc = parse_ok(ok);
    nvkv_jdoc_free(doc);
    free(ok);
    char *deep = nested_arrays(NVKV_JSONREAD_MAX_DEPTH + 1);
    char want[64];
    snprintf(want, sizeof(want), "byte %d (line 1): nesting deeper than %d",
             NVKV_JSONREAD_MAX_DEPTH, NVKV_JSONREAD_MAX_DEPTH);
    expect_error(deep, strlen(deep), want);
    free(deep);
    /* far deeper input still fails cleanly instead of exhausting the stack */
    char *very = nested_arrays(100000);
    expect_error(very, strlen(very), "nesting deeper");
    free(very);
}

TEST(input_need_not_be_terminated)
{
    /* the number runs to the buffer's end; the byte after it (not part of the input) is a digit */
    const char text[] = "[1,23456";
    struct nvkv_jdoc *doc = NULL;
    char err[128];
    CHECK_EQ_INT(nvkv_jdoc_parse(text, 7, &doc, err, sizeof(err)), -EINVAL);
    CHECK_CONTAINS(err, "byte 7");
    CHECK_EQ_INT(nvkv_jdoc_parse("12345", 3, &doc, err, sizeof(err)), 0);
    CHECK_NEAR(nvkv_jdoc_root(doc)->number, 123, 0);
    nvkv_jdoc_free(doc);
}

TEST_MAIN(TEST_ENTRY(scalars_at_top_level), TEST_ENTRY(objects_and_arrays),
          TEST_ENTRY(duplicate_keys_find_the_first), TEST_ENTRY(string_escapes),
          TEST_ENTRY(numbers), TEST_ENTRY(result_json_fixture),
          TEST_ENTRY(load_errors_name_the_path), TEST_ENTRY(malformed_structure),
          TEST_ENTRY(malformed_numbers), TEST_ENTRY(malformed_strings), TEST_ENTRY(depth_limit),
          TEST_ENTRY(input_need_not_be_terminated))
