/* SPDX-License-Identifier: MIT */
/* `nvkv compare`: a matrix of runs and one table per metric with ratios to the first column. */
#ifndef NVKV_TOOLS_COMPARE_H
#define NVKV_TOOLS_COMPARE_H

int compare_main(int argc, char **argv);

#endif
