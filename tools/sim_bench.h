/* SPDX-License-Identifier: MIT */
#ifndef NVKV_TOOLS_SIM_BENCH_H
#define NVKV_TOOLS_SIM_BENCH_H

/* The `nvkv sim-bench` subcommand: events per wall second of the bare event core. */
int sim_bench_main(int argc, char **argv);

#endif
