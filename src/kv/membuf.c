/* SPDX-License-Identifier: MIT */
#include "membuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"
#include "engine.h"

#define MEMBUF_INITIAL_SLOTS 1024u

/*
 * The buffer's own table hash (not any engine's on-flash order): eight bytes a step, then a
 * final mix. Where a key lands decides nothing but the probe length; every walk of the table
 * that matters sorts or sums.
 */
static uint64_t
key_hash(const void *key, uint32_t klen)
{
    const uint8_t *p = key;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ klen;
    for (; klen >= 8; klen -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, p, klen);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

int
kv_membuf_init(struct kv_membuf *m)
{
    memset(m, 0, sizeof(*m));
    m->nslots = MEMBUF_INITIAL_SLOTS;
    m->slots = calloc(m->nslots, sizeof(*m->slots));
    return m->slots != NULL ? 0 : -ENOMEM;
}

void
kv_membuf_free(struct kv_membuf *m)
{
    for (uint64_t i = 0; m->slots != NULL && i < m->nslots; i++)
        free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

static struct kv_mem_entry *
slot_of(const struct kv_membuf *m, const void *key, uint32_t klen, uint64_t h)
{
    uint64_t mask = m->nslots - 1;
    for (uint64_t i = h & mask;; i = (i + 1) & mask) {
        struct kv_mem_entry *e = &m->slots[i];
        if (e->key == NULL || (e->hash == h && kv_key_cmp(e->key, e->klen, key, klen) == 0))
            return e;
    }
}

static void
grow(struct kv_membuf *m)
{
    struct kv_mem_entry *old = m->slots;
    uint64_t old_slots = m->nslots;
    m->nslots *= 2;
    m->slots = calloc(m->nslots, sizeof(*m->slots));
    NVKV_CHECK_MSG(m->slots != NULL, "out of memory growing the write buffer");
    for (uint64_t i = 0; i < old_slots; i++)
        if (old[i].key != NULL)
            *slot_of(m, old[i].key, old[i].klen, old[i].hash) = old[i];
    free(old);
}

void
kv_membuf_put(struct kv_membuf *m, const void *key, uint32_t klen, const void *value, uint32_t vlen,
              uint8_t flags, bool assumed_new)
{
    if ((m->used + 1) * 10 > m->nslots * 7)
        grow(m);
    uint64_t h = key_hash(key, klen);
    struct kv_mem_entry *e = slot_of(m, key, klen, h);
    m->version++;
    if (e->key != NULL) {
        m->bytes -= e->klen + e->vlen + KV_MEM_ENTRY_OVERHEAD;
        free(e->key);
    } else {
        m->used++;
    }
    e->key = malloc((size_t)klen + vlen + 1);
    NVKV_CHECK_MSG(e->key != NULL, "out of memory for a buffered pair");
    memcpy(e->key, key, klen);
    if (vlen > 0)
        memcpy(e->key + klen, value, vlen);
    e->klen = (uint8_t)klen;
    e->vlen = vlen;
    e->flags = flags;
    e->assumed_new = assumed_new;
    e->hash = h;
    m->bytes += klen + vlen + KV_MEM_ENTRY_OVERHEAD;
}

const struct kv_mem_entry *
kv_membuf_find(const struct kv_membuf *m, const void *key, uint32_t klen)
{
    const struct kv_mem_entry *e = slot_of(m, key, klen, key_hash(key, klen));
    return e->key != NULL ? e : NULL;
}

static int
cmp_entry(const void *a, const void *b)
{
    const struct kv_mem_entry *x = *(const struct kv_mem_entry *const *)a;
    const struct kv_mem_entry *y = *(const struct kv_mem_entry *const *)b;
    return kv_key_cmp(x->key, x->klen, y->key, y->klen);
}

uint64_t
kv_membuf_sorted(const struct kv_membuf *m, struct kv_mem_entry ***arr, uint64_t *cap)
{
    if (*arr == NULL || *cap < m->used + 1) {
        free(*arr);
        *cap = (m->used + 1) * 2;
        *arr = malloc(*cap * sizeof(**arr));
        NVKV_CHECK_MSG(*arr != NULL, "out of memory sorting the write buffer");
    }
    uint64_t n = 0;
    for (uint64_t i = 0; i < m->nslots; i++)
        if (m->slots[i].key != NULL)
            (*arr)[n++] = &m->slots[i];
    qsort(*arr, n, sizeof(**arr), cmp_entry);
    return n;
}

void
kv_membuf_clear(struct kv_membuf *m)
{
    for (uint64_t i = 0; i < m->nslots; i++) {
        free(m->slots[i].key);
        m->slots[i].key = NULL;
    }
    m->used = 0;
    m->bytes = 0;
    m->version++;
}

const struct kv_mem_entry *
kv_membuf_view_next(struct kv_membuf_view *v, const struct kv_membuf *m, const void *pos,
                    uint32_t plen, bool inclusive)
{
    if (v->sorted == NULL || v->version != m->version) {
        v->n = kv_membuf_sorted(m, &v->sorted, &v->cap);
        v->version = m->version;
    }
    uint64_t lo = 0, hi = v->n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        const struct kv_mem_entry *e = v->sorted[mid];
        int c = kv_key_cmp(e->key, e->klen, pos, plen);
        if (c < 0 || (c == 0 && !inclusive))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->n ? v->sorted[lo] : NULL;
}

void
kv_membuf_view_free(struct kv_membuf_view *v)
{
    free(v->sorted);
    memset(v, 0, sizeof(*v));
}
