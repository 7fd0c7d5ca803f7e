#!/bin/sh
# PinK vs AnyKey vs AnyKey+ on a 1/64 anykey64g device (1 GiB, 1 MiB DRAM, 64 dies): 20% writes,
# Zipfian 0.99, QD 64, as the AnyKey paper runs its workloads. Crypto1 (76/50, low value-to-key)
# and W-PinK (32/1024, high). Every engine gets the same key count: the load fills F of the
# exposed capacity, F low for 76/50 because PinK places each pair in a 512-byte piece.
# Usage: experiments/engines_anykey.sh [OPS] [OUTDIR]   (build first: make release)
set -eu
NVKV=${NVKV:-build/release/tools/nvkv}
OPS=${1:-300000}
OUT=${2:-results/engines_anykey}
for case in "76 50 0.15" "32 1024 0.5"; do
    set -- $case
    for engine in pink anykey anykey+; do
        dir="$OUT/${engine}_$1_$2"
        echo "== $engine, key $1 B, value $2 B, fill $3"
        "$NVKV" run --engine "$engine" --scale 64 --key-size "$1" --value-size "$2" --fill "$3" \
            --ops "$OPS" --write-ratio 0.2 --key-dist zipf --quiet --out "$dir" |
            grep -E "^run:|GET |flash reads|page writes|write amp|meta_segments|level_lists|hash_lists|sim speed"
    done
done
