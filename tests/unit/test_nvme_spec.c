/* SPDX-License-Identifier: MIT */
/* The NVMe wire format: byte positions, encode/decode round trips, decoder statuses. */
#include <stdbool.h>

#include "../../src/base/rng.h"
#include "../../src/nvme/spec.h"
#include "harness.h"

static void
fill_random(struct nvkv_rng *r, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)nvkv_rng_next(r);
}

/* Encode, write to bytes, read back, decode: every field survives. */
static void
round_trip(const struct nvme_kv_cmd *in, struct nvme_kv_cmd *out, uint8_t raw[64])
{
    struct nvme_sqe s, t;
    nvme_kv_encode(in, &s);
    nvme_sqe_write(&s, raw);
    nvme_sqe_read(raw, &t);
    CHECK(memcmp(&s, &t, sizeof(s)) == 0);
    CHECK_EQ_INT(nvme_kv_decode(&t, out), NVME_SC_SUCCESS);
    CHECK_EQ_INT(out->opc, in->opc);
    CHECK_EQ_INT(out->cid, in->cid);
    CHECK_EQ_U64(out->nsid, in->nsid);
}

TEST(standard_commands_round_trip)
{
    struct nvkv_rng r;
    nvkv_rng_seed(&r, harness_seed);
    const uint8_t opcs[] = {NVME_OPC_KV_STORE, NVME_OPC_KV_RETRIEVE, NVME_OPC_KV_LIST,
                            NVME_OPC_KV_DELETE, NVME_OPC_KV_EXIST};
    for (int iter = 0; iter < 2000; iter++) {
        struct nvme_kv_cmd c = {0}, d;
        uint8_t raw[64];
        c.opc = opcs[iter % 5];
        c.cid = (uint16_t)nvkv_rng_next(&r);
        c.nsid = 1;
        c.klen = 1 + (uint32_t)nvkv_rng_below(&r, 255);
        if (c.klen <= 16)
            fill_random(&r, c.key, c.klen);
        else
            c.key_addr = nvkv_rng_next(&r);
        bool has_data = c.opc == NVME_OPC_KV_STORE || c.opc == NVME_OPC_KV_RETRIEVE ||
                        c.opc == NVME_OPC_KV_LIST;
        if (has_data) {
            c.prp1 = nvkv_rng_next(&r);
            c.prp2 = nvkv_rng_next(&r);
            c.value_size = (uint32_t)nvkv_rng_below(&r, 1u << 21);
        }
        if (c.opc == NVME_OPC_KV_STORE) {
            c.options = (uint32_t)nvkv_rng_below(&r, 4);
            c.dma_len = (uint32_t)nvkv_rng_below(&r, c.value_size + 1ull);
        }
        round_trip(&c, &d, raw);
        CHECK_EQ_U64(d.klen, c.klen);
        if (c.klen <= 16) {
            CHECK(memcmp(d.key, c.key, c.klen) == 0);
            CHECK(memcmp(raw + 8, c.key, c.klen < 8 ? c.klen : 8) == 0); /* CDW2-3 */
            if (c.klen > 8)
                CHECK(memcmp(raw + 56, c.key + 8, c.klen - 8) == 0); /* CDW14-15 */
        } else {
            CHECK_EQ_U64(d.key_addr, c.key_addr);
        }
        CHECK_EQ_U64(d.options, c.options);
        CHECK_EQ_U64(d.value_size, c.value_size);
        CHECK_EQ_U64(d.prp1, c.prp1);
        CHECK_EQ_U64(d.prp2, c.prp2);
        CHECK_EQ_U64(d.dma_len, c.dma_len);
        CHECK_EQ_INT(raw[0], c.opc);
        CHECK_EQ_INT(raw[44], c.klen);    /* CDW11[7:0] */
        CHECK_EQ_INT(raw[45], c.options); /* CDW11[15:8] */
        CHECK_EQ_U64(raw[40] | raw[41] << 8 | raw[42] << 16 | (uint32_t)raw[43] << 24,
                     c.value_size); /* CDW10 */
    }
}

TEST(bandslim_write_byte_map)
{
    struct nvkv_rng r;
    nvkv_rng_seed(&r, harness_seed + 1);
    /* where value bytes 0..34 sit in the SQE (spec.h) */
    static const uint8_t at[35] = {16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
                                   28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39,
                                   43, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55};
    for (int iter = 0; iter < 500; iter++) {
        struct nvme_kv_cmd c = {0}, d;
        uint8_t raw[64];
        c.opc = NVME_OPC_BANDSLIM_WRITE;
        c.cid = (uint16_t)iter;
        c.nsid = 1;
        c.klen = 1 + (uint32_t)nvkv_rng_below(&r, 16);
        fill_random(&r, c.key, c.klen);
        c.options = (uint32_t)nvkv_rng_below(&r, 4);
        c.value_size = (uint32_t)nvkv_rng_below(&r, 1u << 21);
        fill_random(&r, c.payload, NVME_BANDSLIM_WRITE_PAYLOAD);
        round_trip(&c, &d, raw);
        CHECK_EQ_U64(d.value_size, c.value_size);
        CHECK_EQ_U64(d.options, c.options);
        CHECK(memcmp(d.key, c.key, c.klen) == 0);
        CHECK(memcmp(d.payload, c.payload, NVME_BANDSLIM_WRITE_PAYLOAD) == 0);
        for (int i = 0; i < 35; i++)
            CHECK_EQ_INT(raw[at[i]], c.payload[i]);
        CHECK_EQ_U64(raw[40] | raw[41] << 8 | raw[42] << 16, c.value_size);
        CHECK_EQ_INT(raw[44], c.klen);
        CHECK_EQ_INT(raw[45], c.options);
    }
}

TEST(transfer_and_inline_round_trip)
{
    struct nvkv_rng r;
    nvkv_rng_seed(&r, harness_seed + 2);
    struct nvme_kv_cmd c = {0}, d;
    uint8_t raw[64];
    c.opc = NVME_OPC_BANDSLIM_TRANSFER;
    c.cid = 77;
    c.nsid = 1;
    fill_random(&r, c.payload, NVME_BANDSLIM_XFER_PAYLOAD);
    round_trip(&c, &d, raw);
    CHECK(memcmp(d.payload, c.payload, 56) == 0);
    CHECK(memcmp(raw + 8, c.payload, 56) == 0); /* CDW2-15 */

    struct nvme_kv_cmd e = {0}, f;
    e.opc = NVME_OPC_BYTEEXPRESS_STORE;
    e.cid = 5;
    e.nsid = 1;
    e.klen = 4;
    memcpy(e.key, "abcd", 4);
    e.value_size = e.inline_len = 200;
    round_trip(&e, &f, raw);
    CHECK_EQ_U64(f.inline_len, 200);
    CHECK_EQ_U64(raw[52] | raw[53] << 8, 200); /* CDW13 */
    CHECK_EQ_INT(nvme_inline_slots(200), 4);
    CHECK_EQ_INT(nvme_inline_slots(0), 0);
    CHECK_EQ_INT(nvme_inline_slots(64), 1);
}

TEST(cqe_round_trip)
{
    struct nvme_cqe c = {.dw0 = 123456, .sqhd = 17, .sqid = 1, .cid = 999};
    c.status = nvme_cqe_status_field(NVME_SC_KEY_NOT_EXISTS, 1);
    uint8_t raw[16];
    nvme_cqe_write(&c, raw);
    struct nvme_cqe d;
    nvme_cqe_read(raw, &d);
    CHECK(memcmp(&c, &d, sizeof(c)) == 0);
    CHECK_EQ_INT(nvme_cqe_status(&d), 0x87);
    CHECK_EQ_INT(nvme_cqe_phase(&d), 1);
    CHECK_EQ_INT(raw[14], (0x87 << 1 | 1) & 0xff); /* DW3[31:16]: phase, then SC */
    CHECK_EQ_INT(raw[12] | raw[13] << 8, 999);
}

TEST(decoder_statuses)
{
    struct nvme_kv_cmd c = {0}, d;
    struct nvme_sqe s;
    c.opc = NVME_OPC_KV_STORE;
    c.klen = 4;
    c.value_size = 10;
    nvme_kv_encode(&c, &s);
    CHECK_EQ_INT(nvme_kv_decode(&s, &d), NVME_SC_SUCCESS);
    s.opc = 0x55;
    CHECK_EQ_INT(nvme_kv_decode(&s, &d), NVME_SC_INVALID_OPCODE);
    s.opc = NVME_OPC_KV_STORE;
    s.cdw11 = 0; /* key length 0 */
    CHECK_EQ_INT(nvme_kv_decode(&s, &d), NVME_SC_INVALID_KEY_SIZE);
    s.cdw11 = 4 | 0x4u << 8; /* unknown store option */
    CHECK_EQ_INT(nvme_kv_decode(&s, &d), NVME_SC_INVALID_FIELD);
    s.cdw11 = 4;
    s.flags = 0x40; /* SGL */
    CHECK_EQ_INT(nvme_kv_decode(&s, &d), NVME_SC_INVALID_FIELD);
    s.flags = 0;
    s.mptr = 1;
    CHECK_EQ_INT(nvme_kv_decode(&s, &d), NVME_SC_INVALID_FIELD);
    s.mptr = 0;
    s.cdw12 = 11; /* DMA length over the value size */
    CHECK_EQ_INT(nvme_kv_decode(&s, &d), NVME_SC_INVALID_FIELD);
    s.cdw12 = 0;
    s.opc = NVME_OPC_BYTEEXPRESS_STORE;
    s.cdw13 = 9; /* payload length disagrees with the value size */
    CHECK_EQ_INT(nvme_kv_decode(&s, &d), NVME_SC_INVALID_FIELD);
    s.cdw13 = 10;
    CHECK_EQ_INT(nvme_kv_decode(&s, &d), NVME_SC_SUCCESS);
    s.opc = NVME_OPC_KV_LIST;
    s.cdw11 = 0; /* List from the first key */
    s.cdw13 = 0;
    CHECK_EQ_INT(nvme_kv_decode(&s, &d), NVME_SC_SUCCESS);
    CHECK_STR(nvme_status_name(NVME_SC_KEY_EXISTS), "key exists");
    CHECK_STR(nvme_opc_name(NVME_OPC_BANDSLIM_TRANSFER), "bandslim-transfer");
}

TEST_MAIN(TEST_ENTRY(standard_commands_round_trip), TEST_ENTRY(bandslim_write_byte_map),
          TEST_ENTRY(transfer_and_inline_round_trip), TEST_ENTRY(cqe_round_trip),
          TEST_ENTRY(decoder_statuses))
