/* SPDX-License-Identifier: MIT */
/*
 * Error codes for emulator operations (plane 2 of the error model in ARCHITECTURE.md):
 * 0 is success, failures are negative errno values or one of the project codes below.
 * Simulated device outcomes are NVMe statuses and never travel through these codes.
 */
#ifndef NVKV_BASE_ERR_H
#define NVKV_BASE_ERR_H

#include <errno.h>

enum {
    NVKV_OK = 0,
    /* A configuration value is invalid; the message has been written to the error buffer. */
    NVKV_ECONFIG = -4000,
    /* A NAND rule was broken by the layer above (a bug report with the address). */
    NVKV_ENANDRULE = -4001,
    /* A stored file does not match what is expected (magic, version or geometry). */
    NVKV_EFORMAT = -4002,
};

/* Human-readable text for an error code (static storage, never NULL). */
const char *nvkv_strerror(int rc);

/* Run an expression yielding an error code; jump to the function's `err:` label on failure. */
#define NVKV_ERR(expr) \
    do {               \
        rc = (expr);   \
        if (rc != 0)   \
            goto err;  \
    } while (0)

/* Return at once when an expression fails (for functions with nothing to clean up). */
#define NVKV_RET(expr)             \
    do {                           \
        int nvkv_ret_rc_ = (expr); \
        if (nvkv_ret_rc_ != 0)     \
            return nvkv_ret_rc_;   \
    } while (0)

#endif
