# Shared by the experiment scripts (sourced): the nvkv binary, option parsing, plotting.
# Options every script takes: --scale N (1 = the paper's 64 GB device), --ops N (per run),
# --fill F, --jobs N, --out DIR, --no-plot.
NVKV=${NVKV:-build/release/tools/nvkv}
if [ ! -x "$NVKV" ]; then
    echo "$0: $NVKV not built; run: make release" >&2
    exit 2
fi
JOBS=$(nproc 2>/dev/null || echo 2)
PLOT=1
parse_common() {
    while [ $# -gt 0 ]; do
        case $1 in
        --scale) SCALE=$2; shift 2 ;;
        --ops) OPS=$2; shift 2 ;;
        --fill) FILL=$2; shift 2 ;;
        --jobs) JOBS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --no-plot) PLOT=0; shift ;;
        *) echo "$0: unknown option '$1'; allowed: --scale --ops --fill --jobs --out --no-plot" >&2
           exit 2 ;;
        esac
    done
}
# plot DIR: draw DIR's result directories; a missing gnuplot is reported, not fatal.
plot() {
    [ "$PLOT" = 1 ] || return 0
    "$NVKV" plot "$1" >"$1/plot.log" 2>&1 || echo "(plots: see $1/plot.log)" >&2
    echo "plots: $(ls "$1"/plots/*.png "$1"/*.png 2>/dev/null | tr '\n' ' ')"
}
