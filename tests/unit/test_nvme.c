/* SPDX-License-Identifier: MIT */
/*
 * The NVMe command path end to end: host driver -> SQ ring -> controller -> hash engine -> CQ
 * ring -> host. PCIe bytes of one command of each method against hand calculations, values of
 * 0 B - 2 MiB through every method with their content checked, queue wrap-around,
 * back-pressure, and the status of every kind of bad command (with state left untouched).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../../src/base/le.h"
#include "../../src/base/rng.h"
#include "../../tools/nvmedev.h"
#include "harness.h"

/* 2 x 2 dies of 8 blocks of 256 pages of 8 KiB: 64 MiB raw; a block holds a 2 MiB value */
static const char *const small_device[] = {
    "nand.channels=2",          "nand.dies_per_channel=2", "nand.blocks_per_die=8",
    "nand.pages_per_block=256", "device.dram=4MiB",        NULL,
};

struct rig {
    struct nvmedev *d;
    struct sim *sim;
};

static bool
rig_open(struct rig *t, const char *const *extra)
{
    struct cfg c;
    char err[CFG_ERR_LEN];
    CHECK_EQ_INT(cfg_load_preset(&c, "anykey64g", err, sizeof(err)), 0);
    for (int i = 0; small_device[i] != NULL; i++)
        CHECK_EQ_INT(cfg_set_assignment(&c, small_device[i], err, sizeof(err)), 0);
    for (int i = 0; extra != NULL && extra[i] != NULL; i++)
        CHECK_EQ_INT(cfg_set_assignment(&c, extra[i], err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg_finalize(&c, 1, err, sizeof(err)), 0);
    t->d = NULL;
    int rc = nvmedev_open(&c, "hash", 1, &t->d, err, sizeof(err));
    CHECK_MSG(rc == 0, "%s", err);
    if (rc != 0)
        return false;
    t->sim = t->d->kd->sim;
    return true;
}

static void
rig_close(struct rig *t)
{
    nvmedev_close(t->d);
}

static void
mark_done(struct host_req *r)
{
    *(int *)r->arg += 1;
}

/* Submit and run the simulation until the request is done; returns its status. */
static uint16_t
run_req(struct rig *t, struct host_req *r)
{
    int done = 0;
    r->done = mark_done;
    r->arg = &done;
    int rc = host_submit(t->d->drv, 1, r);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0)
        return 0xffff;
    sim_run(t->sim, UINT64_MAX);
    CHECK_EQ_INT(done, 1);
    return r->status;
}

static uint16_t
store(struct rig *t, const void *key, uint32_t klen, const void *v, uint32_t vlen, uint32_t opt)
{
    struct host_req r = {
        .op = HOST_OP_STORE, .key = key, .klen = klen, .value = v, .vlen = vlen, .options = opt};
    return run_req(t, &r);
}

static uint16_t
retrieve(struct rig *t, const void *key, uint32_t klen, void *buf, uint32_t len, uint32_t *vlen)
{
    struct host_req r = {
        .op = HOST_OP_RETRIEVE, .key = key, .klen = klen, .buf = buf, .buf_len = len};
    uint16_t st = run_req(t, &r);
    *vlen = r.result;
    return st;
}

static uint16_t
simple(struct rig *t, enum host_op op, const void *key, uint32_t klen)
{
    struct host_req r = {.op = op, .key = key, .klen = klen};
    return run_req(t, &r);
}

/* ---- bytes on the link, by hand ---- */

struct bytes {
    uint64_t h2d, d2h, commands;
};

static struct bytes
measure_store(const char *const *sets, uint32_t klen, uint32_t vlen)
{
    struct bytes b = {0, 0, 0};
    struct rig t;
    if (!rig_open(&t, sets))
        return b;
    static uint8_t value[8192] __attribute__((aligned(4096)));
    uint8_t key[32];
    memset(key, 'k', sizeof(key));
    for (uint32_t i = 0; i < vlen; i++)
        value[i] = (uint8_t)(i * 7 + 1);
    CHECK_EQ_INT(store(&t, key, klen, value, vlen, 0), 0);
    struct pcie_counts *c = &nvme_ctrl_link(t.d->ctrl)->c;
    b.h2d = pcie_total_bytes(c, PCIE_H2D);
    b.d2h = pcie_total_bytes(c, PCIE_D2H);
    b.commands = nvme_ctrl_stats(t.d->ctrl)->commands;
    uint8_t back[8192];
    uint32_t got = 0;
    CHECK_EQ_INT(retrieve(&t, key, klen, back, sizeof(back), &got), 0);
    CHECK_EQ_U64(got, vlen);
    CHECK(memcmp(back, value, vlen) == 0);
    rig_close(&t);
    return b;
}

/*
 * Hand calculation (4-DW request headers, MPS 256, MRRS 512, no DLLPs):
 *   doorbell MWr 4 B            24 down
 *   SQE fetch MRd / CplD 64 B   24 up, 84 down
 *   CQE MWr 16 B                40 up
 *   MSI-X MWr 4 B               24 up
 *   CQ head doorbell            24 down
 * => a bare command is 132 B down + 88 B up.
 */
TEST(bytes_per_method_by_hand)
{
    static const char *const prp_page[] = {"nvme.xfer=prp", NULL};
    static const char *const prp_exact[] = {"nvme.xfer=prp", "nvme.prp_granularity=4", NULL};
    static const char *const piggy[] = {"nvme.xfer=piggyback", NULL};
    static const char *const adaptive[] = {"nvme.xfer=adaptive", NULL};
    static const char *const inl[] = {"nvme.xfer=inline", NULL};
    static const char *const inl_batch[] = {"nvme.xfer=inline", "nvme.inline_fetch=batched", NULL};
    struct bytes b;
    /* PRP, 8 B, page unit: + 4096 B read: 8 requests (MRRS 512) x 24 up, 16 CplD x (20 + 256) */
    b = measure_store(prp_page, 4, 8);
    CHECK_EQ_U64(b.h2d, 132 + 16 * 276);
    CHECK_EQ_U64(b.d2h, 88 + 8 * 24);
    CHECK_EQ_U64(b.commands, 1);
    /* PRP, 8 B, exact: one request, one CplD of 8 B */
    b = measure_store(prp_exact, 4, 8);
    CHECK_EQ_U64(b.h2d, 132 + 28);
    CHECK_EQ_U64(b.d2h, 88 + 24);
    /* 20-byte key: + key buffer read, 24 up + (20 + 20) down */
    b = measure_store(prp_exact, 20, 8);
    CHECK_EQ_U64(b.h2d, 132 + 28 + 40);
    CHECK_EQ_U64(b.d2h, 88 + 24 + 24);
    /* piggyback 8 B: one A7h, a bare command */
    b = measure_store(piggy, 4, 8);
    CHECK_EQ_U64(b.h2d, 132);
    CHECK_EQ_U64(b.d2h, 88);
    /* piggyback 128 B: 35 + 56 + 37 -> three bare commands (the paper's figure) */
    b = measure_store(piggy, 4, 128);
    CHECK_EQ_U64(b.commands, 3);
    CHECK_EQ_U64(b.h2d, 3 * 132);
    CHECK_EQ_U64(b.d2h, 3 * 88);
    /* adaptive 127 B piggybacks (3 commands); 128 B goes by PRP page */
    b = measure_store(adaptive, 4, 127);
    CHECK_EQ_U64(b.commands, 3);
    b = measure_store(adaptive, 4, 128);
    CHECK_EQ_U64(b.commands, 1);
    CHECK_EQ_U64(b.h2d, 132 + 16 * 276);
    /* adaptive 5000 B: one page by DMA, 904 B tail in ceil(904 / 56) = 17 transfers */
    b = measure_store(adaptive, 4, 5000);
    CHECK_EQ_U64(b.commands, 18);
    CHECK_EQ_U64(b.h2d, 132 + 16 * 276 + 17 * 132);
    CHECK_EQ_U64(b.d2h, 88 + 8 * 24 + 17 * 88);
    /* polled completions: no MSI-X message, 24 B less up */
    static const char *const polled[] = {"nvme.xfer=piggyback", "nvme.interrupts=0", NULL};
    b = measure_store(polled, 4, 8);
    CHECK_EQ_U64(b.h2d, 132);
    CHECK_EQ_U64(b.d2h, 88 - 24);
    /* inline 200 B, per slot: 4 payload slots, each its own MRd + CplD of 64 B */
    b = measure_store(inl, 4, 200);
    CHECK_EQ_U64(b.commands, 1);
    CHECK_EQ_U64(b.h2d, 132 + 4 * 84);
    CHECK_EQ_U64(b.d2h, 88 + 4 * 24);
    /* inline 200 B, batched: one MRd of 256 B, one CplD of 256 B (MPS) */
    b = measure_store(inl_batch, 4, 200);
    CHECK_EQ_U64(b.h2d, 132 + 276);
    CHECK_EQ_U64(b.d2h, 88 + 24);
}

TEST(retrieve_bytes_by_hand)
{
    struct rig t;
    if (!rig_open(&t, NULL))
        return;
    uint8_t key[4] = {1, 2, 3, 4}, v[8] = {9, 8, 7, 6, 5, 4, 3, 2};
    CHECK_EQ_INT(store(&t, key, 4, v, 8, 0), 0);
    struct pcie_link *l = nvme_ctrl_link(t.d->ctrl);
    uint64_t h0 = pcie_total_bytes(&l->c, PCIE_H2D), d0 = pcie_total_bytes(&l->c, PCIE_D2H);
    static uint8_t buf[4096] __attribute__((aligned(4096)));
    uint32_t got;
    CHECK_EQ_INT(retrieve(&t, key, 4, buf, sizeof(buf), &got), 0);
    /* bare command + one page written up: 16 MWr x (24 + 256) */
    CHECK_EQ_U64(pcie_total_bytes(&l->c, PCIE_H2D) - h0, 132);
    CHECK_EQ_U64(pcie_total_bytes(&l->c, PCIE_D2H) - d0, 88 + 16 * 280);
    CHECK_EQ_U64(l->c.tlps[PCIE_D2H][PCIE_KIND_DATA], 16 + 8); /* + the store's 8 requests */
    rig_close(&t);
}

/* ---- every method, 0 B - 2 MiB, content checked ---- */

static void
fill(uint8_t *p, uint32_t n, uint64_t seed)
{
    struct nvkv_rng r;
    nvkv_rng_seed(&r, seed);
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = nvkv_rng_next(&r);
        memcpy(p + i, &x, 8);
    }
    for (; i < n; i++)
        p[i] = (uint8_t)nvkv_rng_next(&r);
}

static void
round_trip_method(const char *const *sets)
{
    struct rig t;
    if (!rig_open(&t, sets))
        return;
    static const uint32_t fixed[] = {0,    1,    8,    34,    35,     36,      91,
                                     92,   127,  128,  200,   4095,   4096,    4097,
                                     5000, 8192, 8193, 65536, 300000, 2u << 20};

    enum {
        N_FIXED = sizeof(fixed) / sizeof(fixed[0]),
        N = N_FIXED + 12
    };

    uint32_t size[N];
    struct nvkv_rng r;
    nvkv_rng_seed(&r, harness_seed);
    for (int i = 0; i < N; i++)
        size[i] = i < N_FIXED ? fixed[i] : (uint32_t)nvkv_rng_below(&r, 20000);
    uint8_t *v = malloc(2u << 20), *back = malloc((2u << 20) + 64);
    CHECK(v != NULL && back != NULL);
    for (int i = 0; i < N && v != NULL && back != NULL; i++) {
        uint8_t key[24];
        uint32_t klen = i % 3 == 2 ? 24 : 8; /* some keys go through the key buffer */
        memset(key, 0, sizeof(key));
        nvkv_put_le32(key, (uint32_t)i);
        fill(v, size[i], (uint64_t)i * 77 + harness_seed);
        CHECK_MSG(store(&t, key, klen, v, size[i], 0) == 0, "store %u B", size[i]);
    }
    for (int i = 0; i < N && v != NULL && back != NULL; i++) {
        uint8_t key[24];
        uint32_t klen = i % 3 == 2 ? 24 : 8;
        memset(key, 0, sizeof(key));
        nvkv_put_le32(key, (uint32_t)i);
        fill(v, size[i], (uint64_t)i * 77 + harness_seed);
        uint32_t got = 0;
        uint8_t *dst = back + (i % 2 ? 13 : 0); /* unaligned host buffers too */
        CHECK_EQ_INT(retrieve(&t, key, klen, dst, 2u << 20, &got), 0);
        CHECK_EQ_U64(got, size[i]);
        CHECK_MSG(memcmp(dst, v, size[i]) == 0, "value %d (%u B) differs", i, size[i]);
    }
    CHECK_EQ_U64(host_inflight(t.d->drv), 0);
    free(v);
    free(back);
    rig_close(&t);
}

TEST(every_method_round_trips_0_to_2mib)
{
    static const char *const m[][4] = {
        {"nvme.xfer=prp", NULL},
        {"nvme.xfer=prp", "nvme.prp_granularity=4", NULL},
        {"nvme.xfer=piggyback", NULL},
        {"nvme.xfer=adaptive", NULL},
        {"nvme.xfer=inline", NULL},
        {"nvme.xfer=inline", "nvme.inline_fetch=batched", "nvme.queue_depth=64", NULL},
    };
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        round_trip_method(m[i]);
}

/* ---- queues ---- */

struct async_ctx {
    int done;
    uint16_t status[64];
};

static void
async_done(struct host_req *r)
{
    struct async_ctx *a = r->arg;
    a->status[a->done++] = r->status;
}

TEST(queue_wrap_around)
{
    /* depth 8: 200 stores of 0..300 B (inline: up to 6 slots) wrap the rings many times */
    static const char *const sets[] = {"nvme.xfer=inline", "nvme.queue_depth=8", NULL};
    struct rig t;
    if (!rig_open(&t, sets))
        return;
    uint8_t v[300], back[300];
    for (uint32_t i = 0; i < 200; i++) {
        uint8_t key[4];
        nvkv_put_le32(key, i);
        uint32_t n = (i * 37) % 301;
        fill(v, n, i);
        CHECK_EQ_INT(store(&t, key, 4, v, n, 0), 0);
        uint32_t got = 0;
        CHECK_EQ_INT(retrieve(&t, key, 4, back, sizeof(back), &got), 0);
        CHECK_EQ_U64(got, n);
        CHECK(memcmp(back, v, n) == 0);
    }
    const struct nvme_ctrl_stats *s = nvme_ctrl_stats(t.d->ctrl);
    CHECK_EQ_U64(s->commands, 400);
    CHECK_GE_U64(s->inline_slots, 400); /* the SQ of 8 slots went round > 100 times */
    CHECK_EQ_U64(host_drv_stats(t.d->drv)->cqes, 400); /* CQ phase flipped every 8 */
    rig_close(&t);
}

TEST(back_pressure)
{
    static const char *const sets[] = {"nvme.queue_depth=4", "nvme.xfer=prp", NULL};
    struct rig t;
    if (!rig_open(&t, sets))
        return;
    struct async_ctx a = {0};
    struct host_req r[6];
    uint8_t keys[6][4], vals[6][16];
    int accepted = 0;
    for (int i = 0; i < 6; i++) {
        memset(keys[i], 'a' + i, 4);
        memset(vals[i], 'A' + i, 16);
        r[i] = (struct host_req){.op = HOST_OP_STORE,
                                 .key = keys[i],
                                 .klen = 4,
                                 .value = vals[i],
                                 .vlen = 16,
                                 .done = async_done,
                                 .arg = &a};
        int rc = host_submit(t.d->drv, 1, &r[i]);
        CHECK(rc == 0 || rc == -EAGAIN);
        if (rc == 0)
            accepted++;
    }
    /* a ring of 4 holds 3 entries: the 4th submission is refused, nothing overwritten */
    CHECK_EQ_INT(accepted, 3);
    CHECK_EQ_U64(host_drv_stats(t.d->drv)->busy, 3);
    sim_run(t.sim, UINT64_MAX);
    CHECK_EQ_INT(a.done, 3);
    for (int i = 0; i < 6; i++) {
        uint8_t back[16];
        uint32_t got = 0;
        uint16_t st = retrieve(&t, keys[i], 4, back, 16, &got);
        CHECK_EQ_INT(st, i < 3 ? NVME_SC_SUCCESS : NVME_SC_KEY_NOT_EXISTS);
        if (i < 3)
            CHECK(memcmp(back, vals[i], 16) == 0);
    }
    /* a BandSlim sequence holds its queue: nothing else goes in until it ends */
    rig_close(&t);
    static const char *const piggy[] = {"nvme.xfer=piggyback", NULL};
    if (!rig_open(&t, piggy))
        return;
    struct async_ctx b = {0};
    uint8_t big[500];
    fill(big, sizeof(big), 3);
    struct host_req s1 = {.op = HOST_OP_STORE,
                          .key = "k1",
                          .klen = 2,
                          .value = big,
                          .vlen = 500,
                          .done = async_done,
                          .arg = &b};
    struct host_req s2 = {
        .op = HOST_OP_EXIST, .key = "k1", .klen = 2, .done = async_done, .arg = &b};
    CHECK_EQ_INT(host_submit(t.d->drv, 1, &s1), 0);
    CHECK_EQ_INT(host_submit(t.d->drv, 1, &s2), -EAGAIN);
    sim_run(t.sim, UINT64_MAX);
    CHECK_EQ_INT(b.done, 1);
    CHECK_EQ_U64(s1.commands, 1 + 9); /* 35 + 9 x 56 >= 500 */
    CHECK_EQ_INT(host_submit(t.d->drv, 1, &s2), 0);
    sim_run(t.sim, UINT64_MAX);
    CHECK_EQ_INT(b.status[1], NVME_SC_SUCCESS);
    rig_close(&t);
}

/* ---- raw rings: the controller without the host driver ---- */

struct raw {
    struct rig t;
    uint8_t *sq, *cq;
    uint32_t depth, tail, cq_head;
    int irqs;
};

static void
raw_irq(void *arg, uint16_t qid)
{
    (void)qid;
    ((struct raw *)arg)->irqs++;
}

static bool
raw_open(struct raw *w, uint32_t depth)
{
    memset(w, 0, sizeof(*w));
    if (!rig_open(&w->t, NULL))
        return false;
    w->depth = depth;
    w->sq = calloc(depth, NVME_SQE_BYTES);
    w->cq = calloc(depth, NVME_CQE_BYTES);
    /* queue 2: the driver owns queue 1 */
    CHECK_EQ_INT(nvme_ctrl_create_qpair(w->t.d->ctrl, 2, w->sq, w->cq, depth, raw_irq, w), 0);
    CHECK_EQ_INT(nvme_ctrl_create_qpair(w->t.d->ctrl, 2, w->sq, w->cq, depth, raw_irq, w), -EINVAL);
    return true;
}

static void
raw_close(struct raw *w)
{
    rig_close(&w->t);
    free(w->sq);
    free(w->cq);
}

static void
raw_push(struct raw *w, const struct nvme_kv_cmd *k)
{
    struct nvme_sqe s;
    nvme_kv_encode(k, &s);
    nvme_sqe_write(&s, w->sq + (size_t)w->tail * NVME_SQE_BYTES);
    w->tail = (w->tail + 1) % w->depth;
}

static struct nvme_cqe
raw_cqe(struct raw *w, uint32_t i)
{
    struct nvme_cqe c;
    nvme_cqe_read(w->cq + (size_t)i * NVME_CQE_BYTES, &c);
    return c;
}

/* Push, ring, run; the status of the CQE at index `at`. */
static uint16_t
raw_run(struct raw *w, uint32_t at)
{
    nvme_ctrl_sq_doorbell(w->t.d->ctrl, 2, w->tail);
    sim_run(w->t.sim, UINT64_MAX);
    struct nvme_cqe c = raw_cqe(w, at);
    return nvme_cqe_status(&c);
}

TEST(bad_commands_get_their_status)
{
    struct raw w;
    if (!raw_open(&w, 16))
        return;
    uint32_t n = 0;
    struct nvme_kv_cmd k = {.opc = 0x7f, .nsid = 1, .klen = 4, .cid = 1};
    memcpy(k.key, "abcd", 4);
    raw_push(&w, &k);
    CHECK_EQ_INT(raw_run(&w, n++), NVME_SC_INVALID_OPCODE);
    /* key length 0 */
    k = (struct nvme_kv_cmd){.opc = NVME_OPC_KV_EXIST, .nsid = 1, .klen = 0, .cid = 2};
    raw_push(&w, &k);
    CHECK_EQ_INT(raw_run(&w, n++), NVME_SC_INVALID_KEY_SIZE);
    /* a transfer with no open value */
    k = (struct nvme_kv_cmd){.opc = NVME_OPC_BANDSLIM_TRANSFER, .nsid = 1, .cid = 3};
    raw_push(&w, &k);
    CHECK_EQ_INT(raw_run(&w, n++), NVME_SC_SEQUENCE_ERROR);
    /* wrong namespace */
    k = (struct nvme_kv_cmd){.opc = NVME_OPC_KV_EXIST, .nsid = 9, .klen = 4, .cid = 4};
    raw_push(&w, &k);
    CHECK_EQ_INT(raw_run(&w, n++), 0x0b);
    /* value over the namespace maximum: refused before any DMA, nothing stored */
    uint64_t data_before = nvme_ctrl_link(w.t.d->ctrl)->c.tlps[PCIE_D2H][PCIE_KIND_DATA];
    k = (struct nvme_kv_cmd){.opc = NVME_OPC_KV_STORE,
                             .nsid = 1,
                             .klen = 4,
                             .cid = 5,
                             .value_size = (2u << 20) + 1,
                             .prp1 = 4096};
    memcpy(k.key, "big!", 4);
    raw_push(&w, &k);
    CHECK_EQ_INT(raw_run(&w, n++), NVME_SC_INVALID_VALUE_SIZE);
    CHECK_EQ_U64(nvme_ctrl_link(w.t.d->ctrl)->c.tlps[PCIE_D2H][PCIE_KIND_DATA], data_before);
    CHECK_EQ_INT(simple(&w.t, HOST_OP_EXIST, "big!", 4), NVME_SC_KEY_NOT_EXISTS);
    /* a ByteExpress payload that runs past the tail: 1000 B claims 16 slots, 0 are there */
    k = (struct nvme_kv_cmd){.opc = NVME_OPC_BYTEEXPRESS_STORE,
                             .nsid = 1,
                             .klen = 4,
                             .cid = 6,
                             .value_size = 1000,
                             .inline_len = 1000};
    memcpy(k.key, "inl!", 4);
    raw_push(&w, &k);
    CHECK_EQ_INT(raw_run(&w, n++), NVME_SC_INVALID_FIELD);
    CHECK_EQ_INT(simple(&w.t, HOST_OP_EXIST, "inl!", 4), NVME_SC_KEY_NOT_EXISTS);
    /* the queue still works after all of that */
    k = (struct nvme_kv_cmd){.opc = NVME_OPC_BYTEEXPRESS_STORE,
                             .nsid = 1,
                             .klen = 4,
                             .cid = 7,
                             .value_size = 3,
                             .inline_len = 3};
    memcpy(k.key, "inl!", 4);
    raw_push(&w, &k);
    uint8_t *slot = w.sq + (size_t)w.tail * NVME_SQE_BYTES;
    memset(slot, 0, 64);
    memcpy(slot, "xyz", 3);
    w.tail = (w.tail + 1) % w.depth;
    CHECK_EQ_INT(raw_run(&w, n++), NVME_SC_SUCCESS);
    struct nvme_cqe c = raw_cqe(&w, n - 1);
    CHECK_EQ_INT(c.cid, 7);
    CHECK_EQ_INT(c.sqhd, w.tail);
    CHECK_EQ_INT(nvme_cqe_phase(&c), 1);
    uint8_t back[8];
    uint32_t got;
    CHECK_EQ_INT(retrieve(&w.t, "inl!", 4, back, 8, &got), 0);
    CHECK_EQ_U64(got, 3);
    CHECK(memcmp(back, "xyz", 3) == 0);
    /* an open BandSlim value that the host abandons for a new write is dropped, unstored */
    k = (struct nvme_kv_cmd){
        .opc = NVME_OPC_BANDSLIM_WRITE, .nsid = 1, .klen = 4, .cid = 8, .value_size = 100};
    memcpy(k.key, "opn1", 4);
    raw_push(&w, &k);
    CHECK_EQ_INT(raw_run(&w, n++), NVME_SC_SUCCESS); /* open: 35 of 100 bytes */
    k = (struct nvme_kv_cmd){
        .opc = NVME_OPC_BANDSLIM_WRITE, .nsid = 1, .klen = 4, .cid = 9, .value_size = 10};
    memcpy(k.key, "opn2", 4);
    memcpy(k.payload, "0123456789", 10);
    raw_push(&w, &k);
    CHECK_EQ_INT(raw_run(&w, n++), NVME_SC_SUCCESS); /* complete in one command */
    k = (struct nvme_kv_cmd){.opc = NVME_OPC_BANDSLIM_TRANSFER, .nsid = 1, .cid = 10};
    raw_push(&w, &k);
    CHECK_EQ_INT(raw_run(&w, n++), NVME_SC_SEQUENCE_ERROR);
    CHECK_EQ_INT(simple(&w.t, HOST_OP_EXIST, "opn1", 4), NVME_SC_KEY_NOT_EXISTS);
    CHECK_EQ_INT(retrieve(&w.t, "opn2", 4, back, 8, &got), 0);
    CHECK_EQ_U64(got, 10);
    CHECK(memcmp(back, "01234567", 8) == 0);
    CHECK_EQ_INT(w.irqs, (int)n);
    raw_close(&w);
}

TEST(store_options_and_short_buffers)
{
    struct rig t;
    if (!rig_open(&t, NULL))
        return;
    CHECK_EQ_INT(store(&t, "key1", 4, "first", 5, 0), 0);
    CHECK_EQ_INT(store(&t, "key1", 4, "second", 6, NVME_KV_STORE_IF_ABSENT), NVME_SC_KEY_EXISTS);
    CHECK_EQ_INT(store(&t, "key2", 4, "x", 1, NVME_KV_STORE_IF_EXISTS), NVME_SC_KEY_NOT_EXISTS);
    CHECK_EQ_INT(simple(&t, HOST_OP_EXIST, "key2", 4), NVME_SC_KEY_NOT_EXISTS);
    char buf[8] = {0};
    uint32_t got = 0;
    CHECK_EQ_INT(retrieve(&t, "key1", 4, buf, 3, &got), 0); /* what fits, and the full size */
    CHECK_EQ_U64(got, 5);
    CHECK(memcmp(buf, "fir", 3) == 0 && buf[3] == 0);
    CHECK_EQ_INT(store(&t, "", 0, "x", 1, 0), NVME_SC_INVALID_KEY_SIZE);
    char longkey[300];
    memset(longkey, 'L', sizeof(longkey));
    struct host_req r = {.op = HOST_OP_STORE,
                         .key = longkey,
                         .klen = 256,
                         .value = "v",
                         .vlen = 1,
                         .done = mark_done};
    CHECK_EQ_INT(host_submit(t.d->drv, 1, &r), -EINVAL); /* the wire has 8 bits for it */
    CHECK_EQ_INT(store(&t, longkey, 255, "v", 1, 0), 0);
    CHECK_EQ_INT(simple(&t, HOST_OP_DELETE, "key1", 4), 0);
    CHECK_EQ_INT(simple(&t, HOST_OP_DELETE, "key1", 4), NVME_SC_KEY_NOT_EXISTS);
    rig_close(&t);
}

TEST(list_keys)
{
    struct rig t;
    if (!rig_open(&t, NULL))
        return;
    CHECK_EQ_INT(store(&t, "b", 1, "1", 1, 0), 0);
    CHECK_EQ_INT(store(&t, "a", 1, "1", 1, 0), 0);
    CHECK_EQ_INT(store(&t, "cc", 2, "1", 1, 0), 0);
    uint8_t buf[64] = {0};
    struct host_req r = {.op = HOST_OP_LIST, .buf = buf, .buf_len = sizeof(buf)};
    CHECK_EQ_INT(run_req(&t, &r), 0);
    CHECK_EQ_U64(r.result, 3);
    CHECK_EQ_U64(nvkv_get_le32(buf), 3);
    CHECK_EQ_U64(nvkv_get_le16(buf + 4), 1);
    CHECK_EQ_INT(buf[6], 'a');
    CHECK_EQ_INT(buf[10], 'b');
    CHECK_EQ_U64(nvkv_get_le16(buf + 12), 2);
    CHECK(memcmp(buf + 14, "cc", 2) == 0);
    struct host_req from = {
        .op = HOST_OP_LIST, .key = "b", .klen = 1, .buf = buf, .buf_len = sizeof(buf)};
    CHECK_EQ_INT(run_req(&t, &from), 0);
    CHECK_EQ_U64(from.result, 2);
    rig_close(&t);
}

TEST(cq_full_defers_completions)
{
    struct raw w;
    if (!raw_open(&w, 4))
        return;
    /* the host does not consume: the CQ of 4 holds 3, the rest waits for the CQ doorbell */
    for (uint16_t i = 0; i < 3; i++) {
        struct nvme_kv_cmd k = {.opc = NVME_OPC_KV_EXIST, .nsid = 1, .klen = 1, .cid = i};
        k.key[0] = 'z';
        raw_push(&w, &k);
    }
    nvme_ctrl_sq_doorbell(w.t.d->ctrl, 2, w.tail);
    sim_run(w.t.sim, UINT64_MAX);
    for (uint16_t i = 0; i < 3; i++) {
        struct nvme_kv_cmd k = {.opc = NVME_OPC_KV_EXIST, .nsid = 1, .klen = 1, .cid = 10 + i};
        k.key[0] = 'z';
        raw_push(&w, &k);
    }
    nvme_ctrl_sq_doorbell(w.t.d->ctrl, 2, w.tail);
    sim_run(w.t.sim, UINT64_MAX);
    CHECK_EQ_U64(nvme_ctrl_stats(w.t.d->ctrl)->cqe_deferred, 3);
    struct nvme_cqe c = raw_cqe(&w, 3);
    CHECK_EQ_INT(nvme_cqe_phase(&c), 0); /* slot 3 still unwritten */
    /* the first three are intact (completion order may differ from submission order) */
    uint32_t seen = 0;
    for (uint32_t i = 0; i < 3; i++) {
        c = raw_cqe(&w, i);
        CHECK_LT_U64(c.cid, 3);
        seen |= 1u << (c.cid & 31);
    }
    CHECK_EQ_U64(seen, 7);
    nvme_ctrl_cq_doorbell(w.t.d->ctrl, 2, 3); /* the host consumed 3 */
    sim_run(w.t.sim, UINT64_MAX);
    c = raw_cqe(&w, 3);
    CHECK(c.cid >= 10 && c.cid < 13);
    CHECK_EQ_INT(nvme_cqe_phase(&c), 1);
    c = raw_cqe(&w, 0);
    CHECK(c.cid >= 10 && c.cid < 13);
    CHECK_EQ_INT(nvme_cqe_phase(&c), 0); /* second pass of the ring */
    c = raw_cqe(&w, 1);
    CHECK(c.cid >= 10 && c.cid < 13);
    c = raw_cqe(&w, 2); /* the one slot the host has not released keeps its entry */
    CHECK_LT_U64(c.cid, 3);
    CHECK_EQ_INT(nvme_cqe_phase(&c), 1);
    /* bad doorbell values are ignored */
    nvme_ctrl_sq_doorbell(w.t.d->ctrl, 2, 99);
    nvme_ctrl_cq_doorbell(w.t.d->ctrl, 7, 0);
    CHECK_EQ_U64(nvme_ctrl_stats(w.t.d->ctrl)->bad_doorbells, 2);
    raw_close(&w);
}

TEST(packing_counts_page_writes)
{
    struct nvme_pack p = {.page_bytes = 16384};
    for (int i = 0; i < 100; i++)
        nvme_pack_add(&p, 0, 100); /* byte-packed: 10,000 B -> one page */
    CHECK_EQ_U64(nvme_pack_page_writes(&p), 1);
    struct nvme_pack q = {.page_bytes = 16384};
    for (int i = 0; i < 100; i++)
        nvme_pack_add(&q, 1, 0); /* page-aligned: 4 values per 16 KiB page */
    CHECK_EQ_U64(nvme_pack_page_writes(&q), 25);
    struct nvme_pack r = {.page_bytes = 16384};
    nvme_pack_add(&r, 3, 0);
    nvme_pack_add(&r, 0, 4000); /* backfills the fourth slot */
    CHECK_EQ_U64(nvme_pack_page_writes(&r), 1);
    nvme_pack_add(&r, 0, 200); /* does not fit */
    CHECK_EQ_U64(nvme_pack_page_writes(&r), 2);
    struct nvme_pack s = {.page_bytes = 16384};
    nvme_pack_add(&s, 0, 40000); /* two full pages and a part */
    CHECK_EQ_U64(s.page_writes, 2);
    CHECK_EQ_U64(nvme_pack_page_writes(&s), 3);
}

/* BandSlim sequences on several queues at once: each SQ keeps its own open value. */
TEST(piggyback_on_several_queues)
{
    static const char *const sets[] = {"nvme.xfer=piggyback", "nvme.queues=3",
                                       "nvme.queue_depth=16", NULL};
    struct rig t;
    if (!rig_open(&t, sets))
        return;

    enum {
        N = 30
    };

    static uint8_t vals[N][1000];
    struct host_req r[N];
    uint8_t keys[N][4];
    struct async_ctx a = {0};
    int next = 0;
    while (a.done < N) {
        /* keep every queue busy with a sequence while requests remain */
        for (uint16_t q = 1; q <= 3 && next < N; q++) {
            nvkv_put_le32(keys[next], (uint32_t)next);
            uint32_t n = 100 + (uint32_t)next * 29;
            fill(vals[next], n, (uint64_t)next);
            r[next] = (struct host_req){.op = HOST_OP_STORE,
                                        .key = keys[next],
                                        .klen = 4,
                                        .value = vals[next],
                                        .vlen = n,
                                        .done = async_done,
                                        .arg = &a};
            int rc = host_submit(t.d->drv, q, &r[next]);
            CHECK(rc == 0 || rc == -EAGAIN);
            if (rc == 0)
                next++;
        }
        if (!sim_step(t.sim))
            break;
    }
    sim_run(t.sim, UINT64_MAX);
    CHECK_EQ_INT(a.done, N);
    for (int i = 0; i < N; i++) {
        uint8_t back[1000];
        uint32_t got = 0;
        CHECK_EQ_INT(retrieve(&t, keys[i], 4, back, sizeof(back), &got), 0);
        CHECK_EQ_U64(got, r[i].vlen);
        CHECK(memcmp(back, vals[i], r[i].vlen) == 0);
    }
    rig_close(&t);
}

TEST_MAIN(TEST_ENTRY(bytes_per_method_by_hand), TEST_ENTRY(retrieve_bytes_by_hand),
          TEST_ENTRY(every_method_round_trips_0_to_2mib), TEST_ENTRY(queue_wrap_around),
          TEST_ENTRY(back_pressure), TEST_ENTRY(bad_commands_get_their_status),
          TEST_ENTRY(store_options_and_short_buffers), TEST_ENTRY(list_keys),
          TEST_ENTRY(cq_full_defers_completions), TEST_ENTRY(packing_counts_page_writes),
          TEST_ENTRY(piggyback_on_several_queues))
