/* SPDX-License-Identifier: MIT */
#include "err.h"

#include <string.h>

const char *
nvkv_strerror(int rc)
{
    switch (rc) {
    case NVKV_OK:
        return "success";
    case NVKV_ECONFIG:
        return "invalid configuration";
    case NVKV_ENANDRULE:
        return "NAND rule violated";
    case NVKV_EFORMAT:
        return "file format or geometry mismatch";
    default:
        break;
    }
    if (rc < 0 && rc > -4000)
        return strerror(-rc);
    return "unknown error";
}
