/* SPDX-License-Identifier: MIT */
/*
 * Deterministic pseudo-random streams. One user seed feeds splitmix64, which derives an
 * independent xoshiro256** state per component name, so adding a component or drawing more
 * numbers in one never shifts the numbers another component sees.
 */
#ifndef NVKV_BASE_RNG_H
#define NVKV_BASE_RNG_H

#include <stdint.h>

struct nvkv_rng {
    uint64_t s[4];
};

/* One splitmix64 step: advances *state and returns a well-mixed 64-bit value. */
uint64_t nvkv_splitmix64(uint64_t *state);

/* Seed a stream directly from a 64-bit value. */
void nvkv_rng_seed(struct nvkv_rng *rng, uint64_t seed);

/* Seed the stream of the component `name` (e.g. "nand-bench.addr") from the run's seed. */
void nvkv_rng_derive(struct nvkv_rng *rng, uint64_t seed, const char *name);

/* Next 64 random bits (xoshiro256**). */
static inline uint64_t
nvkv_rng_next(struct nvkv_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire's multiply-and-reject). */
uint64_t nvkv_rng_below(struct nvkv_rng *rng, uint64_t n);

/* Uniform double in [0, 1) with 53 random bits. */
static inline double
nvkv_rng_unit(struct nvkv_rng *rng)
{
    return (double)(nvkv_rng_next(rng) >> 11) * 0x1.0p-53;
}

#endif
