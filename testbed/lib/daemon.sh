# shellcheck shell=bash
# Sourced by testbed.sh. SlurmNative's credential daemons against the cluster (daemon, daemon-stop).

# The credential daemon belongs to SlurmNative, not to the cluster: it starts
# on request, after the cluster, so the plain testbed stays what Slurm sites run.
cmd_daemon() {
    require_root daemon
    [[ -e $CONFIG ]] || die "the testbed is not running; start it first: $0 start"
    load_config
    local extra=() store=sqlite count=1 bin cli dir i
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
    bin=$REPO/src/SlurmNative.Daemon/bin/Release/net10.0/slurmnatived
    cli=$REPO/src/SlurmNative.Cli/bin/Release/net10.0/slurmnative
    [[ -x $bin && -x $cli ]] || die "slurmnatived or slurmnative is not built; run: $REPO/build.sh build"
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
    bin=$REPO/src/SlurmNative.Daemon/bin/Release/net10.0/slurmnatived
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

# start_extra_munged NAME: another munged with the cluster's key and a socket of its own (for a
# second daemon host, or a node); prints the socket.
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
