/* SPDX-License-Identifier: MIT */
/*
 * KV records on flash, and the writer that packs them into pages of one allocator stream.
 *
 * Page layout. Values sit in the page body at 512-byte piece granularity from piece 0 up (the
 * piece is PinK's unit of placement and of validity). Keys and record headers go to a per-page
 * directory: a byte stream that starts in the page's OOB area and, when the OOB is full,
 * continues in whole pieces taken from the top of the body, so two 4 KiB values share an 8 KiB
 * page and small values pay only their own bytes plus a 10-byte header and the key.
 *   OOB[0..1]   LE16 K: body pieces at the page top that hold the directory's overflow
 *   stream      OOB[2..oob_bytes) followed by body[page_bytes - K*512 .. page_bytes)
 *   entry       {0xA5, klen, flags, 0, LE16 first piece, LE32 value length, key bytes}
 * A value larger than a page takes a run of consecutive pages of one block (its directory entry
 * is in the OOB of the run's first page). A zero-length value still takes one piece, so every
 * record has a place that validity can track.
 *
 * The writer buffers the open page in device DRAM (charged as write buffer) and programs it when
 * full or on kv_datalog_flush(). Reads return the bytes really stored: from flash, or from the
 * open page's buffer.
 */
#ifndef NVKV_KV_DATALOG_H
#define NVKV_KV_DATALOG_H

#include <stdint.h>

#include "engine.h"

#define KV_DIR_ENTRY_HEADER 10u
#define KV_PAGE_DIR_HEADER  2u
#define KV_RECORD_MAGIC     0xA5u
#define KV_RECORD_TOMBSTONE 0x01u

/* Where a record's value lives: `pieces` pieces from piece `piece` of page `ppa` on. */
struct kv_loc {
    uint64_t ppa;
    uint32_t piece;
    uint32_t pieces;
};

/* A decoded record; pointers valid until the next read or parse through the same writer. */
struct kv_record {
    const uint8_t *key;
    uint32_t klen;
    const uint8_t *value;
    uint32_t vlen;
    uint8_t flags;
};

/* One directory entry of a page. */
struct kv_dir_entry {
    uint32_t piece;
    uint32_t pieces;
    const uint8_t *key;
    uint32_t klen;
    uint32_t vlen;
    uint8_t flags;
};

struct kv_datalog;

/*
 * Create a writer over `stream`, charging its page buffer to the DRAM write-buffer category.
 * Programs of shared pages carry `origin`. -EINVAL when the OOB area cannot hold the directory
 * header.
 */
int kv_datalog_create(const struct kv_env *env, int stream, enum nand_origin origin,
                      struct kv_datalog **out);
void kv_datalog_destroy(struct kv_datalog *dl);

/* Value pieces of a record (the key lives in the directory and takes none). */
uint32_t kv_record_pieces(uint32_t klen, uint32_t vlen);

/* Directory bytes of a record with a klen-byte key. */
static inline uint32_t
kv_record_dir_bytes(uint32_t klen)
{
    return KV_DIR_ENTRY_HEADER + klen;
}

/* Largest value a record with a klen-byte key can hold on this geometry. */
uint32_t kv_datalog_max_value(const struct kv_datalog *dl, uint32_t klen);

/*
 * Append a record; its pieces are marked valid in the allocator. Programs (when a page fills or
 * a multi-page run is written) are recorded in `plan` at `prio`. `origin` tags the programs of a
 * multi-page run; shared pages carry the writer's origin (use one writer, on its own stream, per
 * origin: two writers on one stream could program a block's pages out of order). -ENOSPC when
 * the allocator has no block left (nothing is written then).
 */
int kv_datalog_append(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                      enum nand_origin origin, const void *key, uint32_t klen, const void *value,
                      uint32_t vlen, uint8_t flags, struct kv_loc *loc);

/* Program the open page now (its unused pieces stay empty). */
int kv_datalog_flush(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio);

/*
 * Read the record at `loc`: flash reads of its page(s) are recorded in `plan` (none when it sits
 * in the open page buffer). Returns the number of flash pages read, or a negative error.
 */
int kv_datalog_read(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                    enum nand_origin origin, const struct kv_loc *loc, struct kv_record *rec);

/* Is this page the writer's open (unprogrammed) page? */
int kv_datalog_is_open_page(const struct kv_datalog *dl, uint64_t ppa);

/*
 * Read a programmed page with its OOB (recorded in `plan`) and parse its directory into `out`
 * (at most one entry per piece). Returns the number of entries. The entries' keys, and values
 * that end inside this page (body + piece * 512), stay valid until the next read or parse.
 */
int kv_datalog_read_page(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                         enum nand_origin origin, uint64_t ppa, struct kv_dir_entry *out,
                         const uint8_t **body);

/*
 * Called for each live record of a block during GC: `rec` (pointers valid during the call) and
 * its place `loc`. Return false to stop the walk (e.g. no room left to move records).
 */
typedef bool kv_live_record_fn(void *arg, const struct kv_record *rec, const struct kv_loc *loc);

/*
 * GC's read side: read every page of a fully programmed block that holds a valid piece (and the
 * whole run of a multi-page record), recording the reads in `plan`, and call `fn` for every
 * record whose pieces are still valid. Returns the number of pages read.
 */
uint32_t kv_datalog_walk_block(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                               enum nand_origin origin, uint64_t block, kv_live_record_fn *fn,
                               void *arg);

#endif
