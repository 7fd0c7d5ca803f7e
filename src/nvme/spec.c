/* SPDX-License-Identifier: MIT */
#include "spec.h"

#include <stdbool.h>
#include <string.h>

#include "../base/le.h"

static uint64_t
get_le64(const uint8_t *p)
{
    return (uint64_t)nvkv_get_le32(p) | (uint64_t)nvkv_get_le32(p + 4) << 32;
}

static void
put_le64(uint8_t *p, uint64_t v)
{
    nvkv_put_le32(p, (uint32_t)v);
    nvkv_put_le32(p + 4, (uint32_t)(v >> 32));
}

void
nvme_sqe_write(const struct nvme_sqe *s, uint8_t out[NVME_SQE_BYTES])
{
    out[0] = s->opc;
    out[1] = s->flags;
    nvkv_put_le16(out + 2, s->cid);
    nvkv_put_le32(out + 4, s->nsid);
    nvkv_put_le32(out + 8, s->cdw2);
    nvkv_put_le32(out + 12, s->cdw3);
    put_le64(out + 16, s->mptr);
    put_le64(out + 24, s->prp1);
    put_le64(out + 32, s->prp2);
    nvkv_put_le32(out + 40, s->cdw10);
    nvkv_put_le32(out + 44, s->cdw11);
    nvkv_put_le32(out + 48, s->cdw12);
    nvkv_put_le32(out + 52, s->cdw13);
    nvkv_put_le32(out + 56, s->cdw14);
    nvkv_put_le32(out + 60, s->cdw15);
}

void
nvme_sqe_read(const uint8_t in[NVME_SQE_BYTES], struct nvme_sqe *s)
{
    s->opc = in[0];
    s->flags = in[1];
    s->cid = (uint16_t)nvkv_get_le16(in + 2);
    s->nsid = nvkv_get_le32(in + 4);
    s->cdw2 = nvkv_get_le32(in + 8);
    s->cdw3 = nvkv_get_le32(in + 12);
    s->mptr = get_le64(in + 16);
    s->prp1 = get_le64(in + 24);
    s->prp2 = get_le64(in + 32);
    s->cdw10 = nvkv_get_le32(in + 40);
    s->cdw11 = nvkv_get_le32(in + 44);
    s->cdw12 = nvkv_get_le32(in + 48);
    s->cdw13 = nvkv_get_le32(in + 52);
    s->cdw14 = nvkv_get_le32(in + 56);
    s->cdw15 = nvkv_get_le32(in + 60);
}

void
nvme_cqe_write(const struct nvme_cqe *c, uint8_t out[NVME_CQE_BYTES])
{
    nvkv_put_le32(out, c->dw0);
    nvkv_put_le32(out + 4, c->dw1);
    nvkv_put_le16(out + 8, c->sqhd);
    nvkv_put_le16(out + 10, c->sqid);
    nvkv_put_le16(out + 12, c->cid);
    nvkv_put_le16(out + 14, c->status);
}

void
nvme_cqe_read(const uint8_t in[NVME_CQE_BYTES], struct nvme_cqe *c)
{
    c->dw0 = nvkv_get_le32(in);
    c->dw1 = nvkv_get_le32(in + 4);
    c->sqhd = (uint16_t)nvkv_get_le16(in + 8);
    c->sqid = (uint16_t)nvkv_get_le16(in + 10);
    c->cid = (uint16_t)nvkv_get_le16(in + 12);
    c->status = (uint16_t)nvkv_get_le16(in + 14);
}

/* ---- KV commands ---- */

static bool
is_store_like(uint8_t opc)
{
    return opc == NVME_OPC_KV_STORE || opc == NVME_OPC_BANDSLIM_WRITE ||
           opc == NVME_OPC_BYTEEXPRESS_STORE;
}

/* Key bytes 0-7 in CDW2-3 and 8-15 in CDW14-15, or the key buffer's address in CDW2-3. */
static void
encode_key(const struct nvme_kv_cmd *c, struct nvme_sqe *s)
{
    if (c->klen > NVME_KV_INLINE_KEY_MAX) {
        s->cdw2 = (uint32_t)c->key_addr;
        s->cdw3 = (uint32_t)(c->key_addr >> 32);
        return;
    }
    uint8_t k[NVME_KV_INLINE_KEY_MAX] = {0};
    memcpy(k, c->key, c->klen);
    s->cdw2 = nvkv_get_le32(k);
    s->cdw3 = nvkv_get_le32(k + 4);
    s->cdw14 = nvkv_get_le32(k + 8);
    s->cdw15 = nvkv_get_le32(k + 12);
}

static void
decode_key(const struct nvme_sqe *s, struct nvme_kv_cmd *c)
{
    if (c->klen > NVME_KV_INLINE_KEY_MAX) {
        c->key_addr = (uint64_t)s->cdw3 << 32 | s->cdw2;
        return;
    }
    uint8_t k[NVME_KV_INLINE_KEY_MAX];
    nvkv_put_le32(k, s->cdw2);
    nvkv_put_le32(k + 4, s->cdw3);
    nvkv_put_le32(k + 8, s->cdw14);
    nvkv_put_le32(k + 12, s->cdw15);
    memcpy(c->key, k, c->klen);
}

/* A7h: value bytes 0-23 in CDW4-9, 24 in CDW10[31:24], 25-26 in CDW11[31:16], 27-34 in
 * CDW12-13 (the byte map in spec.h). */
static void
encode_bandslim_write(const struct nvme_kv_cmd *c, struct nvme_sqe *s)
{
    const uint8_t *p = c->payload;
    s->mptr = get_le64(p);
    s->prp1 = get_le64(p + 8);
    s->prp2 = get_le64(p + 16);
    s->cdw10 = (c->value_size & NVME_KV_VALUE_SIZE_MASK) | (uint32_t)p[24] << 24;
    s->cdw11 |= (uint32_t)p[25] << 16 | (uint32_t)p[26] << 24;
    s->cdw12 = nvkv_get_le32(p + 27);
    s->cdw13 = nvkv_get_le32(p + 31);
}

static void
decode_bandslim_write(const struct nvme_sqe *s, struct nvme_kv_cmd *c)
{
    uint8_t *p = c->payload;
    put_le64(p, s->mptr);
    put_le64(p + 8, s->prp1);
    put_le64(p + 16, s->prp2);
    p[24] = (uint8_t)(s->cdw10 >> 24);
    p[25] = (uint8_t)(s->cdw11 >> 16);
    p[26] = (uint8_t)(s->cdw11 >> 24);
    nvkv_put_le32(p + 27, s->cdw12);
    nvkv_put_le32(p + 31, s->cdw13);
    c->value_size = s->cdw10 & NVME_KV_VALUE_SIZE_MASK;
}

/* A9h: CDW2-15 in order are 56 payload bytes. */
static void
encode_transfer(const struct nvme_kv_cmd *c, struct nvme_sqe *s)
{
    uint8_t raw[NVME_SQE_BYTES] = {0};
    memcpy(raw + 8, c->payload, NVME_BANDSLIM_XFER_PAYLOAD);
    struct nvme_sqe t;
    nvme_sqe_read(raw, &t);
    t.opc = s->opc;
    t.flags = s->flags;
    t.cid = s->cid;
    t.nsid = s->nsid;
    *s = t;
}

static void
decode_transfer(const struct nvme_sqe *s, struct nvme_kv_cmd *c)
{
    uint8_t raw[NVME_SQE_BYTES];
    nvme_sqe_write(s, raw);
    memcpy(c->payload, raw + 8, NVME_BANDSLIM_XFER_PAYLOAD);
}

void
nvme_kv_encode(const struct nvme_kv_cmd *c, struct nvme_sqe *s)
{
    memset(s, 0, sizeof(*s));
    s->opc = c->opc;
    s->cid = c->cid;
    s->nsid = c->nsid;
    if (c->opc == NVME_OPC_BANDSLIM_TRANSFER) {
        encode_transfer(c, s);
        return;
    }
    encode_key(c, s);
    s->cdw11 = (c->klen & 0xffu) | (c->options & 0xffu) << 8;
    if (c->opc == NVME_OPC_BANDSLIM_WRITE) {
        encode_bandslim_write(c, s);
        return;
    }
    s->prp1 = c->prp1;
    s->prp2 = c->prp2;
    s->cdw10 = c->value_size;
    if (c->opc == NVME_OPC_KV_STORE)
        s->cdw12 = c->dma_len;
    if (c->opc == NVME_OPC_BYTEEXPRESS_STORE)
        s->cdw13 = c->inline_len;
}

static bool
known_opcode(uint8_t opc)
{
    switch (opc) {
    case NVME_OPC_KV_STORE:
    case NVME_OPC_KV_RETRIEVE:
    case NVME_OPC_KV_LIST:
    case NVME_OPC_KV_DELETE:
    case NVME_OPC_KV_EXIST:
    case NVME_OPC_BANDSLIM_WRITE:
    case NVME_OPC_BYTEEXPRESS_STORE:
    case NVME_OPC_BANDSLIM_TRANSFER:
        return true;
    default:
        return false;
    }
}

/* Reserved fields of a standard command must be 0 (a host bug, reported as Invalid Field). */
static uint16_t
check_reserved(const struct nvme_sqe *s)
{
    if (s->mptr != 0 || (s->cdw11 >> 16) != 0)
        return NVME_SC_INVALID_FIELD;
    if (s->opc != NVME_OPC_KV_STORE && s->cdw12 != 0)
        return NVME_SC_INVALID_FIELD;
    if (s->opc != NVME_OPC_BYTEEXPRESS_STORE && s->cdw13 != 0)
        return NVME_SC_INVALID_FIELD;
    return NVME_SC_SUCCESS;
}

uint16_t
nvme_kv_decode(const struct nvme_sqe *s, struct nvme_kv_cmd *c)
{
    memset(c, 0, sizeof(*c));
    c->opc = s->opc;
    c->cid = s->cid;
    c->nsid = s->nsid;
    if (!known_opcode(s->opc))
        return NVME_SC_INVALID_OPCODE;
    if (s->flags != 0) /* no fused commands, no SGLs */
        return NVME_SC_INVALID_FIELD;
    if (s->opc == NVME_OPC_BANDSLIM_TRANSFER) {
        decode_transfer(s, c);
        return NVME_SC_SUCCESS;
    }
    c->klen = s->cdw11 & 0xffu;
    c->options = (s->cdw11 >> 8) & 0xffu;
    if (c->klen == 0 && s->opc != NVME_OPC_KV_LIST)
        return NVME_SC_INVALID_KEY_SIZE;
    decode_key(s, c);
    if (is_store_like(s->opc) &&
        (c->options & ~(uint32_t)(NVME_KV_STORE_IF_EXISTS | NVME_KV_STORE_IF_ABSENT)) != 0)
        return NVME_SC_INVALID_FIELD;
    if (!is_store_like(s->opc) && s->opc != NVME_OPC_KV_RETRIEVE && c->options != 0)
        return NVME_SC_INVALID_FIELD;
    if (s->opc == NVME_OPC_BANDSLIM_WRITE) {
        decode_bandslim_write(s, c);
        return NVME_SC_SUCCESS;
    }
    uint16_t st = check_reserved(s);
    if (st != NVME_SC_SUCCESS)
        return st;
    c->prp1 = s->prp1;
    c->prp2 = s->prp2;
    c->value_size = s->cdw10;
    if (s->opc == NVME_OPC_KV_STORE) {
        c->dma_len = s->cdw12;
        if (c->dma_len > c->value_size)
            return NVME_SC_INVALID_FIELD;
    }
    if (s->opc == NVME_OPC_BYTEEXPRESS_STORE) {
        c->inline_len = s->cdw13;
        if (c->inline_len != c->value_size || c->prp1 != 0 || c->prp2 != 0)
            return NVME_SC_INVALID_FIELD;
    }
    return NVME_SC_SUCCESS;
}

const char *
nvme_opc_name(uint8_t opc)
{
    switch (opc) {
    case NVME_OPC_KV_STORE:
        return "store";
    case NVME_OPC_KV_RETRIEVE:
        return "retrieve";
    case NVME_OPC_KV_LIST:
        return "list";
    case NVME_OPC_KV_DELETE:
        return "delete";
    case NVME_OPC_KV_EXIST:
        return "exist";
    case NVME_OPC_BANDSLIM_WRITE:
        return "bandslim-write";
    case NVME_OPC_BYTEEXPRESS_STORE:
        return "byteexpress-store";
    case NVME_OPC_BANDSLIM_TRANSFER:
        return "bandslim-transfer";
    default:
        return "unknown";
    }
}

const char *
nvme_status_name(uint16_t status)
{
    switch (status) {
    case NVME_SC_SUCCESS:
        return "success";
    case NVME_SC_INVALID_OPCODE:
        return "invalid opcode";
    case NVME_SC_INVALID_FIELD:
        return "invalid field";
    case NVME_SC_INTERNAL:
        return "internal error";
    case NVME_SC_SEQUENCE_ERROR:
        return "command sequence error";
    case NVME_SC_CAPACITY_EXCEEDED:
        return "capacity exceeded";
    case NVME_SC_INVALID_VALUE_SIZE:
        return "invalid value size";
    case NVME_SC_INVALID_KEY_SIZE:
        return "invalid key size";
    case NVME_SC_KEY_NOT_EXISTS:
        return "key does not exist";
    case NVME_SC_KEY_EXISTS:
        return "key exists";
    default:
        return "unknown status";
    }
}
