/* SPDX-License-Identifier: MIT */
/* The public API: open from a config, synchronous and asynchronous calls, statistics. */
#include <errno.h>

#include "../../include/nvkv/nvkv.h"
#include "harness.h"

static const char *const small[] = {"nand.channels=2",       "nand.dies_per_channel=2",
                                    "nand.blocks_per_die=8", "nvme.xfer=adaptive",
                                    "nvme.queue_depth=8",    NULL};

TEST(sync_calls)
{
    nvkv_dev *d = NULL;
    char err[512];
    CHECK_EQ_INT(nvkv_open(NULL, NULL, small, 1, "hash", 1, &d, err, sizeof(err)), 0);
    if (d == NULL)
        return;
    CHECK_EQ_INT(nvkv_store(d, "apple", 5, "red", 3, 0), 0);
    CHECK_EQ_INT(nvkv_store(d, "apple", 5, "green", 5, NVKV_STORE_IF_ABSENT), NVKV_SC_KEY_EXISTS);
    char buf[16] = {0};
    uint32_t n = 0;
    CHECK_EQ_INT(nvkv_retrieve(d, "apple", 5, buf, sizeof(buf), &n), 0);
    CHECK_EQ_U64(n, 3);
    CHECK(memcmp(buf, "red", 3) == 0);
    CHECK_EQ_INT(nvkv_exist(d, "pear", 4), NVKV_SC_KEY_NOT_EXISTS);
    CHECK_EQ_INT(nvkv_store(d, "pear", 4, "", 0, 0), 0);
    uint8_t list[64];
    CHECK_EQ_INT(nvkv_list(d, NULL, 0, list, sizeof(list), &n), 0);
    CHECK_EQ_U64(n, 2);
    CHECK_EQ_INT(nvkv_delete(d, "apple", 5), 0);
    CHECK_EQ_INT(nvkv_retrieve(d, "apple", 5, buf, sizeof(buf), &n), NVKV_SC_KEY_NOT_EXISTS);
    CHECK_EQ_INT(nvkv_store(d, "", 0, "x", 1, 0), NVKV_SC_INVALID_KEY_SIZE);
    struct nvkv_stats s;
    nvkv_get_stats(d, &s);
    CHECK_EQ_U64(s.commands, 9);
    CHECK_GE_U64(s.pcie_h2d_bytes, 9 * 132);
    CHECK_GE_U64(s.pcie_d2h_bytes, 9 * 88);
    CHECK(s.virtual_ns > 0);
    nvkv_close(d);
    CHECK(nvkv_open("nope", NULL, NULL, 1, NULL, 1, &d, err, sizeof(err)) != 0);
    CHECK_CONTAINS(err, "nope");
}

static int completions;

static void
count(struct nvkv_req *r)
{
    (void)r;
    completions++;
}

TEST(async_calls_and_back_pressure)
{
    nvkv_dev *d = NULL;
    char err[512];
    CHECK_EQ_INT(nvkv_open(NULL, NULL, small, 1, "hash", 1, &d, err, sizeof(err)), 0);
    if (d == NULL)
        return;
    struct nvkv_req r[20];
    char keys[20][4];
    int accepted = 0;
    completions = 0;
    for (int i = 0; i < 20; i++) {
        memcpy(keys[i], "k000", 4);
        keys[i][3] = (char)('a' + i);
        r[i] = (struct nvkv_req){.op = NVKV_OP_STORE,
                                 .key = keys[i],
                                 .klen = 4,
                                 .value = keys[i],
                                 .vlen = 4,
                                 .cb = count};
        int rc = nvkv_submit(d, 1, &r[i]);
        CHECK(rc == 0 || rc == -EAGAIN);
        accepted += rc == 0;
    }
    CHECK_EQ_INT(accepted, 7); /* a ring of 8 */
    uint32_t got = 0;
    while (got < 7) {
        uint32_t n = nvkv_poll(d);
        CHECK(n > 0);
        if (n == 0)
            break;
        got += n;
    }
    CHECK_EQ_INT(completions, 7);
    CHECK_EQ_INT(r[0].status, 0);
    CHECK(r[0].latency_ns > 0);
    CHECK_EQ_INT(nvkv_poll(d), 0);
    CHECK_EQ_INT(nvkv_exist(d, keys[6], 4), 0);
    CHECK_EQ_INT(nvkv_exist(d, keys[7], 4), NVKV_SC_KEY_NOT_EXISTS);
    nvkv_close(d);
}

TEST_MAIN(TEST_ENTRY(sync_calls), TEST_ENTRY(async_calls_and_back_pressure))
