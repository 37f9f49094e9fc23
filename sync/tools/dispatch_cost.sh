#!/bin/sh
# sync/tools/dispatch_cost.sh — exact instructions per point lookup of pm_dispatch_cost's loops
# (inline, indirect, fused, bare) per backend, counted by callgrind. Deterministic: no timing.
#   sync/tools/dispatch_cost.sh [BUILD_DIR [LOOKUPS]]     (defaults: build/release 200000)
# Columns: Ir per lookup of each loop (pm_map_get included: the same keys in the same order in
# every loop), then indirect-inline and fused-inline (the dispatch cost) and inline-bare (the
# inlined read side's own cost).
set -eu
build=${1:-build/release}
lookups=${2:-200000}
bin=$build/bin/pm_dispatch_cost
[ -x "$bin" ] || { echo "no $bin: build it first (cmake --build --preset release)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 2; }
# the rows in PM_SYNC_BACKENDS order, read from the list itself
order=$(sed -n 's/^[ \t]*X(\([a-z0-9_]*\), *"[a-z0-9-]*").*/\1/p' \
    "$(dirname "$0")/../include/pmsync/sync.h" | tr '\n' ' ')
out=$(mktemp /tmp/dispatch_cost.XXXXXX)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" --trials 1 --lookups "$lookups" \
    >/dev/null 2>&1
callgrind_annotate --inclusive=yes --threshold=100 "$out" | awk -v n="$lookups" -v list="$order" '
    match($0, /:dc_[a-z]+(_[a-z_]+)?( |$)/) {
        fn = substr($0, RSTART + 1, RLENGTH - 1); sub(/ $/, "", fn)
        ir = $1; gsub(",", "", ir)
        if (fn == "dc_bare") { bare_ir = ir; next }   # called once per backend: divided below
        split(fn, p, "_"); v = p[2]; be = substr(fn, length("dc_" v "_") + 1)
        cost[be, v] = ir / n; seen[be] = 1
    }
    END {
        nb = 0; for (be in seen) nb++
        bare = nb ? bare_ir / (n * nb) : 0
        printf "%-10s %8s %9s %8s %8s %15s %12s %12s\n", "backend", "inline", "indirect", "fused",
               "bare", "indirect-inline", "fused-inline", "inline-bare"
        nl = split(list, order, " ")
        for (i = 1; i <= nl; i++) {
            be = order[i]; if (!(be in seen)) continue
            printf "%-10s %8.1f %9.1f %8.1f %8.1f %15.1f %12.1f %12.1f\n", be, cost[be, "inline"],
                   cost[be, "indirect"], cost[be, "fused"], bare,
                   cost[be, "indirect"] - cost[be, "inline"], cost[be, "fused"] - cost[be, "inline"],
                   cost[be, "inline"] - bare
        }
    }'
