/* SPDX-License-Identifier: MIT */
/*
 * Invariant checks that stay on in every build (plane 1 of the error model). A failed check
 * is a bug: it prints the location, the condition and, when a simulation is running, the
 * virtual time and the event being executed, then aborts.
 */
#ifndef NVKV_BASE_CHECK_H
#define NVKV_BASE_CHECK_H

#include <stdio.h>

/* Prints simulation context (virtual time, current event) for a failure report. */
typedef void nvkv_check_context_fn(void *arg, FILE *out);

/*
 * Install the context printer used by failure reports; NULL removes it. The simulator installs
 * itself while it runs. Per thread, so independent simulations in threads do not interfere.
 */
void nvkv_check_set_context(nvkv_check_context_fn *fn, void *arg);

_Noreturn void nvkv__check_fail(const char *file, int line, const char *func, const char *expr,
                                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define NVKV_CHECK(cond)                                                 \
    do {                                                                 \
        if (__builtin_expect(!(cond), 0))                                \
            nvkv__check_fail(__FILE__, __LINE__, __func__, #cond, NULL); \
    } while (0)

#define NVKV_CHECK_MSG(cond, ...)                                               \
    do {                                                                        \
        if (__builtin_expect(!(cond), 0))                                       \
            nvkv__check_fail(__FILE__, __LINE__, __func__, #cond, __VA_ARGS__); \
    } while (0)

#endif
