/* SPDX-License-Identifier: MIT */
/*
 * xxHash32 (Yann Collet's XXH32 algorithm), written from its published specification: AnyKey
 * orders the KV entities of a data segment group by XXH32(key, len, seed 0).
 */
#ifndef NVKV_BASE_XXH32_H
#define NVKV_BASE_XXH32_H

#include <stddef.h>
#include <stdint.h>

uint32_t nvkv_xxh32(const void *data, size_t len, uint32_t seed);

#endif
