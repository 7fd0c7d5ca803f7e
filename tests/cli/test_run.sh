#!/bin/sh
# End-to-end checks of `nvkv run` workloads and `nvkv compare`: presets, scans, trace replay,
# db_bench spellings, open loop, stop conditions, timeline.csv, flag errors.
# Usage: test_run.sh PATH/TO/nvkv TRACE_DATA_DIR
set -u
NVKV=$1
DATA=$2
. "$(dirname "$0")/lib.sh"

# json_num FILE KEY: the first number after "KEY": in FILE (the writer puts one member a line).
json_num() { sed -n "s/.*\"$2\": \([-0-9.e+]*\).*/\1/p" "$1" | head -n 1; }
# sim_ops FILE: the operations a run measured (run.ops).
sim_ops() { sed -n '/"run": {/,/}/p' "$1" >"$TMP/sim.json" && json_num "$TMP/sim.json" ops; }

has() { # has FILE FRAGMENT WHAT
    if grep -qF -- "$2" "$1"; then pass; else fail "$3: $1 lacks $2"; fi
}

expect_usage_error "unknown workload" "unknown workload; allowed: kvssd" run --engine hash --workload nope
expect_usage_error "workload and trace" "exclude each other" run --engine hash --workload ycsb-a --trace x
expect_usage_error "bad mix" "--mix = 'read=x'" run --engine hash --mix read=x
expect_usage_error "bad value spec" "--value-size = 'uniform:9-1'" run --engine hash --value-size uniform:9-1
expect_usage_error "bad trace format" "allowed: auto, text, twitter, cachelib" run --engine hash --trace x --trace-format csv
expect_usage_error "bad arrival" "allowed: poisson, fixed" run --engine hash --arrival burst
expect_usage_error "binary key size 0" "only for --key-format ycsb" run --engine hash --key-size 0
expect_usage_error "bad sized workload" "unknown preset 'nope'" run --engine hash --workload nope:40/20
expect_usage_error "bad rate" "--rate = '0'" run --engine hash --rate 0
expect_usage_error "missing trace" "No such file" run --engine hash --scale 64 --trace "$TMP/none.txt"
expect_usage_error "malformed trace" "bad_text_op.txt:" run --engine hash --scale 64 --trace "$DATA/bad_text_op.txt"
expect_usage_error "compare without workloads" "--workloads is required" compare --engines pink
expect_usage_error "compare both" "exactly one of --engines and --methods" compare --engines pink --methods prp --workloads kvssd
expect_usage_error "compare engine" "is set per cell" compare --engines pink --workloads kvssd --engine hash
expect_usage_error "compare engine=" "is set per cell" compare --engines pink --workloads kvssd --engine=hash
expect_usage_error "compare twice" "'pink' is named twice" compare --engines pink,pink --workloads kvssd
expect_usage_error "capacity-x, no writes" "writes nothing" run --engine hash --capacity-x 0.1 --mix read=1
expect_usage_error "phases, other keys" "build different keys" run --engine hash --benchmarks=fillrandom,mixgraph
expect_usage_error "no key fits" "holds no record" run --engine hash --scale 64 --fill 0.0000001
expect_usage_error "binary keys alias" "1-byte binary keys name at most 256 items" run --engine hash --scale 64 --key-size 1 --keys 300
expect_usage_error "timeline floor" "--timeline-ms = '0.0001'" run --engine hash --timeline-ms 0.0001
expect_usage_error "bad procedure" "allowed: none, paper" run --engine hash --procedure fast
expect_usage_error "paper without load" "drop --no-load" run --engine hash --procedure paper --no-load
expect_usage_error "paper with a trace" "does not replay --trace" run --engine hash --procedure paper --trace x

# --procedure paper: the paper's defaults where nothing is given (fill 0.9, 20% writes, Zipfian
# 0.99, requests totalling 2x the raw capacity), recorded in result.json; --requests-x bounds the
# measured phase by the bytes of all its requests against the raw capacity.
if "$NVKV" run --engine anykey --scale 64 --procedure paper --fill 0.02 --key-size 16 --value-size 48 \
    --requests-x 0.005 --quiet --out "$TMP/paper" >/dev/null 2>"$TMP/paper.err"; then
    has "$TMP/paper/result.json" '"procedure": "paper"' "--procedure paper"
    has "$TMP/paper/result.json" '"requests_x": 0.005' "--procedure paper"
    has "$TMP/paper/result.json" '"key_dist": "zipf"' "--procedure paper"
    has "$TMP/paper/result.json" '"update": 0.2' "--procedure paper"
    has "$TMP/paper/result.json" '"theta": 0.99' "--procedure paper"
    # flash I/O of the measured phase by origin, as the paper's Table 3 splits it
    for g in user compaction gc vlog meta; do
        has "$TMP/paper/result.json" "\"$g\": {" "flash.by_origin"
    done
    has "$TMP/paper/result.json" '"by_origin": {' "flash.by_origin"
    rb=$(sed -n '/"run": {/,/}/p' "$TMP/paper/result.json" | sed -n 's/.*"request_bytes": \([0-9]*\).*/\1/p')
    raw=$(json_num "$TMP/paper/result.json" raw_bytes)
    # stopped at the first request past 0.5% of raw; at most QD - 1 more were in flight
    lo=$((raw / 200)); hi=$((raw / 200 + 64 * 64))
    if [ "$rb" -ge "$lo" ] && [ "$rb" -le "$hi" ]; then pass; else fail "request_bytes $rb not in [$lo, $hi]"; fi
else
    fail "--procedure paper run failed: $(cat "$TMP/paper.err")"
fi
# The default fill is 0.9 of the exposed capacity: 0.9 x exposed / (16 + 4096) kvssd keys, whether
# the load reaches them (result.json) or the engine fills up first (the error names the target).
exposed=$("$NVKV" config --scale 64 | sed -n 's/^ *exposed capacity: *\([0-9]*\) bytes.*/\1/p')
want=$(awk -v e="$exposed" 'BEGIN { printf "%d", 0.9 * e / 4112 }')
"$NVKV" run --engine hash --scale 64 --procedure paper --workload kvssd --ops 2000 --quiet \
    --out "$TMP/paper2" >/dev/null 2>"$TMP/paper2.err"
got=$(sed -n 's/.* of \([0-9]*\) keys.*/\1/p' "$TMP/paper2.err")
[ -n "$got" ] || got=$(json_num "$TMP/paper2/result.json" keys)
if [ -n "$want" ] && [ "$got" = "$want" ]; then pass; else fail "--procedure paper: $got keys, want $want (fill 0.9)"; fi

if "$NVKV" run --engine hash --workload list >"$TMP/list" 2>&1; then
    for w in kvssd crypto1 rtdata wm ycsb-a ycsb-f fillseq mixgraph; do
        if grep -q "^$w " "$TMP/list"; then pass; else fail "--workload list lacks $w"; fi
    done
    has "$TMP/list" "sources:" "--workload list"
else
    fail "--workload list failed"
fi

# A YCSB preset: its name, key format and mix in result.json; timeline.csv with rows; the same
# seed gives the same file.
ycsb() {
    "$NVKV" run --engine hash --scale 64 --workload ycsb-a --keys 20000 --ops 20000 --seed "$1" \
        --timeline-ms 1 --quiet --out "$2" >/dev/null 2>"$TMP/ycsb.err"
}
if ycsb 3 "$TMP/y1" && ycsb 3 "$TMP/y2"; then
    has "$TMP/y1/result.json" '"name": "ycsb-a"' ycsb-a
    has "$TMP/y1/result.json" '"key_format": "ycsb"' ycsb-a
    has "$TMP/y1/result.json" '"key_dist": "scrambled"' ycsb-a
    has "$TMP/y1/timeline.csv" 'time_s,ops_per_s,p99_us,get_ops_per_s,get_p99_us,put_ops_per_s,put_p99_us' timeline
    rows=$(($(wc -l <"$TMP/y1/timeline.csv") - 1))
    if [ "$rows" -ge 2 ]; then pass; else fail "timeline.csv has $rows rows at 1 ms"; fi
    grep -v -e '"wall_s"' -e '"ops_per_wall_s"' "$TMP/y1/result.json" >"$TMP/y1.s"
    grep -v -e '"wall_s"' -e '"ops_per_wall_s"' "$TMP/y2/result.json" >"$TMP/y2.s"
    if cmp -s "$TMP/y1.s" "$TMP/y2.s"; then pass; else fail "ycsb-a: same seed, different result.json"; fi
    sed -n '/"run": {/,/}/p' "$TMP/y1/result.json" >"$TMP/y1_run.json"
    reads=$(json_num "$TMP/y1_run.json" reads)
    updates=$(json_num "$TMP/y1_run.json" updates)
    if [ "$reads" -gt 9000 ] && [ "$updates" -gt 9000 ]; then pass; else fail "ycsb-a mix: $reads reads, $updates updates"; fi
else
    fail "ycsb-a run failed: $(cat "$TMP/ycsb.err")"
fi

# YCSB E with binary keys: scans return keys whose values the host checks.
if "$NVKV" run --engine pink --scale 64 --workload ycsb-e --key-format binary --key-size 16 \
    --keys 20000 --ops 2000 --quiet --out "$TMP/e" >/dev/null 2>"$TMP/e.err"; then
    scanned=$(json_num "$TMP/e/result.json" scan_keys)
    if [ "$scanned" -gt 2000 ]; then pass; else fail "ycsb-e returned $scanned scan keys"; fi
    has "$TMP/e/result.json" '"scan": {' "ycsb-e latency"
else
    fail "ycsb-e run failed: $(cat "$TMP/e.err")"
fi

# Trace replay: every request of the Twitter sample (100), and a key-space multiplier.
if "$NVKV" run --engine hash --scale 64 --trace "$DATA/twitter_sample.csv" --quiet \
    --out "$TMP/t" >/dev/null 2>"$TMP/t.err"; then
    ops=$(sim_ops "$TMP/t/result.json")
    if [ "$ops" = 100 ]; then pass; else fail "twitter replay: $ops ops, want 100"; fi
    has "$TMP/t/result.json" '"trace_format": "twitter"' "twitter replay"
else
    fail "twitter replay failed: $(cat "$TMP/t.err")"
fi
if "$NVKV" run --engine anykey --scale 64 --trace "$DATA/kv_traces_2.csv" --trace-repeat 3 \
    --quiet --out "$TMP/c" >/dev/null 2>"$TMP/c.err"; then
    ops=$(sim_ops "$TMP/c/result.json")
    if [ "$ops" = $((3 * 433)) ]; then pass; else fail "cachelib replay x3: $ops ops, want 1299"; fi
else
    fail "cachelib replay failed: $(cat "$TMP/c.err")"
fi

# db_bench spellings: two benchmarks as phases on one device; readrandom finds every key
# fillseq wrote.
if "$NVKV" run --engine pink --scale 64 --benchmarks=fillseq,readrandom --num 20000 \
    --key_size 16 --value_size 100 --quiet --out "$TMP/db" >/dev/null 2>"$TMP/db.err"; then
    inserts=$(json_num "$TMP/db/1-fillseq/result.json" inserts)
    misses=$(json_num "$TMP/db/2-readrandom/result.json" get_misses)
    sed -n '/"run": {/,/}/p' "$TMP/db/2-readrandom/result.json" >"$TMP/db_run.json"
    reads=$(json_num "$TMP/db_run.json" reads)
    if [ "$inserts" = 20000 ]; then pass; else fail "fillseq: $inserts inserts"; fi
    if [ "$misses" = 0 ] && [ "$reads" = 20000 ]; then pass; else fail "readrandom: $reads reads, $misses misses"; fi
else
    fail "db_bench spellings failed: $(cat "$TMP/db.err")"
fi

# Open loop: 20,000 ops/s for 0.5 s of virtual time issues about 10,000 operations.
if "$NVKV" run --engine hash --scale 64 --keys 20000 --value-size 512 --rate 20000 --duration 0.5 \
    --quiet --out "$TMP/o" >/dev/null 2>"$TMP/o.err"; then
    ops=$(sim_ops "$TMP/o/result.json")
    if [ "$ops" -gt 9500 ] && [ "$ops" -lt 10500 ]; then pass; else fail "open loop: $ops ops, want about 10000"; fi
else
    fail "open loop run failed: $(cat "$TMP/o.err")"
fi

# Stop by bytes written: 0.02 x the exposed capacity.
if "$NVKV" run --engine hash --scale 64 --keys 20000 --value-size 1024 --write-ratio 1 \
    --capacity-x 0.02 --quiet --out "$TMP/x" >/dev/null 2>"$TMP/x.err"; then
    written=$(json_num "$TMP/x/result.json" host_bytes_written)
    exposed=$("$NVKV" config --scale 64 | sed -n 's/.*exposed capacity: *\([0-9]*\) bytes.*/\1/p' | head -n 1)
    want=$((exposed / 50))
    if [ "$written" -ge "$want" ] && [ "$written" -lt $((want + 100000)) ]; then pass; else fail "capacity-x: wrote $written, want $want"; fi
else
    fail "capacity-x run failed: $(cat "$TMP/x.err")"
fi

# compare: one table per metric with ratios to the first engine, one dir per cell.
if "$NVKV" compare --engines hash,pink --workloads anykey:16/512 --jobs 2 --out "$TMP/cmp" \
    --scale 64 --keys 20000 --ops 5000 --quiet >"$TMP/cmp.out" 2>"$TMP/cmp.err"; then
    has "$TMP/cmp.out" "IOPS" compare
    if grep -q "^anykey:16/512 .*x)" "$TMP/cmp.out"; then pass; else fail "compare: no ratio row"; fi
    for e in hash pink; do
        if [ -f "$TMP/cmp/anykey_16_512-$e/result.json" ]; then pass; else fail "compare: no result for $e"; fi
    done
else
    fail "compare failed: $(cat "$TMP/cmp.err")"
fi

# A failed cell shows '-', never an earlier run's figures left in its directory.
if "$NVKV" compare --engines hash,pink --workloads anykey:16/512 --jobs 2 --out "$TMP/cmp" \
    --scale 64 --keys 20000 --ops 5000 --key-size 1 --quiet >"$TMP/cmp2.out" 2>"$TMP/cmp2.err"; then
    fail "compare with failing cells exited 0"
elif grep -q "^anykey:16/512 *- *-$" "$TMP/cmp2.out"; then
    pass
else
    fail "compare: failed cells not shown as '-': $(grep '^anykey' "$TMP/cmp2.out" | head -n 1)"
fi

# Scans with binary 16-byte keys: values checked and no present key passed over (seekrandom
# after fillseq), on every engine with an iterator.
for engine in pink anykey; do
    if "$NVKV" run --engine "$engine" --scale 64 --benchmarks=fillseq,seekrandom --num 20000 \
        --ops 2000 --quiet >"$TMP/seek.out" 2>"$TMP/seek.err" && grep -q "scans returned 19[0-9][0-9][0-9] keys" "$TMP/seek.out"; then
        pass
    else
        fail "seekrandom on $engine: $(cat "$TMP/seek.err") $(grep scans "$TMP/seek.out")"
    fi
done

# The progress line: redrawn on a terminal (run under script(1) for one); in a pipe only plain
# lines (every 10 s), never a carriage return or an escape sequence.
PROGRESS_RUN="run --engine pink --scale 64 --workload crypto1 --fill 0.2 --fill-piece 512 --ops 300000"
if command -v script >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    script -qec "$NVKV $PROGRESS_RUN" /dev/null >"$TMP/tty.out" 2>&1
    if tr '\r' '\n' <"$TMP/tty.out" | grep -q '^crypto1: *[0-9.]*% .* virtual, .* ops, .* M ops/s, ETA'; then
        pass
    else
        fail "no progress line on a terminal: $(tr '\r' '\n' <"$TMP/tty.out" | head -n 3)"
    fi
fi
# shellcheck disable=SC2086
"$NVKV" $PROGRESS_RUN >/dev/null 2>"$TMP/pipe.err"
if [ "$(tr -d -c '\r\033' <"$TMP/pipe.err" | wc -c)" -ne 0 ]; then
    fail "terminal control bytes written to a pipe: $(head -c 200 "$TMP/pipe.err")"
else
    pass
fi

if "$NVKV" compare --help | grep -q "usage: nvkv compare"; then pass; else fail "compare --help"; fi

# The time model: time accounting, waits and backlog in result.json; the same seed gives the same
# bytes (wall time aside) for each engine under both background models; --drain times the backlog.
tm_run() { # tm_run ENGINE MODEL DIR [extra]
    e=$1 m=$2 d=$3
    shift 3
    "$NVKV" run --engine "$e" --scale 64 --workload crypto1 --fill 0.05 --fill-piece 512 --ops 30000 --seed 5 \
        --set kv.write_buffer=64KiB --set sim.bg_model="$m" --quiet --out "$d" "$@" >/dev/null 2>"$TMP/tm.err"
}
for e in pink anykey anykey+ hash; do
    for m in deps kvemu; do
        if tm_run "$e" "$m" "$TMP/tm1" && tm_run "$e" "$m" "$TMP/tm2"; then
            grep -v -e '"wall_s"' -e '"ops_per_wall_s"' "$TMP/tm1/result.json" >"$TMP/tm1.s"
            grep -v -e '"wall_s"' -e '"ops_per_wall_s"' "$TMP/tm2/result.json" >"$TMP/tm2.s"
            if cmp -s "$TMP/tm1.s" "$TMP/tm2.s"; then pass; else fail "$e $m: same seed, different result.json"; fi
        else
            fail "$e $m run failed: $(cat "$TMP/tm.err")"
        fi
    done
done
if tm_run pink deps "$TMP/tm3"; then
    for k in '"time_by_origin": {' '"user_read_ns":' '"compaction_ns":' '"utilization": {' \
        '"waits": {' '"die_bg_ns":' '"buffer_full_ns":' '"get_behind_background_share":' \
        '"write_wait_slots":' '"backlog": {' '"phase_end": "last_completion"' '"bg_model": "deps"'; do
        has "$TMP/tm3/result.json" "$k" "time model"
    done
    # the backlog in flash operations and, of those, page reads and programs (erases aside)
    bl=$(sed -n '/"backlog": {/,/}/p' "$TMP/tm3/result.json")
    bops=$(echo "$bl" | sed -n 's/.*"flash_ops": \([0-9]*\).*/\1/p')
    bpages=$(echo "$bl" | sed -n 's/.*"pages": \([0-9]*\).*/\1/p')
    if [ -n "$bpages" ] && [ "$bpages" -le "$bops" ]; then pass; else fail "backlog.pages '$bpages' vs flash_ops '$bops'"; fi
fi
if tm_run pink deps "$TMP/tm4" --drain; then
    has "$TMP/tm4/result.json" '"phase_end": "drain"' "--drain"
    t3=$(json_num "$TMP/tm3/result.json" virtual_ns)
    t4=$(json_num "$TMP/tm4/result.json" virtual_ns)
    b3=$(sed -n '/"backlog": {/,/}/p' "$TMP/tm3/result.json" | sed -n 's/.*"ns": \([0-9]*\).*/\1/p')
    if [ "$t4" -eq $((t3 + b3)) ]; then pass; else fail "--drain: $t4 != $t3 + backlog $b3"; fi
else
    fail "--drain run failed: $(cat "$TMP/tm.err")"
fi

finish
