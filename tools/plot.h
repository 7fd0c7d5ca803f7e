/* SPDX-License-Identifier: MIT */
/*
 * `nvkv plot`: charts of result dirs through gnuplot. Latency CDFs (and their tails), throughput
 * and p99 over time, and grouped bars of IOPS, flash page writes, PCIe bytes per operation,
 * flash reads per GET and metadata bytes by category; each chart is a gnuplot script, its data
 * and the images, written only when some result dir has the data.
 */
#ifndef NVKV_TOOLS_PLOT_H
#define NVKV_TOOLS_PLOT_H

int plot_main(int argc, char **argv);

#endif
