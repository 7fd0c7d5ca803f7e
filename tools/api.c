/* SPDX-License-Identifier: MIT */
/*
 * The public API (include/nvkv/nvkv.h) over the composition root: config -> nvmedev (device,
 * controller, host driver). It lives with the tools because opening from a config needs the
 * config layer, which sits above the host driver.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/nvkv/nvkv.h"
#include "../src/base/err.h"
#include "nvmedev.h"

struct nvkv_dev {
    struct nvmedev *d;
    uint32_t completed; /* completions seen by nvkv_poll */
    int sync_done;      /* the synchronous call's request completed */
};

/* The driver's request lives in the caller's nvkv_req. */
struct api_req {
    struct host_req h;
    struct nvkv_req *pub;
    struct nvkv_dev *dev;
};

static_assert(sizeof(struct api_req) <= sizeof(((struct nvkv_req *)0)->private_),
              "nvkv_req.private_ holds the driver's request");
static_assert((int)NVKV_SC_KEY_NOT_EXISTS == (int)NVME_SC_KEY_NOT_EXISTS, "statuses agree");
static_assert((int)NVKV_SC_KEY_EXISTS == (int)NVME_SC_KEY_EXISTS, "statuses agree");
static_assert((int)NVKV_OP_LIST == (int)HOST_OP_LIST, "operations agree");

int
nvkv_open(const char *preset, const char *config_file, const char *const *sets, uint32_t scale,
          const char *engine, uint64_t seed, nvkv_dev **out, char *err, size_t errlen)
{
    int rc = 0;
    struct cfg c;
    struct nvkv_dev *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    NVKV_ERR(cfg_load_preset(&c, preset ? preset : "anykey64g", err, errlen));
    if (config_file != NULL)
        NVKV_ERR(cfg_load_file(&c, config_file, err, errlen));
    for (int i = 0; sets != NULL && sets[i] != NULL; i++)
        NVKV_ERR(cfg_set_assignment(&c, sets[i], err, errlen));
    NVKV_ERR(cfg_finalize(&c, scale ? scale : 1, err, errlen));
    NVKV_ERR(nvmedev_open(&c, engine ? engine : "pink", seed, &d->d, err, errlen));
    *out = d;
    return 0;
err:
    free(d);
    return rc;
}

void
nvkv_close(nvkv_dev *d)
{
    if (d == NULL)
        return;
    nvmedev_close(d->d);
    free(d);
}

static void
on_done(struct host_req *h)
{
    struct api_req *a = (struct api_req *)h;
    struct nvkv_req *r = a->pub;
    r->status = h->status;
    r->result = h->result;
    r->latency_ns = h->complete_ns - h->submit_ns;
    a->dev->completed++;
    if (r->cb != NULL)
        r->cb(r);
}

int
nvkv_submit(nvkv_dev *d, uint16_t qid, struct nvkv_req *r)
{
    if (r == NULL || (unsigned)r->op > NVKV_OP_LIST)
        return -EINVAL;
    struct api_req *a = (struct api_req *)(void *)r->private_;
    memset(a, 0, sizeof(*a));
    a->pub = r;
    a->dev = d;
    a->h = (struct host_req){.op = (enum host_op)r->op,
                             .key = r->key,
                             .klen = r->klen,
                             .value = r->value,
                             .vlen = r->vlen,
                             .buf = r->buf,
                             .buf_len = r->buf_len,
                             .options = r->options,
                             .done = on_done};
    return host_submit(d->d->drv, qid, &a->h);
}

uint32_t
nvkv_poll(nvkv_dev *d)
{
    struct sim *sim = d->d->kd->sim;
    uint32_t before = d->completed;
    while (d->completed == before && sim_step(sim))
        ;
    return d->completed - before;
}

static void
sync_done(struct nvkv_req *r)
{
    ((struct nvkv_dev *)r->arg)->sync_done = 1;
}

/* Submit on queue 1 (waiting for room when it pushes back) and run until it completes. */
static int
run_sync(nvkv_dev *d, struct nvkv_req *r)
{
    r->cb = sync_done;
    r->arg = d;
    d->sync_done = 0;
    int rc;
    while ((rc = nvkv_submit(d, 1, r)) == -EAGAIN)
        if (nvkv_poll(d) == 0 && sim_pending_events(d->d->kd->sim) == 0)
            return -EAGAIN;
    if (rc != 0)
        return rc;
    while (!d->sync_done)
        if (!sim_step(d->d->kd->sim))
            return -EIO; /* a submitted request always completes: a bug if reached */
    return r->status;
}

int
nvkv_store(nvkv_dev *d, const void *key, uint32_t klen, const void *value, uint32_t vlen,
           uint32_t options)
{
    struct nvkv_req r = {.op = NVKV_OP_STORE,
                         .key = key,
                         .klen = klen,
                         .value = value,
                         .vlen = vlen,
                         .options = options};
    return run_sync(d, &r);
}

int
nvkv_retrieve(nvkv_dev *d, const void *key, uint32_t klen, void *buf, uint32_t buf_len,
              uint32_t *vlen)
{
    struct nvkv_req r = {
        .op = NVKV_OP_RETRIEVE, .key = key, .klen = klen, .buf = buf, .buf_len = buf_len};
    int rc = run_sync(d, &r);
    if (vlen != NULL)
        *vlen = r.result;
    return rc;
}

int
nvkv_delete(nvkv_dev *d, const void *key, uint32_t klen)
{
    struct nvkv_req r = {.op = NVKV_OP_DELETE, .key = key, .klen = klen};
    return run_sync(d, &r);
}

int
nvkv_exist(nvkv_dev *d, const void *key, uint32_t klen)
{
    struct nvkv_req r = {.op = NVKV_OP_EXIST, .key = key, .klen = klen};
    return run_sync(d, &r);
}

int
nvkv_list(nvkv_dev *d, const void *start, uint32_t klen, void *buf, uint32_t buf_len,
          uint32_t *count)
{
    struct nvkv_req r = {
        .op = NVKV_OP_LIST, .key = start, .klen = klen, .buf = buf, .buf_len = buf_len};
    int rc = run_sync(d, &r);
    if (count != NULL)
        *count = r.result;
    return rc;
}

void
nvkv_get_stats(const nvkv_dev *d, struct nvkv_stats *s)
{
    const struct pcie_counts *c = &nvme_ctrl_link(d->d->ctrl)->c;
    const struct nand_stats *n = nand_stats(d->d->kd->nand);
    memset(s, 0, sizeof(*s));
    s->virtual_ns = sim_now(d->d->kd->sim);
    s->commands = nvme_ctrl_stats(d->d->ctrl)->commands;
    s->pcie_h2d_bytes = pcie_total_bytes(c, PCIE_H2D);
    s->pcie_d2h_bytes = pcie_total_bytes(c, PCIE_D2H);
    s->pcie_tlps = pcie_total_tlps(c);
    for (int o = 0; o < NAND_ORIGIN_COUNT; o++)
        s->nand_page_writes += n->page_writes[o];
}
