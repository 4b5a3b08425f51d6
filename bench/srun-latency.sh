#!/usr/bin/env bash
# What the plugin costs an `srun -N1 true` on the test cluster, in one run:
#   none        plugstack.conf empty (the baseline)
#   disabled    plugin loaded, forwarding off (the shim returns before .NET starts)
#   idle        plugin loaded and on, but the user is below min_uid (.NET starts, no work)
#   forwarding  the real thing: srun uploads alice's TGT to slurmnatived, slurmstepd
#               fetches it, writes the step's ccache, runs the renewal thread, removes it
# The configurations alternate round by round so drift (page cache, slurmctld state)
# hits all of them alike. Prints medians, and deltas and ratios against the baseline;
# then the same for the steps of an existing allocation (the sruns of a batch script),
# where srun has nothing to send; then slurmstepd's resident memory with and without
# forwarding.
# A fresh `srun -N1` is the first step of a job: its slurmstepd installs the job's
# ticket. A step of an existing allocation finds it installed (scope=job). With
# BENCH_CONTAIN=1 the testbed gives every job an extern step (PrologFlags=Contain),
# which installs the ticket, and later steps use it from the plugin's C code alone.
# Targets: disabled <= +3 ms, idle <= +10 ms; a first step <= +5.5 ms, a later step
# <= +0.5 ms; slurmstepd <= +2 MB RSS.
#
# BENCH_PLUGIN names another slurmnative.so to measure on this tree's testbed and daemon
# (an earlier build, to compare).
#
# usage: [BENCH_CONTAIN=1] [BENCH_PLUGIN=PATH] bench/srun-latency.sh [ROUNDS]   (as root; starts and stops the testbed itself)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib/median.bash
source "$ROOT/bench/lib/median.bash"
ROUNDS=${1:-${BENCH_ROUNDS:-30}}
TESTBED="$ROOT/testbed/testbed.sh"
PLUGIN=${BENCH_PLUGIN:-"$ROOT/artifacts/plugin/slurmnative.so"}
export TESTBED_DIR=${TESTBED_DIR:-/tmp/slurmnative-testbed}
PLUGSTACK="$TESTBED_DIR/etc/plugstack.conf"
USER_NAME=alice

[ -f "$PLUGIN" ] || { echo "bench: $PLUGIN is missing; run ./build.sh build first" >&2; exit 1; }
started_here=""
if ! "$TESTBED" status >/dev/null 2>&1; then
    "$TESTBED" start --plugin "$PLUGIN" ${BENCH_CONTAIN:+--contain} >/dev/null
    started_here=1
fi
allocation=""
cleanup() {
    [ -n "$allocation" ] && "$TESTBED" run-as "$USER_NAME" scancel "$allocation" >/dev/null 2>&1
    [ -n "$started_here" ] && "$TESTBED" stop >/dev/null 2>&1
    return 0
}
trap cleanup EXIT

DAEMON_CONFIG=$("$TESTBED" daemon 2>/dev/null)
"$TESTBED" kinit "$USER_NAME"
declare -A LINE=(
    [none]=""
    [disabled]="optional $PLUGIN"
    [idle]="optional $PLUGIN default=on min_uid=4000000000"
    [forwarding]="required $PLUGIN default=on config=$DAEMON_CONFIG"
)
CONFIGS=(none disabled idle forwarding)
samples_dir=$(mktemp -d)

# One timed srun as the user; the clock is read inside the user's shell so
# runuser's own start-up is not measured.
time_srun() {
    "$TESTBED" run-as "$USER_NAME" bash -c 's=$(date +%s%N); srun -N1 true || exit 1; e=$(date +%s%N); echo $(( (e - s) / 1000 ))'
}

# alternate ROUNDS MEASURE PREFIX CONFIG...: in each round, MEASURE once under each
# configuration's plugstack.conf, appended to $samples_dir/PREFIX<config>.
alternate() {
    local rounds=$1 measure=$2 prefix=$3 round config
    shift 3
    for ((round = 1; round <= rounds; round++)); do
        for config in "$@"; do
            printf '%s\n' "${LINE[$config]}" > "$PLUGSTACK"
            "$measure" >> "$samples_dir/$prefix$config"
        done
    done
}

# report PREFIX CONFIG...: median of each, and its difference to PREFIXnone.
report() {
    local prefix=$1 config m p base
    shift
    base=$(median_us "$samples_dir/${prefix}none")
    for config in "$@"; do
        m=$(median_us "$samples_dir/$prefix$config")
        paste "$samples_dir/$prefix$config" "$samples_dir/${prefix}none" | awk '{ print $1 - $2 }' > "$samples_dir/diff"
        p=$(median_us "$samples_dir/diff")
        awk -v name="$config" -v m="$m" -v b="$base" -v p="$p" 'BEGIN {
            printf "  %-11s %8.1f ms   %+6.1f ms   x%.3f vs none   paired %+6.1f ms\n", name, m / 1000, (m - b) / 1000, m / b, p / 1000 }'
    done
}

alternate 1 time_srun warm- "${CONFIGS[@]}"   # first runs pay for cold caches
# slurmnatived was (re)started just now, and a .NET service compiles its hot paths in
# the background for its first few hundred requests; a daemon in service has long
# finished. Let that settle first, or every configuration measures the daemon's
# compiler competing for the cores.
printf '%s\n' "${LINE[forwarding]}" > "$PLUGSTACK"
for ((i = 0; i < ${BENCH_DAEMON_WARMUP:-40}; i++)); do time_srun >/dev/null; done
alternate "$ROUNDS" time_srun "" "${CONFIGS[@]}"
echo "srun -N1 true, $ROUNDS alternating rounds per configuration (medians; 'paired' is the"
echo "median of each round's difference to that round's baseline, which a machine whose"
echo "speed drifts during the run disturbs less):"
report "" "${CONFIGS[@]}"

# The sruns of a batch script or an allocation: the job's ticket went up once, and the
# marker the plugin set (SLURMNATIVE_KRB5_FORWARDED, here set by hand as salloc's shell
# would have it) tells every srun inside that there is nothing to send; only slurmstepd
# installs the ticket. Steps of one allocation, with and without the plugin, alternating.
printf '%s\n' "${LINE[forwarding]}" > "$PLUGSTACK"
granted=$("$TESTBED" run-as "$USER_NAME" salloc --no-shell -N1 --krb5 2>&1 || true)
allocation=$(sed -n 's/.*Granted job allocation \([0-9]*\).*/\1/p' <<<"$granted")
[ -n "$allocation" ] || { echo "bench: salloc --no-shell gave no allocation: $granted" >&2; exit 1; }
time_step_inside() {
    "$TESTBED" run-as "$USER_NAME" env SLURMNATIVE_KRB5_FORWARDED="$USER_NAME (bench)" SLURM_JOB_ID="$allocation" \
        bash -c 's=$(date +%s%N); srun -N1 true || exit 1; e=$(date +%s%N); echo $(( (e - s) / 1000 ))'
}
alternate 1 time_step_inside warm- none forwarding
alternate "$ROUNDS" time_step_inside inside- none forwarding
"$TESTBED" run-as "$USER_NAME" scancel "$allocation"
allocation=""
echo "srun -N1 true as a step of an existing allocation, $ROUNDS alternating rounds (medians):"
report inside- none forwarding

# slurmstepd's VmRSS (kB) one second into a step that sleeps: by then user_init
# has run and, with forwarding, the renewal thread waits on its event.
stepd_rss() {
    "$TESTBED" run-as "$USER_NAME" srun -N1 sh -c 'echo $SLURM_JOB_ID.$SLURM_STEP_ID; sleep 3' > "$samples_dir/step" &
    local srun_pid=$! step="" pid rss=""
    for _ in $(seq 50); do
        step=$(head -n1 "$samples_dir/step" 2>/dev/null || true)
        [ -n "$step" ] && break
        sleep 0.1
    done
    sleep 1
    for pid in $(pgrep -x slurmstepd); do
        # Other steps' slurmstepds may exit while we look: their files vanish.
        if { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "[$step]"; then
            rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        fi
    done
    wait "$srun_pid" || true
    echo "${rss:-0}"
}
RSS_ROUNDS=${BENCH_RSS_ROUNDS:-5}
alternate "$RSS_ROUNDS" stepd_rss rss- none forwarding
rss_none=$(median_us "$samples_dir/rss-none")
rss_fwd=$(median_us "$samples_dir/rss-forwarding")
echo "slurmstepd VmRSS, $RSS_ROUNDS alternating rounds (medians):"
awk -v n="$rss_none" -v f="$rss_fwd" 'BEGIN {
    printf "  none        %8.1f MB\n  forwarding  %8.1f MB   %+6.1f MB   x%.3f vs none\n", n / 1024, f / 1024, (f - n) / 1024, f / n }'
printf 'optional %s default=on\n' "$PLUGIN" > "$PLUGSTACK"
rm -rf "$samples_dir"
