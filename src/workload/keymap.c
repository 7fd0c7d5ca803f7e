/* SPDX-License-Identifier: MIT */
#include "keymap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS  16u
#define MIN_ARENA  4096u
#define MIN_OFFSET 16u

/* Murmur3's 64-bit finalizer: every input bit reaches every output bit. */
static uint64_t
mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* Eight bytes at a time (host order: the hash never leaves the process), length folded in. */
static uint64_t
key_hash(const uint8_t *key, uint32_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)len * 0x100000001b3ull);
    uint32_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = (h ^ mix64(w)) * 0x9e3779b97f4a7c15ull;
        h = (h << 29) | (h >> 35);
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, key + i, len - i);
        h = (h ^ mix64(w ^ 0x5bd1e995u)) * 0x9e3779b97f4a7c15ull;
    }
    return mix64(h);
}

static bool
key_is(const struct wl_keymap *m, uint64_t id, const uint8_t *key, uint32_t len)
{
    uint64_t start = m->off[id];
    return m->off[id + 1] - start == len && (len == 0 || memcmp(m->arena + start, key, len) == 0);
}

/* The slot holding the key, or the empty slot where it would go. */
static uint64_t
probe(const struct wl_keymap *m, uint64_t h, const uint8_t *key, uint32_t len)
{
    for (uint64_t i = h & m->mask;; i = (i + 1) & m->mask) {
        const struct wl_keymap_slot *s = &m->slots[i];
        if (s->id_plus1 == 0 || (s->hash == h && key_is(m, s->id_plus1 - 1, key, len)))
            return i;
    }
}

/* Slots for `keys` at load <= 0.7: a power of two, or 0 when it would overflow. */
static uint64_t
slots_for(uint64_t keys)
{
    if (keys > (UINT64_MAX / 10) / sizeof(struct wl_keymap_slot))
        return 0;
    uint64_t want = keys * 10 / 7 + 1, n = MIN_SLOTS;
    while (n < want)
        n *= 2;
    return n <= SIZE_MAX / sizeof(struct wl_keymap_slot) ? n : 0;
}

int
wl_keymap_init(struct wl_keymap *m, uint64_t expect)
{
    memset(m, 0, sizeof(*m));
    uint64_t n = slots_for(expect);
    if (n == 0)
        return -ENOMEM;
    m->slots = calloc((size_t)n, sizeof(*m->slots));
    m->off = malloc(MIN_OFFSET * sizeof(*m->off));
    m->arena = malloc(MIN_ARENA);
    if (m->slots == NULL || m->off == NULL || m->arena == NULL) {
        wl_keymap_free(m);
        return -ENOMEM;
    }
    m->mask = n - 1;
    m->off_cap = MIN_OFFSET;
    m->arena_cap = MIN_ARENA;
    m->off[0] = 0;
    return 0;
}

/* Double the slots when one more key would pass the load limit; stored hashes re-place keys. */
static int
grow_slots(struct wl_keymap *m)
{
    uint64_t cap = m->mask + 1;
    if ((m->count + 1) * 10 <= cap * 7)
        return 0;
    if (cap > SIZE_MAX / 2 / sizeof(struct wl_keymap_slot))
        return -ENOMEM;
    struct wl_keymap_slot *slots = calloc((size_t)(cap * 2), sizeof(*slots));
    if (slots == NULL)
        return -ENOMEM;
    uint64_t mask = cap * 2 - 1;
    for (uint64_t i = 0; i < cap; i++) {
        struct wl_keymap_slot s = m->slots[i];
        if (s.id_plus1 == 0)
            continue;
        uint64_t j = s.hash & mask;
        while (slots[j].id_plus1 != 0)
            j = (j + 1) & mask;
        slots[j] = s;
    }
    free(m->slots);
    m->slots = slots;
    m->mask = mask;
    return 0;
}

/* Grow a buffer of `*cap` elements by doubling until it holds `need`. */
static int
reserve(void **buf, uint64_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    uint64_t n = *cap;
    while (n < need) {
        if (n > UINT64_MAX / 2)
            return -ENOMEM;
        n *= 2;
    }
    if (n > SIZE_MAX / elem)
        return -ENOMEM;
    void *grown = realloc(*buf, (size_t)(n * elem));
    if (grown == NULL)
        return -ENOMEM;
    *buf = grown;
    *cap = n;
    return 0;
}

/* Room for one more key of `len` bytes; `*key` follows the arena if it pointed into it. */
static int
reserve_key(struct wl_keymap *m, const uint8_t **key, uint32_t len)
{
    uintptr_t k = (uintptr_t)*key, a = (uintptr_t)m->arena;
    bool inside = len > 0 && k >= a && k < a + m->arena_len;
    void *off = m->off, *arena = m->arena;
    int rc = reserve(&off, &m->off_cap, m->count + 2, sizeof(*m->off));
    m->off = off;
    if (rc == 0)
        rc = reserve(&arena, &m->arena_cap, m->arena_len + len, 1);
    m->arena = arena;
    if (rc == 0 && inside)
        *key = m->arena + (k - a);
    return rc;
}

int
wl_keymap_intern(struct wl_keymap *m, const uint8_t *key, uint32_t len, uint64_t *id, bool *is_new)
{
    uint64_t h = key_hash(key, len);
    uint64_t i = probe(m, h, key, len);
    if (m->slots[i].id_plus1 != 0) {
        *id = m->slots[i].id_plus1 - 1;
        *is_new = false;
        return 0;
    }
    int rc = reserve_key(m, &key, len);
    if (rc == 0)
        rc = grow_slots(m);
    if (rc != 0)
        return rc;
    i = probe(m, h, key, len); /* the slots may have grown: find the empty one again */
    if (len > 0)
        memcpy(m->arena + m->arena_len, key, len);
    m->arena_len += len;
    m->off[m->count + 1] = m->arena_len;
    m->slots[i] = (struct wl_keymap_slot){h, m->count + 1};
    *id = m->count++;
    *is_new = true;
    return 0;
}

int
wl_keymap_find(const struct wl_keymap *m, const uint8_t *key, uint32_t len, uint64_t *id)
{
    uint64_t i = probe(m, key_hash(key, len), key, len);
    if (m->slots[i].id_plus1 == 0)
        return -ENOENT;
    *id = m->slots[i].id_plus1 - 1;
    return 0;
}

const uint8_t *
wl_keymap_key(const struct wl_keymap *m, uint64_t id, uint32_t *len)
{
    if (id >= m->count)
        return NULL;
    *len = (uint32_t)(m->off[id + 1] - m->off[id]);
    return m->arena + m->off[id];
}

uint64_t
wl_keymap_count(const struct wl_keymap *m)
{
    return m->count;
}

size_t
wl_keymap_bytes(const struct wl_keymap *m)
{
    return sizeof(*m) + (size_t)((m->mask + 1) * sizeof(*m->slots)) +
           (size_t)(m->off_cap * sizeof(*m->off)) + (size_t)m->arena_cap;
}

void
wl_keymap_free(struct wl_keymap *m)
{
    free(m->slots);
    free(m->off);
    free(m->arena);
    memset(m, 0, sizeof(*m));
}
