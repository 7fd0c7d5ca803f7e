/* SPDX-License-Identifier: MIT */
#include "datalog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"

struct kv_datalog {
    struct kv_env env;
    const struct nand_params *p;
    int stream;
    enum nand_origin origin;
    uint32_t ppp;       /* pieces per page */
    uint8_t *open;      /* the open page's bytes */
    uint64_t open_ppa;  /* UINT64_MAX when no page is open */
    uint32_t open_used; /* pieces used in the open page */
    uint8_t *run_buf;   /* page images of a multi-page run, and the read buffer */
    size_t run_cap;
};

static void
put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t
kv_record_pieces(uint32_t klen, uint32_t vlen)
{
    uint64_t bytes = (uint64_t)KV_RECORD_HEADER + klen + vlen;
    return (uint32_t)((bytes + FTL_PIECE_BYTES - 1) / FTL_PIECE_BYTES);
}

int
kv_datalog_create(const struct kv_env *env, int stream, enum nand_origin origin,
                  struct kv_datalog **out)
{
    struct kv_datalog *dl = calloc(1, sizeof(*dl));
    if (dl == NULL)
        return -ENOMEM;
    dl->env = *env;
    dl->p = nand_params(env->nand);
    dl->stream = stream;
    dl->origin = origin;
    dl->ppp = dl->p->page_bytes / FTL_PIECE_BYTES;
    dl->open = calloc(1, dl->p->page_bytes);
    dl->open_ppa = UINT64_MAX;
    dl->run_cap = dl->p->page_bytes;
    dl->run_buf = malloc(dl->run_cap);
    if (dl->open == NULL || dl->run_buf == NULL) {
        kv_datalog_destroy(dl);
        return -ENOMEM;
    }
    /* the open page is firmware DRAM; it always fits next to any sane budget, else it spills
     * nowhere: a device with less DRAM than one page cannot buffer writes at all */
    (void)dev_dram_try_charge(env->dram, DEV_DRAM_WRITE_BUFFER, dl->p->page_bytes);
    *out = dl;
    return 0;
}

void
kv_datalog_destroy(struct kv_datalog *dl)
{
    if (dl == NULL)
        return;
    free(dl->open);
    free(dl->run_buf);
    free(dl);
}

uint32_t
kv_datalog_max_value(const struct kv_datalog *dl, uint32_t klen)
{
    uint64_t block = (uint64_t)dl->p->pages_per_block * dl->p->page_bytes;
    uint64_t max = block - KV_RECORD_HEADER - klen;
    return max < KV_VALUE_MAX ? (uint32_t)max : KV_VALUE_MAX;
}

static void
encode(uint8_t *dst, const void *key, uint32_t klen, const void *value, uint32_t vlen,
       uint8_t flags)
{
    dst[0] = KV_RECORD_MAGIC;
    dst[1] = (uint8_t)klen;
    dst[2] = flags;
    dst[3] = 0;
    put_le32(dst + 4, vlen);
    memcpy(dst + KV_RECORD_HEADER, key, klen);
    if (vlen > 0)
        memcpy(dst + KV_RECORD_HEADER + klen, value, vlen);
}

int
kv_datalog_flush(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio)
{
    if (dl->open_ppa == UINT64_MAX)
        return 0;
    /* unused pieces stay zero: a zero magic byte marks padding */
    int rc = nand_program(dl->env.nand, plan, dl->open_ppa, dl->open, NULL, dl->origin, prio);
    NVKV_CHECK_MSG(rc == 0, "datalog: %s", nand_last_violation(dl->env.nand));
    dl->open_ppa = UINT64_MAX;
    dl->open_used = 0;
    return 0;
}

static int
ensure_run_buf(struct kv_datalog *dl, size_t bytes)
{
    if (bytes <= dl->run_cap)
        return 0;
    uint8_t *b = realloc(dl->run_buf, bytes);
    if (b == NULL)
        return -ENOMEM;
    dl->run_buf = b;
    dl->run_cap = bytes;
    return 0;
}

/* A record larger than a page: its own run of pages, programmed now. */
static int
append_run(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
           enum nand_origin origin, const void *key, uint32_t klen, const void *value,
           uint32_t vlen, uint8_t flags, struct kv_loc *loc)
{
    uint32_t pieces = kv_record_pieces(klen, vlen);
    uint32_t pages = (pieces + dl->ppp - 1) / dl->ppp;
    size_t bytes = (size_t)pages * dl->p->page_bytes;
    int rc = ensure_run_buf(dl, bytes);
    if (rc != 0)
        return rc;
    /* keep the stream's pages in program order: the open page goes first */
    kv_datalog_flush(dl, plan, prio);
    uint64_t ppa;
    rc = ftl_alloc_run(dl->env.alloc, dl->stream, pages, &ppa);
    if (rc != 0)
        return rc;
    memset(dl->run_buf, 0, bytes);
    encode(dl->run_buf, key, klen, value, vlen, flags);
    for (uint32_t i = 0; i < pages; i++) {
        rc = nand_program(dl->env.nand, plan, ppa + i, dl->run_buf + (size_t)i * dl->p->page_bytes,
                          NULL, origin, prio);
        NVKV_CHECK_MSG(rc == 0, "datalog: %s", nand_last_violation(dl->env.nand));
    }
    ftl_set_valid(dl->env.alloc, ppa, 0, pieces);
    *loc = (struct kv_loc){ppa, 0, pieces};
    return 0;
}

int
kv_datalog_append(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                  enum nand_origin origin, const void *key, uint32_t klen, const void *value,
                  uint32_t vlen, uint8_t flags, struct kv_loc *loc)
{
    NVKV_CHECK(klen >= KV_KEY_MIN && klen <= KV_KEY_MAX);
    uint32_t pieces = kv_record_pieces(klen, vlen);
    if (pieces > dl->ppp)
        return append_run(dl, plan, prio, origin, key, klen, value, vlen, flags, loc);
    if (dl->open_ppa != UINT64_MAX && dl->open_used + pieces > dl->ppp)
        kv_datalog_flush(dl, plan, prio);
    if (dl->open_ppa == UINT64_MAX) {
        int rc = ftl_alloc_run(dl->env.alloc, dl->stream, 1, &dl->open_ppa);
        if (rc != 0) {
            dl->open_ppa = UINT64_MAX;
            return rc;
        }
        memset(dl->open, 0, dl->p->page_bytes);
        dl->open_used = 0;
    }
    encode(dl->open + (size_t)dl->open_used * FTL_PIECE_BYTES, key, klen, value, vlen, flags);
    *loc = (struct kv_loc){dl->open_ppa, dl->open_used, pieces};
    ftl_set_valid(dl->env.alloc, dl->open_ppa, dl->open_used, pieces);
    dl->open_used += pieces;
    /* the origin of a buffered record's page is the writer's; relocations use their own log */
    (void)origin;
    if (dl->open_used == dl->ppp)
        kv_datalog_flush(dl, plan, prio);
    return 0;
}

int
kv_datalog_is_open_page(const struct kv_datalog *dl, uint64_t ppa)
{
    return dl->open_ppa != UINT64_MAX && ppa == dl->open_ppa;
}

int
kv_record_decode(const uint8_t *page, uint32_t bytes, uint32_t piece, struct kv_record *rec)
{
    uint64_t off = (uint64_t)piece * FTL_PIECE_BYTES;
    if (off + KV_RECORD_HEADER > bytes || page[off] != KV_RECORD_MAGIC)
        return -EINVAL;
    const uint8_t *h = page + off;
    rec->klen = h[1];
    rec->flags = h[2];
    rec->vlen = get_le32(h + 4);
    if (rec->klen == 0 || off + KV_RECORD_HEADER + rec->klen + (uint64_t)rec->vlen > bytes)
        return -EINVAL;
    rec->key = h + KV_RECORD_HEADER;
    rec->value = rec->key + rec->klen;
    return 0;
}

int
kv_datalog_read(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                enum nand_origin origin, const struct kv_loc *loc, struct kv_record *rec)
{
    if (kv_datalog_is_open_page(dl, loc->ppa)) {
        int rc = kv_record_decode(dl->open, dl->p->page_bytes, loc->piece, rec);
        NVKV_CHECK_MSG(rc == 0, "no record at ppa %llu piece %u (open page)",
                       (unsigned long long)loc->ppa, loc->piece);
        return 0;
    }
    uint32_t last_piece = loc->piece + loc->pieces - 1;
    uint32_t pages = last_piece / dl->ppp + 1;
    int rc = ensure_run_buf(dl, (size_t)pages * dl->p->page_bytes);
    if (rc != 0)
        return rc;
    for (uint32_t i = 0; i < pages; i++) {
        rc = nand_read(dl->env.nand, plan, loc->ppa + i,
                       dl->run_buf + (size_t)i * dl->p->page_bytes, NULL, origin, prio);
        NVKV_CHECK_MSG(rc == 0, "datalog read: %s", nand_last_violation(dl->env.nand));
    }
    rc = kv_record_decode(dl->run_buf, pages * dl->p->page_bytes, loc->piece, rec);
    NVKV_CHECK_MSG(rc == 0, "no record at ppa %llu piece %u", (unsigned long long)loc->ppa,
                   loc->piece);
    return (int)pages;
}
