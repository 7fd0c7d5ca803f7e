#!/bin/sh
# End-to-end checks of the nvkv program: bad input exits 2 with one line naming the problem,
# the same config and seed give the same result.json (minus wall-clock fields), and the printed
# config reads back. Usage: test_cli.sh PATH/TO/nvkv
set -u
NVKV=$1
. "$(dirname "$0")/lib.sh"

expect_usage_error "zero channels" "nand.channels = '0'" config --set nand.channels=0
expect_usage_error "unknown cell" "allowed: one of slc, mlc, tlc" config --set nand.cell=qlc
expect_usage_error "unknown key" "nand.foo: unknown key" config --set nand.foo=1
expect_usage_error "assignment without =" "section.key=value" config --set nand.channels
expect_usage_error "page size" "multiple of 512" config --set nand.page_bytes=1000
expect_usage_error "oob too small" "nand.oob_bytes = '0'" config --set nand.oob_bytes=0
expect_usage_error "scale 0" "--scale = '0'" config --scale 0
expect_usage_error "scale too large" "--scale 513" config --scale 513
expect_usage_error "unknown preset" "allowed: anykey64g" config --device nope
expect_usage_error "missing config file" "cannot open" config --config "$TMP/none.ini"
expect_usage_error "bench mode" "allowed: read, program, mixed, all" nand-bench --mode write
expect_usage_error "bench ops" "--ops = '0'" nand-bench --ops 0
expect_usage_error "bench option" "unknown option '--bogus'" nand-bench --bogus
expect_usage_error "unknown command" "unknown command 'frobnicate'" frobnicate
expect_usage_error "run unknown engine" "--engine 'nope': unknown engine; allowed:" run --engine nope
expect_usage_error "run without engine" "--engine is required" run --ops 10
expect_usage_error "run fill 0" "--fill = '0'" run --engine hash --fill 0
expect_usage_error "run fill 1.5" "--fill = '1.5'" run --engine hash --fill 1.5
expect_usage_error "run write ratio" "--write-ratio = '2'" run --engine hash --write-ratio 2
expect_usage_error "run key dist" "allowed: seq, uniform, zipf, scrambled" run --engine hash --key-dist normal
expect_usage_error "run theta" "--theta = '1'" run --engine hash --theta 1
expect_usage_error "run key size" "--key-size = '256'" run --engine hash --key-size 256
expect_usage_error "run option" "unknown option '--bogus'" run --engine hash --bogus
printf '[nand]\nchannels = 4\ndies_per_channel = many\n' >"$TMP/bad.ini"
expect_usage_error "bad ini value" "nand.dies_per_channel = 'many'" config --config "$TMP/bad.ini"
printf '[nand]\njust words\n' >"$TMP/bad2.ini"
expect_usage_error "bad ini line" "bad2.ini:2:" config --config "$TMP/bad2.ini"

# Determinism: same config and seed, byte-identical result.json once wall-clock lines are dropped.
run_bench() {
    "$NVKV" nand-bench --scale 64 --ops 20000 --seed "$1" --quiet --out "$2" >/dev/null 2>&1
}
strip_wall() { grep -v -e '"wall_s"' -e '"ops_per_wall_s"' "$1"; }
if run_bench 7 "$TMP/a" && run_bench 7 "$TMP/b" && run_bench 8 "$TMP/c"; then
    for mode in read program mixed; do
        strip_wall "$TMP/a/$mode/result.json" >"$TMP/a.s"
        strip_wall "$TMP/b/$mode/result.json" >"$TMP/b.s"
        strip_wall "$TMP/c/$mode/result.json" >"$TMP/c.s"
        if cmp -s "$TMP/a.s" "$TMP/b.s"; then pass; else fail "$mode: same seed, different result.json"; fi
        if cmp -s "$TMP/a.s" "$TMP/c.s"; then fail "$mode: another seed gave the same result.json"; else pass; fi
        for csv in "$TMP/a/$mode"/latency_*.csv; do
            name=$(basename "$csv")
            if cmp -s "$csv" "$TMP/b/$mode/$name"; then pass; else fail "$mode: $name differs"; fi
        done
    done
    for key in '"virtual_ns"' '"ops_per_s"' '"p999"' '"page_reads"' '"page_writes"' '"erases"' '"config"' '"seed": 7' '"mode": "mixed"'; do
        if grep -qF -- "$key" "$TMP/a/mixed/result.json"; then pass; else fail "result.json lacks $key"; fi
    done
else
    fail "nand-bench run failed"
fi

# nvkv run: a small hash run writes the engine figures, and the same seed gives the same file.
# (--scale 64, not 256: with 2 blocks per die the hash engine's GC cannot keep up, and 4 KiB
# values fill a page each, so --fill 0.5 does not fit.)
run_kv() {
    "$NVKV" run --engine hash --scale 64 --fill 0.3 --ops 20000 --seed "$1" --quiet --out "$2" \
        >/dev/null 2>"$TMP/run.err"
}
if run_kv 3 "$TMP/k1" && run_kv 3 "$TMP/k2" && run_kv 4 "$TMP/k3"; then
    for key in '"write_amplification"' '"storage_utilization"' '"reads_per_get"' \
        '"metadata_bytes"' '"get": {' '"put": {' '"engine": "hash"'; do
        if grep -qF -- "$key" "$TMP/k1/result.json"; then pass; else fail "run: result.json lacks $key"; fi
    done
    strip_wall "$TMP/k1/result.json" >"$TMP/k1.s"
    strip_wall "$TMP/k2/result.json" >"$TMP/k2.s"
    strip_wall "$TMP/k3/result.json" >"$TMP/k3.s"
    if cmp -s "$TMP/k1.s" "$TMP/k2.s"; then pass; else fail "run: same seed, different result.json"; fi
    if cmp -s "$TMP/k1.s" "$TMP/k3.s"; then fail "run: another seed gave the same result.json"; else pass; fi
else
    fail "nvkv run --engine hash failed: $(cat "$TMP/run.err")"
fi

# The printed config reads back to the same printed config.
if "$NVKV" config --print --scale 16 --set nand.cell=mlc >"$TMP/p1.ini" &&
    "$NVKV" config --print --config "$TMP/p1.ini" >"$TMP/p2.ini"; then
    grep -v '^#' "$TMP/p1.ini" >"$TMP/p1.s"
    grep -v '^#' "$TMP/p2.ini" >"$TMP/p2.s"
    if cmp -s "$TMP/p1.s" "$TMP/p2.s" && grep -q '^cell = mlc' "$TMP/p1.s"; then
        pass
    else
        fail "config --print does not read back"
    fi
else
    fail "config --print failed"
fi

# nvkv gen-bench: bad options, and a small run of every key distribution.
expect_usage_error "gen-bench dist" "allowed: seq, uniform, zipf" gen-bench --dist zipfian
expect_usage_error "gen-bench values" "MIN <= MAX" gen-bench --value-size uniform:9-1
expect_usage_error "gen-bench mix" "unknown operation" gen-bench --mix get=1
if "$NVKV" gen-bench --dist all --n 1000 --draws 2000 --repeat 1 >"$TMP/out" 2>"$TMP/err" &&
    grep -q '^latest ' "$TMP/out" && grep -q '^checksum ' "$TMP/out"; then
    pass
else
    fail "gen-bench: a small run of every distribution: $(cat "$TMP/err")"
fi

# nvkv xfer: bad options, every method in one table, result.json with the pcie figures, and
# the same seed gives the same file.
expect_usage_error "xfer method" "allowed: prp, piggyback, adaptive, inline" xfer --method nope
expect_usage_error "xfer workload" "allowed: wb, wc, wd, wm" xfer --workload wz
expect_usage_error "xfer both" "exclude each other" xfer --workload wb --value-size 8
expect_usage_error "xfer link" "pcie.link" xfer --set pcie.link=gen9x1
run_xfer() {
    "$NVKV" xfer --scale 64 --ops 3000 --workload wd --seed "$1" --quiet --out "$2" \
        >"$TMP/xfer.out" 2>"$TMP/xfer.err"
}
if run_xfer 5 "$TMP/x1" && run_xfer 5 "$TMP/x2"; then
    for m in prp piggyback adaptive inline; do
        if grep -q "^$m " "$TMP/xfer.out"; then pass; else fail "xfer: no row for $m"; fi
        for key in '"h2d_bytes"' '"d2h_bytes"' '"tlps"' '"by_kind"' '"sqe_fetch"' '"doorbell"' \
            '"msix"' '"cqe"' '"key"' '"ops": 3000' "\"method\": \"$m\""; do
            if grep -qF -- "$key" "$TMP/x1/$m/result.json"; then pass; else fail "xfer $m: result.json lacks $key"; fi
        done
        strip_wall "$TMP/x1/$m/result.json" >"$TMP/x1.s"
        strip_wall "$TMP/x2/$m/result.json" >"$TMP/x2.s"
        if cmp -s "$TMP/x1.s" "$TMP/x2.s"; then pass; else fail "xfer $m: same seed, different result.json"; fi
    done
else
    fail "nvkv xfer failed: $(cat "$TMP/xfer.err")"
fi

# Help for every subcommand.
for cmd in run nand-bench config sim-bench xfer; do
    if "$NVKV" "$cmd" --help | grep -q "usage: nvkv $cmd"; then pass; else fail "$cmd --help"; fi
done

finish
