#!/usr/bin/env bash
# SlurmNative test cluster: a throwaway MIT KDC, munged, slurmctld, slurmd
# (and optionally slurmrestd) on loopback, all state under $TESTBED_DIR.
# See testbed/README.md. Run as root; never needs systemd.
set -euo pipefail
# Template values (paths) may contain '&', which bash 5.2 would otherwise
# expand in ${var//pattern/replacement}.
shopt -u patsub_replacement 2>/dev/null || true


HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
readonly HERE REPO
# One file per component; settings.sh first, as the others read its names.
# shellcheck source=lib/settings.sh
source "$HERE/lib/settings.sh"
for component in common process config users netns kdc kcm munge slurm slurmrestd daemon postgres start stop status; do
    # shellcheck source=/dev/null
    source "$HERE/lib/$component.sh"
done
unset component

usage() {
    cat <<EOF
usage: testbed.sh COMMAND [OPTIONS]

  start [--plugin PATH] [--plugstack-line "optional|required ARGS..."]
        [--ticket-lifetime 10h] [--renew-lifetime 7d] [--restd] [--nodes 1|2]
        [--contain]
                      start (or, if already up, reconcile) the test cluster
  stop [--keep]       stop everything, remove created users; --keep keeps
                      \$TESTBED_DIR (logs) for inspection
  status              print each daemon's state (exit 0 all up, 1 partly, 3 down)
  env                 print export lines: eval "\$(testbed.sh env)"
  run-as USER CMD...  run CMD as USER with SLURM_CONF and KRB5_CONFIG set
  kinit USER [KINIT_OPTIONS...]
                      kinit USER@$REALM as USER with the stored password
                      (default ccache FILE:/tmp/krb5cc_<uid>)
  password USER       print USER's Kerberos password
  jwks PATH           make slurmctld verify RS256 tokens with the published
                      JWKS at PATH too (AuthAltParameters=jwks=PATH,jwt_key=...)
                      and restart it, as Slurm 22.05 reads the set only at
                      startup; run it again after each rotation
  rogue-kdc start|stop|password USER
                      a second KDC for $REALM on port base +89, with its own
                      database: the same principals with other passwords and
                      keys. start prints a krb5.conf that points at it; stop
                      removes it (stop of the testbed does too)
  daemon [--store sqlite|postgresql] [--count 1|2] [--set KEY=VALUE]...
                      start slurmnatived (the credential daemon, as built in
                      this repository) against the running testbed, on port
                      base +850 (+851 for a second one on one node); the
                      clients' slurmnative.conf is printed, for the plugin's
                      config= argument. --store postgresql starts PostgreSQL
                      if needed and points the daemons at it; --count 2 starts
                      two daemons sharing it, each with a munged of its own
                      (as on two hosts), and with --nodes 2 each inside one
                      node's network namespace. --set adds a config line.
  daemon-stop         stop the credential daemons (and their munged)
  postgres start|stop|restart [--immediate] [--down SECONDS]
                      PostgreSQL on 127.0.0.1 (and the bridge with --nodes 2)
                      port base +432: start prints the connection string
                      (role $PG_ROLE, password in \$TESTBED_DIR/postgres-password);
                      restart --immediate is a crash and recovery, --down
                      keeps it stopped that long first
  partition NODE on|off
                      with --nodes 2: cut NODE's network namespace off the
                      bridge (packets dropped, nothing refused), or join it again

Environment: TESTBED_DIR (state directory, now $TESTBED_DIR),
TESTBED_PORT_BASE (now $PORT_BASE: KDC +88, PostgreSQL +432, slurmctld +817,
slurmd +818, slurmrestd +820, slurmnatived +850). See testbed/README.md.
EOF
}

# ------------------------------------------------------------------- main

# Serialise commands that change the testbed: parallel test fixtures may
# call start at the same moment. The lock is on this script itself, so it
# leaves no file behind.
lock() {
    command -v flock >/dev/null || return 0
    exec 9<"${BASH_SOURCE[0]}"
    flock -w 180 9 || die "another testbed.sh start/stop has held the lock for 3 minutes; is one stuck? (ps -ef | grep testbed.sh)"
}

main() {
    local cmd=${1:-}
    (($#)) && shift
    case $cmd in
        start | stop) [[ $(id -u) != 0 ]] || lock ;;
    esac
    case $cmd in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        env) cmd_env "$@" ;;
        run-as) cmd_run_as "$@" ;;
        kinit) cmd_kinit "$@" ;;
        password) cmd_password "$@" ;;
        daemon) cmd_daemon "$@" ;;
        daemon-stop) require_root daemon-stop; stop_credential_daemons ;;
        postgres) cmd_postgres "$@" ;;
        partition) cmd_partition "$@" ;;
        rogue-kdc) cmd_rogue_kdc "$@" ;;
        jwks) cmd_jwks "$@" ;;
        -h | --help | help) usage ;;
        '') usage >&2; exit 2 ;;
        *) usage >&2; die "unknown command '$cmd'" ;;
    esac
}

main "$@"
