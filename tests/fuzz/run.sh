#!/bin/sh
# run.sh — runs one libFuzzer target of tests/fuzz (built by the asan preset into build/asan/fuzz).
#   run.sh replay BIN_DIR TARGET           every committed input once (seeds + kept crashes)
#   run.sh fuzz   BIN_DIR TARGET SECONDS   fuzz for SECONDS from the committed inputs; new inputs
#                                          go to BIN_DIR/corpus/TARGET, crashes to
#                                          BIN_DIR/crashes/TARGET (the source tree is not written)
# A crash file reproduces with:  BIN_DIR/fuzz_TARGET FILE
set -eu
mode=$1 bin=$2 t=$3
src=$(cd "$(dirname "$0")" && pwd)
exe=$bin/fuzz_$t
[ -x "$exe" ] || { echo "run.sh: $exe not built (cmake --build --preset asan)" >&2; exit 1; }
dirs="$src/corpus/$t"
[ -d "$src/regress/$t" ] && dirs="$dirs $src/regress/$t"
case $mode in
replay)
    # shellcheck disable=SC2086
    files=$(find $dirs -type f ! -name "*.md" | sort)
    n=$(echo "$files" | grep -c . || true)
    [ "$n" -gt 0 ] || { echo "run.sh: no inputs in $dirs" >&2; exit 1; }
    # shellcheck disable=SC2086
    "$exe" -runs=1 $files >"$bin/replay_$t.log" 2>&1 || { tail -40 "$bin/replay_$t.log"; exit 1; }
    echo "fuzz_$t: replayed $n inputs"
    ;;
fuzz)
    secs=$4
    mkdir -p "$bin/corpus/$t" "$bin/crashes/$t"
    # shellcheck disable=SC2086
    "$exe" -max_total_time="$secs" -dict="$src/fuzz.dict" -max_len=2048 -timeout=20 \
        -print_final_stats=1 -artifact_prefix="$bin/crashes/$t/" "$bin/corpus/$t" $dirs \
        >"$bin/fuzz_$t.log" 2>&1 || { tail -60 "$bin/fuzz_$t.log"; exit 1; }
    grep -E "^#[0-9]+.*(DONE|cov:)" "$bin/fuzz_$t.log" | tail -1
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$bin/fuzz_$t.log"
    ;;
*)
    echo "run.sh: unknown mode '$mode' (replay or fuzz)" >&2
    exit 2
    ;;
esac
