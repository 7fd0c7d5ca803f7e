/* SPDX-License-Identifier: MIT */
/*
 * `nvkv explain`: where one run's virtual time went, or why one run beat another, read from
 * the result.json of `nvkv run --out DIR`.
 */
#ifndef NVKV_TOOLS_EXPLAIN_H
#define NVKV_TOOLS_EXPLAIN_H

int explain_main(int argc, char **argv);

#endif
