/* SPDX-License-Identifier: MIT */
/*
 * The NAND flash array: geometry, cell timing, the rules of NAND (program erased pages in order,
 * erase whole blocks), page contents through a store backend, counters, and the timed execution
 * of reads, programs and erases on dies and channels.
 *
 * Functional core, timed shell: nand_read/program/erase apply their effect at once and, when
 * given a plan, record a timed operation in it. The timing of a recorded operation is:
 *   read    = die acquired -> command on the channel -> tR(page type) on the die
 *             -> data out on the channel (bytes / channel bandwidth); the die is held throughout
 *   program = die acquired -> command + data in on the channel -> tPROG(page type) on the die
 *   erase   = die acquired -> command on the channel -> tBERS on the die
 *
 * Addresses: dies are numbered 0..channels*dies_per_channel-1 and die d sits on channel
 * d % channels, so consecutive die numbers stripe across channels. A physical page address is
 *   ppa = (die * blocks_per_die + block) * pages_per_block + page.
 * The page type (LSB/CSB/MSB for TLC) is page % bits_per_cell, as FEMU and KVEMU lay them out.
 */
#ifndef NVKV_NAND_NAND_H
#define NVKV_NAND_NAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sim/sim.h"

enum nand_cell {
    NAND_CELL_SLC = 1,
    NAND_CELL_MLC = 2,
    NAND_CELL_TLC = 3,
};

#define NAND_MAX_PAGE_TYPES 3

enum nand_backend {
    NAND_BACKEND_RAM = 0,
    NAND_BACKEND_FILE = 1,
    /* NAND_BACKEND_ELIDED comes later: lengths and checksums only */
};

/* Who caused a flash operation; every counter is kept per origin. */
enum nand_origin {
    NAND_ORIGIN_HOST = 0,
    NAND_ORIGIN_FLUSH,
    NAND_ORIGIN_COMPACTION,
    NAND_ORIGIN_GC,
    NAND_ORIGIN_VLOG,
    NAND_ORIGIN_META,
    NAND_ORIGIN_ROLLBACK,
    NAND_ORIGIN_COUNT,
};

const char *nand_origin_name(enum nand_origin o);

/* Everything configurable about the array (the [nand] section of the config). */
struct nand_params {
    uint32_t channels;
    uint32_t dies_per_channel;
    uint32_t blocks_per_die;
    uint32_t pages_per_block;
    uint32_t page_bytes;
    uint32_t oob_bytes;
    enum nand_cell cell;
    /* per page type; 0 means "the default of the cell type" until nand_params_resolve() */
    uint64_t read_ns[NAND_MAX_PAGE_TYPES];
    uint64_t program_ns[NAND_MAX_PAGE_TYPES];
    uint64_t erase_ns;
    uint64_t cmd_ns;       /* command + address cycles on the channel */
    uint64_t channel_mbps; /* channel bandwidth, 10^6 bytes per second */
    enum nand_backend backend;
    char file_path[256]; /* file backend: the sparse image */
    int sched;           /* enum nand_sched: how a die and a channel pick their next operation */
};

/* Die and channel scheduling (ARCHITECTURE.md, "The time model"). */
enum nand_sched {
    NAND_SCHED_FCFS = 0, /* arrival order whatever the origin (KVEMU's per-LUN clocks; default) */
    NAND_SCHED_FG_FIRST, /* foreground reads, then foreground writes, then background work */
};

/* The anykey64g geometry and TLC timing of the AnyKey paper (section 5.4). */
void nand_params_default(struct nand_params *p);

/* Fill timing fields left at 0 from the cell type's table. */
void nand_params_resolve(struct nand_params *p);

static inline uint32_t
nand_dies(const struct nand_params *p)
{
    return p->channels * p->dies_per_channel;
}

static inline uint64_t
nand_total_pages(const struct nand_params *p)
{
    return (uint64_t)nand_dies(p) * p->blocks_per_die * p->pages_per_block;
}

static inline uint64_t
nand_raw_bytes(const struct nand_params *p)
{
    return nand_total_pages(p) * p->page_bytes;
}

/* Time to move `bytes` over one channel. */
uint64_t nand_xfer_ns(const struct nand_params *p, uint32_t bytes);

struct nand_addr {
    uint32_t die;
    uint32_t block; /* within the die */
    uint32_t page;  /* within the block */
};

static inline uint64_t
nand_ppa(const struct nand_params *p, struct nand_addr a)
{
    return ((uint64_t)a.die * p->blocks_per_die + a.block) * p->pages_per_block + a.page;
}

static inline struct nand_addr
nand_addr_of(const struct nand_params *p, uint64_t ppa)
{
    struct nand_addr a;
    a.page = (uint32_t)(ppa % p->pages_per_block);
    uint64_t blk = ppa / p->pages_per_block;
    a.block = (uint32_t)(blk % p->blocks_per_die);
    a.die = (uint32_t)(blk / p->blocks_per_die);
    return a;
}

struct nand_die_stats {
    uint64_t reads, programs, erases;
    uint64_t busy_ns; /* time the die was held by an operation */
};

struct nand_stats {
    uint64_t page_reads[NAND_ORIGIN_COUNT];
    uint64_t page_writes[NAND_ORIGIN_COUNT];
    uint64_t erases[NAND_ORIGIN_COUNT];
    uint64_t channel_busy_ns_total;
    /* time accounting: die held / channel busy by what caused the operation */
    uint64_t die_busy_by_origin[SIM_ORIGIN_COUNT];
    uint64_t channel_busy_by_origin[SIM_ORIGIN_COUNT];
    uint64_t ops_done;   /* timed operations completed */
    uint64_t pages_done; /* of those, page reads and programs (not erases) */
};

/* The accounting origin of a NAND operation of `origin` issued at `prio`. */
enum sim_origin nand_sim_origin(enum nand_origin origin, enum sim_prio prio);

struct nand;

/*
 * Create the array and its store. With the file backend an existing image of the same geometry
 * is reopened with every programmed page, OOB byte, write pointer and erase count; a different
 * geometry gives NVKV_EFORMAT. `sim` may be NULL for an untimed array. Returns 0 or an error;
 * on NVKV_ECONFIG / NVKV_EFORMAT / -errno a message is left in `err` (size errlen).
 */
int nand_create(const struct nand_params *p, struct sim *sim, struct nand **out, char *err,
                size_t errlen);
void nand_destroy(struct nand *n);

const struct nand_params *nand_params(const struct nand *n);

/*
 * Functional operations. Each checks the NAND rules and returns NVKV_ENANDRULE with a message
 * naming the address (nand_last_violation()) when the layer above breaks one; nothing changes
 * then. On success the effect is applied at once and, when `plan` is not NULL, a timed
 * operation is appended to the plan's current stage.
 *
 * read:    the page must be programmed; copies page bytes into `data` and OOB into `oob`
 *          (either may be NULL). Pages programmed without data read back as zeros.
 * program: the page must be the next erased page of its block; `data` (page_bytes) and `oob`
 *          (oob_bytes) may be NULL when the content does not matter (benchmarks).
 * erase:   erases every page of the block holding `ppa` (any page of the block may be named).
 */
int nand_read(struct nand *n, struct sim_plan *plan, uint64_t ppa, void *data, void *oob,
              enum nand_origin origin, enum sim_prio prio);
int nand_program(struct nand *n, struct sim_plan *plan, uint64_t ppa, const void *data,
                 const void *oob, enum nand_origin origin, enum sim_prio prio);
int nand_erase(struct nand *n, struct sim_plan *plan, uint64_t ppa, enum nand_origin origin,
               enum sim_prio prio);

/*
 * Copy `len` bytes at offset `off` of a programmed page without counting or timing anything:
 * the bytes that a read the caller has just recorded moves out of the page register. Lets a
 * reader take only what it needs instead of the whole page. NVKV_ENANDRULE as nand_read.
 */
int nand_copy_out(struct nand *n, uint64_t ppa, uint32_t off, uint32_t len, void *buf);

/* The message of the last rule violation ("" if none). */
const char *nand_last_violation(const struct nand *n);

/* Next page to program in the block holding `ppa` (== pages_per_block when full). */
uint32_t nand_block_write_pointer(const struct nand *n, uint64_t ppa);
uint32_t nand_block_erase_count(const struct nand *n, uint64_t ppa);

const struct nand_stats *nand_stats(const struct nand *n);
const struct nand_die_stats *nand_die_stats(const struct nand *n, uint32_t die);
void nand_reset_stats(struct nand *n);

/* Page type (0 = LSB ...) of a page index within a block. */
static inline uint32_t
nand_page_type(const struct nand_params *p, uint32_t page)
{
    return page % (uint32_t)p->cell;
}

/* The sim operation kind the array registers for its timed operations. */
#define NAND_SIM_EXEC 2

#endif
