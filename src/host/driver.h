/* SPDX-License-Identifier: MIT */
/*
 * The host's NVMe KV driver: owns the SQ/CQ ring memory, builds SQEs (and PRP lists, key
 * pointers, BandSlim and ByteExpress payloads by the configured transfer method), rings
 * doorbells, takes MSI-X interrupts, consumes CQEs by phase bit and matches them to requests by
 * CID. It talks to the device only through queue memory and the doorbell registers.
 *
 * A request is one KV operation; a BandSlim PUT is several NVMe commands issued one round
 * trip at a time, and holds its queue meanwhile (transfers carry no value identifier, so
 * nothing else may be submitted there: the paper's serialization).
 */
#ifndef NVKV_HOST_DRIVER_H
#define NVKV_HOST_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "../nvme/ctrl.h"
#include "../nvme/params.h"
#include "../sim/sim.h"

enum host_op {
    HOST_OP_STORE = 0,
    HOST_OP_RETRIEVE,
    HOST_OP_DELETE,
    HOST_OP_EXIST,
    HOST_OP_LIST,
};

struct host_req;
typedef void host_done_fn(struct host_req *r);

/*
 * Filled by the caller, owned by the caller, and must stay valid (with the key, value and
 * buffer it points to) until `done` runs.
 */
struct host_req {
    enum host_op op;
    const void *key; /* klen bytes; List: the start key (klen 0: from the first) */
    uint32_t klen;
    const void *value; /* Store */
    uint32_t vlen;
    void *buf; /* Retrieve: the value; List: count + (length, key) entries */
    uint32_t buf_len;
    uint32_t options; /* Store: NVME_KV_STORE_IF_EXISTS / _IF_ABSENT */
    host_done_fn *done;
    void *arg;
    /* results, valid in done() */
    uint16_t status;      /* NVMe status (SCT << 8 | SC); 0 = success */
    uint32_t result;      /* CQE DW0: Retrieve the stored value size, List the key count */
    uint32_t commands;    /* NVMe commands this request took */
    uint64_t submit_ns;   /* virtual time of host_submit */
    uint64_t complete_ns; /* virtual time done() runs */
    /* driver private */
    uint32_t sent; /* value bytes on their way (BandSlim sequences) */
    uint16_t qid;
};

struct host_drv_stats {
    uint64_t requests, commands, interrupts, cqes;
    uint64_t busy; /* submissions refused with -EAGAIN */
};

struct host_drv;

/* Create the driver and its queue pairs (nvme.queues of nvme.queue_depth entries) on ctrl. */
int host_drv_create(struct sim *sim, struct nvme_ctrl *ctrl, const struct nvme_params *p,
                    struct host_drv **out);
void host_drv_destroy(struct host_drv *d);

/*
 * Submit on queue qid (1..nvme.queues). Returns 0 (done() runs later, in virtual time),
 * -EAGAIN when the queue has no room (SQ slots or CIDs) or a BandSlim sequence holds it: the
 * back-pressure; nothing was written, retry after a completion. -EINVAL for a request the
 * wire cannot express (key over 255 bytes, NULL buffers).
 */
int host_submit(struct host_drv *d, uint16_t qid, struct host_req *r);

/* The transfer method a Store of vlen bytes takes on this driver ("prp", "piggyback", ...). */
int host_store_method(const struct host_drv *d, uint32_t vlen);

/* Requests submitted and not yet done, over all queues. */
uint64_t host_inflight(const struct host_drv *d);

const struct host_drv_stats *host_drv_stats(const struct host_drv *d);

/* Raw access for tests: the SQ tail the host last wrote on qid. */
uint32_t host_sq_tail(const struct host_drv *d, uint16_t qid);

#endif
