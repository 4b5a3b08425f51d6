#!/usr/bin/env bash
# What the credential daemon sustains on this machine, in one run, against the test
# cluster's munged and KDC:
#   munged    munged's own encode+decode rate (remunge -d): the physical limit, since
#             every request costs one MUNGE encode (client) and one decode (daemon)
#   gets/s    authenticated gets (root fetching a user's TGT), concurrent clients
#   adds/s    authenticated uploads (root storing users' TGTs), each acknowledged only
#             once durable; the tickets rotate so that almost every add is a real write
#   renew/s   TGT renewals against the KDC through the daemon's renewal code
#   RSS       daemon VmRSS/VmHWM with 100,000 stored tickets, under random gets
# Clients use the blocking client of the plugin's hooks: each request opens a new
# connection and carries a new MUNGE credential, as a job start does. Clients, munged,
# the KDC and the daemon share this machine's cores; the CPU lines say who used what.
# Targets: gets/s >= 50% of munged's rate; RSS <= 300 MB at 100,000 tickets.
#
# usage: bench/daemon.sh [SECONDS]   (as root; starts and stops the testbed itself if it is not up)
#   SECONDS per phase (default 8); BENCH_CLIENTS (32) concurrent clients;
#   BENCH_TICKETS (100000) tickets stored for the RSS phase;
#   BENCH_DAEMON another slurmnatived to measure (an earlier build, to compare);
#   BENCH_EXTRA_CONF lines added to its slurmnative.conf (e.g. metrics_listen, audit),
#   where @WORK@ stands for the bench's scratch directory
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PHASE_SECONDS=${1:-${BENCH_SECONDS:-8}}
CLIENTS=${BENCH_CLIENTS:-32}
TICKETS=${BENCH_TICKETS:-100000}
RENEW_THREADS=8          # the renewer's default renew_concurrency
TICKETS_PER_USER=16      # distinct TGTs per user, so that few adds repeat what is stored
TESTBED="$ROOT/testbed/testbed.sh"
EXTRA_CONF=${BENCH_EXTRA_CONF:-}
DAEMON=${BENCH_DAEMON:-"$ROOT/src/SlurmNative.Daemon/bin/Release/net10.0/slurmnatived"}
USERS=(alice bob carol)
FIRST_SYNTHETIC_UID=1000000

# shellcheck source=bench/lib/testbed.bash
. "$ROOT/bench/lib/testbed.bash"
# shellcheck source=bench/lib/munged.bash
. "$ROOT/bench/lib/munged.bash"
bench_prepare
[ -x "$DAEMON" ] || die "$DAEMON is missing; run ./build.sh build first"
command -v remunge >/dev/null || die "remunge is missing (it comes with the munge package)"

trap bench_cleanup EXIT
bench_testbed_up
work=$(mktemp -d "$TESTBED_DIR/bench-daemon.XXXXXX")
port=$("$BENCH" free-port)
cat >"$work/slurmnative.conf" <<CONF
servers = 127.0.0.1:$port
listen = 127.0.0.1:$port
database = $work/state/credentials.db
key_file = $work/keys
acl_file = $work/acl.conf
munge_socket = $MUNGE_SOCKET
${EXTRA_CONF//@WORK@/$work}
CONF
mkdir -m 0700 "$work/state"
"$BENCH" keygen "$work/keys"

# Renewable TGTs straight from the KDC, into the bench's own ccaches (the users' default
# ccaches belong to whoever else uses the testbed).
tickets=() first_tickets=()
for ((n = 1; n <= TICKETS_PER_USER; n++)); do
    for user in "${USERS[@]}"; do
        ccache="$work/$user.$n.ccache"
        "$TESTBED" password "$user" | kinit -r 1d -c "FILE:$ccache" "$user" >/dev/null \
            || die "kinit $user against the testbed KDC failed"
        tickets+=(--ticket "$(id -u "$user")=$ccache")
        ((n == 1)) && first_tickets+=(--ticket "$(id -u "$user")=$ccache")
    done
done

start_daemon() {
    "$DAEMON" --config "$work/slurmnative.conf" 2>>"$work/daemon.log" &
    daemon_pid=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        kill -0 "$daemon_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/daemon.log" >&2
    die "slurmnatived did not start"
}
writes() { grep -c '^<6>slurmnatived\[0\] stored ' "$work/daemon.log" || true; }
busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }

echo "slurmnatived on $(nproc) cores, $CLIENTS concurrent clients, $PHASE_SECONDS s per phase (after 2 s warm-up):"
read -r busy0 idle0 < <(busy)

munged_first=$(remunge_rate)

start_daemon
writes_before=$(writes)
adds=$(load --op add "${tickets[@]}")
adds_written=$(($(writes) - writes_before))
gets=$(load --op get "${first_tickets[@]}")
renewals=$("$BENCH" renew --ccache "$work/alice.1.ccache" --threads "$RENEW_THREADS" --seconds "$PHASE_SECONDS")
small_rss=$(memory_mb VmRSS) small_hwm=$(memory_mb VmHWM)
stop_daemon

# No machine holds 100,000 users: the tickets go in through the daemon's own store
# (same schema, same encryption under the same key file), under synthetic UIDs.
filled=$("$BENCH" populate --database "$work/state/credentials.db" --key-file "$work/keys" \
    --ccache "$work/alice.1.ccache" --first-uid "$FIRST_SYNTHETIC_UID" --count "$TICKETS")
start_daemon
big_gets=$(load --op get --uids "$FIRST_SYNTHETIC_UID-$((FIRST_SYNTHETIC_UID + TICKETS - 1))")
big_rss=$(memory_mb VmRSS) big_hwm=$(memory_mb VmHWM)
stop_daemon
# Measured again at the end; the higher rate is the limit the targets are judged against.
munged_last=$(remunge_rate)
munged_rate=$(awk -v a="$munged_first" -v b="$munged_last" 'BEGIN { print (a > b) ? a : b }')
read -r busy1 idle1 < <(busy)

awk -v munged="$munged_rate" -v mfirst="$munged_first" -v mlast="$munged_last" -v clients="$CLIENTS" -v cores="$(nproc)" \
    -v gets="$(field rate "$gets")" -v gp50="$(field p50_ms "$gets")" -v gp99="$(field p99_ms "$gets")" -v gerr="$(field errors "$gets")" \
    -v adds="$(field rate "$adds")" -v ap50="$(field p50_ms "$adds")" -v ap99="$(field p99_ms "$adds")" -v aerr="$(field errors "$adds")" \
    -v written="$adds_written" -v secs="$PHASE_SECONDS" \
    -v gd="$(field daemon_us_per_op "$gets")" -v gm="$(field munged_us_per_op "$gets")" -v gc="$(field client_us_per_op "$gets")" -v gw="$(field machine_us_per_op "$gets")" \
    -v ad="$(field daemon_us_per_op "$adds")" -v am="$(field munged_us_per_op "$adds")" -v ac="$(field client_us_per_op "$adds")" -v aw="$(field machine_us_per_op "$adds")" \
    -v renew="$(field rate "$renewals")" -v rerr="$(field errors "$renewals")" -v rthreads="$RENEW_THREADS" \
    -v bgets="$(field rate "$big_gets")" -v berr="$(field errors "$big_gets")" \
    -v srss="$small_rss" -v shwm="$small_hwm" -v brss="$big_rss" -v bhwm="$big_hwm" \
    -v tickets="$TICKETS" -v fill_s="$(field seconds "$filled")" -v db_mb="$(field database_mb "$filled")" -v tbytes="$(field ticket_bytes "$filled")" \
    -v busy=$((busy1 - busy0)) -v idle=$((idle1 - idle0)) '
function verdict(ok) { return ok ? "meets the target" : "MISSES the target" }
BEGIN {
    printf "  munged    %7.0f encode+decode/s  (remunge -d, %d threads; %.0f before the phases, %.0f after: the higher)\n", munged, clients, mfirst, mlast
    printf "  gets      %7.0f /s   p50 %5.1f ms  p99 %6.1f ms  %d errors  = %5.1f%% of munged (target >= 50%%: %s)\n", gets, gp50, gp99, gerr, 100 * gets / munged, verdict(gets >= 0.5 * munged)
    printf "  adds      %7.0f /s   p50 %5.1f ms  p99 %6.1f ms  %d errors  = %5.1f%% of munged; %d durable writes (%.0f /s, warm-up included)\n", adds, ap50, ap99, aerr, 100 * adds / munged, written, written / (secs + 2)
    printf "  CPU per get: daemon %.0f us, munged %.0f us, clients %.0f us; whole machine %.0f us (%.0f us at 50%% of munged'"'"'s rate)\n", gd, gm, gc, gw, cores * 1e6 / (0.5 * munged)
    printf "  CPU per add: daemon %.0f us, munged %.0f us, clients %.0f us; whole machine %.0f us\n", ad, am, ac, aw
    printf "  renewals  %7.0f /s   against the testbed KDC, %d threads, %d errors\n", renew, rthreads, rerr
    printf "  RSS       %7.1f MB  (peak %.1f MB) with 3 tickets, after the phases above\n", srss, shwm
    printf "  RSS       %7.1f MB  (peak %.1f MB) with %d tickets, under %.0f random gets/s (%d errors) = x%.2f of 300 MB (target <= 300 MB: %s)\n", brss, bhwm, tickets, bgets, berr, bhwm / 300, verdict(bhwm <= 300)
    printf "  The %d tickets were written through the daemon'"'"'s store API (same schema and encryption):\n", tickets
    printf "  one real %d-byte TGT under synthetic UIDs from '"$FIRST_SYNTHETIC_UID"', in %.1f s; database %.0f MB.\n", tbytes, fill_s, db_mb
    if (busy + idle > 0)
        printf "  Machine busy %.0f%% of the run (everything on it, not only this bench).\n", 100 * busy / (busy + idle)
}'
