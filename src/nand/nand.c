/* SPDX-License-Identifier: MIT */
/*
 * The NAND array: rules, counters and the timed execution of flash operations on die and
 * channel resources. See nand.h for the timing of each operation and the address layout.
 */
#include "nand.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"
#include "../base/err.h"
#include "store.h"

enum nand_op_type {
    NAND_OP_READ = 0,
    NAND_OP_PROGRAM = 1,
    NAND_OP_ERASE = 2,
};

/* Steps of a timed operation (sim_op.phase). */
enum nand_phase {
    PH_WAIT_DIE,     /* queued for the die */
    PH_WAIT_CH_CMD,  /* die held, queued for the channel to send the command (+ data in) */
    PH_CMD,          /* on the channel: command, and for a program the page data */
    PH_ARRAY,        /* tR / tPROG / tBERS on the die, channel free */
    PH_WAIT_CH_DATA, /* read: array done, queued for the channel to move data out */
    PH_DATA_OUT,     /* read: data on the channel */
};

struct nand_die {
    struct sim_resource res;
    struct nand_die_stats stats;
    /* who holds the die, to split a waiter's time between foreground and background holders */
    uint64_t bg_held_ns; /* background hold time of operations that have released the die */
    uint64_t holder_t0;
    bool holder_bg;
};

struct nand {
    struct nand_params p;
    struct sim *sim;
    struct nand_die *dies;
    struct sim_resource *channels;
    struct nand_block *blocks;
    struct nand_store *store;
    struct nand_stats stats;
    uint64_t page_xfer_ns;
    char violation[256];
};

static const char *const origin_names[NAND_ORIGIN_COUNT] = {
    "host", "flush", "compaction", "gc", "vlog", "meta", "rollback",
};

const char *
nand_origin_name(enum nand_origin o)
{
    return (unsigned)o < NAND_ORIGIN_COUNT ? origin_names[o] : "?";
}

/*
 * Cell timing tables. TLC: the AnyKey paper's (section 5.4; SimpleSSD's TLC figures).
 * MLC: Micron L95B as profiled in FEMU's nand.h. SLC: FEMU's SLC defaults.
 */
static const uint64_t cell_read_ns[4][NAND_MAX_PAGE_TYPES] = {
    [NAND_CELL_SLC] = {40000},
    [NAND_CELL_MLC] = {48000, 64000},
    [NAND_CELL_TLC] = {56500, 77500, 106000},
};
static const uint64_t cell_program_ns[4][NAND_MAX_PAGE_TYPES] = {
    [NAND_CELL_SLC] = {800000},
    [NAND_CELL_MLC] = {850000, 2300000},
    [NAND_CELL_TLC] = {800000, 2200000, 5700000},
};
static const uint64_t cell_erase_ns[4] = {
    [NAND_CELL_SLC] = 2000000,
    [NAND_CELL_MLC] = 3000000,
    [NAND_CELL_TLC] = 3000000,
};

void
nand_params_default(struct nand_params *p)
{
    memset(p, 0, sizeof(*p));
    p->channels = 8;
    p->dies_per_channel = 8;
    p->blocks_per_die = 512;
    p->pages_per_block = 256;
    p->page_bytes = 8192;
    p->oob_bytes = 512;
    p->cell = NAND_CELL_TLC;
    /* ONFI command + 5 address cycles, rounded; a knob, not a paper figure */
    p->cmd_ns = 100;
    /* ONFI 4 NV-DDR3 at 800 MT/s on an 8-bit bus, as NVMeVirt's NAND_CHANNEL_BANDWIDTH */
    p->channel_mbps = 800;
    p->backend = NAND_BACKEND_RAM;
    p->sched = NAND_SCHED_FCFS;
}

void
nand_params_resolve(struct nand_params *p)
{
    unsigned c = (unsigned)p->cell;
    if (c < 1 || c > 3)
        return; /* the config validator reports it */
    for (unsigned t = 0; t < c; t++) {
        if (p->read_ns[t] == 0)
            p->read_ns[t] = cell_read_ns[c][t];
        if (p->program_ns[t] == 0)
            p->program_ns[t] = cell_program_ns[c][t];
    }
    if (p->erase_ns == 0)
        p->erase_ns = cell_erase_ns[c];
}

uint64_t
nand_xfer_ns(const struct nand_params *p, uint32_t bytes)
{
    /* bytes / (MB/s) in ns = bytes * 1000 / mbps, rounded up so a transfer never takes 0 */
    return ((uint64_t)bytes * 1000 + p->channel_mbps - 1) / p->channel_mbps;
}

enum sim_origin
nand_sim_origin(enum nand_origin origin, enum sim_prio prio)
{
    switch (origin) {
    case NAND_ORIGIN_HOST:
        return prio == SIM_PRIO_FG_READ ? SIM_ORIGIN_USER_READ
               : prio == SIM_PRIO_BG    ? SIM_ORIGIN_FLUSH
                                        : SIM_ORIGIN_USER_WRITE;
    case NAND_ORIGIN_FLUSH:
        return SIM_ORIGIN_FLUSH;
    case NAND_ORIGIN_COMPACTION:
        return SIM_ORIGIN_COMPACTION;
    case NAND_ORIGIN_GC:
        return SIM_ORIGIN_GC;
    case NAND_ORIGIN_VLOG:
        return SIM_ORIGIN_VLOG;
    case NAND_ORIGIN_META:
        return SIM_ORIGIN_META;
    default:
        return SIM_ORIGIN_OTHER;
    }
}

/* ---- timed execution ---- */

static inline uint32_t
channel_of(const struct nand *n, uint32_t die)
{
    return die % n->p.channels;
}

static uint64_t
array_ns(const struct nand *n, enum nand_op_type type, uint32_t page)
{
    uint32_t t = nand_page_type(&n->p, page);
    switch (type) {
    case NAND_OP_READ:
        return n->p.read_ns[t];
    case NAND_OP_PROGRAM:
        return n->p.program_ns[t];
    default:
        return n->p.erase_ns;
    }
}

static void nand_op_granted(struct sim *sim, struct sim_waiter *w);

static inline struct sim_op *
op_of_waiter(struct sim_waiter *w)
{
    return (struct sim_op *)(void *)((char *)w - offsetof(struct sim_op, waiter));
}

/* Timer expiry of the current phase. */
static void
nand_op_event(struct sim *sim, void *arg)
{
    struct sim_op *op = arg;
    struct nand *n = op->obj;
    struct nand_addr a = nand_addr_of(&n->p, op->a);
    struct sim_resource *ch = &n->channels[channel_of(n, a.die)];
    struct nand_die *die = &n->dies[a.die];
    enum nand_op_type type = (enum nand_op_type)op->aux;

    switch (op->phase) {
    case PH_CMD:
        sim_resource_release(sim, ch);
        op->phase = PH_ARRAY;
        sim_after(sim, array_ns(n, type, a.page), nand_op_event, op);
        return;
    case PH_ARRAY:
        if (type == NAND_OP_READ) {
            op->phase = PH_WAIT_CH_DATA;
            op->wait_t0 = sim_now(sim);
            sim_resource_acquire(sim, ch, (enum sim_prio)op->prio, &op->waiter);
            return;
        }
        break;
    case PH_DATA_OUT:
        sim_resource_release(sim, ch);
        break;
    default:
        NVKV_CHECK_MSG(0, "NAND operation in unexpected phase %u", op->phase);
    }
    uint64_t held = sim_now(sim) - op->t0;
    die->stats.busy_ns += held;
    n->stats.die_busy_by_origin[op->origin] += held;
    if (die->holder_bg)
        die->bg_held_ns += held;
    die->holder_bg = false;
    n->stats.ops_done++;
    n->stats.pages_done += type != NAND_OP_ERASE;
    sim_resource_release(sim, &die->res);
    sim_op_done(sim, op);
}

static void
nand_op_granted(struct sim *sim, struct sim_waiter *w)
{
    struct sim_op *op = op_of_waiter(w);
    struct nand *n = op->obj;
    uint32_t die = op->scratch; /* set when it started */
    struct sim_resource *ch = &n->channels[channel_of(n, die)];
    uint64_t ns;

    uint64_t now = sim_now(sim);
    switch (op->phase) {
    case PH_WAIT_DIE: {
        struct nand_die *d = &n->dies[die];
        if (now > op->wait_t0) {
            /* the die served others the whole time: its background share since we queued */
            uint64_t bg = d->bg_held_ns - op->wait_a0;
            uint64_t waited = now - op->wait_t0;
            if (bg > waited)
                bg = waited;
            sim_op_wait(op, SIM_WAIT_DIE_BG, bg);
            sim_op_wait(op, SIM_WAIT_DIE_FG, waited - bg);
        }
        op->t0 = now;
        d->holder_t0 = now;
        d->holder_bg = op->prio == SIM_PRIO_BG;
        op->phase = PH_WAIT_CH_CMD;
        op->wait_t0 = now;
        sim_resource_acquire(sim, ch, (enum sim_prio)op->prio, &op->waiter);
        return;
    }
    case PH_WAIT_CH_CMD:
        ns = n->p.cmd_ns + (op->aux == NAND_OP_PROGRAM ? n->page_xfer_ns : 0);
        op->phase = PH_CMD;
        break;
    case PH_WAIT_CH_DATA:
        ns = n->page_xfer_ns;
        op->phase = PH_DATA_OUT;
        break;
    default:
        NVKV_CHECK_MSG(0, "NAND operation granted in unexpected phase %u", op->phase);
        return;
    }
    if (now > op->wait_t0)
        sim_op_wait(op, SIM_WAIT_CHANNEL, now - op->wait_t0);
    n->stats.channel_busy_ns_total += ns;
    n->stats.channel_busy_by_origin[op->origin] += ns;
    sim_after(sim, ns, nand_op_event, op);
}

static void
nand_exec_start(struct sim *sim, void *ctx, struct sim_op *op)
{
    struct nand *n = ctx;
    op->obj = n;
    op->phase = PH_WAIT_DIE;
    op->waiter.granted = nand_op_granted;
    uint32_t die = (uint32_t)(op->a / ((uint64_t)n->p.pages_per_block * n->p.blocks_per_die));
    op->scratch = die;
    struct nand_die *d = &n->dies[die];
    uint64_t now = sim_now(sim);
    op->wait_t0 = now;
    op->wait_a0 = d->bg_held_ns + (d->holder_bg && d->res.busy ? now - d->holder_t0 : 0);
    sim_resource_acquire(sim, &d->res, (enum sim_prio)op->prio, &op->waiter);
}

static void
record(struct nand *n, struct sim_plan *plan, uint64_t ppa, enum nand_op_type type,
       enum nand_origin origin, enum sim_prio prio)
{
    if (plan == NULL)
        return;
    NVKV_CHECK_MSG(n->sim != NULL, "a timed NAND operation on an array created without a sim");
    struct sim_op *op = sim_plan_add(plan, NAND_SIM_EXEC, prio);
    op->a = ppa;
    op->aux = type;
    op->tag = (uint16_t)origin;
    enum sim_origin so = nand_sim_origin(origin, prio);
    /* a compaction that a full value log triggered is told apart by its plan's origin */
    if (so == SIM_ORIGIN_COMPACTION && plan->origin == SIM_ORIGIN_LOG_COMPACTION)
        so = SIM_ORIGIN_LOG_COMPACTION;
    op->origin = (uint8_t)so;
}

/* ---- functional operations ---- */

__attribute__((format(printf, 2, 3))) static int
violation(struct nand *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->violation, sizeof(n->violation), fmt, ap);
    va_end(ap);
    return NVKV_ENANDRULE;
}

static int
check_ppa(struct nand *n, uint64_t ppa, const char *what)
{
    if (ppa < nand_total_pages(&n->p))
        return 0;
    return violation(n, "%s of ppa %llu: beyond the last page %llu", what, (unsigned long long)ppa,
                     (unsigned long long)nand_total_pages(&n->p) - 1);
}

int
nand_read(struct nand *n, struct sim_plan *plan, uint64_t ppa, void *data, void *oob,
          enum nand_origin origin, enum sim_prio prio)
{
    NVKV_RET(check_ppa(n, ppa, "read"));
    struct nand_addr a = nand_addr_of(&n->p, ppa);
    const struct nand_block *b = &n->blocks[ppa / n->p.pages_per_block];
    if (a.page >= b->write_ptr)
        return violation(n, "read of ppa %llu (die %u block %u page %u): page is erased",
                         (unsigned long long)ppa, a.die, a.block, a.page);
    if (data != NULL || oob != NULL)
        NVKV_RET(n->store->ops->read(n->store, ppa, data, oob));
    n->stats.page_reads[origin]++;
    n->dies[a.die].stats.reads++;
    record(n, plan, ppa, NAND_OP_READ, origin, prio);
    return 0;
}

int
nand_copy_out(struct nand *n, uint64_t ppa, uint32_t off, uint32_t len, void *buf)
{
    NVKV_RET(check_ppa(n, ppa, "copy-out"));
    if ((uint64_t)off + len > n->p.page_bytes)
        return violation(n, "copy-out of ppa %llu: bytes %u..%u beyond the %u-byte page",
                         (unsigned long long)ppa, off, off + len, n->p.page_bytes);
    struct nand_addr a = nand_addr_of(&n->p, ppa);
    if (a.page >= n->blocks[ppa / n->p.pages_per_block].write_ptr)
        return violation(n, "copy-out of ppa %llu (die %u block %u page %u): page is erased",
                         (unsigned long long)ppa, a.die, a.block, a.page);
    return len ? n->store->ops->read_range(n->store, ppa, off, len, buf) : 0;
}

int
nand_program(struct nand *n, struct sim_plan *plan, uint64_t ppa, const void *data, const void *oob,
             enum nand_origin origin, enum sim_prio prio)
{
    NVKV_RET(check_ppa(n, ppa, "program"));
    struct nand_addr a = nand_addr_of(&n->p, ppa);
    uint64_t blk = ppa / n->p.pages_per_block;
    struct nand_block *b = &n->blocks[blk];
    if (a.page < b->write_ptr)
        return violation(n,
                         "program of ppa %llu (die %u block %u page %u): page already "
                         "programmed (block write pointer %u)",
                         (unsigned long long)ppa, a.die, a.block, a.page, b->write_ptr);
    if (a.page > b->write_ptr)
        return violation(n,
                         "program of ppa %llu (die %u block %u page %u): out of order, the "
                         "block's next page is %u",
                         (unsigned long long)ppa, a.die, a.block, a.page, b->write_ptr);
    NVKV_RET(n->store->ops->program(n->store, ppa, data, oob));
    b->write_ptr++;
    NVKV_RET(n->store->ops->save_block(n->store, blk, b));
    n->stats.page_writes[origin]++;
    n->dies[a.die].stats.programs++;
    record(n, plan, ppa, NAND_OP_PROGRAM, origin, prio);
    return 0;
}

int
nand_erase(struct nand *n, struct sim_plan *plan, uint64_t ppa, enum nand_origin origin,
           enum sim_prio prio)
{
    NVKV_RET(check_ppa(n, ppa, "erase"));
    uint64_t blk = ppa / n->p.pages_per_block;
    struct nand_block *b = &n->blocks[blk];
    b->write_ptr = 0;
    b->erase_count++;
    NVKV_RET(n->store->ops->save_block(n->store, blk, b));
    n->stats.erases[origin]++;
    n->dies[nand_addr_of(&n->p, ppa).die].stats.erases++;
    record(n, plan, blk * n->p.pages_per_block, NAND_OP_ERASE, origin, prio);
    return 0;
}

const char *
nand_last_violation(const struct nand *n)
{
    return n->violation;
}

uint32_t
nand_block_write_pointer(const struct nand *n, uint64_t ppa)
{
    NVKV_CHECK(ppa < nand_total_pages(&n->p));
    return n->blocks[ppa / n->p.pages_per_block].write_ptr;
}

uint32_t
nand_block_erase_count(const struct nand *n, uint64_t ppa)
{
    NVKV_CHECK(ppa < nand_total_pages(&n->p));
    return n->blocks[ppa / n->p.pages_per_block].erase_count;
}

const struct nand_stats *
nand_stats(const struct nand *n)
{
    return &n->stats;
}

const struct nand_die_stats *
nand_die_stats(const struct nand *n, uint32_t die)
{
    NVKV_CHECK(die < nand_dies(&n->p));
    return &n->dies[die].stats;
}

void
nand_reset_stats(struct nand *n)
{
    memset(&n->stats, 0, sizeof(n->stats));
    for (uint32_t d = 0; d < nand_dies(&n->p); d++)
        memset(&n->dies[d].stats, 0, sizeof(n->dies[d].stats));
}

const struct nand_params *
nand_params(const struct nand *n)
{
    return &n->p;
}

/* ---- lifecycle ---- */

int
nand_create(const struct nand_params *p, struct sim *sim, struct nand **out, char *err,
            size_t errlen)
{
    int rc = 0;
    err[0] = '\0';
    struct nand *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return -ENOMEM;
    n->p = *p;
    nand_params_resolve(&n->p);
    n->sim = sim;
    n->page_xfer_ns = nand_xfer_ns(&n->p, n->p.page_bytes);
    uint32_t dies = nand_dies(&n->p);
    uint64_t n_blocks = (uint64_t)dies * n->p.blocks_per_die;
    n->dies = calloc(dies, sizeof(*n->dies));
    n->channels = calloc(n->p.channels, sizeof(*n->channels));
    n->blocks = calloc(n_blocks, sizeof(*n->blocks));
    if (n->dies == NULL || n->channels == NULL || n->blocks == NULL) {
        snprintf(err, errlen, "nand: out of memory for %llu blocks", (unsigned long long)n_blocks);
        rc = -ENOMEM;
        goto err;
    }
    for (uint32_t d = 0; d < dies; d++) {
        sim_resource_init(&n->dies[d].res, 1);
        sim_resource_set_fifo(&n->dies[d].res, n->p.sched == NAND_SCHED_FCFS);
    }
    for (uint32_t c = 0; c < n->p.channels; c++) {
        sim_resource_init(&n->channels[c], 1);
        sim_resource_set_fifo(&n->channels[c], n->p.sched == NAND_SCHED_FCFS);
    }
    if (n->p.backend == NAND_BACKEND_FILE)
        rc = nand__store_file_open(&n->p, n->blocks, &n->store, err, errlen);
    else
        rc = nand__store_ram_open(&n->p, &n->store, err, errlen);
    if (rc != 0)
        goto err;
    if (sim != NULL)
        sim_register_exec(sim, NAND_SIM_EXEC, nand_exec_start, n);
    *out = n;
    return 0;
err:
    nand_destroy(n);
    return rc;
}

void
nand_destroy(struct nand *n)
{
    if (n == NULL)
        return;
    if (n->store != NULL)
        n->store->ops->destroy(n->store);
    free(n->dies);
    free(n->channels);
    free(n->blocks);
    free(n);
}
