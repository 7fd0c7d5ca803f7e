/* SPDX-License-Identifier: MIT */
#include "hash_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/check.h"

#define HIDX_MIN_CAP 1024u
#define BUCKET_MAGIC 0x544b4248u /* "HBKT" */

/* ---- the fingerprint ---- */

/* Odd 64-bit constants with well-spread bits (the xxHash64 primes). */
#define FP_K1 0x9e3779b185ebca87ull
#define FP_K2 0xc2b2ae3d27d4eb4full
#define FP_K3 0x165667b19e3779f9ull
#define FP_K4 0x85ebca77c2b2ae63ull

static inline uint64_t
rotl64(uint64_t v, unsigned r)
{
    return v << r | v >> (64 - r);
}

/* Little-endian whatever the host, so fingerprints (and thus timing) match on every machine. */
static uint64_t
load_le(const uint8_t *p, uint32_t n)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t
avalanche(uint64_t v)
{
    v ^= v >> 33;
    v *= FP_K2;
    v ^= v >> 29;
    v *= FP_K3;
    v ^= v >> 32;
    return v;
}

void
hidx_hash(const void *key, uint32_t klen, uint64_t *h1, uint64_t *h2)
{
    const uint8_t *p = key;
    /* two lanes with their own multipliers and rotations carry 128 bits of state; the length
     * seeds both so keys that differ only by trailing zero bytes differ */
    uint64_t a = FP_K1 ^ klen, b = FP_K2 + (uint64_t)klen * FP_K4;
    uint32_t i = 0;
    for (; i < klen; i += 8) {
        uint32_t n = klen - i < 8 ? klen - i : 8;
        uint64_t w = load_le(p + i, n);
        a = rotl64(a ^ w * FP_K2, 31) * FP_K1;
        b = rotl64(b + w * FP_K3, 27) * FP_K4;
    }
    *h1 = avalanche(a + rotl64(b, 23));
    *h2 = avalanche(b ^ rotl64(a, 41) ^ FP_K3);
}

/* ---- the table ---- */

static inline uint64_t
home(const struct hidx *x, uint64_t h1)
{
    return h1 & (x->cap - 1);
}

uint64_t
hidx_find(const struct hidx *x, uint64_t h1, uint64_t h2, uint64_t from)
{
    uint64_t mask = x->cap - 1;
    /* every entry of a probe chain lies before the chain's first empty slot */
    for (uint64_t i = from == HIDX_NONE ? home(x, h1) : (from + 1) & mask;; i = (i + 1) & mask) {
        const struct hidx_entry *e = &x->slots[i];
        if (e->klen == 0)
            return HIDX_NONE;
        if (e->h1 == h1 && e->h2 == h2)
            return i;
    }
}

uint64_t
hidx_find_loc(const struct hidx *x, uint64_t h1, uint64_t h2, uint64_t ppa, uint32_t piece)
{
    for (uint64_t s = hidx_find(x, h1, h2, HIDX_NONE); s != HIDX_NONE; s = hidx_find(x, h1, h2, s))
        if (x->slots[s].ppa == ppa && x->slots[s].piece == piece)
            return s;
    return HIDX_NONE;
}

static void
place(struct hidx_entry *slots, uint64_t cap, const struct hidx_entry *e)
{
    uint64_t i = e->h1 & (cap - 1);
    while (slots[i].klen != 0)
        i = (i + 1) & (cap - 1);
    slots[i] = *e;
}

int
hidx_reserve(struct hidx *x)
{
    /* linear probing stays short below 70% load */
    if ((x->count + 1) * 10 <= x->cap * 7)
        return 0;
    uint64_t cap = x->cap * 2;
    struct hidx_entry *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -ENOMEM;
    for (uint64_t i = 0; i < x->cap; i++)
        if (x->slots[i].klen != 0)
            place(slots, cap, &x->slots[i]);
    free(x->slots);
    x->slots = slots;
    x->cap = cap;
    return 0;
}

void
hidx_insert(struct hidx *x, const struct hidx_entry *e)
{
    NVKV_CHECK(e->klen != 0 && (x->count + 1) * 10 <= x->cap * 7);
    place(x->slots, x->cap, e);
    x->count++;
    uint64_t b = hidx_bucket(x, e->h1);
    x->bcount[b]++;
    if (b < x->k)
        x->resident++;
}

void
hidx_remove(struct hidx *x, uint64_t slot)
{
    uint64_t mask = x->cap - 1, hole = slot;
    uint64_t b = hidx_bucket(x, x->slots[slot].h1);
    NVKV_CHECK(x->slots[slot].klen != 0 && x->bcount[b] > 0);
    x->bcount[b]--;
    if (b < x->k)
        x->resident--;
    x->count--;
    /* backward-shift deletion: pull later chain members into the hole so no tombstones */
    for (uint64_t j = (slot + 1) & mask; x->slots[j].klen != 0; j = (j + 1) & mask) {
        uint64_t h = home(x, x->slots[j].h1);
        bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
        if (stays)
            continue;
        x->slots[hole] = x->slots[j];
        hole = j;
    }
    memset(&x->slots[hole], 0, sizeof(x->slots[hole]));
}

/* ---- buckets on flash ---- */

static void
put_le(uint8_t *p, uint64_t v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void
drop_page(struct hidx *x, uint64_t b)
{
    if (x->bppa[b] == HIDX_NONE)
        return;
    ftl_invalidate(x->env.alloc, x->bppa[b], 0, x->ppp);
    x->bppa[b] = HIDX_NONE;
    x->pages--;
}

/*
 * Give spilled bucket b a fresh page (or none when it is empty: the directory then says so and
 * lookups need no read). When no page can be had the old one stays: the entries are in host
 * memory anyway, and a later rewrite catches up.
 */
static int
write_bucket(struct hidx *x, struct sim_plan *plan, enum sim_prio prio, uint64_t b,
             enum nand_origin origin)
{
    if (x->bcount[b] == 0) {
        drop_page(x, b);
        return 0;
    }
    uint64_t ppa;
    if (ftl_alloc_run(x->env.alloc, x->stream, 1, &ppa) != 0) {
        x->st.write_failures++;
        return -ENOSPC;
    }
    put_le(x->page, BUCKET_MAGIC, 4);
    put_le(x->page + 4, x->nb_log, 4);
    put_le(x->page + 8, b, 8);
    put_le(x->page + 16, x->bcount[b], 4);
    int rc = nand_program(x->env.nand, plan, ppa, x->page, NULL, origin, prio);
    NVKV_CHECK_MSG(rc == 0, "hash bucket: %s", nand_last_violation(x->env.nand));
    ftl_set_valid(x->env.alloc, ppa, 0, x->ppp);
    drop_page(x, b);
    x->bppa[b] = ppa;
    x->pages++;
    x->st.bucket_writes++;
    return 0;
}

static void
read_bucket(struct hidx *x, struct sim_plan *plan, enum sim_prio prio, uint64_t b,
            enum nand_origin origin)
{
    int rc = nand_read(x->env.nand, plan, x->bppa[b], NULL, NULL, origin, prio);
    NVKV_CHECK_MSG(rc == 0, "hash bucket: %s", nand_last_violation(x->env.nand));
    x->st.bucket_reads++;
}

int
hidx_lookup_cost(struct hidx *x, struct sim_plan *plan, enum sim_prio prio, uint64_t h1)
{
    uint64_t b = hidx_bucket(x, h1);
    if (b < x->k || x->bppa[b] == HIDX_NONE)
        return 0;
    read_bucket(x, plan, prio, b, NAND_ORIGIN_META);
    return 1;
}

void
hidx_update_cost(struct hidx *x, struct sim_plan *plan, enum sim_prio prio, uint64_t h1,
                 enum nand_origin origin)
{
    uint64_t b = hidx_bucket(x, h1);
    if (b >= x->k)
        (void)write_bucket(x, plan, prio, b, origin);
}

void
hidx_batch_begin(struct hidx *x)
{
    if (++x->epoch == 0) {
        memset(x->mark, 0, x->nb * sizeof(*x->mark));
        x->epoch = 1;
    }
    x->n_dirty = 0;
}

void
hidx_batch_mark(struct hidx *x, uint64_t h1)
{
    uint64_t b = hidx_bucket(x, h1);
    if (b < x->k || x->mark[b] == x->epoch)
        return;
    x->mark[b] = x->epoch;
    x->dirty[x->n_dirty++] = b;
}

void
hidx_batch_write(struct hidx *x, struct sim_plan *plan, enum sim_prio prio, enum nand_origin origin)
{
    for (uint64_t i = 0; i < x->n_dirty; i++)
        if (x->bppa[x->dirty[i]] != HIDX_NONE)
            read_bucket(x, plan, prio, x->dirty[i], origin);
    if (plan != NULL)
        sim_plan_barrier(plan);
    for (uint64_t i = 0; i < x->n_dirty; i++)
        (void)write_bucket(x, plan, prio, x->dirty[i], origin);
    x->n_dirty = 0;
}

uint64_t
hidx_page_bucket(const struct hidx *x, const uint8_t *page)
{
    uint64_t magic = load_le(page, 4), nb_log = load_le(page + 4, 4), b = load_le(page + 8, 8);
    NVKV_CHECK_MSG(magic == BUCKET_MAGIC && nb_log == x->nb_log && b < x->nb,
                   "hash bucket page: magic %llx, %llu bucket bits (now %u), bucket %llu",
                   (unsigned long long)magic, (unsigned long long)nb_log, x->nb_log,
                   (unsigned long long)b);
    return b;
}

int
hidx_move_bucket(struct hidx *x, struct sim_plan *plan, enum sim_prio prio, uint64_t b,
                 enum nand_origin origin)
{
    return write_bucket(x, plan, prio, b, origin);
}

/* ---- residency ---- */

/*
 * Double the bucket count: every bucket splits in two by the next hash bit, so resident buckets
 * 0..k-1 become 0..2k-1 and each spilled bucket's page is read and rewritten as two pages.
 * When memory for the bigger directory is short the buckets simply stay fuller.
 */
static void
split(struct hidx *x)
{
    uint64_t nb = x->nb * 2;
    uint32_t *bcount = calloc(nb, sizeof(*bcount));
    uint64_t *bppa = malloc(nb * sizeof(*bppa));
    uint32_t *mark = calloc(nb, sizeof(*mark));
    uint64_t *dirty = malloc(nb * sizeof(*dirty));
    if (bcount == NULL || bppa == NULL || mark == NULL || dirty == NULL) {
        free(bcount);
        free(bppa);
        free(mark);
        free(dirty);
        return;
    }
    struct sim_plan *bg = x->k < x->nb ? x->bg(x->bg_ctx) : NULL;
    for (uint64_t j = x->k; j < x->nb; j++) {
        if (x->bppa[j] == HIDX_NONE)
            continue;
        read_bucket(x, bg, SIM_PRIO_BG, j, NAND_ORIGIN_META);
        drop_page(x, j);
    }
    if (bg != NULL)
        sim_plan_barrier(bg);
    for (uint64_t i = 0; i < nb; i++)
        bppa[i] = HIDX_NONE;
    for (uint64_t i = 0; i < x->cap; i++)
        if (x->slots[i].klen != 0)
            bcount[x->slots[i].h1 >> (63 - x->nb_log)]++;
    free(x->bcount);
    free(x->bppa);
    free(x->mark);
    free(x->dirty);
    x->bcount = bcount;
    x->bppa = bppa;
    x->mark = mark;
    x->dirty = dirty;
    x->epoch = 0;
    x->nb = nb;
    x->nb_log++;
    x->k *= 2;
    for (uint64_t j = x->k; j < x->nb; j++)
        (void)write_bucket(x, bg, SIM_PRIO_BG, j, NAND_ORIGIN_META);
    x->st.splits++;
}

void
hidx_rebalance(struct hidx *x)
{
    if (x->count > x->nb * x->bucket_entries && x->nb_log < 63)
        split(x);
    const uint64_t fit = (x->charged + dev_dram_free(x->env.dram)) / x->entry_bytes;
    struct sim_plan *bg = NULL;
    bool have_bg = false;
    /* out: the highest resident buckets go to flash until the rest fit */
    while (x->resident > fit && x->k > 0) {
        x->k--;
        x->resident -= x->bcount[x->k];
        if (!have_bg) {
            bg = x->bg(x->bg_ctx);
            have_bg = true;
        }
        (void)write_bucket(x, bg, SIM_PRIO_BG, x->k, NAND_ORIGIN_META);
        x->st.spills++;
    }
    /* in: a bucket comes back only with room to spare, so a table hovering at the boundary
     * does not move the same bucket back and forth */
    const uint64_t slack = fit / 16;
    while (x->k < x->nb && x->resident + x->bcount[x->k] + slack <= fit) {
        if (x->bppa[x->k] != HIDX_NONE) {
            if (!have_bg) {
                bg = x->bg(x->bg_ctx);
                have_bg = true;
            }
            read_bucket(x, bg, SIM_PRIO_BG, x->k, NAND_ORIGIN_META);
            drop_page(x, x->k);
        }
        x->resident += x->bcount[x->k];
        x->k++;
        x->st.loads++;
    }
    uint64_t want = x->resident * x->entry_bytes;
    if (want > x->charged) {
        bool ok = dev_dram_try_charge(x->env.dram, DEV_DRAM_MAPPING, want - x->charged);
        NVKV_CHECK(ok);
    } else if (want < x->charged) {
        dev_dram_release(x->env.dram, DEV_DRAM_MAPPING, x->charged - want);
    }
    x->charged = want;
}

/* ---- lifetime ---- */

int
hidx_init(struct hidx *x, const struct kv_env *env, int stream, hidx_bg_fn *bg, void *ctx)
{
    memset(x, 0, sizeof(*x));
    x->env = *env;
    x->np = nand_params(env->nand);
    x->stream = stream;
    x->bg = bg;
    x->bg_ctx = ctx;
    x->entry_bytes = env->params->hash_entry_bytes ? env->params->hash_entry_bytes : 1;
    x->bucket_entries = env->params->hash_bucket_entries;
    if (x->bucket_entries == 0)
        x->bucket_entries = x->np->page_bytes / x->entry_bytes;
    if (x->bucket_entries == 0)
        x->bucket_entries = 1;
    x->ppp = x->np->page_bytes / FTL_PIECE_BYTES;
    x->cap = HIDX_MIN_CAP;
    x->slots = calloc(x->cap, sizeof(*x->slots));
    x->nb = 1;
    x->k = 1;
    x->bcount = calloc(1, sizeof(*x->bcount));
    x->bppa = malloc(sizeof(*x->bppa));
    x->mark = calloc(1, sizeof(*x->mark));
    x->dirty = malloc(sizeof(*x->dirty));
    x->page = calloc(1, x->np->page_bytes);
    if (x->slots == NULL || x->bcount == NULL || x->bppa == NULL || x->mark == NULL ||
        x->dirty == NULL || x->page == NULL) {
        hidx_fini(x);
        return -ENOMEM;
    }
    x->bppa[0] = HIDX_NONE;
    return 0;
}

void
hidx_fini(struct hidx *x)
{
    if (x->charged > 0)
        dev_dram_release(x->env.dram, DEV_DRAM_MAPPING, x->charged);
    x->charged = 0;
    free(x->slots);
    free(x->bcount);
    free(x->bppa);
    free(x->mark);
    free(x->dirty);
    free(x->page);
    x->slots = NULL;
    x->bcount = NULL;
    x->bppa = NULL;
    x->mark = NULL;
    x->dirty = NULL;
    x->page = NULL;
}
