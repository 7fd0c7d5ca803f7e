/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the `nvkv` subcommands: parsing the options every subcommand takes (device
 * preset, config file, --set, --scale, --seed, --out, --quiet) and building the effective config.
 * Usage errors and bad configs print one line on stderr and exit with status 2.
 */
#ifndef NVKV_TOOLS_CLI_H
#define NVKV_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "../src/config/config.h"

#define CLI_MAX_SETS 64

struct cli_common {
    const char *device;
    const char *config_file;
    const char *sets[CLI_MAX_SETS];
    int n_sets;
    uint32_t scale;
    uint64_t seed;
    const char *out_dir;
    bool quiet;
};

void cli_common_init(struct cli_common *o);

/*
 * If argv[*i] is a common option, consume it (and its value) and return true. `--opt value` and
 * `--opt=value` both work. Exits with status 2 on a malformed value.
 */
bool cli_parse_common(struct cli_common *o, int argc, char **argv, int *i);

/* Value of an option at argv[*i] (`--name value` or `--name=value`), or NULL if not `name`. */
const char *cli_option_value(const char *name, int argc, char **argv, int *i);

/* Parse an unsigned integer option value or exit 2 naming the option. */
uint64_t cli_parse_u64(const char *option, const char *value, uint64_t min, uint64_t max);

/* Preset, file, sets, scale, in that order; exits 2 with one line on any error. */
void cli_build_config(const struct cli_common *o, struct cfg *c);

/* Print "nvkv: <message>" and exit with status 2. */
_Noreturn void cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wall-clock seconds from a monotonic clock (reporting only; never inside the simulation). */
double cli_wall_seconds(void);

/* Help text of the common options, for each subcommand's --help. */
extern const char cli_common_help[];

#endif
