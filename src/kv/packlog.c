/* SPDX-License-Identifier: MIT */
/*
 * The byte-packed pair writer and reader (packlog.h). The open page's pairs are gathered in
 * `data` with data-relative offsets; the maps go in front of them when the page is programmed.
 */
#include "packlog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"
#include "../base/le.h"

struct kv_packlog {
    struct kv_env env;
    const struct nand_params *p;
    int stream;
    enum nand_origin origin;
    uint32_t ppp; /* allocator pieces per page */
    /* the open page */
    uint64_t open_ppa; /* UINT64_MAX when no page is open */
    uint8_t *data;     /* the pairs, back to back */
    uint32_t data_len;
    uint32_t n;
    uint16_t *doff;  /* each pair's offset in data */
    uint16_t *klens; /* each pair's key length */
    /* programming and reading */
    uint8_t *page;
    uint8_t *rbuf;
    /* validity: live pairs per page and per block */
    uint16_t *live;
    uint32_t *block_live;
    uint32_t *block_bytes;
    bool charged;
};

int
kv_packlog_create(const struct kv_env *env, int stream, enum nand_origin origin,
                  struct kv_packlog **out)
{
    const struct nand_params *p = nand_params(env->nand);
    if (p->page_bytes > UINT16_MAX || p->page_bytes < KV_PACK_HEADER + 64)
        return -EINVAL; /* 16-bit offsets */
    struct kv_packlog *pl = calloc(1, sizeof(*pl));
    if (pl == NULL)
        return -ENOMEM;
    pl->env = *env;
    pl->p = p;
    pl->stream = stream;
    pl->origin = origin;
    pl->ppp = ftl_pieces_per_page(env->alloc);
    pl->open_ppa = UINT64_MAX;
    uint64_t pages = nand_total_pages(p), blocks = pages / p->pages_per_block;
    pl->data = malloc(p->page_bytes);
    pl->page = malloc(p->page_bytes);
    pl->rbuf = malloc(p->page_bytes);
    pl->doff = malloc(KV_PACK_MAX_PAIRS * sizeof(*pl->doff));
    pl->klens = malloc(KV_PACK_MAX_PAIRS * sizeof(*pl->klens));
    pl->live = calloc(pages, sizeof(*pl->live));
    pl->block_live = calloc(blocks, sizeof(*pl->block_live));
    pl->block_bytes = calloc(blocks, sizeof(*pl->block_bytes));
    if (!pl->data || !pl->page || !pl->rbuf || !pl->doff || !pl->klens || !pl->live ||
        !pl->block_live || !pl->block_bytes) {
        kv_packlog_destroy(pl);
        return -ENOMEM;
    }
    pl->charged = dev_dram_try_charge(env->dram, DEV_DRAM_WRITE_BUFFER, p->page_bytes);
    *out = pl;
    return 0;
}

void
kv_packlog_destroy(struct kv_packlog *pl)
{
    if (pl == NULL)
        return;
    if (pl->charged)
        dev_dram_release(pl->env.dram, DEV_DRAM_WRITE_BUFFER, pl->p->page_bytes);
    free(pl->data);
    free(pl->page);
    free(pl->rbuf);
    free(pl->doff);
    free(pl->klens);
    free(pl->live);
    free(pl->block_live);
    free(pl->block_bytes);
    free(pl);
}

uint32_t
kv_packlog_max_value(const struct kv_packlog *pl, uint32_t klen)
{
    uint32_t room = pl->p->page_bytes - KV_PACK_HEADER - KV_PACK_PAIR_MAP;
    uint32_t max = klen < room ? room - klen : 0;
    return max < KV_VALUE_MAX ? max : KV_VALUE_MAX;
}

/* Page bytes the open page would take with one more pair of `bytes` key and value bytes. */
static bool
fits_open(const struct kv_packlog *pl, uint32_t bytes)
{
    return pl->n < KV_PACK_MAX_PAIRS &&
           KV_PACK_HEADER + (pl->n + 1) * KV_PACK_PAIR_MAP + pl->data_len + bytes <=
               pl->p->page_bytes;
}

int
kv_packlog_flush(struct kv_packlog *pl, struct sim_plan *plan, enum sim_prio prio)
{
    if (pl->open_ppa == UINT64_MAX)
        return 0;
    uint8_t *pg = pl->page;
    uint32_t n = pl->n, maps = KV_PACK_HEADER + n * KV_PACK_PAIR_MAP;
    nvkv_put_le16(pg, (uint16_t)n);
    for (uint32_t i = 0; i < n; i++)
        nvkv_put_le16(pg + 2 + 2 * i, (uint16_t)(maps + pl->doff[i]));
    nvkv_put_le16(pg + 2 + 2 * n, (uint16_t)(maps + pl->data_len));
    nvkv_put_le16(pg + 4 + 2 * n, (uint16_t)n);
    for (uint32_t i = 0; i < n; i++)
        nvkv_put_le16(pg + 6 + 2 * n + 2 * i, pl->klens[i]);
    nvkv_put_le16(pg + 6 + 4 * n, 0);
    memcpy(pg + maps, pl->data, pl->data_len);
    memset(pg + maps + pl->data_len, 0, pl->p->page_bytes - maps - pl->data_len);
    int rc = nand_program(pl->env.nand, plan, pl->open_ppa, pg, NULL, pl->origin, prio);
    NVKV_CHECK_MSG(rc == 0, "packlog: %s", nand_last_violation(pl->env.nand));
    pl->open_ppa = UINT64_MAX;
    return 0;
}

static uint64_t
block_of(const struct kv_packlog *pl, uint64_t ppa)
{
    return ppa / pl->p->pages_per_block;
}

int
kv_packlog_append(struct kv_packlog *pl, struct sim_plan *plan, enum sim_prio prio, const void *key,
                  uint32_t klen, const void *value, uint32_t vlen, struct kv_loc *loc)
{
    NVKV_CHECK(klen >= KV_KEY_MIN && klen <= KV_KEY_MAX);
    NVKV_CHECK(vlen <= kv_packlog_max_value(pl, klen));
    if (pl->open_ppa != UINT64_MAX && !fits_open(pl, klen + vlen))
        kv_packlog_flush(pl, plan, prio);
    if (pl->open_ppa == UINT64_MAX) {
        uint64_t ppa;
        int rc = ftl_alloc_run(pl->env.alloc, pl->stream, 1, &ppa);
        if (rc != 0)
            return rc;
        pl->open_ppa = ppa;
        pl->n = 0;
        pl->data_len = 0;
    }
    memcpy(pl->data + pl->data_len, key, klen);
    if (vlen > 0)
        memcpy(pl->data + pl->data_len + klen, value, vlen);
    pl->doff[pl->n] = (uint16_t)pl->data_len;
    pl->klens[pl->n] = (uint16_t)klen;
    pl->data_len += klen + vlen;
    *loc = (struct kv_loc){pl->open_ppa, pl->n, 1};
    pl->n++;
    if (pl->live[pl->open_ppa]++ == 0)
        ftl_set_valid(pl->env.alloc, pl->open_ppa, 0, pl->ppp);
    pl->block_live[block_of(pl, pl->open_ppa)]++;
    pl->block_bytes[block_of(pl, pl->open_ppa)] += kv_pack_pair_bytes(klen, vlen);
    /* a page that cannot take even the smallest pair goes out now */
    if (!fits_open(pl, KV_KEY_MIN))
        kv_packlog_flush(pl, plan, prio);
    return 0;
}

int
kv_packlog_is_open_page(const struct kv_packlog *pl, uint64_t ppa)
{
    return pl->open_ppa != UINT64_MAX && ppa == pl->open_ppa;
}

/* Copy `len` bytes at `off` of a programmed page. */
static void
copy_out(struct kv_packlog *pl, uint64_t ppa, uint32_t off, uint32_t len, void *dst)
{
    NVKV_CHECK_MSG(off + len <= pl->p->page_bytes, "packlog: corrupt page %llu",
                   (unsigned long long)ppa);
    int rc = nand_copy_out(pl->env.nand, ppa, off, len, dst);
    NVKV_CHECK(rc == 0);
}

int
kv_packlog_read(struct kv_packlog *pl, struct sim_plan *plan, enum sim_prio prio,
                enum nand_origin origin, const struct kv_loc *loc, struct kv_record *rec)
{
    uint32_t i = loc->piece;
    if (kv_packlog_is_open_page(pl, loc->ppa)) {
        NVKV_CHECK_MSG(i < pl->n, "packlog: no pair %u in the open page", i);
        uint32_t end = i + 1 < pl->n ? pl->doff[i + 1] : pl->data_len;
        memcpy(pl->rbuf, pl->data + pl->doff[i], end - pl->doff[i]);
        *rec = (struct kv_record){pl->rbuf, pl->klens[i], pl->rbuf + pl->klens[i],
                                  end - pl->doff[i] - pl->klens[i], 0};
        return 0;
    }
    int rc = nand_read(pl->env.nand, plan, loc->ppa, NULL, NULL, origin, prio);
    NVKV_CHECK_MSG(rc == 0, "packlog read: %s", nand_last_violation(pl->env.nand));
    /* only the maps' entries of this pair and its bytes leave the page register */
    uint8_t b[4];
    copy_out(pl, loc->ppa, 0, 2, b);
    uint32_t n = nvkv_get_le16(b);
    NVKV_CHECK_MSG(i < n, "packlog: no pair %u in page %llu (%u pairs)", i,
                   (unsigned long long)loc->ppa, n);
    copy_out(pl, loc->ppa, 2 + 2 * i, 4, b);
    uint32_t off = nvkv_get_le16(b), end = nvkv_get_le16(b + 2);
    copy_out(pl, loc->ppa, 6 + 2 * n + 2 * i, 2, b);
    uint32_t klen = nvkv_get_le16(b);
    NVKV_CHECK_MSG(end >= off + klen && end <= pl->p->page_bytes, "packlog: corrupt page %llu",
                   (unsigned long long)loc->ppa);
    copy_out(pl, loc->ppa, off, end - off, pl->rbuf);
    *rec = (struct kv_record){pl->rbuf, klen, pl->rbuf + klen, end - off - klen, 0};
    return 1;
}

int
kv_packlog_read_page(struct kv_packlog *pl, struct sim_plan *plan, enum sim_prio prio,
                     enum nand_origin origin, uint64_t ppa, struct kv_record *out)
{
    int rc = nand_read(pl->env.nand, plan, ppa, pl->rbuf, NULL, origin, prio);
    NVKV_CHECK_MSG(rc == 0, "packlog read: %s", nand_last_violation(pl->env.nand));
    const uint8_t *pg = pl->rbuf;
    uint32_t n = nvkv_get_le16(pg);
    NVKV_CHECK_MSG(n <= KV_PACK_MAX_PAIRS &&
                       KV_PACK_HEADER + n * KV_PACK_PAIR_MAP <= pl->p->page_bytes,
                   "packlog: corrupt page %llu (%u pairs)", (unsigned long long)ppa, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = nvkv_get_le16(pg + 2 + 2 * i), end = nvkv_get_le16(pg + 4 + 2 * i);
        uint32_t klen = nvkv_get_le16(pg + 6 + 2 * n + 2 * i);
        NVKV_CHECK_MSG(end >= off + klen && end <= pl->p->page_bytes,
                       "packlog: corrupt page %llu (pair %u)", (unsigned long long)ppa, i);
        out[i] = (struct kv_record){pg + off, klen, pg + off + klen, end - off - klen, 0};
    }
    return (int)n;
}

void
kv_packlog_invalidate(struct kv_packlog *pl, const struct kv_loc *loc, uint32_t bytes)
{
    uint64_t b = block_of(pl, loc->ppa);
    NVKV_CHECK_MSG(pl->live[loc->ppa] > 0 && pl->block_bytes[b] >= bytes,
                   "packlog: pair %u of page %llu freed twice", loc->piece,
                   (unsigned long long)loc->ppa);
    pl->block_live[b]--;
    pl->block_bytes[b] -= bytes;
    if (--pl->live[loc->ppa] == 0)
        ftl_invalidate(pl->env.alloc, loc->ppa, 0, pl->ppp);
}

uint32_t
kv_packlog_page_live(const struct kv_packlog *pl, uint64_t ppa)
{
    return pl->live[ppa];
}

uint64_t
kv_packlog_block_live(const struct kv_packlog *pl, uint64_t block)
{
    return pl->block_live[block];
}

uint64_t
kv_packlog_block_live_bytes(const struct kv_packlog *pl, uint64_t block)
{
    return pl->block_bytes[block];
}
