#!/bin/sh
# The time model (issue "The time model: ..."): the runs of shared/research/anykey-time.md §1,
# shortened (capacity written x0.25 crypto1/cache15, x0.5 wpink), for PinK, AnyKey and AnyKey+,
# under the default dependency model and under KVEMU's (sim.bg_model=kvemu). Each run writes
# result.json with time_by_origin, utilization, waits and backlog; `nvkv explain A B` compares two.
# Usage: experiments/time_model.sh [--bin NVKV] [--out DIR] [--models "deps kvemu"] [-- extra run args]
set -eu
NVKV=${NVKV:-build/release/tools/nvkv}
OUT=results/time_model
MODELS="deps kvemu"
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) NVKV=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--bin NVKV] [--out DIR] [--models \"deps kvemu\"] [-- run args]" >&2; exit 2 ;;
    esac
done
[ -x "$NVKV" ] || { echo "$0: $NVKV not built (make release)" >&2; exit 2; }
for model in $MODELS; do
    set_model=""
    [ "$model" = kvemu ] && set_model="--set sim.bg_model=kvemu"
    for wl in crypto1 cache15 wpink; do
        case $wl in
        crypto1) F=0.6 K=0.25 ;;
        cache15) F=0.6 K=0.25 ;;
        wpink) F=0.9 K=0.5 ;;
        esac
        for e in pink anykey anykey+; do
            d="$OUT/$model/$wl-$e"
            mkdir -p "$d"
            # shellcheck disable=SC2086
            "$NVKV" run --engine "$e" --workload "$wl" --scale 64 --seed 1 --fill "$F" \
                --fill-piece 512 --capacity-x "$K" --qd 64 --out "$d" --quiet $set_model "$@" \
                >"$d/run.log" 2>&1 || echo "$0: $d failed (see $d/run.log)" >&2
            grep -h "^run:" "$d/run.log" | sed "s|^|$model $wl $e: |"
        done
    done
done
