/* SPDX-License-Identifier: MIT */
/*
 * PinK (Im et al., USENIX ATC'20) as the AnyKey paper describes it (sections 3.2.2 and 4.2.5):
 * a write buffer flushed into a leveled LSM-tree whose levels are sorted runs of meta segments
 * (pages of sorted {key, PPA} entries); level lists (first key + location of each meta segment)
 * and meta segments are pinned in device DRAM from the top level down while the budget lasts;
 * the rest live in flash, and a GET pays one flash read for every flash-resident level list
 * and meta segment it consults before the data read. KV pairs sit in data pages: packed byte by
 * byte as KVEMU's port writes them (kv/packlog.h, pink.piece_bytes=1) or in the original's
 * 512-byte pieces (kv/datalog.h, pink.piece_bytes=512). Compaction moves only meta segments;
 * overwritten and deleted records are invalidated and reclaimed by data GC, dead meta pages by
 * meta GC.
 */
#ifndef NVKV_KV_PINK_INTERNAL_H
#define NVKV_KV_PINK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../datalog.h"
#include "../engine.h"
#include "../lsmkit.h"
#include "../membuf.h"
#include "../packlog.h"

#define PINK_MAX_LEVELS 8
#define PINK_NO_PPA     UINT64_MAX
/* A meta segment page begins with PinK's 1 KiB offset bitmap (KEYBITMAP), then {ppa, key}. */
#define PINK_SEG_HEADER  1024u
#define PINK_PPA_BYTES   4u
#define PINK_F_TOMBSTONE 0x01u

/* One key of a level: its newest version at that level. Keys are owned by the entry. */
struct pink_entry {
    uint8_t *key;
    uint64_t pfx; /* the key's first 8 bytes, big-endian, zero-padded: most compares end here */
    uint8_t klen;
    uint8_t flags;
    uint32_t vlen;     /* host-side bookkeeping for statistics; not part of the meta entry */
    struct kv_loc loc; /* data record; pieces == 0 for a tombstone */
};

/* The order-preserving 8-byte prefix of a key (see pink_entry.pfx). */
static inline uint64_t
pink__key_prefix(const void *key, uint32_t klen)
{
    const uint8_t *k = key;
    uint64_t p = 0;
    for (uint32_t i = 0; i < 8 && i < klen; i++)
        p |= (uint64_t)k[i] << (56 - 8 * i);
    return p;
}

/* A meta segment: entries [start, start + count) of its level. */
struct pink_seg {
    uint32_t start;
    uint32_t count;
    uint64_t flash_ppa; /* its page in the meta stream, PINK_NO_PPA when it has no flash copy */
    bool in_dram;       /* pinned in device DRAM */
    bool dirty;         /* GC moved one of its records: the flash copy is stale */
};

struct pink_level {
    struct pink_entry *e;
    uint64_t n, cap;
    struct pink_seg *segs;
    uint32_t nsegs, segs_cap;
    uint64_t list_bytes; /* level list: first key + location per segment */
    bool list_in_dram;
    bool list_dirty;     /* rewritten since its flash copy was made */
    uint64_t *list_ppas; /* flash copy of a spilled level list */
    uint32_t list_pages;
    uint64_t cap_segs; /* compaction threshold in segments (last level: unbounded) */
};

struct pink {
    struct kv_engine base;
    const struct nand_params *np;
    struct kv_stats st;
    struct kv_stats st_view; /* st with buffered PUTs settled, as stats() reports it */
    uint32_t nlevels;
    struct pink_level lv[PINK_MAX_LEVELS];
    /* write buffer */
    struct kv_membuf mem;
    /* flash streams and writers */
    int data_stream, gc_stream, meta_stream;
    bool packed;                 /* pink.piece_bytes = 1: pairs packed byte by byte */
    struct kv_datalog *data_log; /* flush output (pieces) */
    struct kv_datalog *gc_log;   /* data GC relocations (pieces) */
    struct kv_packlog *data_pl;  /* flush output (packed) */
    struct kv_packlog *gc_pl;    /* data GC relocations (packed, pink.data_gc=copy) */
    uint32_t *meta_owner;        /* ppa -> level << 28 | segment, for meta GC */
    uint64_t gc_threshold;
    /* background work */
    struct kv_bg bg;    /* flush, compaction and GC plans and what waits for them */
    bool in_gc;         /* GC is running: allocation failures cannot recurse into it */
    bool flushing;      /* records on flash without a level entry yet: no data GC */
    uint64_t live_held; /* flash bytes held by the records a GET can still reach */
    uint64_t meta_pages_written, compaction_meta_reads;
    uint64_t data_gcs, meta_gcs;
    uint64_t gc_reinserted;    /* live pairs data GC put back into the write buffer */
    uint64_t reinsert_pending; /* flash bytes those pairs will take at the next flush */
    uint64_t level_list_dram_bytes, seg_dram_bytes;
    uint64_t size_ratio_x100;
    uint64_t write_buffer_outside_budget; /* bytes of write buffer the budget could not hold */
    uint64_t dram_overcommit_bytes;       /* metadata kept in memory because flash was exhausted */
};

extern const struct kv_engine_ops kv_pink_ops;

/* meta_owner encoding: which structure a meta-stream page holds */
#define PINK_OWNER_LIST     0x80000000u
#define PINK_OWNER_LEVEL(o) (((o) >> 28) & 0x7u)
#define PINK_OWNER_INDEX(o) ((o)&0x0fffffffu)
#define PINK_OWNER(list, level, index) \
    ((list ? PINK_OWNER_LIST : 0u) | ((uint32_t)(level) << 28) | (uint32_t)(index))

/* Meta pages a walk has read already: GC's validity checks of one data page share them, and
 * their reads carry the walk's origin. */
#define PINK_MEMO_PAGES 16

struct pink_meta_memo {
    uint64_t ppa[PINK_MEMO_PAGES];
    uint32_t n, next;
    enum nand_origin origin;
};

/* pink_lsm.c */
/* The newest entry of a key in the levels, charging the read path in `c` (see pink_lsm.c). */
const struct pink_entry *pink__lookup(struct pink *pk, struct kv_cost *c, const void *key,
                                      uint32_t klen, struct pink_meta_memo *memo);
uint64_t pink__seg_capacity_bytes(const struct pink *pk);
bool pink__find(const struct pink *pk, const void *key, uint32_t klen, uint32_t *level,
                uint64_t *index);
int64_t pink__level_lower_bound(const struct pink_level *l, const void *key, uint32_t klen);
uint32_t pink__seg_of(const struct pink_level *l, uint64_t index);
/* A full write buffer: its records written out in `flush`, then merged into the levels (with
 * the compactions and metadata writes that follow) in `work`. */
int pink__flush(struct pink *pk, struct sim_plan *flush, struct sim_plan *work);
void pink__recompute_residency(struct pink *pk, struct sim_plan *bg);
void pink__free_level(struct pink_level *l);
void pink__set_level_caps(struct pink *pk);

/* pink_data.c: data pages in either layout */
int pink__data_open(struct pink *pk, const struct kv_env *env);
void pink__data_close(struct pink *pk);
/* Flash bytes a record holds: its pieces, or its packed bytes. */
uint64_t pink__record_bytes(const struct pink *pk, uint32_t klen, uint32_t vlen);
uint32_t pink__data_max_value(const struct pink *pk, uint32_t klen);
/* Append to the flush writer (gc: the GC writer). -ENOSPC when no block is left. */
int pink__data_append(struct pink *pk, struct sim_plan *bg, bool gc, const void *key, uint32_t klen,
                      const void *value, uint32_t vlen, struct kv_loc *loc);
void pink__data_flush_gc(struct pink *pk, struct sim_plan *bg);
/* Read the record at `loc`; returns the flash pages read. */
int pink__data_read(struct pink *pk, struct sim_plan *plan, enum sim_prio prio,
                    const struct kv_loc *loc, struct kv_record *rec);
/* The record of entry `e` is dead (no-op when it has none). */
void pink__data_invalidate(struct pink *pk, const struct pink_entry *e);

/* pink_gc.c */
/* Free blocks, less those the pairs GC put back into the write buffer will take. */
uint64_t pink__free_blocks(const struct pink *pk);
void pink__make_room(struct pink *pk, struct sim_plan *bg);
int pink__alloc_meta_page(struct pink *pk, struct sim_plan *bg, uint64_t *ppa);
int pink__gc(struct pink *pk, struct sim_plan *bg, bool urgent);
void pink__meta_program(struct pink *pk, struct sim_plan *bg, uint32_t level, uint32_t seg,
                        enum nand_origin origin);
void pink__meta_drop(struct pink *pk, struct pink_seg *s);

#endif
