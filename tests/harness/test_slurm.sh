#!/bin/sh
# test_slurm.sh PMLAB PMLAB_TEST SOURCE_DIR WORK_DIR
#
# pmlab submit end to end through a real one-node Slurm (scripts/slurm-local): a sharded selftest
# study is submitted as a job array, one shard is made to fail, `pmlab status` reports it,
# `pmlab submit --resubmit` runs it again alone, the dependent merge job merges, and the merged
# results hold exactly the configurations of the same study run locally; both import into one
# campaign database, and compare works between them there. merge refuses a shard
# of other parameters or of another binary. The cluster is stopped in a trap and nothing it
# started may be left running. Skips (exit 77) only when Slurm cannot start here: not root, or
# the Debian packages missing (scripts/slurm-local exit 3).
set -u
pmlab=$1
pmlab_test=$2
src=$3
work=$4
port=${PMLAB_SLURM_TEST_PORT:-16817}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

cl=$work/cluster
# a cluster left by a crashed run of this test: stopped by its pid files before the folder goes
"$src/scripts/slurm-local" stop --dir "$cl" >/dev/null 2>&1
rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work"
pids=""

cleanup() {
    "$src/scripts/slurm-local" stop --dir "$cl" >/dev/null 2>&1
    left=""
    for p in $pids; do
        [ -d "/proc/$p" ] && left="$left $p($(cat "/proc/$p/comm" 2>/dev/null))"
    done
    if [ -n "$left" ]; then
        echo "FAIL: daemons left running after stop:$left" >&2
        exit 1
    fi
}

env_line=$("$src/scripts/slurm-local" start --dir "$cl" --port "$port")
rc=$?
if [ $rc -eq 3 ]; then
    echo "SKIP: Slurm cannot start here (scripts/slurm-local exit 3: not root, or munge/slurm-wlm missing)"
    exit 77
fi
trap cleanup EXIT
trap 'exit 1' INT TERM
for d in munged slurmctld slurmd; do
    [ -f "$cl/$d.pid" ] && pids="$pids $(cat "$cl/$d.pid")"
done
[ $rc -eq 0 ] || fail "scripts/slurm-local start failed (exit $rc); logs were in $cl"
eval "$env_line"
export SLURM_CONF
echo "cluster up ($SLURM_CONF), daemons:$pids"

study="--threads 1,2 --duration-ms 10 --warmup-ms 0 --trials 2"
# shellcheck disable=SC2086
"$pmlab" run selftest $study --out "$work/local" --quiet >/dev/null ||
    fail "local run failed"

# bad options: exit 2, one line, no folder
# shellcheck disable=SC2086
"$pmlab" submit run selftest $study --shards 0 --out "$work/bad" 2>"$work/err.txt"
[ $? -eq 2 ] || fail "--shards 0 was not refused with exit 2"
[ ! -e "$work/bad" ] || fail "--shards 0 created its folder"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "--shards 0: not one line on stderr"

# shard 2 is sabotaged: rows of another sweep in its folder make `pmlab run --resume` refuse
D=$work/sub
mkdir -p "$D/shard-2" && echo "not,a,results,file" >"$D/shard-2/results.csv"
# shellcheck disable=SC2086
"$pmlab" submit run selftest $study --shards 2 --out "$D" --time 10 ||
    fail "pmlab submit failed"
[ -f "$D/submit.json" ] || fail "no submit.json"

# poll pmlab status until nothing is pending or running (exit 0 or 1), at most 120 s
wait_status() {
    i=0
    while :; do
        "$pmlab" status "$D" >"$work/status.txt" 2>&1
        st=$?
        [ $st -ne 3 ] && return $st
        i=$((i + 1))
        [ $i -ge 240 ] && {
            cat "$work/status.txt" >&2
            fail "still pending or running after 120 s"
        }
        sleep 0.5
    done
}
wait_status
st=$?
cat "$work/status.txt"
[ $st -eq 1 ] || fail "status exit $st with a failed shard, not 1"
grep -q '^2 *failed' "$work/status.txt" || fail "status does not show shard 2 failed"
grep -q '^1 *done' "$work/status.txt" || fail "status does not show shard 1 done"
grep -q '^job_cpus_per_node=[0-9]' "$D/shard-1/slurm-cpus.txt" ||
    fail "shard 1 did not record its CPUs"

"$pmlab" submit --resubmit "$D" 1 2>/dev/null
[ $? -eq 2 ] || fail "resubmitting a done shard was not refused"
rm -rf "$D/shard-2"
"$pmlab" submit --resubmit "$D" 2 || fail "resubmit failed"
# wait until the resubmitted shard is finished, then for the new merge job
wait_status
st=$?
cat "$work/status.txt"
[ $st -eq 0 ] || fail "status exit $st after the resubmit, not 0"
grep -q 'shards: 2 done, 0 running, 0 pending, 0 failed; merge done' "$work/status.txt" ||
    fail "status does not say all done"
if [ ! -f "$D/merged/results.csv" ] || [ ! -f "$D/merged/report.md" ]; then
    fail "no merged results/report"
fi

# the merged configurations are exactly the local study's (configuration columns, not timings)
configs() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
             { print $c["experiment"], $c["backend"], $c["alloc"], $c["threads"], $c["trial"],
                     $c["keys"], $c["size"], $c["params"], $c["seed"], $c["duration_ms"],
                     $c["warmup_ms"], $c["pin"], $c["config_id"], $c["status"] }' "$1" | sort
}
configs "$work/local/results.csv" >"$work/local.txt"
configs "$D/merged/results.csv" >"$work/merged.txt"
[ -s "$work/local.txt" ] || fail "the local study has no rows"
diff "$work/local.txt" "$work/merged.txt" || fail "merged configurations differ from the local study"
echo "merged: $(wc -l <"$work/merged.txt") rows = the local study's"

# the study through Slurm and the same study run locally, in one campaign database: both import,
# a query sees both, and compare between the two imported runs works as between the folders
db=$work/campaign.db
"$pmlab" db import "$db" "$work/local" "$D/merged" >/dev/null || fail "db import failed"
n=$("$pmlab" db query "$db" "SELECT count(*) FROM runs" --csv | tail -n 1)
[ "$n" = "2" ] || fail "the database holds $n runs, not 2"
"$pmlab" db query "$db" "SELECT r.path, count(*) AS trials, median(w.ops_per_sec) AS median_ops
    FROM rows w JOIN runs r USING (run_id) GROUP BY r.path ORDER BY r.path" >"$work/query.txt" ||
    fail "db query failed"
cat "$work/query.txt"
ids=$("$pmlab" db query "$db" "SELECT run_id FROM runs ORDER BY path" --csv | tail -n +2)
# shellcheck disable=SC2086
"$pmlab" compare --db "$db" $ids >"$work/cmpdb.txt" 2>&1 || fail "compare --db failed"
"$pmlab" compare "$work/local" "$D/merged" >"$work/cmpdir.txt" 2>&1 || fail "compare failed"
grep -q 'configurations compared' "$work/cmpdb.txt" || fail "compare --db printed no summary"
[ "$(grep 'configurations compared' "$work/cmpdb.txt")" = \
    "$(grep 'configurations compared' "$work/cmpdir.txt")" ] ||
    fail "compare --db and compare of the folders disagree"
grep 'configurations compared' "$work/cmpdb.txt"

# merge keeps refusing shards of other parameters or another binary
# shellcheck disable=SC2086
"$pmlab" run selftest --threads 1,2 --duration-ms 20 --warmup-ms 0 --trials 2 --shard 2/2 \
    --out "$work/otherparams" --quiet >/dev/null || fail "run with other parameters failed"
"$pmlab" merge "$work/m1" "$D/shard-1" "$work/otherparams" 2>"$work/err.txt"
rc=$?
if [ $rc -ne 2 ] || ! grep -q "other parameters" "$work/err.txt"; then
    fail "merge did not refuse a shard of other parameters (exit $rc): $(cat "$work/err.txt")"
fi
# shellcheck disable=SC2086
"$pmlab_test" run selftest $study --shard 2/2 --out "$work/otherbin" --quiet >/dev/null ||
    fail "pmlab-test run failed"
"$pmlab" merge "$work/m2" "$D/shard-1" "$work/otherbin" 2>"$work/err.txt"
rc=$?
if [ $rc -ne 2 ] || ! grep -q "another pmlab binary" "$work/err.txt"; then
    fail "merge did not refuse a shard of another binary (exit $rc): $(cat "$work/err.txt")"
fi
if [ -e "$work/m1/results.csv" ] || [ -e "$work/m2/results.csv" ]; then
    fail "a refused merge wrote its folder"
fi

# stop in the trap; then nothing of the cluster may be left
cleanup
trap - EXIT
# no process of a job of this cluster either (a job's environment names its SLURM_CONF)
for e in /proc/[0-9]*/environ; do
    if tr '\0' '\n' 2>/dev/null <"$e" | grep -qx "SLURM_CONF=$cl/slurm.conf" &&
        tr '\0' '\n' 2>/dev/null <"$e" | grep -q '^SLURM_JOB_ID='; then
        fail "a job process of the cluster is left: ${e%/environ}"
    fi
done
echo "PASS"
