/* SPDX-License-Identifier: MIT */
/*
 * Page store backends: where page bytes and OOB bytes live. The array (nand.c) enforces the
 * NAND rules and owns the block table; a store only keeps contents, and a persistent store
 * also keeps the block table so a reopened device resumes where it stopped.
 *
 * A third backend (`elided`: value lengths and checksums only) plugs in through the same ops.
 */
#ifndef NVKV_NAND_STORE_H
#define NVKV_NAND_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "nand.h"

/* Per-block state of the array. */
struct nand_block {
    uint32_t write_ptr; /* next page to program; pages_per_block when full */
    uint32_t erase_count;
};

struct nand_store;

struct nand_store_ops {
    const char *name;
    /* `data` / `oob` may be NULL: the page then reads back as zeros. Returns 0 or -errno. */
    int (*program)(struct nand_store *s, uint64_t ppa, const void *data, const void *oob);
    /* Either buffer may be NULL. Returns 0 or -errno. */
    int (*read)(struct nand_store *s, uint64_t ppa, void *data, void *oob);
    /* Copy `len` page bytes from offset `off` (within the page). Returns 0 or -errno. */
    int (*read_range)(struct nand_store *s, uint64_t ppa, uint32_t off, uint32_t len, void *buf);
    /* Record a block's new state (after a program or an erase) where it must persist. */
    int (*save_block)(struct nand_store *s, uint64_t block, const struct nand_block *b);
    void (*destroy)(struct nand_store *s);
};

struct nand_store {
    const struct nand_store_ops *ops;
    const struct nand_params *params;
};

/* RAM: page buffers allocated on first program with data, kept until destroy. */
int nand__store_ram_open(const struct nand_params *p, struct nand_store **out, char *err,
                         size_t errlen);

/*
 * File: a sparse image. Creates it when absent; otherwise checks its header against `p` and
 * loads the block table into `blocks` (total blocks entries).
 */
int nand__store_file_open(const struct nand_params *p, struct nand_block *blocks,
                          struct nand_store **out, char *err, size_t errlen);

#endif
