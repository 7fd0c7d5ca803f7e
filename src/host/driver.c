/* SPDX-License-Identifier: MIT */
#include "driver.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"
#include "../base/err.h"
#include "../base/le.h"
#include "../nvme/spec.h"

#define RING_ALIGN 4096u

struct host_q {
    struct host_drv *d;
    uint16_t qid;
    uint8_t *sq, *cq;
    uint32_t depth;
    uint32_t sq_tail, sq_head; /* head as the last CQE reported it */
    uint32_t rung_tail;        /* the tail the doorbell last carried */
    uint32_t cq_head;
    int phase; /* phase of a new CQE */
    bool doorbell_pending, cq_pending;
    struct host_req **cid_req;
    uint16_t *cid_free;
    uint32_t n_free;
    uint8_t **prp_list;    /* per CID, one 4 KiB list page, allocated on first need */
    struct host_req *held; /* the BandSlim sequence that owns the queue */
};

struct host_drv {
    struct sim *sim;
    struct nvme_ctrl *ctrl;
    struct nvme_params p;
    struct host_q *q; /* q[0] unused: I/O queues are 1-based */
    uint32_t nq;
    uint64_t inflight;
    struct host_drv_stats st;
};

enum path {
    PATH_PRP,
    PATH_PIGGYBACK,
    PATH_HYBRID, /* adaptive over 4 KiB: whole pages by PRP, the tail by transfers */
    PATH_INLINE,
};

static enum path
store_path(const struct host_drv *d, uint32_t vlen)
{
    switch (d->p.xfer) {
    case NVME_XFER_PIGGYBACK:
        return PATH_PIGGYBACK;
    case NVME_XFER_ADAPTIVE:
        if (vlen <= d->p.piggyback_threshold)
            return PATH_PIGGYBACK;
        return vlen <= NVME_PAGE ? PATH_PRP : PATH_HYBRID;
    case NVME_XFER_INLINE:
        /* a payload the SQ cannot hold at all goes by PRP */
        return 1 + nvme_inline_slots(vlen) <= d->p.queue_depth - 1 ? PATH_INLINE : PATH_PRP;
    default:
        return PATH_PRP;
    }
}

int
host_store_method(const struct host_drv *d, uint32_t vlen)
{
    static const int as_xfer[] = {NVME_XFER_PRP, NVME_XFER_PIGGYBACK, NVME_XFER_ADAPTIVE,
                                  NVME_XFER_INLINE};
    return as_xfer[store_path(d, vlen)];
}

static uint32_t
sq_free(const struct host_q *q)
{
    return q->depth - 1 - (q->sq_tail + q->depth - q->sq_head) % q->depth;
}

/* ---- doorbells and completions ---- */

static void
ring_sq(struct sim *sim, void *arg)
{
    (void)sim;
    struct host_q *q = arg;
    q->doorbell_pending = false;
    if (q->rung_tail == q->sq_tail)
        return;
    q->rung_tail = q->sq_tail;
    nvme_ctrl_sq_doorbell(q->d->ctrl, q->qid, q->sq_tail);
}

/* Commands written at one instant share one doorbell, rung after the submit cost. */
static void
schedule_doorbell(struct host_q *q)
{
    if (q->doorbell_pending)
        return;
    q->doorbell_pending = true;
    sim_after(q->d->sim, q->d->p.host_submit_ns, ring_sq, q);
}

static int submit_next_transfer(struct host_q *q, struct host_req *r);

static void
finish(struct host_q *q, struct host_req *r, uint16_t status, uint32_t dw0)
{
    if (q->held == r)
        q->held = NULL;
    r->status = status;
    r->result = dw0;
    r->complete_ns = sim_now(q->d->sim);
    q->d->inflight--;
    r->done(r);
}

static void
handle_cqe(struct host_q *q, const struct nvme_cqe *cqe)
{
    NVKV_CHECK_MSG(cqe->cid < q->depth && q->cid_req[cqe->cid] != NULL,
                   "host: completion for CID %u that is not outstanding on queue %u", cqe->cid,
                   q->qid);
    struct host_req *r = q->cid_req[cqe->cid];
    q->cid_req[cqe->cid] = NULL;
    q->cid_free[q->n_free++] = cqe->cid;
    uint16_t status = nvme_cqe_status(cqe);
    bool more = r->op == HOST_OP_STORE && status == NVME_SC_SUCCESS && r->sent < r->vlen;
    if (more) {
        /* the next transfer of a BandSlim sequence: this completion freed its slot and CID */
        int rc = submit_next_transfer(q, r);
        NVKV_CHECK_MSG(rc == 0, "host: no room for a transfer on a held queue");
        return;
    }
    finish(q, r, status, cqe->dw0);
}

static void
process_cq(struct sim *sim, void *arg)
{
    (void)sim;
    struct host_q *q = arg;
    q->cq_pending = false;
    uint32_t consumed = 0;
    for (;;) {
        struct nvme_cqe cqe;
        nvme_cqe_read(q->cq + (size_t)q->cq_head * NVME_CQE_BYTES, &cqe);
        if (nvme_cqe_phase(&cqe) != q->phase)
            break;
        if (++q->cq_head == q->depth) {
            q->cq_head = 0;
            q->phase ^= 1;
        }
        q->sq_head = cqe.sqhd;
        consumed++;
        q->d->st.cqes++;
        handle_cqe(q, &cqe);
    }
    if (consumed != 0)
        nvme_ctrl_cq_doorbell(q->d->ctrl, q->qid, q->cq_head);
}

static void
on_irq(void *arg, uint16_t qid)
{
    (void)qid;
    struct host_q *q = arg;
    q->d->st.interrupts++;
    if (q->cq_pending)
        return;
    q->cq_pending = true;
    sim_after(q->d->sim, q->d->p.interrupts ? q->d->p.host_complete_ns : q->d->p.host_poll_ns,
              process_cq, q);
}

/* ---- building commands ---- */

/* PRP1 at the buffer, PRP2 the second page or a list of the pages after the first. */
static int
build_prps(struct host_q *q, uint16_t cid, const void *buf, uint32_t len, struct nvme_kv_cmd *k)
{
    uint64_t addr = (uintptr_t)buf;
    k->prp1 = addr;
    if (len == 0)
        return 0;
    uint64_t base = addr - addr % NVME_PAGE;
    uint64_t pages = (addr % NVME_PAGE + len + NVME_PAGE - 1) / NVME_PAGE;
    if (pages == 2) {
        k->prp2 = base + NVME_PAGE;
    } else if (pages > 2) {
        if (q->prp_list[cid] == NULL) {
            q->prp_list[cid] = aligned_alloc(NVME_PAGE, NVME_PAGE);
            if (q->prp_list[cid] == NULL)
                return -ENOMEM;
        }
        /* a list page holds 512 entries (2 MiB); the device refuses longer values first */
        uint64_t n = pages - 1 < NVME_PRP_LIST_MAX ? pages - 1 : NVME_PRP_LIST_MAX;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t e = base + (i + 1) * NVME_PAGE;
            nvkv_put_le32(q->prp_list[cid] + 8 * i, (uint32_t)e);
            nvkv_put_le32(q->prp_list[cid] + 8 * i + 4, (uint32_t)(e >> 32));
        }
        k->prp2 = (uintptr_t)q->prp_list[cid];
    }
    return 0;
}

static void
set_key(const struct host_req *r, struct nvme_kv_cmd *k)
{
    k->klen = r->klen;
    if (r->klen == 0)
        return;
    if (r->klen <= NVME_KV_INLINE_KEY_MAX)
        memcpy(k->key, r->key, r->klen);
    else
        k->key_addr = (uintptr_t)r->key;
}

/* Write the command (and `payload` into the following slots) at the tail. */
static void
write_sq(struct host_q *q, struct host_req *r, struct nvme_kv_cmd *k, const uint8_t *payload,
         uint32_t payload_len)
{
    uint16_t cid = k->cid;
    q->cid_req[cid] = r;
    struct nvme_sqe s;
    nvme_kv_encode(k, &s);
    nvme_sqe_write(&s, q->sq + (size_t)q->sq_tail * NVME_SQE_BYTES);
    q->sq_tail = (q->sq_tail + 1) % q->depth;
    for (uint32_t done = 0; done < payload_len; done += NVME_BYTEEXPRESS_SLOT) {
        uint8_t *slot = q->sq + (size_t)q->sq_tail * NVME_SQE_BYTES;
        uint32_t n =
            payload_len - done < NVME_BYTEEXPRESS_SLOT ? payload_len - done : NVME_BYTEEXPRESS_SLOT;
        memset(slot, 0, NVME_SQE_BYTES);
        memcpy(slot, payload + done, n);
        q->sq_tail = (q->sq_tail + 1) % q->depth;
    }
    r->commands++;
    q->d->st.commands++;
    schedule_doorbell(q);
}

static int
submit_next_transfer(struct host_q *q, struct host_req *r)
{
    if (q->n_free == 0 || sq_free(q) < 1)
        return -EAGAIN;
    struct nvme_kv_cmd k = {0};
    k.opc = NVME_OPC_BANDSLIM_TRANSFER;
    k.nsid = NVME_NSID;
    k.cid = q->cid_free[--q->n_free];
    uint32_t n = r->vlen - r->sent;
    if (n > NVME_BANDSLIM_XFER_PAYLOAD)
        n = NVME_BANDSLIM_XFER_PAYLOAD;
    memcpy(k.payload, (const uint8_t *)r->value + r->sent, n);
    r->sent += n;
    write_sq(q, r, &k, NULL, 0);
    return 0;
}

static int
build_store(struct host_q *q, struct host_req *r, struct nvme_kv_cmd *k, uint32_t *inline_len)
{
    enum path path = store_path(q->d, r->vlen);
    k->value_size = r->vlen;
    k->options = r->options;
    r->sent = r->vlen;
    switch (path) {
    case PATH_PIGGYBACK: {
        k->opc = NVME_OPC_BANDSLIM_WRITE;
        uint32_t n = r->vlen < NVME_BANDSLIM_WRITE_PAYLOAD ? r->vlen : NVME_BANDSLIM_WRITE_PAYLOAD;
        if (n != 0)
            memcpy(k->payload, r->value, n);
        r->sent = n;
        return 0;
    }
    case PATH_HYBRID:
        /* BandSlim's ADAPT_COMBI: floor((v - 1) / 4096) pages by DMA, the tail piggybacked */
        k->opc = NVME_OPC_KV_STORE;
        k->dma_len = (r->vlen - 1) / NVME_PAGE * NVME_PAGE;
        r->sent = k->dma_len;
        return build_prps(q, k->cid, r->value, k->dma_len, k);
    case PATH_INLINE:
        k->opc = NVME_OPC_BYTEEXPRESS_STORE;
        k->inline_len = r->vlen;
        *inline_len = r->vlen;
        return 0;
    default:
        k->opc = NVME_OPC_KV_STORE;
        return build_prps(q, k->cid, r->value, r->vlen, k);
    }
}

int
host_submit(struct host_drv *d, uint16_t qid, struct host_req *r)
{
    if (qid < 1 || qid > d->nq || r == NULL || r->done == NULL || r->klen > NVME_KV_KEY_MAX ||
        (r->klen != 0 && r->key == NULL) || (r->op == HOST_OP_STORE && r->vlen && !r->value) ||
        ((r->op == HOST_OP_RETRIEVE || r->op == HOST_OP_LIST) && r->buf_len && !r->buf))
        return -EINVAL;
    struct host_q *q = &d->q[qid];
    uint32_t slots = 1;
    bool sequence = false;
    if (r->op == HOST_OP_STORE) {
        enum path path = store_path(d, r->vlen);
        if (path == PATH_INLINE)
            slots += nvme_inline_slots(r->vlen);
        sequence = (path == PATH_PIGGYBACK && r->vlen > NVME_BANDSLIM_WRITE_PAYLOAD) ||
                   path == PATH_HYBRID;
    }
    /* BandSlim writes touch the device's one open value, so they too wait for a sequence */
    if (q->held != NULL || q->n_free == 0 || sq_free(q) < slots) {
        d->st.busy++;
        return -EAGAIN;
    }
    struct nvme_kv_cmd k = {0};
    k.nsid = NVME_NSID;
    k.cid = q->cid_free[q->n_free - 1];
    set_key(r, &k);
    uint32_t inline_len = 0;
    int rc = 0;
    switch (r->op) {
    case HOST_OP_STORE:
        rc = build_store(q, r, &k, &inline_len);
        break;
    case HOST_OP_RETRIEVE:
    case HOST_OP_LIST:
        k.opc = r->op == HOST_OP_RETRIEVE ? NVME_OPC_KV_RETRIEVE : NVME_OPC_KV_LIST;
        k.value_size = r->buf_len;
        rc = build_prps(q, k.cid, r->buf, r->buf_len, &k);
        break;
    case HOST_OP_DELETE:
        k.opc = NVME_OPC_KV_DELETE;
        break;
    case HOST_OP_EXIST:
        k.opc = NVME_OPC_KV_EXIST;
        break;
    default:
        return -EINVAL;
    }
    if (rc != 0)
        return rc;
    q->n_free--;
    r->qid = qid;
    r->commands = 0;
    r->status = 0;
    r->result = 0;
    r->submit_ns = sim_now(d->sim);
    if (sequence)
        q->held = r;
    d->inflight++;
    d->st.requests++;
    write_sq(q, r, &k, (const uint8_t *)r->value, inline_len);
    return 0;
}

/* ---- lifetime ---- */

static int
q_init(struct host_drv *d, struct host_q *q, uint16_t qid)
{
    uint32_t depth = d->p.queue_depth;
    q->d = d;
    q->qid = qid;
    q->depth = depth;
    q->phase = 1;
    size_t sq_bytes = ((size_t)depth * NVME_SQE_BYTES + RING_ALIGN - 1) / RING_ALIGN * RING_ALIGN;
    size_t cq_bytes = ((size_t)depth * NVME_CQE_BYTES + RING_ALIGN - 1) / RING_ALIGN * RING_ALIGN;
    q->sq = aligned_alloc(RING_ALIGN, sq_bytes);
    q->cq = aligned_alloc(RING_ALIGN, cq_bytes);
    q->cid_req = calloc(depth, sizeof(*q->cid_req));
    q->cid_free = calloc(depth, sizeof(*q->cid_free));
    q->prp_list = calloc(depth, sizeof(*q->prp_list));
    if (q->sq == NULL || q->cq == NULL || q->cid_req == NULL || q->cid_free == NULL ||
        q->prp_list == NULL)
        return -ENOMEM;
    memset(q->sq, 0, sq_bytes);
    memset(q->cq, 0, cq_bytes);
    /* CIDs are handed out from the top of the stack: 0 first */
    for (uint32_t i = 0; i < depth; i++)
        q->cid_free[i] = (uint16_t)(depth - 1 - i);
    q->n_free = depth;
    return nvme_ctrl_create_qpair(d->ctrl, qid, q->sq, q->cq, depth, on_irq, q);
}

static void
q_free(struct host_q *q)
{
    if (q->prp_list != NULL)
        for (uint32_t i = 0; i < q->depth; i++)
            free(q->prp_list[i]);
    free(q->prp_list);
    free(q->cid_free);
    free(q->cid_req);
    free(q->cq);
    free(q->sq);
}

int
host_drv_create(struct sim *sim, struct nvme_ctrl *ctrl, const struct nvme_params *p,
                struct host_drv **out)
{
    int rc = 0;
    struct host_drv *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->sim = sim;
    d->ctrl = ctrl;
    d->p = *p;
    d->nq = p->queues;
    d->q = calloc(d->nq + 1, sizeof(*d->q));
    if (d->q == NULL || p->queue_depth < 2 || p->queue_depth > 65536 || d->nq == 0 ||
        d->nq > NVME_MAX_QUEUES) {
        rc = d->q == NULL ? -ENOMEM : -EINVAL;
        goto err;
    }
    for (uint32_t i = 1; i <= d->nq; i++)
        NVKV_ERR(q_init(d, &d->q[i], (uint16_t)i));
    *out = d;
    return 0;
err:
    host_drv_destroy(d);
    return rc;
}

void
host_drv_destroy(struct host_drv *d)
{
    if (d == NULL)
        return;
    if (d->q != NULL)
        for (uint32_t i = 1; i <= d->nq; i++)
            q_free(&d->q[i]);
    free(d->q);
    free(d);
}

uint64_t
host_inflight(const struct host_drv *d)
{
    return d->inflight;
}

const struct host_drv_stats *
host_drv_stats(const struct host_drv *d)
{
    return &d->st;
}

uint32_t
host_sq_tail(const struct host_drv *d, uint16_t qid)
{
    return d->q[qid].sq_tail;
}
