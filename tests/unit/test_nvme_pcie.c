/* SPDX-License-Identifier: MIT */
/* The PCIe byte model against hand calculations (research/nvme-pcie-bandslim-plm.md 2.1-2.2). */
#include "../../src/nvme/pcie.h"
#include "harness.h"

static struct pcie_link
link_with(void (*tweak)(struct pcie_params *))
{
    struct pcie_params p;
    pcie_params_default(&p);
    if (tweak != NULL)
        tweak(&p);
    struct pcie_link l;
    pcie_init(&l, &p);
    return l;
}

TEST(register_writes)
{
    struct pcie_link l = link_with(NULL);
    uint64_t b[2] = {0, 0};
    pcie_count_doorbell(&l, b);
    CHECK_EQ_U64(b[PCIE_H2D], 24); /* 8 framing + 12 header (32-bit BAR address) + 4 */
    CHECK_EQ_U64(b[PCIE_D2H], 0);
    pcie_count_msix(&l, b);
    CHECK_EQ_U64(b[PCIE_D2H], 24);
    CHECK_EQ_U64(l.c.tlps[PCIE_H2D][PCIE_KIND_DOORBELL], 1);
    CHECK_EQ_U64(l.c.tlps[PCIE_D2H][PCIE_KIND_MSIX], 1);
}

TEST(sqe_fetch_and_cqe)
{
    struct pcie_link l = link_with(NULL);
    uint64_t b[2] = {0, 0};
    pcie_count_read(&l, PCIE_KIND_SQE_FETCH, 0x10000 + 64 * 5, 64, b);
    CHECK_EQ_U64(b[PCIE_D2H], 24); /* MRd, 4-DW header: 8 + 16 */
    CHECK_EQ_U64(b[PCIE_H2D], 84); /* CplD: 8 + 12 + 64 */
    b[0] = b[1] = 0;
    pcie_count_write(&l, PCIE_D2H, PCIE_KIND_CQE, 0x20000 + 16 * 3, 16, b);
    CHECK_EQ_U64(b[PCIE_D2H], 40); /* MWr: 8 + 16 + 16 */
    /* a bare command: 132 B down, 88 B up (doorbell, fetch, CQE, MSI-X, CQ doorbell) */
    struct pcie_link m = link_with(NULL);
    uint64_t t[2] = {0, 0};
    pcie_count_doorbell(&m, t);
    pcie_count_read(&m, PCIE_KIND_SQE_FETCH, 0, 64, t);
    pcie_count_write(&m, PCIE_D2H, PCIE_KIND_CQE, 0, 16, t);
    pcie_count_msix(&m, t);
    pcie_count_doorbell(&m, t);
    CHECK_EQ_U64(t[PCIE_H2D], 132);
    CHECK_EQ_U64(t[PCIE_D2H], 88);
    CHECK_EQ_U64(pcie_total_bytes(&m.c, PCIE_H2D), 132);
    CHECK_EQ_U64(pcie_total_tlps(&m.c), 6);
}

TEST(page_read_splits_at_mrrs_and_mps)
{
    struct pcie_link l = link_with(NULL);
    uint64_t b[2] = {0, 0};
    pcie_count_read(&l, PCIE_KIND_DATA, 0x40000, 4096, b);
    CHECK_EQ_U64(b[PCIE_D2H], 8 * 24);          /* 4096 / 512 requests */
    CHECK_EQ_U64(b[PCIE_H2D], 16 * (20 + 256)); /* 4096 / 256 completions */
    CHECK_EQ_U64(l.c.tlps[PCIE_H2D][PCIE_KIND_DATA], 16);
    /* 400 bytes from offset 40: one request; a completion of at most MPS that ends on an RCB
     * boundary: [40, 256) then [256, 440) -> two headers. 100 bytes fit one completion. */
    struct pcie_link m = link_with(NULL);
    uint64_t c[2] = {0, 0};
    pcie_count_read(&m, PCIE_KIND_DATA, 40, 400, c);
    CHECK_EQ_U64(c[PCIE_D2H], 24);
    CHECK_EQ_U64(c[PCIE_H2D], 2 * 20 + 400);
    c[0] = c[1] = 0;
    pcie_count_read(&m, PCIE_KIND_DATA, 40, 100, c);
    CHECK_EQ_U64(c[PCIE_H2D], 20 + 100);
}

static void
rcb_split(struct pcie_params *p)
{
    p->rcb_split = 1;
    p->tlp_header = 3;
}

TEST(rcb_split_and_3dw_headers)
{
    struct pcie_link l = link_with(rcb_split);
    uint64_t b[2] = {0, 0};
    pcie_count_read(&l, PCIE_KIND_DATA, 0, 512, b);
    CHECK_EQ_U64(b[PCIE_D2H], 20);            /* 3-DW request */
    CHECK_EQ_U64(b[PCIE_H2D], 8 * (20 + 64)); /* one completion per 64-byte RCB */
    b[0] = b[1] = 0;
    pcie_count_write(&l, PCIE_D2H, PCIE_KIND_DATA, 0, 16, b);
    CHECK_EQ_U64(b[PCIE_D2H], 36);
}

TEST(writes_split_at_mps_and_4k)
{
    struct pcie_link l = link_with(NULL);
    uint64_t b[2] = {0, 0};
    /* 600 bytes from 4000: [4000, 4096) stops at the 4 KiB boundary, then 256 + 248 */
    pcie_count_write(&l, PCIE_D2H, PCIE_KIND_DATA, 4000, 600, b);
    CHECK_EQ_U64(l.c.tlps[PCIE_D2H][PCIE_KIND_DATA], 3);
    CHECK_EQ_U64(b[PCIE_D2H], 3 * 24 + 600);
}

static void
acks(struct pcie_params *p)
{
    p->ack_every = 2;
    p->ecrc = 1;
}

TEST(dllp_and_ecrc)
{
    struct pcie_link l = link_with(acks);
    uint64_t b[2] = {0, 0};
    pcie_count_doorbell(&l, b);
    CHECK_EQ_U64(b[PCIE_H2D], 28);
    CHECK_EQ_U64(b[PCIE_D2H], 0);
    pcie_count_doorbell(&l, b); /* second TLP received: one ACK goes back */
    CHECK_EQ_U64(b[PCIE_H2D], 56);
    CHECK_EQ_U64(b[PCIE_D2H], 8);
    CHECK_EQ_U64(l.c.tlps[PCIE_D2H][PCIE_KIND_DLLP], 1);
}

TEST(link_rates)
{
    CHECK_EQ_U64(pcie_bytes_per_s(PCIE_GEN2X8), 4000000000ull);
    CHECK_EQ_U64(pcie_bytes_per_s(PCIE_GEN3X4), 3938461538ull);
    CHECK_EQ_U64(pcie_bytes_per_s(PCIE_GEN4X4), 7876923076ull);
    struct pcie_link l = link_with(NULL);
    CHECK_EQ_U64(pcie_wire_ns(&l, 4000), 1000);
    CHECK_EQ_U64(pcie_wire_ns(&l, 1), 1);
    CHECK_STR(pcie_kind_name(PCIE_KIND_SQE_FETCH), "sqe_fetch");
}

TEST_MAIN(TEST_ENTRY(register_writes), TEST_ENTRY(sqe_fetch_and_cqe),
          TEST_ENTRY(page_read_splits_at_mrrs_and_mps), TEST_ENTRY(rcb_split_and_3dw_headers),
          TEST_ENTRY(writes_split_at_mps_and_4k), TEST_ENTRY(dllp_and_ecrc), TEST_ENTRY(link_rates))
