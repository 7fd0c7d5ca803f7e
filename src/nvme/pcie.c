/* SPDX-License-Identifier: MIT */
#include "pcie.h"

#include <string.h>

#include "../base/check.h"

#define FRAMING_BYTES 8u  /* start/end framing (or Gen3 STP token) + sequence number + LCRC */
#define DW3_HEADER    12u /* 32-bit address requests and every completion */
#define DW4_HEADER    16u /* 64-bit address requests */
#define DLLP_BYTES    8u
#define REGISTER_SIZE 4u /* a doorbell or an MSI-X message */
#define PAGE_4K       4096u

void
pcie_params_default(struct pcie_params *p)
{
    memset(p, 0, sizeof(*p));
    p->link = PCIE_GEN2X8;
    p->tlp_header = 4;
    p->mps = 256;
    p->mrrs = 512;
    p->rcb = 64;
    /* Root complex + device turnaround of a few hundred ns per transaction is what the
     * pcie-bench measurements show; the papers give no figure, so this is a knob. */
    p->latency_ns = 250;
}

uint64_t
pcie_bytes_per_s(int link)
{
    switch (link) {
    case PCIE_GEN3X4:
        return 8000000000ull * 4 * 128 / 130 / 8; /* 8 GT/s, 128b/130b */
    case PCIE_GEN4X4:
        return 16000000000ull * 4 * 128 / 130 / 8;
    default:
        return 5000000000ull * 8 * 8 / 10 / 8; /* 5 GT/s, 8b/10b */
    }
}

const char *
pcie_kind_name(enum pcie_kind k)
{
    static const char *const names[PCIE_KIND_COUNT] = {"doorbell", "sqe_fetch", "data", "prp",
                                                       "key",      "cqe",       "msix", "dllp"};
    return (unsigned)k < PCIE_KIND_COUNT ? names[k] : "unknown";
}

void
pcie_init(struct pcie_link *l, const struct pcie_params *p)
{
    memset(l, 0, sizeof(*l));
    l->p = *p;
    NVKV_CHECK(p->mps >= 128 && p->mrrs >= 128 && p->rcb >= 64 && p->mps % p->rcb == 0);
    l->rate = pcie_bytes_per_s(p->link);
    for (int d = 0; d < PCIE_DIRS; d++)
        sim_resource_init(&l->dir[d], 1);
}

static uint64_t
tlp(struct pcie_link *l, enum pcie_dir dir, enum pcie_kind kind, uint32_t header, uint64_t payload,
    uint64_t out[PCIE_DIRS])
{
    uint64_t bytes = FRAMING_BYTES + header + (l->p.ecrc ? 4u : 0u) + payload;
    l->c.bytes[dir][kind] += bytes;
    l->c.tlps[dir][kind]++;
    out[dir] += bytes;
    /* the receiver acknowledges every ack_every TLPs with a DLLP the other way */
    if (l->p.ack_every != 0 && ++l->rx_since_ack[dir] == l->p.ack_every) {
        enum pcie_dir back = dir == PCIE_H2D ? PCIE_D2H : PCIE_H2D;
        l->rx_since_ack[dir] = 0;
        l->c.bytes[back][PCIE_KIND_DLLP] += DLLP_BYTES;
        l->c.tlps[back][PCIE_KIND_DLLP]++;
        out[back] += DLLP_BYTES;
    }
    return bytes;
}

static uint32_t
mem_header(const struct pcie_link *l)
{
    return l->p.tlp_header == 3 ? DW3_HEADER : DW4_HEADER;
}

static uint64_t
min3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m = a < b ? a : b;
    return m < c ? m : c;
}

void
pcie_count_write(struct pcie_link *l, enum pcie_dir dir, enum pcie_kind kind, uint64_t addr,
                 uint64_t len, uint64_t out[PCIE_DIRS])
{
    uint64_t cur = addr, end = addr + len;
    while (cur < end) {
        uint64_t n = min3(end - cur, l->p.mps, PAGE_4K - cur % PAGE_4K);
        tlp(l, dir, kind, mem_header(l), n, out);
        cur += n;
    }
}

void
pcie_count_read(struct pcie_link *l, enum pcie_kind kind, uint64_t addr, uint64_t len,
                uint64_t out[PCIE_DIRS])
{
    uint64_t cur = addr, end = addr + len;
    uint64_t cpl_max = l->p.rcb_split ? l->p.rcb : l->p.mps;
    while (cur < end) {
        uint64_t n = min3(end - cur, l->p.mrrs, PAGE_4K - cur % PAGE_4K);
        tlp(l, PCIE_D2H, kind, mem_header(l), 0, out);
        /* completions end on RCB-aligned addresses and carry at most cpl_max bytes */
        for (uint64_t c = cur, stop = cur + n; c < stop;) {
            uint64_t next = c - c % l->p.rcb + cpl_max;
            if (next > stop)
                next = stop;
            tlp(l, PCIE_H2D, kind, DW3_HEADER, next - c, out);
            c = next;
        }
        cur += n;
    }
}

void
pcie_count_doorbell(struct pcie_link *l, uint64_t out[PCIE_DIRS])
{
    tlp(l, PCIE_H2D, PCIE_KIND_DOORBELL, DW3_HEADER, REGISTER_SIZE, out);
}

void
pcie_count_msix(struct pcie_link *l, uint64_t out[PCIE_DIRS])
{
    tlp(l, PCIE_D2H, PCIE_KIND_MSIX, DW3_HEADER, REGISTER_SIZE, out);
}

uint64_t
pcie_wire_ns(const struct pcie_link *l, uint64_t bytes)
{
    return (bytes * 1000000000ull + l->rate - 1) / l->rate;
}

/* The wire time of each direction in parallel, then the flight latency. */
static void
plan_wire(struct pcie_link *l, struct sim_plan *plan, enum sim_prio prio,
          const uint64_t bytes[PCIE_DIRS], enum pcie_dir main)
{
    sim_plan_use(plan, &l->dir[main], prio, pcie_wire_ns(l, bytes[main]));
    enum pcie_dir other = main == PCIE_H2D ? PCIE_D2H : PCIE_H2D;
    if (bytes[other] != 0) /* DLLPs of this transaction */
        sim_plan_use(plan, &l->dir[other], prio, pcie_wire_ns(l, bytes[other]));
    sim_plan_barrier(plan);
    if (l->p.latency_ns != 0) {
        sim_plan_delay(plan, prio, l->p.latency_ns);
        sim_plan_barrier(plan);
    }
}

void
pcie_plan_write(struct pcie_link *l, struct sim_plan *plan, enum sim_prio prio, enum pcie_dir dir,
                enum pcie_kind kind, uint64_t addr, uint64_t len)
{
    uint64_t b[PCIE_DIRS] = {0, 0};
    pcie_count_write(l, dir, kind, addr, len, b);
    plan_wire(l, plan, prio, b, dir);
}

void
pcie_plan_read(struct pcie_link *l, struct sim_plan *plan, enum sim_prio prio, enum pcie_kind kind,
               uint64_t addr, uint64_t len)
{
    /* Requests go up while earlier completions come down, so one stage holds both directions;
     * the requests' flight comes first: a round trip costs two latencies. */
    uint64_t b[PCIE_DIRS] = {0, 0};
    pcie_count_read(l, kind, addr, len, b);
    if (l->p.latency_ns != 0) {
        sim_plan_delay(plan, prio, l->p.latency_ns);
        sim_plan_barrier(plan);
    }
    plan_wire(l, plan, prio, b, PCIE_H2D);
}

void
pcie_plan_doorbell(struct pcie_link *l, struct sim_plan *plan, enum sim_prio prio)
{
    uint64_t b[PCIE_DIRS] = {0, 0};
    pcie_count_doorbell(l, b);
    plan_wire(l, plan, prio, b, PCIE_H2D);
}

void
pcie_plan_msix(struct pcie_link *l, struct sim_plan *plan, enum sim_prio prio)
{
    uint64_t b[PCIE_DIRS] = {0, 0};
    pcie_count_msix(l, b);
    plan_wire(l, plan, prio, b, PCIE_D2H);
}

uint64_t
pcie_total_bytes(const struct pcie_counts *c, enum pcie_dir dir)
{
    uint64_t s = 0;
    for (int k = 0; k < PCIE_KIND_COUNT; k++)
        s += c->bytes[dir][k];
    return s;
}

uint64_t
pcie_total_tlps(const struct pcie_counts *c)
{
    uint64_t s = 0;
    for (int d = 0; d < PCIE_DIRS; d++)
        for (int k = 0; k < PCIE_KIND_COUNT; k++)
            s += c->tlps[d][k];
    return s;
}

void
pcie_write_json(const struct pcie_counts *c, struct nvkv_json *j)
{
    nvkv_json_u64(j, "h2d_bytes", pcie_total_bytes(c, PCIE_H2D));
    nvkv_json_u64(j, "d2h_bytes", pcie_total_bytes(c, PCIE_D2H));
    nvkv_json_u64(j, "tlps", pcie_total_tlps(c));
    nvkv_json_object(j, "by_kind");
    for (int k = 0; k < PCIE_KIND_COUNT; k++) {
        nvkv_json_object(j, pcie_kind_name((enum pcie_kind)k));
        nvkv_json_u64(j, "h2d_bytes", c->bytes[PCIE_H2D][k]);
        nvkv_json_u64(j, "d2h_bytes", c->bytes[PCIE_D2H][k]);
        nvkv_json_u64(j, "tlps", c->tlps[PCIE_H2D][k] + c->tlps[PCIE_D2H][k]);
        nvkv_json_close(j);
    }
    nvkv_json_close(j);
}
