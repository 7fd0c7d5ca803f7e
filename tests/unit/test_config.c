/* SPDX-License-Identifier: MIT */
/* Configuration: presets, units, range checks and their messages, INI files, scaling. */
#include <stdlib.h>

#include <unistd.h>

#include "../../src/base/err.h"
#include "../../src/config/config.h"
#include "harness.h"

static struct cfg
preset(void)
{
    struct cfg c;
    char err[CFG_ERR_LEN];
    CHECK_EQ_INT(cfg_load_preset(&c, "anykey64g", err, sizeof(err)), 0);
    return c;
}

TEST(anykey64g_preset_matches_the_paper)
{
    struct cfg c = preset();
    char err[CFG_ERR_LEN];
    CHECK_EQ_INT(cfg_finalize(&c, 1, err, sizeof(err)), 0);
    CHECK_EQ_U64(nand_dies(&c.nand), 64);
    CHECK_EQ_U64(c.nand.page_bytes, 8192);
    CHECK_EQ_U64(nand_raw_bytes(&c.nand), 64ull << 30);
    CHECK_EQ_U64(c.device.dram_bytes, 64ull << 20);
    CHECK_EQ_U64(c.nand.cell, NAND_CELL_TLC);
    CHECK_EQ_U64(c.nand.read_ns[2], 106000);
}

TEST(scale_divides_capacity_and_dram)
{
    struct cfg c = preset();
    char err[CFG_ERR_LEN];
    CHECK_EQ_INT(cfg_finalize(&c, 64, err, sizeof(err)), 0);
    CHECK_EQ_U64(nand_raw_bytes(&c.nand), 1ull << 30);
    CHECK_EQ_U64(c.device.dram_bytes, 1ull << 20);
    CHECK_EQ_U64(nand_dies(&c.nand), 64); /* parallelism is kept */
    CHECK_EQ_U64(c.scale, 64);
    /* a scale that does not divide evenly keeps the DRAM:flash ratio of what is left */
    c = preset();
    CHECK_EQ_INT(cfg_finalize(&c, 3, err, sizeof(err)), 0);
    CHECK_EQ_U64(c.nand.blocks_per_die, 170);
    CHECK_EQ_U64(c.device.dram_bytes, (64ull << 20) * 170 / 512);
    c = preset();
    CHECK_EQ_INT(cfg_finalize(&c, 1024, err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, "--scale 1024");
    CHECK_CONTAINS(err, "allowed");
}

TEST(values_with_units)
{
    struct cfg c = preset();
    char err[CFG_ERR_LEN];
    CHECK_EQ_INT(cfg_set(&c, "nand.read_lsb_ns", "56.5us", err, sizeof(err)), 0);
    CHECK_EQ_U64(c.nand.read_ns[0], 56500);
    CHECK_EQ_INT(cfg_set(&c, "nand.erase_ns", "3ms", err, sizeof(err)), 0);
    CHECK_EQ_U64(c.nand.erase_ns, 3000000);
    CHECK_EQ_INT(cfg_set(&c, "device.dram", "96MiB", err, sizeof(err)), 0);
    CHECK_EQ_U64(c.device.dram_bytes, 96ull << 20);
    CHECK_EQ_INT(cfg_set(&c, "device.dram", "1GB", err, sizeof(err)), 0);
    CHECK_EQ_U64(c.device.dram_bytes, 1000000000ull);
    CHECK_EQ_INT(cfg_set(&c, "nand.page_bytes", "16KiB", err, sizeof(err)), 0);
    CHECK_EQ_U64(c.nand.page_bytes, 16384);
    CHECK_EQ_INT(cfg_set(&c, "nand.channel_mbps", "1.2GB/s", err, sizeof(err)), 0);
    CHECK_EQ_U64(c.nand.channel_mbps, 1200);
    CHECK_EQ_INT(cfg_set_assignment(&c, "nand.cell=mlc", err, sizeof(err)), 0);
    CHECK_EQ_U64(c.nand.cell, NAND_CELL_MLC);
    CHECK_EQ_INT(cfg_set_assignment(&c, "device.exposed_pct=72.5", err, sizeof(err)), 0);
    CHECK_NEAR(c.device.exposed_pct, 72.5, 1e-12);
    CHECK_EQ_INT(cfg_set(&c, "nand.backend", "file", err, sizeof(err)), 0);
    CHECK_EQ_U64(c.nand.backend, NAND_BACKEND_FILE);
}

static void
expect_bad(const char *key, const char *value, const char *fragment)
{
    struct cfg c = preset();
    char err[CFG_ERR_LEN] = "";
    CHECK_EQ_INT(cfg_set(&c, key, value, err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, key);
    CHECK_CONTAINS(err, fragment);
    CHECK(strchr(err, '\n') == NULL); /* one line */
}

TEST(bad_values_name_key_value_and_what_is_allowed)
{
    expect_bad("nand.channels", "0", "allowed: an integer from 1 to 256");
    expect_bad("nand.channels", "8x", "'8x'");
    expect_bad("nand.channels", "-1", "allowed");
    expect_bad("nand.channels", "4.5", "allowed");
    expect_bad("nand.cell", "qlc", "allowed: one of slc, mlc, tlc");
    expect_bad("nand.read_lsb_ns", "1.5ns", "whole number of ns");
    expect_bad("nand.read_lsb_ns", "20s", "allowed");
    expect_bad("nand.page_bytes", "100", "from 512");
    expect_bad("nand.page_bytes", "8 parsecs", "allowed");
    expect_bad("device.exposed_pct", "0", "greater than 0");
    expect_bad("device.exposed_pct", "abc", "allowed");
    expect_bad("nand.backend", "", "one of ram, file");
    struct cfg c = preset();
    char err[CFG_ERR_LEN];
    CHECK_EQ_INT(cfg_set(&c, "nand.nope", "1", err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, "nand.nope: unknown key");
    CHECK_EQ_INT(cfg_set_assignment(&c, "nand.channels", err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, "section.key=value");
    CHECK_EQ_INT(cfg_load_preset(&c, "bigssd", err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, "allowed: anykey64g");
}

TEST(cross_key_rules)
{
    char err[CFG_ERR_LEN];
    struct cfg c = preset();
    CHECK_EQ_INT(cfg_set(&c, "nand.page_bytes", "1000", err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg_finalize(&c, 1, err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, "multiple of 512");
    c = preset();
    CHECK_EQ_INT(cfg_set(&c, "nand.cell", "slc", err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg_set(&c, "nand.read_msb_ns", "100us", err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg_finalize(&c, 1, err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, "read_msb");
    c = preset();
    CHECK_EQ_INT(cfg_set(&c, "nand.backend", "file", err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg_finalize(&c, 1, err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, "nand.file_path");
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

TEST(ini_files)
{
    char path[256], err[CFG_ERR_LEN];
    snprintf(path, sizeof(path), "/tmp/nvkv-test-config-%ld.ini", (long)getpid());
    write_file(path, "; a comment\n[nand]\nchannels = 4\nread_lsb_ns = 50us\n[device]\n"
                     "dram = 32MiB\n");
    struct cfg c = preset();
    CHECK_EQ_INT(cfg_load_file(&c, path, err, sizeof(err)), 0);
    CHECK_EQ_U64(c.nand.channels, 4);
    CHECK_EQ_U64(c.nand.read_ns[0], 50000);
    CHECK_EQ_U64(c.device.dram_bytes, 32ull << 20);

    write_file(path, "[nand]\nchannels = 4\ndies_per_channel = lots\n");
    c = preset();
    CHECK_EQ_INT(cfg_load_file(&c, path, err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, path);
    CHECK_CONTAINS(err, "nand.dies_per_channel = 'lots'");

    write_file(path, "[nand]\nthis line has no equals sign\n");
    c = preset();
    CHECK_EQ_INT(cfg_load_file(&c, path, err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, ":2:");

    write_file(path, "[flash]\nchannels = 4\n");
    c = preset();
    CHECK_EQ_INT(cfg_load_file(&c, path, err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, "flash.channels: unknown key");
    unlink(path);

    CHECK_EQ_INT(cfg_load_file(&c, "/nonexistent/nvkv.ini", err, sizeof(err)), NVKV_ECONFIG);
    CHECK_CONTAINS(err, "cannot open");
}

TEST(printed_ini_reads_back_to_the_same_config)
{
    char path[256], err[CFG_ERR_LEN];
    snprintf(path, sizeof(path), "/tmp/nvkv-test-config-rt-%ld.ini", (long)getpid());
    struct cfg a = preset();
    CHECK_EQ_INT(cfg_set(&a, "nand.cell", "mlc", err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg_set(&a, "device.exposed_pct", "80", err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg_finalize(&a, 16, err, sizeof(err)), 0);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    cfg_print_ini(&a, f);
    fclose(f);
    struct cfg b = preset();
    CHECK_EQ_INT(cfg_load_file(&b, path, err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg_finalize(&b, 1, err, sizeof(err)), 0);
    unlink(path);
    CHECK_EQ_U64(b.nand.blocks_per_die, a.nand.blocks_per_die);
    CHECK_EQ_U64(b.device.dram_bytes, a.device.dram_bytes);
    CHECK_EQ_U64(b.nand.cell, NAND_CELL_MLC);
    CHECK_EQ_U64(b.nand.read_ns[1], a.nand.read_ns[1]);
    CHECK_NEAR(b.device.exposed_pct, 80.0, 1e-12);
}

TEST(json_holds_every_section)
{
    struct cfg c = preset();
    char err[CFG_ERR_LEN];
    CHECK_EQ_INT(cfg_finalize(&c, 64, err, sizeof(err)), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct nvkv_json j;
    nvkv_json_begin(&j, f);
    cfg_write_json(&c, &j, "config");
    CHECK_EQ_INT(nvkv_json_end(&j), 0);
    fclose(f);
    CHECK_CONTAINS(buf, "\"preset\": \"anykey64g\"");
    CHECK_CONTAINS(buf, "\"scale\": 64");
    CHECK_CONTAINS(buf, "\"channels\": 8");
    CHECK_CONTAINS(buf, "\"cell\": \"tlc\"");
    CHECK_CONTAINS(buf, "\"raw_bytes\": 1073741824");
    free(buf);
}

TEST_MAIN(TEST_ENTRY(anykey64g_preset_matches_the_paper),
          TEST_ENTRY(scale_divides_capacity_and_dram), TEST_ENTRY(values_with_units),
          TEST_ENTRY(bad_values_name_key_value_and_what_is_allowed), TEST_ENTRY(cross_key_rules),
          TEST_ENTRY(ini_files), TEST_ENTRY(printed_ini_reads_back_to_the_same_config),
          TEST_ENTRY(json_holds_every_section))
