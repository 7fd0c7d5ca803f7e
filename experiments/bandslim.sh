#!/bin/sh
# BandSlim (ICPP '24) and ByteExpress (HotStorage '25): PCIe bytes, TLPs, commands, latency and
# NAND page writes per PUT for each value-transfer method (prp, piggyback, adaptive, inline) on
# the papers' Cosmos+ link (PCIe Gen2 x8). BandSlim's workloads W(B), W(C), W(D), W(M), then
# ByteExpress's fixed payloads of 32 B .. 4 KiB, and the inline method with batched slot fetch.
# 4-byte keys, fillrandom at QD 1 (db_bench's synchronous PUTs), PinK.
# Usage: experiments/bandslim.sh [--ops N] [--out DIR] [--no-plot]   (default 1,000,000 PUTs)
set -eu
SCALE=1 OPS=1000000 FILL=0 OUT=results/bandslim
. "$(dirname "$0")/lib.sh"
parse_common "$@"
for w in wb wc wd wm; do
    echo "== workload $w"
    "$NVKV" xfer --workload "$w" --ops "$OPS" --quiet --out "$OUT/$w"
done
for size in 32 64 128 256 512 1024 2048 4096; do
    echo "== fixed $size B"
    "$NVKV" xfer --value-size "$size" --ops "$OPS" --quiet --out "$OUT/fixed_$size"
    "$NVKV" xfer --value-size "$size" --ops "$OPS" --quiet --method inline \
        --set nvme.inline_fetch=batched --out "$OUT/fixed_${size}_inline_batched" | tail -n 1 |
        sed 's/^inline    /inline-bat/'
done
for w in wb wc wd wm; do
    plot "$OUT/$w"
done
