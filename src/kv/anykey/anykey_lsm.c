/* SPDX-License-Identifier: MIT */
/*
 * AnyKey's LSM-tree: level thresholds, the flush of the write buffer into L1 (values to the
 * value log, keys and pointers to new groups), tree-triggered compaction (a round-robin window
 * of the overflowing level merged into the overlapping groups below), log-triggered compaction
 * (a whole source level merged with its logged values moved into the groups; AnyKey+'s alpha
 * stop and source choice), value-log block reclamation, and DRAM residency of level lists and
 * hash lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "../../base/check.h"
#include "../../base/xxh32.h"
#include "anykey_internal.h"

struct mvec {
    struct ak_mentry *m;
    uint64_t n, cap;
};

static void
mvec_push(struct mvec *v, const struct ak_mentry *x)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 256;
        v->m = realloc(v->m, v->cap * sizeof(*v->m));
        NVKV_CHECK_MSG(v->m != NULL, "out of memory merging");
    }
    v->m[v->n++] = *x;
}

static const struct ak_entity *
last_entity(const struct ak_group *g)
{
    return &g->e[g->n - 1];
}

int64_t
ak_level_group_of(const struct ak_level *l, const void *key, uint32_t klen)
{
    /* the last group whose smallest key is <= key */
    int64_t lo = 0, hi = l->ng;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        const struct ak_entity *s = &l->g[mid]->e[0];
        if (kv_key_cmp(s->key, s->klen, key, klen) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

bool
ak_find(const struct anykey *ak, const void *key, uint32_t klen, uint32_t *level,
        struct ak_group **g, int64_t *idx)
{
    for (uint32_t i = 0; i < ak->nlevels; i++) {
        const struct ak_level *l = &ak->lv[i];
        int64_t gi = ak_level_group_of(l, key, klen);
        if (gi < 0)
            continue;
        int64_t at = ak_group_find(l->g[gi], key, klen);
        if (at < 0 || (l->g[gi]->e[at].flags & AK_F_STALE))
            continue;
        *level = i;
        *g = l->g[gi];
        *idx = at;
        return true;
    }
    return false;
}

/*
 * KVEMU's kv_calc_level_multiplier: n = 0.9 x pages / group pages groups on a full device,
 * f = ceil(n^(1/L)) lowered by 0.05 until f^L <= n; level i holds f^(i+1) groups.
 */
void
ak_set_level_caps(struct anykey *ak)
{
    double f = ak->p->size_ratio;
    if (f <= 1.0) {
        double n = 0.9 * (double)nand_total_pages(ak->np) / ak->group_pages;
        double L = ak->nlevels;
        if (n < 2)
            n = 2;
        f = ceil(pow(n, 1.0 / L));
        while (pow(f, L) > n && f > 1.1)
            f -= 0.05;
    }
    ak->size_ratio = f;
    double cap = 1;
    for (uint32_t i = 0; i < ak->nlevels; i++) {
        cap *= f;
        ak->lv[i].cap_groups = i + 1 == ak->nlevels ? UINT64_MAX : (uint64_t)ceil(cap);
    }
}

void
ak_free_level(struct ak_level *l)
{
    for (uint32_t i = 0; i < l->ng; i++) {
        struct ak_group *g = l->g[i];
        for (uint32_t k = 0; k < g->n; k++)
            free(g->e[k].key);
        ak_group_free(g);
    }
    free(l->g);
    memset(l, 0, sizeof(*l));
}

static void
read_group_pages(struct anykey *ak, struct sim_plan *bg, const struct ak_group *g)
{
    for (uint32_t p = 0; p < g->npages; p++) {
        int rc = nand_read(ak->base.env.nand, bg, g->ppas[p], NULL, NULL, NAND_ORIGIN_COMPACTION,
                           SIM_PRIO_BG);
        NVKV_CHECK_MSG(rc == 0, "anykey: %s", nand_last_violation(ak->base.env.nand));
        ak->compaction_page_reads++;
    }
}

/* An entity leaves the tree: its log entry (if any) is dead now. */
static void
drop_entity(struct anykey *ak, struct ak_entity *e)
{
    if (e->flags & AK_F_LOGGED)
        ak_vlog_kill(&ak->vlog, e->vppa, e->klen, e->vlen, (e->flags & AK_F_STALE) != 0);
    free(e->key);
}

static void
append_groups(struct mvec *v, struct ak_group *const *g, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < g[i]->n; k++) {
            struct ak_mentry x = {.e = g[i]->e[k], .src = g[i], .want = AK_KEEP};
            mvec_push(v, &x);
        }
}

/*
 * Newer `src` over older `dst`, both in key order: equal keys keep the newer one; shadowed
 * (stale) entities and, into the last level, tombstones leave the tree.
 */
static void
merge_entities(struct anykey *ak, struct mvec *src, struct mvec *dst, bool last, struct mvec *out)
{
    uint64_t i = 0, j = 0;
    while (i < src->n || j < dst->n) {
        struct ak_mentry take;
        if (j == dst->n) {
            take = src->m[i++];
        } else if (i == src->n) {
            take = dst->m[j++];
        } else {
            int c =
                kv_key_cmp(src->m[i].e.key, src->m[i].e.klen, dst->m[j].e.key, dst->m[j].e.klen);
            if (c < 0) {
                take = src->m[i++];
            } else if (c > 0) {
                take = dst->m[j++];
            } else {
                drop_entity(ak, &dst->m[j++].e);
                take = src->m[i++];
            }
        }
        if ((take.e.flags & AK_F_STALE) || (last && (take.e.flags & AK_F_TOMBSTONE))) {
            drop_entity(ak, &take.e);
            continue;
        }
        mvec_push(out, &take);
    }
}

static bool
inlinable(const struct anykey *ak, const struct ak_entity *e)
{
    uint32_t max = ak->p->inline_max ? ak->p->inline_max : UINT32_MAX;
    return e->vlen <= max && AK_ENT_HEADER + e->klen + e->vlen + AK_TABLE_ENTRY <=
                                 ak->np->page_bytes - AK_PAGE_FOOTER;
}

/* Where each logged value goes in this merge. */
static void
assign_targets(struct anykey *ak, struct mvec *out, enum ak_merge_kind kind, bool last)
{
    bool code_plus = ak->plus && ak->p->plus_policy == KV_ANYKEY_PLUS_CODE;
    for (uint64_t i = 0; i < out->n; i++) {
        struct ak_mentry *m = &out->m[i];
        m->want = AK_KEEP;
        if (!(m->e.flags & AK_F_LOGGED))
            continue;
        bool fits = inlinable(ak, &m->e);
        /* inlining writes the values into new groups before their log blocks can be freed:
         * only with room to spare (otherwise they stay logged, as tree_values=log would) */
        if (kind == AK_MERGE_TREE && last && ak->p->tree_values == KV_ANYKEY_TREE_LAST && fits &&
            ftl_free_blocks(ak->base.env.alloc) > ak->write_reserve)
            m->want = AK_INLINE;
        if (kind == AK_MERGE_LOG) {
            m->want = fits ? AK_INLINE : AK_RELOG;
            if (code_plus && m->e.vlen > ak->p->relog_min)
                m->want = AK_RELOG;
        }
    }
}

/*
 * A level's size for its threshold (paper 4.2.4.3): its groups plus the values they reference in
 * the value log. KVEMU counts groups only; with pointer-sized entities the upper levels then
 * hold every key while the values pile up in the log (seen on small devices and large values),
 * and log-triggered compaction must move whole levels at once.
 */
static uint64_t
group_size(const struct anykey *ak, const struct ak_group *g)
{
    return (uint64_t)g->npages * ak->np->page_bytes + g->logged_bytes;
}

static uint64_t
level_size(const struct anykey *ak, const struct ak_level *l)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < l->ng; i++)
        sum += group_size(ak, l->g[i]);
    return sum;
}

static uint64_t
level_cap_bytes(const struct anykey *ak, const struct ak_level *l)
{
    if (l->cap_groups == UINT64_MAX)
        return UINT64_MAX;
    return l->cap_groups * ak->group_pages * ak->np->page_bytes;
}

/* The merge's input groups, retired as soon as the output has taken all they held. */
struct inputs {
    struct ak_group **g;
    uint32_t n;
};

static void
retire_consumed(struct anykey *ak, struct inputs *in, int64_t done)
{
    for (uint32_t i = 0; i < in->n; i++) {
        if (in->g[i] != NULL && in->g[i]->last_use < done) {
            ak_group_retire(ak, in->g[i]);
            in->g[i] = NULL;
        }
    }
}

/*
 * Cut `out` into groups; `kept` groups of the destination stay outside the merge. Input groups
 * are retired as the output passes them, so a merge needs free space for a group or two, not
 * for a second copy of the levels it rewrites.
 */
static struct ak_group **
build_groups(struct anykey *ak, struct sim_plan *bg, struct mvec *out, enum ak_merge_kind kind,
             uint32_t d, uint64_t kept, uint32_t *nnew, enum nand_origin origin, struct inputs *in)
{
    struct ak_level *l = &ak->lv[d];
    bool last = d + 1 == ak->nlevels;
    bool alpha_stop =
        ak->plus && kind == AK_MERGE_LOG && !last && ak->p->plus_policy == KV_ANYKEY_PLUS_PAPER;
    double alpha_bytes = (double)level_cap_bytes(ak, l) * ak->p->alpha;
    uint32_t budget = ak_group_budget(ak), maxe = ak->p->group_entities;
    struct ak_group **ng = NULL;
    uint32_t n = 0, cap = 0;
    bool relog_rest = false;
    uint64_t built = 0;
    for (uint64_t i = 0; i < out->n;) {
        if (alpha_stop && !relog_rest && (double)(kept + built) >= alpha_bytes)
            relog_rest = true; /* AnyKey+: L_n is at threshold x alpha: values go back to the log */
        uint64_t j = i, sum = 0;
        while (j < out->n && j - i < maxe) {
            struct ak_mentry *m = &out->m[j];
            if (relog_rest && m->want == AK_INLINE)
                m->want = AK_RELOG;
            bool inl =
                !(m->e.flags & AK_F_TOMBSTONE) &&
                (m->want == AK_INLINE || (m->want == AK_KEEP && !(m->e.flags & AK_F_LOGGED)));
            uint64_t size = ak_entity_bytes(&m->e, inl) + AK_TABLE_ENTRY;
            if (sum + size > budget && j > i)
                break;
            sum += size;
            j++;
        }
        struct ak_group *g;
        while ((g = ak_group_build(ak, bg, &out->m[i], (uint32_t)(j - i), origin)) == NULL) {
            NVKV_CHECK_MSG(j - i > 1, "anykey: one entity does not fit a group");
            j = i + (j - i) * 3 / 4;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ng = realloc(ng, cap * sizeof(*ng));
            NVKV_CHECK(ng != NULL);
        }
        ng[n++] = g;
        built += group_size(ak, g);
        i = j;
        retire_consumed(ak, in, (int64_t)i);
    }
    retire_consumed(ak, in, INT64_MAX);
    *nnew = n;
    return ng;
}

/* Replace groups [a, b) of level d by `ng` (n of them). */
static void
splice(struct ak_level *l, uint32_t a, uint32_t b, struct ak_group **ng, uint32_t n)
{
    uint32_t total = l->ng - (b - a) + n;
    if (total > l->gcap) {
        l->gcap = total * 2 + 16;
        l->g = realloc(l->g, l->gcap * sizeof(*l->g));
        NVKV_CHECK(l->g != NULL);
    }
    if (l->ng > b)
        memmove(&l->g[a + n], &l->g[b], (l->ng - b) * sizeof(*l->g));
    if (n > 0)
        memcpy(&l->g[a], ng, n * sizeof(*ng));
    l->ng = total;
}

/* Groups of level d overlapping [lo, hi]: [*a, *b). */
static void
overlap(const struct ak_level *l, const struct ak_entity *lo, const struct ak_entity *hi,
        uint32_t *a, uint32_t *b)
{
    uint32_t x = 0, y = l->ng;
    while (x < y) { /* first group whose largest key >= lo */
        uint32_t mid = x + (y - x) / 2;
        const struct ak_entity *e = last_entity(l->g[mid]);
        if (kv_key_cmp(e->key, e->klen, lo->key, lo->klen) < 0)
            x = mid + 1;
        else
            y = mid;
    }
    *a = x;
    y = l->ng;
    while (x < y) { /* first group whose smallest key > hi */
        uint32_t mid = x + (y - x) / 2;
        const struct ak_entity *e = &l->g[mid]->e[0];
        if (kv_key_cmp(e->key, e->klen, hi->key, hi->klen) <= 0)
            x = mid + 1;
        else
            y = mid;
    }
    *b = x;
}

/*
 * Merge newer entities `src` (key order; consumed) into level d. `src_groups` (already read)
 * hold src's inline values; they and the overlapped groups of level d are retired once the new
 * groups hold their entities.
 */
static void
merge_into(struct anykey *ak, struct sim_plan *bg, struct mvec *src, struct ak_group **src_groups,
           uint32_t n_src_groups, uint32_t d, enum ak_merge_kind kind, enum nand_origin origin)
{
    struct ak_level *l = &ak->lv[d];
    uint32_t a = 0, b = 0;
    if (src->n > 0)
        overlap(l, &src->m[0].e, &src->m[src->n - 1].e, &a, &b);
    struct inputs in = {malloc((n_src_groups + b - a + 1) * sizeof(*in.g)), 0};
    NVKV_CHECK(in.g != NULL);
    for (uint32_t i = 0; i < n_src_groups; i++)
        in.g[in.n++] = src_groups[i];
    for (uint32_t i = a; i < b; i++) {
        read_group_pages(ak, bg, l->g[i]);
        in.g[in.n++] = l->g[i];
    }
    struct mvec dst = {0}, out = {0};
    append_groups(&dst, &l->g[a], b - a);
    splice(l, a, b, NULL, 0);
    if (bg != NULL)
        sim_plan_barrier(bg);
    dev_cpu_charge(ak->base.env.cpu, bg, SIM_PRIO_BG,
                   (src->n + dst.n) * ak->base.env.cpu->p.merge_entry_ns);
    if (bg != NULL)
        sim_plan_barrier(bg);
    merge_entities(ak, src, &dst, d + 1 == ak->nlevels, &out);
    assign_targets(ak, &out, kind, d + 1 == ak->nlevels);
    for (uint32_t i = 0; i < in.n; i++)
        in.g[i]->last_use = -1;
    for (uint64_t i = 0; i < out.n; i++)
        if (out.m[i].src != NULL)
            out.m[i].src->last_use = (int64_t)i;
    ak->last_vppa = AK_NO_PPA;
    uint32_t n = 0;
    struct ak_group **ng = build_groups(ak, bg, &out, kind, d, level_size(ak, l), &n, origin, &in);
    splice(l, a, a, ng, n);
    free(in.g);
    free(ng);
    free(dst.m);
    free(out.m);
    free(src->m);
    src->m = NULL;
    src->n = src->cap = 0;
}

/* Move groups [a, a + k) of level s into level s + 1. */
static void
move_groups_down(struct anykey *ak, struct sim_plan *bg, uint32_t s, uint32_t a, uint32_t k,
                 enum ak_merge_kind kind)
{
    struct ak_level *l = &ak->lv[s];
    struct ak_group **moving = malloc((k + 1) * sizeof(*moving));
    NVKV_CHECK(moving != NULL);
    memcpy(moving, &l->g[a], k * sizeof(*moving));
    for (uint32_t i = 0; i < k; i++)
        read_group_pages(ak, bg, moving[i]);
    struct mvec src = {0};
    append_groups(&src, moving, k);
    splice(l, a, a + k, NULL, 0);
    merge_into(ak, bg, &src, moving, k, s + 1, kind, NAND_ORIGIN_COMPACTION);
    free(moving);
    ak->st.compactions++;
}

/* Tree-triggered: the overflow of level s, a window that moves round-robin over its keys. */
static void
tree_compaction(struct anykey *ak, struct sim_plan *bg, uint32_t s)
{
    struct ak_level *l = &ak->lv[s];
    uint64_t excess = level_size(ak, l) - level_cap_bytes(ak, l), moved = 0;
    uint32_t a = l->cursor, k = 0;
    if (a >= l->ng)
        a = 0;
    while (a + k < l->ng && moved < excess)
        moved += group_size(ak, l->g[a + k++]);
    while (moved < excess && a > 0) /* wrapped: take the window's left neighbours too */
        moved += group_size(ak, l->g[--a]), k++;
    move_groups_down(ak, bg, s, a, k, AK_MERGE_TREE);
    l->cursor = a;
    ak->tree_compactions++;
}

static uint64_t
level_logged(const struct ak_level *l, bool stale_only)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < l->ng; i++)
        sum += stale_only ? l->g[i]->stale_bytes : l->g[i]->logged_bytes;
    return sum;
}

/* KVEMU's AnyKey+ choice: the level whose entities point most into the emptiest log block. */
static int
source_by_victim_block(struct anykey *ak)
{
    struct ftl_alloc *a = ak->base.env.alloc;
    uint64_t v = ftl_pick_victim(a, ak->vlog_stream, 0);
    if (v == FTL_NO_BLOCK)
        return -1;
    uint64_t first = ftl_block_first_ppa(a, v), end = first + ak->np->pages_per_block;
    int best = -1;
    uint64_t best_refs = 0;
    for (uint32_t s = 0; s + 1 < ak->nlevels; s++) {
        uint64_t refs = 0;
        const struct ak_level *l = &ak->lv[s];
        for (uint32_t gi = 0; gi < l->ng; gi++)
            for (uint32_t k = 0; k < l->g[gi]->n; k++) {
                const struct ak_entity *e = &l->g[gi]->e[k];
                refs += (e->flags & AK_F_LOGGED) && e->vppa >= first && e->vppa < end;
            }
        if (refs > best_refs) {
            best_refs = refs;
            best = (int)s;
        }
    }
    return best;
}

static int
log_source_level(struct anykey *ak)
{
    if (ak->plus && ak->p->plus_policy == KV_ANYKEY_PLUS_CODE) {
        int s = source_by_victim_block(ak);
        if (s >= 0)
            return s;
    }
    bool by_invalid = ak->plus && ak->p->plus_policy == KV_ANYKEY_PLUS_PAPER;
    int best = -1;
    uint64_t best_score = 0, best_logged = 0;
    for (uint32_t s = 0; s + 1 < ak->nlevels; s++) {
        uint64_t logged = level_logged(&ak->lv[s], false);
        uint64_t score = by_invalid ? level_logged(&ak->lv[s], true) : logged;
        if (logged == 0)
            continue;
        if (best < 0 || score > best_score || (score == best_score && logged > best_logged)) {
            best = (int)s;
            best_score = score;
            best_logged = logged;
        }
    }
    return best;
}

void
ak_reclaim_vlog(struct anykey *ak, struct sim_plan *bg)
{
    struct ftl_alloc *a = ak->base.env.alloc;
    for (;;) {
        uint64_t v = ftl_pick_victim(a, ak->vlog_stream, ak->np->pages_per_block);
        if (v == FTL_NO_BLOCK || ftl_block_valid_pieces(a, v) != 0 || v == ak->vlog_gc_block)
            break; /* (a value-log GC walking that block erases it itself) */
        ak->vlog.pages_in_use -=
            nand_block_write_pointer(ak->base.env.nand, ftl_block_first_ppa(a, v));
        int rc = ftl_erase_block(a, bg, v, NAND_ORIGIN_VLOG, SIM_PRIO_BG);
        NVKV_CHECK(rc == 0);
        ak->vlog_blocks_reclaimed++;
    }
}

/* The log's share counts programmed pages: its open blocks (one per die it writes) would
 * otherwise fill a small device's share before a byte is in them. */
static uint64_t
vlog_limit_pages(const struct anykey *ak)
{
    return ak->vlog_limit_blocks * ak->np->pages_per_block;
}

static bool
vlog_full(const struct anykey *ak)
{
    uint64_t used = ak->vlog.pages_in_use;
    return used >= vlog_limit_pages(ak) && used >= ak->vlog_retry_pages;
}

/* Log-triggered compaction; returns the value-log blocks it freed. */
int
ak_log_compaction(struct anykey *ak, struct sim_plan *bg)
{
    int s = log_source_level(ak);
    if (s < 0 || ak->lv[s].ng == 0)
        return 0;
    bool was = ak->in_compaction;
    ak->in_compaction = true;
    uint64_t before = ak->vlog_blocks_reclaimed;
    uint32_t k = ak->lv[s].ng;
    if (ak->plus && ak->p->plus_policy == KV_ANYKEY_PLUS_PAPER && (uint32_t)s + 2 < ak->nlevels) {
        /* AnyKey+: move no more of the source than L_n can take below its threshold, so no
         * tree compaction of L_n follows (at least one group, to make progress) */
        const struct ak_level *dst = &ak->lv[s + 1];
        uint64_t cap = level_cap_bytes(ak, dst), size = level_size(ak, dst), moved = 0;
        k = 0;
        while (k < ak->lv[s].ng && size + moved + group_size(ak, ak->lv[s].g[k]) <= cap)
            moved += group_size(ak, ak->lv[s].g[k++]);
        if (k == 0)
            k = 1;
    }
    /*
     * In windows from the level's cursor: the values a window inlines are written before the
     * log blocks they leave can be erased (a block is free only when nothing points into it),
     * so each window takes at most half the room beyond the write reserve, and the compaction
     * stops (to resume at the next trigger) when not even one group fits.
     */
    uint64_t block_bytes = (uint64_t)ak->np->pages_per_block * ak->np->page_bytes;
    struct ak_level *src = &ak->lv[s];
    for (uint32_t done = 0; done < k && src->ng > 0;) {
        uint64_t room = ftl_free_blocks(ak->base.env.alloc);
        room = room > ak->write_reserve ? (room - ak->write_reserve) * block_bytes / 2 : 0;
        uint32_t a = src->cursor < src->ng ? src->cursor : 0, w = 0;
        uint64_t need = 0;
        while (done + w < k && a + w < src->ng && need + group_size(ak, src->g[a + w]) * 2 <= room)
            need += group_size(ak, src->g[a + w++]) * 2;
        if (w == 0) {
            ak->log_compactions_deferred++;
            break;
        }
        move_groups_down(ak, bg, (uint32_t)s, a, w, AK_MERGE_LOG);
        src->cursor = a;
        done += w;
        if (bg != NULL)
            sim_plan_barrier(bg);
        ak_reclaim_vlog(ak, bg);
    }
    ak->log_compactions++;
    ak->last_log_dest = s + 1;
    if (bg != NULL)
        sim_plan_barrier(bg);
    ak_reclaim_vlog(ak, bg);
    /*
     * Still over: the log holds values no compaction can inline (too large) or that there was
     * no room to move. Compacting again soon would rewrite the same levels for nothing, so the
     * next trigger waits until the log has grown by half (or an eighth of its share).
     */
    uint64_t used = ak->vlog.pages_in_use, limit = vlog_limit_pages(ak);
    uint64_t step = used / 2 > limit / 8 ? used / 2 : limit / 8;
    ak->vlog_retry_pages = used >= limit ? used + step + 1 : 0;
    ak->in_compaction = was;
    return (int)(ak->vlog_blocks_reclaimed - before);
}

/* Tree compactions of every overflowing level, counting those a log compaction caused. */
static void
tree_cascade(struct anykey *ak, struct sim_plan *bg)
{
    for (uint32_t s = 0; s + 1 < ak->nlevels; s++) {
        while (level_size(ak, &ak->lv[s]) > level_cap_bytes(ak, &ak->lv[s])) {
            /* a merge writes its new groups before GC can reclaim the old ones: at the write
             * reserve it waits (the level stays over its threshold until room returns) */
            if (ftl_free_blocks(ak->base.env.alloc) <= ak->write_reserve) {
                ak->tree_compactions_deferred++;
                break;
            }
            if (ak->last_log_dest == (int)s)
                ak->compaction_chains++;
            ak->last_log_dest = -1;
            tree_compaction(ak, bg, s);
        }
    }
    ak->last_log_dest = -1;
}

/* A newer version reaches flash: the one it shadows is stale from now on. */
static void
supersede(struct anykey *ak, const struct kv_mem_entry *m)
{
    uint32_t level;
    struct ak_group *g;
    int64_t idx;
    if (!ak_find(ak, m->key, m->klen, &level, &g, &idx))
        return;
    struct ak_entity *old = &g->e[idx];
    if (m->assumed_new && !(old->flags & AK_F_TOMBSTONE)) {
        /* the PUT counted a new key; it replaced this one */
        ak->st.live_keys--;
        ak->st.live_bytes -= old->klen + old->vlen;
        ak->live_need -= ak_need(ak, old->klen, old->vlen);
    }
    old->flags |= AK_F_STALE;
    if (old->flags & AK_F_LOGGED) {
        g->stale_bytes += old->vlen;
        ak_vlog_mark_stale(&ak->vlog, old->vppa, old->klen, old->vlen);
    }
}

/* The write buffer as L1 input: values appended to the log, entities with pointers. */
static void
buffer_entities(struct anykey *ak, struct sim_plan *bg, struct mvec *out)
{
    struct kv_mem_entry **sorted = NULL;
    uint64_t cap = 0;
    uint64_t n = kv_membuf_sorted(&ak->mem, &sorted, &cap);
    for (uint64_t i = 0; i < n; i++) {
        const struct kv_mem_entry *m = sorted[i];
        struct ak_mentry x = {.src = NULL, .want = AK_KEEP};
        supersede(ak, m);
        x.e.key = malloc(m->klen);
        NVKV_CHECK(x.e.key != NULL);
        memcpy(x.e.key, m->key, m->klen);
        x.e.klen = m->klen;
        x.e.hash = nvkv_xxh32(m->key, m->klen, 0);
        x.e.flags = (m->flags & AK_F_TOMBSTONE) ? AK_F_TOMBSTONE : 0;
        x.e.vlen = (x.e.flags & AK_F_TOMBSTONE) ? 0 : m->vlen;
        if (x.e.vlen > 0) {
            int rc = ak_vlog_append(&ak->vlog, bg, m->key, m->klen, kv_mem_value(m), m->vlen,
                                    &x.e.vppa, &x.e.voff);
            if (rc == -ENOSPC) {
                ak_gc(ak, bg, true);
                rc = ak_vlog_append(&ak->vlog, bg, m->key, m->klen, kv_mem_value(m), m->vlen,
                                    &x.e.vppa, &x.e.voff);
            }
            NVKV_CHECK_MSG(rc == 0, "anykey: no flash left to flush the write buffer (%d)", rc);
            x.e.flags |= AK_F_LOGGED;
        }
        mvec_push(out, &x);
    }
    free(sorted);
    kv_membuf_clear(&ak->mem);
}

int
ak_flush(struct anykey *ak, struct sim_plan *flush, struct sim_plan *bg)
{
    struct mvec src = {0};
    ak->in_compaction = true;
    ak_make_room(ak, flush);
    buffer_entities(ak, flush, &src);
    merge_into(ak, bg, &src, NULL, 0, 0, AK_MERGE_FLUSH, NAND_ORIGIN_FLUSH);
    ak->st.flushes++;
    ak->gc_futile = false;
    ak->gc_copied_win -= ak->gc_copied_win / 8;
    ak->gc_freed_win -= ak->gc_freed_win / 8;
    tree_cascade(ak, bg);
    if (vlog_full(ak)) {
        enum sim_origin was = sim_plan_set_origin(bg, SIM_ORIGIN_LOG_COMPACTION);
        ak_log_compaction(ak, bg);
        sim_plan_set_origin(bg, was);
        tree_cascade(ak, bg);
    }
    ak->in_compaction = false;
    if (bg != NULL)
        sim_plan_barrier(bg);
    ak_recompute_residency(ak);
    return 0;
}

/*
 * Device DRAM: level lists top level down, then hash lists group by group from the top level
 * while the rest of the budget lasts (never for the last level under hash_lists=upper).
 */
void
ak_recompute_residency(struct anykey *ak)
{
    struct dev_dram *dram = ak->base.env.dram;
    dev_dram_release(dram, DEV_DRAM_LEVEL_LISTS, dram->used[DEV_DRAM_LEVEL_LISTS]);
    dev_dram_release(dram, DEV_DRAM_HASH_LISTS, dram->used[DEV_DRAM_HASH_LISTS]);
    for (uint32_t i = 0; i < ak->nlevels; i++) {
        struct ak_level *l = &ak->lv[i];
        l->list_bytes = 0;
        for (uint32_t g = 0; g < l->ng; g++) {
            const struct ak_group *x = l->g[g];
            l->list_bytes += x->e[0].klen + AK_LIST_PPA +
                             AK_PREFIX_BYTES * (uint64_t)(x->npages - x->first_entity_page);
        }
        l->list_in_dram = dev_dram_try_charge(dram, DEV_DRAM_LEVEL_LISTS, l->list_bytes);
    }
    for (uint32_t i = 0; i < ak->nlevels; i++) {
        struct ak_level *l = &ak->lv[i];
        bool allowed = !(ak->p->hash_lists == KV_ANYKEY_HL_UPPER && i + 1 == ak->nlevels);
        for (uint32_t g = 0; g < l->ng; g++)
            l->g[g]->hl_in_dram =
                allowed && dev_dram_try_charge(dram, DEV_DRAM_HASH_LISTS,
                                               (uint64_t)AK_HASH_BYTES * l->g[g]->n);
    }
}

/* The group of a level whose entity for `key` points at (ppa, off) in the log. */
static bool
referencing_group(struct anykey *ak, const uint8_t *key, uint32_t klen, uint64_t ppa, uint16_t off,
                  uint32_t *level, uint32_t *gi, int64_t *idx_out)
{
    for (uint32_t s = 0; s < ak->nlevels; s++) {
        const struct ak_level *l = &ak->lv[s];
        int64_t g = ak_level_group_of(l, key, klen);
        if (g < 0)
            continue;
        int64_t idx = ak_group_find(l->g[g], key, klen);
        if (idx < 0)
            continue;
        const struct ak_entity *e = &l->g[g]->e[idx];
        if ((e->flags & AK_F_LOGGED) && e->vppa == ppa && e->voff == off) {
            *level = s;
            *gi = (uint32_t)g;
            *idx_out = idx;
            return true;
        }
    }
    return false;
}

/* Rewrite group gi of level s: its values in log pages [lo, hi) go to the log's head, and
 * shadowed entities leave. */
static void
rewrite_group(struct anykey *ak, struct sim_plan *bg, uint32_t s, uint32_t gi, uint64_t lo,
              uint64_t hi)
{
    struct ak_level *l = &ak->lv[s];
    struct ak_group *g = l->g[gi];
    struct mvec m = {0};
    read_group_pages(ak, bg, g);
    for (uint32_t k = 0; k < g->n; k++) {
        struct ak_mentry x = {.e = g->e[k], .src = g, .want = AK_KEEP};
        if (x.e.flags & AK_F_STALE) {
            drop_entity(ak, &x.e);
            continue;
        }
        if ((x.e.flags & AK_F_LOGGED) && x.e.vppa >= lo && x.e.vppa < hi)
            x.want = AK_RELOG;
        mvec_push(&m, &x);
    }
    ak->last_vppa = AK_NO_PPA;
    if (m.n == 0) {
        splice(l, gi, gi + 1, NULL, 0);
    } else {
        struct ak_group *ng = ak_group_build(ak, bg, m.m, (uint32_t)m.n, NAND_ORIGIN_GC);
        NVKV_CHECK_MSG(ng != NULL, "anykey: a rewritten group no longer fits its pages");
        l->g[gi] = ng;
    }
    ak_group_retire(ak, g);
    free(m.m);
    ak->vlog_gc_groups_rewritten++;
}

/*
 * The fallback the paper does not need at its scale: when neither GC nor a log-triggered
 * compaction can make room (the log's blocks each still hold a few values that compaction has
 * not reached), the emptiest log block's live values move to the log's head and the groups
 * pointing at them are rewritten. Never while a merge is in flight.
 */
bool
ak_vlog_gc(struct anykey *ak, struct sim_plan *bg)
{
    struct ftl_alloc *a = ak->base.env.alloc;
    if (ak->in_compaction || ak->vlog_gc_block != FTL_NO_BLOCK)
        return false; /* never nested (a rewrite needing room waits below) */
    uint64_t live, block_bytes = (uint64_t)ak->np->pages_per_block * ak->np->page_bytes;
    uint64_t victim = ak_vlog_victim(&ak->vlog, &live);
    if (victim == FTL_NO_BLOCK || live > block_bytes * 7 / 8)
        return false; /* moving it would gain less than an eighth of a block */
    ak->vlog_gc_block = victim;
    uint64_t first = ftl_block_first_ppa(a, victim), end = first + ak->np->pages_per_block;
    uint16_t offs[AK_MAX_PAGE_ENTRIES];
    uint8_t key[KV_KEY_MAX];
    /* what a page's live values cause (their groups rewritten) waits for that page's read only */
    struct kv_par pages;
    kv_par_begin(&pages, bg);
    for (uint64_t ppa = first; ppa < end; ppa++) {
        if (ftl_page_valid_pieces(a, ppa) == 0)
            continue;
        kv_par_branch(&pages);
        int rc = nand_read(ak->base.env.nand, bg, ppa, NULL, NULL, NAND_ORIGIN_GC, SIM_PRIO_BG);
        NVKV_CHECK(rc == 0);
        if (bg != NULL)
            sim_plan_barrier(bg);
        uint32_t run = 0;
        int n = ak_vlog_entries_of_page(&ak->vlog, ppa, offs, AK_MAX_PAGE_ENTRIES, &run);
        NVKV_CHECK(n >= 0);
        for (int i = 0; i < n; i++) {
            const uint8_t *k, *v;
            uint32_t klen, vlen;
            rc = ak_vlog_read(&ak->vlog, bg, SIM_PRIO_BG, NAND_ORIGIN_GC, false, ppa, offs[i], &k,
                              &klen, &v, &vlen);
            NVKV_CHECK(rc >= 0);
            memcpy(key, k, klen);
            uint32_t s, gi;
            int64_t idx;
            if (!referencing_group(ak, key, klen, ppa, offs[i], &s, &gi, &idx))
                continue;
            struct ak_group *g = ak->lv[s].g[gi];
            struct ak_entity *e = &g->e[idx];
            if (e->flags & AK_F_STALE) {
                /* GC checks validity as PinK's does: a shadowed version's value is dead; its
                 * entity (never read again, dropped by the next compaction) lets go of it */
                ak_vlog_kill(&ak->vlog, e->vppa, e->klen, e->vlen, true);
                e->flags &= (uint8_t)~AK_F_LOGGED;
                g->logged_bytes -= e->vlen;
                g->stale_bytes -= e->vlen;
                continue;
            }
            if (ftl_free_blocks(a) < 2)
                break; /* a rewrite needs a group run and the log's head: what moved stays */
            rewrite_group(ak, bg, s, gi, first, end);
        }
        if (run > 1)
            ppa += run - 1;
    }
    kv_par_end(&pages);
    ak->vlog_gc_block = FTL_NO_BLOCK;
    ak_reclaim_vlog(ak, bg);
    ak->vlog_gcs++;
    return true;
}
