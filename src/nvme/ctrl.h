/* SPDX-License-Identifier: MIT */
/*
 * The NVMe KV controller: I/O queue pairs over host memory, doorbells, SQE fetch, decode,
 * dispatch to a KV engine, completions and MSI-X (ARCHITECTURE.md "NVMe").
 *
 * Functional core, timed shell, as everywhere: an SQ doorbell fetches every new entry from the
 * host's ring at once, executes it against the engine (data DMA is a copy from or to host
 * memory through the PRPs) and records its costs in a plan: the doorbell write, the SQE fetch
 * (read request + completion), decode on a controller core, key / PRP list / data DMA, the
 * engine's own work, the CQE write and the MSI-X message, each on the PCIe link model. When
 * the plan ends the CQE bytes are written into the host's CQ ring and the vector fires.
 *
 * Host memory addresses are host pointers (the emulator shares one address space); the
 * controller touches host memory only through addresses the host put in SQEs or registered as
 * queue memory.
 */
#ifndef NVKV_NVME_CTRL_H
#define NVKV_NVME_CTRL_H

#include <stdint.h>

#include "../dev/cpu.h"
#include "../kv/engine.h"
#include "../sim/sim.h"
#include "params.h"
#include "pcie.h"
#include "spec.h"

#define NVME_NSID         1u
#define NVME_MAX_QUEUES   64u
#define NVME_PAGE         4096u
#define NVME_PRP_LIST_MAX (NVME_PAGE / 8u) /* one list page: 2 MiB values need 512 entries */

struct nvme_ctrl;

/*
 * An MSI-X vector as the host programs it: a function the message "writes" to. With
 * nvme.interrupts = 0 no message crosses the link and the call stands for the polling host
 * seeing the CQE land.
 */
typedef void nvme_irq_fn(void *arg, uint16_t qid);

struct nvme_ctrl_env {
    struct sim *sim;
    struct kv_engine *engine;
    struct dev_cpu *cpu;
    const struct nvme_params *nvme;
    const struct pcie_params *pcie;
    uint32_t pack_page_bytes; /* NAND page buffer of the packing model */
};

/*
 * Space-efficient packing (BandSlim section 3.5), modelled in front of the engine: values that
 * arrive by page-unit DMA take whole 4 KiB slots of the NAND page buffer; piggybacked, inline
 * and byte-granular bytes are packed at the byte write pointer and backfill the gaps. A page is
 * written when the next value does not fit.
 */
struct nvme_pack {
    uint32_t page_bytes;
    uint64_t slots_used; /* 4 KiB slots taken by page-aligned DMA'd values */
    uint64_t bytes_packed;
    uint64_t page_writes; /* pages filled and written */
};

struct nvme_ctrl_stats {
    uint64_t commands;                     /* SQEs executed (payload slots not counted) */
    uint64_t by_opcode[256];               /* commands per opcode */
    uint64_t errors;                       /* completions with a non-zero status */
    uint64_t inline_slots;                 /* ByteExpress payload slots consumed */
    uint64_t bad_doorbells;                /* doorbell values out of range (ignored) */
    uint64_t cqe_deferred;                 /* completions that waited for CQ space */
    uint64_t dma_bytes_h2d, dma_bytes_d2h; /* data bytes moved by PRP DMA (granular) */
};

int nvme_ctrl_create(const struct nvme_ctrl_env *env, struct nvme_ctrl **out);
void nvme_ctrl_destroy(struct nvme_ctrl *c);

/*
 * Create I/O queue pair `qid` (1..NVME_MAX_QUEUES) over host memory: `sq` holds depth 64-byte
 * slots, `cq` depth 16-byte slots (zeroed: phase 0), both owned by the host and valid until
 * the controller is destroyed. Returns 0, -EINVAL or -ENOMEM.
 */
int nvme_ctrl_create_qpair(struct nvme_ctrl *c, uint16_t qid, uint8_t *sq, uint8_t *cq,
                           uint32_t depth, nvme_irq_fn *irq, void *irq_arg);

/* MMIO writes of the SQ tail and CQ head doorbells (values >= depth are ignored). */
void nvme_ctrl_sq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint32_t tail);
void nvme_ctrl_cq_doorbell(struct nvme_ctrl *c, uint16_t qid, uint32_t head);

struct pcie_link *nvme_ctrl_link(struct nvme_ctrl *c);
const struct nvme_ctrl_stats *nvme_ctrl_stats(const struct nvme_ctrl *c);
const struct nvme_pack *nvme_ctrl_pack(const struct nvme_ctrl *c);

/* Page writes of the packing model, counting a partly filled buffer as one more write. */
uint64_t nvme_pack_page_writes(const struct nvme_pack *p);

/* Add a value: `slots` page-aligned 4 KiB units and `bytes` byte-packed bytes. */
void nvme_pack_add(struct nvme_pack *p, uint64_t slots, uint64_t bytes);

#endif
