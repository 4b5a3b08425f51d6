#!/usr/bin/env bash
# SlurmNative's test cluster: a real MIT KDC, munged, slurmctld and slurmd on
# 127.0.0.1, started by hand as root (no systemd, no containers), with all state
# in one directory. Used by the integration tests, the benchmarks and the demo;
# admins can run the same script inside a container.
#
#   testbed.sh start [--plugin SO] [--plugstack-line LINE] [--ticket-lifetime 10h] [--renew-lifetime 7d]
#   testbed.sh stop [--keep]       stop everything, remove what start created
#   testbed.sh status              exit 0 only when every daemon runs
#   testbed.sh env                 export lines for SLURM_CONF, KRB5_CONFIG, ...
#   testbed.sh run-as USER CMD...  run CMD as USER with the cluster's environment
#   testbed.sh kinit USER          kinit as USER with the test password
#
# Environment: TESTBED_DIR (default /tmp/slurmnative-testbed).
set -euo pipefail

D=${TESTBED_DIR:-/tmp/slurmnative-testbed}
REALM=SLURMNATIVE.TEST
KDC_PORT=61088
SLURMCTLD_PORT=61817
SLURMD_PORT=61818
TEST_USERS=(alice bob carol)
DAEMONS=(krb5kdc munged slurmctld slurmd)

die() { printf 'testbed: %s\n' "$*" >&2; exit 1; }
note() { printf 'testbed: %s\n' "$*" >&2; }

export SLURM_CONF="$D/etc/slurm.conf"
export KRB5_CONFIG="$D/etc/krb5.conf"
export KRB5_KDC_PROFILE="$D/etc/kdc.conf"
MUNGE_SOCKET="$D/munge/munge.socket"

pid_file() {
    case "$1" in
        krb5kdc) echo "$D/run/krb5kdc.pid" ;;
        munged) echo "$D/munge/munged.pid" ;;
        slurmctld) echo "$D/run/slurmctld.pid" ;;
        slurmd) echo "$D/run/slurmd-node1.pid" ;;
    esac
}

running() {
    local pid_path pid
    pid_path=$(pid_file "$1")
    [ -s "$pid_path" ] || return 1
    pid=$(cat "$pid_path")
    # The pid must still be that daemon: a stale file may name a recycled pid.
    [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]
}

all_running() {
    for daemon in "${DAEMONS[@]}"; do running "$daemon" || return 1; done
}

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
    local seconds=$1; shift
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}

log_tail() { [ -f "$D/log/$1" ] && tail -n 20 "$D/log/$1" >&2 || true; }

write_plugstack() {
    local plugin=$1 line=$2
    if [ -z "$line" ] && [ -n "$plugin" ]; then
        line="optional $plugin default=on"
    fi
    # Written next to the old file and renamed: a job starting right now reads
    # either the old line or the new one, never half of one.
    printf '%s\n' "$line" > "$D/etc/plugstack.conf.new"
    chmod 644 "$D/etc/plugstack.conf.new"
    mv -f "$D/etc/plugstack.conf.new" "$D/etc/plugstack.conf"
}

create_users() {
    : > "$D/created-users"
    for user in "${TEST_USERS[@]}"; do
        if ! id "$user" >/dev/null 2>&1; then
            useradd -m -s /bin/bash "$user"
            echo "$user" >> "$D/created-users"
        fi
    done
    id slurm >/dev/null 2>&1 || { useradd -r -M -s /usr/sbin/nologin slurm; echo slurm >> "$D/created-users"; }
    id munge >/dev/null 2>&1 || die "the munge user is missing: install the munge package (apt-get install munge)"
}

start_kdc() {
    local lifetime=$1 renew=$2
    cat > "$KRB5_CONFIG" <<EOF
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    dns_canonicalize_hostname = false
    forwardable = true
    noaddresses = true
    ticket_lifetime = $lifetime
    renew_lifetime = $renew
[realms]
    $REALM = {
        kdc = 127.0.0.1:$KDC_PORT
    }
[domain_realm]
    localhost = $REALM
EOF
    cat > "$KRB5_KDC_PROFILE" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$KDC_PORT
    kdc_tcp_listen = 127.0.0.1:$KDC_PORT
[realms]
    $REALM = {
        database_name = $D/kdc/principal
        key_stash_file = $D/kdc/stash
        acl_file = $D/kdc/kadm5.acl
        max_life = $lifetime
        max_renewable_life = $renew
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }
[logging]
    kdc = FILE:$D/log/krb5kdc.log
EOF
    chmod 644 "$KRB5_CONFIG" "$KRB5_KDC_PROFILE"
    : > "$D/kdc/kadm5.acl"
    kdb5_util -r "$REALM" create -s -P "$(head -c 24 /dev/urandom | base64)" >/dev/null
    : > "$D/passwords"
    chmod 600 "$D/passwords"
    {
        echo "modprinc -maxlife $lifetime -maxrenewlife $renew krbtgt/$REALM@$REALM"
        for user in "${TEST_USERS[@]}"; do
            local password="$user-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')"
            echo "$user $password" >> "$D/passwords"
            echo "addprinc -pw $password -maxlife $lifetime -maxrenewlife $renew $user"
        done
        echo "addprinc -randkey host/localhost"
        echo "ktadd -k $D/host.keytab host/localhost"
    } | kadmin.local -r "$REALM" >/dev/null 2>"$D/log/kadmin.log" || { cat "$D/log/kadmin.log" >&2; die "kadmin.local could not create the test principals"; }
    krb5kdc -r "$REALM" -P "$(pid_file krb5kdc)" || { log_tail krb5kdc.log; die "krb5kdc did not start"; }
    wait_for 10 running krb5kdc || { log_tail krb5kdc.log; die "krb5kdc did not stay up"; }
}

start_munge() {
    install -d -o munge -g munge -m 0755 "$D/munge"
    head -c 1024 /dev/urandom > "$D/munge/munge.key"
    chown munge:munge "$D/munge/munge.key"
    chmod 0400 "$D/munge/munge.key"
    touch "$D/log/munged.log" && chown munge:munge "$D/log/munged.log" && chmod 0640 "$D/log/munged.log"
    runuser -u munge -- munged --key-file="$D/munge/munge.key" --socket="$MUNGE_SOCKET" \
        --pid-file="$(pid_file munged)" --log-file="$D/log/munged.log" --seed-file="$D/munge/munged.seed" \
        || { log_tail munged.log; die "munged did not start"; }
    wait_for 10 bash -c "munge -n --socket='$MUNGE_SOCKET' | unmunge --socket='$MUNGE_SOCKET'" \
        || { log_tail munged.log; die "munged does not answer on $MUNGE_SOCKET"; }
}

start_slurm() {
    local cpus
    cpus=$(nproc)
    install -d -o slurm -g slurm -m 0755 "$D/spool/ctld"
    install -d -m 0755 "$D/spool/d"
    chown slurm:slurm "$D/log"
    chmod 0755 "$D/log"
    cat > "$SLURM_CONF" <<EOF
# Generated by testbed.sh: one node on 127.0.0.1, non-default ports, all state in $D.
ClusterName=slurmnative
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$SLURMCTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=slurm
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
StateSaveLocation=$D/spool/ctld
SlurmdSpoolDir=$D/spool/d/%n
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd-%n.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=debug
PlugStackConfig=$D/etc/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
# Short waits: tests cancel and time out jobs on purpose.
KillWait=2
MinJobAge=30
InactiveLimit=0
MessageTimeout=10
SlurmdTimeout=60
NodeName=node1 NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=node1 Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
    chmod 644 "$SLURM_CONF"
    slurmctld -f "$SLURM_CONF" || { log_tail slurmctld.log; die "slurmctld did not start"; }
    slurmd -f "$SLURM_CONF" -N node1 || { log_tail slurmd.log; die "slurmd did not start"; }
    wait_for 30 bash -c "sinfo -h -n node1 -o %t | grep -qx idle" \
        || { log_tail slurmctld.log; log_tail slurmd.log; die "node1 did not become idle within 30 s"; }
}

cmd_start() {
    local plugin="" line="" lifetime=10h renew=7d
    while [ $# -gt 0 ]; do
        case "$1" in
            --plugin) plugin=$(realpath -m "$2"); shift 2 ;;
            --plugstack-line) line=$2; shift 2 ;;
            --ticket-lifetime) lifetime=$2; shift 2 ;;
            --renew-lifetime) renew=$2; shift 2 ;;
            --nodes) [ "$2" = 1 ] || die "--nodes $2: only one compute node is implemented yet"; shift 2 ;;
            --restd) die "--restd: slurmrestd is not implemented in the testbed yet" ;;
            *) die "unknown start option '$1'" ;;
        esac
    done
    [ "$(id -u)" -eq 0 ] || die "must run as root: it starts krb5kdc, munged, slurmctld and slurmd"
    [ -z "$plugin" ] || [ -r "$plugin" ] || die "plugin $plugin does not exist: run ./build.sh build first"

    if all_running; then
        write_plugstack "$plugin" "$line"
        return 0
    fi
    # A half-started cluster from an earlier failure: clear it away first.
    [ -d "$D" ] && cmd_stop >/dev/null 2>&1
    local started=$SECONDS
    install -d -m 0755 "$D" "$D/etc" "$D/log" "$D/run" "$D/kdc"
    chmod 0700 "$D/kdc"
    trap 'note "start failed; cleaning up"; cmd_stop >/dev/null 2>&1' ERR
    create_users
    write_plugstack "$plugin" "$line"
    start_kdc "$lifetime" "$renew"
    start_munge
    start_slurm
    trap - ERR
    note "up in $((SECONDS - started)) s: realm $REALM (KDC 127.0.0.1:$KDC_PORT), slurmctld :$SLURMCTLD_PORT, node1 :$SLURMD_PORT, state in $D"
}

stop_pid() {
    local name=$1 pid=$2
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        [ -d "/proc/$pid" ] || return 0
        sleep 0.1
    done
    note "$name ($pid) ignored TERM for 5 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

# slurmstepd inherits slurmd's environment, which names this testbed's SLURM_CONF:
# that tells our steps from those of any other Slurm on the machine.
our_stepds() {
    for pid in $(pgrep -x slurmstepd 2>/dev/null); do
        tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "SLURM_CONF=$SLURM_CONF" && echo "$pid"
    done
    return 0
}

cmd_stop() {
    local keep=""
    [ "${1:-}" = "--keep" ] && keep=1
    if running slurmctld; then
        scancel --full --quiet --user alice,bob,carol 2>/dev/null || true
    fi
    for daemon in slurmd slurmctld; do
        running "$daemon" && stop_pid "$daemon" "$(cat "$(pid_file "$daemon")")"
    done
    for pid in $(our_stepds); do stop_pid slurmstepd "$pid"; done
    for daemon in munged krb5kdc; do
        running "$daemon" && stop_pid "$daemon" "$(cat "$(pid_file "$daemon")")"
    done
    if [ -f "$D/created-users" ]; then
        while read -r user; do
            [ -n "$user" ] || continue
            pkill -KILL -u "$user" 2>/dev/null || true
            userdel -r "$user" 2>/dev/null || userdel "$user" 2>/dev/null || note "could not remove user $user"
        done < "$D/created-users"
        rm -f "$D/created-users"
    fi
    rm -f /tmp/krb5cc_testbed_* 2>/dev/null || true
    [ -n "$keep" ] || rm -rf "$D"
}

cmd_status() {
    local all=0
    for daemon in "${DAEMONS[@]}"; do
        if running "$daemon"; then
            printf '%-10s running (pid %s)\n' "$daemon" "$(cat "$(pid_file "$daemon")")"
        else
            printf '%-10s stopped\n' "$daemon"
            all=1
        fi
    done
    return $all
}

cmd_env() {
    printf 'export TESTBED_DIR=%q\n' "$D"
    printf 'export SLURM_CONF=%q\n' "$SLURM_CONF"
    printf 'export KRB5_CONFIG=%q\n' "$KRB5_CONFIG"
    printf 'export MUNGE_SOCKET=%q\n' "$MUNGE_SOCKET"
}

cmd_run_as() {
    [ $# -ge 2 ] || die "usage: testbed.sh run-as USER COMMAND [ARGS...]"
    local user=$1; shift
    local home
    home=$(getent passwd "$user" | cut -d: -f6) || die "no such user '$user'"
    cd /tmp
    exec runuser -u "$user" -- env HOME="$home" USER="$user" LOGNAME="$user" \
        SLURM_CONF="$SLURM_CONF" KRB5_CONFIG="$KRB5_CONFIG" MUNGE_SOCKET="$MUNGE_SOCKET" "$@"
}

cmd_kinit() {
    [ $# -ge 1 ] || die "usage: testbed.sh kinit USER [kinit options...]"
    local user=$1; shift
    local password
    password=$(awk -v u="$user" '$1 == u { print $2 }' "$D/passwords")
    [ -n "$password" ] || die "no test password for '$user' (known: ${TEST_USERS[*]})"
    printf '%s\n' "$password" | cmd_run_as "$user" kinit "$@" "$user" >/dev/null
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status ;;
    env) cmd_env ;;
    run-as) cmd_run_as "$@" ;;
    kinit) cmd_kinit "$@" ;;
    password) awk -v u="${1:-}" '$1 == u { print $2 }' "$D/passwords" ;;
    *) die "usage: testbed.sh start|stop|status|env|run-as USER CMD...|kinit USER|password USER" ;;
esac
