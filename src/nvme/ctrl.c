/* SPDX-License-Identifier: MIT */
#include "ctrl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"
#include "../base/le.h"

#define NVME_SC_INVALID_NS 0x0b /* Invalid Namespace or Format */

/* A command between fetch and completion. */
struct ctrl_cmd {
    struct nvme_ctrl *c;
    struct ctrl_q *q;
    struct nvme_cqe cqe;
    struct ctrl_cmd *next;     /* free list or deferred-CQE list */
    struct ctrl_cmd *next_all; /* every allocated command, for destroy */
};

/* BandSlim's open value: the device appends transfers to it (no value id on the wire). */
struct open_value {
    bool open;
    uint8_t key[KV_KEY_MAX];
    uint32_t klen, options, size, got;
    uint64_t slots; /* 4 KiB slots of its page-DMA'd head (adaptive > 4 KiB) */
    uint8_t *buf;   /* KV_VALUE_MAX bytes, allocated on first use */
};

struct ctrl_q {
    bool live;
    uint16_t qid;
    uint8_t *sq, *cq;
    uint32_t depth;
    uint32_t sq_head, sq_tail;
    uint32_t cq_head, cq_tail;
    int cq_phase;
    nvme_irq_fn *irq;
    void *irq_arg;
    struct ctrl_cmd *defer_head, *defer_tail; /* completions waiting for CQ space */
    struct open_value ov;
};

struct nvme_ctrl {
    struct nvme_ctrl_env env;
    struct nvme_params np;
    struct pcie_link link;
    struct ctrl_q q[NVME_MAX_QUEUES + 1];
    uint8_t *stage; /* value staging buffer, KV_VALUE_MAX bytes */
    struct ctrl_cmd *free_cmds, *all_cmds;
    struct nvme_ctrl_stats st;
    struct nvme_pack pack;
};

/* ---- packing model ---- */

void
nvme_pack_add(struct nvme_pack *p, uint64_t slots, uint64_t bytes)
{
    uint64_t page_slots = p->page_bytes / NVME_PAGE;
    if (page_slots == 0)
        page_slots = 1;
    for (;;) {
        uint64_t s = p->slots_used + slots;
        uint64_t b = p->bytes_packed + bytes;
        /* packed bytes backfill any slot the DMA'd values left free */
        uint64_t need_slots = s + (b + NVME_PAGE - 1) / NVME_PAGE;
        if (need_slots <= page_slots && s * NVME_PAGE + b <= p->page_bytes) {
            p->slots_used = s;
            p->bytes_packed = b;
            return;
        }
        if (p->slots_used == 0 && p->bytes_packed == 0) {
            /* larger than a page: whole pages go at once, the rest starts the next buffer */
            uint64_t full = (slots * NVME_PAGE + bytes) / p->page_bytes;
            p->page_writes += full;
            uint64_t rest = slots * NVME_PAGE + bytes - full * p->page_bytes;
            slots = bytes ? 0 : (rest + NVME_PAGE - 1) / NVME_PAGE;
            bytes = bytes ? rest : 0;
            if (slots == 0 && bytes == 0)
                return;
            continue;
        }
        p->page_writes++;
        p->slots_used = 0;
        p->bytes_packed = 0;
    }
}

uint64_t
nvme_pack_page_writes(const struct nvme_pack *p)
{
    return p->page_writes + (p->slots_used != 0 || p->bytes_packed != 0 ? 1 : 0);
}

/* ---- commands and completions ---- */

static struct ctrl_cmd *
cmd_get(struct nvme_ctrl *c)
{
    struct ctrl_cmd *cmd = c->free_cmds;
    if (cmd != NULL) {
        c->free_cmds = cmd->next;
    } else {
        cmd = calloc(1, sizeof(*cmd));
        NVKV_CHECK_MSG(cmd != NULL, "nvme: out of memory for a command");
        cmd->next_all = c->all_cmds;
        c->all_cmds = cmd;
    }
    cmd->c = c;
    cmd->next = NULL;
    return cmd;
}

static void
cmd_put(struct nvme_ctrl *c, struct ctrl_cmd *cmd)
{
    cmd->next = c->free_cmds;
    c->free_cmds = cmd;
}

static bool
cq_full(const struct ctrl_q *q)
{
    return (q->cq_tail + 1) % q->depth == q->cq_head;
}

/* Write the CQE into the host's ring with the current phase. */
static void
post_cqe(struct ctrl_q *q, struct ctrl_cmd *cmd)
{
    uint16_t status = cmd->cqe.status;
    cmd->cqe.sqhd = (uint16_t)q->sq_head;
    cmd->cqe.sqid = q->qid;
    cmd->cqe.status = nvme_cqe_status_field(status, q->cq_phase);
    nvme_cqe_write(&cmd->cqe, q->cq + (size_t)q->cq_tail * NVME_CQE_BYTES);
    if (++q->cq_tail == q->depth) {
        q->cq_tail = 0;
        q->cq_phase ^= 1;
    }
}

static void
cmd_done(struct sim *sim, struct sim_plan *plan, void *arg)
{
    (void)sim;
    (void)plan;
    struct ctrl_cmd *cmd = arg;
    struct nvme_ctrl *c = cmd->c;
    struct ctrl_q *q = cmd->q;
    if (cq_full(q) || q->defer_head != NULL) {
        /* never overwrite an entry the host has not consumed: wait for its CQ doorbell */
        c->st.cqe_deferred++;
        if (q->defer_tail != NULL)
            q->defer_tail->next = cmd;
        else
            q->defer_head = cmd;
        q->defer_tail = cmd;
        return;
    }
    post_cqe(q, cmd);
    cmd_put(c, cmd);
    q->irq(q->irq_arg, q->qid);
}

/* ---- DMA through PRPs ---- */

static uint64_t
round_up(uint64_t v, uint64_t unit)
{
    return (v + unit - 1) / unit * unit;
}

/*
 * Move len bytes between buf and the host buffer the command's PRPs describe, and record the
 * link transfer: whole pages when the DMA unit is a page (the Cosmos+ baseline), else len
 * rounded to the unit. Returns a status (bad PRP entries: Invalid Field).
 */
static uint16_t
prp_dma(struct nvme_ctrl *c, struct sim_plan *plan, enum sim_prio prio, const struct nvme_kv_cmd *k,
        uint32_t described, uint8_t *buf, uint32_t len, bool to_host)
{
    if (len == 0)
        return NVME_SC_SUCCESS;
    if (k->prp1 == 0 || len > described)
        return NVME_SC_INVALID_FIELD;
    uint64_t off = k->prp1 % NVME_PAGE;
    /* whether PRP2 is a page or a list follows from the buffer size the command gives */
    uint64_t listed = (off + described + NVME_PAGE - 1) / NVME_PAGE;
    uint64_t pages = (off + len + NVME_PAGE - 1) / NVME_PAGE;
    if (listed > 1 + NVME_PRP_LIST_MAX)
        return NVME_SC_INVALID_FIELD;
    uint64_t entry[1 + NVME_PRP_LIST_MAX];
    entry[0] = k->prp1 - off;
    if (listed == 2) {
        entry[1] = k->prp2;
    } else if (listed > 2 && pages > 1) {
        if (k->prp2 == 0 || k->prp2 % 8 != 0)
            return NVME_SC_INVALID_FIELD;
        const uint8_t *list = (const uint8_t *)(uintptr_t)k->prp2;
        pcie_plan_read(&c->link, plan, prio, PCIE_KIND_PRP, k->prp2, (pages - 1) * 8);
        for (uint64_t i = 1; i < pages; i++)
            entry[i] = (uint64_t)nvkv_get_le32(list + 8 * (i - 1)) |
                       (uint64_t)nvkv_get_le32(list + 8 * (i - 1) + 4) << 32;
    }
    for (uint64_t i = 1; i < pages; i++)
        if (entry[i] == 0 || entry[i] % NVME_PAGE != 0)
            return NVME_SC_INVALID_FIELD;
    uint64_t unit = c->np.prp_granularity;
    uint64_t addr = unit >= NVME_PAGE ? entry[0] : k->prp1;
    uint64_t wire = unit >= NVME_PAGE ? pages * NVME_PAGE : round_up(len, unit);
    if (to_host) {
        pcie_plan_write(&c->link, plan, prio, PCIE_D2H, PCIE_KIND_DATA, addr, wire);
        c->st.dma_bytes_d2h += wire;
    } else {
        pcie_plan_read(&c->link, plan, prio, PCIE_KIND_DATA, addr, wire);
        c->st.dma_bytes_h2d += wire;
    }
    /* only the value's own bytes are copied: the rest of a page is the host's business */
    uint64_t done = 0;
    for (uint64_t i = 0; i < pages && done < len; i++) {
        uint64_t start = i == 0 ? off : 0;
        uint64_t n = NVME_PAGE - start;
        if (n > len - done)
            n = len - done;
        uint8_t *host = (uint8_t *)(uintptr_t)(entry[i] + start);
        if (to_host)
            memcpy(host, buf + done, n);
        else
            memcpy(buf + done, host, n);
        done += n;
    }
    return NVME_SC_SUCCESS;
}

/* ---- dispatch ---- */

static uint16_t
kv_status_to_nvme(enum kv_status s)
{
    switch (s) {
    case KV_OK:
        return NVME_SC_SUCCESS;
    case KV_NOT_FOUND:
        return NVME_SC_KEY_NOT_EXISTS;
    case KV_EXISTS:
        return NVME_SC_KEY_EXISTS;
    case KV_NO_SPACE:
        return NVME_SC_CAPACITY_EXCEEDED;
    case KV_INVALID_KEY:
        return NVME_SC_INVALID_KEY_SIZE;
    case KV_INVALID_VALUE:
        return NVME_SC_INVALID_VALUE_SIZE;
    default:
        return NVME_SC_INTERNAL;
    }
}

/* The key bytes: inline, or read from the key buffer by DMA (counted as `key`). */
static const uint8_t *
fetch_key(struct nvme_ctrl *c, struct sim_plan *plan, enum sim_prio prio,
          const struct nvme_kv_cmd *k)
{
    if (k->klen <= NVME_KV_INLINE_KEY_MAX)
        return k->key;
    if (k->key_addr == 0)
        return NULL;
    pcie_plan_read(&c->link, plan, prio, PCIE_KIND_KEY, k->key_addr, k->klen);
    return (const uint8_t *)(uintptr_t)k->key_addr;
}

static void
charge_copy(struct nvme_ctrl *c, struct sim_plan *plan, enum sim_prio prio, uint64_t bytes)
{
    dev_cpu_charge(c->env.cpu, plan, prio, bytes * c->np.copy_ns_per_kib / 1024);
}

static uint16_t
engine_put(struct nvme_ctrl *c, struct sim_plan *plan, const uint8_t *key, uint32_t klen,
           const uint8_t *value, uint32_t vlen, uint32_t options, uint64_t slots, uint64_t packed)
{
    struct kv_engine *e = c->env.engine;
    sim_plan_barrier(plan);
    enum kv_status s = e->ops->put(e, plan, key, klen, value, vlen, options);
    if (s == KV_OK)
        nvme_pack_add(&c->pack, slots, packed);
    return kv_status_to_nvme(s);
}

static bool
value_too_large(struct nvme_ctrl *c, uint32_t klen, uint32_t vlen)
{
    struct kv_engine *e = c->env.engine;
    return vlen > KV_VALUE_MAX || vlen > e->ops->max_value(e, klen);
}

/* Open a value for BandSlim transfers, or store it when it is already complete. */
static uint16_t
open_or_store(struct nvme_ctrl *c, struct ctrl_q *q, struct sim_plan *plan, const uint8_t *key,
              const struct nvme_kv_cmd *k, const uint8_t *head, uint32_t head_len, uint64_t slots)
{
    /* every write command starts a new value: one the host abandoned is dropped unstored */
    q->ov.open = false;
    uint64_t aligned = slots * NVME_PAGE;
    uint64_t packed = head_len > aligned ? head_len - aligned : 0;
    if (head_len >= k->value_size)
        return engine_put(c, plan, key, k->klen, head, k->value_size, k->options, slots, packed);
    struct open_value *ov = &q->ov;
    if (ov->buf == NULL) {
        ov->buf = malloc(KV_VALUE_MAX);
        if (ov->buf == NULL)
            return NVME_SC_INTERNAL;
    }
    ov->open = true;
    memcpy(ov->key, key, k->klen);
    ov->klen = k->klen;
    ov->options = k->options;
    ov->size = k->value_size;
    ov->got = head_len;
    ov->slots = slots;
    if (head != ov->buf)
        memcpy(ov->buf, head, head_len);
    return NVME_SC_SUCCESS;
}

static uint16_t
do_store(struct nvme_ctrl *c, struct ctrl_q *q, struct sim_plan *plan, enum sim_prio prio,
         const struct nvme_kv_cmd *k)
{
    if (value_too_large(c, k->klen, k->value_size))
        return NVME_SC_INVALID_VALUE_SIZE;
    const uint8_t *key = fetch_key(c, plan, prio, k);
    if (key == NULL)
        return NVME_SC_INVALID_FIELD;
    uint32_t dma = k->dma_len != 0 ? k->dma_len : k->value_size;
    bool partial = dma < k->value_size;
    uint8_t *dst = partial ? NULL : c->stage;
    if (partial) {
        if (q->ov.buf == NULL && (q->ov.buf = malloc(KV_VALUE_MAX)) == NULL)
            return NVME_SC_INTERNAL;
        dst = q->ov.buf;
    }
    uint16_t st = prp_dma(c, plan, prio, k, dma, dst, dma, false);
    if (st != NVME_SC_SUCCESS)
        return st;
    bool pages = c->np.prp_granularity >= NVME_PAGE;
    uint64_t slots = pages ? (dma + NVME_PAGE - 1) / NVME_PAGE : 0;
    if (partial)
        slots = pages ? dma / NVME_PAGE : 0;
    return open_or_store(c, q, plan, key, k, dst, dma, slots);
}

static uint16_t
do_bandslim_write(struct nvme_ctrl *c, struct ctrl_q *q, struct sim_plan *plan, enum sim_prio prio,
                  const struct nvme_kv_cmd *k)
{
    if (value_too_large(c, k->klen, k->value_size))
        return NVME_SC_INVALID_VALUE_SIZE;
    const uint8_t *key = fetch_key(c, plan, prio, k);
    if (key == NULL)
        return NVME_SC_INVALID_FIELD;
    uint32_t n =
        k->value_size < NVME_BANDSLIM_WRITE_PAYLOAD ? k->value_size : NVME_BANDSLIM_WRITE_PAYLOAD;
    charge_copy(c, plan, prio, n);
    return open_or_store(c, q, plan, key, k, k->payload, n, 0);
}

static uint16_t
do_transfer(struct nvme_ctrl *c, struct ctrl_q *q, struct sim_plan *plan, enum sim_prio prio,
            const struct nvme_kv_cmd *k)
{
    struct open_value *ov = &q->ov;
    if (!ov->open)
        return NVME_SC_SEQUENCE_ERROR;
    uint32_t n = ov->size - ov->got;
    if (n > NVME_BANDSLIM_XFER_PAYLOAD)
        n = NVME_BANDSLIM_XFER_PAYLOAD;
    charge_copy(c, plan, prio, n);
    memcpy(ov->buf + ov->got, k->payload, n);
    ov->got += n;
    if (ov->got < ov->size)
        return NVME_SC_SUCCESS;
    ov->open = false;
    return engine_put(c, plan, ov->key, ov->klen, ov->buf, ov->size, ov->options, ov->slots,
                      ov->size - ov->slots * NVME_PAGE);
}

/* Read `n` SQ slots from `first` (wrapping) as one batched read per contiguous run. */
static void
plan_slot_reads(struct nvme_ctrl *c, struct ctrl_q *q, struct sim_plan *plan, enum sim_prio prio,
                uint32_t first, uint32_t n)
{
    if (c->np.inline_fetch == NVME_FETCH_PER_SLOT) {
        for (uint32_t i = 0; i < n; i++)
            pcie_plan_read(&c->link, plan, prio, PCIE_KIND_SQE_FETCH,
                           (uintptr_t)(q->sq + (size_t)((first + i) % q->depth) * NVME_SQE_BYTES),
                           NVME_SQE_BYTES);
        return;
    }
    while (n > 0) {
        uint32_t run = q->depth - first < n ? q->depth - first : n;
        pcie_plan_read(&c->link, plan, prio, PCIE_KIND_SQE_FETCH,
                       (uintptr_t)(q->sq + (size_t)first * NVME_SQE_BYTES),
                       (uint64_t)run * NVME_SQE_BYTES);
        n -= run;
        first = (first + run) % q->depth;
    }
}

/*
 * Take the payload slots an A8h command claims (CDW13) off the SQ, whatever its status: they
 * are not commands. Returns false when the length runs past the tail (the slots up to the tail
 * are consumed then).
 */
static bool
claim_inline_slots(struct nvme_ctrl *c, struct ctrl_q *q, uint32_t len, uint32_t *first,
                   uint32_t *slots)
{
    uint32_t want = nvme_inline_slots(len);
    uint32_t avail = (q->sq_tail + q->depth - q->sq_head) % q->depth;
    *first = q->sq_head;
    *slots = want <= avail ? want : avail;
    q->sq_head = (q->sq_head + *slots) % q->depth;
    c->st.inline_slots += *slots;
    return want <= avail;
}

static uint16_t
do_inline_store(struct nvme_ctrl *c, struct ctrl_q *q, struct sim_plan *plan, enum sim_prio prio,
                const struct nvme_kv_cmd *k, uint32_t first, uint32_t slots)
{
    plan_slot_reads(c, q, plan, prio, first, slots);
    if (value_too_large(c, k->klen, k->value_size))
        return NVME_SC_INVALID_VALUE_SIZE;
    const uint8_t *key = fetch_key(c, plan, prio, k);
    if (key == NULL)
        return NVME_SC_INVALID_FIELD;
    for (uint32_t i = 0, done = 0; i < slots; i++) {
        uint32_t n = k->inline_len - done < NVME_BYTEEXPRESS_SLOT ? k->inline_len - done
                                                                  : NVME_BYTEEXPRESS_SLOT;
        memcpy(c->stage + done, q->sq + (size_t)((first + i) % q->depth) * NVME_SQE_BYTES, n);
        done += n;
    }
    charge_copy(c, plan, prio, k->inline_len);
    return engine_put(c, plan, key, k->klen, c->stage, k->value_size, k->options, 0, k->value_size);
}

static uint16_t
do_retrieve(struct nvme_ctrl *c, struct sim_plan *plan, enum sim_prio prio,
            const struct nvme_kv_cmd *k, uint32_t *dw0)
{
    struct kv_engine *e = c->env.engine;
    const uint8_t *key = fetch_key(c, plan, prio, k);
    if (key == NULL)
        return NVME_SC_INVALID_FIELD;
    uint32_t vlen = 0;
    uint32_t room = k->value_size < KV_VALUE_MAX ? k->value_size : KV_VALUE_MAX;
    sim_plan_barrier(plan);
    enum kv_status s = e->ops->get(e, plan, key, k->klen, c->stage, room, &vlen);
    if (s != KV_OK)
        return kv_status_to_nvme(s);
    sim_plan_barrier(plan);
    *dw0 = vlen; /* the full size, even when the buffer holds less */
    return prp_dma(c, plan, prio, k, k->value_size, c->stage, vlen < room ? vlen : room, true);
}

/*
 * List: keys from the given one (klen 0: the first) in key order. Buffer: a 4-byte count, then
 * per key a 2-byte length and the key bytes, padded to 4 bytes. DW0 = keys returned.
 */
static uint16_t
do_list(struct nvme_ctrl *c, struct sim_plan *plan, enum sim_prio prio, const struct nvme_kv_cmd *k,
        uint32_t *dw0)
{
    struct kv_engine *e = c->env.engine;
    const uint8_t *key = k->klen ? fetch_key(c, plan, prio, k) : NULL;
    if (k->klen != 0 && key == NULL)
        return NVME_SC_INVALID_FIELD;
    uint32_t room = k->value_size < KV_VALUE_MAX ? k->value_size : KV_VALUE_MAX;
    if (room < 4)
        return NVME_SC_INVALID_FIELD;
    struct kv_iter *it = NULL;
    if (e->ops->iter_create(e, &it) != 0)
        return NVME_SC_INTERNAL;
    sim_plan_barrier(plan);
    uint32_t count = 0, used = 4;
    enum kv_status s = e->ops->iter_seek(it, plan, key, k->klen);
    while (s == KV_OK) {
        const void *kk, *vv;
        uint32_t kl, vl;
        s = e->ops->iter_next(it, plan, &kk, &kl, &vv, &vl);
        if (s != KV_OK)
            break;
        uint32_t entry = (2 + kl + 3) / 4 * 4;
        if (used + entry > room)
            break;
        memset(c->stage + used, 0, entry);
        nvkv_put_le16(c->stage + used, kl);
        memcpy(c->stage + used + 2, kk, kl);
        used += entry;
        count++;
    }
    e->ops->iter_destroy(it);
    nvkv_put_le32(c->stage, count);
    *dw0 = count;
    sim_plan_barrier(plan);
    return prp_dma(c, plan, prio, k, k->value_size, c->stage, used, true);
}

static uint16_t
dispatch(struct nvme_ctrl *c, struct ctrl_q *q, struct sim_plan *plan, enum sim_prio prio,
         const struct nvme_kv_cmd *k, uint32_t *dw0)
{
    struct kv_engine *e = c->env.engine;
    if (k->nsid != NVME_NSID)
        return NVME_SC_INVALID_NS;
    const uint8_t *key;
    switch (k->opc) {
    case NVME_OPC_KV_STORE:
        return do_store(c, q, plan, prio, k);
    case NVME_OPC_BANDSLIM_WRITE:
        return do_bandslim_write(c, q, plan, prio, k);
    case NVME_OPC_BANDSLIM_TRANSFER:
        return do_transfer(c, q, plan, prio, k);
    case NVME_OPC_BYTEEXPRESS_STORE:
        return NVME_SC_INTERNAL; /* run_one handles it with its slots */
    case NVME_OPC_KV_RETRIEVE:
        return do_retrieve(c, plan, prio, k, dw0);
    case NVME_OPC_KV_LIST:
        return do_list(c, plan, prio, k, dw0);
    case NVME_OPC_KV_DELETE:
    case NVME_OPC_KV_EXIST:
        key = fetch_key(c, plan, prio, k);
        if (key == NULL)
            return NVME_SC_INVALID_FIELD;
        sim_plan_barrier(plan);
        return kv_status_to_nvme(k->opc == NVME_OPC_KV_DELETE
                                     ? e->ops->del(e, plan, key, k->klen)
                                     : e->ops->exist(e, plan, key, k->klen));
    default:
        return NVME_SC_INVALID_OPCODE;
    }
}

static enum sim_prio
prio_of(uint8_t opc)
{
    switch (opc) {
    case NVME_OPC_KV_RETRIEVE:
    case NVME_OPC_KV_LIST:
    case NVME_OPC_KV_EXIST:
        return SIM_PRIO_FG_READ;
    default:
        return SIM_PRIO_FG_WRITE;
    }
}

/* Fetch, decode and execute the entry at the SQ head; its plan carries the doorbell if asked. */
static void
run_one(struct nvme_ctrl *c, struct ctrl_q *q, bool with_doorbell)
{
    const uint8_t *raw = q->sq + (size_t)q->sq_head * NVME_SQE_BYTES;
    q->sq_head = (q->sq_head + 1) % q->depth;
    struct nvme_sqe s;
    struct nvme_kv_cmd k;
    nvme_sqe_read(raw, &s);
    uint16_t st = nvme_kv_decode(&s, &k);
    enum sim_prio prio = prio_of(s.opc);
    struct sim_plan *plan = sim_plan_new(c->env.sim);
    if (with_doorbell)
        pcie_plan_doorbell(&c->link, plan, prio);
    pcie_plan_read(&c->link, plan, prio, PCIE_KIND_SQE_FETCH, (uintptr_t)raw, NVME_SQE_BYTES);
    dev_cpu_charge(c->env.cpu, plan, prio, c->env.cpu->p.decode_ns);
    sim_plan_barrier(plan);
    struct ctrl_cmd *cmd = cmd_get(c);
    cmd->q = q;
    memset(&cmd->cqe, 0, sizeof(cmd->cqe));
    cmd->cqe.cid = s.cid;
    uint32_t dw0 = 0;
    if (s.opc == NVME_OPC_BYTEEXPRESS_STORE) {
        uint32_t first, slots;
        bool whole = claim_inline_slots(c, q, s.cdw13, &first, &slots);
        if (st == NVME_SC_SUCCESS && !whole)
            st = NVME_SC_INVALID_FIELD;
        if (st == NVME_SC_SUCCESS && k.nsid != NVME_NSID)
            st = NVME_SC_INVALID_NS;
        if (st == NVME_SC_SUCCESS)
            st = do_inline_store(c, q, plan, prio, &k, first, slots);
    } else if (st == NVME_SC_SUCCESS) {
        st = dispatch(c, q, plan, prio, &k, &dw0);
    }
    c->st.commands++;
    c->st.by_opcode[s.opc]++;
    if (st != NVME_SC_SUCCESS)
        c->st.errors++;
    cmd->cqe.dw0 = dw0;
    cmd->cqe.status = st;
    sim_plan_barrier(plan);
    pcie_plan_write(&c->link, plan, prio, PCIE_D2H, PCIE_KIND_CQE,
                    (uintptr_t)(q->cq + (size_t)q->cq_tail * NVME_CQE_BYTES), NVME_CQE_BYTES);
    if (c->np.interrupts)
        pcie_plan_msix(&c->link, plan, prio);
    sim_plan_submit(c->env.sim, plan, cmd_done, cmd);
}

void
nvme_ctrl_sq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint32_t tail)
{
    struct ctrl_q *q = qid >= 1 && qid <= NVME_MAX_QUEUES ? &c->q[qid] : NULL;
    if (q == NULL || !q->live || tail >= q->depth) {
        c->st.bad_doorbells++;
        return;
    }
    q->sq_tail = tail;
    if (q->sq_head == q->sq_tail) {
        struct sim_plan *plan = sim_plan_new(c->env.sim);
        pcie_plan_doorbell(&c->link, plan, SIM_PRIO_FG_WRITE);
        sim_plan_submit(c->env.sim, plan, NULL, NULL);
        return;
    }
    for (bool first = true; q->sq_head != q->sq_tail; first = false)
        run_one(c, q, first);
}

void
nvme_ctrl_cq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint32_t head)
{
    struct ctrl_q *q = qid >= 1 && qid <= NVME_MAX_QUEUES ? &c->q[qid] : NULL;
    if (q == NULL || !q->live || head >= q->depth) {
        c->st.bad_doorbells++;
        return;
    }
    /* the host's write of the register is timed on the link; nobody waits for it */
    struct sim_plan *plan = sim_plan_new(c->env.sim);
    pcie_plan_doorbell(&c->link, plan, SIM_PRIO_FG_WRITE);
    sim_plan_submit(c->env.sim, plan, NULL, NULL);
    q->cq_head = head;
    bool posted = false;
    while (q->defer_head != NULL && !cq_full(q)) {
        struct ctrl_cmd *cmd = q->defer_head;
        q->defer_head = cmd->next;
        if (q->defer_head == NULL)
            q->defer_tail = NULL;
        post_cqe(q, cmd);
        cmd_put(c, cmd);
        posted = true;
    }
    if (posted)
        q->irq(q->irq_arg, q->qid);
}

/* ---- lifetime ---- */

int
nvme_ctrl_create(const struct nvme_ctrl_env *env, struct nvme_ctrl **out)
{
    struct nvme_ctrl *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->env = *env;
    c->np = *env->nvme;
    pcie_init(&c->link, env->pcie);
    c->pack.page_bytes = env->pack_page_bytes ? env->pack_page_bytes : 16384;
    c->stage = malloc(KV_VALUE_MAX);
    if (c->stage == NULL) {
        free(c);
        return -ENOMEM;
    }
    *out = c;
    return 0;
}

void
nvme_ctrl_destroy(struct nvme_ctrl *c)
{
    if (c == NULL)
        return;
    while (c->all_cmds != NULL) {
        struct ctrl_cmd *next = c->all_cmds->next_all;
        free(c->all_cmds);
        c->all_cmds = next;
    }
    for (uint32_t i = 0; i <= NVME_MAX_QUEUES; i++)
        free(c->q[i].ov.buf);
    free(c->stage);
    free(c);
}

int
nvme_ctrl_create_qpair(struct nvme_ctrl *c, uint16_t qid, uint8_t *sq, uint8_t *cq, uint32_t depth,
                       nvme_irq_fn *irq, void *irq_arg)
{
    if (qid < 1 || qid > NVME_MAX_QUEUES || c->q[qid].live || sq == NULL || cq == NULL ||
        depth < 2 || depth > 65536 || irq == NULL)
        return -EINVAL;
    struct ctrl_q *q = &c->q[qid];
    memset(q, 0, sizeof(*q));
    q->live = true;
    q->qid = qid;
    q->sq = sq;
    q->cq = cq;
    q->depth = depth;
    q->cq_phase = 1; /* the ring starts zeroed: the first pass writes phase 1 */
    q->irq = irq;
    q->irq_arg = irq_arg;
    return 0;
}

struct pcie_link *
nvme_ctrl_link(struct nvme_ctrl *c)
{
    return &c->link;
}

const struct nvme_ctrl_stats *
nvme_ctrl_stats(const struct nvme_ctrl *c)
{
    return &c->st;
}

const struct nvme_pack *
nvme_ctrl_pack(const struct nvme_ctrl *c)
{
    return &c->pack;
}
