#!/usr/bin/env bash
# What the REST gateway sustains on this machine, in one run, against the test cluster
# (KDC, munged, slurmnatived, slurmctld, slurmd, slurmrestd with auth/jwt):
#   logins/s        POST /api/v1/login: a KDC AS exchange with the password, the TGT
#                   stored durably in slurmnatived (MUNGE-authenticated), a session
#   gateway jobs/s  POST /api/v1/jobs: validation, group policy, a JWT minted for the
#                   call, slurmrestd's job/submit
#   direct jobs/s   the same submission straight to slurmrestd with a JWT minted per
#                   request: the baseline, alternating with the gateway in rounds
# Prints p50/p99 latency per phase and the gateway/direct ratio. The partition is set
# DOWN during the run so that the submitted jobs queue instead of competing for the two
# cores, then cancelled.
#
# usage: bench/gateway.sh [SECONDS]   (as root; starts the testbed (with --restd) itself
#   if it is not up, and stops it again)  BENCH_CLIENTS (8) concurrent clients
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_PER_PHASE=${1:-${BENCH_SECONDS:-8}}
CLIENTS=${BENCH_CLIENTS:-8}
TESTBED="$ROOT/testbed/testbed.sh"
GATEWAY="$ROOT/src/SlurmNative.Gateway/bin/Release/net10.0/slurmnative-gateway"
BENCH="$ROOT/bench/GatewayBench/bin/Release/net10.0/SlurmNative.GatewayBench"
export TESTBED_DIR=${TESTBED_DIR:-/tmp/slurmnative-testbed}
export KRB5_CONFIG="$TESTBED_DIR/etc/krb5.conf"
PORT=$((${TESTBED_PORT_BASE:-61000} + 880))

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root: the test cluster starts system daemons"
[ -x "$GATEWAY" ] || die "$GATEWAY is missing; run ./build.sh build first"
dotnet build "$ROOT/bench/GatewayBench/GatewayBench.csproj" -c Release -nologo -v quiet -clp:NoSummary >/dev/null \
    || die "building bench/GatewayBench failed"

started_here="" work="" gateway_pid=""
cleanup() {
    [ -n "$gateway_pid" ] && { kill -TERM "$gateway_pid" 2>/dev/null; wait "$gateway_pid" 2>/dev/null; } || true
    SLURM_CONF=$TESTBED_DIR/etc/slurm.conf scancel --quiet --name bench 2>/dev/null || true
    SLURM_CONF=$TESTBED_DIR/etc/slurm.conf scontrol update partitionname=debug state=up 2>/dev/null || true
    [ -n "$work" ] && rm -rf "$work"
    [ -n "$started_here" ] && "$TESTBED" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$TESTBED" status >/dev/null 2>&1 || started_here=1
"$TESTBED" start --restd >/dev/null 2>&1 || die "testbed.sh start --restd failed; run it by hand to see why"
daemon_config=$("$TESTBED" daemon 2>/dev/null) || die "testbed.sh daemon failed"
work=$(mktemp -d "$TESTBED_DIR/bench-gateway.XXXXXX")
cat >"$work/gateway.json" <<JSON
{
  "listen": "http://127.0.0.1:$PORT",
  "slurmrestd": "http://127.0.0.1:$((${TESTBED_PORT_BASE:-61000} + 820))",
  "daemon_config": "$daemon_config",
  "jwt": { "hs256_key": "$TESTBED_DIR/etc/jwt_hs256.key" },
  "login_limits": { "failures_per_user": 1000, "failures_per_address": 1000, "window": "1m" },
  "groups": { "sn-hpc": { "partitions": ["debug"] } }
}
JSON
"$GATEWAY" --config "$work/gateway.json" >"$work/gateway.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/openapi.json" && break
    kill -0 "$gateway_pid" 2>/dev/null || { cat "$work/gateway.log" >&2; die "the gateway exited"; }
    sleep 0.1
done

SLURM_CONF=$TESTBED_DIR/etc/slurm.conf scontrol update partitionname=debug state=down
echo "bench/gateway.sh: $CLIENTS concurrent clients, ${SECONDS_PER_PHASE}s per phase, $(nproc) cores"
"$BENCH" "http://127.0.0.1:$PORT/" "http://127.0.0.1:$((${TESTBED_PORT_BASE:-61000} + 820))/" "$TESTBED_DIR/etc/jwt_hs256.key" \
    "$SECONDS_PER_PHASE" "$CLIENTS" "alice=$("$TESTBED" password alice)" "bob=$("$TESTBED" password bob)"
