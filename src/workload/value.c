/* SPDX-License-Identifier: MIT */
#include "value.h"

#include <string.h>

#define BLOCK_WORDS 8u
#define BLOCK_BYTES (BLOCK_WORDS * 8u)

/* The 64-byte block every value of (item, version) repeats. */
static void
value_block(uint64_t block[BLOCK_WORDS], uint64_t item, uint32_t version)
{
    uint64_t seed = item * 0x9e3779b97f4a7c15ull ^ ((uint64_t)version << 32 | 0x76616c75u);
    for (uint64_t i = 0; i < BLOCK_WORDS; i++) {
        uint64_t z = (seed ^ ((i + 1) * 0xd6e8feb86659fd93ull)) * 0xbf58476d1ce4e5b9ull;
        block[i] = z ^ (z >> 31);
    }
}

void
wl_value_fill(uint8_t *buf, uint32_t len, uint64_t item, uint32_t version)
{
    uint64_t block[BLOCK_WORDS];
    value_block(block, item, version);
    uint32_t done = len < BLOCK_BYTES ? len : BLOCK_BYTES;
    memcpy(buf, block, done);
    /* double the filled prefix each step: log2(len / 64) copies */
    while (done < len) {
        uint32_t n = done <= len - done ? done : len - done;
        memcpy(buf + done, buf, n);
        done += n;
    }
}

uint32_t
wl_value_check(const uint8_t *buf, uint32_t len, uint64_t item, uint32_t version)
{
    uint64_t block[BLOCK_WORDS];
    value_block(block, item, version);
    const uint8_t *want = (const uint8_t *)block;
    for (uint32_t k = 0; k < 16 && len > 0; k++) {
        uint32_t at = (uint32_t)((uint64_t)(len - 1) * k / 15);
        if (buf[at] != want[at % BLOCK_BYTES])
            return at;
    }
    return len;
}

uint32_t
wl_value_check_all(const uint8_t *buf, uint32_t len, uint64_t item, uint32_t version)
{
    uint64_t block[BLOCK_WORDS];
    value_block(block, item, version);
    const uint8_t *want = (const uint8_t *)block;
    for (uint32_t at = 0; at < len; at += BLOCK_BYTES) {
        uint32_t n = len - at < BLOCK_BYTES ? len - at : BLOCK_BYTES;
        if (memcmp(buf + at, want, n) == 0)
            continue;
        for (uint32_t i = 0; i < n; i++)
            if (buf[at + i] != want[i])
                return at + i;
    }
    return len;
}
