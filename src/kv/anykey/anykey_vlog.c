/* SPDX-License-Identifier: MIT */
/*
 * AnyKey's value log: entries packed byte by byte into pages of one allocator stream (KVEMU
 * packs its value-log pages the same way), an entry larger than a page in a run of pages. Live
 * bytes are counted per page; a page with none left is invalid to the allocator, and a block
 * with no valid page is what log-triggered compaction erases. As in the paper, space comes back
 * when compaction drops or moves the entities that point into the log; the engine's fallback
 * value-log GC (anykey_lsm.c, ak_vlog_gc) only steps in when that cannot make room.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/check.h"
#include "../../base/le.h"
#include "anykey_internal.h"

int
ak_vlog_init(struct ak_vlog *v, const struct kv_env *env, int stream)
{
    const struct nand_params *np = nand_params(env->nand);
    memset(v, 0, sizeof(*v));
    v->env = env;
    v->stream = stream;
    v->page_bytes = np->page_bytes;
    v->open_ppa = AK_NO_PPA;
    v->buf = calloc(1, np->page_bytes);
    v->live = calloc(nand_total_pages(np), sizeof(uint32_t));
    v->block_live = calloc(nand_total_pages(np) / np->pages_per_block, sizeof(uint64_t));
    v->block_stale = calloc(nand_total_pages(np) / np->pages_per_block, sizeof(uint64_t));
    v->rbuf_cap = np->page_bytes;
    v->rbuf = malloc(v->rbuf_cap);
    if (v->buf == NULL || v->live == NULL || v->block_live == NULL || v->block_stale == NULL ||
        v->rbuf == NULL)
        return -ENOMEM;
    return 0;
}

void
ak_vlog_free(struct ak_vlog *v)
{
    free(v->buf);
    free(v->live);
    free(v->block_live);
    free(v->block_stale);
    free(v->rbuf);
    memset(v, 0, sizeof(*v));
}

uint32_t
ak_vlog_max_value(const struct ak_vlog *v, uint32_t klen)
{
    const struct nand_params *np = nand_params(v->env->nand);
    uint64_t run = (uint64_t)np->pages_per_block * np->page_bytes;
    uint64_t max = run - AK_VLOG_HEADER - klen;
    return max > KV_VALUE_MAX ? KV_VALUE_MAX : (uint32_t)max;
}

bool
ak_vlog_is_open_page(const struct ak_vlog *v, uint64_t ppa)
{
    return v->open_ppa != AK_NO_PPA && v->open_ppa == ppa;
}

/* `bytes` of an entry became live in page ppa. */
static void
add_live(struct ak_vlog *v, uint64_t ppa, uint32_t bytes)
{
    if (v->live[ppa] == 0)
        ftl_set_valid(v->env->alloc, ppa, 0, ftl_pieces_per_page(v->env->alloc));
    v->live[ppa] += bytes;
    v->block_live[ppa / nand_params(v->env->nand)->pages_per_block] += bytes;
}

static void
drop_live(struct ak_vlog *v, uint64_t ppa, uint32_t bytes)
{
    NVKV_CHECK_MSG(v->live[ppa] >= bytes, "anykey vlog: page %llu loses %u of %u live bytes",
                   (unsigned long long)ppa, bytes, v->live[ppa]);
    v->live[ppa] -= bytes;
    v->block_live[ppa / nand_params(v->env->nand)->pages_per_block] -= bytes;
    if (v->live[ppa] == 0)
        ftl_invalidate(v->env->alloc, ppa, 0, ftl_pieces_per_page(v->env->alloc));
}

static int
program_page(struct ak_vlog *v, struct sim_plan *plan, uint64_t ppa, const uint8_t *data)
{
    int rc = nand_program(v->env->nand, plan, ppa, data, NULL, NAND_ORIGIN_VLOG, SIM_PRIO_BG);
    NVKV_CHECK_MSG(rc == 0, "anykey vlog: %s", nand_last_violation(v->env->nand));
    v->pages_programmed++;
    v->pages_in_use++;
    return 0;
}

int
ak_vlog_flush(struct ak_vlog *v, struct sim_plan *plan)
{
    if (v->open_ppa == AK_NO_PPA)
        return 0;
    program_page(v, plan, v->open_ppa, v->buf);
    v->open_ppa = AK_NO_PPA;
    v->used = 0;
    return 0;
}

static void
put_header(uint8_t *p, uint32_t klen, uint32_t vlen)
{
    p[0] = (uint8_t)klen;
    p[1] = 0;
    nvkv_put_le32(p + 2, vlen);
}

/* An entry larger than a page: a run of pages of one block, the open page programmed first so
 * that the block's pages are programmed in order. */
static int
append_run(struct ak_vlog *v, struct sim_plan *plan, const void *key, uint32_t klen,
           const void *value, uint32_t vlen, uint64_t *ppa)
{
    uint64_t size = AK_VLOG_HEADER + (uint64_t)klen + vlen;
    uint32_t pages = (uint32_t)((size + v->page_bytes - 1) / v->page_bytes);
    uint64_t first;
    ak_vlog_flush(v, plan);
    int rc = ftl_alloc_run(v->env->alloc, v->stream, pages, &first);
    if (rc != 0)
        return rc;
    uint8_t *page = malloc(v->page_bytes); /* the run is assembled page by page */
    if (page == NULL)
        return -ENOMEM;
    uint64_t done = 0;
    for (uint32_t i = 0; i < pages; i++) {
        uint32_t fill = 0;
        memset(page, 0, v->page_bytes);
        while (fill < v->page_bytes && done < size) {
            /* stream the entry bytes: header, key, value */
            if (done < AK_VLOG_HEADER) {
                uint8_t hdr[AK_VLOG_HEADER];
                put_header(hdr, klen, vlen);
                uint32_t n = (uint32_t)(AK_VLOG_HEADER - done);
                n = n < v->page_bytes - fill ? n : v->page_bytes - fill;
                memcpy(page + fill, hdr + done, n);
                fill += n;
                done += n;
            } else if (done < AK_VLOG_HEADER + klen) {
                uint64_t at = done - AK_VLOG_HEADER;
                uint32_t n = (uint32_t)(klen - at);
                n = n < v->page_bytes - fill ? n : v->page_bytes - fill;
                memcpy(page + fill, (const uint8_t *)key + at, n);
                fill += n;
                done += n;
            } else {
                uint64_t at = done - AK_VLOG_HEADER - klen;
                uint64_t n = vlen - at;
                n = n < v->page_bytes - fill ? n : v->page_bytes - fill;
                memcpy(page + fill, (const uint8_t *)value + at, n);
                fill += (uint32_t)n;
                done += n;
            }
        }
        program_page(v, plan, first + i, page);
        add_live(v, first + i, fill);
    }
    free(page);
    *ppa = first;
    return 0;
}

int
ak_vlog_append(struct ak_vlog *v, struct sim_plan *plan, const void *key, uint32_t klen,
               const void *value, uint32_t vlen, uint64_t *ppa, uint16_t *off)
{
    uint64_t size = AK_VLOG_HEADER + (uint64_t)klen + vlen;
    v->entries++;
    v->bytes += size;
    if (size > v->page_bytes) {
        *off = 0;
        return append_run(v, plan, key, klen, value, vlen, ppa);
    }
    if (v->open_ppa != AK_NO_PPA && v->used + size > v->page_bytes)
        ak_vlog_flush(v, plan);
    if (v->open_ppa == AK_NO_PPA) {
        int rc = ftl_alloc_run(v->env->alloc, v->stream, 1, &v->open_ppa);
        if (rc != 0) {
            v->open_ppa = AK_NO_PPA;
            v->entries--;
            v->bytes -= size;
            return rc;
        }
        memset(v->buf, 0, v->page_bytes);
        v->used = 0;
    }
    uint8_t *p = v->buf + v->used;
    put_header(p, klen, vlen);
    memcpy(p + AK_VLOG_HEADER, key, klen);
    if (vlen > 0)
        memcpy(p + AK_VLOG_HEADER + klen, value, vlen);
    *ppa = v->open_ppa;
    *off = (uint16_t)v->used;
    v->used += (uint32_t)size;
    add_live(v, v->open_ppa, (uint32_t)size);
    return 0;
}

void
ak_vlog_mark_stale(struct ak_vlog *v, uint64_t ppa, uint32_t klen, uint32_t vlen)
{
    /* a run stays in one block: its first page says which */
    v->block_stale[ppa / nand_params(v->env->nand)->pages_per_block] +=
        AK_VLOG_HEADER + (uint64_t)klen + vlen;
}

void
ak_vlog_kill(struct ak_vlog *v, uint64_t ppa, uint32_t klen, uint32_t vlen, bool stale)
{
    uint64_t size = AK_VLOG_HEADER + (uint64_t)klen + vlen;
    if (stale) {
        uint64_t *s = &v->block_stale[ppa / nand_params(v->env->nand)->pages_per_block];
        NVKV_CHECK_MSG(*s >= size, "anykey vlog: stale bytes of block %llu underflow",
                       (unsigned long long)(ppa / nand_params(v->env->nand)->pages_per_block));
        *s -= size;
    }
    if (size <= v->page_bytes) {
        drop_live(v, ppa, (uint32_t)size);
        return;
    }
    for (uint64_t i = 0; size > 0; i++) {
        uint32_t n = size < v->page_bytes ? (uint32_t)size : v->page_bytes;
        drop_live(v, ppa + i, n);
        size -= n;
    }
}

static void
grow_rbuf(struct ak_vlog *v, uint64_t need)
{
    if (need <= v->rbuf_cap)
        return;
    free(v->rbuf);
    v->rbuf_cap = (uint32_t)need;
    v->rbuf = malloc(v->rbuf_cap);
    NVKV_CHECK_MSG(v->rbuf != NULL, "out of memory reading a value-log entry");
}

static void
read_page(struct ak_vlog *v, struct sim_plan *plan, enum sim_prio prio, enum nand_origin origin,
          uint64_t ppa)
{
    int rc = nand_read(v->env->nand, plan, ppa, NULL, NULL, origin, prio);
    NVKV_CHECK_MSG(rc == 0, "anykey vlog: %s", nand_last_violation(v->env->nand));
}

int
ak_vlog_read(struct ak_vlog *v, struct sim_plan *plan, enum sim_prio prio, enum nand_origin origin,
             bool charge_first, uint64_t ppa, uint16_t off, const uint8_t **key, uint32_t *klen,
             const uint8_t **value, uint32_t *vlen)
{
    uint8_t hdr[AK_VLOG_HEADER];
    if (ak_vlog_is_open_page(v, ppa)) {
        /* copied out: a re-log appends these bytes, and the append may program the open page
         * and clear its buffer before it copies them */
        const uint8_t *p = v->buf + off;
        *klen = p[0];
        *vlen = nvkv_get_le32(p + 2);
        grow_rbuf(v, (uint64_t)*klen + *vlen + 1);
        memcpy(v->rbuf, p + AK_VLOG_HEADER, (size_t)*klen + *vlen);
        *key = v->rbuf;
        *value = v->rbuf + *klen;
        return 0;
    }
    if (charge_first)
        read_page(v, plan, prio, origin, ppa);
    if (nand_copy_out(v->env->nand, ppa, off, AK_VLOG_HEADER, hdr) != 0)
        return -EIO;
    *klen = hdr[0];
    *vlen = nvkv_get_le32(hdr + 2);
    uint64_t body = (uint64_t)*klen + *vlen;
    grow_rbuf(v, body + 1);
    int pages = charge_first ? 1 : 0;
    if (off + AK_VLOG_HEADER + body <= v->page_bytes) {
        if (body > 0 &&
            nand_copy_out(v->env->nand, ppa, off + AK_VLOG_HEADER, (uint32_t)body, v->rbuf) != 0)
            return -EIO;
    } else {
        /* a run: the rest of the first page, then whole pages */
        uint64_t done = 0;
        uint32_t first = v->page_bytes - AK_VLOG_HEADER;
        if (nand_copy_out(v->env->nand, ppa, AK_VLOG_HEADER, first, v->rbuf) != 0)
            return -EIO;
        done = first;
        for (uint64_t i = 1; done < body; i++) {
            uint32_t n = body - done < v->page_bytes ? (uint32_t)(body - done) : v->page_bytes;
            read_page(v, plan, prio, origin, ppa + i);
            if (nand_copy_out(v->env->nand, ppa + i, 0, n, v->rbuf + done) != 0)
                return -EIO;
            done += n;
            pages++;
        }
    }
    *key = v->rbuf;
    *value = v->rbuf + *klen;
    return pages;
}

int
ak_vlog_entries_of_page(struct ak_vlog *v, uint64_t ppa, uint16_t *offs, uint32_t max,
                        uint32_t *run_pages)
{
    uint32_t n = 0, off = 0;
    *run_pages = 0;
    while (off + AK_VLOG_HEADER <= v->page_bytes && n < max) {
        uint8_t hdr[AK_VLOG_HEADER];
        if (nand_copy_out(v->env->nand, ppa, off, AK_VLOG_HEADER, hdr) != 0)
            return -EIO;
        uint32_t klen = hdr[0], vlen = nvkv_get_le32(hdr + 2);
        if (klen == 0)
            break; /* zero padding after the last entry (keys are at least one byte) */
        uint64_t size = AK_VLOG_HEADER + (uint64_t)klen + vlen;
        offs[n++] = (uint16_t)off;
        if (size > v->page_bytes) {
            *run_pages = (uint32_t)((size + v->page_bytes - 1) / v->page_bytes);
            break;
        }
        off += (uint32_t)size;
    }
    return (int)n;
}

/* What collecting a block moves: its live bytes, less the shadowed ones GC only drops. */
static uint64_t
block_live_cost(void *arg, uint64_t block)
{
    const struct ak_vlog *v = arg;
    return v->block_live[block] - v->block_stale[block];
}

uint64_t
ak_vlog_victim(struct ak_vlog *v, uint64_t *live_bytes)
{
    uint64_t b = ftl_pick_victim_by(v->env->alloc, v->stream, block_live_cost, v);
    *live_bytes = b == FTL_NO_BLOCK ? 0 : v->block_live[b] - v->block_stale[b];
    return b;
}
