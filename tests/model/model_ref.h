/* SPDX-License-Identifier: MIT */
/*
 * The reference of the differential model test: an ordered map of owned keys and values in the
 * engines' key order (kv_key_cmp). Entries sit in sorted chunks of at most MODEL_CHUNK pointers
 * (a one-level B+ tree), so an insert or delete moves a few hundred bytes rather than the whole
 * index, which keeps 10^6 operations fast under ASan (its memmove is byte by byte). Simple
 * enough to be obviously right, which is its whole job.
 */
#ifndef NVKV_TESTS_MODEL_REF_H
#define NVKV_TESTS_MODEL_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_CHUNK 128

/* One key and its value, in one allocation. */
struct model_entry {
    uint32_t klen;
    uint32_t vlen;
    uint8_t *key;   /* klen bytes */
    uint8_t *value; /* vlen bytes (never NULL) */
};

struct model_chunk {
    uint32_t n;
    struct model_entry *e[MODEL_CHUNK];
};

struct model_ref {
    struct model_chunk **c; /* non-empty chunks in key order */
    size_t n_chunks, cap_chunks;
    size_t n;           /* entries */
    uint64_t kv_bytes;  /* sum of key + value lengths */
    uint64_t rec_bytes; /* sum of model_record_bytes() */
};

/* A position in the map: entry `pos` of chunk `chunk` (chunk == n_chunks: the end). */
struct model_cursor {
    size_t chunk;
    uint32_t pos;
};

/*
 * Flash bytes a record of this size takes at least: an 8-byte header plus the key and value,
 * rounded up to the allocator's 512-byte pieces. The fill the test keeps is this over the
 * exposed capacity.
 */
uint64_t model_record_bytes(uint32_t klen, uint32_t vlen);

void model_ref_init(struct model_ref *m);
void model_ref_free(struct model_ref *m);

/* The first entry whose key is >= key (klen 0: the first entry). */
struct model_cursor model_ref_seek(const struct model_ref *m, const void *key, uint32_t klen);

/* The entry at a cursor, or NULL at the end. */
const struct model_entry *model_ref_entry(const struct model_ref *m, struct model_cursor c);

/* Step a cursor that is not at the end. */
void model_ref_next(const struct model_ref *m, struct model_cursor *c);

/* The i-th entry in key order, i < m->n. */
const struct model_entry *model_ref_at(const struct model_ref *m, size_t i);

/* The entry of `key`, or NULL. */
const struct model_entry *model_ref_find(const struct model_ref *m, const void *key, uint32_t klen);

/* Insert or replace. Aborts when out of memory (a test). */
void model_ref_put(struct model_ref *m, const void *key, uint32_t klen, const void *value,
                   uint32_t vlen);

/* Remove; false when absent. */
bool model_ref_del(struct model_ref *m, const void *key, uint32_t klen);

/* Write up to `max` bytes of `key` as hex (with "..." when longer) into buf. */
void model_hex(char *buf, size_t len, const void *key, uint32_t klen, uint32_t max);

#endif
