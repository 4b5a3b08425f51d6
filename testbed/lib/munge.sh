# shellcheck shell=bash
# Sourced by testbed.sh. munged and its key.

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
