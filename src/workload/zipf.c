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

/* eta of Gray's algorithm for n ranks: depends on n, theta and zeta(n) (YCSB's formula). */
static double
gray_eta(uint64_t n, double theta, double zetan)
{
    double zeta2 = wl_zipf_zeta(2, theta);
    return (1.0 - pow(2.0 / (double)n, 1.0 - theta)) / (1.0 - zeta2 / zetan);
}

/* The scramble's domain: the smallest power of two >= n. */
static void
set_scramble_domain(struct wl_zipf *z)
{
    z->bits = 1;
    while (z->bits < 64 && (1ull << z->bits) < z->n)
        z->bits++;
    z->mask = z->bits == 64 ? UINT64_MAX : (1ull << z->bits) - 1;
}

int
wl_zipf_init_zeta(struct wl_zipf *z, uint64_t n, double theta, double zetan, uint64_t seed)
{
    if (n == 0 || !(theta > 0.0 && theta < 1.0) || !(zetan >= 1.0))
        return -EINVAL;
    z->n = n;
    z->theta = theta;
    z->alpha = 1.0 / (1.0 - theta);
    z->zetan = zetan;
    z->eta = gray_eta(n, theta, zetan);
    z->half_pow_theta = 1.0 + pow(0.5, theta);
    set_scramble_domain(z);
    uint64_t s = seed ^ 0x7a697066u; /* "zipf" */
    z->key[0] = nvkv_splitmix64(&s);
    z->key[1] = nvkv_splitmix64(&s);
    return 0;
}

int
wl_zipf_init(struct wl_zipf *z, uint64_t n, double theta, uint64_t seed)
{
    if (n == 0 || !(theta > 0.0 && theta < 1.0))
        return -EINVAL;
    return wl_zipf_init_zeta(z, n, theta, wl_zipf_zeta(n, theta), seed);
}

void
wl_zipf_grow(struct wl_zipf *z, uint64_t n)
{
    if (n == 0 || n == z->n)
        return;
    if (n < z->n || n - z->n > ZETA_EXACT_TERMS) {
        z->zetan = wl_zipf_zeta(n, z->theta);
    } else {
        /* YCSB's incremental zeta: the terms of ranks n+1 .. n' added to the old sum */
        for (uint64_t i = z->n + 1; i <= n; i++)
            z->zetan += 1.0 / pow((double)i, z->theta);
    }
    z->n = n;
    z->eta = gray_eta(n, z->theta, z->zetan);
    set_scramble_domain(z);
}

uint64_t
wl_zipf_rank_of(const struct wl_zipf *z, double u)
{
    /* YCSB ZipfianGenerator.nextLong(itemcount) with base 0 */
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
