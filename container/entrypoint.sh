#!/bin/bash
# Entry point of every SlurmNative container: writes the role's configuration from a few
# environment variables, starts munged, then runs the role's daemon in the foreground so
# its log is the container's log.
#
#   slurmnative-container init          make the shared secrets (munge key, test passwords)
#                                       once, into the secrets volume; then exit
#   slurmnative-container kdc           MIT krb5kdc for the realm, the test users' principals
#   slurmnative-container slurmctld
#   slurmnative-container slurmd        a node; SN_NODE names it
#   slurmnative-container slurmnatived  the credential daemon; its keys at first start
#   slurmnative-container shell         munged and a shell, for trying things
#
# Environment (the same values must reach every container of one cluster):
#   SN_REALM           Kerberos realm                     (SLURMNATIVE.TEST)
#   SN_ADDR            address the services listen on and
#                      are reached at                     (127.0.0.1)
#   SN_PORT_BASE       KDC +88, slurmctld +817, node i
#                      slurmd +817+i, slurmnatived +850   (63000)
#   SN_NODES           node names, space separated        (node1 node2)
#   SN_NODE            this node's name (slurmd only)
#   SN_USERS           test users with principals          (alice bob)
#   SN_TICKET_LIFETIME / SN_RENEW_LIFETIME   KDC caps     (10h / 7d)
set -euo pipefail

REALM=${SN_REALM:-SLURMNATIVE.TEST}
ADDR=${SN_ADDR:-127.0.0.1}
PORT_BASE=${SN_PORT_BASE:-63000}
read -r -a NODES <<<"${SN_NODES:-node1 node2}"
read -r -a USERS <<<"${SN_USERS:-alice bob}"
TICKET_LIFETIME=${SN_TICKET_LIFETIME:-10h}
RENEW_LIFETIME=${SN_RENEW_LIFETIME:-7d}
KDC_PORT=$((PORT_BASE + 88))
CTLD_PORT=$((PORT_BASE + 817))
DAEMON_PORT=$((PORT_BASE + 850))

# Volumes: secrets shared by all (munge key, test passwords), the KDC's database, the
# credential daemon's store and keys.
SECRETS=/var/lib/slurmnative-secrets
KDC_DIR=/var/lib/krb5kdc
DAEMON_DIR=/var/lib/slurmnative

say() { printf 'slurmnative-container: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

secret() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

init_secrets() {
    umask 077
    mkdir -p "$SECRETS"
    if [[ ! -s $SECRETS/munge.key ]]; then
        head -c 1024 /dev/urandom >"$SECRETS/munge.key.new" && mv "$SECRETS/munge.key.new" "$SECRETS/munge.key"
        say "made a new munge key"
    fi
    local user
    touch "$SECRETS/passwords"
    for user in "${USERS[@]}"; do
        grep -q "^$user " "$SECRETS/passwords" || printf '%s %s\n' "$user" "$(secret)" >>"$SECRETS/passwords"
    done
    chmod 0600 "$SECRETS"/*
}

write_krb5_conf() {
    cat >/etc/krb5.conf <<EOF
# Written by slurmnative-container at start.
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    dns_canonicalize_hostname = false
    # What SlurmNative needs from a user's kinit: a TGT it can forward and renew.
    forwardable = true
    noaddresses = true
    ticket_lifetime = $TICKET_LIFETIME
    renew_lifetime = $RENEW_LIFETIME
    # Keyrings are per kernel, not per container: FILE ccaches only.
    default_ccache_name = FILE:/tmp/krb5cc_%{uid}

[realms]
    $REALM = {
        kdc = $ADDR:$KDC_PORT
    }
EOF
}

write_slurm_conf() {
    local i nodes=''
    for i in "${!NODES[@]}"; do
        # Every node is on the host's network: one address, a port each.
        nodes+="NodeName=${NODES[i]} NodeAddr=$ADDR Port=$((CTLD_PORT + 1 + i)) CPUs=2 RealMemory=1000 State=UNKNOWN"$'\n'
    done
    local list
    list=$(IFS=,; echo "${NODES[*]}")
    nodes=${nodes%$'\n'}
    mkdir -p /etc/slurm
    cat >/etc/slurm/slurm.conf <<EOF
# Written by slurmnative-container at start.
ClusterName=slurmnative
# slurmctld accepts "localhost" as its own host whatever the container's hostname is.
SlurmctldHost=localhost($ADDR)
SlurmctldPort=$CTLD_PORT
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=/etc/slurm/plugstack.conf
# Containers rarely delegate cgroups; nothing here needs them.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# The nodes are containers on one machine: never drain one for the CPUs or memory it sees.
SlurmdParameters=config_overrides
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
KillWait=2
MinJobAge=300
SlurmdTimeout=30
$nodes
PartitionName=debug Nodes=$list Default=YES MaxTime=INFINITE State=UP
EOF
    echo "required /usr/lib/slurmnative/slurmnative.so default=on config=/etc/slurmnative/slurmnative.conf" \
        >/etc/slurm/plugstack.conf
}

write_slurmnative_conf() {
    mkdir -p /etc/slurmnative
    cat >/etc/slurmnative/slurmnative.conf <<EOF
# Written by slurmnative-container at start; every key is in etc/slurmnative.conf.
servers = $ADDR:$DAEMON_PORT
listen = $ADDR:$DAEMON_PORT
database = $DAEMON_DIR/credentials.db
key_file = $DAEMON_DIR/keys
acl_file = /etc/slurmnative/acl.conf
EOF
    cat >/etc/slurmnative/acl.conf <<EOF
# Written by slurmnative-container at start. Root on the daemon's host administers;
# root and slurm elsewhere are nodes (and get a ticket only for a job on their host);
# everyone else stores and lists their own.
admin uid=0 host=local
node  uid=0
node  user=slurm
user  *
EOF
}

start_munged() {
    [[ -s $SECRETS/munge.key ]] || die "no munge key in $SECRETS; run the init container first"
    install -o munge -g munge -m 0400 "$SECRETS/munge.key" /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    # The container's hostname resolves nowhere; the origin munge records is the address.
    runuser -u munge -- munged --origin="$ADDR"
}

password_of() { awk -v u="$1" '$1 == u { print $2 }' "$SECRETS/passwords"; }

run_kdc() {
    write_krb5_conf
    mkdir -p "$KDC_DIR" /etc/krb5kdc
    cat >/etc/krb5kdc/kdc.conf <<EOF
# Written by slurmnative-container at start.
[kdcdefaults]
    kdc_listen = $ADDR:$KDC_PORT
    kdc_tcp_listen = $ADDR:$KDC_PORT
[realms]
    $REALM = {
        database_name = $KDC_DIR/principal
        key_stash_file = $KDC_DIR/stash
        acl_file = $KDC_DIR/kadm5.acl
        kdc_listen = $ADDR:$KDC_PORT
        kdc_tcp_listen = $ADDR:$KDC_PORT
        max_life = $TICKET_LIFETIME
        max_renewable_life = $RENEW_LIFETIME
        default_principal_flags = +renewable +forwardable
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
        master_key_type = aes256-cts-hmac-sha1-96
    }
[logging]
    kdc = STDERR
    default = STDERR
EOF
    export KRB5_KDC_PROFILE=/etc/krb5kdc/kdc.conf
    if [[ ! -e $KDC_DIR/principal ]]; then
        # The master key exists only in the stash file, inside the KDC's volume.
        touch "$KDC_DIR/kadm5.acl"
        kdb5_util create -s -r "$REALM" -P "$(secret)" >/dev/null
        local user
        for user in "${USERS[@]}"; do
            kadmin.local -r "$REALM" -q "addprinc -pw $(password_of "$user") $user@$REALM" >/dev/null
        done
        say "created realm $REALM with principals for ${USERS[*]}"
    fi
    exec krb5kdc -n
}

run_slurmctld() {
    write_krb5_conf
    write_slurm_conf
    write_slurmnative_conf
    start_munged
    install -d -o slurm -g slurm /var/lib/slurm/slurmctld
    exec runuser -u slurm -- slurmctld -D -i
}

run_slurmd() {
    local node=${SN_NODE:?set SN_NODE to the name of this node}
    write_krb5_conf
    write_slurm_conf
    write_slurmnative_conf
    start_munged
    install -d /var/lib/slurm/slurmd
    exec slurmd -D -N "$node"
}

run_daemon() {
    write_krb5_conf
    write_slurm_conf
    write_slurmnative_conf
    start_munged
    install -d -m 0700 "$DAEMON_DIR"
    if [[ ! -e $DAEMON_DIR/keys ]]; then
        (umask 077 && slurmnative --config /etc/slurmnative/slurmnative.conf keygen >/dev/null)
        say "made the credential daemon's keys"
    fi
    exec slurmnatived --config /etc/slurmnative/slurmnative.conf
}

case ${1:-} in
    init) init_secrets ;;
    kdc) run_kdc ;;
    slurmctld) run_slurmctld ;;
    slurmd) run_slurmd ;;
    slurmnatived) run_daemon ;;
    shell) write_krb5_conf; write_slurm_conf; write_slurmnative_conf; start_munged; exec bash -l ;;
    *) die "unknown role '${1:-}'; one of: init kdc slurmctld slurmd slurmnatived shell" ;;
esac
