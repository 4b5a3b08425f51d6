#!/usr/bin/env bash
# What the plugin costs an `srun -N1 true` on the test cluster, in one run:
#   none      plugstack.conf empty (the baseline)
#   disabled  plugin loaded, forwarding off (the shim returns before .NET starts)
#   idle      plugin loaded, forwarding on, nothing to forward yet (.NET runtime starts)
# The three alternate round by round so drift (page cache, slurmctld state) hits all
# of them alike. Prints medians, and deltas and ratios against the baseline.
# Targets (issue 2): disabled <= +3 ms, idle <= +10 ms over none.
#
# usage: bench/srun-latency.sh [ROUNDS]   (as root; starts and stops the testbed itself)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${1:-${BENCH_ROUNDS:-30}}
TESTBED="$ROOT/testbed/testbed.sh"
PLUGIN="$ROOT/artifacts/plugin/slurmnative.so"
export TESTBED_DIR=${TESTBED_DIR:-/tmp/slurmnative-testbed}
PLUGSTACK="$TESTBED_DIR/etc/plugstack.conf"
USER_NAME=alice

[ -f "$PLUGIN" ] || { echo "bench: $PLUGIN is missing; run ./build.sh build first" >&2; exit 1; }
started_here=""
if ! "$TESTBED" status >/dev/null 2>&1; then
    "$TESTBED" start --plugin "$PLUGIN" >/dev/null
    started_here=1
fi
cleanup() { [ -n "$started_here" ] && "$TESTBED" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

declare -A LINE=(
    [none]=""
    [disabled]="optional $PLUGIN"
    [idle]="optional $PLUGIN default=on"
)
CONFIGS=(none disabled idle)
samples_dir=$(mktemp -d)

# One timed srun as the user; the clock is read inside the user's shell so
# runuser's own start-up is not measured.
time_srun() {
    "$TESTBED" run-as "$USER_NAME" bash -c 's=$(date +%s%N); srun -N1 true || exit 1; e=$(date +%s%N); echo $(( (e - s) / 1000 ))'
}

for config in "${CONFIGS[@]}"; do   # warm-up: first runs pay for cold caches
    printf '%s\n' "${LINE[$config]}" > "$PLUGSTACK"
    time_srun >/dev/null
done
for ((round = 1; round <= ROUNDS; round++)); do
    for config in "${CONFIGS[@]}"; do
        printf '%s\n' "${LINE[$config]}" > "$PLUGSTACK"
        time_srun >> "$samples_dir/$config"
    done
done
printf 'optional %s default=on\n' "$PLUGIN" > "$PLUGSTACK"

median_us() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
base=$(median_us "$samples_dir/none")
echo "srun -N1 true, $ROUNDS alternating rounds per configuration (medians):"
for config in "${CONFIGS[@]}"; do
    m=$(median_us "$samples_dir/$config")
    awk -v name="$config" -v m="$m" -v b="$base" 'BEGIN {
        printf "  %-9s %8.1f ms   %+6.1f ms   x%.3f vs none\n", name, m / 1000, (m - b) / 1000, m / b }'
done
rm -rf "$samples_dir"
