# shellcheck shell=bash
# Sourced by testbed.sh. Starting, finding and stopping the daemons the testbed owns (pid files, process names).

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
