/* SPDX-License-Identifier: MIT */
/*
 * The record writer and reader. See datalog.h for the page layout; the directory of the open
 * page is built in `dir` and laid out (OOB head, body-top tail) only when the page is programmed.
 */
#include "datalog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"
#include "../base/le.h"
#include "lsmkit.h"

struct kv_datalog {
    struct kv_env env;
    const struct nand_params *p;
    int stream;
    enum nand_origin origin;
    uint32_t ppp;      /* pieces per page */
    uint32_t oob_room; /* directory bytes the OOB holds */
    /* the open page */
    uint64_t open_ppa; /* UINT64_MAX when no page is open */
    uint8_t *body;
    uint32_t used; /* value pieces used from the bottom */
    uint8_t *dir;  /* directory stream being built */
    uint32_t dir_len;
    /* reading */
    uint8_t *rbuf; /* page bodies of a read (a run may span many pages) */
    size_t rbuf_cap;
    uint8_t *roob;
    uint8_t *rdir; /* a parsed directory stream, contiguous */
    struct kv_dir_entry *entries;
    struct kv_dir_entry *walk; /* a page's directory during kv_datalog_walk_block */
    bool charged;
};

uint32_t
kv_record_pieces(uint32_t klen, uint32_t vlen)
{
    (void)klen;
    uint32_t pieces = (uint32_t)(((uint64_t)vlen + FTL_PIECE_BYTES - 1) / FTL_PIECE_BYTES);
    return pieces ? pieces : 1;
}

/* Body pieces the directory needs at the page top for a stream of `len` bytes. */
static uint32_t
overflow_pieces(const struct kv_datalog *dl, uint32_t len)
{
    if (len <= dl->oob_room)
        return 0;
    return (len - dl->oob_room + FTL_PIECE_BYTES - 1) / FTL_PIECE_BYTES;
}

int
kv_datalog_create(const struct kv_env *env, int stream, enum nand_origin origin,
                  struct kv_datalog **out)
{
    const struct nand_params *p = nand_params(env->nand);
    if (p->oob_bytes < KV_PAGE_DIR_HEADER)
        return -EINVAL;
    struct kv_datalog *dl = calloc(1, sizeof(*dl));
    if (dl == NULL)
        return -ENOMEM;
    dl->env = *env;
    dl->p = p;
    dl->stream = stream;
    dl->origin = origin;
    dl->ppp = p->page_bytes / FTL_PIECE_BYTES;
    dl->oob_room = p->oob_bytes - KV_PAGE_DIR_HEADER;
    dl->open_ppa = UINT64_MAX;
    size_t dir_max = (size_t)p->oob_bytes + p->page_bytes;
    dl->body = calloc(1, p->page_bytes);
    dl->dir = malloc(dir_max);
    dl->rbuf_cap = p->page_bytes;
    dl->rbuf = malloc(dl->rbuf_cap);
    dl->roob = malloc(p->oob_bytes);
    dl->rdir = malloc(dir_max);
    dl->entries = malloc(dl->ppp * sizeof(*dl->entries));
    dl->walk = malloc(dl->ppp * sizeof(*dl->walk));
    if (!dl->body || !dl->dir || !dl->rbuf || !dl->roob || !dl->rdir || !dl->entries || !dl->walk) {
        kv_datalog_destroy(dl);
        return -ENOMEM;
    }
    /* the open page is firmware DRAM; a budget smaller than one page leaves it uncharged, as a
     * device cannot write without a page buffer */
    dl->charged = dev_dram_try_charge(env->dram, DEV_DRAM_WRITE_BUFFER, p->page_bytes);
    *out = dl;
    return 0;
}

void
kv_datalog_destroy(struct kv_datalog *dl)
{
    if (dl == NULL)
        return;
    if (dl->charged)
        dev_dram_release(dl->env.dram, DEV_DRAM_WRITE_BUFFER, dl->p->page_bytes);
    free(dl->body);
    free(dl->dir);
    free(dl->rbuf);
    free(dl->roob);
    free(dl->rdir);
    free(dl->entries);
    free(dl->walk);
    free(dl);
}

uint32_t
kv_datalog_max_value(const struct kv_datalog *dl, uint32_t klen)
{
    uint64_t max;
    if (kv_record_dir_bytes(klen) <= dl->oob_room) {
        max = (uint64_t)dl->p->pages_per_block * dl->p->page_bytes; /* a run of one block */
    } else {
        /* a small OOB: the entry overflows into the body, so the record stays in one page */
        max =
            (uint64_t)(dl->ppp - overflow_pieces(dl, kv_record_dir_bytes(klen))) * FTL_PIECE_BYTES;
    }
    return max < KV_VALUE_MAX ? (uint32_t)max : KV_VALUE_MAX;
}

static uint32_t
encode_entry(uint8_t *dst, const void *key, uint32_t klen, uint32_t piece, uint32_t vlen,
             uint8_t flags)
{
    dst[0] = KV_RECORD_MAGIC;
    dst[1] = (uint8_t)klen;
    dst[2] = flags;
    dst[3] = 0;
    nvkv_put_le16(dst + 4, piece);
    nvkv_put_le32(dst + 6, vlen);
    memcpy(dst + KV_DIR_ENTRY_HEADER, key, klen);
    return KV_DIR_ENTRY_HEADER + klen;
}

/* Lay a directory stream out into a page's OOB and body top. */
static void
layout_directory(const struct kv_datalog *dl, const uint8_t *dir, uint32_t len, uint8_t *body,
                 uint8_t *oob)
{
    uint32_t k = overflow_pieces(dl, len);
    memset(oob, 0, dl->p->oob_bytes);
    nvkv_put_le16(oob, k);
    uint32_t head = len < dl->oob_room ? len : dl->oob_room;
    memcpy(oob + KV_PAGE_DIR_HEADER, dir, head);
    if (k > 0) {
        uint8_t *top = body + dl->p->page_bytes - (size_t)k * FTL_PIECE_BYTES;
        memset(top, 0, (size_t)k * FTL_PIECE_BYTES);
        memcpy(top, dir + head, len - head);
    }
}

int
kv_datalog_flush(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio)
{
    if (dl->open_ppa == UINT64_MAX)
        return 0;
    uint32_t top = dl->ppp - overflow_pieces(dl, dl->dir_len);
    memset(dl->body + (size_t)dl->used * FTL_PIECE_BYTES, 0,
           (size_t)(top - dl->used) * FTL_PIECE_BYTES);
    layout_directory(dl, dl->dir, dl->dir_len, dl->body, dl->roob);
    int rc = nand_program(dl->env.nand, plan, dl->open_ppa, dl->body, dl->roob, dl->origin, prio);
    NVKV_CHECK_MSG(rc == 0, "datalog: %s", nand_last_violation(dl->env.nand));
    dl->open_ppa = UINT64_MAX;
    return 0;
}

static int
ensure_rbuf(struct kv_datalog *dl, size_t bytes)
{
    if (bytes <= dl->rbuf_cap)
        return 0;
    uint8_t *b = realloc(dl->rbuf, bytes);
    if (b == NULL)
        return -ENOMEM;
    dl->rbuf = b;
    dl->rbuf_cap = bytes;
    return 0;
}

/* A value larger than one page: its own run of pages, programmed now. */
static int
append_run(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
           enum nand_origin origin, const void *key, uint32_t klen, const void *value,
           uint32_t vlen, uint8_t flags, struct kv_loc *loc)
{
    uint32_t pieces = kv_record_pieces(klen, vlen);
    uint32_t pages = (pieces + dl->ppp - 1) / dl->ppp;
    size_t bytes = (size_t)pages * dl->p->page_bytes;
    int rc = ensure_rbuf(dl, bytes);
    if (rc != 0)
        return rc;
    /* keep the stream's pages in program order: the open page goes first */
    kv_datalog_flush(dl, plan, prio);
    uint64_t ppa;
    rc = ftl_alloc_run(dl->env.alloc, dl->stream, pages, &ppa);
    if (rc != 0)
        return rc;
    memset(dl->rbuf, 0, bytes);
    memcpy(dl->rbuf, value, vlen);
    uint32_t len = encode_entry(dl->rdir, key, klen, 0, vlen, flags);
    for (uint32_t i = 0; i < pages; i++) {
        uint8_t *body = dl->rbuf + (size_t)i * dl->p->page_bytes;
        layout_directory(dl, dl->rdir, i == 0 ? len : 0, body, dl->roob);
        rc = nand_program(dl->env.nand, plan, ppa + i, body, dl->roob, origin, prio);
        NVKV_CHECK_MSG(rc == 0, "datalog: %s", nand_last_violation(dl->env.nand));
    }
    ftl_set_valid(dl->env.alloc, ppa, 0, pieces);
    *loc = (struct kv_loc){ppa, 0, pieces};
    return 0;
}

/* Does a record fit the open page? */
static bool
fits_open(const struct kv_datalog *dl, uint32_t pieces, uint32_t dir_bytes)
{
    return dl->used + pieces + overflow_pieces(dl, dl->dir_len + dir_bytes) <= dl->ppp;
}

int
kv_datalog_append(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                  enum nand_origin origin, const void *key, uint32_t klen, const void *value,
                  uint32_t vlen, uint8_t flags, struct kv_loc *loc)
{
    NVKV_CHECK(klen >= KV_KEY_MIN && klen <= KV_KEY_MAX);
    NVKV_CHECK(vlen <= kv_datalog_max_value(dl, klen));
    uint32_t pieces = kv_record_pieces(klen, vlen);
    uint32_t dir_bytes = kv_record_dir_bytes(klen);
    bool one_page = pieces + overflow_pieces(dl, dir_bytes) <= dl->ppp;
    if (!one_page)
        return append_run(dl, plan, prio, origin, key, klen, value, vlen, flags, loc);
    if (dl->open_ppa != UINT64_MAX && !fits_open(dl, pieces, dir_bytes))
        kv_datalog_flush(dl, plan, prio);
    if (dl->open_ppa == UINT64_MAX) {
        int rc = ftl_alloc_run(dl->env.alloc, dl->stream, 1, &dl->open_ppa);
        if (rc != 0) {
            dl->open_ppa = UINT64_MAX;
            return rc;
        }
        dl->used = 0;
        dl->dir_len = 0;
    }
    /* value bytes, then zeros to the end of its last piece (the page is not cleared up front:
     * every byte of it is written by a record, the directory or the flush) */
    uint8_t *dst = dl->body + (size_t)dl->used * FTL_PIECE_BYTES;
    if (vlen > 0)
        memcpy(dst, value, vlen);
    memset(dst + vlen, 0, (size_t)pieces * FTL_PIECE_BYTES - vlen);
    dl->dir_len += encode_entry(dl->dir + dl->dir_len, key, klen, dl->used, vlen, flags);
    *loc = (struct kv_loc){dl->open_ppa, dl->used, pieces};
    ftl_set_valid(dl->env.alloc, dl->open_ppa, dl->used, pieces);
    dl->used += pieces;
    (void)origin; /* shared pages carry the writer's origin */
    if (!fits_open(dl, 1, kv_record_dir_bytes(KV_KEY_MIN)))
        kv_datalog_flush(dl, plan, prio);
    return 0;
}

int
kv_datalog_is_open_page(const struct kv_datalog *dl, uint64_t ppa)
{
    return dl->open_ppa != UINT64_MAX && ppa == dl->open_ppa;
}

/* Parse a contiguous directory stream. */
static uint32_t
parse_stream(const struct kv_datalog *dl, const uint8_t *s, uint32_t len, struct kv_dir_entry *out)
{
    uint32_t n = 0, off = 0;
    while (off + KV_DIR_ENTRY_HEADER <= len && s[off] == KV_RECORD_MAGIC && n < dl->ppp) {
        struct kv_dir_entry *e = &out[n];
        e->klen = s[off + 1];
        e->flags = s[off + 2];
        e->piece = nvkv_get_le16(s + off + 4);
        e->vlen = nvkv_get_le32(s + off + 6);
        e->pieces = kv_record_pieces(e->klen, e->vlen);
        e->key = s + off + KV_DIR_ENTRY_HEADER;
        if (e->klen == 0 || off + KV_DIR_ENTRY_HEADER + e->klen > len)
            break;
        off += KV_DIR_ENTRY_HEADER + e->klen;
        n++;
    }
    return n;
}

/* Gather a programmed page's directory stream (OOB head + body top) and parse it. */
static uint32_t
parse_page(struct kv_datalog *dl, const uint8_t *body, const uint8_t *oob, struct kv_dir_entry *out)
{
    uint32_t k = nvkv_get_le16(oob);
    NVKV_CHECK_MSG(k <= dl->ppp, "datalog: corrupt page directory (%u overflow pieces)", k);
    memcpy(dl->rdir, oob + KV_PAGE_DIR_HEADER, dl->oob_room);
    uint32_t len = dl->oob_room;
    if (k > 0) {
        memcpy(dl->rdir + len, body + dl->p->page_bytes - (size_t)k * FTL_PIECE_BYTES,
               (size_t)k * FTL_PIECE_BYTES);
        len += k * FTL_PIECE_BYTES;
    }
    return parse_stream(dl, dl->rdir, len, out);
}

static int
find_entry(const struct kv_dir_entry *e, uint32_t n, uint32_t piece)
{
    for (uint32_t i = 0; i < n; i++)
        if (e[i].piece == piece)
            return (int)i;
    return -1;
}

int
kv_datalog_read(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                enum nand_origin origin, const struct kv_loc *loc, struct kv_record *rec)
{
    const uint8_t *body;
    uint32_t n;
    int pages = 0;
    if (kv_datalog_is_open_page(dl, loc->ppa)) {
        memcpy(dl->rdir, dl->dir, dl->dir_len);
        n = parse_stream(dl, dl->rdir, dl->dir_len, dl->entries);
        body = dl->body;
    } else {
        pages = (int)((loc->piece + loc->pieces - 1) / dl->ppp + 1);
        int rc = ensure_rbuf(dl, (size_t)pages * dl->p->page_bytes);
        if (rc != 0)
            return rc;
        /* the timed reads; then only the directory and the value leave the page registers */
        for (int i = 0; i < pages; i++) {
            rc = nand_read(dl->env.nand, plan, loc->ppa + (uint64_t)i, NULL,
                           i == 0 ? dl->roob : NULL, origin, prio);
            NVKV_CHECK_MSG(rc == 0, "datalog read: %s", nand_last_violation(dl->env.nand));
        }
        uint32_t k = nvkv_get_le16(dl->roob);
        NVKV_CHECK_MSG(k <= dl->ppp, "datalog: corrupt page directory (%u overflow pieces)", k);
        uint32_t top = dl->p->page_bytes - k * FTL_PIECE_BYTES;
        rc = nand_copy_out(dl->env.nand, loc->ppa, top, k * FTL_PIECE_BYTES, dl->rbuf + top);
        NVKV_CHECK(rc == 0);
        n = parse_page(dl, dl->rbuf, dl->roob, dl->entries);
        int at = find_entry(dl->entries, n, loc->piece);
        NVKV_CHECK_MSG(at >= 0, "datalog: no record at ppa %llu piece %u",
                       (unsigned long long)loc->ppa, loc->piece);
        /* the value, page by page of its run */
        uint64_t off = (uint64_t)loc->piece * FTL_PIECE_BYTES, end = off + dl->entries[at].vlen;
        while (off < end) {
            uint64_t page = off / dl->p->page_bytes;
            uint32_t in_page = (uint32_t)(off % dl->p->page_bytes);
            uint64_t chunk =
                dl->p->page_bytes - in_page < end - off ? dl->p->page_bytes - in_page : end - off;
            rc = nand_copy_out(dl->env.nand, loc->ppa + page, in_page, (uint32_t)chunk,
                               dl->rbuf + off);
            NVKV_CHECK(rc == 0);
            off += chunk;
        }
        body = dl->rbuf;
    }
    int i = find_entry(dl->entries, n, loc->piece);
    NVKV_CHECK_MSG(i >= 0, "datalog: no record at ppa %llu piece %u", (unsigned long long)loc->ppa,
                   loc->piece);
    const struct kv_dir_entry *e = &dl->entries[i];
    *rec = (struct kv_record){e->key, e->klen, body + (size_t)e->piece * FTL_PIECE_BYTES, e->vlen,
                              e->flags};
    return pages;
}

int
kv_datalog_read_page(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                     enum nand_origin origin, uint64_t ppa, struct kv_dir_entry *out,
                     const uint8_t **body)
{
    NVKV_CHECK(!kv_datalog_is_open_page(dl, ppa));
    int rc = nand_read(dl->env.nand, plan, ppa, dl->rbuf, dl->roob, origin, prio);
    NVKV_CHECK_MSG(rc == 0, "datalog read: %s", nand_last_violation(dl->env.nand));
    *body = dl->rbuf;
    return (int)parse_page(dl, dl->rbuf, dl->roob, out);
}

uint32_t
kv_datalog_walk_block(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                      enum nand_origin origin, uint64_t block, kv_live_record_fn *fn, void *arg)
{
    struct ftl_alloc *a = dl->env.alloc;
    uint64_t first = ftl_block_first_ppa(a, block);
    uint32_t pages_read = 0;
    /* what the records of a page cause (their copies' programs) waits for that page's read
     * only; the pages are read side by side (the die serves them in turn) */
    struct kv_par pages;
    kv_par_begin(&pages, plan);
    bool go_on = true;
    for (uint32_t p = 0; p < dl->p->pages_per_block && go_on; p++) {
        uint64_t ppa = first + p;
        if (ftl_page_valid_pieces(a, ppa) == 0)
            continue;
        kv_par_branch(&pages);
        const uint8_t *body;
        int n = kv_datalog_read_page(dl, plan, prio, origin, ppa, dl->walk, &body);
        pages_read++;
        if (plan != NULL)
            sim_plan_barrier(plan);
        for (int i = 0; i < n && go_on; i++) {
            const struct kv_dir_entry *d = &dl->walk[i];
            if (!ftl_piece_valid(a, ppa, d->piece))
                continue;
            struct kv_loc loc = {ppa, d->piece, d->pieces};
            struct kv_record rec = {d->key, d->klen, body + (size_t)d->piece * FTL_PIECE_BYTES,
                                    d->vlen, d->flags};
            if (d->piece + d->pieces > dl->ppp) {
                /* a run: the only record of its pages; its first page is in rbuf already,
                 * read the others behind it */
                uint32_t pages_run = (d->piece + d->pieces - 1) / dl->ppp + 1;
                NVKV_CHECK(ensure_rbuf(dl, (size_t)pages_run * dl->p->page_bytes) == 0);
                for (uint32_t k = 1; k < pages_run; k++) {
                    int rc =
                        nand_read(dl->env.nand, plan, ppa + k,
                                  dl->rbuf + (size_t)k * dl->p->page_bytes, NULL, origin, prio);
                    NVKV_CHECK_MSG(rc == 0, "datalog walk: %s", nand_last_violation(dl->env.nand));
                }
                if (plan != NULL)
                    sim_plan_barrier(plan);
                pages_read += pages_run - 1;
                rec.value = dl->rbuf + (size_t)d->piece * FTL_PIECE_BYTES;
            }
            go_on = fn(arg, &rec, &loc);
        }
    }
    kv_par_end(&pages);
    return pages_read;
}
