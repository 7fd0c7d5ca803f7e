/* SPDX-License-Identifier: MIT */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local nvkv_check_context_fn *check_ctx_fn;
static _Thread_local void *check_ctx_arg;

void
nvkv_check_set_context(nvkv_check_context_fn *fn, void *arg)
{
    check_ctx_fn = fn;
    check_ctx_arg = arg;
}

void
nvkv__check_fail(const char *file, int line, const char *func, const char *expr, const char *fmt,
                 ...)
{
    fprintf(stderr, "nvkv: invariant violated at %s:%d in %s(): %s\n", file, line, func, expr);
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        fputs("nvkv:   ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    if (check_ctx_fn != NULL)
        check_ctx_fn(check_ctx_arg, stderr);
    fflush(stderr);
    abort();
}
