/* SPDX-License-Identifier: MIT */
/*
 * Key interning: variable-length keys (a replayed trace's) to dense ids 0, 1, 2, ... in
 * first-seen order, so the replay harness can keep per-key state in plain arrays.
 *
 * An open-addressing hash table (linear probing, load at most 0.7, a 64-bit hash of the key
 * bytes kept in each slot so growing never hashes a key again) over key bytes packed in one
 * growing arena; id i's bytes are arena[off[i], off[i + 1]). Every structure doubles when full:
 * no limit but memory. Ids never change once given.
 */
#ifndef NVKV_WORKLOAD_KEYMAP_H
#define NVKV_WORKLOAD_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wl_keymap_slot {
    uint64_t hash;
    uint64_t id_plus1; /* 0: empty */
};

struct wl_keymap {
    struct wl_keymap_slot *slots;
    uint64_t mask; /* slots - 1 (a power of two) */
    uint64_t count;
    uint64_t *off; /* count + 1 offsets into the arena */
    uint64_t off_cap;
    uint8_t *arena;
    uint64_t arena_len;
    uint64_t arena_cap;
};

/* Set up for about `expect` keys (0 is fine: everything grows). 0 or -ENOMEM. */
int wl_keymap_init(struct wl_keymap *m, uint64_t expect);

/*
 * The id of key[0, len), given the next id (count) if it is new. Returns 0, or -ENOMEM with the
 * map unchanged. `key` may be NULL when len is 0.
 */
int wl_keymap_intern(struct wl_keymap *m, const uint8_t *key, uint32_t len, uint64_t *id,
                     bool *is_new);

/* 0 and *id, or -ENOENT. */
int wl_keymap_find(const struct wl_keymap *m, const uint8_t *key, uint32_t len, uint64_t *id);

/* Key bytes of `id` and *len; valid until the next intern. NULL for an id not given. */
const uint8_t *wl_keymap_key(const struct wl_keymap *m, uint64_t id, uint32_t *len);

uint64_t wl_keymap_count(const struct wl_keymap *m);

/* Host memory held: slots, offsets and arena capacity. */
size_t wl_keymap_bytes(const struct wl_keymap *m);

void wl_keymap_free(struct wl_keymap *m);

#endif
