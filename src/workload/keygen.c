/* SPDX-License-Identifier: MIT */
#include "keygen.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/*
 * Draws of zipf and scrambled that land at or above the limit are retried, as YCSB's
 * CoreWorkload retries them. When the limit is tiny against the capacity (a run that reads while
 * the key space is still nearly empty) acceptance can be close to zero, so after this many
 * misses the last draw is folded into [0, limit) instead: the distribution is YCSB's whenever
 * YCSB itself would finish in reasonable time, and a draw never loops for long.
 */
#define RETRY_MAX 1024u

static const char *const dist_names[WL_KEY_DIST_COUNT] = {
    "seq", "uniform", "zipf", "scrambled", "latest", "hotset",
};

static const char *const format_names[] = {"binary", "ycsb"};

void
wl_key_params_default(struct wl_key_params *p, enum wl_key_dist dist)
{
    p->dist = dist;
    p->theta = WL_ZIPF_THETA_DEFAULT;
    p->hot_items = 0.2;
    p->hot_ops = 0.8;
}

int
wl_key_dist_parse(const char *name)
{
    for (int d = 0; d < WL_KEY_DIST_COUNT; d++)
        if (strcmp(name, dist_names[d]) == 0)
            return d;
    return -1;
}

const char *
wl_key_dist_name(enum wl_key_dist d)
{
    return (unsigned)d < WL_KEY_DIST_COUNT ? dist_names[d] : "unknown";
}

int
wl_key_format_parse(const char *name)
{
    for (int f = WL_KEYFMT_BINARY; f <= WL_KEYFMT_YCSB; f++)
        if (strcmp(name, format_names[f]) == 0)
            return f;
    return -1;
}

const char *
wl_key_format_name(enum wl_key_format f)
{
    return (unsigned)f <= WL_KEYFMT_YCSB ? format_names[f] : "unknown";
}

uint64_t
wl_fnv64(uint64_t v)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (int i = 0; i < 8; i++) {
        h ^= v & 0xff;
        v >>= 8;
        h *= 1099511628211ull;
    }
    /* Java's Math.abs on the signed value; abs(Long.MIN_VALUE) stays 2^63 */
    return (int64_t)h < 0 ? 0 - h : h;
}

static bool
skew_ok(double theta)
{
    return theta > 0.0 && theta < 1.0;
}

static int
check_params(const struct wl_key_params *p)
{
    switch (p->dist) {
    case WL_KEY_SEQ:
    case WL_KEY_UNIFORM:
        return 0;
    case WL_KEY_ZIPF:
    case WL_KEY_SCRAMBLED:
    case WL_KEY_LATEST:
        return skew_ok(p->theta) ? 0 : -EINVAL;
    case WL_KEY_HOTSET:
        return p->hot_items > 0.0 && p->hot_items < 1.0 && p->hot_ops >= 0.0 && p->hot_ops <= 1.0
                   ? 0
                   : -EINVAL;
    default:
        return -EINVAL;
    }
}

/* p in [0, 1] as a threshold over 2^64: a 64-bit draw below it happens with probability p. */
static uint64_t
share_cut(double p)
{
    if (!(p > 0.0))
        return 0;
    if (p >= 1.0)
        return UINT64_MAX;
    double c = p * 18446744073709551616.0; /* 2^64 */
    return c >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)c;
}

/*
 * HotspotIntegerGenerator over the capacity, restricted to the items below the limit. YCSB
 * draws hot (probability hot_ops) or cold, uniformly inside, and retries items past the limit;
 * the accepted draws are then hot with probability proportional to hot_ops x (existing hot /
 * hot) against (1 - hot_ops) x (existing cold / cold), uniform inside each. hot_cut holds that
 * probability, so a draw needs no retry.
 */
static void
hotset_update(struct wl_keygen *g)
{
    uint64_t hot = g->hot, cold = g->n - hot;
    uint64_t hot_live = g->limit < hot ? g->limit : hot;
    uint64_t cold_live = g->limit > hot ? g->limit - hot : 0;
    double w_hot = g->p.hot_ops * (double)hot_live / (double)hot;
    double w_cold = cold > 0 ? (1.0 - g->p.hot_ops) * (double)cold_live / (double)cold : 0.0;
    /* no cold item exists yet and the operations want only cold ones: YCSB would spin forever;
     * take the hot ones that exist */
    double p_hot = w_hot + w_cold > 0.0 ? w_hot / (w_hot + w_cold) : 1.0;
    g->hot_cut = cold_live == 0 ? UINT64_MAX : share_cut(p_hot);
}

int
wl_keygen_init(struct wl_keygen *g, const struct wl_key_params *p, uint64_t n, uint64_t limit,
               uint64_t seed)
{
    if (p == NULL || n == 0 || limit == 0 || limit > n || check_params(p) != 0)
        return -EINVAL;
    memset(g, 0, sizeof(*g));
    g->p = *p;
    g->n = n;
    g->limit = limit;
    int rc = 0;
    switch (p->dist) {
    case WL_KEY_ZIPF:
        rc = wl_zipf_init(&g->zipf, n, p->theta, seed);
        break;
    case WL_KEY_SCRAMBLED:
        /* YCSB passes its precomputed ZETAN only for the default skew and sums zeta otherwise */
        rc = wl_zipf_init_zeta(&g->zipf, WL_SCRAMBLED_ITEMS, p->theta,
                               p->theta == 0.99 ? WL_SCRAMBLED_ZETAN_099
                                                : wl_zipf_zeta(WL_SCRAMBLED_ITEMS, p->theta),
                               seed);
        break;
    case WL_KEY_LATEST:
        rc = wl_zipf_init(&g->zipf, limit, p->theta, seed);
        break;
    case WL_KEY_HOTSET:
        g->hot = (uint64_t)((double)n * p->hot_items);
        if (g->hot < 1)
            g->hot = 1;
        if (g->hot >= n && n > 1)
            g->hot = n - 1;
        hotset_update(g);
        break;
    default:
        break;
    }
    return rc;
}

void
wl_keygen_set_limit(struct wl_keygen *g, uint64_t limit)
{
    if (limit < 1)
        limit = 1;
    if (limit > g->n)
        limit = g->n;
    g->limit = limit;
    if (g->seq_next >= limit)
        g->seq_next = 0;
    if (g->p.dist == WL_KEY_LATEST)
        wl_zipf_grow(&g->zipf, limit);
    else if (g->p.dist == WL_KEY_HOTSET)
        hotset_update(g);
}

static uint64_t
next_seq(struct wl_keygen *g)
{
    uint64_t item = g->seq_next;
    g->seq_next = item + 1 < g->limit ? item + 1 : 0;
    return item;
}

static uint64_t
next_zipf(struct wl_keygen *g, struct nvkv_rng *rng)
{
    uint64_t item = 0;
    for (unsigned tries = 0; tries < RETRY_MAX; tries++) {
        item = wl_zipf_next_rank(&g->zipf, rng);
        if (item < g->limit)
            return item;
    }
    return item % g->limit;
}

static uint64_t
next_scrambled(struct wl_keygen *g, struct nvkv_rng *rng)
{
    uint64_t item = 0;
    for (unsigned tries = 0; tries < RETRY_MAX; tries++) {
        item = wl_fnv64(wl_zipf_next_rank(&g->zipf, rng)) % g->n;
        if (item < g->limit)
            return item;
    }
    return item % g->limit;
}

static uint64_t
next_hotset(struct wl_keygen *g, struct nvkv_rng *rng)
{
    if (nvkv_rng_next(rng) < g->hot_cut || g->limit <= g->hot)
        return nvkv_rng_below(rng, g->limit < g->hot ? g->limit : g->hot);
    return g->hot + nvkv_rng_below(rng, g->limit - g->hot);
}

uint64_t
wl_keygen_next(struct wl_keygen *g, struct nvkv_rng *rng)
{
    switch (g->p.dist) {
    case WL_KEY_SEQ:
        return next_seq(g);
    case WL_KEY_ZIPF:
        return next_zipf(g, rng);
    case WL_KEY_SCRAMBLED:
        return next_scrambled(g, rng);
    case WL_KEY_LATEST:
        /* SkewedLatestGenerator: the newest item is rank 0 */
        return g->limit - 1 - wl_zipf_next_rank(&g->zipf, rng);
    case WL_KEY_HOTSET:
        return next_hotset(g, rng);
    default:
        return nvkv_rng_below(rng, g->limit);
    }
}

/* The pad after the item bytes: byte i is 'a' + i % 26 (the pad of `nvkv run`'s keys). */
#define ALPHABET "abcdefghijklmnopqrstuvwxyz"
static const char key_pad[] =
    ALPHABET ALPHABET ALPHABET ALPHABET ALPHABET ALPHABET ALPHABET ALPHABET ALPHABET ALPHABET;
_Static_assert(sizeof(key_pad) > WL_KEY_BYTES_MAX, "the pad covers the longest key");

/* db_bench's GenerateKeyFromInt: the low min(K, 8) bytes big-endian, then a fixed pad. */
static uint32_t
binary_key(uint32_t key_size, uint64_t item, uint8_t *buf)
{
    if (key_size < 1)
        key_size = 1;
    if (key_size > WL_KEY_BYTES_MAX)
        key_size = WL_KEY_BYTES_MAX;
    uint32_t id_bytes = key_size < 8 ? key_size : 8;
    if (id_bytes == 8) {
        /* the common case, unrolled: compilers make it one byte swap and a store */
        for (uint32_t i = 0; i < 8; i++)
            buf[i] = (uint8_t)(item >> (56 - 8 * i));
    } else {
        for (uint32_t i = 0; i < id_bytes; i++)
            buf[i] = (uint8_t)(item >> (8 * (id_bytes - 1 - i)));
    }
    memcpy(buf + id_bytes, key_pad + id_bytes, key_size - id_bytes);
    return key_size;
}

/* "00" "01" .. "99": two decimal digits per division. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* CoreWorkload.buildKeyName with insertorder=hashed and zeropadding = K - 4. */
static uint32_t
ycsb_key(uint32_t key_size, uint64_t item, uint8_t *buf)
{
    if (key_size > WL_KEY_BYTES_MAX)
        key_size = WL_KEY_BYTES_MAX;
    char digits[20];
    char *p = digits + sizeof(digits);
    uint64_t h = wl_fnv64(item);
    while (h >= 100) {
        uint32_t pair = (uint32_t)(h % 100);
        h /= 100;
        p -= 2;
        memcpy(p, digit_pairs + 2 * pair, 2);
    }
    if (h >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * h, 2);
    } else {
        *--p = (char)('0' + h);
    }
    uint32_t nd = (uint32_t)(digits + sizeof(digits) - p);
    uint32_t pad = key_size > 4 + nd ? key_size - 4 - nd : 0;
    memcpy(buf, "user", 4);
    memset(buf + 4, '0', pad);
    memcpy(buf + 4 + pad, p, nd);
    return 4 + pad + nd;
}

uint32_t
wl_key_bytes(enum wl_key_format f, uint32_t key_size, uint64_t item, uint8_t *buf)
{
    return f == WL_KEYFMT_YCSB ? ycsb_key(key_size, item, buf) : binary_key(key_size, item, buf);
}
