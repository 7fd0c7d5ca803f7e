/* SPDX-License-Identifier: MIT */
/*
 * File page store: a sparse image that survives a restart.
 *
 * Layout (all integers little-endian, written field by field):
 *   0       header: "NVKVNAND", u32 version, u32 channels, dies_per_channel, blocks_per_die,
 *           pages_per_block, page_bytes, oob_bytes
 *   4096    block table: per block u32 write pointer, u32 erase count
 *   data    page slots of page_bytes + oob_bytes, in ppa order; `data` is the end of the block
 *           table rounded up to 4096. Pages never written are holes and cost no disk space.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/le.h"
#include "store.h"

#define FILE_MAGIC       "NVKVNAND"
#define FILE_VERSION     1u
#define FILE_HEADER_SIZE 4096u
#define FILE_HEADER_U32S 7

struct file_store {
    struct nand_store base;
    int fd;
    uint64_t data_off;
    uint64_t slot_bytes;
    uint8_t *zero; /* a zero-filled slot for pages programmed without data */
};

static int
pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t w = pwrite(fd, p, len, (off_t)off);
        if (w < 0)
            return -errno;
        p += w;
        len -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* Reads `len` bytes; bytes past the end of the file read as zeros (a sparse image). */
static int
pread_all(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t r = pread(fd, p, len, (off_t)off);
        if (r < 0)
            return -errno;
        if (r == 0) {
            memset(p, 0, len);
            return 0;
        }
        p += r;
        len -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static void
header_fields(const struct nand_params *p, uint32_t f[FILE_HEADER_U32S])
{
    f[0] = FILE_VERSION;
    f[1] = p->channels;
    f[2] = p->dies_per_channel;
    f[3] = p->blocks_per_die;
    f[4] = p->pages_per_block;
    f[5] = p->page_bytes;
    f[6] = p->oob_bytes;
}

static int
file_program(struct nand_store *s, uint64_t ppa, const void *data, const void *oob)
{
    struct file_store *fs = (struct file_store *)s;
    const struct nand_params *p = s->params;
    uint64_t off = fs->data_off + ppa * fs->slot_bytes;
    int rc = pwrite_all(fs->fd, data ? data : fs->zero, p->page_bytes, off);
    if (rc == 0)
        rc = pwrite_all(fs->fd, oob ? oob : fs->zero, p->oob_bytes, off + p->page_bytes);
    return rc;
}

static int
file_read(struct nand_store *s, uint64_t ppa, void *data, void *oob)
{
    struct file_store *fs = (struct file_store *)s;
    const struct nand_params *p = s->params;
    uint64_t off = fs->data_off + ppa * fs->slot_bytes;
    int rc = 0;
    if (data != NULL)
        rc = pread_all(fs->fd, data, p->page_bytes, off);
    if (rc == 0 && oob != NULL)
        rc = pread_all(fs->fd, oob, p->oob_bytes, off + p->page_bytes);
    return rc;
}

static int
file_read_range(struct nand_store *s, uint64_t ppa, uint32_t off, uint32_t len, void *buf)
{
    struct file_store *fs = (struct file_store *)s;
    return pread_all(fs->fd, buf, len, fs->data_off + ppa * fs->slot_bytes + off);
}

static int
file_save_block(struct nand_store *s, uint64_t block, const struct nand_block *b)
{
    struct file_store *fs = (struct file_store *)s;
    uint8_t rec[8];
    nvkv_put_le32(rec, b->write_ptr);
    nvkv_put_le32(rec + 4, b->erase_count);
    return pwrite_all(fs->fd, rec, sizeof(rec), FILE_HEADER_SIZE + block * 8);
}

static void
file_destroy(struct nand_store *s)
{
    struct file_store *fs = (struct file_store *)s;
    if (fs == NULL)
        return;
    if (fs->fd >= 0)
        close(fs->fd);
    free(fs->zero);
    free(fs);
}

static const struct nand_store_ops file_ops = {
    .name = "file",
    .program = file_program,
    .read = file_read,
    .read_range = file_read_range,
    .save_block = file_save_block,
    .destroy = file_destroy,
};

static int
write_new_header(struct file_store *fs, const struct nand_params *p)
{
    uint8_t hdr[FILE_HEADER_SIZE] = {0};
    uint32_t f[FILE_HEADER_U32S];
    memcpy(hdr, FILE_MAGIC, 8);
    header_fields(p, f);
    for (int i = 0; i < FILE_HEADER_U32S; i++)
        nvkv_put_le32(hdr + 8 + 4 * i, f[i]);
    return pwrite_all(fs->fd, hdr, sizeof(hdr), 0);
}

/* Check the header of an existing image and load its block table. */
static int
load_existing(struct file_store *fs, const struct nand_params *p, struct nand_block *blocks,
              char *err, size_t errlen)
{
    uint8_t hdr[8 + 4 * FILE_HEADER_U32S];
    int rc = pread_all(fs->fd, hdr, sizeof(hdr), 0);
    if (rc != 0)
        return rc;
    static const char *names[FILE_HEADER_U32S] = {
        "version",         "channels",   "dies_per_channel", "blocks_per_die",
        "pages_per_block", "page_bytes", "oob_bytes"};
    if (memcmp(hdr, FILE_MAGIC, 8) != 0) {
        snprintf(err, errlen, "nand.file_path: '%s' is not an nvkv NAND image (bad magic)",
                 p->file_path);
        return NVKV_EFORMAT;
    }
    uint32_t want[FILE_HEADER_U32S];
    header_fields(p, want);
    for (int i = 0; i < FILE_HEADER_U32S; i++) {
        uint32_t got = nvkv_get_le32(hdr + 8 + 4 * i);
        if (got != want[i]) {
            snprintf(err, errlen,
                     "nand.file_path: image '%s' has %s=%u but the config says %u; use the "
                     "same geometry or a new file",
                     p->file_path, names[i], got, want[i]);
            return NVKV_EFORMAT;
        }
    }
    uint64_t n_blocks = (uint64_t)nand_dies(p) * p->blocks_per_die;
    uint8_t rec[8 * 512];
    for (uint64_t b = 0; b < n_blocks; b += 512) {
        uint64_t n = n_blocks - b < 512 ? n_blocks - b : 512;
        rc = pread_all(fs->fd, rec, (size_t)n * 8, FILE_HEADER_SIZE + b * 8);
        if (rc != 0)
            return rc;
        for (uint64_t i = 0; i < n; i++) {
            blocks[b + i].write_ptr = nvkv_get_le32(rec + 8 * i);
            blocks[b + i].erase_count = nvkv_get_le32(rec + 8 * i + 4);
            if (blocks[b + i].write_ptr > p->pages_per_block) {
                snprintf(err, errlen, "nand.file_path: image '%s' is corrupt at block %llu",
                         p->file_path, (unsigned long long)(b + i));
                return NVKV_EFORMAT;
            }
        }
    }
    return 0;
}

int
nand__store_file_open(const struct nand_params *p, struct nand_block *blocks,
                      struct nand_store **out, char *err, size_t errlen)
{
    int rc = 0;
    struct file_store *fs = calloc(1, sizeof(*fs));
    if (fs == NULL)
        return -ENOMEM;
    fs->fd = -1;
    fs->base.ops = &file_ops;
    fs->base.params = p;
    fs->slot_bytes = (uint64_t)p->page_bytes + p->oob_bytes;
    uint64_t n_blocks = (uint64_t)nand_dies(p) * p->blocks_per_die;
    fs->data_off = (FILE_HEADER_SIZE + n_blocks * 8 + 4095) / 4096 * 4096;
    fs->zero = calloc(1, fs->slot_bytes);
    if (fs->zero == NULL) {
        rc = -ENOMEM;
        goto err;
    }
    if (p->file_path[0] == '\0') {
        snprintf(err, errlen, "nand.file_path: empty; the file backend needs a path");
        rc = NVKV_ECONFIG;
        goto err;
    }
    fs->fd = open(p->file_path, O_RDWR | O_CREAT, 0644);
    if (fs->fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "nand.file_path: cannot open '%s': %s", p->file_path,
                 strerror(errno));
        goto err;
    }
    struct stat st;
    if (fstat(fs->fd, &st) != 0) {
        rc = -errno;
        snprintf(err, errlen, "nand.file_path: cannot stat '%s'", p->file_path);
        goto err;
    }
    if (st.st_size == 0)
        rc = write_new_header(fs, p);
    else
        rc = load_existing(fs, p, blocks, err, errlen);
    if (rc != 0)
        goto err;
    *out = &fs->base;
    return 0;
err:
    if (rc < 0 && rc > -4000 && err[0] == '\0')
        snprintf(err, errlen, "nand.file_path: '%s': %s", p->file_path, strerror(-rc));
    file_destroy(&fs->base);
    return rc;
}
