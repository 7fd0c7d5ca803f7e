/* SPDX-License-Identifier: MIT */
/*
 * The key table and everything driven by it: parsing values with units, range checks with one
 * clear message, presets, INI loading through libinih, scaling and printing.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ctype.h>
#include <ini.h>
#include <math.h>

#include "../base/err.h"

enum key_type {
    K_U32,    /* plain integer */
    K_SIZE,   /* u64 bytes: 8192, 8KiB, 64MiB, 1GB (decimal), ... */
    K_TIME,   /* u64 ns: 100, 56.5us, 3ms, 1s */
    K_RATE,   /* u64 10^6 B/s: 800 or 800MB/s */
    K_DOUBLE, /* plain decimal */
    K_ENUM,   /* stored as int */
    K_STR,    /* char array of `max` bytes */
};

struct key_desc {
    const char *name;
    enum key_type type;
    size_t off;
    uint64_t min, max; /* integers; for K_STR max is the buffer size */
    double dmin, dmax; /* K_DOUBLE: dmin < v <= dmax */
    const char *const *enum_names;
    const int *enum_values;
    const char *doc;
};

static const char *const cell_names[] = {"slc", "mlc", "tlc", NULL};
static const int cell_values[] = {NAND_CELL_SLC, NAND_CELL_MLC, NAND_CELL_TLC};
static const char *const backend_names[] = {"ram", "file", NULL};
static const char *const hl_names[] = {"all", "upper", NULL};
static const int hl_values[] = {KV_ANYKEY_HL_ALL, KV_ANYKEY_HL_UPPER};
static const char *const coll_names[] = {"bits", "scan", NULL};
static const int coll_values[] = {KV_ANYKEY_COLL_BITS, KV_ANYKEY_COLL_SCAN};
static const char *const treev_names[] = {"last", "log", NULL};
static const int treev_values[] = {KV_ANYKEY_TREE_LAST, KV_ANYKEY_TREE_LOG};
static const char *const placement_names[] = {"spread", "block", NULL};
static const int placement_values[] = {0, 1};
static const char *const plus_names[] = {"paper", "code", NULL};
static const int plus_values[] = {KV_ANYKEY_PLUS_PAPER, KV_ANYKEY_PLUS_CODE};
static const char *const gc_policy_names[] = {"greedy", "cost-benefit", NULL};
static const char *const piece_names[] = {"1", "512", NULL};
static const int piece_values[] = {1, 512};
static const char *const pink_gc_names[] = {"reinsert", "copy", NULL};
static const int pink_gc_values[] = {KV_PINK_GC_REINSERT, KV_PINK_GC_COPY};
static const int gc_policy_values[] = {FTL_GC_GREEDY, FTL_GC_COST_BENEFIT};
static const int backend_values[] = {NAND_BACKEND_RAM, NAND_BACKEND_FILE};
static const char *const xfer_names[] = {"prp", "piggyback", "adaptive", "inline", NULL};
static const int xfer_values[] = {NVME_XFER_PRP, NVME_XFER_PIGGYBACK, NVME_XFER_ADAPTIVE,
                                  NVME_XFER_INLINE};
static const char *const fetch_names[] = {"per-slot", "batched", NULL};
static const int fetch_values[] = {NVME_FETCH_PER_SLOT, NVME_FETCH_BATCHED};
static const char *const link_names[] = {"gen2x8", "gen3x4", "gen4x4", NULL};
static const int link_values[] = {PCIE_GEN2X8, PCIE_GEN3X4, PCIE_GEN4X4};
static const char *const sched_names[] = {"fcfs", "fg_first", NULL};
static const int sched_values[] = {NAND_SCHED_FCFS, NAND_SCHED_FG_FIRST};
static const char *const bg_model_names[] = {"deps", "kvemu", NULL};
static const int bg_model_values[] = {KV_BG_DEPS, KV_BG_KVEMU};
static const char *const header_names[] = {"3dw", "4dw", NULL};
static const int header_values[] = {3, 4};

#define OFF(field) offsetof(struct cfg, field)
#define SEC_NS     1000000000ull
/*
 * Debian's libinih reads lines of at most 200 bytes (INI_MAX_LINE); a longer string value could
 * be set with --set but not read back from a printed config, so strings stop well short of it.
 */
#define CFG_MAX_STRING 180

static const struct key_desc keys[] = {
    {"device.dram", K_SIZE, OFF(device.dram_bytes), 0, 1ull << 40, 0, 0, NULL, NULL,
     "device DRAM budget for firmware structures (scaled by --scale)"},
    {"device.exposed_pct", K_DOUBLE, OFF(device.exposed_pct), 0, 0, 0.0, 100.0, NULL, NULL,
     "share of raw capacity exposed to the host, percent; the rest is over-provisioning"},
    {"device.controller_cores", K_U32, OFF(device.controller_cores), 1, 64, 0, 0, NULL, NULL,
     "controller CPU cores that run firmware work"},
    {"cpu.hash_40b_ns", K_TIME, OFF(cpu.hash_40b_ns), 0, SEC_NS, 0, 0, NULL, NULL,
     "hash a 40-byte key on a controller core (scales with key length)"},
    {"cpu.bsearch_step_ns", K_TIME, OFF(cpu.bsearch_step_ns), 0, SEC_NS, 0, 0, NULL, NULL,
     "one binary-search step (a key comparison)"},
    {"cpu.merge_entry_ns", K_TIME, OFF(cpu.merge_entry_ns), 0, SEC_NS, 0, 0, NULL, NULL,
     "merge one entry during compaction"},
    {"cpu.decode_ns", K_TIME, OFF(cpu.decode_ns), 0, SEC_NS, 0, 0, NULL, NULL,
     "decode and dispatch one NVMe command"},
    {"sim.die_sched", K_ENUM, OFF(nand.sched), 0, 0, 0, 0, sched_names, sched_values,
     "die and channel scheduling: fcfs (arrival order, KVEMU's) or fg_first (foreground reads, "
     "then writes, then background)"},
    {"sim.bg_model", K_ENUM, OFF(kv.bg_model), 0, 0, 0, 0, bg_model_names, bg_model_values,
     "background work: deps (dependency plans, bounded waits) or kvemu (only reserves die time; "
     "PUTs take no time)"},
    {"sim.bg_inflight", K_U32, OFF(kv.bg_inflight), 1, 1024, 0, 0, NULL, NULL,
     "compaction plans that may still run when a flush starts; the flush waits for the oldest "
     "beyond this (backpressure)"},
    {"kv.write_buffer", K_SIZE, OFF(kv.write_buffer_bytes), 4096, 1ull << 32, 0, 0, NULL, NULL,
     "one write buffer (memtable); engines keep an active and an immutable one"},
    {"kv.gc_free_blocks", K_U32, OFF(kv.gc_free_blocks), 0, 1u << 20, 0, 0, NULL, NULL,
     "start GC when fewer free blocks remain (0 = max(2, min(dies, blocks / 32)))"},
    {"kv.gc_policy", K_ENUM, OFF(kv.gc_policy), 0, 0, 0, 0, gc_policy_names, gc_policy_values,
     "GC victim choice: greedy (fewest valid) or cost-benefit (LFS: free space x age)"},
    {"pink.levels", K_U32, OFF(kv.pink_levels), 1, 8, 0, 0, NULL, NULL,
     "LSM levels of PinK below the write buffer"},
    {"pink.piece_bytes", K_ENUM, OFF(kv.pink_piece_bytes), 0, 0, 0, 0, piece_names, piece_values,
     "PinK data pages: 1 = pairs packed byte by byte (KVEMU), 512 = 512-byte pieces (PinK)"},
    {"pink.data_gc", K_ENUM, OFF(kv.pink_data_gc), 0, 0, 0, 0, pink_gc_names, pink_gc_values,
     "PinK data GC: reinsert (KVEMU: validity by LSM lookup, live pairs back into the "
     "memtable, no GC page writes) or copy (live records copied to GC pages)"},
    {"hash.entry_bytes", K_U32, OFF(kv.hash_entry_bytes), 1, 256, 0, 0, NULL, NULL,
     "device DRAM per index entry of the hash engine"},
    {"hash.bucket_entries", K_U32, OFF(kv.hash_bucket_entries), 0, 1u << 20, 0, 0, NULL, NULL,
     "index entries per flash bucket page once the table spills (0 = page / entry size)"},
    {"anykey.group_pages", K_U32, OFF(kv.anykey.group_pages), 1, 255, 0, 0, NULL, NULL,
     "pages of a data segment group (at most a block)"},
    {"anykey.group_entities", K_U32, OFF(kv.anykey.group_entities), 1, 1u << 20, 0, 0, NULL, NULL,
     "KV entities a data segment group holds at most"},
    {"anykey.levels", K_U32, OFF(kv.anykey.levels), 2, 8, 0, 0, NULL, NULL,
     "LSM levels of AnyKey below the write buffer"},
    {"anykey.size_ratio", K_DOUBLE, OFF(kv.anykey.size_ratio), 0, 0, -1e-9, 1e6, NULL, NULL,
     "level size ratio (<= 1: derived from the device's group count, as KVEMU does)"},
    {"anykey.vlog_pct", K_DOUBLE, OFF(kv.anykey.vlog_pct), 0, 0, 0.0, 90.0, NULL, NULL,
     "value log share of the raw blocks in percent; full log => log-triggered compaction"},
    {"anykey.inline_max", K_SIZE, OFF(kv.anykey.inline_max), 0, 1u << 21, 0, 0, NULL, NULL,
     "largest value a group holds inline; larger ones stay in the value log (0 = what fits a "
     "page)"},
    {"anykey.hash_lists", K_ENUM, OFF(kv.anykey.hash_lists), 0, 0, 0, 0, hl_names, hl_values,
     "hash lists in remaining DRAM: all levels top-down (paper) or upper levels only (KVEMU)"},
    {"anykey.collision", K_ENUM, OFF(kv.anykey.collision), 0, 0, 0, 0, coll_names, coll_values,
     "hash collisions across pages: collision bits (paper) or neighbour scan (KVEMU)"},
    {"anykey.tree_values", K_ENUM, OFF(kv.anykey.tree_values), 0, 0, 0, 0, treev_names,
     treev_values, "tree compaction into the last level inlines logged values (last) or not (log)"},
    {"anykey.alpha", K_DOUBLE, OFF(kv.anykey.alpha), 0, 0, -1e-9, 1.0, NULL, NULL,
     "AnyKey+: stop merging logged values into L_n at threshold x alpha"},
    {"anykey.plus_policy", K_ENUM, OFF(kv.anykey.plus_policy), 0, 0, 0, 0, plus_names, plus_values,
     "AnyKey+ log-triggered compaction: paper (alpha, most invalid) or code (KVEMU)"},
    {"anykey.relog_min", K_SIZE, OFF(kv.anykey.relog_min), 0, 1u << 21, 0, 0, NULL, NULL,
     "AnyKey+ code policy: logged values over this many bytes are re-logged, not inlined"},
    {"anykey.group_placement", K_ENUM, OFF(kv.anykey.group_fill_block), 0, 0, 0, 0, placement_names,
     placement_values,
     "groups go die after die (spread: parallel writes) or fill a die's block first (block)"},
    {"anykey.gc_cost_limit", K_DOUBLE, OFF(kv.anykey.gc_cost_limit), 0, 0, 0.0, 1e9, NULL, NULL,
     "refuse new data while recent GC wrote more pages than this for each page it freed"},
    {"nvme.xfer", K_ENUM, OFF(nvme.xfer), 0, 0, 0, 0, xfer_names, xfer_values,
     "value transfer: prp, piggyback (BandSlim), adaptive (BandSlim), inline (ByteExpress)"},
    {"nvme.prp_granularity", K_U32, OFF(nvme.prp_granularity), 4, 4096, 0, 0, NULL, NULL,
     "PRP DMA unit in bytes, a power of two: 4096 whole pages (Cosmos+), 4 exact"},
    {"nvme.piggyback_threshold", K_U32, OFF(nvme.piggyback_threshold), 0, 2u << 20, 0, 0, NULL,
     NULL, "adaptive: values up to this many bytes are piggybacked, larger ones use PRP"},
    {"nvme.inline_fetch", K_ENUM, OFF(nvme.inline_fetch), 0, 0, 0, 0, fetch_names, fetch_values,
     "inline: the controller reads payload slots per-slot or batched in one read"},
    {"nvme.queue_depth", K_U32, OFF(nvme.queue_depth), 2, 65536, 0, 0, NULL, NULL,
     "entries per submission and per completion queue"},
    {"nvme.queues", K_U32, OFF(nvme.queues), 1, 64, 0, 0, NULL, NULL, "I/O queue pairs"},
    {"nvme.host_submit_ns", K_TIME, OFF(nvme.host_submit_ns), 0, SEC_NS, 0, 0, NULL, NULL,
     "host driver CPU to build and submit one command"},
    {"nvme.host_complete_ns", K_TIME, OFF(nvme.host_complete_ns), 0, SEC_NS, 0, 0, NULL, NULL,
     "host interrupt and completion handling of one command"},
    {"nvme.copy_ns_per_kib", K_TIME, OFF(nvme.copy_ns_per_kib), 0, SEC_NS, 0, 0, NULL, NULL,
     "controller CPU to copy 1 KiB of payload out of command dwords or SQ slots"},
    {"nvme.interrupts", K_U32, OFF(nvme.interrupts), 0, 1, 0, 0, NULL, NULL,
     "1: an MSI-X message per completion; 0: the host polls the CQ (no messages)"},
    {"nvme.host_poll_ns", K_TIME, OFF(nvme.host_poll_ns), 0, SEC_NS, 0, 0, NULL, NULL,
     "polling host: from a CQE landing to its completion callback"},
    {"pcie.link", K_ENUM, OFF(pcie.link), 0, 0, 0, 0, link_names, link_values,
     "link preset: gen2x8 (Cosmos+), gen3x4, gen4x4"},
    {"pcie.tlp_header", K_ENUM, OFF(pcie.tlp_header), 0, 0, 0, 0, header_names, header_values,
     "header of memory requests to host memory: 3dw (20 B per TLP) or 4dw (24 B)"},
    {"pcie.ecrc", K_U32, OFF(pcie.ecrc), 0, 1, 0, 0, NULL, NULL, "1: 4 more bytes per TLP"},
    {"pcie.mps", K_U32, OFF(pcie.mps), 128, 4096, 0, 0, NULL, NULL,
     "max payload size, a power of two"},
    {"pcie.mrrs", K_U32, OFF(pcie.mrrs), 128, 4096, 0, 0, NULL, NULL,
     "max read request size, a power of two"},
    {"pcie.rcb", K_U32, OFF(pcie.rcb), 64, 128, 0, 0, NULL, NULL,
     "read completion boundary: 64 or 128"},
    {"pcie.rcb_split", K_U32, OFF(pcie.rcb_split), 0, 1, 0, 0, NULL, NULL,
     "1: every read completion carries one RCB (worst-case root complex)"},
    {"pcie.ack_every", K_U32, OFF(pcie.ack_every), 0, 1024, 0, 0, NULL, NULL,
     "TLPs acknowledged per 8-byte ACK DLLP (0: DLLPs not counted)"},
    {"pcie.latency_ns", K_TIME, OFF(pcie.latency_ns), 0, SEC_NS, 0, 0, NULL, NULL,
     "flight and processing of one transaction, one way"},
    {"nand.channels", K_U32, OFF(nand.channels), 1, 256, 0, 0, NULL, NULL, "flash channels"},
    {"nand.dies_per_channel", K_U32, OFF(nand.dies_per_channel), 1, 256, 0, 0, NULL, NULL,
     "dies (chips) sharing each channel"},
    {"nand.blocks_per_die", K_U32, OFF(nand.blocks_per_die), 1, 1u << 20, 0, 0, NULL, NULL,
     "erase blocks per die (divided by --scale)"},
    {"nand.pages_per_block", K_U32, OFF(nand.pages_per_block), 1, 65536, 0, 0, NULL, NULL,
     "pages per erase block"},
    {"nand.page_bytes", K_SIZE, OFF(nand.page_bytes), 512, 1u << 20, 0, 0, NULL, NULL,
     "page size in bytes, a multiple of 512"},
    {"nand.oob_bytes", K_SIZE, OFF(nand.oob_bytes), 16, 65536, 0, 0, NULL, NULL,
     "spare (OOB) bytes per page; KV record directories start there"},
    {"nand.cell", K_ENUM, OFF(nand.cell), 0, 0, 0, 0, cell_names, cell_values,
     "cell type; sets the page types and the default timings"},
    {"nand.read_lsb_ns", K_TIME, OFF(nand.read_ns[0]), 0, 10 * SEC_NS, 0, 0, NULL, NULL,
     "tR of LSB pages (0 = cell default)"},
    {"nand.read_csb_ns", K_TIME, OFF(nand.read_ns[1]), 0, 10 * SEC_NS, 0, 0, NULL, NULL,
     "tR of CSB pages (MLC: upper pages; 0 = cell default)"},
    {"nand.read_msb_ns", K_TIME, OFF(nand.read_ns[2]), 0, 10 * SEC_NS, 0, 0, NULL, NULL,
     "tR of MSB pages (TLC only; 0 = cell default)"},
    {"nand.program_lsb_ns", K_TIME, OFF(nand.program_ns[0]), 0, 10 * SEC_NS, 0, 0, NULL, NULL,
     "tPROG of LSB pages (0 = cell default)"},
    {"nand.program_csb_ns", K_TIME, OFF(nand.program_ns[1]), 0, 10 * SEC_NS, 0, 0, NULL, NULL,
     "tPROG of CSB pages (MLC: upper pages; 0 = cell default)"},
    {"nand.program_msb_ns", K_TIME, OFF(nand.program_ns[2]), 0, 10 * SEC_NS, 0, 0, NULL, NULL,
     "tPROG of MSB pages (TLC only; 0 = cell default)"},
    {"nand.erase_ns", K_TIME, OFF(nand.erase_ns), 0, 10 * SEC_NS, 0, 0, NULL, NULL,
     "tBERS, block erase time (0 = cell default)"},
    {"nand.cmd_ns", K_TIME, OFF(nand.cmd_ns), 0, 1000000, 0, 0, NULL, NULL,
     "command and address cycles on the channel per operation"},
    {"nand.channel_mbps", K_RATE, OFF(nand.channel_mbps), 1, 1000000, 0, 0, NULL, NULL,
     "channel bandwidth in MB/s (10^6 bytes per second)"},
    {"nand.backend", K_ENUM, OFF(nand.backend), 0, 0, 0, 0, backend_names, backend_values,
     "page store: ram, or file (a sparse image that survives restarts)"},
    {"nand.file_path", K_STR, OFF(nand.file_path), 0, CFG_MAX_STRING + 1, 0, 0, NULL, NULL,
     "image path for the file backend"},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

const char *const cfg_preset_names[] = {"anykey64g", NULL};

__attribute__((format(printf, 3, 4))) static int
cfg_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return NVKV_ECONFIG;
}

static const struct key_desc *
find_key(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* ---- value parsing ---- */

struct unit {
    const char *suffix;
    double factor;
};

static const struct unit size_units[] = {
    {"", 1},
    {"b", 1},
    {"k", 1024},
    {"kib", 1024},
    {"kb", 1e3},
    {"m", 1048576.0},
    {"mib", 1048576.0},
    {"mb", 1e6},
    {"g", 1073741824.0},
    {"gib", 1073741824.0},
    {"gb", 1e9},
    {"t", 1099511627776.0},
    {"tib", 1099511627776.0},
    {"tb", 1e12},
    {NULL, 0},
};
static const struct unit time_units[] = {
    {"", 1}, {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {NULL, 0},
};
static const struct unit plain_units[] = {
    {"", 1},
    {NULL, 0},
};
static const struct unit rate_units[] = {
    {"", 1}, {"mb/s", 1}, {"mbps", 1}, {"gb/s", 1e3}, {NULL, 0},
};

/*
 * Parse "<number><unit>" into an integer count of base units. Fractions are allowed when they
 * land on a whole count ("56.5us" = 56500 ns). Returns false when malformed.
 */
static bool
parse_with_units(const char *s, const struct unit *units, bool allow_fraction, uint64_t *out)
{
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '-' || *s == '+' || *s == '\0')
        return false;
    char *end;
    errno = 0;
    double num = strtod(s, &end);
    if (end == s || errno != 0 || !isfinite(num))
        return false;
    bool has_fraction = strpbrk(s, ".eE") != NULL && strpbrk(s, ".eE") < end;
    char suffix[16];
    size_t n = 0;
    while (*end != '\0' && !isspace((unsigned char)*end) && n + 1 < sizeof(suffix))
        suffix[n++] = (char)tolower((unsigned char)*end++);
    suffix[n] = '\0';
    while (isspace((unsigned char)*end))
        end++;
    if (*end != '\0')
        return false;
    for (const struct unit *u = units; u->suffix != NULL; u++) {
        if (strcmp(u->suffix, suffix) != 0)
            continue;
        if (has_fraction && !allow_fraction && u->factor == 1)
            return false;
        double v = num * u->factor;
        if (v > 1.8e19 || v != floor(v))
            return false;
        *out = (uint64_t)v;
        return true;
    }
    return false;
}

static const char *
allowed_text(const struct key_desc *k, char *buf, size_t len)
{
    switch (k->type) {
    case K_U32:
        snprintf(buf, len, "an integer from %llu to %llu", (unsigned long long)k->min,
                 (unsigned long long)k->max);
        break;
    case K_SIZE:
        snprintf(buf, len, "a size from %llu to %llu bytes (suffixes B, KiB, MiB, GiB, KB, MB, GB)",
                 (unsigned long long)k->min, (unsigned long long)k->max);
        break;
    case K_TIME:
        snprintf(buf, len, "a whole number of ns from %llu to %llu (suffixes ns, us, ms, s)",
                 (unsigned long long)k->min, (unsigned long long)k->max);
        break;
    case K_RATE:
        snprintf(buf, len, "an integer from %llu to %llu MB/s", (unsigned long long)k->min,
                 (unsigned long long)k->max);
        break;
    case K_DOUBLE:
        snprintf(buf, len, "a number greater than %g and at most %g", k->dmin, k->dmax);
        break;
    case K_ENUM: {
        size_t used = (size_t)snprintf(buf, len, "one of");
        for (int i = 0; k->enum_names[i] != NULL && used < len; i++)
            used +=
                (size_t)snprintf(buf + used, len - used, "%s %s", i ? "," : "", k->enum_names[i]);
        break;
    }
    case K_STR:
        snprintf(buf, len,
                 "at most %llu printable bytes without ';' or surrounding spaces (INI syntax)",
                 (unsigned long long)k->max - 1);
        break;
    }
    return buf;
}

static int
bad_value(const struct key_desc *k, const char *value, char *err, size_t errlen)
{
    char allowed[200];
    return cfg_error(err, errlen, "%s = '%s': invalid; allowed: %s", k->name, value,
                     allowed_text(k, allowed, sizeof(allowed)));
}

/*
 * True when a string survives an INI round trip: printable, no surrounding whitespace (inih trims
 * it) and no ';' (inih starts an inline comment there).
 */
static bool
printable_trimmed(const char *s)
{
    size_t n = strlen(s);
    if (n > 0 && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1])))
        return false;
    for (size_t i = 0; i < n; i++)
        if (iscntrl((unsigned char)s[i]) || s[i] == ';')
            return false;
    return true;
}

static int
set_value(struct cfg *c, const struct key_desc *k, const char *value, char *err, size_t errlen)
{
    char *field = (char *)c + k->off;
    uint64_t u = 0;
    switch (k->type) {
    case K_U32:
    case K_SIZE:
    case K_TIME:
    case K_RATE: {
        const struct unit *units = k->type == K_SIZE   ? size_units
                                   : k->type == K_TIME ? time_units
                                   : k->type == K_RATE ? rate_units
                                                       : plain_units;
        bool ok = parse_with_units(value, units, k->type == K_TIME, &u);
        if (!ok || u < k->min || u > k->max)
            return bad_value(k, value, err, errlen);
        if (k->type == K_U32 || (k->type == K_SIZE && k->max <= UINT32_MAX))
            *(uint32_t *)(void *)field = (uint32_t)u;
        else
            *(uint64_t *)(void *)field = u;
        return 0;
    }
    case K_DOUBLE: {
        char *end;
        errno = 0;
        double d = strtod(value, &end);
        while (isspace((unsigned char)*end))
            end++;
        if (end == value || *end != '\0' || errno != 0 || !isfinite(d) || d <= k->dmin ||
            d > k->dmax)
            return bad_value(k, value, err, errlen);
        *(double *)(void *)field = d;
        return 0;
    }
    case K_ENUM:
        for (int i = 0; k->enum_names[i] != NULL; i++) {
            if (strcmp(k->enum_names[i], value) == 0) {
                *(int *)(void *)field = k->enum_values[i];
                return 0;
            }
        }
        return bad_value(k, value, err, errlen);
    case K_STR:
        if (strlen(value) >= k->max || !printable_trimmed(value))
            return bad_value(k, value, err, errlen);
        memcpy(field, value, strlen(value) + 1);
        return 0;
    }
    return bad_value(k, value, err, errlen);
}

int
cfg_set(struct cfg *c, const char *key, const char *value, char *err, size_t errlen)
{
    const struct key_desc *k = find_key(key);
    if (k == NULL)
        return cfg_error(err, errlen,
                         "%s: unknown key; `nvkv config --keys` lists every key (section.key)",
                         key);
    return set_value(c, k, value, err, errlen);
}

int
cfg_set_assignment(struct cfg *c, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    if (eq == NULL || eq == assignment)
        return cfg_error(err, errlen, "--set '%s': expected section.key=value", assignment);
    char key[128];
    size_t klen = (size_t)(eq - assignment);
    if (klen >= sizeof(key))
        return cfg_error(err, errlen, "--set '%s': key too long", assignment);
    memcpy(key, assignment, klen);
    key[klen] = '\0';
    return cfg_set(c, key, eq + 1, err, errlen);
}

/* ---- presets ---- */

int
cfg_load_preset(struct cfg *c, const char *name, char *err, size_t errlen)
{
    if (strcmp(name, "anykey64g") != 0) {
        char list[200] = "";
        for (int i = 0; cfg_preset_names[i] != NULL; i++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
                     cfg_preset_names[i]);
        return cfg_error(err, errlen, "--device '%s': unknown preset; allowed: %s", name, list);
    }
    memset(c, 0, sizeof(*c));
    snprintf(c->preset, sizeof(c->preset), "%s", name);
    c->scale = 1;
    /* anykey64g: the AnyKey paper's device (section 5.4): 8 ch x 8 dies, 8 KiB pages, 64 GiB,
     * TLC, 64 MiB DRAM; geometry as KVEMU's ssd_init_params (512 blocks x 256 pages per die). */
    nand_params_default(&c->nand);
    dev_params_default(&c->device);
    dev_cpu_params_default(&c->cpu);
    kv_params_default(&c->kv);
    nvme_params_default(&c->nvme);
    pcie_params_default(&c->pcie);
    return 0;
}

/* ---- INI files ---- */

struct ini_ctx {
    struct cfg *c;
    const char *path;
    char *err;
    size_t errlen;
    int rc;
};

static int
on_ini_line(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *ctx = user;
    char key[160];
    if (ctx->rc != 0)
        return 1; /* keep the first error only */
    snprintf(key, sizeof(key), "%s.%s", section, name);
    char msg[CFG_ERR_LEN];
    int rc = cfg_set(ctx->c, key, value, msg, sizeof(msg));
    if (rc != 0) {
        ctx->rc = rc;
        snprintf(ctx->err, ctx->errlen, "%s: %s", ctx->path, msg);
        return 0;
    }
    return 1;
}

/* Turn ini_parse*'s result into our error contract. */
static int
ini_result(struct ini_ctx *ctx, int r)
{
    if (ctx->rc != 0)
        return ctx->rc;
    if (r != 0)
        return cfg_error(ctx->err, ctx->errlen,
                         "%s:%d: not an INI line (expected [section] or key = value, at most 200 "
                         "bytes)",
                         ctx->path, r);
    return 0;
}

int
cfg_load_file(struct cfg *c, const char *path, char *err, size_t errlen)
{
    struct ini_ctx ctx = {c, path, err, errlen, 0};
    int r = ini_parse(path, on_ini_line, &ctx);
    if (r == -1)
        return cfg_error(err, errlen, "--config '%s': cannot open: %s", path, strerror(errno));
    return ini_result(&ctx, r);
}

int
cfg_load_string(struct cfg *c, const char *text, const char *name, char *err, size_t errlen)
{
    struct ini_ctx ctx = {c, name, err, errlen, 0};
    return ini_result(&ctx, ini_parse_string(text, on_ini_line, &ctx));
}

/* ---- finalize ---- */

static bool
is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

int
cfg_finalize(struct cfg *c, uint32_t scale, char *err, size_t errlen)
{
    if (scale == 0 || scale > c->nand.blocks_per_die)
        return cfg_error(err, errlen,
                         "--scale %u: invalid; allowed: an integer from 1 to nand.blocks_per_die "
                         "(%u)",
                         scale, c->nand.blocks_per_die);
    uint32_t blocks = c->nand.blocks_per_die / scale;
    /* DRAM follows the capacity actually kept, so the DRAM:flash ratio stays exact */
    c->device.dram_bytes = c->device.dram_bytes * blocks / c->nand.blocks_per_die;
    c->nand.blocks_per_die = blocks;
    c->scale = scale;
    if (c->nand.page_bytes % 512 != 0)
        return cfg_error(err, errlen, "nand.page_bytes = %u: invalid; allowed: a multiple of 512",
                         c->nand.page_bytes);
    uint32_t types = (uint32_t)c->nand.cell;
    for (uint32_t t = types; t < NAND_MAX_PAGE_TYPES; t++) {
        if (c->nand.read_ns[t] != 0 || c->nand.program_ns[t] != 0)
            return cfg_error(err, errlen,
                             "nand.%s_ns: set for a page type that a %s cell does not have; "
                             "allowed: 0",
                             t == 1 ? (c->nand.read_ns[t] ? "read_csb" : "program_csb")
                                    : (c->nand.read_ns[t] ? "read_msb" : "program_msb"),
                             cell_names[types - 1]);
    }
    if (nand_total_pages(&c->nand) > (1ull << 36))
        return cfg_error(err, errlen,
                         "nand geometry: %llu pages in all; allowed: at most 2^36 pages",
                         (unsigned long long)nand_total_pages(&c->nand));
    if (c->nand.backend == NAND_BACKEND_FILE && c->nand.file_path[0] == '\0')
        return cfg_error(err, errlen,
                         "nand.file_path = '': invalid; allowed: a path (needed "
                         "by nand.backend = file)");
    if (!is_pow2(c->nvme.prp_granularity))
        return cfg_error(err, errlen,
                         "nvme.prp_granularity = %u: invalid; allowed: a power of two from 4 to "
                         "4096",
                         c->nvme.prp_granularity);
    if (!is_pow2(c->pcie.mps) || !is_pow2(c->pcie.mrrs) || !is_pow2(c->pcie.rcb))
        return cfg_error(err, errlen,
                         "pcie.mps = %u, pcie.mrrs = %u, pcie.rcb = %u: invalid; allowed: powers "
                         "of two",
                         c->pcie.mps, c->pcie.mrrs, c->pcie.rcb);
    nand_params_resolve(&c->nand);
    return 0;
}

/* ---- printing ---- */

static void
format_value(const struct cfg *c, const struct key_desc *k, char *buf, size_t len)
{
    const char *field = (const char *)c + k->off;
    switch (k->type) {
    case K_U32:
        snprintf(buf, len, "%u", *(const uint32_t *)(const void *)field);
        break;
    case K_SIZE:
        if (k->max <= UINT32_MAX)
            snprintf(buf, len, "%u", *(const uint32_t *)(const void *)field);
        else
            snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)(const void *)field);
        break;
    case K_TIME:
    case K_RATE:
        snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)(const void *)field);
        break;
    case K_DOUBLE:
        snprintf(buf, len, "%.12g", *(const double *)(const void *)field);
        break;
    case K_ENUM: {
        int v = *(const int *)(const void *)field;
        snprintf(buf, len, "?");
        for (int i = 0; k->enum_names[i] != NULL; i++)
            if (k->enum_values[i] == v)
                snprintf(buf, len, "%s", k->enum_names[i]);
        break;
    }
    case K_STR:
        snprintf(buf, len, "%s", field);
        break;
    }
}

void
cfg_print_ini(const struct cfg *c, FILE *out)
{
    fprintf(out, "# nvkv effective configuration: preset %s", c->preset);
    if (c->scale != 1)
        fprintf(out, ", --scale %u already applied (capacity and DRAM below are scaled)", c->scale);
    fputc('\n', out);
    cfg_print_derived(c, out, "# ");
    const char *section = "";
    for (size_t i = 0; i < N_KEYS; i++) {
        const struct key_desc *k = &keys[i];
        const char *dot = strchr(k->name, '.');
        size_t slen = (size_t)(dot - k->name);
        if (strncmp(section, k->name, slen) != 0 || section[slen] != '.') {
            fprintf(out, "\n[%.*s]\n", (int)slen, k->name);
            section = k->name;
        }
        char v[300];
        format_value(c, k, v, sizeof(v));
        fprintf(out, "# %s\n%s = %s\n", k->doc, dot + 1, v);
    }
}

void
cfg_print_derived(const struct cfg *c, FILE *out, const char *pfx)
{
    const struct nand_params *n = &c->nand;
    uint64_t raw = nand_raw_bytes(n);
    uint64_t exposed = dev_exposed_bytes(&c->device, n);
    fprintf(out, "%sraw capacity:     %llu bytes (%.3f GiB)\n", pfx, (unsigned long long)raw,
            (double)raw / (1 << 30));
    fprintf(out, "%sexposed capacity: %llu bytes (%.3f GiB, %.1f%%)\n", pfx,
            (unsigned long long)exposed, (double)exposed / (1 << 30), c->device.exposed_pct);
    fprintf(out, "%sDRAM budget:      %llu bytes (%.3f MiB, %.3f%% of raw)\n", pfx,
            (unsigned long long)c->device.dram_bytes, (double)c->device.dram_bytes / (1 << 20),
            raw ? 100.0 * (double)c->device.dram_bytes / (double)raw : 0.0);
    fprintf(out, "%sdies:             %u (%u channels x %u)\n", pfx, nand_dies(n), n->channels,
            n->dies_per_channel);
    fprintf(out, "%sblocks:           %llu (%u per die)\n", pfx,
            (unsigned long long)nand_dies(n) * n->blocks_per_die, n->blocks_per_die);
    fprintf(out, "%spages:            %llu (%u per block, %u + %u OOB bytes each)\n", pfx,
            (unsigned long long)nand_total_pages(n), n->pages_per_block, n->page_bytes,
            n->oob_bytes);
    fprintf(out, "%spage transfer:    %llu ns on a channel\n", pfx,
            (unsigned long long)nand_xfer_ns(n, n->page_bytes));
}

void
cfg_write_json(const struct cfg *c, struct nvkv_json *j, const char *key)
{
    nvkv_json_object(j, key);
    nvkv_json_string(j, "preset", c->preset);
    nvkv_json_u64(j, "scale", c->scale);
    const char *section = "";
    bool open = false;
    for (size_t i = 0; i < N_KEYS; i++) {
        const struct key_desc *k = &keys[i];
        const char *dot = strchr(k->name, '.');
        size_t slen = (size_t)(dot - k->name);
        if (strncmp(section, k->name, slen) != 0 || section[slen] != '.') {
            if (open)
                nvkv_json_close(j);
            char sec[32];
            snprintf(sec, sizeof(sec), "%.*s", (int)slen, k->name);
            nvkv_json_object(j, sec);
            open = true;
            section = k->name;
        }
        char v[300];
        format_value(c, k, v, sizeof(v));
        if (k->type == K_ENUM || k->type == K_STR)
            nvkv_json_string(j, dot + 1, v);
        else if (k->type == K_DOUBLE)
            nvkv_json_double(j, dot + 1, strtod(v, NULL));
        else
            nvkv_json_u64(j, dot + 1, strtoull(v, NULL, 10));
    }
    if (open)
        nvkv_json_close(j);
    nvkv_json_object(j, "derived");
    nvkv_json_u64(j, "raw_bytes", nand_raw_bytes(&c->nand));
    nvkv_json_u64(j, "exposed_bytes", dev_exposed_bytes(&c->device, &c->nand));
    nvkv_json_u64(j, "dies", nand_dies(&c->nand));
    nvkv_json_u64(j, "blocks", (uint64_t)nand_dies(&c->nand) * c->nand.blocks_per_die);
    nvkv_json_u64(j, "pages", nand_total_pages(&c->nand));
    nvkv_json_close(j);
    nvkv_json_close(j);
}

void
cfg_print_keys(FILE *out)
{
    struct cfg c;
    char err[CFG_ERR_LEN];
    (void)cfg_load_preset(&c, "anykey64g", err, sizeof(err));
    nand_params_resolve(&c.nand);
    for (size_t i = 0; i < N_KEYS; i++) {
        char v[300], allowed[200];
        format_value(&c, &keys[i], v, sizeof(v));
        fprintf(out, "  %-26s %-12s %s\n  %-26s %-12s allowed: %s\n", keys[i].name, v, keys[i].doc,
                "", "", allowed_text(&keys[i], allowed, sizeof(allowed)));
    }
}
