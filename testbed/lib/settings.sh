# shellcheck shell=bash
# Sourced by testbed.sh. Names, ports and paths of one test cluster; every other file reads these.

readonly TESTBED_DIR=${TESTBED_DIR:-/tmp/slurmnative-testbed}
# TESTBED_SLURM_PREFIX runs the Slurm installed under that prefix (configure
# --prefix) instead of the system's: its sbin/ and bin/ come first on every PATH
# the testbed and its daemons use. Every testbed.sh call of one cluster must get
# the same value.
readonly SLURM_PREFIX=${TESTBED_SLURM_PREFIX:-}
SLURM_PATH=
if [[ -n $SLURM_PREFIX ]]; then
    if [[ ! -x $SLURM_PREFIX/sbin/slurmctld || ! -x $SLURM_PREFIX/bin/srun ]]; then
        echo "testbed: error: TESTBED_SLURM_PREFIX=$SLURM_PREFIX holds no Slurm (no sbin/slurmctld or bin/srun)" >&2
        exit 1
    fi
    SLURM_PATH=$SLURM_PREFIX/sbin:$SLURM_PREFIX/bin:
    export PATH=$SLURM_PATH$PATH
fi
readonly SLURM_PATH
readonly TEMPLATES=$HERE/templates

readonly REALM=SLURMNATIVE.TEST
# Non-default ports, so a site's real KDC/Slurm on this host is never
# touched; TESTBED_PORT_BASE moves them all (e.g. 62000 for a second testbed
# with its own TESTBED_DIR; the test users are still shared).
readonly PORT_BASE=${TESTBED_PORT_BASE:-61000}
if ! [[ $PORT_BASE =~ ^[0-9]+$ ]] || ((PORT_BASE < 1024 || PORT_BASE > 64000)); then
    echo "testbed: error: TESTBED_PORT_BASE must be a number from 1024 to 64000" >&2
    exit 1
fi
readonly KDC_PORT=$((PORT_BASE + 88))
# A second KDC for the same realm with its own database: the impostor that the
# gateway's KDC verification is tested against (testbed.sh rogue-kdc).
readonly ROGUE_KDC_PORT=$((PORT_BASE + 89))
readonly CTLD_PORT=$((PORT_BASE + 817))
readonly SLURMD_PORT=$((PORT_BASE + 818))
readonly RESTD_PORT=$((PORT_BASE + 820))
readonly PG_PORT=$((PORT_BASE + 432))
readonly DAEMON_PORT=$((PORT_BASE + 850))
readonly RESTD_USER=slurmrestd
# The REST gateway runs as its own system user, as etc/slurmnative-gateway.service
# has it: it reads the JWT key through the key's group and has a keytab of its own.
readonly GATEWAY_USER=slurmnative-gw
readonly GATEWAY_PRINCIPAL=$GATEWAY_USER/localhost
readonly TEST_USERS=(alice bob carol)
# A Unix group holding alice and bob but not carol: what group-based policy
# (the REST gateway's) is tested with.
readonly TEST_GROUP=sn-hpc
readonly TEST_GROUP_MEMBERS=alice,bob
# Two-node mode: one network namespace per node on a private bridge.
readonly NET_PREFIX=10.231.0
readonly BRIDGE=sn-br0
readonly BRIDGE_ADDR=$NET_PREFIX.1

# Files inside $TESTBED_DIR.
readonly MARKER=$TESTBED_DIR/.slurmnative-testbed
readonly CONFIG=$TESTBED_DIR/testbed.config
readonly CREATED_USERS=$TESTBED_DIR/created-users
readonly CREATED_SYSUSERS=$TESTBED_DIR/created-system-users
readonly CREATED_GROUPS=$TESTBED_DIR/created-groups
readonly CREATED_NET=$TESTBED_DIR/created-netns
readonly PASSWORDS=$TESTBED_DIR/passwords
readonly PIDS=$TESTBED_DIR/pids
readonly LOGS=$TESTBED_DIR/log
readonly ETC=$TESTBED_DIR/etc
readonly SLURM_CONF_FILE=$ETC/slurm.conf
readonly PLUGSTACK_FILE=$ETC/plugstack.conf
readonly KRB5_CONF_FILE=$ETC/krb5.conf
readonly KDC_CONF_FILE=$ETC/kdc.conf
readonly JWT_KEY=$ETC/jwt_hs256.key
readonly MUNGE_DIR=$TESTBED_DIR/munge
readonly MUNGE_SOCKET_PATH=$MUNGE_DIR/munge.socket
readonly HOST_KEYTAB=$TESTBED_DIR/host.keytab
readonly GATEWAY_KEYTAB=$TESTBED_DIR/gateway.keytab
readonly ROGUE_DIR=$TESTBED_DIR/rogue
# Heimdal's kcm always listens on /run/.heim_org.h5l.kcm-socket; it runs with
# this directory mounted over /run (in a mount namespace of its own), so the
# socket appears here and the host's /run is left alone.
readonly KCM_DIR=$TESTBED_DIR/kcm
readonly KCM_SOCKET=$KCM_DIR/.heim_org.h5l.kcm-socket
# PostgreSQL, on request (testbed.sh postgres, or daemon --store postgresql): a
# throwaway cluster owned by the postgres user, a role and database for the
# credential daemons, and the role's password (root's, 0600).
readonly PG_DIR=$TESTBED_DIR/postgres
readonly PG_DATA=$PG_DIR/data
readonly PG_ROLE=slurmnative
readonly PG_PASSWORD=$TESTBED_DIR/postgres-password

# Process names of the daemons we run (pid files are named krb5kdc, kcm, munged,
# slurmctld, slurmd-<node>, slurmrestd).
readonly DAEMON_COMMS='krb5kdc kcm munged slurmctld slurmd slurmrestd slurmnatived postgres'

STOP_GRACE=${TESTBED_STOP_GRACE:-10}
TERMINATED=()
