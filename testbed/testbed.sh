#!/usr/bin/env bash
# SlurmNative test cluster: a throwaway MIT KDC, munged, slurmctld, slurmd
# (and optionally slurmrestd) on loopback, all state under $TESTBED_DIR.
# See testbed/README.md. Run as root; never needs systemd.
set -euo pipefail
# Template values (paths) may contain '&', which bash 5.2 would otherwise
# expand in ${var//pattern/replacement}.
shopt -u patsub_replacement 2>/dev/null || true

readonly TESTBED_DIR=${TESTBED_DIR:-/tmp/slurmnative-testbed}
# TESTBED_SLURM_PREFIX runs the Slurm installed under that prefix (configure
# --prefix) instead of the system's: its sbin/ and bin/ come first on every PATH
# the testbed and its daemons use. Every testbed.sh call of one cluster must get
# the same value.
readonly SLURM_PREFIX=${TESTBED_SLURM_PREFIX:-}
SLURM_PATH=
if [[ -n $SLURM_PREFIX ]]; then
    if [[ ! -x $SLURM_PREFIX/sbin/slurmctld || ! -x $SLURM_PREFIX/bin/srun ]]; then
        echo "testbed: error: TESTBED_SLURM_PREFIX=$SLURM_PREFIX holds no Slurm (no sbin/slurmctld or bin/srun)" >&2
        exit 1
    fi
    SLURM_PATH=$SLURM_PREFIX/sbin:$SLURM_PREFIX/bin:
    export PATH=$SLURM_PATH$PATH
fi
readonly SLURM_PATH
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly TEMPLATES=$HERE/templates

readonly REALM=SLURMNATIVE.TEST
# Non-default ports, so a site's real KDC/Slurm on this host is never
# touched; TESTBED_PORT_BASE moves them all (e.g. 62000 for a second testbed
# with its own TESTBED_DIR; the test users are still shared).
readonly PORT_BASE=${TESTBED_PORT_BASE:-61000}
if ! [[ $PORT_BASE =~ ^[0-9]+$ ]] || ((PORT_BASE < 1024 || PORT_BASE > 64000)); then
    echo "testbed: error: TESTBED_PORT_BASE must be a number from 1024 to 64000" >&2
    exit 1
fi
readonly KDC_PORT=$((PORT_BASE + 88))
# A second KDC for the same realm with its own database: the impostor that the
# gateway's KDC verification is tested against (testbed.sh rogue-kdc).
readonly ROGUE_KDC_PORT=$((PORT_BASE + 89))
readonly CTLD_PORT=$((PORT_BASE + 817))
readonly SLURMD_PORT=$((PORT_BASE + 818))
readonly RESTD_PORT=$((PORT_BASE + 820))
readonly PG_PORT=$((PORT_BASE + 432))
readonly DAEMON_PORT=$((PORT_BASE + 850))
readonly RESTD_USER=slurmrestd
# The REST gateway runs as its own system user, as etc/slurmnative-gateway.service
# has it: it reads the JWT key through the key's group and has a keytab of its own.
readonly GATEWAY_USER=slurmnative-gw
readonly GATEWAY_PRINCIPAL=$GATEWAY_USER/localhost
readonly TEST_USERS=(alice bob carol)
# A Unix group holding alice and bob but not carol: what group-based policy
# (the REST gateway's) is tested with.
readonly TEST_GROUP=sn-hpc
readonly TEST_GROUP_MEMBERS=alice,bob
# Two-node mode: one network namespace per node on a private bridge.
readonly NET_PREFIX=10.231.0
readonly BRIDGE=sn-br0
readonly BRIDGE_ADDR=$NET_PREFIX.1

# Files inside $TESTBED_DIR.
readonly MARKER=$TESTBED_DIR/.slurmnative-testbed
readonly CONFIG=$TESTBED_DIR/testbed.config
readonly CREATED_USERS=$TESTBED_DIR/created-users
readonly CREATED_SYSUSERS=$TESTBED_DIR/created-system-users
readonly CREATED_GROUPS=$TESTBED_DIR/created-groups
readonly CREATED_NET=$TESTBED_DIR/created-netns
readonly PASSWORDS=$TESTBED_DIR/passwords
readonly PIDS=$TESTBED_DIR/pids
readonly LOGS=$TESTBED_DIR/log
readonly ETC=$TESTBED_DIR/etc
readonly SLURM_CONF_FILE=$ETC/slurm.conf
readonly PLUGSTACK_FILE=$ETC/plugstack.conf
readonly KRB5_CONF_FILE=$ETC/krb5.conf
readonly KDC_CONF_FILE=$ETC/kdc.conf
readonly JWT_KEY=$ETC/jwt_hs256.key
readonly MUNGE_DIR=$TESTBED_DIR/munge
readonly MUNGE_SOCKET_PATH=$MUNGE_DIR/munge.socket
readonly HOST_KEYTAB=$TESTBED_DIR/host.keytab
readonly GATEWAY_KEYTAB=$TESTBED_DIR/gateway.keytab
readonly ROGUE_DIR=$TESTBED_DIR/rogue
# Heimdal's kcm always listens on /run/.heim_org.h5l.kcm-socket; it runs with
# this directory mounted over /run (in a mount namespace of its own), so the
# socket appears here and the host's /run is left alone.
readonly KCM_DIR=$TESTBED_DIR/kcm
readonly KCM_SOCKET=$KCM_DIR/.heim_org.h5l.kcm-socket
# PostgreSQL, on request (testbed.sh postgres, or daemon --store postgresql): a
# throwaway cluster owned by the postgres user, a role and database for the
# credential daemons, and the role's password (root's, 0600).
readonly PG_DIR=$TESTBED_DIR/postgres
readonly PG_DATA=$PG_DIR/data
readonly PG_ROLE=slurmnative
readonly PG_PASSWORD=$TESTBED_DIR/postgres-password

# Process names of the daemons we run (pid files are named krb5kdc, kcm, munged,
# slurmctld, slurmd-<node>, slurmrestd).
readonly DAEMON_COMMS='krb5kdc kcm munged slurmctld slurmd slurmrestd slurmnatived postgres'

STOP_GRACE=${TESTBED_STOP_GRACE:-10}
TERMINATED=()

# ---------------------------------------------------------------- helpers

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { printf 'testbed: error: %s\n' "$*" >&2; exit 1; }

now() { local t=${EPOCHREALTIME/./}; echo "${t:0:-3}"; }   # milliseconds

usage() {
    cat <<EOF
usage: testbed.sh COMMAND [OPTIONS]

  start [--plugin PATH] [--plugstack-line "optional|required ARGS..."]
        [--ticket-lifetime 10h] [--renew-lifetime 7d] [--restd] [--nodes 1|2]
        [--contain]
                      start (or, if already up, reconcile) the test cluster
  stop [--keep]       stop everything, remove created users; --keep keeps
                      \$TESTBED_DIR (logs) for inspection
  status              print each daemon's state (exit 0 all up, 1 partly, 3 down)
  env                 print export lines: eval "\$(testbed.sh env)"
  run-as USER CMD...  run CMD as USER with SLURM_CONF and KRB5_CONFIG set
  kinit USER [KINIT_OPTIONS...]
                      kinit USER@$REALM as USER with the stored password
                      (default ccache FILE:/tmp/krb5cc_<uid>)
  password USER       print USER's Kerberos password
  jwks PATH           make slurmctld verify RS256 tokens with the published
                      JWKS at PATH too (AuthAltParameters=jwks=PATH,jwt_key=...)
                      and restart it, as Slurm 22.05 reads the set only at
                      startup; run it again after each rotation
  rogue-kdc start|stop|password USER
                      a second KDC for $REALM on port base +89, with its own
                      database: the same principals with other passwords and
                      keys. start prints a krb5.conf that points at it; stop
                      removes it (stop of the testbed does too)
  daemon [--store sqlite|postgresql] [--count 1|2] [--set KEY=VALUE]...
                      start slurmnatived (the credential daemon, as built in
                      this repository) against the running testbed, on port
                      base +850 (+851 for a second one on one node); the
                      clients' slurmnative.conf is printed, for the plugin's
                      config= argument. --store postgresql starts PostgreSQL
                      if needed and points the daemons at it; --count 2 starts
                      two daemons sharing it, each with a munged of its own
                      (as on two hosts), and with --nodes 2 each inside one
                      node's network namespace. --set adds a config line.
  daemon-stop         stop the credential daemons (and their munged)
  postgres start|stop|restart [--immediate] [--down SECONDS]
                      PostgreSQL on 127.0.0.1 (and the bridge with --nodes 2)
                      port base +432: start prints the connection string
                      (role $PG_ROLE, password in \$TESTBED_DIR/postgres-password);
                      restart --immediate is a crash and recovery, --down
                      keeps it stopped that long first
  partition NODE on|off
                      with --nodes 2: cut NODE's network namespace off the
                      bridge (packets dropped, nothing refused), or join it again

Environment: TESTBED_DIR (state directory, now $TESTBED_DIR),
TESTBED_PORT_BASE (now $PORT_BASE: KDC +88, PostgreSQL +432, slurmctld +817,
slurmd +818, slurmrestd +820, slurmnatived +850). See testbed/README.md.
EOF
}

require_root() {
    [[ $(id -u) == 0 ]] || die "must run as root (it starts daemons and adds users); try: sudo $0 $*"
}

require_tools() {
    local missing=() t
    for t in krb5kdc kdb5_util kadmin.local kinit klist munged munge unmunge \
             slurmctld slurmd srun sinfo squeue scancel scontrol \
             useradd userdel groupadd groupdel gpasswd runuser setpriv setsid nsenter ss ps; do
        command -v "$t" >/dev/null || missing+=("$t")
    done
    ((${#missing[@]} == 0)) || die "missing programs: ${missing[*]}; install: apt-get install slurmctld slurmd slurm-client munge krb5-kdc krb5-admin-server krb5-user iproute2 util-linux passwd procps"
}

# The environment every daemon gets: nothing inherited from the caller, so a
# root KRB5CCNAME or SLURM_* in the caller's shell cannot leak into
# slurmstepd (and the plugin under test).
readonly DAEMON_ENV=(env -i PATH=${SLURM_PATH}/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
    SLURM_CONF="$SLURM_CONF_FILE" KRB5_CONFIG="$KRB5_CONF_FILE" KRB5_KDC_PROFILE="$KDC_CONF_FILE")

# render TEMPLATE OUT KEY=VALUE...: replace @KEY@ placeholders.
render() {
    local template=$1 out=$2 kv key val text
    shift 2
    text=$(<"$template")
    for kv in "$@"; do
        key=${kv%%=*} val=${kv#*=}
        text=${text//@$key@/$val}
    done
    if [[ $text =~ @[A-Z_]+@ ]]; then
        die "internal: unreplaced ${BASH_REMATCH[0]} in $template"
    fi
    printf '%s\n' "$text" >"$out"
}

random_password() {
    local p
    p=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    echo "${p:0:20}"
}

# user_password USER [FILE]: FILE is the password file (default the real KDC's).
user_password() {
    local file=${2:-$PASSWORDS} line
    [[ -r $file ]] || die "no $file; is the testbed started? run: $0 start"
    line=$(grep -m1 "^$1 " "$file") || die "no password for '$1' (test users: ${TEST_USERS[*]})"
    echo "${line#* }"
}

# --------------------------------------------------------- process control

pid_of() { [[ -r $PIDS/$1 ]] && cat "$PIDS/$1"; }

# comm_for NAME: the process name a daemon entry must have (slurmd-node1 ->
# slurmd); guards against a recycled pid.
comm_for() { echo "${1%%-*}"; }

# running_as NAME COMM...: NAME's recorded pid is alive (not a zombie) under one
# of the given process names.
running_as() {
    local name=$1 pid comm stat wanted
    shift
    pid=$(pid_of "$name") || return 1
    [[ -n $pid ]] || return 1
    { read -r comm <"/proc/$pid/comm" && read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
    # A daemon that died while we wait is a zombie child of this script.
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]] || return 1
    for wanted in "$@"; do
        [[ $comm == "$wanted" ]] && return 0
    done
    return 1
}

alive() { running_as "$1" "$(comm_for "$1")"; }

# alive_or_starting NAME: alive, or just launched and still on its way through
# the exec chain (the subshell, setsid, setpriv, env, unshare, sh) to the daemon
# itself. Only for waiting on a daemon this script has just launched: a stale pid
# file whose pid was reused by some shell would pass it.
alive_or_starting() { running_as "$1" "$(comm_for "$1")" bash setsid setpriv env unshare sh; }

# launch NAME CMD...: start a foreground-mode daemon detached from our
# session (so the caller's Ctrl-C or exit does not kill it). setsid and env
# exec in place, so $! is the daemon's own pid. stdout/stderr go to
# log/NAME.out: that is where a daemon reports errors from before its log
# file is open (bad config, port in use).
launch() {
    local name=$1
    shift
    # Daemons keep no descriptor of ours: an inherited lock (this script's own, or a
    # caller's flock) would stay held for as long as the daemon runs.
    (
        cd /
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec setsid "${DAEMON_ENV[@]}" "$@" </dev/null >>"$LOGS/$name.out" 2>&1
    ) &
    echo $! >"$PIDS/$name"
}

# descendants PID...: PIDs and all their descendants.
descendants() {
    local table frontier=("$@") next out=("$@") p c pp
    table=$(ps -e -o pid=,ppid=)
    while ((${#frontier[@]})); do
        next=()
        while read -r c pp; do
            for p in "${frontier[@]}"; do
                [[ $pp == "$p" ]] && next+=("$c") && out+=("$c")
            done
        done <<<"$table"
        frontier=("${next[@]}")
    done
    printf '%s\n' "${out[@]}" | sort -u
}

# cmdline PID / environ PID: NUL-separated /proc files as lines; empty when
# the process is gone or a zombie.
proc_lines() { { tr '\0' '\n' <"/proc/$1/$2"; } 2>/dev/null || true; }

# Daemons of *this* testbed found by scanning /proc, for when pid files are
# missing (partial start, crash): name is one of ours and the command line
# points into $TESTBED_DIR.
stray_daemons() {
    local pid comm
    while read -r pid comm; do
        [[ " $DAEMON_COMMS " == *" $comm "* ]] || continue
        proc_lines "$pid" cmdline | grep -qF "$TESTBED_DIR/" && echo "$pid"
    done < <(ps -e -o pid=,comm=)
    return 0
}

# Our slurmstepd processes: slurmd passes its environment (ours, with our
# SLURM_CONF) to every slurmstepd it execs. Zombies do not count.
our_stepds() {
    local pid comm stat
    while read -r pid stat comm; do
        [[ $comm == slurmstepd && $stat != Z* ]] || continue
        proc_lines "$pid" environ | grep -qxF "SLURM_CONF=$SLURM_CONF_FILE" && echo "$pid"
    done < <(ps -e -o pid=,stat=,comm=)
    return 0
}

pids_of_uid() { ps -e -o pid=,uid= | awk -v u="$1" '$2 == u {print $1}'; }

# terminate PID...: TERM, wait up to STOP_GRACE s, then KILL.
terminate() {
    local pids=() p deadline
    for p in "$@"; do [[ -n $p && -d /proc/$p ]] && pids+=("$p"); done
    ((${#pids[@]})) || return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    deadline=$(($(now) + STOP_GRACE * 1000))
    local all=("${pids[@]}") left=("${pids[@]}")
    while (($(now) < deadline)); do
        left=()
        for p in "${pids[@]}"; do [[ -d /proc/$p ]] && ! is_zombie "$p" && left+=("$p"); done
        ((${#left[@]})) || break
        pids=("${left[@]}")
        sleep 0.1
    done
    if ((${#left[@]})); then
        log "still running after ${STOP_GRACE}s, sending KILL: ${pids[*]}"
        kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
    TERMINATED+=("${all[@]}")
    return 0
}

# Dead is not gone: an orphan stays a zombie (and shows in pgrep) until init
# reaps it, which some container inits do only every few seconds. Wait once
# for all of them, at the end.
wait_reaped() {
    local p deadline=$(($(now) + 5000))
    for p in "${TERMINATED[@]}"; do
        while [[ -d /proc/$p ]] && (($(now) < deadline)); do sleep 0.05; done
    done
    TERMINATED=()
}

is_zombie() {
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} == Z ]]
}

stop_daemon() {
    local name=$1 pid
    if alive "$name"; then
        pid=$(pid_of "$name")
        terminate "$pid"
        log "stopped $name (pid $pid)"
    fi
    rm -f "$PIDS/$name"
}

# wait_until TIMEOUT_S DAEMON DESCRIPTION CMD...: poll CMD every 0.1 s;
# fail fast if DAEMON died meanwhile, with the end of its logs.
wait_until() {
    local timeout=$1 daemon=$2 desc=$3 deadline
    shift 3
    deadline=$(($(now) + timeout * 1000))
    until "$@" >/dev/null 2>&1; do
        if [[ $daemon != - ]] && ! alive_or_starting "$daemon"; then
            fail_with_logs "$daemon exited while waiting for: $desc" "$daemon"
        fi
        (($(now) < deadline)) || fail_with_logs "timed out after ${timeout}s waiting for: $desc" "$daemon"
        sleep 0.1
    done
}

fail_with_logs() {
    local msg=$1 daemon=$2 f
    # Adding a daemon to a running testbed (reconcile): take just that one
    # down again, leave the rest of the cluster up.
    [[ -z ${ON_FAIL_STOP:-} ]] || stop_daemon "$ON_FAIL_STOP" >/dev/null 2>&1 || true
    {
        printf 'testbed: error: %s\n' "$msg"
        # Daemons run in the foreground, so NAME.out has everything their log
        # file has plus what came before it was opened.
        for f in "$LOGS/$daemon.out" "$LOGS/${daemon%%-*}.log"; do
            [[ -s $f ]] || continue
            printf -- '---- last lines of %s\n' "$f"
            tail -n 25 "$f"
            break
        done
        printf 'testbed: all logs are in %s; clean up with: %s stop\n' "$LOGS" "$0"
    } >&2
    exit 1
}

# ------------------------------------------------------------ config state

# Options of the testbed as started, so a second start can tell what changed.
save_config() {
    {
        printf 'CFG_NODES=%q\n' "$OPT_NODES"
        printf 'CFG_CONTAIN=%q\n' "$OPT_CONTAIN"
        printf 'CFG_PLUGSTACK=%q\n' "$(plugstack_line)"
        printf 'CFG_TICKET_LIFETIME=%q\n' "$OPT_TICKET_LIFETIME"
        printf 'CFG_RENEW_LIFETIME=%q\n' "$OPT_RENEW_LIFETIME"
        printf 'CFG_RESTD=%q\n' "$CFG_RESTD"
        printf 'CFG_KCM=%q\n' "$CFG_KCM"
        printf 'CFG_PORT_BASE=%q\n' "$PORT_BASE"
    } >"$CONFIG"
}

load_config() {
    CFG_NODES=1 CFG_CONTAIN=0 CFG_PLUGSTACK='' CFG_TICKET_LIFETIME='' CFG_RENEW_LIFETIME='' CFG_RESTD=0 CFG_KCM=0
    CFG_PORT_BASE=$PORT_BASE
    # shellcheck disable=SC1090
    [[ -r $CONFIG ]] && source "$CONFIG"
    return 0
}

node_names() {
    local i
    for ((i = 1; i <= ${1:-$CFG_NODES}; i++)); do echo "node$i"; done
}

# Where the host side of the cluster (slurmctld, KDC) is reached from nodes
# and clients: loopback, or the bridge when nodes live in namespaces.
host_addr() { if ((${1:-$CFG_NODES} > 1)); then echo "$BRIDGE_ADDR"; else echo 127.0.0.1; fi; }
node_addr() { if ((CFG_NODES > 1)); then echo "$NET_PREFIX.$((10 + ${1#node}))"; else echo 127.0.0.1; fi; }

expected_daemons() {
    local n
    echo krb5kdc
    ((CFG_KCM)) && echo kcm
    echo munged slurmctld
    for n in $(node_names); do echo "slurmd-$n"; done
    ((CFG_RESTD)) && echo slurmrestd
    return 0
}

# The plugstack.conf line. --plugstack-line may be "optional|required ARGS"
# (the --plugin path goes in between) or a whole line that already names the
# plugin ("required /path/plugin.so default=on"), which is used as is.
plugstack_line() {
    local words
    read -ra words <<<"${OPT_PLUGSTACK_LINE:-optional default=on}"
    if [[ ${words[1]:-} == /* ]]; then
        echo "${words[*]}"
    elif [[ -n $OPT_PLUGIN ]]; then
        echo "${words[0]} $OPT_PLUGIN ${words[*]:1}" | sed 's/ *$//'
    fi
    return 0
}

# The plugin that plugstack.conf names, for the readability check.
plugstack_plugin() { local w; read -ra w <<<"$(plugstack_line)"; echo "${w[1]:-}"; }

# ------------------------------------------------------------------ start

parse_start_options() {
    OPT_PLUGIN='' OPT_PLUGSTACK_LINE='' OPT_TICKET_LIFETIME=10h OPT_RENEW_LIFETIME=7d
    OPT_RESTD=0 OPT_NODES=1 OPT_CONTAIN=0
    while (($#)); do
        case $1 in
            --plugin) OPT_PLUGIN=${2:?--plugin needs a path}; shift 2 ;;
            --plugstack-line) OPT_PLUGSTACK_LINE=${2?--plugstack-line needs a value}; shift 2 ;;
            --ticket-lifetime) OPT_TICKET_LIFETIME=${2:?--ticket-lifetime needs a duration}; shift 2 ;;
            --renew-lifetime) OPT_RENEW_LIFETIME=${2:?--renew-lifetime needs a duration}; shift 2 ;;
            --restd) OPT_RESTD=1; shift ;;
            --nodes) OPT_NODES=${2:?--nodes needs 1 or 2}; shift 2 ;;
            --contain) OPT_CONTAIN=1; shift ;;
            -h | --help) usage; exit 0 ;;
            *) die "start: unknown option '$1' (see: $0 --help)" ;;
        esac
    done
    local d
    for d in "$OPT_TICKET_LIFETIME" "$OPT_RENEW_LIFETIME"; do
        # krb5.conf, kdc.conf and kadmin all accept this form (e.g. 1m, 10h, 1h30m, 7d).
        [[ $d =~ ^([0-9]+[dhms])+$ ]] || die "bad duration '$d': use e.g. 90s, 1m, 10h, 1h30m, 7d"
    done
    [[ $OPT_NODES == 1 || $OPT_NODES == 2 ]] || die "--nodes must be 1 or 2"
    if [[ -n $OPT_PLUGIN ]]; then
        [[ -f $OPT_PLUGIN ]] || die "--plugin $OPT_PLUGIN: no such file (build it first: ./build.sh build)"
        OPT_PLUGIN=$(realpath "$OPT_PLUGIN")
    fi
    if [[ -n $OPT_PLUGSTACK_LINE ]]; then
        [[ $OPT_PLUGSTACK_LINE =~ ^[[:space:]]*(optional|required)([[:space:]]|$) ]] \
            || die "--plugstack-line must start with 'optional' or 'required', e.g. \"required default=on\""
        [[ -n $(plugstack_line) ]] || die "--plugstack-line '$OPT_PLUGSTACK_LINE' names no plugin: add --plugin PATH or put the path in the line"
        local named
        named=$(plugstack_plugin)
        [[ -f $named ]] || die "plugin $named (from --plugstack-line) does not exist: build it first (./build.sh build)"
    fi
}

check_state_dir() {
    [[ $TESTBED_DIR == /* && $TESTBED_DIR != / ]] || die "TESTBED_DIR must be an absolute path other than /"
    # sun_path is 108 bytes; munged's socket (and its lock file) live here.
    ((${#MUNGE_SOCKET_PATH} < 100)) || die "TESTBED_DIR is too long for a Unix socket path; choose a shorter one"
    if [[ -e $TESTBED_DIR && ! -e $MARKER ]] && [[ -n $(ls -A "$TESTBED_DIR" 2>/dev/null) ]]; then
        die "$TESTBED_DIR exists and is not a testbed directory; remove it or set TESTBED_DIR elsewhere"
    fi
}

cmd_start() {
    parse_start_options "$@"
    require_root start
    require_tools
    check_state_dir
    load_config

    local t0 name missing=()
    t0=$(now)
    if [[ -e $CONFIG ]]; then
        for name in $(expected_daemons); do alive "$name" || missing+=("$name"); done
        if ((${#missing[@]} == 0)); then
            reconcile_running
            return 0
        fi
        log "testbed not fully running (down: ${missing[*]}); restarting it from scratch"
    fi

    do_stop 0 quiet
    check_ports_free
    mkdir -p "$TESTBED_DIR"
    chmod 0755 "$TESTBED_DIR"
    touch "$MARKER"
    mkdir -p "$PIDS" "$LOGS" "$ETC" "$TESTBED_DIR/run"
    CFG_NODES=$OPT_NODES CFG_RESTD=$OPT_RESTD CFG_KCM=0
    if kcm_possible; then CFG_KCM=1; else log "no KCM daemon (needs heimdal-kcm and mount namespaces); KCM: ccaches will find no server"; fi
    save_config
    # A failed start leaves nothing running and no users behind, but keeps
    # the logs that say why (the next start or stop removes them).
    trap 'on_start_failure' EXIT

    setup_users
    setup_network
    setup_kdc
    if ((CFG_KCM)); then start_kcm; fi
    setup_munge
    setup_slurm
    if ((OPT_RESTD)); then start_restd; fi
    trap - EXIT
    log "up in $(($(now) - t0))ms: realm $REALM (KDC $(host_addr "$OPT_NODES"):$KDC_PORT), slurmctld :$CTLD_PORT, $OPT_NODES node(s), state in $TESTBED_DIR"
    log "ready: eval \"\$($0 env)\"; $0 run-as alice srun -N1 hostname"
}

on_start_failure() {
    local status=$?
    trap - EXIT
    log "start failed; stopping what was started (logs kept in $LOGS)"
    do_stop 1 quiet || true
    exit "$status"
}

# Ports and the test users are host-wide: a second testbed (another
# TESTBED_DIR) or a site's daemons on our ports would fight over them.
check_ports_free() {
    local port line pid owner
    for port in "$KDC_PORT" "$CTLD_PORT" "$SLURMD_PORT" "$RESTD_PORT" "$PG_PORT" "$DAEMON_PORT"; do
        line=$(ss -Hltunp "sport = :$port" 2>/dev/null | head -n1)
        [[ -n $line ]] || continue
        owner=''
        if [[ $line =~ pid=([0-9]+) ]]; then
            pid=${BASH_REMATCH[1]}
            owner=" by pid $pid: $(proc_lines "$pid" cmdline | paste -sd' ')"
        fi
        die "port $port is already in use$owner. Another testbed (different TESTBED_DIR)? Stop it first with: TESTBED_DIR=<its dir> $0 stop"
    done
}

# Already up: apply what can change without a restart, refuse what cannot.
reconcile_running() {
    local CHANGED=''
    if [[ $CFG_PORT_BASE != "$PORT_BASE" ]]; then
        die "testbed is running on port base $CFG_PORT_BASE; use TESTBED_PORT_BASE=$CFG_PORT_BASE, or '$0 stop' first"
    fi
    if ((OPT_NODES != CFG_NODES)); then
        die "testbed is running with $CFG_NODES node(s); run '$0 stop' first to change --nodes"
    fi
    if ((OPT_CONTAIN != CFG_CONTAIN)); then
        die "testbed is running $( ((CFG_CONTAIN)) && echo with || echo without) PrologFlags=Contain; run '$0 stop' first to change --contain"
    fi
    # save_config after each change, so that status tells the truth if a
    # later one fails.
    if [[ $(plugstack_line) != "$CFG_PLUGSTACK" ]]; then
        # srun/sbatch/salloc and every new slurmstepd read plugstack.conf when
        # they start, so running jobs keep the old plugin and new ones get
        # the new one; slurmd itself only uses it for slurmd_init hooks.
        write_plugstack
        check_plugin_readable
        log "plugstack.conf now: $(plugstack_line | grep . || echo '(empty)')"
        OPT_TICKET_LIFETIME=$CFG_TICKET_LIFETIME OPT_RENEW_LIFETIME=$CFG_RENEW_LIFETIME save_config
        CHANGED+=" plugstack"
    fi
    if [[ $OPT_TICKET_LIFETIME != "$CFG_TICKET_LIFETIME" || $OPT_RENEW_LIFETIME != "$CFG_RENEW_LIFETIME" ]]; then
        log "ticket lifetimes changed to $OPT_TICKET_LIFETIME/$OPT_RENEW_LIFETIME; restarting krb5kdc"
        write_krb5_configs
        set_principal_lifetimes
        # The KDC reads max_life/max_renewable_life only at startup.
        stop_daemon krb5kdc
        start_kdc
        CHANGED+=" lifetimes"
    fi
    save_config
    if ((OPT_RESTD)) && ! ((CFG_RESTD)); then
        start_restd
        CFG_RESTD=1
        save_config
        CHANGED+=" slurmrestd"
    fi
    log "already running${CHANGED:+; applied: ${CHANGED# }}"
}

# ------------------------------------------------------------------ users

setup_users() {
    local u
    if ! id slurm >/dev/null 2>&1; then
        echo slurm >>"$CREATED_SYSUSERS"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin slurm
        log "created system user slurm (the slurm packages normally do)"
    fi
    for u in "${TEST_USERS[@]}"; do
        id "$u" >/dev/null 2>&1 && continue
        getent group "$u" >/dev/null && die "group '$u' exists without user '$u'; userdel would later remove that group, so remove or rename it first"
        # Recorded before useradd: if this script is killed meanwhile,
        # useradd still finishes and stop must still remove the user.
        echo "$u" >>"$CREATED_USERS"
        useradd -m -s /bin/bash "$u"
    done
    if ! id "$GATEWAY_USER" >/dev/null 2>&1; then
        echo "$GATEWAY_USER" >>"$CREATED_SYSUSERS"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$GATEWAY_USER"
    fi
    if ! getent group "$TEST_GROUP" >/dev/null; then
        echo "$TEST_GROUP" >>"$CREATED_GROUPS"
        groupadd "$TEST_GROUP"
    fi
    gpasswd -M "$TEST_GROUP_MEMBERS" "$TEST_GROUP" >/dev/null
    : >"$PASSWORDS"
    chmod 0600 "$PASSWORDS"
    for u in "${TEST_USERS[@]}"; do echo "$u $(random_password)" >>"$PASSWORDS"; done
}

check_plugin_readable() {
    local plugin
    plugin=$(plugstack_plugin)
    [[ -n $plugin ]] || return 0
    # srun loads the plugin as the submitting user, not as root.
    runuser -u alice -- test -r "$plugin" \
        || log "warning: alice cannot read $plugin (or a parent directory); srun/sbatch will fail to load it"
}

# ---------------------------------------------------------------- network

setup_network() {
    ((OPT_NODES > 1)) || return 0
    command -v ip >/dev/null || die "--nodes 2 needs 'ip' (apt-get install iproute2)"
    if network_is_stale; then
        log "removing a stale $BRIDGE / sn-node* network left by an earlier testbed"
        teardown_network
    fi
    if ip -br addr | grep -q " $NET_PREFIX\."; then
        die "$NET_PREFIX.0/24 is already used on this host (ip -br addr); another two-node testbed? stop it first (TESTBED_DIR=<its dir> $0 stop)"
    fi
    # 'ip netns add' creates /run/netns and bind-mounts it on itself; undo
    # that at stop only if it was not there before.
    if [[ -d /run/netns ]]; then echo netns >"$CREATED_NET"; else echo netns+run-netns >"$CREATED_NET"; fi
    ip link add "$BRIDGE" type bridge
    ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    local n ns veth
    for n in $(node_names "$OPT_NODES"); do
        ns=sn-$n veth=sn-veth${n#node}
        ip netns add "$ns"
        ip link add "$veth" type veth peer name eth0 netns "$ns"
        ip link set "$veth" master "$BRIDGE"
        ip link set "$veth" up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "$NET_PREFIX.$((10 + ${n#node}))/24" dev eth0
        ip -n "$ns" link set eth0 up
    done
}

teardown_network() {
    local n
    for n in node1 node2; do
        ip netns del "sn-$n" 2>/dev/null || true
        ip link del "sn-veth${n#node}" 2>/dev/null || true
    done
    ip link del "$BRIDGE" 2>/dev/null || true
}

# -------------------------------------------------------------------- KDC

write_krb5_configs() {
    local addr listen
    addr=$(host_addr "$OPT_NODES")
    listen=127.0.0.1:$KDC_PORT
    ((OPT_NODES > 1)) && listen+=", $BRIDGE_ADDR:$KDC_PORT"
    render "$TEMPLATES/kdc.conf.in" "$KDC_CONF_FILE" DIR="$TESTBED_DIR" REALM="$REALM" \
        KDC_PORT="$KDC_PORT" KDC_LISTEN="$listen" \
        TICKET_LIFETIME="$OPT_TICKET_LIFETIME" RENEW_LIFETIME="$OPT_RENEW_LIFETIME"
    render "$TEMPLATES/krb5.conf.in" "$KRB5_CONF_FILE" REALM="$REALM" KDC_ADDR="$addr" \
        KDC_PORT="$KDC_PORT" TICKET_LIFETIME="$OPT_TICKET_LIFETIME" RENEW_LIFETIME="$OPT_RENEW_LIFETIME" \
        KCM_SOCKET="$KCM_SOCKET"
    chmod 0644 "$KDC_CONF_FILE" "$KRB5_CONF_FILE"
}

kadmin() {
    local out
    out=$(KRB5_CONFIG=$KRB5_CONF_FILE KRB5_KDC_PROFILE=${KADMIN_PROFILE:-$KDC_CONF_FILE} kadmin.local -r "$REALM" -q "$1" 2>&1) \
        || die "kadmin.local '$1' failed: $out"
    # kadmin.local exits 0 even when the query fails.
    if grep -qiE 'error|cannot|not found|failed|denied' <<<"$out"; then
        die "kadmin.local '$1' failed: $out"
    fi
}

set_principal_lifetimes() {
    local p
    # The ticket's life is the minimum over client, krbtgt and realm limits,
    # so the krbtgt needs them too or renewals are silently refused.
    for p in "krbtgt/$REALM@$REALM" "${TEST_USERS[@]}" host/localhost "$GATEWAY_PRINCIPAL"; do
        kadmin "modprinc -maxlife $OPT_TICKET_LIFETIME -maxrenewlife $OPT_RENEW_LIFETIME +allow_renewable +allow_forwardable $p"
    done
}

setup_kdc() {
    mkdir -p "$TESTBED_DIR/krb5"
    chmod 0700 "$TESTBED_DIR/krb5"
    echo "*/admin@$REALM *" >"$TESTBED_DIR/krb5/kadm5.acl"
    write_krb5_configs
    local out u
    out=$(KRB5_CONFIG=$KRB5_CONF_FILE KRB5_KDC_PROFILE=$KDC_CONF_FILE \
        kdb5_util create -s -r "$REALM" -P "$(random_password)" 2>&1) \
        || die "kdb5_util create failed: $out"
    for u in "${TEST_USERS[@]}"; do
        kadmin "addprinc -pw $(user_password "$u") $u"
    done
    kadmin "addprinc -randkey host/localhost"
    kadmin "ktadd -k $HOST_KEYTAB host/localhost"
    chmod 0600 "$HOST_KEYTAB"
    # The gateway's own service key, which proves KDC replies genuine; only it reads it.
    kadmin "addprinc -randkey $GATEWAY_PRINCIPAL"
    kadmin "ktadd -k $GATEWAY_KEYTAB $GATEWAY_PRINCIPAL"
    chown "$GATEWAY_USER:$GATEWAY_USER" "$GATEWAY_KEYTAB"
    chmod 0400 "$GATEWAY_KEYTAB"
    set_principal_lifetimes
    start_kdc
}

start_kdc() {
    launch krb5kdc krb5kdc -n -r "$REALM" -P "$TESTBED_DIR/run/krb5kdc.pid"
    wait_until 10 krb5kdc "KDC listening on 127.0.0.1:$KDC_PORT" \
        eval "ss -Hltn 'sport = :$KDC_PORT' | grep -q ."
    # A real AS exchange proves the database, keys and listener all work.
    local out
    out=$(user_password alice | KRB5_CONFIG=$KRB5_CONF_FILE KRB5CCNAME=MEMORY:probe \
        timeout 10 kinit alice 2>&1) \
        || fail_with_logs "kinit alice against the new KDC failed: $out" krb5kdc
}

# ------------------------------------------------------------------ kcm

# A KCM daemon, so that users' KCM: ccaches (what sssd-kcm gives many sites)
# are tested against a real one. MIT's client speaks to Heimdal's kcm. Optional:
# without heimdal-kcm, or where a mount namespace is not allowed (a container
# without CAP_SYS_ADMIN), the rest of the cluster still starts, and KCM: ccaches
# find no server.
kcm_possible() {
    command -v kcm >/dev/null && command -v unshare >/dev/null \
        && unshare --mount --propagation private true 2>/dev/null
}

start_kcm() {
    mkdir -p "$KCM_DIR"
    chmod 0755 "$KCM_DIR"
    # --config-file also puts $TESTBED_DIR in kcm's command line, which is how
    # stray_daemons tells this testbed's kcm from anybody else's.
    # shellcheck disable=SC2016 # $1 and $2 are the inner sh's arguments
    launch kcm unshare --mount --propagation private \
        sh -c 'mount --bind "$1" /run && exec kcm --config-file="$2"' kcm "$KCM_DIR" "$KRB5_CONF_FILE"
    wait_until 10 kcm "kcm listening on $KCM_SOCKET" test -S "$KCM_SOCKET"
}

# ------------------------------------------------------------------ munge

setup_munge() {
    mkdir -p "$MUNGE_DIR"
    head -c 1024 /dev/urandom >"$MUNGE_DIR/munge.key"
    chmod 0400 "$MUNGE_DIR/munge.key"
    # munged refuses keys, sockets and logs that anybody but its own user
    # could tamper with, so the directory belongs to munge (0755: clients
    # of every user must reach the socket).
    local user=munge
    touch "$LOGS/munged.log"
    chmod 0640 "$LOGS/munged.log"
    if id munge >/dev/null 2>&1; then
        chown -R munge:munge "$MUNGE_DIR" "$LOGS/munged.log"
    else
        user=root
    fi
    chmod 0755 "$MUNGE_DIR"
    local args=(munged --foreground --key-file="$MUNGE_DIR/munge.key" --socket="$MUNGE_SOCKET_PATH"
        --pid-file="$MUNGE_DIR/munged.pid" --log-file="$LOGS/munged.log"
        --seed-file="$MUNGE_DIR/munged.seed")
    if [[ $user == munge ]]; then
        launch munged setpriv --reuid=munge --regid=munge --init-groups "${args[@]}"
        if ! wait_munge 2>/dev/null; then
            log "munged as user munge failed ($(tail -n1 "$LOGS/munged.out" 2>/dev/null)); retrying as root --force"
            stop_daemon munged
            chown -R root:root "$MUNGE_DIR" "$LOGS/munged.log"
            user=root
        fi
    fi
    if [[ $user == root ]]; then
        launch munged "${args[@]}" --force
        (wait_munge) || fail_with_logs "munged did not start" munged
    fi
}

wait_munge() {
    ( wait_until 10 munged "munge -n | unmunge through $MUNGE_SOCKET_PATH" \
        eval "munge -n --socket='$MUNGE_SOCKET_PATH' | unmunge --socket='$MUNGE_SOCKET_PATH'" )
}

# ------------------------------------------------------------------ slurm

write_plugstack() {
    local line
    line=$(plugstack_line)
    {
        echo "# Generated by testbed.sh; rewritten by 'testbed.sh start --plugin ...'."
        [[ -z $line ]] || echo "$line"
    } >"$PLUGSTACK_FILE.new"
    chmod 0644 "$PLUGSTACK_FILE.new"
    # Renamed into place: a job starting right now reads the old file or the
    # new one, never half of one.
    mv -f "$PLUGSTACK_FILE.new" "$PLUGSTACK_FILE"
}

setup_slurm() {
    local n nodes='' node_list cpus mem
    cpus=$(nproc)
    # Small enough for any container; config_overrides keeps the node up even
    # if the machine reports less.
    mem=$(awk '/^MemTotal:/ {m = int($2 / 1024 / 2); print (m > 2048 ? 2048 : m); exit}' /proc/meminfo)
    for n in $(node_names "$OPT_NODES"); do
        nodes+="NodeName=$n NodeAddr=$(CFG_NODES=$OPT_NODES node_addr "$n") CPUs=$cpus RealMemory=$mem State=UNKNOWN"$'\n'
    done
    node_list=$(node_names "$OPT_NODES" | paste -sd,)
    render "$TEMPLATES/slurm.conf.in" "$SLURM_CONF_FILE" DIR="$TESTBED_DIR" \
        CTLD_ADDR="$(host_addr "$OPT_NODES")" CTLD_PORT="$CTLD_PORT" SLURMD_PORT="$SLURMD_PORT" \
        MUNGE_SOCKET="$MUNGE_SOCKET_PATH" NODES="${nodes%$'\n'}" NODE_LIST="$node_list" \
        PROLOG_FLAGS="$( ((OPT_CONTAIN)) && echo 'PrologFlags=Contain' || echo '# PrologFlags: none (start --contain for an extern step in every job)')"
    chmod 0644 "$SLURM_CONF_FILE"
    write_plugstack
    check_plugin_readable

    # slurmctld validates tokens with this key. As Slurm documents it: owned by
    # SlurmUser, nothing for others; the gateway, which signs with it, reads it
    # through the key's group.
    head -c 32 /dev/urandom >"$JWT_KEY"
    chown "slurm:$GATEWAY_USER" "$JWT_KEY"
    chmod 0640 "$JWT_KEY"

    mkdir -p "$TESTBED_DIR/slurm/state" "$TESTBED_DIR/slurm/spool"
    chown slurm:slurm "$TESTBED_DIR/slurm/state"
    chmod 0700 "$TESTBED_DIR/slurm/state"
    for n in $(node_names "$OPT_NODES"); do mkdir -p "$TESTBED_DIR/slurm/spool/$n"; done
    # slurmctld drops to SlurmUser after opening these; make them its own.
    touch "$LOGS/slurmctld.log"
    chown slurm:slurm "$LOGS/slurmctld.log"

    # -c: a fresh start never resumes jobs of an earlier testbed.
    launch slurmctld slurmctld -D -c -f "$SLURM_CONF_FILE"
    wait_until 20 slurmctld "slurmctld answering on port $CTLD_PORT" \
        eval "SLURM_CONF='$SLURM_CONF_FILE' scontrol ping | grep -q 'is UP'"

    for n in $(node_names "$OPT_NODES"); do
        if ((OPT_NODES > 1)); then
            # nsenter, not 'ip netns exec': the latter also gives the process
            # a private /sys without /sys/fs/cgroup, and slurmd refuses to
            # start without its cgroup plugin.
            launch "slurmd-$n" nsenter --net="/run/netns/sn-$n" slurmd -D -N "$n" -f "$SLURM_CONF_FILE"
        else
            launch "slurmd-$n" slurmd -D -N "$n" -f "$SLURM_CONF_FILE"
        fi
    done
    for n in $(node_names "$OPT_NODES"); do
        wait_until 30 "slurmd-$n" "sinfo shows $n idle" all_nodes_idle "$n"
    done

    # End-to-end: munge credentials, job launch, the user's identity on the
    # node and (if configured) the SPANK plugin loading in srun and stepd.
    local out
    out=$(cd /tmp && SLURM_CONF=$SLURM_CONF_FILE KRB5_CONFIG=$KRB5_CONF_FILE \
        timeout 30 runuser -u alice -- srun -N"$OPT_NODES" true 2>&1) \
        || fail_with_logs "'srun -N$OPT_NODES true' as alice failed: $out" "slurmd-node1"
}

all_nodes_idle() {
    local states
    states=$(SLURM_CONF=$SLURM_CONF_FILE sinfo -h -N -n "$1" -o '%T') || return 1
    [[ $states == idle ]]
}

# ------------------------------------------------------------- slurmrestd

start_restd() {
    command -v slurmrestd >/dev/null || die "--restd needs slurmrestd (apt-get install slurmrestd)"
    # slurmrestd refuses to run as root or SlurmUser: give it its own user.
    if ! id "$RESTD_USER" >/dev/null 2>&1; then
        echo "$RESTD_USER" >>"$CREATED_SYSUSERS"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RESTD_USER"
    fi
    ON_FAIL_STOP=slurmrestd
    # Only the Slurm API plugins: the dbv0.0.* ones (before 23.02) and
    # openapi/slurmdbd need slurmdbd, which the testbed does not run, and make
    # slurmrestd exit at startup. Slurm 22.05 has one openapi plugin per API
    # version; from 23.02 on one plugin serves every data-parser version.
    local specs plugins
    plugins=$(setpriv --reuid="$RESTD_USER" --regid="$RESTD_USER" --init-groups \
        slurmrestd -f "$SLURM_CONF_FILE" -s list 2>&1 || true)
    if grep -q 'openapi/slurmctld' <<<"$plugins"; then
        specs=openapi/slurmctld
    else
        specs=$(grep -o 'openapi/v0\.0\.[0-9]*' <<<"$plugins" | sort -u | paste -sd, - || true)
        [[ -n $specs ]] || specs=openapi/v0.0.38,openapi/v0.0.37,openapi/v0.0.36
    fi
    # SLURM_JWT=daemon makes slurmrestd talk to slurmctld with each request's
    # token (auth/jwt) instead of its own munge identity, which slurmctld
    # would refuse to let act for another user.
    launch slurmrestd setpriv --reuid="$RESTD_USER" --regid="$RESTD_USER" --init-groups \
        env SLURM_JWT=daemon slurmrestd -f "$SLURM_CONF_FILE" -a rest_auth/jwt \
        -s "$specs" "127.0.0.1:$RESTD_PORT"
    wait_until 15 slurmrestd "slurmrestd listening on 127.0.0.1:$RESTD_PORT" \
        eval "ss -Hltn 'sport = :$RESTD_PORT' | grep -q ."
    local token out api
    token=$(SLURM_CONF=$SLURM_CONF_FILE scontrol token username=alice lifespan=300) \
        || fail_with_logs "scontrol token username=alice failed" slurmctld
    token=${token#SLURM_JWT=}
    # The newest API version slurmrestd's own OpenAPI document lists, for the
    # probe here and for tests that call slurmrestd directly.
    out=$(curl -sS --max-time 10 -H "X-SLURM-USER-NAME: alice" -H "X-SLURM-USER-TOKEN: $token" \
        "http://127.0.0.1:$RESTD_PORT/openapi/v3" 2>&1) \
        || fail_with_logs "GET /openapi/v3 failed: ${out:0:500}" slurmrestd
    # 22.05 writes the paths with escaped slashes ("\/slurm\/v0.0.38\/diag").
    api=$(tr -d '\\' <<<"$out" | grep -o '"/slurm/v0\.0\.[0-9]*/diag/*"' | grep -o 'v0\.0\.[0-9]*' | sort -t. -k3,3n | tail -1 || true)
    [[ -n $api ]] || fail_with_logs "slurmrestd's /openapi/v3 lists no /slurm/v0.0.*/diag: ${out:0:500}" slurmrestd
    echo "$api" >"$ETC/slurmrestd-api"
    out=$(curl -sS --max-time 10 -H "X-SLURM-USER-NAME: alice" -H "X-SLURM-USER-TOKEN: $token" \
        "http://127.0.0.1:$RESTD_PORT/slurm/$api/diag" 2>&1) \
        || fail_with_logs "GET /slurm/$api/diag failed: $out" slurmrestd
    grep -q '"statistics"' <<<"$out" \
        || fail_with_logs "GET /slurm/$api/diag returned no statistics: ${out:0:500}" slurmrestd
    log "slurmrestd serves API $api"
    ON_FAIL_STOP=
}

# ------------------------------------------------------------------- jwks

cmd_jwks() {
    local path=${1:-}
    [[ -n $path ]] || die "usage: $0 jwks PATH (a published JWKS, e.g. from 'slurmnative jwt rsa publish')"
    require_root jwks
    load_config
    alive slurmctld || die "the testbed is not running; start it first"
    [[ -f $path ]] || die "jwks: $path: no such file"
    path=$(realpath "$path")
    runuser -u slurm -- test -r "$path" \
        || die "jwks: slurmctld runs as slurm, which cannot read $path; make it (and its directories) readable"
    sed -i "s|^AuthAltParameters=.*|AuthAltParameters=jwks=$path,jwt_key=$JWT_KEY|" "$SLURM_CONF_FILE"
    stop_daemon slurmctld
    # No -c: the restart keeps the jobs and node states slurmctld saved.
    launch slurmctld slurmctld -D -f "$SLURM_CONF_FILE"
    wait_until 20 slurmctld "slurmctld answering on port $CTLD_PORT" \
        eval "SLURM_CONF='$SLURM_CONF_FILE' scontrol ping | grep -q 'is UP'"
    log "slurmctld restarted; it verifies RS256 tokens with $path"
}

# ------------------------------------------------------------------- stop

# do_stop KEEP [quiet]: safe on a half-started or already stopped testbed.
do_stop() {
    local keep=$1 quiet=${2:-}
    [[ -d $TESTBED_DIR ]] || { [[ $quiet ]] || log "nothing to stop ($TESTBED_DIR does not exist)"; teardown_network_if_ours; return 0; }
    [[ -e $MARKER ]] || { [[ -z $(ls -A "$TESTBED_DIR") ]] && return 0; die "$TESTBED_DIR is not a testbed directory; refusing to touch it"; }
    load_config

    # Cancel jobs first so slurmstepd and the plugin run their exit paths
    # (ccache removal), as they would in production.
    if alive slurmctld; then
        local jobs
        jobs=$(SLURM_CONF=$SLURM_CONF_FILE timeout 10 squeue -h -o %A 2>/dev/null || true)
        if [[ -n $jobs ]]; then
            # shellcheck disable=SC2086
            SLURM_CONF=$SLURM_CONF_FILE timeout 10 scancel $jobs 2>/dev/null || true
            local deadline=$(($(now) + 10000))
            while [[ -n $(our_stepds) ]] && (($(now) < deadline)); do sleep 0.2; done
        fi
    fi

    local name f
    stop_daemon slurmrestd
    for f in "$PIDS"/slurmd-*; do
        if [[ -e $f ]]; then stop_daemon "${f##*/}"; fi
    done
    stop_daemon slurmctld
    # Steps that outlived slurmd, and their tasks.
    local stepds
    stepds=$(our_stepds)
    if [[ -n $stepds ]]; then
        # shellcheck disable=SC2046,SC2086
        terminate $(descendants $stepds)
    fi
    stop_credential_daemons
    stop_postgres
    stop_daemon krb5kdc-rogue
    stop_daemon munged-2
    stop_daemon munged
    stop_daemon kcm
    stop_daemon krb5kdc
    local strays
    strays=$(stray_daemons)
    if [[ -n $strays ]]; then
        log "stopping leftover testbed processes: $strays"
        # shellcheck disable=SC2086
        terminate $strays
    fi

    remove_created_users
    teardown_network_if_ours
    wait_reaped
    rm -f "$PIDS"/* 2>/dev/null || true

    if ((keep)); then
        rm -f "$CONFIG"
        [[ $quiet ]] || log "stopped; kept $TESTBED_DIR"
    else
        rm -rf "$TESTBED_DIR"
        [[ $quiet ]] || log "stopped; removed $TESTBED_DIR"
    fi
}

# The sn-* names are ours by convention: a bridge or namespace left by a
# testbed whose state directory was removed by hand is cleaned up, but only
# when no process runs in those namespaces (else it belongs to a live
# testbed with another TESTBED_DIR).
network_is_stale() {
    local n
    ip link show "$BRIDGE" >/dev/null 2>&1 || ip netns list 2>/dev/null | grep -qE '^sn-node[12]\b' || return 1
    for n in node1 node2; do
        [[ -z $(ip netns pids "sn-$n" 2>/dev/null) ]] || return 1
    done
}

teardown_network_if_ours() {
    if [[ -e $CREATED_NET ]] || network_is_stale; then
        teardown_network
        if grep -qs run-netns "$CREATED_NET" && [[ -z $(ls -A /run/netns 2>/dev/null) ]]; then
            local i
            for i in 1 2 3; do
                if mountpoint -q /run/netns; then umount /run/netns || true; fi
            done
            rmdir /run/netns 2>/dev/null || true
        fi
        rm -f "$CREATED_NET"
    fi
}

remove_created_users() {
    local u uid pids
    if [[ -r $CREATED_USERS ]]; then
        while read -r u; do
            [[ -n $u ]] || continue
            uid=$(id -u "$u" 2>/dev/null) || continue
            # userdel refuses users with processes (a test's stray srun,
            # a task that outlived its step).
            pids=$(pids_of_uid "$uid")
            # shellcheck disable=SC2086
            [[ -n $pids ]] && terminate $pids
            # Their ccaches would otherwise be inherited by the next user
            # that gets this uid.
            find /tmp -maxdepth 1 -user "$uid" -name "krb5cc_${uid}*" -delete 2>/dev/null || true
            userdel -r "$u" 2>/dev/null || userdel -f -r "$u" 2>/dev/null || log "warning: could not remove user $u"
        done <"$CREATED_USERS"
        rm -f "$CREATED_USERS"
    fi
    if [[ -r $CREATED_SYSUSERS ]]; then
        while read -r u; do
            if [[ -z $u ]] || ! id "$u" >/dev/null 2>&1; then continue; fi
            uid=$(id -u "$u")
            pids=$(pids_of_uid "$uid")
            # shellcheck disable=SC2086
            [[ -n $pids ]] && terminate $pids
            userdel "$u" 2>/dev/null || log "warning: could not remove system user $u"
        done <"$CREATED_SYSUSERS"
        rm -f "$CREATED_SYSUSERS"
    fi
    if [[ -r $CREATED_GROUPS ]]; then
        while read -r u; do
            [[ -n $u ]] || continue
            getent group "$u" >/dev/null || continue
            groupdel "$u" 2>/dev/null || log "warning: could not remove group $u"
        done <"$CREATED_GROUPS"
        rm -f "$CREATED_GROUPS"
    fi
}

cmd_stop() {
    local keep=0
    while (($#)); do
        case $1 in
            --keep) keep=1; shift ;;
            *) die "stop: unknown option '$1' (only --keep)" ;;
        esac
    done
    require_root stop
    [[ $TESTBED_DIR == /* && $TESTBED_DIR != / ]] || die "TESTBED_DIR must be an absolute path other than /"
    local t0
    t0=$(now)
    do_stop "$keep"
    log "stop took $(($(now) - t0))ms"
}

# ---------------------------------------------------------- status / env

cmd_status() {
    [[ -e $CONFIG ]] || { echo "testbed: not running ($TESTBED_DIR has no testbed)"; return 3; }
    load_config
    local name up=0 total=0
    for name in $(expected_daemons); do
        total=$((total + 1))
        if alive "$name"; then
            up=$((up + 1))
            printf '%-14s running (pid %s)\n' "$name" "$(pid_of "$name")"
        else
            printf '%-14s stopped\n' "$name"
        fi
    done
    ((CFG_KCM)) || printf '%-14s not available (apt-get install heimdal-kcm; needs mount namespaces)\n' kcm
    ((CFG_RESTD)) || printf '%-14s not requested (start --restd)\n' slurmrestd
    printf '%-14s %s\n' plugstack "${CFG_PLUGSTACK:-(empty)}"
    printf '%-14s ticket %s, renewable %s\n' lifetimes "$CFG_TICKET_LIFETIME" "$CFG_RENEW_LIFETIME"
    if alive slurmctld; then
        SLURM_CONF=$SLURM_CONF_FILE timeout 10 sinfo -N -o '%N %T' 2>/dev/null | sed 1d | sed 's/^/  /' || true
    fi
    ((up == total)) && return 0
    ((up == 0)) && return 3
    return 1
}

cmd_env() {
    load_config
    [[ -e $CONFIG ]] || log "warning: testbed not started; these paths will not exist yet"
    local kv
    for kv in \
        TESTBED_DIR="$TESTBED_DIR" \
        TESTBED_PORT_BASE="$PORT_BASE" \
        SLURM_CONF="$SLURM_CONF_FILE" \
        KRB5_CONFIG="$KRB5_CONF_FILE" \
        KRB5_KDC_PROFILE="$KDC_CONF_FILE" \
        MUNGE_SOCKET="$MUNGE_SOCKET_PATH" \
        TESTBED_REALM="$REALM" \
        TESTBED_ADDR="$(host_addr)" \
        TESTBED_KDC="$(host_addr):$KDC_PORT" \
        TESTBED_NODES="$(node_names | paste -sd,)" \
        TESTBED_PASSWORDS="$PASSWORDS" \
        TESTBED_HOST_KEYTAB="$HOST_KEYTAB" \
        TESTBED_GATEWAY_KEYTAB="$GATEWAY_KEYTAB" \
        TESTBED_GATEWAY_PRINCIPAL="$GATEWAY_PRINCIPAL@$REALM" \
        TESTBED_JWT_KEY="$JWT_KEY"; do
        printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
    done
    if ((CFG_RESTD)); then
        printf 'export TESTBED_RESTD_URL=%q\n' "http://127.0.0.1:$RESTD_PORT"
    fi
    if alive postgres; then
        printf 'export TESTBED_PG=%q\n' "$(postgres_connection 127.0.0.1)"
        printf 'export TESTBED_PG_PASSWORD_FILE=%q\n' "$PG_PASSWORD"
    fi
    return 0
}

# ------------------------------------------------------- run-as / kinit

check_user() {
    [[ -n ${1:-} ]] || die "missing USER"
    id "$1" >/dev/null 2>&1 || die "no such user '$1'; is the testbed started? run: $0 start"
}

# Jobs run in the submitting directory and sbatch writes slurm-<id>.out
# there: move to the user's home unless the user can write the current
# directory (root's cwd, e.g. /root or the repository, usually is not).
cd_for_user() {
    runuser -u "$1" -- test -w "$PWD" -a -x "$PWD" 2>/dev/null \
        || cd "$(getent passwd "$1" | cut -d: -f6)" 2>/dev/null || cd /tmp
}

cmd_run_as() {
    require_root run-as
    local user=${1:-}
    check_user "$user"
    shift
    (($#)) || die "usage: $0 run-as USER CMD..."
    cd_for_user "$user"
    exec runuser -u "$user" -- env PATH="$PATH" SLURM_CONF="$SLURM_CONF_FILE" KRB5_CONFIG="$KRB5_CONF_FILE" "$@"
}

cmd_kinit() {
    require_root kinit
    local user=${1:-} pw
    check_user "$user"
    shift
    pw=$(user_password "$user")
    cd_for_user "$user"
    # MIT kinit reads the password from stdin when it is not a terminal.
    printf '%s\n' "$pw" | runuser -u "$user" -- env KRB5_CONFIG="$KRB5_CONF_FILE" \
        kinit "$@" "$user@$REALM" >/dev/null
}

# The credential daemon belongs to SlurmNative, not to the cluster: it starts
# on request, after the cluster, so the plain testbed stays what Slurm sites run.
cmd_daemon() {
    require_root daemon
    [[ -e $CONFIG ]] || die "the testbed is not running; start it first: $0 start"
    load_config
    local extra=() store=sqlite count=1 repo bin cli dir i
    while (($#)); do
        case $1 in
            --set) [[ ${2:-} == *=* ]] || die "daemon: --set needs KEY=VALUE"; extra+=("${2%%=*} = ${2#*=}"); shift 2 ;;
            --store) store=${2:-}; shift 2 || die "daemon: --store needs sqlite or postgresql" ;;
            --count) count=${2:-}; shift 2 || die "daemon: --count needs 1 or 2" ;;
            *) die "daemon: unknown option '$1' (--store sqlite|postgresql, --count 1|2, --set KEY=VALUE)" ;;
        esac
    done
    [[ $store == sqlite || $store == postgresql ]] || die "daemon: --store must be sqlite or postgresql"
    [[ $count == 1 || $count == 2 ]] || die "daemon: --count must be 1 or 2"
    ((count == 1)) || [[ $store == postgresql ]] || die "daemon: two daemons need a store they can share: --store postgresql"
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    bin=$repo/src/SlurmNative.Daemon/bin/Release/net10.0/slurmnatived
    cli=$repo/src/SlurmNative.Cli/bin/Release/net10.0/slurmnative
    [[ -x $bin && -x $cli ]] || die "slurmnatived or slurmnative is not built; run: $repo/build.sh build"
    dir=$TESTBED_DIR/slurmnative
    stop_credential_daemons
    rm -rf "$dir"
    mkdir -p "$dir/state"
    chmod 0755 "$dir"
    chmod 0700 "$dir/state"
    local store_lines=()
    if [[ $store == postgresql ]]; then
        postgres_start >/dev/null
        reset_postgres_database
        install -m 0600 "$PG_PASSWORD" "$dir/store.password"
        store_lines=("store = postgresql:$(postgres_connection "$(host_addr "$CFG_NODES")")" "store_password_file = $dir/store.password")
    else
        store_lines=("database = $dir/state/credentials.db")
    fi
    # Daemon i listens on node i's address with two nodes (a real hop over the bridge),
    # else on loopback, each on a port of its own.
    local addrs=() ports=() servers=()
    for ((i = 1; i <= count; i++)); do
        if ((CFG_NODES > 1 && count > 1)); then
            addrs+=("$(node_addr "node$i")") ports+=("$DAEMON_PORT")
        elif ((CFG_NODES > 1)); then
            addrs+=("$(host_addr)") ports+=("$DAEMON_PORT")
        else
            addrs+=(127.0.0.1) ports+=($((DAEMON_PORT + i - 1)))
        fi
        servers+=("${addrs[i - 1]}:${ports[i - 1]}")
    done
    # What every client reads (plugin, CLI), and with one daemon the daemon too.
    write_daemon_config "$dir/slurmnative.conf" "$(IFS=,; echo "${servers[*]}" | sed 's/,/, /g')" "${addrs[0]}:${ports[0]}" \
        "$TESTBED_DIR/munge/munge.socket" "${store_lines[@]}" "${extra[@]}"
    "$cli" --config "$dir/slurmnative.conf" keygen >/dev/null
    if ((count == 1)); then
        start_credential_daemon slurmnatived "$dir/slurmnative.conf" "${addrs[0]}" "${ports[0]}" ""
    else
        local munge_socket
        for ((i = 1; i <= count; i++)); do
            # Each daemon host has its own munged in a real cluster (same key, own replay
            # cache): a request a dying daemon had decoded is still good at the next one.
            munge_socket=$TESTBED_DIR/munge/munge.socket
            ((i == 1)) || munge_socket=$(start_extra_munged "$i")
            write_daemon_config "$dir/daemon-$i.conf" "${servers[i - 1]}" "${addrs[i - 1]}:${ports[i - 1]}" \
                "$munge_socket" "${store_lines[@]}" "${extra[@]}"
            local netns=""
            ((CFG_NODES > 1)) && netns=/run/netns/sn-node$i
            start_credential_daemon "slurmnatived-$i" "$dir/daemon-$i.conf" "${addrs[i - 1]}" "${ports[i - 1]}" "$netns"
        done
    fi
    echo "$dir/slurmnative.conf"
}

# write_daemon_config FILE SERVERS LISTEN MUNGE_SOCKET [LINE...]
write_daemon_config() {
    local file=$1 servers=$2 listen=$3 munge_socket=$4 dir=$TESTBED_DIR/slurmnative
    shift 4
    {
        echo "# slurmnatived and its clients (plugin, CLI) on this testbed"
        echo "servers = $servers"
        echo "listen = $listen"
        echo "key_file = $dir/keys"
        echo "acl_file = $dir/acl.conf"
        echo "munge_socket = $munge_socket"
        echo "slurm_conf = $SLURM_CONF_FILE"
        printf '%s\n' "$@" | awk -F' = ' '!seen[$1]++'
    } >"$file"
    chmod 0644 "$file"
}

# start_credential_daemon NAME CONFIG ADDR PORT NETNS
start_credential_daemon() {
    local name=$1 config=$2 addr=$3 port=$4 netns=$5 bin
    bin=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src/SlurmNative.Daemon/bin/Release/net10.0/slurmnatived
    # Each start gets a log of its own: tests read what this daemon did, not an earlier one.
    : >"$LOGS/$name.out"
    if [[ -n $netns ]]; then
        launch "$name" nsenter --net="$netns" "$bin" --config "$config"
        wait_until 20 "$name" "$name to listen on $addr:$port" \
            sh -c "nsenter --net='$netns' ss -Hltn 'sport = :$port' | grep -q ."
    else
        launch "$name" "$bin" --config "$config"
        wait_until 20 "$name" "$name to listen on $addr:$port" \
            sh -c "ss -Hltn 'sport = :$port' | grep -q ."
    fi
    log "$name up on $addr:$port (log $LOGS/$name.out)"
}

stop_credential_daemons() {
    local f
    stop_daemon slurmnatived
    for f in "$PIDS"/slurmnatived-*; do
        if [[ -e $f ]]; then stop_daemon "${f##*/}"; fi
    done
    stop_daemon munged-2
}

# start_extra_munged N: a second munged with the cluster's key and a socket of its own; prints the socket.
start_extra_munged() {
    local n=$1 mdir=$TESTBED_DIR/munge-$1 user=munge
    stop_daemon "munged-$n"
    rm -rf "$mdir"
    mkdir -p "$mdir"
    install -m 0400 "$MUNGE_DIR/munge.key" "$mdir/munge.key"
    touch "$LOGS/munged-$n.log"
    chmod 0640 "$LOGS/munged-$n.log"
    [[ $(stat -c %U "$MUNGE_DIR") == munge ]] || user=root
    chown -R "$user:$user" "$mdir" "$LOGS/munged-$n.log"
    chmod 0755 "$mdir"
    local args=(munged --foreground --key-file="$mdir/munge.key" --socket="$mdir/munge.socket"
        --pid-file="$mdir/munged.pid" --log-file="$LOGS/munged-$n.log" --seed-file="$mdir/munged.seed")
    if [[ $user == munge ]]; then
        launch "munged-$n" setpriv --reuid=munge --regid=munge --init-groups "${args[@]}"
    else
        launch "munged-$n" "${args[@]}" --force
    fi
    wait_until 10 "munged-$n" "munged-$n answering on $mdir/munge.socket" \
        eval "munge -n --socket='$MUNGE_SOCKET_PATH' | unmunge --socket='$mdir/munge.socket'"
    echo "$mdir/munge.socket"
}

# ------------------------------------------------------------- postgresql

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    [[ -x $dir/initdb && -x $dir/pg_ctl ]] || die "PostgreSQL is not installed: apt-get install postgresql (./build.sh deps does)"
    echo "$dir"
}

# postgres_connection HOST: the daemons' connection string (the password is in a file).
postgres_connection() { echo "Host=$1;Port=$PG_PORT;Database=$PG_ROLE;Username=$PG_ROLE"; }

# as_postgres CMD...: as the postgres user, from a directory it may enter, holding none of our descriptors.
as_postgres() {
    (
        cd /
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec runuser -u postgres -- "$@"
    )
}

psql_admin() { as_postgres "$(pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR/run" -p "$PG_PORT" -d postgres "$@"; }

postgres_running() { alive postgres && as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

record_postgres_pid() { head -n1 "$PG_DATA/postmaster.pid" >"$PIDS/postgres"; }

postgres_start() {
    [[ -e $CONFIG ]] || die "the testbed is not running; start it first: $0 start"
    load_config
    local bin listen
    bin=$(pg_bin)
    if ! postgres_running; then
        id postgres >/dev/null 2>&1 || die "no postgres user: apt-get install postgresql"
        rm -rf "$PG_DIR"
        mkdir -p "$PG_DIR/data" "$PG_DIR/run"
        chown -R postgres:postgres "$PG_DIR"
        chmod 0700 "$PG_DIR/data"
        touch "$LOGS/postgresql.log"
        chown postgres:postgres "$LOGS/postgresql.log"
        as_postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
            --encoding=UTF8 --locale=C.UTF-8 >"$LOGS/postgresql-initdb.out" 2>&1 \
            || fail_with_logs "initdb failed" postgresql-initdb
        listen=127.0.0.1
        ((CFG_NODES > 1)) && listen+=",$BRIDGE_ADDR"
        # Durable commits (fsync, synchronous_commit) stay at PostgreSQL's defaults: the
        # daemon refuses a server that would acknowledge what it has not written.
        cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '$listen'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/run'
max_connections = 200
CONF
        printf 'local all postgres peer\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all %s.0/24 scram-sha-256\n' "$NET_PREFIX" >"$PG_DATA/pg_hba.conf"
        as_postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$LOGS/postgresql.log" -w -t 30 start >/dev/null \
            || fail_with_logs "PostgreSQL did not start" postgresql
        record_postgres_pid
        random_password >"$PG_PASSWORD"
        chmod 0600 "$PG_PASSWORD"
        psql_admin -c "CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$(cat "$PG_PASSWORD")';"
        psql_admin -c "CREATE DATABASE $PG_ROLE OWNER $PG_ROLE;"
        log "PostgreSQL up on $listen:$PG_PORT (log $LOGS/postgresql.log)"
    fi
    postgres_connection 127.0.0.1
}

# A fresh, empty database for the daemons (other tests may have used it).
reset_postgres_database() {
    psql_admin -c "DROP DATABASE IF EXISTS $PG_ROLE WITH (FORCE);" -c "CREATE DATABASE $PG_ROLE OWNER $PG_ROLE;"
}

stop_postgres() {
    # Fast shutdown: the daemons' pooled connections would hold a smart one (TERM) open.
    if [[ -f $PG_DATA/postmaster.pid ]] && alive postgres; then
        as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w -t 20 stop >/dev/null 2>&1 && log "stopped postgres" || true
    fi
    stop_daemon postgres
}

cmd_postgres() {
    require_root postgres
    local action=${1:-start}
    (($#)) && shift
    case $action in
        start) postgres_start ;;
        stop) stop_postgres; rm -rf "$PG_DIR" "$PG_PASSWORD" ;;
        restart)
            local mode=fast down=0 pg_ctl
            while (($#)); do
                case $1 in
                    --immediate) mode=immediate; shift ;;
                    --down) down=${2:?--down needs seconds}; shift 2 ;;
                    *) die "postgres restart: unknown option '$1' (--immediate, --down SECONDS)" ;;
                esac
            done
            postgres_running || die "PostgreSQL is not running; start it: $0 postgres start"
            pg_ctl=$(pg_bin)/pg_ctl
            # Stopped for --down seconds, then started again: an outage clients can run into.
            as_postgres "$pg_ctl" -D "$PG_DATA" -m "$mode" -w -t 30 stop >/dev/null || fail_with_logs "PostgreSQL did not stop" postgresql
            sleep "$down"
            as_postgres "$pg_ctl" -D "$PG_DATA" -l "$LOGS/postgresql.log" -w -t 30 start >/dev/null \
                || fail_with_logs "PostgreSQL did not start again" postgresql
            record_postgres_pid
            log "PostgreSQL restarted ($mode shutdown, down ${down}s)" ;;
        *) die "usage: $0 postgres start|stop|restart [--immediate] [--down SECONDS]" ;;
    esac
}

cmd_partition() {
    require_root partition
    load_config
    ((CFG_NODES > 1)) || die "partition needs the two-node testbed: $0 start --nodes 2"
    local node=${1:-} state=${2:-}
    [[ $node == node1 || $node == node2 ]] || die "usage: $0 partition node1|node2 on|off"
    case $state in
        on) ip link set "sn-veth${node#node}" down ;;
        off) ip link set "sn-veth${node#node}" up ;;
        *) die "usage: $0 partition $node on|off" ;;
    esac
}

# The impostor: a KDC that answers for $REALM but whose database the realm's
# admins never saw. Whoever can answer a client's Kerberos traffic (a spoofed
# DNS SRV record, a host on the path) can run one; a password login that does
# not verify the KDC then accepts whatever password this KDC was given.
cmd_rogue_kdc() {
    require_root rogue-kdc
    local action=${1:-}
    (($#)) && shift
    case $action in
        start) rogue_kdc_start ;;
        stop) stop_daemon krb5kdc-rogue; rm -rf "$ROGUE_DIR" ;;
        password)
            check_user "${1:-}"
            [[ -r $ROGUE_DIR/passwords ]] || die "no rogue KDC; start one: $0 rogue-kdc start"
            user_password "$1" "$ROGUE_DIR/passwords" ;;
        *) die "usage: $0 rogue-kdc start|stop|password USER" ;;
    esac
}

rogue_kdc_start() {
    [[ -e $CONFIG ]] || die "the testbed is not running; start it first: $0 start"
    load_config
    stop_daemon krb5kdc-rogue
    rm -rf "$ROGUE_DIR"
    mkdir -p "$ROGUE_DIR/krb5" "$ROGUE_DIR/log"
    chmod 0700 "$ROGUE_DIR/krb5"
    : >"$ROGUE_DIR/krb5/kadm5.acl"
    local profile=$ROGUE_DIR/kdc.conf listen=127.0.0.1:$ROGUE_KDC_PORT u out
    render "$TEMPLATES/kdc.conf.in" "$profile" DIR="$ROGUE_DIR" REALM="$REALM" \
        KDC_PORT="$ROGUE_KDC_PORT" KDC_LISTEN="$listen" \
        TICKET_LIFETIME="$CFG_TICKET_LIFETIME" RENEW_LIFETIME="$CFG_RENEW_LIFETIME"
    render "$TEMPLATES/krb5.conf.in" "$ROGUE_DIR/krb5.conf" REALM="$REALM" KDC_ADDR=127.0.0.1 \
        KDC_PORT="$ROGUE_KDC_PORT" TICKET_LIFETIME="$CFG_TICKET_LIFETIME" RENEW_LIFETIME="$CFG_RENEW_LIFETIME" \
        KCM_SOCKET="$KCM_SOCKET"
    chmod 0644 "$profile" "$ROGUE_DIR/krb5.conf"
    out=$(KRB5_CONFIG=$KRB5_CONF_FILE KRB5_KDC_PROFILE=$profile \
        kdb5_util create -s -r "$REALM" -P "$(random_password)" 2>&1) \
        || die "kdb5_util create (rogue KDC) failed: $out"
    : >"$ROGUE_DIR/passwords"
    chmod 0600 "$ROGUE_DIR/passwords"
    for u in "${TEST_USERS[@]}"; do
        echo "$u $(random_password)" >>"$ROGUE_DIR/passwords"
        KADMIN_PROFILE=$profile kadmin "addprinc -pw $(user_password "$u" "$ROGUE_DIR/passwords") $u"
    done
    # The same service names as the real realm, with keys only this KDC knows.
    KADMIN_PROFILE=$profile kadmin "addprinc -randkey host/localhost"
    KADMIN_PROFILE=$profile kadmin "addprinc -randkey $GATEWAY_PRINCIPAL"
    OPT_TICKET_LIFETIME=$CFG_TICKET_LIFETIME OPT_RENEW_LIFETIME=$CFG_RENEW_LIFETIME KADMIN_PROFILE=$profile set_principal_lifetimes
    ON_FAIL_STOP=krb5kdc-rogue
    launch krb5kdc-rogue env KRB5_KDC_PROFILE="$profile" krb5kdc -n -r "$REALM" -P "$ROGUE_DIR/krb5kdc.pid"
    wait_until 10 krb5kdc-rogue "rogue KDC listening on $listen" \
        eval "ss -Hltn 'sport = :$ROGUE_KDC_PORT' | grep -q ."
    ON_FAIL_STOP=
    log "rogue KDC for $REALM up on $listen (log $ROGUE_DIR/log/krb5kdc.log)"
    echo "$ROGUE_DIR/krb5.conf"
}

cmd_password() {
    require_root password
    check_user "${1:-}"
    user_password "$1"
}

# ------------------------------------------------------------------- main

# Serialise commands that change the testbed: parallel test fixtures may
# call start at the same moment. The lock is on this script itself, so it
# leaves no file behind.
lock() {
    command -v flock >/dev/null || return 0
    exec 9<"${BASH_SOURCE[0]}"
    flock -w 180 9 || die "another testbed.sh start/stop has held the lock for 3 minutes; is one stuck? (ps -ef | grep testbed.sh)"
}

main() {
    local cmd=${1:-}
    (($#)) && shift
    case $cmd in
        start | stop) [[ $(id -u) != 0 ]] || lock ;;
    esac
    case $cmd in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        env) cmd_env "$@" ;;
        run-as) cmd_run_as "$@" ;;
        kinit) cmd_kinit "$@" ;;
        password) cmd_password "$@" ;;
        daemon) cmd_daemon "$@" ;;
        daemon-stop) require_root daemon-stop; stop_credential_daemons ;;
        postgres) cmd_postgres "$@" ;;
        partition) cmd_partition "$@" ;;
        rogue-kdc) cmd_rogue_kdc "$@" ;;
        jwks) cmd_jwks "$@" ;;
        -h | --help | help) usage ;;
        '') usage >&2; exit 2 ;;
        *) usage >&2; die "unknown command '$cmd'" ;;
    esac
}

main "$@"
