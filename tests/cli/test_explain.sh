#!/bin/sh
# End-to-end checks of `nvkv explain` on the trimmed result dirs in tests/data/explain:
# pink-reads (crypto1, 80% GETs, bound by GET latency) and anykey-writes (all PUTs at queue
# depth 8, bound by writes waiting). One dir: the header, the figures largest first, the bound;
# two dirs: the IOPS ratio and the largest difference first; fields missing from result.json are
# skipped; bad usage exits 2 and unreadable input exits 1, each with one line.
# Usage: test_explain.sh PATH/TO/nvkv PATH/TO/tests/data/explain
set -u
NVKV=$1
DATA=$2
. "$(dirname "$0")/lib.sh"

# expect_out "what" FRAGMENT: the last explain's stdout holds FRAGMENT.
expect_out() {
    if grep -qF -- "$2" "$TMP/out"; then pass; else fail "$1: no '$2' in: $(cat "$TMP/out")"; fi
}

# explain "what" nvkv-explain-args...: exit status 0 and nothing on stderr; stdout in $TMP/out.
explain() {
    what=$1
    shift
    "$NVKV" explain "$@" >"$TMP/out" 2>"$TMP/err"
    status=$?
    if [ "$status" -eq 0 ] && [ ! -s "$TMP/err" ]; then
        pass
    else
        fail "$what: exit status $status: $(cat "$TMP/err")"
    fi
}

# One run bound by GET latency.
explain "one dir, reads" "$DATA/pink-reads"
expect_out "header" "pink on crypto1 ($DATA/pink-reads): 198791 IOPS, 200000 ops in 1.006 s virtual, ended at the last completion"
expect_out "die time, largest first" "die time per op, us     meta 77.8, user_read 59.7, compaction 46.9, flush 30.7"
expect_out "utilization" "utilization             die 66.8%, channel 36.7%, cpu 5.1%"
expect_out "GET waits, largest first" "GET waits, us/GET       die_fg 127.6, die_bg 101.9, channel 14.9  (mean latency 402.6 us)"
expect_out "GET behind background" "GET behind background   25.3% of GET latency"
expect_out "backlog" "backlog                 none"
expect_out "bound" "  bound: GET latency (die_fg: 127.6 us of a 402.6 us GET)"
lines=$(wc -l <"$TMP/out")
if [ "$lines" -le 15 ]; then pass; else fail "one-dir output has $lines lines, want at most 15"; fi

# One run bound by writes: no GETs, so no GET lines.
explain "one dir, writes" "$DATA/anykey-writes/"
expect_out "header" "anykey on crypto1 ($DATA/anykey-writes/): 39629 IOPS"
expect_out "PUT waits" "PUT waits, us/PUT       backpressure 156.4, buffer_full 44.8, cpu 0.4"
expect_out "write slots" "writes waiting          7.97 of 8 queue slots on average"
expect_out "backlog" "0.546 s, 9058 flash ops queued after the last completion (not timed)"
expect_out "bound" "  bound: writes waiting for backpressure (8.0 of 8 queue slots on average)"
if grep -q "GET" "$TMP/out"; then fail "GET lines for a run without GETs"; else pass; fi

# Two runs: B/A IOPS, then the differences; compaction die time (+535.8 us per op) is the
# largest, and rows of one unit follow each other largest first.
explain "two dirs" "$DATA/pink-reads" "$DATA/anykey-writes"
expect_out "ratio" "B/A IOPS 0.20x (39629 vs 198791)"
expect_out "latency" "mean latency: PUT 0.4 -> 201.9 us"
first=$(sed -n '/differences, largest first/{n;p;q;}' "$TMP/out")
case "$first" in
"  die us/op: compaction"*"46.9"*"582.7"*"+535.8") pass ;;
*) fail "first difference is '$first', want die us/op: compaction" ;;
esac
second=$(sed -n '/differences, largest first/{n;n;p;q;}' "$TMP/out")
case "$second" in
"  die us/op: log_compaction"*"+409.8") pass ;;
*) fail "second difference is '$second', want die us/op: log_compaction" ;;
esac
expect_out "utilization row" "utilization: channel"
expect_out "page writes row" "page writes/op: compaction"
if grep -q "reads per GET" "$TMP/out"; then fail "reads per GET compared with a run without GETs"; else pass; fi
if grep -q "die us/op: gc" "$TMP/out"; then fail "a row without a difference is printed"; else pass; fi
expect_out "bound A" "  A bound: GET latency (die_fg"
expect_out "bound B" "  B bound: writes waiting for backpressure"

# The same run twice: nothing differs.
explain "same dir twice" "$DATA/pink-reads" "$DATA/pink-reads"
expect_out "ratio" "B/A IOPS 1.00x"
expect_out "no differences" "no recorded figure differs by more than 5%"

# Fields not recorded are skipped; the dir's name stands in for the engine.
mkdir -p "$TMP/bare"
printf '{"run": {"ops": 10}, "waits": {"by_op": {}}}\n' >"$TMP/bare/result.json"
explain "nothing recorded" "$TMP/bare"
expect_out "dir name" "bare ($TMP/bare): 10 ops"
expect_out "not recorded" "die time per op, us     not recorded"
expect_out "bound without waits" "  bound: service time"
explain "nothing recorded vs a full run" "$TMP/bare" "$DATA/pink-reads"
expect_out "ratio not recorded" "B/A IOPS not recorded"

# Bad usage exits 2; unreadable input exits 1 naming the file.
expect_status "no dirs" 2 "explain: no result dir given; usage: nvkv explain DIR [DIR2]" explain
expect_status "three dirs" 2 "explain: more than two dirs" \
    explain "$DATA/pink-reads" "$DATA/pink-reads" "$DATA/pink-reads"
expect_status "unknown option" 2 "explain: unknown option '--bogus'" explain --bogus "$DATA/pink-reads"
expect_status "missing dir" 1 "nvkv: explain: $TMP/missing/result.json: cannot open" \
    explain "$TMP/missing"
expect_status "second dir missing" 1 "nvkv: explain: $TMP/missing/result.json: cannot open" \
    explain "$DATA/pink-reads" "$TMP/missing"
mkdir -p "$TMP/bad_json"
printf '{"workload": {"name": "x",}}\n' >"$TMP/bad_json/result.json"
expect_status "malformed result.json" 1 \
    "nvkv: explain: $TMP/bad_json/result.json: byte 26 (line 1): expected a string key" \
    explain "$TMP/bad_json"
mkdir -p "$TMP/array"
printf '[1, 2]\n' >"$TMP/array/result.json"
expect_status "not an object" 1 "$TMP/array/result.json: not a JSON object" explain "$TMP/array"
if "$NVKV" explain --help | grep -q "usage: nvkv explain DIR \[DIR2\]"; then
    pass
else
    fail "--help lacks the usage line"
fi

finish
