/* SPDX-License-Identifier: MIT */
/*
 * The write buffer LSM engines share: an open-addressing hash table of key -> newest value or
 * tombstone, in host memory. Engines charge its bytes to the device-DRAM write-buffer category
 * themselves; `bytes` is what they compare against kv.write_buffer to decide a flush.
 */
#ifndef NVKV_KV_MEMBUF_H
#define NVKV_KV_MEMBUF_H

#include <stdbool.h>
#include <stdint.h>

#define KV_MEM_ENTRY_OVERHEAD 16u /* skiplist node and lengths, as charged per buffered pair */

struct kv_mem_entry {
    uint8_t *key; /* key bytes followed by value bytes; NULL = empty slot */
    uint8_t klen;
    uint8_t flags;    /* the engine's own flags (tombstone, ...) */
    bool assumed_new; /* counted as a new key without searching the levels; corrected at flush */
    uint32_t vlen;
    uint64_t hash;
};

struct kv_membuf {
    struct kv_mem_entry *slots;
    uint64_t nslots, used, bytes;
    uint64_t version; /* bumped by every change (iterators re-sort on change) */
};

/* Returns 0 or -ENOMEM. */
int kv_membuf_init(struct kv_membuf *m);
/* Frees every buffered pair and the table. */
void kv_membuf_free(struct kv_membuf *m);

/* Insert or replace the pair of `key`. */
void kv_membuf_put(struct kv_membuf *m, const void *key, uint32_t klen, const void *value,
                   uint32_t vlen, uint8_t flags, bool assumed_new);

/* The buffered entry of `key`, or NULL. */
const struct kv_mem_entry *kv_membuf_find(const struct kv_membuf *m, const void *key,
                                          uint32_t klen);

static inline const uint8_t *
kv_mem_value(const struct kv_mem_entry *e)
{
    return e->key + e->klen;
}

/*
 * The buffered entries in key order, into *arr (grown as needed; *cap its capacity). Returns
 * the count. The pointers stay valid until the next put or clear.
 */
uint64_t kv_membuf_sorted(const struct kv_membuf *m, struct kv_mem_entry ***arr, uint64_t *cap);

/* A key-ordered view of the buffer for iterators, sorted again only when the buffer changed. */
struct kv_membuf_view {
    struct kv_mem_entry **sorted;
    uint64_t n, cap, version;
};

/* The first buffered entry at or after pos (strictly after when !inclusive), or NULL. */
const struct kv_mem_entry *kv_membuf_view_next(struct kv_membuf_view *v, const struct kv_membuf *m,
                                               const void *pos, uint32_t plen, bool inclusive);
void kv_membuf_view_free(struct kv_membuf_view *v);

/* Empty the buffer (frees the pairs, keeps the table). */
void kv_membuf_clear(struct kv_membuf *m);

#endif
