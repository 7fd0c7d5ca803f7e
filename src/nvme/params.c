/* SPDX-License-Identifier: MIT */
#include "params.h"

#include <string.h>

void
nvme_params_default(struct nvme_params *p)
{
    memset(p, 0, sizeof(*p));
    p->xfer = NVME_XFER_PRP;
    p->prp_granularity = 4096;    /* BandSlim's baseline: Cosmos+ DMAs whole 4 KiB blocks */
    p->piggyback_threshold = 127; /* BandSlim's released code: ADAPT = 127 */
    p->inline_fetch = NVME_FETCH_PER_SLOT;
    p->queue_depth = 1024;
    p->queues = 1;
    /* Host driver costs: a few hundred ns to build and submit, about 1 us from interrupt to
     * callback (Linux NVMe driver figures; the papers give none). Knobs. */
    p->host_submit_ns = 300;
    p->host_complete_ns = 1000;
    p->copy_ns_per_kib = 100;
    p->interrupts = 1;
    p->host_poll_ns = 300;
}

const char *
nvme_xfer_name(int xfer)
{
    static const char *const names[] = {"prp", "piggyback", "adaptive", "inline"};
    return xfer >= 0 && xfer <= NVME_XFER_INLINE ? names[xfer] : "unknown";
}
