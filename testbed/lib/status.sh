# shellcheck shell=bash
# Sourced by testbed.sh. testbed.sh status and env.

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
