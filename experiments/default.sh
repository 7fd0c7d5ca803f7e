#!/bin/sh
# The default experiment (make run): PinK vs AnyKey vs AnyKey+ on one high value-to-key workload
# (W-PinK 32/1024) and three low ones (Crypto1 76/50, Cache15 38/38, RTDATA 24/10) at 1/64 scale,
# then the transfer-method table on BandSlim's W(M). Results and plots under results/default/.
# Usage: experiments/default.sh [--scale N] [--ops N] [--fill F] [--jobs N] [--out DIR] [--no-plot]
set -eu
SCALE=64 OPS=200000 FILL=0.5 OUT=results/default
. "$(dirname "$0")/lib.sh"
parse_common "$@"
failed=0
start=$(date +%s)
echo "== engines: pink, anykey, anykey+ at 1/$SCALE, $OPS ops after loading $FILL of the capacity"
"$NVKV" compare --engines pink,anykey,anykey+ --workloads wpink,crypto1,cache15,rtdata \
    --jobs "$JOBS" --out "$OUT/engines" --scale "$SCALE" --ops "$OPS" --fill "$FILL" --fill-piece 512 || failed=1
plot "$OUT/engines"
echo
echo "== transfer methods on W(M) (db_bench mixgraph values), 4-byte keys, QD 1, PinK"
"$NVKV" xfer --workload wm --ops "$OPS" --quiet --out "$OUT/xfer" || failed=1
plot "$OUT/xfer"
echo
echo "done in $(( $(date +%s) - start )) s; results: $OUT/ (result.json, latency_*.csv,"
echo "timeline.csv per run; plots in $OUT/engines/plots and $OUT/xfer/plots)"
[ "$failed" = 0 ] || { echo "$0: some runs failed; see the run.log files named above" >&2; exit 1; }
