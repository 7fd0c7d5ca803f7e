/* SPDX-License-Identifier: MIT */
#include "engine.h"

#include <stdio.h>
#include <string.h>

extern const struct kv_engine_ops kv_pink_ops;
extern const struct kv_engine_ops kv_hash_ops;
extern const struct kv_engine_ops kv_anykey_ops;
extern const struct kv_engine_ops kv_anykey_plus_ops;

/* One line per engine. */
const struct kv_engine_ops *const kv_engines[] = {
    &kv_pink_ops, &kv_hash_ops, &kv_anykey_ops, &kv_anykey_plus_ops, NULL,
};

const struct kv_engine_ops *
kv_engine_find(const char *name)
{
    for (int i = 0; kv_engines[i] != NULL; i++)
        if (strcmp(kv_engines[i]->name, name) == 0)
            return kv_engines[i];
    return NULL;
}

const char *
kv_engine_names(void)
{
    static char buf[256];
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; kv_engines[i] != NULL && used < sizeof(buf); i++)
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? ", " : "",
                                 kv_engines[i]->name);
    return buf;
}

const char *
kv_status_name(enum kv_status s)
{
    switch (s) {
    case KV_OK:
        return "ok";
    case KV_NOT_FOUND:
        return "not_found";
    case KV_EXISTS:
        return "exists";
    case KV_NO_SPACE:
        return "no_space";
    case KV_INVALID_KEY:
        return "invalid_key";
    case KV_INVALID_VALUE:
        return "invalid_value";
    case KV_END:
        return "end";
    }
    return "?";
}

enum kv_status
kv_check_key(uint32_t klen)
{
    return klen >= KV_KEY_MIN && klen <= KV_KEY_MAX ? KV_OK : KV_INVALID_KEY;
}

void
kv_params_default(struct kv_params *p)
{
    /* KVEMU's WRITE_BUFFER_SIZE (1 MiB) */
    p->write_buffer_bytes = 1u << 20;
    p->bg_model = KV_BG_DEPS;
    /* level 0 may take one buffer beyond the one its compaction is making room for, as a stop
     * trigger one flush above the compaction trigger */
    p->bg_inflight = 2;
    /* KVEMU runs PinK and AnyKey with 4 levels (LSM_LEVELN, "fixed value") */
    p->pink_levels = 4;
    p->pink_piece_bytes = 1; /* KVEMU's port, the AnyKey paper's baseline */
    p->pink_data_gc = KV_PINK_GC_REINSERT;
    /* hash engine: 4-byte key signature + 4-byte location per entry, as early KV-SSDs */
    p->hash_entry_bytes = 8;
    p->hash_bucket_entries = 0; /* 0: derived from the page size */
    p->gc_free_blocks = 0;      /* 0: derived, see kv_gc_threshold() */
    p->gc_policy = FTL_GC_GREEDY;
    /* AnyKey (ASPLOS'25) and KVEMU's lksv3 constants */
    p->anykey.group_pages = 32;      /* PG_N */
    p->anykey.group_entities = 8192; /* the group writer's cap */
    p->anykey.levels = 4;            /* LSM_LEVELN */
    p->anykey.size_ratio = 0;
    p->anykey.vlog_pct = 5;      /* "half of the 10% over-provisioned space" */
    p->anykey.inline_max = 4096; /* KVEMU MAXVALUESIZE: every paper workload inlines */
    p->anykey.hash_lists = KV_ANYKEY_HL_ALL;
    p->anykey.collision = KV_ANYKEY_COLL_BITS;
    p->anykey.tree_values = KV_ANYKEY_TREE_LAST;
    p->anykey.alpha = 0.9;
    p->anykey.plus_policy = KV_ANYKEY_PLUS_PAPER;
    p->anykey.relog_min = 512;
    p->anykey.gc_cost_limit = 4;
    p->anykey.group_fill_block = 0;
}

uint64_t
kv_gc_threshold(const struct kv_env *env)
{
    if (env->params->gc_free_blocks != 0)
        return env->params->gc_free_blocks;
    const struct nand_params *p = nand_params(env->nand);
    uint64_t blocks = (uint64_t)nand_dies(p) * p->blocks_per_die;
    uint64_t t = blocks / 32 < nand_dies(p) ? blocks / 32 : nand_dies(p);
    return t < 2 ? 2 : t;
}

void
kv_write_stats_json(struct kv_engine *e, struct nvkv_json *j)
{
    const struct kv_stats *s = e->ops->stats(e);
    const struct dev_dram *d = e->env.dram;
    nvkv_json_object(j, "engine");
    nvkv_json_string(j, "name", e->ops->name);
    nvkv_json_u64(j, "puts", s->puts);
    nvkv_json_u64(j, "gets", s->gets);
    nvkv_json_u64(j, "get_hits", s->get_hits);
    nvkv_json_u64(j, "dels", s->dels);
    nvkv_json_u64(j, "flushes", s->flushes);
    nvkv_json_u64(j, "compactions", s->compactions);
    nvkv_json_u64(j, "gcs", s->gcs);
    nvkv_json_u64(j, "gc_pages_copied", s->gc_pages_copied);
    nvkv_json_u64(j, "live_keys", s->live_keys);
    nvkv_json_u64(j, "live_bytes", s->live_bytes);
    if (e->ops->write_json != NULL)
        e->ops->write_json(e, j);
    nvkv_json_close(j);

    nvkv_json_object(j, "metadata_bytes");
    for (int c = 0; c < DEV_DRAM_CAT_COUNT; c++) {
        nvkv_json_object(j, dev_dram_cat_name((enum dev_dram_cat)c));
        nvkv_json_u64(j, "dram", d->used[c]);
        nvkv_json_u64(j, "flash", s->metadata_flash_bytes[c]);
        nvkv_json_close(j);
    }
    nvkv_json_close(j);
    /* the AnyKey paper's Table 1: the engine's metadata wherever it lives (not the write buffer
     * or a cache) */
    uint64_t total = 0;
    for (int c = DEV_DRAM_LEVEL_LISTS; c <= DEV_DRAM_MAPPING; c++)
        total += d->used[c] + s->metadata_flash_bytes[c];
    nvkv_json_u64(j, "metadata_total_bytes", total);

    nvkv_json_object(j, "dram");
    nvkv_json_u64(j, "budget_bytes", d->budget);
    nvkv_json_object(j, "used_bytes");
    for (int c = 0; c < DEV_DRAM_CAT_COUNT; c++)
        nvkv_json_u64(j, dev_dram_cat_name((enum dev_dram_cat)c), d->used[c]);
    nvkv_json_close(j);
    nvkv_json_u64(j, "peak_bytes", d->total_peak);
    nvkv_json_close(j);
}
