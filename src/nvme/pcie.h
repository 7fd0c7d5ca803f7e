/* SPDX-License-Identifier: MIT */
/*
 * The PCIe link between host and device, byte-exact at the transaction layer: every memory
 * write, read request and completion is cut into TLPs the way a real link cuts them, and each
 * TLP costs its payload plus framing and header (research/nvme-pcie-bandslim-plm.md section 2):
 *
 *   per TLP: 8 B framing + sequence number + LCRC, plus a 12 B (3-DW) or 16 B (4-DW) header,
 *            so 20 B or 24 B before the payload (+4 B with ECRC)
 *   memory write:  split at max_payload_size (MPS) and at 4 KiB address boundaries
 *   memory read:   requests split at max_read_request_size (MRRS) and 4 KiB boundaries, 0 B
 *                  payload each; completions (always 3-DW headers) split at read completion
 *                  boundary (RCB) aligned addresses, at most MPS each (or one RCB each when
 *                  pcie.rcb_split is set: the worst-case root complex)
 *   doorbell:      a 4 B write to a BAR register (32-bit address: 3-DW header)
 *   MSI-X:         a 4 B write to the vector's address (3-DW header)
 *   DLLPs:         8 B each; one ACK in the opposite direction per pcie.ack_every TLPs received
 *
 * Memory requests to host memory use pcie.tlp_header (4-DW for 64-bit addresses by default).
 * Bytes and TLPs are counted per direction and per kind. Timing: each direction is a sim
 * resource serving bytes at the preset's bandwidth after line coding (Gen2 8b/10b, Gen3/4
 * 128b/130b); each transaction adds pcie.latency_ns of flight and processing.
 */
#ifndef NVKV_NVME_PCIE_H
#define NVKV_NVME_PCIE_H

#include <stdint.h>

#include "../base/json.h"
#include "../sim/sim.h"

enum pcie_dir {
    PCIE_H2D = 0, /* host to device (downstream) */
    PCIE_D2H = 1, /* device to host (upstream) */
    PCIE_DIRS = 2,
};

enum pcie_kind {
    PCIE_KIND_DOORBELL = 0, /* SQ tail and CQ head doorbell writes */
    PCIE_KIND_SQE_FETCH,    /* reading SQ slots (commands and ByteExpress payload slots) */
    PCIE_KIND_DATA,         /* value / list data by PRP DMA */
    PCIE_KIND_PRP,          /* PRP list reads */
    PCIE_KIND_KEY,          /* key buffer reads (keys over 16 bytes) */
    PCIE_KIND_CQE,          /* completion entries */
    PCIE_KIND_MSIX,         /* interrupts */
    PCIE_KIND_DLLP,         /* ACK DLLPs */
    PCIE_KIND_COUNT,
};

enum pcie_preset {
    PCIE_GEN2X8 = 0, /* Cosmos+ OpenSSD, the BandSlim / ByteExpress testbed */
    PCIE_GEN3X4 = 1,
    PCIE_GEN4X4 = 2,
};

/* The [pcie] section of the config. */
struct pcie_params {
    int link;            /* enum pcie_preset */
    uint32_t tlp_header; /* DWs of a memory request header to host memory: 3 or 4 */
    uint32_t ecrc;       /* 1: +4 B per TLP */
    uint32_t mps;        /* max payload size */
    uint32_t mrrs;       /* max read request size */
    uint32_t rcb;        /* read completion boundary */
    uint32_t rcb_split;  /* 1: every completion carries at most one RCB */
    uint32_t ack_every;  /* TLPs acknowledged by one ACK DLLP (0: DLLPs not counted) */
    uint64_t latency_ns; /* flight + processing of one transaction, one way */
};

void pcie_params_default(struct pcie_params *p);

/* Bytes per second of one direction after line coding. */
uint64_t pcie_bytes_per_s(int link);

const char *pcie_kind_name(enum pcie_kind k);

struct pcie_counts {
    uint64_t bytes[PCIE_DIRS][PCIE_KIND_COUNT];
    uint64_t tlps[PCIE_DIRS][PCIE_KIND_COUNT];
};

struct pcie_link {
    struct pcie_params p;
    uint64_t rate; /* bytes per second, each direction */
    struct sim_resource dir[PCIE_DIRS];
    struct pcie_counts c;
    uint32_t rx_since_ack[PCIE_DIRS];
};

void pcie_init(struct pcie_link *l, const struct pcie_params *p);

/*
 * Count one transaction and return the bytes it puts on the wire in each direction
 * (out[PCIE_H2D], out[PCIE_D2H]). Nothing is timed.
 */
void pcie_count_write(struct pcie_link *l, enum pcie_dir dir, enum pcie_kind kind, uint64_t addr,
                      uint64_t len, uint64_t out[PCIE_DIRS]);
/* The device reads host memory: requests upstream, completions downstream. */
void pcie_count_read(struct pcie_link *l, enum pcie_kind kind, uint64_t addr, uint64_t len,
                     uint64_t out[PCIE_DIRS]);
/* Register writes: a doorbell (host to device) or an MSI-X message (device to host). */
void pcie_count_doorbell(struct pcie_link *l, uint64_t out[PCIE_DIRS]);
void pcie_count_msix(struct pcie_link *l, uint64_t out[PCIE_DIRS]);

/*
 * Count and time: append the transaction to the plan as its own stages (the wire time on the
 * direction's resource, then the latency). A read is a round trip: requests, latency,
 * completions, latency.
 */
void pcie_plan_write(struct pcie_link *l, struct sim_plan *plan, enum sim_prio prio,
                     enum pcie_dir dir, enum pcie_kind kind, uint64_t addr, uint64_t len);
void pcie_plan_read(struct pcie_link *l, struct sim_plan *plan, enum sim_prio prio,
                    enum pcie_kind kind, uint64_t addr, uint64_t len);
void pcie_plan_doorbell(struct pcie_link *l, struct sim_plan *plan, enum sim_prio prio);
void pcie_plan_msix(struct pcie_link *l, struct sim_plan *plan, enum sim_prio prio);

/* Wire time of `bytes` on one direction, rounded up to whole ns. */
uint64_t pcie_wire_ns(const struct pcie_link *l, uint64_t bytes);

/* Totals over kinds. */
uint64_t pcie_total_bytes(const struct pcie_counts *c, enum pcie_dir dir);
uint64_t pcie_total_tlps(const struct pcie_counts *c);

/* result.json's `pcie` members: h2d_bytes, d2h_bytes, tlps, by_kind.<kind>.{h2d, d2h, tlps}. */
void pcie_write_json(const struct pcie_counts *c, struct nvkv_json *j);

#endif
