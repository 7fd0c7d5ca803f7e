/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the SQE decoder (outside input: whatever bytes sit in a submission queue
 * slot). The input's first 64 bytes are the slot (zero-padded). The contract checked: never
 * crash; the status is one the spec names; an accepted command encodes back to bytes that
 * decode to the same command, and a refused one names a status without touching anything.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../src/base/check.h"
#include "../../src/nvme/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
known_status(uint16_t st)
{
    return st == NVME_SC_SUCCESS || st == NVME_SC_INVALID_OPCODE || st == NVME_SC_INVALID_FIELD ||
           st == NVME_SC_INVALID_KEY_SIZE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t raw[NVME_SQE_BYTES] = {0};
    memcpy(raw, data, size < sizeof(raw) ? size : sizeof(raw));
    struct nvme_sqe s;
    nvme_sqe_read(raw, &s);
    uint8_t again[NVME_SQE_BYTES];
    nvme_sqe_write(&s, again);
    NVKV_CHECK_MSG(memcmp(raw, again, sizeof(raw)) == 0, "SQE bytes do not survive read/write");
    struct nvme_kv_cmd c;
    uint16_t st = nvme_kv_decode(&s, &c);
    NVKV_CHECK_MSG(known_status(st), "decoder returned status %#x", st);
    NVKV_CHECK(nvme_status_name(st)[0] != '\0' && nvme_opc_name(s.opc)[0] != '\0');
    if (st != NVME_SC_SUCCESS)
        return 0;
    NVKV_CHECK(c.klen <= NVME_KV_KEY_MAX);
    NVKV_CHECK(c.opc != NVME_OPC_KV_STORE || c.dma_len <= c.value_size);
    /* accepted: encode and decode again, every field the same */
    struct nvme_sqe t;
    nvme_kv_encode(&c, &t);
    struct nvme_kv_cmd d;
    NVKV_CHECK_MSG(nvme_kv_decode(&t, &d) == NVME_SC_SUCCESS, "re-encoded %s refused",
                   nvme_opc_name(c.opc));
    NVKV_CHECK_MSG(memcmp(&c, &d, sizeof(c)) == 0, "%s changed on re-encoding",
                   nvme_opc_name(c.opc));
    return 0;
}
