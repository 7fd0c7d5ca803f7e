#!/bin/sh
# AnyKey (ASPLOS '25): PinK vs AnyKey vs AnyKey+.
#  1. the paper's 14 workloads (key/value bytes from KVEMU's presets): 20% updates, scrambled
#     Zipfian 0.99, QD 64 -- IOPS, GET p95/p99, flash reads per GET, page writes, storage
#     utilization, metadata in flash (and by category vs the DRAM budget in the plots);
#  2. the value/key sweep at 40-byte keys, values 1280 down to 20 bytes, where PinK's metadata
#     outgrows the DRAM and its reads per GET climb.
# Defaults: 1/64 scale (1 GiB, 1 MiB DRAM), 300,000 operations after loading 40% of the exposed
# capacity, each record counted as whole 512-byte pieces (the original PinK's unit), so every
# engine gets the same keys and each loads (KVEMU's PinK holds one 16 + 4096-byte kvssd pair a
# page: at most 0.42 of the exposed capacity). --scale 1 for the paper's 64 GB.
# Usage: experiments/anykey.sh [--scale N] [--ops N] [--fill F] [--jobs N] [--out DIR] [--no-plot]
set -eu
SCALE=64 OPS=300000 FILL=0.4 OUT=results/anykey
. "$(dirname "$0")/lib.sh"
parse_common "$@"
failed=0
ENGINES=pink,anykey,anykey+
WORKLOADS=kvssd,ycsb,wpink,xbox,etc,udb,cache,var,crypto2,dedup,cache15,zippydb,crypto1,rtdata
SWEEP=anykey:40/1280,anykey:40/640,anykey:40/320,anykey:40/160,anykey:40/80,anykey:40/40,anykey:40/20
echo "== AnyKey workloads: $ENGINES at 1/$SCALE, $OPS ops, fill $FILL"
"$NVKV" compare --engines "$ENGINES" --workloads "$WORKLOADS" --jobs "$JOBS" --out "$OUT/workloads" \
    --scale "$SCALE" --ops "$OPS" --fill "$FILL" --fill-piece 512 || failed=1
plot "$OUT/workloads"
# The paper's Table 1 and Table 3 beside the tables above ("metadata in DRAM + flash",
# "compaction/GC page reads/writes"): counts scale with the device, so divide by the scale.
echo
echo "== the paper (64 GB device; nvkv's figures above are at 1/$SCALE: divide the paper's by $SCALE)"
echo "  Table 1, metadata at v/k 1.0: PinK 703 MB, AnyKey 64 MB (1/$SCALE: $((703 / SCALE)) MB, $((64 / SCALE)) MB)"
echo "  Table 3, crypto1 page I/O of the measured phase:"
echo "    PinK   compaction 85 M reads / 88 M writes, GC 340 M reads / 0 writes (1/$SCALE: $((85000 / SCALE)) k / $((88000 / SCALE)) k, $((340000 / SCALE)) k / 0)"
echo "    AnyKey compaction 49 M reads / 26 M writes (1/$SCALE: $((49000 / SCALE)) k / $((26000 / SCALE)) k)"
echo
echo "== value/key sweep (key 40 B, value 1280 .. 20 B)"
"$NVKV" compare --engines "$ENGINES" --workloads "$SWEEP" --jobs "$JOBS" --out "$OUT/sweep" \
    --scale "$SCALE" --ops "$OPS" --fill "$FILL" --fill-piece 512 || failed=1
plot "$OUT/sweep"
[ "$failed" = 0 ] || { echo "$0: some runs failed; see the run.log files named above" >&2; exit 1; }
