#!/usr/bin/env bash
# What a connection flood from one ordinary user costs other users' job starts, in
# one run: alice's `srun -N1 true` with forwarding (srun uploads her TGT, slurmstepd
# fetches it) while bob holds nothing, 1,000 idle connections, or 1,000 connections
# that drip a request header a byte at a time, all to slurmnatived's port with its
# default limits. bob runs tests/SlurmNative.Adversary (sn-adversary flood) with his
# own uid, and opens a new connection for each one the daemon closes.
# The three conditions alternate block by block; prints each one's median, its
# difference and ratio against no flood, the daemon's resident memory under each,
# and what the flood saw. Target: <= +100 ms at the median.
# BENCH_FLOOD_DAEMON_SET=KEY=VALUE starts the daemon with one setting changed, e.g.
# max_waiting_per_host=250 to measure a flood larger than what one host may keep waiting.
#
# usage: bench/flood.sh [BLOCKS] [SRUNS_PER_BLOCK] [CONNECTIONS]   (as root; starts and stops the testbed itself)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib/median.bash
source "$ROOT/bench/lib/median.bash"
BLOCKS=${1:-${BENCH_FLOOD_BLOCKS:-4}}
PER_BLOCK=${2:-${BENCH_FLOOD_SRUNS:-10}}
CONNECTIONS=${3:-${BENCH_FLOOD_CONNECTIONS:-1000}}
TESTBED="$ROOT/testbed/testbed.sh"
PLUGIN="$ROOT/artifacts/plugin/slurmnative.so"
ADVERSARY="$ROOT/tests/SlurmNative.Adversary/bin/Release/net10.0/sn-adversary"
export TESTBED_DIR=${TESTBED_DIR:-/tmp/slurmnative-testbed}
PLUGSTACK="$TESTBED_DIR/etc/plugstack.conf"

[ -f "$PLUGIN" ] || { echo "bench: $PLUGIN is missing; run ./build.sh build first" >&2; exit 1; }
[ -x "$ADVERSARY" ] || { echo "bench: $ADVERSARY is missing; run ./build.sh build first" >&2; exit 1; }
started_here=""
if ! "$TESTBED" status >/dev/null 2>&1; then
    "$TESTBED" start --plugin "$PLUGIN" >/dev/null
    started_here=1
fi
samples_dir=$(mktemp -d)
chmod 0755 "$samples_dir"
flood_pid=""
stop_flood() {
    if [ -n "$flood_pid" ]; then
        kill -TERM "$flood_pid" 2>/dev/null || true
        wait "$flood_pid" 2>/dev/null || true
        flood_pid=""
    fi
}
cleanup() {
    stop_flood
    rm -rf "$samples_dir"
    [ -n "$started_here" ] && "$TESTBED" stop >/dev/null 2>&1
    return 0
}
trap cleanup EXIT

DAEMON_CONFIG=$("$TESTBED" daemon ${BENCH_FLOOD_DAEMON_SET:+--set "$BENCH_FLOOD_DAEMON_SET"} 2>/dev/null)
TARGET=$(awk -F' *= *' '$1 == "listen" { print $2 }' "$DAEMON_CONFIG")
"$TESTBED" kinit alice
printf 'required %s default=on config=%s\n' "$PLUGIN" "$DAEMON_CONFIG" > "$PLUGSTACK"

time_srun() {
    "$TESTBED" run-as alice bash -c 's=$(date +%s%N); srun -N1 true || exit 1; e=$(date +%s%N); echo $(( (e - s) / 1000 ))'
}
daemon_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$(pgrep -x slurmnatived | head -n1)/status"; }

# start_flood MODE: bob holds CONNECTIONS connections; returns once all were opened.
start_flood() {
    local log=$samples_dir/flood-$1.log
    setpriv --reuid bob --regid bob --init-groups "$ADVERSARY" flood --target "$TARGET" --connections "$CONNECTIONS" --mode "$1" >> "$log" 2>&1 &
    flood_pid=$!
    for _ in $(seq 300); do
        grep -q '^holding' "$log" 2>/dev/null && return 0
        kill -0 "$flood_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    echo "bench: the flood did not open its connections in 30 s" >&2
    exit 1
}

# A daemon fresh from start compiles its hot paths for its first few hundred requests.
for ((i = 0; i < ${BENCH_DAEMON_WARMUP:-40}; i++)); do time_srun >/dev/null; done
CONDITIONS=(none idle drip)
for ((block = 1; block <= BLOCKS; block++)); do
    for condition in "${CONDITIONS[@]}"; do
        [ "$condition" = none ] || start_flood "$condition"
        sleep 1 # the flood reaches its steady churn
        for ((i = 0; i < PER_BLOCK; i++)); do time_srun >> "$samples_dir/$condition"; done
        daemon_rss_kb >> "$samples_dir/rss-$condition"
        stop_flood
    done
done

echo "alice's srun -N1 true with forwarding while bob floods slurmnatived with $CONNECTIONS connections${BENCH_FLOOD_DAEMON_SET:+ ($BENCH_FLOOD_DAEMON_SET)}"
echo "($BLOCKS alternating blocks of $PER_BLOCK sruns per condition; medians):"
base=$(median_us "$samples_dir/none")
rss_base=$(median_us "$samples_dir/rss-none")
for condition in "${CONDITIONS[@]}"; do
    m=$(median_us "$samples_dir/$condition")
    rss=$(median_us "$samples_dir/rss-$condition")
    awk -v name="$condition" -v m="$m" -v b="$base" -v r="$rss" -v rb="$rss_base" 'BEGIN {
        printf "  %-5s %8.1f ms   %+7.1f ms   x%.3f vs none   daemon RSS %6.1f MB (x%.2f)\n", name, m / 1000, (m - b) / 1000, m / b, r / 1024, r / rb }'
done
for condition in idle drip; do
    echo "  $condition flood, last block: $(tail -n1 "$samples_dir/flood-$condition.log")"
done
echo "  daemon: $(grep -c 'connections that had sent no request' "$TESTBED_DIR/log/slurmnatived.out" 2>/dev/null || true) eviction reports in its log"
