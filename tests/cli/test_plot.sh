#!/bin/sh
# End-to-end checks of `nvkv plot` on the small result dirs in tests/data/plot: every chart
# with data is drawn (PNG and SVG, non-empty), charts without data are not, the default output
# dir, and the errors: bad usage and malformed input exit 2 with one line, a missing gnuplot
# exits 1 naming the Debian package after writing the scripts and data.
# Usage: test_plot.sh PATH/TO/nvkv PATH/TO/tests/data/plot
set -u
NVKV=$1
DATA=$2
. "$(dirname "$0")/lib.sh"

# expect_files DIR EXT NAME... : each DIR/NAME.EXT exists and is non-empty
expect_files() {
    dir=$1 ext=$2
    shift 2
    for name in "$@"; do
        if [ -s "$dir/$name.$ext" ]; then pass; else fail "$dir/$name.$ext missing or empty"; fi
    done
}

expect_absent() {
    if [ -e "$1" ]; then fail "$1 written, but its chart has no data"; else pass; fi
}

if ! command -v gnuplot >/dev/null 2>&1; then
    fail "gnuplot is not installed: run scripts/install-deps (Debian package gnuplot-nox)"
fi

# Engines in two groups (two DIR arguments), both formats, explicit --out.
ENGINE_CHARTS="latency_get_cdf latency_get_tail latency_put_cdf latency_put_tail throughput_time
p99_time iops flash_page_writes flash_reads_per_get metadata_dram metadata_flash"
if "$NVKV" plot --format both --title "fixtures" --out "$TMP/engines" "$DATA/engines" \
    "$DATA/crypto1" >"$TMP/engines.out" 2>"$TMP/engines.err"; then
    pass
    # shellcheck disable=SC2086
    expect_files "$TMP/engines" png $ENGINE_CHARTS
    # shellcheck disable=SC2086
    expect_files "$TMP/engines" svg $ENGINE_CHARTS
    # shellcheck disable=SC2086
    expect_files "$TMP/engines" gp $ENGINE_CHARTS
    expect_files "$TMP/engines" dat latency_get latency_put timeline iops flash_page_writes \
        flash_reads_per_get metadata_dram metadata_flash
    expect_absent "$TMP/engines/pcie_bytes_per_op.png" # run results have no pcie object
    if [ "$(head -c 4 "$TMP/engines/iops.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then
        pass
    else
        fail "iops.png is not a PNG"
    fi
    if grep -q "<svg" "$TMP/engines/iops.svg"; then pass; else fail "iops.svg is not SVG"; fi
    if grep -qx "$TMP/engines/metadata_dram.png" "$TMP/engines.out"; then
        pass
    else
        fail "the written paths are not printed"
    fi
    if grep -q "fixtures: Throughput" "$TMP/engines/iops.gp"; then pass; else fail "--title unused"; fi
    # a result dir with one group: runs labelled by engine; two groups: by engine and group
    if grep -q "pink (crypto1)" "$TMP/engines/latency_get_cdf.gp"; then
        pass
    else
        fail "labels do not name the group of a series that appears in two groups"
    fi
    # the scripts redraw the charts from inside the output dir
    rm "$TMP/engines/iops.png"
    if (cd "$TMP/engines" && gnuplot iops.gp) && [ -s "$TMP/engines/iops.png" ]; then
        pass
    else
        fail "iops.gp does not redraw iops.png"
    fi
else
    fail "plot of the engine fixtures failed: $(cat "$TMP/engines.err")"
fi

# xfer's per-method dirs under one parent; default output DIR/plots. No flash page was
# written in those runs, so that chart is left out.
cp -r "$DATA/xfer" "$TMP/xfer"
if "$NVKV" plot "$TMP/xfer" >/dev/null 2>"$TMP/xfer.err"; then
    pass
    expect_files "$TMP/xfer/plots" png latency_put_cdf latency_put_tail iops pcie_bytes_per_op
    expect_absent "$TMP/xfer/plots/flash_page_writes.png"
    expect_absent "$TMP/xfer/plots/metadata_dram.png"
    expect_absent "$TMP/xfer/plots/throughput_time.png"
    expect_absent "$TMP/xfer/plots/latency_put_cdf.svg"
    if grep -q '"prp"' "$TMP/xfer/plots/pcie_bytes_per_op.dat"; then
        pass
    else
        fail "xfer series are not labelled by method"
    fi
else
    fail "plot of the xfer fixtures failed: $(cat "$TMP/xfer.err")"
fi

# One result dir: the charts go next to its result.json.
cp -r "$DATA/engines/pink" "$TMP/pink"
if "$NVKV" plot --format svg "$TMP/pink/" >/dev/null 2>"$TMP/pink.err"; then
    pass
    expect_files "$TMP/pink" svg latency_get_cdf throughput_time iops metadata_dram
else
    fail "plot of one result dir failed: $(cat "$TMP/pink.err")"
fi

# Bad usage and malformed input: exit 2, one line.
mkdir -p "$TMP/empty/sub"
expect_status "no dirs" 2 "no result dir given" plot
expect_status "no dirs, only options" 2 "no result dir given" plot --format png
expect_status "no result.json" 2 "no result.json in it or in its immediate subdirectories" \
    plot "$TMP/empty"
expect_status "not a directory" 2 "not a directory" plot "$TMP/missing"
expect_status "bad format" 2 "--format = 'gif': invalid; allowed: png, svg, both" \
    plot --format gif "$DATA/engines"
expect_status "unknown option" 2 "unknown option '--bogus'" plot --bogus "$DATA/engines"
expect_status "missing option value" 2 "--out: missing value" plot "$DATA/engines" --out
mkdir -p "$TMP/bad_json"
printf '{"workload": {"name": "x",}}\n' >"$TMP/bad_json/result.json"
expect_status "malformed result.json" 2 "result.json: byte 26 (line 1): expected a string key" \
    plot "$TMP/bad_json"
mkdir -p "$TMP/bad_csv"
printf '{}\n' >"$TMP/bad_csv/result.json"
printf 'latency_ns,cumulative_fraction\n100,0.5\n200,zero\n' >"$TMP/bad_csv/latency_get.csv"
expect_status "malformed latency CSV" 2 "latency_get.csv:3: 'zero' is not a number" \
    plot "$TMP/bad_csv"
mkdir -p "$TMP/bad_tl"
cp "$DATA/engines/pink/result.json" "$TMP/bad_tl/"
printf 'ops_per_s\n5\n' >"$TMP/bad_tl/timeline.csv"
expect_status "timeline without time" 2 "timeline.csv:1: header lacks 'time_s'" plot "$TMP/bad_tl"

# No gnuplot on PATH: scripts and data are written, then exit 1 naming the package.
mkdir -p "$TMP/nopath"
env PATH="$TMP/nopath" "$NVKV" plot --out "$TMP/nognuplot" "$DATA/xfer" >/dev/null 2>"$TMP/err"
status=$?
if [ "$status" -ne 1 ] || [ "$(wc -l <"$TMP/err")" -ne 1 ] ||
    ! grep -qF "install the Debian package gnuplot-nox (scripts/install-deps does)" "$TMP/err"; then
    fail "gnuplot absent: status $status, want 1 and one line naming gnuplot-nox: $(cat "$TMP/err")"
else
    pass
fi
expect_files "$TMP/nognuplot" gp latency_put_cdf pcie_bytes_per_op
expect_files "$TMP/nognuplot" dat latency_put pcie_bytes_per_op
expect_absent "$TMP/nognuplot/pcie_bytes_per_op.png"

finish
