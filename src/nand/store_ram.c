/* SPDX-License-Identifier: MIT */
/*
 * RAM page store. Pages programmed without data keep no buffer at all, so benchmarks over a
 * full-size 64 GB array cost only the pointer table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct ram_store {
    struct nand_store base;
    uint8_t **pages; /* page bytes followed by OOB bytes, or NULL */
    uint64_t n_pages;
    size_t slot_bytes;
};

static int
ram_program(struct nand_store *s, uint64_t ppa, const void *data, const void *oob)
{
    struct ram_store *rs = (struct ram_store *)s;
    const struct nand_params *p = s->params;
    uint8_t *slot = rs->pages[ppa];
    if (data == NULL && oob == NULL) {
        if (slot != NULL)
            memset(slot, 0, rs->slot_bytes);
        return 0;
    }
    if (slot == NULL) {
        slot = malloc(rs->slot_bytes);
        if (slot == NULL)
            return -ENOMEM;
        rs->pages[ppa] = slot;
    }
    if (data != NULL)
        memcpy(slot, data, p->page_bytes);
    else
        memset(slot, 0, p->page_bytes);
    if (oob != NULL)
        memcpy(slot + p->page_bytes, oob, p->oob_bytes);
    else
        memset(slot + p->page_bytes, 0, p->oob_bytes);
    return 0;
}

static int
ram_read(struct nand_store *s, uint64_t ppa, void *data, void *oob)
{
    struct ram_store *rs = (struct ram_store *)s;
    const struct nand_params *p = s->params;
    const uint8_t *slot = rs->pages[ppa];
    if (data != NULL) {
        if (slot != NULL)
            memcpy(data, slot, p->page_bytes);
        else
            memset(data, 0, p->page_bytes);
    }
    if (oob != NULL) {
        if (slot != NULL)
            memcpy(oob, slot + p->page_bytes, p->oob_bytes);
        else
            memset(oob, 0, p->oob_bytes);
    }
    return 0;
}

static int
ram_read_range(struct nand_store *s, uint64_t ppa, uint32_t off, uint32_t len, void *buf)
{
    const uint8_t *slot = ((struct ram_store *)s)->pages[ppa];
    if (slot != NULL)
        memcpy(buf, slot + off, len);
    else
        memset(buf, 0, len);
    return 0;
}

static int
ram_save_block(struct nand_store *s, uint64_t block, const struct nand_block *b)
{
    (void)s;
    (void)block;
    (void)b;
    return 0; /* nothing persists */
}

static void
ram_destroy(struct nand_store *s)
{
    struct ram_store *rs = (struct ram_store *)s;
    if (rs == NULL)
        return;
    for (uint64_t i = 0; i < rs->n_pages; i++)
        free(rs->pages[i]);
    free(rs->pages);
    free(rs);
}

static const struct nand_store_ops ram_ops = {
    .name = "ram",
    .program = ram_program,
    .read = ram_read,
    .read_range = ram_read_range,
    .save_block = ram_save_block,
    .destroy = ram_destroy,
};

int
nand__store_ram_open(const struct nand_params *p, struct nand_store **out, char *err, size_t errlen)
{
    struct ram_store *rs = calloc(1, sizeof(*rs));
    if (rs == NULL)
        goto nomem;
    rs->base.ops = &ram_ops;
    rs->base.params = p;
    rs->n_pages = nand_total_pages(p);
    rs->slot_bytes = (size_t)p->page_bytes + p->oob_bytes;
    rs->pages = calloc(rs->n_pages, sizeof(*rs->pages));
    if (rs->pages == NULL)
        goto nomem;
    *out = &rs->base;
    return 0;
nomem:
    snprintf(err, errlen, "nand: out of memory for the page table of %llu pages",
             (unsigned long long)nand_total_pages(p));
    free(rs);
    return -ENOMEM;
}
