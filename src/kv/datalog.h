/* SPDX-License-Identifier: MIT */
/*
 * KV records on flash, and the writer that packs them into pages of one allocator stream.
 *
 * A record is an 8-byte header {0xA5, key length, flags, value length (LE32)} followed by the
 * key and the value, padded to whole 512-byte pieces. Small records share a page: the writer
 * buffers the open page in device DRAM (charged as write buffer) and programs it when full or on
 * kv_datalog_flush(). A record larger than one page takes a run of consecutive pages of one
 * block, programmed at once. Records are read back from flash (or from the open page's buffer)
 * so every GET returns the bytes that were really stored.
 */
#ifndef NVKV_KV_DATALOG_H
#define NVKV_KV_DATALOG_H

#include <stdint.h>

#include "engine.h"

#define KV_RECORD_HEADER    8u
#define KV_RECORD_MAGIC     0xA5u
#define KV_RECORD_TOMBSTONE 0x01u

/* Where a record lives: `pieces` 512-byte pieces from piece `piece` of page `ppa` on. */
struct kv_loc {
    uint64_t ppa;
    uint32_t piece;
    uint32_t pieces;
};

struct kv_datalog;

/*
 * Create a writer over `stream`, charging its page buffer to the DRAM write-buffer category.
 * Programs are tagged `origin`.
 */
int kv_datalog_create(const struct kv_env *env, int stream, enum nand_origin origin,
                      struct kv_datalog **out);
void kv_datalog_destroy(struct kv_datalog *dl);

/* Pieces a record of this key and value length occupies. */
uint32_t kv_record_pieces(uint32_t klen, uint32_t vlen);

/* Largest value a record with a klen-byte key can hold (one block). */
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

/* Program the open page now (padding its unused pieces). */
int kv_datalog_flush(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio);

/* A decoded record; pointers valid until the next read through the same reader buffer. */
struct kv_record {
    const uint8_t *key;
    uint32_t klen;
    const uint8_t *value;
    uint32_t vlen;
    uint8_t flags;
};

/*
 * Read the record at `loc`: flash reads of its page(s) are recorded in `plan` (none when it sits
 * in the open page buffer). Returns the number of flash pages read, or a negative error.
 */
int kv_datalog_read(struct kv_datalog *dl, struct sim_plan *plan, enum sim_prio prio,
                    enum nand_origin origin, const struct kv_loc *loc, struct kv_record *rec);

/* Is this page the writer's open (unprogrammed) page? */
int kv_datalog_is_open_page(const struct kv_datalog *dl, uint64_t ppa);

/* Decode the record starting at piece `piece` of a page image; 0 or -EINVAL for no record. */
int kv_record_decode(const uint8_t *page, uint32_t page_bytes, uint32_t piece,
                     struct kv_record *rec);

#endif
