/* SPDX-License-Identifier: MIT */
#ifndef NVKV_TOOLS_GEN_BENCH_H
#define NVKV_TOOLS_GEN_BENCH_H

/* The `nvkv gen-bench` subcommand: generated requests per wall second of the workload suite. */
int gen_bench_main(int argc, char **argv);

#endif
