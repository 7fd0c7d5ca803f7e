/* SPDX-License-Identifier: MIT */
/*
 * AnyKey and AnyKey+ (Park et al., ASPLOS'25), as the paper describes them (section 4.2), with
 * the authors' code (KVEMU lksv3) variants as knobs ([anykey] config section).
 *
 * Data segment groups: up to group_pages neighbouring pages of one block holding KV entities
 * sorted by xxHash32 (seed 0) of the key. An entity is {hash, key, value or value-log pointer}.
 * Level lists (device DRAM) keep per group the smallest key, the first page's PPA and the
 * 16-bit hash prefix of each page's first entity; hash lists (every hash of a group) take the
 * DRAM that remains, top levels first. Values enter the LSM-tree through a value log; tree-
 * triggered compaction moves keys and pointers (into the last level it also inlines values, as
 * KVEMU does: knob anykey.tree_values); log-triggered compaction, when the log is full, merges
 * a source level into the next one with its logged values inlined, and frees the log blocks
 * nothing references any more. GC moves whole groups. AnyKey+ stops inlining into L_n at
 * threshold x alpha (the rest is written back to the log) and picks the source level with the
 * most invalid logged bytes.
 *
 * On flash (real bytes; GETs return what the pages hold):
 *   group page   entities packed from the end of the key-order table, never across a page;
 *                footer (last AK_PAGE_FOOTER bytes): LE16 entities, LE16 first entity offset,
 *                u8 collision bits (01: the last hash continues on the next page, 10: the first
 *                hash started on the previous page), u8 0, LE16 table bytes in this page
 *   key table    from page 0 offset 0 (continuing into page 1.. when large): one {u8 page,
 *                LE16 offset} per entity in key order, for range queries
 *   entity       LE32 hash, u8 klen, u8 flags, LE32 vlen, key, then the value (inline) or a
 *                value-log pointer {LE32 ppa, LE16 offset} (flag AK_F_LOGGED)
 *   value log    entries {u8 klen, u8 0, LE32 vlen, key, value} packed byte by byte into pages;
 *                an entry larger than a page takes a run of pages of one block
 * Host memory mirrors each group's entities in key order (key, hash, page, offset, value place)
 * so that merges need not parse pages; every answer is still read back from the flash bytes.
 */
#ifndef NVKV_KV_ANYKEY_INTERNAL_H
#define NVKV_KV_ANYKEY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../engine.h"
#include "../lsmkit.h"
#include "../membuf.h"

#define AK_MAX_LEVELS 8
#define AK_NO_PPA     UINT64_MAX

/* entity flags (on flash) */
#define AK_F_TOMBSTONE 0x01u
#define AK_F_LOGGED    0x02u
/* host-side only: a newer version of the key sits above (GETs never reach this one) */
#define AK_F_STALE 0x80u

#define AK_ENT_HEADER   10u
#define AK_PTR_BYTES    6u
#define AK_PAGE_FOOTER  8u
#define AK_TABLE_ENTRY  3u
#define AK_COLL_NEXT    0x1u
#define AK_COLL_PREV    0x2u
#define AK_VLOG_HEADER  6u
#define AK_LIST_PPA     4u /* level-list entry: first-page PPA */
#define AK_PREFIX_BYTES 2u /* level-list entry: 16-bit hash prefix per page */
#define AK_HASH_BYTES   4u /* hash-list entry */
/* log entries value-log GC visits in one page (8 KiB pages hold at most 1,170; a page with
 * more, possible only with pages over 28 KiB, is left to compaction) */
#define AK_MAX_PAGE_ENTRIES 4096u

struct ak_entity {
    uint8_t *key; /* owned */
    uint32_t hash;
    uint32_t vlen;
    uint8_t klen;
    uint8_t flags;
    uint8_t page; /* page of its group */
    uint16_t off; /* byte offset in that page */
    uint16_t voff;
    uint64_t vppa; /* value-log place when AK_F_LOGGED */
};

struct ak_group {
    struct ak_entity *e; /* key order */
    uint32_t n;
    uint32_t npages;
    uint32_t first_entity_page; /* pages before it hold only the key table */
    uint64_t *ppas;   /* [npages]; the level list keeps the first, the rest follow from it (the
                         next pages of the block, or of the superblock line) */
    uint16_t *prefix; /* [npages]: hash >> 16 of each entity page's first entity */
    uint8_t *collide; /* [npages]: collision bits */
    uint32_t *hashes; /* [n] ascending: the hash list */
    uint8_t *hpage;   /* [n] page of the entity with hashes[i] */
    bool hl_in_dram;
    uint64_t logged_bytes; /* value bytes in the log referenced by this group */
    uint64_t stale_bytes;  /* ... of those, shadowed by newer versions (invalid) */
    int64_t last_use;      /* during a merge: last output entity taken from it (-1: none) */
};

struct ak_level {
    struct ak_group **g; /* key order; disjoint key ranges */
    uint32_t ng, gcap;
    uint64_t cap_groups; /* tree-compaction threshold (last level: UINT64_MAX) */
    uint32_t cursor;     /* round-robin position of the next tree compaction */
    uint64_t list_bytes;
    bool list_in_dram;
};

/* The byte-packed value log. */
struct ak_vlog {
    const struct kv_env *env;
    int stream;
    uint32_t page_bytes;
    uint8_t *buf; /* the open page */
    uint32_t used;
    uint64_t open_ppa;
    uint32_t *live;        /* per ppa: live entry bytes (value-log pages) */
    uint64_t *block_live;  /* per block: the same, summed */
    uint64_t *block_stale; /* per block: live bytes of shadowed versions (GC drops, not moves) */
    uint8_t *rbuf;         /* read scratch */
    uint32_t rbuf_cap;
    uint64_t entries, bytes, pages_programmed;
    uint64_t pages_in_use; /* programmed pages in blocks the log still holds */
};

/* Why values move during a merge. */
enum ak_merge_kind {
    AK_MERGE_FLUSH,
    AK_MERGE_TREE,
    AK_MERGE_LOG,
};

/* An entity on its way through a merge, with where its inline value can be copied from. */
struct ak_mentry {
    struct ak_entity e;
    struct ak_group *src; /* the group holding its inline value (NULL: none); GC may move
                                   the group while the merge runs, so not its PPA */
    uint8_t want;         /* enum ak_value_target */
    uint64_t new_vppa;    /* after a re-log */
    uint16_t new_voff;
};

enum ak_value_target {
    AK_KEEP = 0, /* as it is: inline stays inline, a pointer stays a pointer */
    AK_INLINE,   /* fetch from the log into the group */
    AK_RELOG,    /* write back to the log head */
};

struct anykey {
    struct kv_engine base;
    const struct nand_params *np;
    const struct kv_anykey_params *p;
    bool plus;
    struct kv_stats st;
    struct kv_stats st_view;
    uint32_t nlevels;
    uint32_t group_pages;
    struct ak_level lv[AK_MAX_LEVELS];
    struct kv_membuf mem;
    int group_stream, gc_stream, vlog_stream;
    struct ak_vlog vlog;
    struct ak_group **owner; /* ppa -> group whose page it is */
    uint8_t *gbuf;           /* group build / relocation scratch: group_pages pages */
    uint64_t gc_threshold;
    uint64_t write_reserve; /* free blocks below which new data is refused */
    uint64_t vlog_limit_blocks;
    uint64_t vlog_retry_pages; /* after a log compaction that could not get under the limit */
    struct kv_bg bg;           /* flush, compaction and GC plans and what waits for them */
    bool in_gc, in_compaction;
    uint64_t vlog_gc_block; /* the log block a value-log GC is emptying (FTL_NO_BLOCK: none) */
    bool gc_futile;     /* the last GC for a refused write could not make room; reset by a flush */
    uint64_t refusals;  /* writes refused for want of room */
    uint64_t live_need; /* flash bytes the present keys need (entity + value) */
    uint64_t pack_num, pack_den;          /* group room / group budget */
    uint64_t gc_copied_win, gc_freed_win; /* recent GC pages copied / freed (decay per flush) */
    double size_ratio;
    int last_log_dest;  /* level a log-triggered compaction just filled, -1 none */
    uint64_t last_vppa; /* compaction's last value-log page read (one read per page) */
    /* counters */
    uint64_t tree_compactions, tree_compactions_deferred;
    uint64_t log_compactions, log_compactions_deferred, compaction_chains;
    uint64_t values_inlined, values_relogged, relogs_deferred, log_bytes_fetched;
    uint64_t group_pages_written, groups_written, compaction_page_reads;
    uint64_t group_gcs, groups_relocated, vlog_blocks_reclaimed;
    uint64_t vlog_gcs, vlog_gc_groups_rewritten;
    uint64_t neighbour_reads, hash_list_skips, level_list_reads;
    uint64_t write_buffer_outside_budget;
};

extern const struct kv_engine_ops kv_anykey_ops;
extern const struct kv_engine_ops kv_anykey_plus_ops;

static inline uint32_t
ak_entity_bytes(const struct ak_entity *e, bool inline_value)
{
    uint32_t v = (e->flags & AK_F_TOMBSTONE) ? 0 : (inline_value ? e->vlen : AK_PTR_BYTES);
    return AK_ENT_HEADER + e->klen + v;
}

/*
 * Flash bytes a live key needs (the capacity check): its entity with a pointer and its log
 * entry, scaled by how full groups are packed (ak_group_budget leaves page tails and a margin
 * free), so that the logical capacity is one the layout can really hold.
 */
static inline uint64_t
ak_need(const struct anykey *ak, uint32_t klen, uint32_t vlen)
{
    uint64_t bytes =
        AK_ENT_HEADER + klen + AK_PTR_BYTES + AK_TABLE_ENTRY + AK_VLOG_HEADER + (uint64_t)vlen;
    return bytes * ak->pack_num / ak->pack_den;
}

/* anykey_vlog.c */
int ak_vlog_init(struct ak_vlog *v, const struct kv_env *env, int stream);
void ak_vlog_free(struct ak_vlog *v);
uint32_t ak_vlog_max_value(const struct ak_vlog *v, uint32_t klen);
int ak_vlog_append(struct ak_vlog *v, struct sim_plan *plan, const void *key, uint32_t klen,
                   const void *value, uint32_t vlen, uint64_t *ppa, uint16_t *off);
/*
 * Read the entry at (ppa, off). The first page's read is recorded only when charge_first is set
 * (a compaction reading many entries of one page pays for it once). Returns the flash pages read
 * (0 from the open page) or a negative error. Pointers (into the log's read buffer, never its
 * open page) are valid until the next read.
 */
int ak_vlog_read(struct ak_vlog *v, struct sim_plan *plan, enum sim_prio prio,
                 enum nand_origin origin, bool charge_first, uint64_t ppa, uint16_t off,
                 const uint8_t **key, uint32_t *klen, const uint8_t **value, uint32_t *vlen);
/* An entry is dead; `stale` when it had been marked shadowed (ak_vlog_mark_stale). */
void ak_vlog_kill(struct ak_vlog *v, uint64_t ppa, uint32_t klen, uint32_t vlen, bool stale);
/* A newer version shadows this entry: it is still referenced, but GC need not move it. */
void ak_vlog_mark_stale(struct ak_vlog *v, uint64_t ppa, uint32_t klen, uint32_t vlen);
int ak_vlog_flush(struct ak_vlog *v, struct sim_plan *plan);
bool ak_vlog_is_open_page(const struct ak_vlog *v, uint64_t ppa);
/* The log block with the fewest live bytes, and those bytes. */
uint64_t ak_vlog_victim(struct ak_vlog *v, uint64_t *live_bytes);
/* Offsets of the entries of a programmed log page (at most max); *run_pages > 0 when the page
 * starts a multi-page entry. Untimed: the caller records the read. */
int ak_vlog_entries_of_page(struct ak_vlog *v, uint64_t ppa, uint16_t *offs, uint32_t max,
                            uint32_t *run_pages);

/* anykey_group.c */
struct ak_group *ak_group_build(struct anykey *ak, struct sim_plan *bg, struct ak_mentry *m,
                                uint32_t n, enum nand_origin origin);
uint32_t ak_group_budget(const struct anykey *ak);
void ak_group_retire(struct anykey *ak, struct ak_group *g);
void ak_group_free(struct ak_group *g);
bool ak_group_has_hash(const struct ak_group *g, uint32_t h, uint32_t *first, uint32_t *last);
uint32_t ak_group_choose_page(const struct ak_group *g, uint32_t h);
int64_t ak_group_find(const struct ak_group *g, const void *key, uint32_t klen);
void ak_make_room(struct anykey *ak, struct sim_plan *bg);
int ak_gc(struct anykey *ak, struct sim_plan *bg, bool urgent);
int ak_alloc_run(struct anykey *ak, struct sim_plan *bg, int stream, uint32_t n, uint64_t *ppa);

/* anykey_lsm.c */
int64_t ak_level_group_of(const struct ak_level *l, const void *key, uint32_t klen);
bool ak_find(const struct anykey *ak, const void *key, uint32_t klen, uint32_t *level,
             struct ak_group **g, int64_t *idx);
void ak_set_level_caps(struct anykey *ak);
/* A full write buffer: values to the log in `flush`; the merge into level 0, the compactions
 * and log-triggered compaction that follow in `work`. */
int ak_flush(struct anykey *ak, struct sim_plan *flush, struct sim_plan *work);
void ak_recompute_residency(struct anykey *ak);
void ak_free_level(struct ak_level *l);
int ak_log_compaction(struct anykey *ak, struct sim_plan *bg);
void ak_reclaim_vlog(struct anykey *ak, struct sim_plan *bg);
bool ak_vlog_gc(struct anykey *ak, struct sim_plan *bg);

#endif
