/* SPDX-License-Identifier: MIT */
/*
 * The in-device KV engine interface. An engine is the firmware's key-value store: it owns an
 * index, places KV records on flash through the block allocator, and charges every structure
 * it keeps in device DRAM to the budget.
 *
 * Functional core, timed shell: every call applies its effect at once (a GET returns the value,
 * a PUT is visible to the next call) and records the work it costs (CPU, flash reads and
 * programs) into the caller's plan. Flush, compaction and GC run as background plans the engine
 * submits itself at SIM_PRIO_BG; a PUT that logically needs them to finish (both write buffers
 * full) makes the caller's plan wait on them with sim_plan_after(). The caller submits its plan
 * after the call returns.
 *
 * Adding an engine: a folder under src/kv/ defining one `const struct kv_engine_ops`, plus one
 * line in kv_engines[] (engine.c).
 */
#ifndef NVKV_KV_ENGINE_H
#define NVKV_KV_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/hist.h"
#include "../base/json.h"
#include "../dev/cpu.h"
#include "../dev/dram.h"
#include "../ftl/alloc.h"
#include "../nand/nand.h"
#include "../sim/sim.h"

#define KV_KEY_MIN   1
#define KV_KEY_MAX   255
#define KV_VALUE_MAX (2u << 20)

/* Outcome of a KV operation: what an NVMe KV status reports (never an errno). */
enum kv_status {
    KV_OK = 0,
    KV_NOT_FOUND,     /* get/del/exist: no such key; put only-if-exists: absent */
    KV_EXISTS,        /* put only-if-absent: the key exists */
    KV_NO_SPACE,      /* capacity exceeded: the device cannot take the record */
    KV_INVALID_KEY,   /* key length outside 1..255 */
    KV_INVALID_VALUE, /* value too large for the engine (see the engine's limit) */
    KV_END,           /* iterator: no more keys */
};

const char *kv_status_name(enum kv_status s);

/* Store options of a PUT (NVMe KV Store, CDW11[15:8]). */
enum {
    KV_PUT_IF_EXISTS = 1u << 0, /* only overwrite an existing key */
    KV_PUT_IF_ABSENT = 1u << 1, /* only create a new key */
};

/* What an engine is built on. The engine does not own any of these. */
struct kv_env {
    struct sim *sim;
    struct nand *nand;
    struct ftl_alloc *alloc;
    struct dev_dram *dram;
    struct dev_cpu *cpu;
    const struct kv_params *params;
    uint64_t exposed_bytes; /* capacity offered to the host */
    uint64_t seed;
};

/* AnyKey's and AnyKey+'s knobs (the [anykey] config section); defaults from the ASPLOS'25 paper. */
enum kv_anykey_hash_lists {
    KV_ANYKEY_HL_ALL = 0, /* paper: hash lists in the DRAM that remains, top levels first */
    KV_ANYKEY_HL_UPPER,   /* KVEMU: never for the last level */
};

enum kv_anykey_collision {
    KV_ANYKEY_COLL_BITS = 0, /* paper: 2 collision bits per page say when to read a neighbour */
    KV_ANYKEY_COLL_SCAN,     /* KVEMU: a miss on a page the hash list vouched for reads both
                                neighbours */
};

enum kv_anykey_tree_values {
    KV_ANYKEY_TREE_LAST = 0, /* KVEMU: a tree compaction into the last level inlines values */
    KV_ANYKEY_TREE_LOG,      /* values leave the log only through log-triggered compaction */
};

enum kv_anykey_plus_policy {
    KV_ANYKEY_PLUS_PAPER = 0, /* stop inlining at threshold x alpha; source = most invalid bytes */
    KV_ANYKEY_PLUS_CODE,      /* KVEMU "OURS+": re-log values over relog_min bytes; source = the
                                 level most referenced by the emptiest log block */
};

struct kv_anykey_params {
    uint32_t group_pages;    /* pages of a data segment group (PG_N) */
    uint32_t group_entities; /* KV entities a group holds at most */
    uint32_t levels;         /* LSM levels below the write buffer */
    double size_ratio;       /* <= 1: derived from capacity as KVEMU does */
    double vlog_pct;         /* value log share of the raw blocks, in percent */
    uint32_t inline_max;     /* largest value a group holds inline */
    int hash_lists;          /* enum kv_anykey_hash_lists */
    int collision;           /* enum kv_anykey_collision */
    int tree_values;         /* enum kv_anykey_tree_values */
    double alpha;            /* AnyKey+: stop inlining into L_n at threshold x alpha */
    int plus_policy;         /* enum kv_anykey_plus_policy */
    uint32_t relog_min;      /* AnyKey+ code policy: values over this are re-logged */
    double gc_cost_limit;    /* refuse new data while GC writes more pages than this per freed */
    int group_fill_block;    /* 1: a stream fills one die's block before the next die */
};

/* Knobs of every engine (the [kv], [pink], [hash] and [anykey] config sections). */
/* What background work makes the foreground wait for (ARCHITECTURE.md, "The time model"). */
enum kv_bg_model {
    KV_BG_DEPS = 0, /* dependency plans; a PUT waits only for the immutable buffer's flush */
    KV_BG_KVEMU,    /* KVEMU: background work only reserves die time; PUTs cost nothing */
};

/* How PinK's data GC moves the live pairs of a victim (shared/research/kvemu-pink.md). */
enum kv_pink_data_gc {
    KV_PINK_GC_REINSERT = 0, /* KVEMU: validity by LSM lookup, live pairs back into the memtable */
    KV_PINK_GC_COPY,         /* the original PinK: live records copied to GC pages */
};

struct kv_params {
    uint64_t write_buffer_bytes;  /* one memtable; engines keep an active and an immutable one */
    int bg_model;                 /* enum kv_bg_model */
    uint32_t bg_inflight;         /* compaction plans that may run behind the flushes */
    uint32_t pink_levels;         /* LSM levels below the write buffer */
    int pink_piece_bytes;         /* data pages: 1 = byte-packed (KVEMU), 512 = pieces (PinK) */
    int pink_data_gc;             /* enum kv_pink_data_gc */
    uint32_t hash_entry_bytes;    /* DRAM per index entry of the hash engine */
    uint32_t hash_bucket_entries; /* entries per flash bucket page when the table spills */
    uint32_t gc_free_blocks;      /* start GC when fewer free blocks remain */
    int gc_policy;                /* enum ftl_gc_policy */
    struct kv_anykey_params anykey;
};

void kv_params_default(struct kv_params *p);

/* Counters every engine keeps; engines may add their own through write_json. */
struct kv_stats {
    uint64_t puts, gets, dels, exists, iter_nexts;
    uint64_t get_hits;
    struct nvkv_hist flash_reads_per_get; /* pages read by each GET (metadata + data) */
    uint64_t flushes, compactions, gcs;
    uint64_t gc_pages_copied;
    uint64_t host_bytes_written;                       /* key + value bytes the host stored */
    uint64_t live_keys;                                /* unique keys present */
    uint64_t live_bytes;                               /* key + value bytes of the present keys */
    uint64_t metadata_flash_bytes[DEV_DRAM_CAT_COUNT]; /* metadata living in flash */
};

struct kv_engine;
struct kv_iter;

struct kv_engine_ops {
    const char *name;
    const char *description;
    int (*create)(const struct kv_env *env, struct kv_engine **out);
    void (*destroy)(struct kv_engine *e);
    enum kv_status (*put)(struct kv_engine *e, struct sim_plan *plan, const void *key,
                          uint32_t klen, const void *value, uint32_t vlen, uint32_t options);
    /*
     * Copies min(vlen, buf_len) bytes of the value into buf (buf may be NULL when buf_len is 0)
     * and reports the stored length in *vlen.
     */
    enum kv_status (*get)(struct kv_engine *e, struct sim_plan *plan, const void *key,
                          uint32_t klen, void *buf, uint32_t buf_len, uint32_t *vlen);
    enum kv_status (*del)(struct kv_engine *e, struct sim_plan *plan, const void *key,
                          uint32_t klen);
    enum kv_status (*exist)(struct kv_engine *e, struct sim_plan *plan, const void *key,
                            uint32_t klen);
    /* Iterators see the state at iter_seek time plus whatever is newer and still present. */
    int (*iter_create)(struct kv_engine *e, struct kv_iter **out);
    void (*iter_destroy)(struct kv_iter *it);
    /* Position at the first key >= key (klen 0: the first key). */
    enum kv_status (*iter_seek)(struct kv_iter *it, struct sim_plan *plan, const void *key,
                                uint32_t klen);
    /*
     * Return the current key and value and advance. The key and value bytes are valid until
     * the next call on the iterator. KV_END when done.
     */
    enum kv_status (*iter_next)(struct kv_iter *it, struct sim_plan *plan, const void **key,
                                uint32_t *klen, const void **value, uint32_t *vlen);
    /* Background-work hook: called when the host is idle; may submit background plans. */
    void (*background)(struct kv_engine *e);
    const struct kv_stats *(*stats)(struct kv_engine *e);
    /* Engine-specific members of result.json's `engine` object (may be NULL). */
    void (*write_json)(struct kv_engine *e, struct nvkv_json *j);
    /* Largest value this engine stores for a key of klen bytes on this device. */
    uint32_t (*max_value)(struct kv_engine *e, uint32_t klen);
};

/* Every engine instance starts with this. */
struct kv_engine {
    const struct kv_engine_ops *ops;
    struct kv_env env;
};

/* The registry: NULL-terminated. */
extern const struct kv_engine_ops *const kv_engines[];

/* Look up an engine by name; NULL when unknown. */
const struct kv_engine_ops *kv_engine_find(const char *name);

/* "pink, hash" for messages. */
const char *kv_engine_names(void);

/* Validate a key length and value length before calling an engine. */
enum kv_status kv_check_key(uint32_t klen);

/* Key order: bytewise, a shorter key first when it is a prefix of the longer. */
static inline int
kv_key_cmp(const void *a, uint32_t alen, const void *b, uint32_t blen)
{
    uint32_t n = alen < blen ? alen : blen;
    int c = n ? __builtin_memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* Free blocks below which an engine starts GC: params->gc_free_blocks, or by default
 * max(2, min(dies, blocks / 32)) so the reserve stays well inside the over-provisioning. */
uint64_t kv_gc_threshold(const struct kv_env *env);

/* Write the common stats (kv_stats + DRAM + flash metadata) as result.json members. */
void kv_write_stats_json(struct kv_engine *e, struct nvkv_json *j);

#endif
