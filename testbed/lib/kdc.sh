# shellcheck shell=bash
# Sourced by testbed.sh. The MIT KDC of the test realm, and the impostor KDC (rogue-kdc).

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
