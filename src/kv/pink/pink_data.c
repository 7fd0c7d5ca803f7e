/* SPDX-License-Identifier: MIT */
/*
 * PinK's data pages in either layout (pink.piece_bytes): pairs packed byte by byte, as KVEMU's
 * port writes them (kv/packlog.h), or the original's 512-byte pieces (kv/datalog.h). The rest
 * of PinK sees a record's place (struct kv_loc; pieces > 0 while it holds a record) and the
 * flash bytes it holds (capacity accounting).
 */
#include "../../base/check.h"
#include "../../base/err.h"
#include "pink_internal.h"

int
pink__data_open(struct pink *pk, const struct kv_env *env)
{
    pk->packed = env->params->pink_piece_bytes == 1;
    if (pk->packed) {
        NVKV_RET(kv_packlog_create(env, pk->data_stream, NAND_ORIGIN_FLUSH, &pk->data_pl));
        return kv_packlog_create(env, pk->gc_stream, NAND_ORIGIN_GC, &pk->gc_pl);
    }
    NVKV_RET(kv_datalog_create(env, pk->data_stream, NAND_ORIGIN_FLUSH, &pk->data_log));
    return kv_datalog_create(env, pk->gc_stream, NAND_ORIGIN_GC, &pk->gc_log);
}

void
pink__data_close(struct pink *pk)
{
    kv_datalog_destroy(pk->data_log);
    kv_datalog_destroy(pk->gc_log);
    kv_packlog_destroy(pk->data_pl);
    kv_packlog_destroy(pk->gc_pl);
}

uint64_t
pink__record_bytes(const struct pink *pk, uint32_t klen, uint32_t vlen)
{
    if (pk->packed)
        return kv_pack_pair_bytes(klen, vlen);
    return (uint64_t)kv_record_pieces(klen, vlen) * FTL_PIECE_BYTES;
}

uint32_t
pink__data_max_value(const struct pink *pk, uint32_t klen)
{
    return pk->packed ? kv_packlog_max_value(pk->data_pl, klen)
                      : kv_datalog_max_value(pk->data_log, klen);
}

int
pink__data_append(struct pink *pk, struct sim_plan *bg, bool gc, const void *key, uint32_t klen,
                  const void *value, uint32_t vlen, struct kv_loc *loc)
{
    if (pk->packed)
        return kv_packlog_append(gc ? pk->gc_pl : pk->data_pl, bg, SIM_PRIO_BG, key, klen, value,
                                 vlen, loc);
    return kv_datalog_append(gc ? pk->gc_log : pk->data_log, bg, SIM_PRIO_BG,
                             gc ? NAND_ORIGIN_GC : NAND_ORIGIN_FLUSH, key, klen, value, vlen, 0,
                             loc);
}

void
pink__data_flush_gc(struct pink *pk, struct sim_plan *bg)
{
    if (pk->packed)
        kv_packlog_flush(pk->gc_pl, bg, SIM_PRIO_BG);
    else
        kv_datalog_flush(pk->gc_log, bg, SIM_PRIO_BG);
}

int
pink__data_read(struct pink *pk, struct sim_plan *plan, enum sim_prio prio,
                const struct kv_loc *loc, struct kv_record *rec)
{
    if (pk->packed) {
        struct kv_packlog *pl =
            kv_packlog_is_open_page(pk->gc_pl, loc->ppa) ? pk->gc_pl : pk->data_pl;
        return kv_packlog_read(pl, plan, prio, NAND_ORIGIN_HOST, loc, rec);
    }
    struct kv_datalog *dl =
        kv_datalog_is_open_page(pk->gc_log, loc->ppa) ? pk->gc_log : pk->data_log;
    return kv_datalog_read(dl, plan, prio, NAND_ORIGIN_HOST, loc, rec);
}

void
pink__data_invalidate(struct pink *pk, const struct pink_entry *e)
{
    if (e->loc.pieces == 0)
        return;
    if (pk->packed) {
        /* the two writers count their own pages; a page belongs to the stream that wrote it */
        struct kv_packlog *pl =
            kv_packlog_page_live(pk->data_pl, e->loc.ppa) > 0 ? pk->data_pl : pk->gc_pl;
        kv_packlog_invalidate(pl, &e->loc, kv_pack_pair_bytes(e->klen, e->vlen));
        return;
    }
    ftl_invalidate(pk->base.env.alloc, e->loc.ppa, e->loc.piece, e->loc.pieces);
}
