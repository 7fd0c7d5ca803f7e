/* SPDX-License-Identifier: MIT */
/*
 * The NVMe wire format the host and the controller exchange: 64-byte submission queue entries
 * (SQEs) and 16-byte completion queue entries (CQEs), little-endian, as they sit in queue
 * memory. Sources: NVM Express Base (SQE/CQE layout, generic status codes), NVM Express Key
 * Value Command Set 1.0 (opcodes, dword use, statuses 81h-89h), the BandSlim (ICPP '24) and
 * ByteExpress (HotStorage '25) papers for the vendor opcodes. research/nvme-pcie-bandslim-plm.md
 * sections 1-3 hold the citations.
 *
 * struct nvme_sqe / nvme_cqe mirror the bytes exactly (static asserts below) and are read and
 * written field by field in little-endian order (nvme_sqe_read / nvme_sqe_write), never by
 * casting ring memory. struct nvme_kv_cmd is the decoded meaning of a KV command.
 *
 * ---- Byte map of the standard KV commands (Store 01h, Retrieve 02h, List 06h, Delete 10h,
 *      Exist 14h) ----
 *   bytes  0-3   CDW0   opcode, flags (FUSE/PSDT, must be 0), command identifier (CID)
 *   bytes  4-7   CDW1   namespace id
 *   bytes  8-15  CDW2-3 key bytes 0-7 (key length <= 16), or the key buffer's host address
 *                       (key length 17..255: the controller reads the key by DMA, as Samsung's
 *                       KV-SSDs do with their key PRP)
 *   bytes 16-23  CDW4-5 metadata pointer: unused, must be 0
 *   bytes 24-39  CDW6-9 data pointer PRP1, PRP2 (Store, Retrieve, List); PRP2 is the second page
 *                       or, when the data spans more than two pages, a PRP list's address
 *   bytes 40-43  CDW10  Store: value size; Retrieve/List: host buffer size (bytes)
 *   byte  44     CDW11  key length (1..255; List: 0 = from the first key)
 *   byte  45     CDW11  store options: bit 0 only if the key exists, bit 1 only if absent
 *   bytes 46-47  CDW11  reserved, 0
 *   bytes 48-51  CDW12  Store, nvkv extension: bytes moved by PRP DMA when fewer than the value
 *                       size; 0 = the whole value. The rest follows in A9h transfer commands
 *                       (BandSlim adaptive, values over 4 KiB: whole pages by DMA, the tail
 *                       piggybacked; BandSlim's firmware reads a page count from CDW12 alike)
 *   bytes 52-55  CDW13  reserved, 0 (A8h: payload length)
 *   bytes 56-63  CDW14-15 key bytes 8-15 (key length 9..16), else 0
 *   Completion DW0: Retrieve: the stored value size (even when the buffer was smaller);
 *                   List: the number of keys returned.
 *
 * ---- BandSlim write A7h: a Store carrying the first 35 value bytes in the dwords a KV Store
 *      does not use ----
 *   bytes  0-15 as Store (CDW0, NSID, key 0-7 or key address)
 *   bytes 16-23  CDW4-5  value bytes  0-7
 *   bytes 24-39  CDW6-9  value bytes  8-23
 *   bytes 40-42  CDW10[23:0] value size (at most 2 MiB needs 22 bits)
 *   byte  43     CDW10[31:24] value byte 24
 *   byte  44-45  CDW11   key length, store options
 *   bytes 46-47  CDW11[31:16] value bytes 25-26
 *   bytes 48-55  CDW12-13 value bytes 27-34
 *   bytes 56-63  CDW14-15 key bytes 8-15
 *   When the value is longer than 35 bytes it stays open on the submission queue and A9h
 *   commands append to it (the paper's design: transfers carry no value identifier, so the host
 *   serializes them).
 *
 * ---- BandSlim transfer A9h ----
 *   bytes  0-7 CDW0-1; bytes 8-63 (CDW2-15): the next 56 value bytes of the open value; the
 *   last transfer carries value size - bytes so far, the rest is 0.
 *
 * ---- ByteExpress A8h: a Store whose value follows in the SQ ----
 *   Store layout with PRP1/PRP2 = 0 and CDW13 = payload length (= value size, CDW10); the next
 *   ceil(length / 64) SQ slots hold the payload, 64 bytes each, the last zero-padded. One
 *   doorbell covers the command and its slots; only the command completes.
 */
#ifndef NVKV_NVME_SPEC_H
#define NVKV_NVME_SPEC_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define NVME_SQE_BYTES 64u
#define NVME_CQE_BYTES 16u

/* ---- opcodes ---- */
enum {
    NVME_OPC_KV_STORE = 0x01,
    NVME_OPC_KV_RETRIEVE = 0x02,
    NVME_OPC_KV_LIST = 0x06,
    NVME_OPC_KV_DELETE = 0x10,
    NVME_OPC_KV_EXIST = 0x14,
    NVME_OPC_BANDSLIM_WRITE = 0xa7,    /* vendor: Store + 35 piggybacked value bytes */
    NVME_OPC_BYTEEXPRESS_STORE = 0xa8, /* vendor: Store + payload in the next SQ slots */
    NVME_OPC_BANDSLIM_TRANSFER = 0xa9, /* vendor: 56 more bytes of the open value */
};

/* ---- statuses: (status code type << 8) | status code ---- */
enum {
    NVME_SC_SUCCESS = 0x00,
    NVME_SC_INVALID_OPCODE = 0x01,
    NVME_SC_INVALID_FIELD = 0x02,
    NVME_SC_INTERNAL = 0x06,
    NVME_SC_SEQUENCE_ERROR = 0x0c, /* Command Sequence Error: a transfer with no open value */
    NVME_SC_CAPACITY_EXCEEDED = 0x81,
    NVME_SC_INVALID_VALUE_SIZE = 0x85,
    NVME_SC_INVALID_KEY_SIZE = 0x86,
    NVME_SC_KEY_NOT_EXISTS = 0x87,
    NVME_SC_KEY_EXISTS = 0x89,
};

/* Store options (CDW11[15:8]). */
enum {
    NVME_KV_STORE_IF_EXISTS = 1u << 0,
    NVME_KV_STORE_IF_ABSENT = 1u << 1,
};

#define NVME_KV_INLINE_KEY_MAX      16u
#define NVME_KV_KEY_MAX             255u
#define NVME_BANDSLIM_WRITE_PAYLOAD 35u
#define NVME_BANDSLIM_XFER_PAYLOAD  56u
#define NVME_BYTEEXPRESS_SLOT       64u
#define NVME_KV_VALUE_SIZE_MASK     0x00ffffffu /* A7h: CDW10[23:0] */

/* The 64-byte submission queue entry, one field per dword group. */
struct nvme_sqe {
    uint8_t opc;    /* CDW0[7:0] */
    uint8_t flags;  /* CDW0[15:8] FUSE, PSDT */
    uint16_t cid;   /* CDW0[31:16] */
    uint32_t nsid;  /* CDW1 */
    uint32_t cdw2;  /* key 0-3 */
    uint32_t cdw3;  /* key 4-7 */
    uint64_t mptr;  /* CDW4-5 */
    uint64_t prp1;  /* CDW6-7 */
    uint64_t prp2;  /* CDW8-9 */
    uint32_t cdw10; /* value size / host buffer size */
    uint32_t cdw11; /* key length, options */
    uint32_t cdw12;
    uint32_t cdw13;
    uint32_t cdw14; /* key 8-11 */
    uint32_t cdw15; /* key 12-15 */
};

static_assert(sizeof(struct nvme_sqe) == 64, "SQE is 64 bytes");
static_assert(offsetof(struct nvme_sqe, cid) == 2, "CID in CDW0[31:16]");
static_assert(offsetof(struct nvme_sqe, nsid) == 4, "CDW1");
static_assert(offsetof(struct nvme_sqe, cdw2) == 8, "CDW2");
static_assert(offsetof(struct nvme_sqe, cdw3) == 12, "CDW3");
static_assert(offsetof(struct nvme_sqe, mptr) == 16, "CDW4-5");
static_assert(offsetof(struct nvme_sqe, prp1) == 24, "CDW6-7");
static_assert(offsetof(struct nvme_sqe, prp2) == 32, "CDW8-9");
static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "CDW10");
static_assert(offsetof(struct nvme_sqe, cdw11) == 44, "CDW11");
static_assert(offsetof(struct nvme_sqe, cdw12) == 48, "CDW12");
static_assert(offsetof(struct nvme_sqe, cdw13) == 52, "CDW13");
static_assert(offsetof(struct nvme_sqe, cdw14) == 56, "CDW14");
static_assert(offsetof(struct nvme_sqe, cdw15) == 60, "CDW15");

/* The 16-byte completion queue entry. */
struct nvme_cqe {
    uint32_t dw0;    /* command specific: Retrieve value size, List key count */
    uint32_t dw1;    /* reserved */
    uint16_t sqhd;   /* DW2[15:0] submission queue head */
    uint16_t sqid;   /* DW2[31:16] */
    uint16_t cid;    /* DW3[15:0] */
    uint16_t status; /* DW3[31:16]: bit 0 phase, bits 8:1 SC, 11:9 SCT, 15 DNR */
};

static_assert(sizeof(struct nvme_cqe) == 16, "CQE is 16 bytes");
static_assert(offsetof(struct nvme_cqe, dw1) == 4, "DW1");
static_assert(offsetof(struct nvme_cqe, sqhd) == 8, "DW2");
static_assert(offsetof(struct nvme_cqe, sqid) == 10, "DW2[31:16]");
static_assert(offsetof(struct nvme_cqe, cid) == 12, "DW3");
static_assert(offsetof(struct nvme_cqe, status) == 14, "DW3[31:16]");

/* Phase bit and status (SCT << 8 | SC) in the CQE status field. */
static inline uint16_t
nvme_cqe_status_field(uint16_t status, int phase)
{
    return (uint16_t)((status & 0x7ffu) << 1 | (phase & 1));
}

static inline uint16_t
nvme_cqe_status(const struct nvme_cqe *c)
{
    return (uint16_t)((c->status >> 1) & 0x7ffu);
}

static inline int
nvme_cqe_phase(const struct nvme_cqe *c)
{
    return c->status & 1;
}

void nvme_sqe_write(const struct nvme_sqe *s, uint8_t out[NVME_SQE_BYTES]);
void nvme_sqe_read(const uint8_t in[NVME_SQE_BYTES], struct nvme_sqe *s);
void nvme_cqe_write(const struct nvme_cqe *c, uint8_t out[NVME_CQE_BYTES]);
void nvme_cqe_read(const uint8_t in[NVME_CQE_BYTES], struct nvme_cqe *c);

/* The meaning of a KV command, standard or vendor. */
struct nvme_kv_cmd {
    uint8_t opc;
    uint16_t cid;
    uint32_t nsid;
    uint32_t klen;                       /* 0..255 */
    uint8_t key[NVME_KV_INLINE_KEY_MAX]; /* klen <= 16 */
    uint64_t key_addr;                   /* klen > 16: host address of the key bytes */
    uint32_t options;                    /* store options */
    uint32_t value_size;                 /* Store: value bytes; Retrieve/List: host buffer bytes */
    uint64_t prp1, prp2;
    uint32_t dma_len;    /* Store: bytes by PRP DMA when < value_size (0 = all) */
    uint32_t inline_len; /* A8h: payload bytes in the following slots */
    /* A7h: the first min(35, value_size) value bytes; A9h: 56 bytes of the open value */
    uint8_t payload[NVME_BANDSLIM_XFER_PAYLOAD];
};

/* Build the SQE of a command (unused fields 0). */
void nvme_kv_encode(const struct nvme_kv_cmd *c, struct nvme_sqe *s);

/*
 * Decode and check an SQE: NVME_SC_SUCCESS, or the status the command must complete with
 * (unknown opcode, reserved fields set, key length 0 or an inconsistent A8h length). Value
 * limits depend on the namespace and are the controller's to check.
 */
uint16_t nvme_kv_decode(const struct nvme_sqe *s, struct nvme_kv_cmd *c);

/* "store", "retrieve", ... or "unknown". */
const char *nvme_opc_name(uint8_t opc);

/* "success", "key does not exist", ... for messages. */
const char *nvme_status_name(uint16_t status);

/* SQ slots a command occupies: 1, plus the payload slots of an A8h store. */
static inline uint32_t
nvme_inline_slots(uint32_t len)
{
    return (len + NVME_BYTEEXPRESS_SLOT - 1) / NVME_BYTEEXPRESS_SLOT;
}

#endif
