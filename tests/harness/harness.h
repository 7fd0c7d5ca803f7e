/* SPDX-License-Identifier: MIT */
/*
 * A tiny test harness. Each test binary defines tests with TEST(name), lists them in
 * TEST_MAIN(...), and ends by printing exactly "N passed, N failed" (the line CI reads).
 * Checks print file, line and both values, mark the current test failed and go on, so one run
 * shows every broken expectation. Options: --list, --filter SUBSTRING, --seed N (exposed to
 * tests as harness_seed, printed on failure so a random test can be replayed).
 */
#ifndef NVKV_TESTS_HARNESS_H
#define NVKV_TESTS_HARNESS_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

struct harness_test {
    const char *name;
    void (*fn)(void);
};

static int harness_failed_checks;
static uint64_t harness_seed = 1;
static const char *harness_current;

static void
harness_fail(const char *file, int line)
{
    if (harness_failed_checks++ == 0)
        fprintf(stderr, "FAIL %s (seed %" PRIu64 ")\n", harness_current, harness_seed);
    fprintf(stderr, "  %s:%d: ", file, line);
}

#define TEST(name) static void test_##name(void)
#define TEST_ENTRY(name)   \
    {                      \
#name, test_##name \
    }

#define CHECK(cond)                                \
    do {                                           \
        if (!(cond)) {                             \
            harness_fail(__FILE__, __LINE__);      \
            fprintf(stderr, "CHECK(%s)\n", #cond); \
        }                                          \
    } while (0)

#define CHECK_MSG(cond, ...)                       \
    do {                                           \
        if (!(cond)) {                             \
            harness_fail(__FILE__, __LINE__);      \
            fprintf(stderr, "CHECK(%s): ", #cond); \
            fprintf(stderr, __VA_ARGS__);          \
            fputc('\n', stderr);                   \
        }                                          \
    } while (0)

#define HARNESS_CMP_U64(a, op, b)                                                              \
    do {                                                                                       \
        uint64_t harness_a_ = (uint64_t)(a), harness_b_ = (uint64_t)(b);                       \
        if (!(harness_a_ op harness_b_)) {                                                     \
            harness_fail(__FILE__, __LINE__);                                                  \
            fprintf(stderr, "%s %s %s: %" PRIu64 " vs %" PRIu64 "\n", #a, #op, #b, harness_a_, \
                    harness_b_);                                                               \
        }                                                                                      \
    } while (0)

#define CHECK_EQ_U64(a, b) HARNESS_CMP_U64(a, ==, b)
#define CHECK_NE_U64(a, b) HARNESS_CMP_U64(a, !=, b)
#define CHECK_LE_U64(a, b) HARNESS_CMP_U64(a, <=, b)
#define CHECK_LT_U64(a, b) HARNESS_CMP_U64(a, <, b)
#define CHECK_GE_U64(a, b) HARNESS_CMP_U64(a, >=, b)

#define CHECK_EQ_INT(a, b)                                                               \
    do {                                                                                 \
        long long harness_a_ = (long long)(a), harness_b_ = (long long)(b);              \
        if (harness_a_ != harness_b_) {                                                  \
            harness_fail(__FILE__, __LINE__);                                            \
            fprintf(stderr, "%s == %s: %lld vs %lld\n", #a, #b, harness_a_, harness_b_); \
        }                                                                                \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                           \
    do {                                                                                \
        double harness_a_ = (double)(a), harness_b_ = (double)(b);                      \
        if (!(fabs(harness_a_ - harness_b_) <= (double)(tol))) {                        \
            harness_fail(__FILE__, __LINE__);                                           \
            fprintf(stderr, "%s ~= %s (tol %g): %.9g vs %.9g\n", #a, #b, (double)(tol), \
                    harness_a_, harness_b_);                                            \
        }                                                                               \
    } while (0)

#define CHECK_STR(a, b)                                                                      \
    do {                                                                                     \
        const char *harness_a_ = (a), *harness_b_ = (b);                                     \
        if (strcmp(harness_a_, harness_b_) != 0) {                                           \
            harness_fail(__FILE__, __LINE__);                                                \
            fprintf(stderr, "%s == %s: \"%s\" vs \"%s\"\n", #a, #b, harness_a_, harness_b_); \
        }                                                                                    \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                      \
    do {                                                                                 \
        const char *harness_h_ = (hay), *harness_n_ = (needle);                          \
        if (strstr(harness_h_, harness_n_) == NULL) {                                    \
            harness_fail(__FILE__, __LINE__);                                            \
            fprintf(stderr, "\"%s\" does not contain \"%s\"\n", harness_h_, harness_n_); \
        }                                                                                \
    } while (0)

static int
harness_run(int argc, char **argv, const struct harness_test *tests, size_t n)
{
    const char *filter = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0) {
            for (size_t t = 0; t < n; t++)
                printf("%s\n", tests[t].name);
            return 0;
        } else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
            filter = argv[++i];
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            harness_seed = strtoull(argv[++i], NULL, 0);
        }
    }
    int passed = 0, failed = 0;
    for (size_t t = 0; t < n; t++) {
        if (filter != NULL && strstr(tests[t].name, filter) == NULL)
            continue;
        harness_current = tests[t].name;
        harness_failed_checks = 0;
        tests[t].fn();
        if (harness_failed_checks == 0)
            passed++;
        else
            failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#define TEST_MAIN(...)                                                          \
    int main(int argc, char **argv)                                             \
    {                                                                           \
        static const struct harness_test harness_tests_[] = {__VA_ARGS__};      \
        return harness_run(argc, argv, harness_tests_,                          \
                           sizeof(harness_tests_) / sizeof(harness_tests_[0])); \
    }

#endif
