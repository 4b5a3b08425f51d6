# shellcheck shell=bash
# Sourced by testbed.sh. Two-node mode: a network namespace per node on a private bridge, and cutting one off (partition).

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
