/* SPDX-License-Identifier: MIT */
#include "rng.h"

#include "check.h"

/* __extension__ keeps -Wpedantic quiet about the GNU 128-bit type. */
__extension__ typedef unsigned __int128 rng_u128;

uint64_t
nvkv_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void
nvkv_rng_seed(struct nvkv_rng *rng, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = nvkv_splitmix64(&sm);
    /* xoshiro's all-zero state is a fixed point; splitmix64 never yields four zeros, but be sure.
     */
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
        rng->s[0] = 1;
}

void
nvkv_rng_derive(struct nvkv_rng *rng, uint64_t seed, const char *name)
{
    /* FNV-1a of the name, folded into the seed, gives each component its own splitmix sequence. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    uint64_t mix = seed ^ h;
    nvkv_rng_seed(rng, nvkv_splitmix64(&mix));
}

uint64_t
nvkv_rng_below(struct nvkv_rng *rng, uint64_t n)
{
    NVKV_CHECK(n > 0);
    rng_u128 m = (rng_u128)nvkv_rng_next(rng) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (rng_u128)nvkv_rng_next(rng) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}
