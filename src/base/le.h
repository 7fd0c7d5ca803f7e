/* SPDX-License-Identifier: MIT */
/*
 * Little-endian field access for on-flash and on-disk formats: formats are written field by
 * field, never as a struct, so they read the same on any host.
 */
#ifndef NVKV_BASE_LE_H
#define NVKV_BASE_LE_H

#include <stdint.h>

static inline void
nvkv_put_le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline uint32_t
nvkv_get_le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline void
nvkv_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t
nvkv_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
