/* SPDX-License-Identifier: MIT */
/*
 * nvkv: the public API of the emulated NVMe key-value SSD.
 *
 * A device is opened from a configuration (a preset, an optional INI file, "section.key=value"
 * overrides) and one engine. Every call goes through the emulated host driver, the NVMe queues
 * and the PCIe link model, so the figures in nvkv_stats are what a real link would carry.
 * Time is virtual: the emulator advances its clock while a synchronous call waits or while
 * nvkv_poll() runs. Single-threaded: one device per thread.
 *
 * Results: synchronous calls and completions carry an NVMe status (0 success, or one of
 * NVKV_SC_*); calls that cannot be issued at all return a negative errno (-EINVAL a request
 * the wire cannot express, -EAGAIN the queue has no room, -ENOMEM).
 *
 * Ownership: the caller owns every buffer it passes. For asynchronous requests the request
 * struct and the key, value and buffer it points to must stay valid until its callback has
 * run. The device owns nothing of the caller's after that.
 */
#ifndef NVKV_NVKV_H
#define NVKV_NVKV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* NVMe statuses (SCT << 8 | SC) a KV command completes with. */
enum {
    NVKV_SC_SUCCESS = 0x00,
    NVKV_SC_INVALID_OPCODE = 0x01,
    NVKV_SC_INVALID_FIELD = 0x02,
    NVKV_SC_CAPACITY_EXCEEDED = 0x81,
    NVKV_SC_INVALID_VALUE_SIZE = 0x85,
    NVKV_SC_INVALID_KEY_SIZE = 0x86,
    NVKV_SC_KEY_NOT_EXISTS = 0x87,
    NVKV_SC_KEY_EXISTS = 0x89,
};

/* Store options. */
enum {
    NVKV_STORE_IF_EXISTS = 1u << 0, /* only overwrite an existing key */
    NVKV_STORE_IF_ABSENT = 1u << 1, /* only create a new key */
};

#define NVKV_KEY_MAX   255u
#define NVKV_VALUE_MAX (2u << 20)

typedef struct nvkv_dev nvkv_dev;

/*
 * Open a device. `preset` NULL means "anykey64g"; `config_file` may be NULL; `sets` is a
 * NULL-terminated list of "section.key=value" (may be NULL); `scale` divides capacity and DRAM
 * (1 = full size); `engine` NULL means "pink". Returns 0, or a negative code with a one-line
 * message in err. Close with nvkv_close().
 */
int nvkv_open(const char *preset, const char *config_file, const char *const *sets, uint32_t scale,
              const char *engine, uint64_t seed, nvkv_dev **out, char *err, size_t errlen);
void nvkv_close(nvkv_dev *d);

/* ---- synchronous: the NVMe status, or a negative errno ---- */

int nvkv_store(nvkv_dev *d, const void *key, uint32_t klen, const void *value, uint32_t vlen,
               uint32_t options);
/* Copies min(stored size, buf_len) bytes; *vlen gets the stored size. */
int nvkv_retrieve(nvkv_dev *d, const void *key, uint32_t klen, void *buf, uint32_t buf_len,
                  uint32_t *vlen);
int nvkv_delete(nvkv_dev *d, const void *key, uint32_t klen);
/* 0 when the key exists, NVKV_SC_KEY_NOT_EXISTS when not. */
int nvkv_exist(nvkv_dev *d, const void *key, uint32_t klen);
/*
 * Keys >= start (klen 0: from the first) in key order, as many as fit: buf gets a 4-byte
 * little-endian count, then per key a 2-byte length and the key bytes padded to 4 bytes.
 */
int nvkv_list(nvkv_dev *d, const void *start, uint32_t klen, void *buf, uint32_t buf_len,
              uint32_t *count);

/* ---- asynchronous ---- */

enum nvkv_op {
    NVKV_OP_STORE = 0,
    NVKV_OP_RETRIEVE,
    NVKV_OP_DELETE,
    NVKV_OP_EXIST,
    NVKV_OP_LIST,
};

struct nvkv_req;
typedef void nvkv_cb(struct nvkv_req *r);

struct nvkv_req {
    enum nvkv_op op;
    const void *key;
    uint32_t klen;
    const void *value; /* store */
    uint32_t vlen;
    void *buf; /* retrieve, list */
    uint32_t buf_len;
    uint32_t options;
    nvkv_cb *cb; /* runs inside nvkv_poll() or a synchronous call */
    void *arg;
    /* results, valid in cb */
    int status;            /* NVMe status */
    uint32_t result;       /* retrieve: stored value size; list: keys returned */
    uint64_t latency_ns;   /* virtual time from submission to completion */
    uint64_t private_[24]; /* the driver's request; do not touch */
};

/* Submit on queue qid (1..nvme.queues): 0, -EAGAIN (no room: poll, then retry), -EINVAL. */
int nvkv_submit(nvkv_dev *d, uint16_t qid, struct nvkv_req *r);

/* Advance virtual time until at least one request completes or nothing is left to do;
 * returns the number of requests completed. */
uint32_t nvkv_poll(nvkv_dev *d);

/* ---- statistics ---- */

struct nvkv_stats {
    uint64_t virtual_ns;     /* the device clock */
    uint64_t commands;       /* NVMe commands executed */
    uint64_t pcie_h2d_bytes; /* every byte on the link, framing and headers included */
    uint64_t pcie_d2h_bytes;
    uint64_t pcie_tlps;
    uint64_t nand_page_writes;
};

void nvkv_get_stats(const nvkv_dev *d, struct nvkv_stats *s);

#ifdef __cplusplus
}
#endif

#endif
