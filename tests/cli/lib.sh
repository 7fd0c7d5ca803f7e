# Shared by the end-to-end shell tests (sourced after setting NVKV): a scratch dir removed at
# exit, pass/fail counters, the one-line-error check, and the closing summary.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nvkv-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect_status "what" STATUS "fragment of stderr" nvkv-args...: the exit status, and stderr is
# exactly one line holding the fragment.
expect_status() {
    what=$1 want=$2 fragment=$3
    shift 3
    "$NVKV" "$@" >"$TMP/out" 2>"$TMP/err"
    status=$?
    lines=$(wc -l <"$TMP/err")
    if [ "$status" -ne "$want" ]; then
        fail "$what: exit status $status, want $want: $(cat "$TMP/err")"
    elif [ "$lines" -ne 1 ]; then
        fail "$what: $lines lines on stderr, want 1: $(cat "$TMP/err")"
    elif ! grep -qF -- "$fragment" "$TMP/err"; then
        fail "$what: stderr lacks '$fragment': $(cat "$TMP/err")"
    else
        pass
    fi
}

# expect_usage_error "what" "fragment" nvkv-args...: bad usage exits 2 with one line.
expect_usage_error() {
    what=$1 fragment=$2
    shift 2
    expect_status "$what" 2 "$fragment" "$@"
}

# Print the counts; the script's exit status is non-zero when a check failed.
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
