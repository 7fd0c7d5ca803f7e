/* SPDX-License-Identifier: MIT */
/* The [nvme] section of the config: queues, transfer method and host-driver costs. */
#ifndef NVKV_NVME_PARAMS_H
#define NVKV_NVME_PARAMS_H

#include <stdint.h>

enum nvme_xfer {
    NVME_XFER_PRP = 0,       /* value by PRP DMA (the standard Store) */
    NVME_XFER_PIGGYBACK = 1, /* BandSlim: A7h write + A9h transfers, one round trip each */
    NVME_XFER_ADAPTIVE = 2,  /* BandSlim: piggyback up to the threshold, PRP above */
    NVME_XFER_INLINE = 3,    /* ByteExpress: A8h + payload slots in the SQ */
};

enum nvme_inline_fetch {
    NVME_FETCH_PER_SLOT = 0, /* one read request per 64-byte SQ slot (Cosmos+ fetches so) */
    NVME_FETCH_BATCHED = 1,  /* the command's slots in one read (split at MRRS and the wrap) */
};

struct nvme_params {
    int xfer;                     /* enum nvme_xfer */
    uint32_t prp_granularity;     /* DMA unit: 4096 moves whole pages (Cosmos+), 4 exact dwords */
    uint32_t piggyback_threshold; /* adaptive: largest value piggybacked */
    int inline_fetch;             /* enum nvme_inline_fetch */
    uint32_t queue_depth;         /* entries per SQ and per CQ */
    uint32_t queues;              /* I/O queue pairs */
    uint64_t host_submit_ns;      /* host driver CPU to build and submit one command */
    uint64_t host_complete_ns;    /* host interrupt + completion handling of one command */
    uint64_t copy_ns_per_kib;     /* controller CPU to copy 1 KiB of payload out of SQEs */
    uint32_t interrupts;          /* 1: an MSI-X message per completion; 0: the host polls */
    uint64_t host_poll_ns;        /* polling: from the CQE landing to the callback */
};

void nvme_params_default(struct nvme_params *p);

const char *nvme_xfer_name(int xfer);

#endif
