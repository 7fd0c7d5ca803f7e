#!/bin/sh
# PinK vs hash on a 1/64 anykey64g device (1 GiB, 1 MiB DRAM, 64 dies): 20% writes, Zipfian 0.99,
# QD 64, as the AnyKey paper runs its workloads. Key/value sizes: KVSSD 16/4096, W-PinK 32/1024,
# and the low value-to-key 80/80 of the paper's Table 1. The load fills F of the exposed
# capacity; small values use a lower F because PinK and hash place values in 512-byte pieces.
# Usage: experiments/engines_pink_hash.sh [OPS] [OUTDIR]   (build first: make release)
set -eu
NVKV=${NVKV:-build/release/tools/nvkv}
OPS=${1:-500000}
OUT=${2:-results/engines_pink_hash}
for case in "16 4096 0.5" "32 1024 0.5" "80 80 0.15"; do
    set -- $case
    for engine in pink hash; do
        dir="$OUT/${engine}_$1_$2"
        echo "== $engine, key $1 B, value $2 B, fill $3"
        "$NVKV" run --engine "$engine" --scale 64 --key-size "$1" --value-size "$2" --fill "$3" \
            --ops "$OPS" --write-ratio 0.2 --key-dist scrambled --quiet --out "$dir" |
            grep -E "^run:|GET |flash reads|page writes|write amp|meta_segments|level_lists|mapping_table|sim speed"
    done
done
