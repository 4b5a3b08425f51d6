#!/usr/bin/env bash
# What starting the plugin's .NET runtime costs one process, without Slurm's own noise:
# the tests' fake SPANK host (tests/SlurmNative.Tests/Plugin/fake_slurm_host.c) dlopens
# the .so as Slurm's loader does and runs every hook of one context, once per process.
#   disabled   default off, no --krb5: the shim returns before the runtime starts (the baseline)
#   remote     slurmstepd's hooks, in a host that already runs a second thread as slurmstepd
#              does, with the plugin on for a user below min_uid: the runtime starts,
#              reads its arguments, and finds nothing to do
#   local      the same with srun's hooks
# The difference to the baseline is the runtime's start plus the hooks' own work; srun and
# slurmstepd each pay it once per step (bench/srun-latency.sh measures the whole step).
# The configurations alternate run by run; prints medians, deltas and ratios.
#
# usage: bench/plugin-startup.sh [RUNS]   (any user; needs gcc and the built plugin;
#        BENCH_PLUGIN=PATH measures another build of the .so)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib/median.bash
source "$ROOT/bench/lib/median.bash"
RUNS=${1:-${BENCH_RUNS:-200}}
PLUGIN=${BENCH_PLUGIN:-$ROOT/artifacts/plugin/slurmnative.so}
[ -f "$PLUGIN" ] || { echo "bench: $PLUGIN is missing; run ./build.sh build first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -rdynamic -o "$work/host" "$ROOT/tests/SlurmNative.Tests/Plugin/fake_slurm_host.c" -ldl -pthread

declare -A ARGS=(
    [disabled]="remote -"
    [remote]="remote - default=on min_uid=4000000000"
    [local]="local - default=on min_uid=4000000000"
)
CONFIGS=(disabled remote local)

# Microseconds for one host process; EPOCHREALTIME needs no extra process around it.
run_once() {
    local start end
    # shellcheck disable=SC2086 # the arguments are meant to split
    start=$EPOCHREALTIME
    "$work/host" "$PLUGIN" ${ARGS[$1]} >/dev/null
    end=$EPOCHREALTIME
    echo $(( (${end/./} - ${start/./}) ))
}

for config in "${CONFIGS[@]}"; do run_once "$config" >/dev/null; done   # warm the page cache
for ((i = 0; i < RUNS; i++)); do
    for config in "${CONFIGS[@]}"; do
        run_once "$config" >> "$work/$config"
    done
done

base=$(median_us "$work/disabled")
echo "plugin start-up in a fake SPANK host, $RUNS alternating runs per configuration (medians):"
for config in "${CONFIGS[@]}"; do
    m=$(median_us "$work/$config")
    awk -v name="$config" -v m="$m" -v b="$base" 'BEGIN {
        printf "  %-9s %7.2f ms   %+6.2f ms   x%.3f vs disabled\n", name, m / 1000, (m - b) / 1000, m / b }'
done
