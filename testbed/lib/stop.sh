# shellcheck shell=bash
# Sourced by testbed.sh. testbed.sh stop: every daemon, leftover step, user and network the testbed made.

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
    stop_daemon munged-node1
    stop_daemon munged-node2
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
