# shellcheck shell=bash
# Sourced by testbed.sh. The options a running cluster was started with, and what follows from them.

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
    for n in $(node_names); do
        ((CFG_NODES > 1)) && echo "munged-$n"
        echo "slurmd-$n"
    done
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
