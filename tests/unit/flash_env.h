/* SPDX-License-Identifier: MIT */
/*
 * A small flash array with an allocator stream and the env an engine's page writers take
 * (1 channel x 2 dies x 4 blocks x 8 pages of 8 KiB, 1 MiB of device DRAM), shared by the page
 * writer tests (test_datalog.c, test_packlog.c). Static inline: each test binary has its copy.
 */
#ifndef NVKV_TESTS_FLASH_ENV_H
#define NVKV_TESTS_FLASH_ENV_H

#include "../../tools/kvdev.h"
#include "harness.h"

struct flash_env {
    struct sim *sim;
    struct nand *nand;
    struct ftl_alloc *alloc;
    struct dev_dram dram;
    struct dev_cpu cpu;
    struct kv_params kp;
    struct kv_env env;
    int stream;
};

/* oob_bytes: the page's spare area (0: the default). */
static inline void
flash_env_open(struct flash_env *f, uint32_t oob_bytes)
{
    char err[256];
    struct nand_params p;
    nand_params_default(&p);
    p.channels = 1;
    p.dies_per_channel = 2;
    p.blocks_per_die = 4;
    p.pages_per_block = 8;
    if (oob_bytes != 0)
        p.oob_bytes = oob_bytes;
    nand_params_resolve(&p);
    struct dev_cpu_params cp;
    dev_cpu_params_default(&cp);
    kv_params_default(&f->kp);
    CHECK_EQ_INT(sim_create(&f->sim), 0);
    CHECK_EQ_INT(nand_create(&p, f->sim, &f->nand, err, sizeof(err)), 0);
    CHECK_EQ_INT(ftl_alloc_create(f->nand, &f->alloc), 0);
    dev_dram_init(&f->dram, 1 << 20);
    dev_cpu_init(&f->cpu, &cp, 1);
    f->env = (struct kv_env){f->sim, f->nand, f->alloc, &f->dram, &f->cpu, &f->kp, 1 << 20, 1};
    f->stream = ftl_stream_create(f->alloc, "data");
}

/* Close it; the writers must have given their page buffers back. */
static inline void
flash_env_close(struct flash_env *f)
{
    CHECK_EQ_U64(f->dram.used[DEV_DRAM_WRITE_BUFFER], 0);
    ftl_alloc_destroy(f->alloc);
    nand_destroy(f->nand);
    sim_destroy(f->sim);
}

#endif
