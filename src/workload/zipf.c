/* SPDX-License-Identifier: MIT */
#include "zipf.h"

#include <errno.h>

#include <math.h>

/* Terms summed one by one; past them the tail is an integral (relative error below 1e-15). */
#define ZETA_EXACT_TERMS (1ull << 24)

double
wl_zipf_zeta(uint64_t n, double theta)
{
    double sum = 0;
    uint64_t exact = n < ZETA_EXACT_TERMS ? n : ZETA_EXACT_TERMS;
    for (uint64_t i = 1; i <= exact; i++)
        sum += 1.0 / pow((double)i, theta);
    if (n >
        exact) /* sum of i^-theta over (exact, n] ~ integral of x^-theta over [m + .5, n + .5] */
        sum += (pow((double)n + 0.5, 1.0 - theta) - pow((double)exact + 0.5, 1.0 - theta)) /
               (1.0 - theta);
    return sum;
}

int
wl_zipf_init(struct wl_zipf *z, uint64_t n, double theta, uint64_t seed)
{
    if (n == 0 || !(theta > 0.0 && theta < 1.0))
        return -EINVAL;
    z->n = n;
    z->theta = theta;
    z->alpha = 1.0 / (1.0 - theta);
    z->zetan = wl_zipf_zeta(n, theta);
    double zeta2 = wl_zipf_zeta(2, theta);
    z->eta = (1.0 - pow(2.0 / (double)n, 1.0 - theta)) / (1.0 - zeta2 / z->zetan);
    z->half_pow_theta = 1.0 + pow(0.5, theta);
    z->bits = 1;
    while (z->bits < 64 && (1ull << z->bits) < n)
        z->bits++;
    z->mask = z->bits == 64 ? UINT64_MAX : (1ull << z->bits) - 1;
    uint64_t s = seed ^ 0x7a697066u; /* "zipf" */
    z->key[0] = nvkv_splitmix64(&s);
    z->key[1] = nvkv_splitmix64(&s);
    return 0;
}

uint64_t
wl_zipf_next_rank(const struct wl_zipf *z, struct nvkv_rng *rng)
{
    /* YCSB ZipfianGenerator.nextLong(itemcount) with base 0 */
    double u = nvkv_rng_unit(rng);
    double uz = u * z->zetan;
    if (uz < 1.0)
        return 0;
    if (uz < z->half_pow_theta && z->n > 1)
        return 1;
    uint64_t r = (uint64_t)((double)z->n * pow(z->eta * u - z->eta + 1.0, z->alpha));
    return r < z->n ? r : z->n - 1;
}

/*
 * One round of an invertible mix on `bits`-bit words: add a key, xor-shift right and multiply
 * by an odd constant, each a bijection modulo 2^bits.
 */
static uint64_t
mix_round(uint64_t x, uint64_t key, uint32_t bits, uint64_t mask)
{
    uint32_t shift = bits / 2 + 1;
    x = (x + key) & mask;
    x ^= x >> shift;
    x = (x * 0xbf58476d1ce4e5b9ull) & mask;
    x ^= x >> shift;
    x = (x * 0x94d049bb133111ebull) & mask;
    x ^= x >> shift;
    return x;
}

uint64_t
wl_zipf_scramble(const struct wl_zipf *z, uint64_t rank)
{
    /* cycle-walk: a permutation of [0, 2^bits) restricted to [0, n) stays a permutation */
    uint64_t x = rank;
    do {
        x = mix_round(x, z->key[0], z->bits, z->mask);
        x = mix_round(x, z->key[1], z->bits, z->mask);
    } while (x >= z->n);
    return x;
}
