/* SPDX-License-Identifier: MIT */
/*
 * Key choice and key bytes: which item (a number in [0, n)) an operation touches, and the bytes
 * of that item's key.
 *
 * Distributions (`wl_key_dist`):
 *   seq        0, 1, 2, ... wrapping at the limit (db_bench fillseq)
 *   uniform    every inserted item equally likely (db_bench readrandom / fillrandom)
 *   zipf       Gray et al.'s Zipfian over ranks, item = rank: item 0 is the hottest and hot items
 *              are neighbours in key order (YCSB's ZipfianGenerator)
 *   scrambled  YCSB's ScrambledZipfianGenerator: a Zipfian rank over 10^10 items (zeta
 *              precomputed for theta 0.99, computed otherwise), then item = FNV-1 64(rank) mod n,
 *              so hot items are spread over the key space (colliding ranks merge, as in YCSB)
 *   latest     YCSB's SkewedLatestGenerator: item = last - zipf_rank(last + 1), the newest
 *              inserted item the hottest
 *   hotset     YCSB's HotspotIntegerGenerator: a share `hot_ops` of operations picks uniformly
 *              among the first `hot_items` share of the items, the rest among the others
 *
 * A generator is set up over a capacity `n` (every item that may ever exist) and draws only
 * items below its current `limit` (items inserted so far), retrying as YCSB does; inserts raise
 * the limit with wl_keygen_set_limit. zipf and scrambled retry (after 1024 misses in a row, when
 * the limit is a sliver of the capacity, the last draw is folded below the limit instead of
 * spinning); hotset draws the distribution YCSB's retries produce directly; latest's Zipfian
 * grows with the limit (YCSB's incremental zeta).
 *
 * Deviations from YCSB, all deliberate: the scrambled Zipfian runs over 10^10 ranks where YCSB's
 * has 10^10 + 1; latest draws over [0, last] where YCSB's SkewedLatestGenerator never returns
 * item 0 (it takes `last - zipf(last)`); a grown Zipfian recomputes eta with the new count where
 * YCSB keeps its first one.
 *
 * Key formats (`wl_key_format`):
 *   binary  fixed length K: the item number big-endian in the first min(K, 8) bytes (db_bench's
 *           GenerateKeyFromInt), then a fixed pad, so key order is item order
 *   ycsb    "user" + the decimal of FNV-1 64(item) (YCSB's hashed insert order), zero-padded
 *           on the left of the number up to K bytes (YCSB's zeropadding = K - 4); K = 0 (or any
 *           K <= 5) gives YCSB's default natural length, 5..23 bytes (22.9 on average); never
 *           longer than max(K, 4 + 19) bytes
 * The binary pad is 'a' + i % 26 at byte i (db_bench pads with '0'): the keys `nvkv run` has
 * always written, so its results stay comparable.
 */
#ifndef NVKV_WORKLOAD_KEYGEN_H
#define NVKV_WORKLOAD_KEYGEN_H

#include <stdint.h>

#include "../base/rng.h"
#include "zipf.h"

enum wl_key_dist {
    WL_KEY_SEQ = 0,
    WL_KEY_UNIFORM,
    WL_KEY_ZIPF,
    WL_KEY_SCRAMBLED,
    WL_KEY_LATEST,
    WL_KEY_HOTSET,
    WL_KEY_DIST_COUNT,
};

enum wl_key_format {
    WL_KEYFMT_BINARY = 0,
    WL_KEYFMT_YCSB,
};

/* YCSB's item count of the scrambled generator and its precomputed zeta at theta 0.99. */
#define WL_SCRAMBLED_ITEMS     10000000000ull
#define WL_SCRAMBLED_ZETAN_099 26.46902820178302

/* The longest key wl_key_bytes writes for any format and key size <= KV key max (255). */
#define WL_KEY_BYTES_MAX 255u

struct wl_key_params {
    enum wl_key_dist dist;
    double theta;     /* zipf, scrambled, latest: 0 < theta < 1 (default 0.99) */
    double hot_items; /* hotset: share of the items that is hot, 0 < x < 1 (default 0.2) */
    double hot_ops;   /* hotset: share of the operations on hot items, 0..1 (default 0.8) */
};

struct wl_keygen {
    struct wl_key_params p;
    uint64_t n;     /* capacity */
    uint64_t limit; /* items [0, limit) exist; 1 <= limit <= n */
    uint64_t seq_next;
    struct wl_zipf zipf; /* zipf: over n; scrambled: over WL_SCRAMBLED_ITEMS; latest: over limit */
    /* hotset: items [0, hot) are hot; a draw below hot_cut (over 2^64) picks among the hot ones
     * that exist, so YCSB's retry-until-below-limit is one draw (see keygen.c) */
    uint64_t hot;
    uint64_t hot_cut;
};

/* Defaults: theta 0.99, hot_items 0.2, hot_ops 0.8. */
void wl_key_params_default(struct wl_key_params *p, enum wl_key_dist dist);

/* "seq", "uniform", "zipf", "scrambled", "latest", "hotset" -> dist; -1 if unknown. */
int wl_key_dist_parse(const char *name);
const char *wl_key_dist_name(enum wl_key_dist d);
/* "binary", "ycsb" -> format; -1 if unknown. */
int wl_key_format_parse(const char *name);
const char *wl_key_format_name(enum wl_key_format f);

/*
 * Set up over capacity n >= 1 with limit `limit` (1 <= limit <= n). `seed` keys anything the
 * distribution derives (none needs it today; kept so a later one may). Returns 0 or -EINVAL
 * (n == 0, limit outside [1, n], theta or hot shares out of range).
 */
int wl_keygen_init(struct wl_keygen *g, const struct wl_key_params *p, uint64_t n, uint64_t limit,
                   uint64_t seed);

/* Items [0, limit) now exist (limit <= n). O(limit growth) for latest, O(1) for the others. */
void wl_keygen_set_limit(struct wl_keygen *g, uint64_t limit);

/* The next item, in [0, limit). Allocation-free. */
uint64_t wl_keygen_next(struct wl_keygen *g, struct nvkv_rng *rng);

/* YCSB's FNV-1 64 of an item number (Utils.fnvhash64): 8 octets low first, |h| as Java does. */
uint64_t wl_fnv64(uint64_t v);

/*
 * Write the key of `item` into buf (at least WL_KEY_BYTES_MAX bytes) and return its length.
 * key_size: binary 1..255 (0 is taken as 1); ycsb 0..255 (the padded length; shorter asks for
 * the natural one). Larger sizes are taken as 255.
 */
uint32_t wl_key_bytes(enum wl_key_format f, uint32_t key_size, uint64_t item, uint8_t *buf);

#endif
