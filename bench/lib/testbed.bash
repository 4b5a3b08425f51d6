# Sourced by the bench scripts that drive the credential daemon on the test cluster (not run on
# its own: ./build.sh bench runs bench/*.sh only). Expects ROOT and TESTBED; provides the
# cluster's paths, die, the root and DaemonBench checks, and a testbed that is started here
# (and stopped on exit) only if nobody had it up.
export TESTBED_DIR=${TESTBED_DIR:-/tmp/slurmnative-testbed}
export KRB5_CONFIG="$TESTBED_DIR/etc/krb5.conf"
MUNGE_SOCKET="$TESTBED_DIR/munge/munge.socket"
BENCH="$ROOT/bench/DaemonBench/bin/Release/net10.0/SlurmNative.DaemonBench"

die() { echo "bench: $*" >&2; exit 1; }

# bench_prepare: as root, with DaemonBench built; run before anything else touches the testbed.
bench_prepare() {
    [ "$(id -u)" -eq 0 ] || die "run as root: the test cluster starts system daemons"
    dotnet build "$ROOT/bench/DaemonBench/DaemonBench.csproj" -c Release -nologo -v quiet -clp:NoSummary >/dev/null \
        || die "building bench/DaemonBench failed"
}

# field NAME LINE: the value of NAME=value in one of DaemonBench's result lines.
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# The daemon the script started itself (daemon_pid), and its scratch directory (work).
started_here="" work="" daemon_pid=""
stop_daemon() {
    [ -n "$daemon_pid" ] || return 0
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
    daemon_pid=""
}
bench_cleanup() {
    stop_daemon
    [ -n "$work" ] && rm -rf "$work"
    [ -n "$started_here" ] && "$TESTBED" stop >/dev/null 2>&1 || true
}
# bench_testbed_up: starts the cluster unless it runs; cleanup on exit stops only what started here.
bench_testbed_up() {
    if ! "$TESTBED" status >/dev/null 2>&1; then
        started_here=1
        "$TESTBED" start >/dev/null 2>&1 || die "testbed.sh start failed; run it by hand to see why"
    fi
}

# memory_mb KEY: VmRSS or VmHWM of daemon_pid, in MB.
memory_mb() { awk -v k="$1:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$daemon_pid/status"; }
# load ARGS: DaemonBench's load against the started daemon, with its and munged's CPU watched.
load() {
    "$BENCH" load --server "127.0.0.1:$port" --munge-socket "$MUNGE_SOCKET" --clients "$CLIENTS" --seconds "$PHASE_SECONDS" \
        --watch "daemon=$daemon_pid" --watch "munged=$(cat "$TESTBED_DIR/pids/munged")" "$@"
}
