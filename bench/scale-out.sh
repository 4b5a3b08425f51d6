#!/usr/bin/env bash
# The credential store and the number of daemons, measured in one run against the test
# cluster's munged, KDC and PostgreSQL:
#   munged    munged's own encode+decode rate (remunge -d): every request costs one MUNGE
#             decode at the daemon, so this is the ceiling the other figures are read against
#   gets/s    authenticated gets (root fetching alice's TGT), BENCH_CLIENTS concurrent
#             clients, each request a new connection and MUNGE credential, for SQLite with one
#             daemon, then PostgreSQL with one and with two daemons (clients pick a daemon at
#             random for each request, as server_order = random does)
#   burst     a job starting on 10,000 nodes: 10,000 gets of one user's ticket as root, the
#             credentials made beforehand (each node makes its own on its own host), sent by
#             BENCH_BURST_THREADS threads at once with the default 3 s client timeout; the time
#             until the last one was served, p99 and errors. Target: <= 3 s, 0 errors, one
#             daemon on SQLite.
# The gets come from the daemons' own host, where root administers (the default ACL), so they
# are not bound to jobs: on compute nodes node_fetch = job_bound also finds the job in a listing
# slurmctld gives at most once per few seconds, the same for either store.
# Everything (clients, munged, PostgreSQL, the daemons) shares this machine's cores, so a
# second daemon on the same machine shows what it costs, not what a second host would add.
#
# usage: bench/scale-out.sh [SECONDS]   (as root; starts and stops the testbed itself if it is not up)
#   SECONDS per gets/s phase (default 6); BENCH_CLIENTS (32); BENCH_BURST (10000); BENCH_BURST_THREADS (256)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PHASE_SECONDS=${1:-${BENCH_SECONDS:-6}}
CLIENTS=${BENCH_CLIENTS:-32}
BURST=${BENCH_BURST:-10000}
BURST_THREADS=${BENCH_BURST_THREADS:-256}
TESTBED="$ROOT/testbed/testbed.sh"
CLI="$ROOT/src/SlurmNative.Cli/bin/Release/net10.0/slurmnative"

# shellcheck source=bench/lib/testbed.bash
. "$ROOT/bench/lib/testbed.bash"
# shellcheck source=bench/lib/munged.bash
. "$ROOT/bench/lib/munged.bash"
bench_prepare
[ -x "$CLI" ] || die "$CLI is missing; run ./build.sh build first"
command -v remunge >/dev/null || die "remunge is missing (it comes with the munge package)"

cleanup() {
    "$TESTBED" daemon-stop >/dev/null 2>&1 || true
    [ -n "$started_here" ] && "$TESTBED" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
bench_testbed_up
uid=$(id -u alice)

# measure NAME STORE COUNT: start the daemons, store alice's ticket, measure; prints "NAME|gets|burst".
measure() {
    local name=$1 store=$2 count=$3 config servers=() server gets burst
    config=$("$TESTBED" daemon --store "$store" --count "$count" 2>/dev/null) || die "testbed.sh daemon --store $store --count $count failed"
    for server in $(sed -n 's/^servers = //p' "$config" | tr -d ','); do servers+=(--server "$server"); done
    "$TESTBED" kinit alice
    "$TESTBED" run-as alice "$CLI" --config "$config" add >/dev/null || die "alice could not store her ticket ($name)"
    gets=$("$BENCH" load "${servers[@]}" --munge-socket "$MUNGE_SOCKET" --op get --clients "$CLIENTS" \
        --seconds "$PHASE_SECONDS" --uids "$uid-$uid" 2>/dev/null)
    burst=$("$BENCH" burst "${servers[@]}" --munge-socket "$MUNGE_SOCKET" --uid "$uid" --count "$BURST" \
        --threads "$BURST_THREADS" --timeout 3 2>/dev/null)
    "$TESTBED" daemon-stop >/dev/null
    echo "$name|$gets|$burst"
}

munged_first=$(remunge_rate)
results=()
results+=("$(measure "SQLite, 1 daemon" sqlite 1)")
results+=("$(measure "PostgreSQL, 1 daemon" postgresql 1)")
results+=("$(measure "PostgreSQL, 2 daemons" postgresql 2)")
munged_last=$(remunge_rate)
munged=$(awk -v a="$munged_first" -v b="$munged_last" 'BEGIN { print (a > b) ? a : b }')

printf 'Stores and daemons on %d cores: munged %.0f encode+decode/s (remunge -d, %d threads; %.0f before, %.0f after: the higher)\n' \
    "$(nproc)" "$munged" "$CLIENTS" "$munged_first" "$munged_last"
for line in "${results[@]}"; do
    IFS='|' read -r name gets burst <<<"$line"
    awk -v name="$name" -v munged="$munged" -v clients="$CLIENTS" \
        -v rate="$(field rate "$gets")" -v p99="$(field p99_ms "$gets")" -v err="$(field errors "$gets")" \
        'BEGIN { printf "  gets      %-22s %6.0f /s  p99 %6.1f ms  %d errors  = x%.2f of munged\n", name, rate, p99, err, rate / munged }'
done
for line in "${results[@]}"; do
    IFS='|' read -r name gets burst <<<"$line"
    awk -v name="$name" -v munged="$munged" -v n="$BURST" -v threads="$BURST_THREADS" -v first="${results[0]%%|*}" \
        -v secs="$(field seconds "$burst")" -v rate="$(field rate "$burst")" -v p99="$(field p99_ms "$burst")" -v err="$(field errors "$burst")" '
        BEGIN {
            verdict = (secs <= 3 && err == 0) ? "meets" : "MISSES"
            target = (name == first) ? sprintf(" (target <= 3 s, 0 errors: %s)", verdict) : ""
            printf "  burst     %-22s %d gets served in %5.2f s = %6.0f /s = x%.2f of munged, p99 %6.0f ms, %d errors%s\n", name, n, secs, rate, rate / munged, p99, err, target
        }'
done
printf '  (burst: %d threads sending credentials made beforehand; each request a new connection, client timeout 3 s)\n' "$BURST_THREADS"
