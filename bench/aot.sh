#!/usr/bin/env bash
# The JIT build (what `./build.sh build` makes, run by the .NET runtime) against the
# published NativeAOT build (what the packages install), in one run on the same testbed:
#   start     launch to listening, median of 7 starts with an empty store
#   idle RSS  VmRSS two seconds after a start, no request served yet
#   gets/s    authenticated gets of 3 users' TGTs, concurrent clients (as bench/daemon.sh)
#   RSS 100k  VmRSS/VmHWM with 100,000 stored tickets, under random gets
#   sweep     `slurmnative sweep` (every Epilog runs it) on an empty ccache dir, median of 21
# The two builds take turns phase by phase, so a busy moment on the machine hits both.
#
# usage: bench/aot.sh [SECONDS]   (as root; after ./build.sh build and ./build.sh publish)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib/median.bash"
PHASE_SECONDS=${1:-${BENCH_SECONDS:-6}}
CLIENTS=${BENCH_CLIENTS:-32}
TICKETS=${BENCH_TICKETS:-100000}
TESTBED="$ROOT/testbed/testbed.sh"
declare -A DAEMON=([jit]="$ROOT/src/SlurmNative.Daemon/bin/Release/net10.0/slurmnatived"
                   [aot]="$ROOT/artifacts/publish/slurmnatived/slurmnatived")
declare -A CLI=([jit]="$ROOT/src/SlurmNative.Cli/bin/Release/net10.0/slurmnative"
                [aot]="$ROOT/artifacts/publish/slurmnative/slurmnative")
USERS=(alice bob carol)
FIRST_SYNTHETIC_UID=1000000

# shellcheck source=bench/lib/testbed.bash
. "$ROOT/bench/lib/testbed.bash"
bench_prepare
for b in "${DAEMON[@]}" "${CLI[@]}"; do [ -x "$b" ] || die "$b is missing; run ./build.sh build and ./build.sh publish first"; done

trap bench_cleanup EXIT
bench_testbed_up
work=$(mktemp -d "$TESTBED_DIR/bench-aot.XXXXXX")
port=$("$BENCH" free-port)
mkdir -m 0700 "$work/empty" "$work/small" "$work/big" "$work/ccaches" "$work/jobs"
"$BENCH" keygen "$work/keys"
for store in empty small big; do
    cat >"$work/$store.conf" <<CONF
servers = 127.0.0.1:$port
listen = 127.0.0.1:$port
database = $work/$store/credentials.db
key_file = $work/keys
acl_file = $work/acl.conf
munge_socket = $MUNGE_SOCKET
CONF
done

tickets=()
for user in "${USERS[@]}"; do
    "$TESTBED" password "$user" | kinit -r 1d -c "FILE:$work/$user.ccache" "$user" >/dev/null \
        || die "kinit $user against the testbed KDC failed"
    tickets+=(--ticket "$(id -u "$user")=$work/$user.ccache")
done
"$BENCH" populate --database "$work/big/credentials.db" --key-file "$work/keys" \
    --ccache "$work/alice.ccache" --first-uid "$FIRST_SYNTHETIC_UID" --count "$TICKETS" >/dev/null

now_us() { echo $(($(date +%s%N) / 1000)); }
# start_daemon BUILD STORE: prints the microseconds from launch to an accepted connection.
start_daemon() {
    local t0 t1
    t0=$(now_us)
    "${DAEMON[$1]}" --config "$work/$2.conf" 2>>"$work/daemon.log" &
    daemon_pid=$!
    for _ in $(seq 2000); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            t1=$(now_us); echo $((t1 - t0)); return 0
        fi
        kill -0 "$daemon_pid" 2>/dev/null || break
        sleep 0.005
    done
    cat "$work/daemon.log" >&2
    die "slurmnatived ($1) did not start"
}

declare -A start_us idle_rss gets big_rss big_hwm big_gets sweep_us
for build in jit aot; do : >"$work/start.$build"; : >"$work/sweep.$build"; done
for _ in 1 2 3 4 5 6 7; do
    for build in jit aot; do
        start_daemon "$build" empty >>"$work/start.$build"
        stop_daemon
    done
done
for build in jit aot; do
    start_us[$build]=$(median_us "$work/start.$build")
    start_daemon "$build" small >/dev/null
    sleep 2
    idle_rss[$build]=$(memory_mb VmRSS)
    "$BENCH" load --server "127.0.0.1:$port" --munge-socket "$MUNGE_SOCKET" --clients 4 --seconds 1 --op add "${tickets[@]}" >/dev/null
    gets[$build]=$(field rate "$(load --op get "${tickets[@]}")")
    stop_daemon
done
for build in jit aot; do
    start_daemon "$build" big >/dev/null
    big_gets[$build]=$(field rate "$(load --op get --uids "$FIRST_SYNTHETIC_UID-$((FIRST_SYNTHETIC_UID + TICKETS - 1))")")
    big_rss[$build]=$(memory_mb VmRSS) big_hwm[$build]=$(memory_mb VmHWM)
    stop_daemon
done
for _ in $(seq 21); do
    for build in jit aot; do
        t0=$(now_us)
        "${CLI[$build]}" sweep --dir "$work/ccaches" --state-dir "$work/jobs" >/dev/null || die "slurmnative sweep ($build) failed"
        echo $(($(now_us) - t0)) >>"$work/sweep.$build"
    done
done
for build in jit aot; do sweep_us[$build]=$(median_us "$work/sweep.$build"); done

echo "slurmnatived and slurmnative, JIT (dotnet build) against NativeAOT (./build.sh publish), $(nproc) cores, same run:"
printf '  %-34s %12s %12s\n' "" "JIT" "NativeAOT"
printf '  %-34s %9.0f ms %9.0f ms\n' "daemon start (median of 7)" "$(awk -v v="${start_us[jit]}" 'BEGIN{print v/1000}')" "$(awk -v v="${start_us[aot]}" 'BEGIN{print v/1000}')"
printf '  %-34s %9s MB %9s MB\n' "daemon idle RSS" "${idle_rss[jit]}" "${idle_rss[aot]}"
printf '  %-34s %9.0f /s %9.0f /s\n' "gets, 3 tickets, $CLIENTS clients" "${gets[jit]}" "${gets[aot]}"
printf '  %-34s %9.0f /s %9.0f /s\n' "gets, $TICKETS tickets (random)" "${big_gets[jit]}" "${big_gets[aot]}"
printf '  %-34s %9s MB %9s MB\n' "RSS with $TICKETS tickets" "${big_rss[jit]}" "${big_rss[aot]}"
printf '  %-34s %9s MB %9s MB\n' "peak RSS with $TICKETS tickets" "${big_hwm[jit]}" "${big_hwm[aot]}"
printf '  %-34s %9.1f ms %9.1f ms\n' "slurmnative sweep (median of 21)" "$(awk -v v="${sweep_us[jit]}" 'BEGIN{print v/1000}')" "$(awk -v v="${sweep_us[aot]}" 'BEGIN{print v/1000}')"
