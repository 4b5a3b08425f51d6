# shellcheck shell=bash
# Sourced by testbed.sh. testbed.sh start: bring the whole cluster up, or change a running one to the options given.

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
