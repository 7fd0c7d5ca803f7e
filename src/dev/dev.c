/* SPDX-License-Identifier: MIT */
#include "dev.h"

void
dev_params_default(struct dev_params *d)
{
    d->dram_bytes = 64ull << 20;
    d->exposed_pct = 90.0;
    /* PinK's and AnyKey's controllers: a quad-core Cortex-A53 class SoC */
    d->controller_cores = 4;
}

uint64_t
dev_exposed_bytes(const struct dev_params *d, const struct nand_params *n)
{
    uint64_t pages = nand_total_pages(n);
    uint64_t exposed_pages = (uint64_t)((double)pages * d->exposed_pct / 100.0);
    return exposed_pages * n->page_bytes;
}
