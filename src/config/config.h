/* SPDX-License-Identifier: MIT */
/*
 * The one configuration of a run: a preset, then an INI file, then `--set section.key=value`
 * overrides, then `--scale N`. Every key has a type, a range and a one-line description in one
 * table (config.c), which drives parsing, validation, `nvkv config --print` and the `config`
 * object of result.json. A bad value yields one line naming the key, the value and what is
 * allowed, and NVKV_ECONFIG.
 */
#ifndef NVKV_CONFIG_CONFIG_H
#define NVKV_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/json.h"
#include "../dev/cpu.h"
#include "../dev/dev.h"
#include "../kv/engine.h"
#include "../nand/nand.h"
#include "../nvme/params.h"
#include "../nvme/pcie.h"

#define CFG_ERR_LEN 512

struct cfg {
    char preset[32];
    uint32_t scale;
    struct nand_params nand;
    struct dev_params device;
    struct dev_cpu_params cpu;
    struct kv_params kv;
    struct nvme_params nvme;
    struct pcie_params pcie;
};

/* Names of the presets, NULL-terminated. */
extern const char *const cfg_preset_names[];

/* Load preset `name` (defaults of every key). NVKV_ECONFIG with a message for an unknown name. */
int cfg_load_preset(struct cfg *c, const char *name, char *err, size_t errlen);

/* Apply one "section.key" = "value". */
int cfg_set(struct cfg *c, const char *key, const char *value, char *err, size_t errlen);

/* Apply "section.key=value" as given on the command line. */
int cfg_set_assignment(struct cfg *c, const char *assignment, char *err, size_t errlen);

/* Apply every key of an INI file ([section] then key = value lines). */
int cfg_load_file(struct cfg *c, const char *path, char *err, size_t errlen);

/* Apply every key of INI text held in memory; `name` labels error messages. */
int cfg_load_string(struct cfg *c, const char *text, const char *name, char *err, size_t errlen);

/*
 * Divide capacity (blocks per die) and device DRAM by `scale`, keeping their ratio, resolve
 * defaults that depend on other keys, and check cross-key rules. Call once, last.
 */
int cfg_finalize(struct cfg *c, uint32_t scale, char *err, size_t errlen);

/* The effective config as an INI file that cfg_load_file() reads back. */
void cfg_print_ini(const struct cfg *c, FILE *out);

/* Derived figures (raw and exposed capacity, DRAM budget, blocks, pages) as comment lines. */
void cfg_print_derived(const struct cfg *c, FILE *out, const char *line_prefix);

/* The effective config as a JSON object member named `key`. */
void cfg_write_json(const struct cfg *c, struct nvkv_json *j, const char *key);

/* Describe every key (name, default form, allowed values, meaning) for --help output. */
void cfg_print_keys(FILE *out);

#endif
