/* SPDX-License-Identifier: MIT */
#include "model_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ftl/alloc.h"
#include "../../src/kv/datalog.h"
#include "../../src/kv/engine.h"

uint64_t
model_record_bytes(uint32_t klen, uint32_t vlen)
{
    /* value pieces in the page body plus the directory entry (key and header) */
    return (uint64_t)kv_record_pieces(klen, vlen) * FTL_PIECE_BYTES + kv_record_dir_bytes(klen);
}

static void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL) {
        fprintf(stderr, "model: out of memory\n");
        abort();
    }
    return q;
}

void
model_ref_init(struct model_ref *m)
{
    memset(m, 0, sizeof(*m));
}

void
model_ref_free(struct model_ref *m)
{
    for (size_t c = 0; c < m->n_chunks; c++) {
        for (uint32_t i = 0; i < m->c[c]->n; i++)
            free(m->c[c]->e[i]);
        free(m->c[c]);
    }
    free(m->c);
    memset(m, 0, sizeof(*m));
}

static int
entry_cmp(const struct model_entry *e, const void *key, uint32_t klen)
{
    return kv_key_cmp(e->key, e->klen, key, klen);
}

struct model_cursor
model_ref_seek(const struct model_ref *m, const void *key, uint32_t klen)
{
    struct model_cursor cur = {0, 0};
    if (klen == 0)
        return cur;
    /* the first chunk whose last key is >= key */
    size_t lo = 0, hi = m->n_chunks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct model_chunk *ch = m->c[mid];
        if (entry_cmp(ch->e[ch->n - 1], key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    cur.chunk = lo;
    if (lo == m->n_chunks)
        return cur;
    const struct model_chunk *ch = m->c[lo];
    uint32_t a = 0, b = ch->n;
    while (a < b) {
        uint32_t mid = a + (b - a) / 2;
        if (entry_cmp(ch->e[mid], key, klen) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    cur.pos = a;
    return cur;
}

const struct model_entry *
model_ref_entry(const struct model_ref *m, struct model_cursor c)
{
    return c.chunk < m->n_chunks ? m->c[c.chunk]->e[c.pos] : NULL;
}

void
model_ref_next(const struct model_ref *m, struct model_cursor *c)
{
    if (++c->pos == m->c[c->chunk]->n) {
        c->chunk++;
        c->pos = 0;
    }
}

const struct model_entry *
model_ref_at(const struct model_ref *m, size_t i)
{
    for (size_t c = 0; c < m->n_chunks; c++) {
        if (i < m->c[c]->n)
            return m->c[c]->e[i];
        i -= m->c[c]->n;
    }
    return NULL;
}

const struct model_entry *
model_ref_find(const struct model_ref *m, const void *key, uint32_t klen)
{
    const struct model_entry *e = model_ref_entry(m, model_ref_seek(m, key, klen));
    return e != NULL && entry_cmp(e, key, klen) == 0 ? e : NULL;
}

static struct model_entry *
entry_new(const void *key, uint32_t klen, const void *value, uint32_t vlen)
{
    struct model_entry *e = xrealloc(NULL, sizeof(*e) + klen + vlen + 1);
    e->klen = klen;
    e->vlen = vlen;
    e->key = (uint8_t *)(e + 1);
    e->value = e->key + klen;
    memcpy(e->key, key, klen);
    if (vlen > 0)
        memcpy(e->value, value, vlen);
    return e;
}

/* Make room for a chunk at index `at` of the chunk array. */
static struct model_chunk *
chunk_insert(struct model_ref *m, size_t at)
{
    if (m->n_chunks == m->cap_chunks) {
        m->cap_chunks = m->cap_chunks ? m->cap_chunks * 2 : 64;
        m->c = xrealloc(m->c, m->cap_chunks * sizeof(*m->c));
    }
    for (size_t i = m->n_chunks; i > at; i--)
        m->c[i] = m->c[i - 1];
    m->c[at] = xrealloc(NULL, sizeof(struct model_chunk));
    m->c[at]->n = 0;
    m->n_chunks++;
    return m->c[at];
}

void
model_ref_put(struct model_ref *m, const void *key, uint32_t klen, const void *value, uint32_t vlen)
{
    struct model_cursor cur = model_ref_seek(m, key, klen);
    struct model_entry *e = entry_new(key, klen, value, vlen);
    m->kv_bytes += (uint64_t)klen + vlen;
    m->rec_bytes += model_record_bytes(klen, vlen);
    const struct model_entry *at = model_ref_entry(m, cur);
    if (at != NULL && entry_cmp(at, key, klen) == 0) {
        m->kv_bytes -= (uint64_t)at->klen + at->vlen;
        m->rec_bytes -= model_record_bytes(at->klen, at->vlen);
        free(m->c[cur.chunk]->e[cur.pos]);
        m->c[cur.chunk]->e[cur.pos] = e;
        return;
    }
    m->n++;
    if (m->n_chunks == 0) {
        chunk_insert(m, 0);
    } else if (cur.chunk == m->n_chunks) { /* past the last key: append to the last chunk */
        cur.chunk--;
        cur.pos = m->c[cur.chunk]->n;
    }
    struct model_chunk *ch = m->c[cur.chunk];
    if (ch->n == MODEL_CHUNK) { /* split in halves */
        struct model_chunk *right = chunk_insert(m, cur.chunk + 1);
        ch = m->c[cur.chunk];
        right->n = MODEL_CHUNK / 2;
        for (uint32_t i = 0; i < MODEL_CHUNK / 2; i++)
            right->e[i] = ch->e[MODEL_CHUNK / 2 + i];
        ch->n = MODEL_CHUNK / 2;
        if (cur.pos > ch->n) {
            cur.pos -= ch->n;
            ch = right;
        }
    }
    for (uint32_t i = ch->n; i > cur.pos; i--)
        ch->e[i] = ch->e[i - 1];
    ch->e[cur.pos] = e;
    ch->n++;
}

bool
model_ref_del(struct model_ref *m, const void *key, uint32_t klen)
{
    struct model_cursor cur = model_ref_seek(m, key, klen);
    const struct model_entry *at = model_ref_entry(m, cur);
    if (at == NULL || entry_cmp(at, key, klen) != 0)
        return false;
    m->kv_bytes -= (uint64_t)at->klen + at->vlen;
    m->rec_bytes -= model_record_bytes(at->klen, at->vlen);
    m->n--;
    struct model_chunk *ch = m->c[cur.chunk];
    free(ch->e[cur.pos]);
    for (uint32_t i = cur.pos; i + 1 < ch->n; i++)
        ch->e[i] = ch->e[i + 1];
    if (--ch->n == 0) {
        free(ch);
        for (size_t i = cur.chunk; i + 1 < m->n_chunks; i++)
            m->c[i] = m->c[i + 1];
        m->n_chunks--;
    }
    return true;
}

void
model_hex(char *buf, size_t len, const void *key, uint32_t klen, uint32_t max)
{
    const uint8_t *k = key;
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < klen && i < max && used + 3 < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%02x", k[i]);
    if (klen > max && used + 4 < len)
        snprintf(buf + used, len - used, "...");
}
