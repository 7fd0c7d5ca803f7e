/* SPDX-License-Identifier: MIT */
/*
 * `nvkv xfer`: PUT-only BandSlim / ByteExpress workloads through the NVMe command path, one
 * run per value-transfer method (prp, piggyback, adaptive, inline), compared in one table of
 * PCIe bytes, TLPs and commands per PUT, latency, throughput and NAND page writes.
 */
#ifndef NVKV_TOOLS_XFER_H
#define NVKV_TOOLS_XFER_H

int xfer_main(int argc, char **argv);

#endif
