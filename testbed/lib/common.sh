# shellcheck shell=bash
# Sourced by testbed.sh. Messages, checks and templates shared by every component.

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { printf 'testbed: error: %s\n' "$*" >&2; exit 1; }

now() { local t=${EPOCHREALTIME/./}; echo "${t:0:-3}"; }   # milliseconds

require_root() {
    [[ $(id -u) == 0 ]] || die "must run as root (it starts daemons and adds users); try: sudo $0 $*"
}

require_tools() {
    local missing=() t
    for t in krb5kdc kdb5_util kadmin.local kinit klist munged munge unmunge \
             slurmctld slurmd srun sinfo squeue scancel scontrol \
             useradd userdel groupadd groupdel gpasswd runuser setpriv setsid nsenter ss ps; do
        command -v "$t" >/dev/null || missing+=("$t")
    done
    ((${#missing[@]} == 0)) || die "missing programs: ${missing[*]}; install: apt-get install slurmctld slurmd slurm-client munge krb5-kdc krb5-admin-server krb5-user iproute2 util-linux passwd procps"
}

# The environment every daemon gets: nothing inherited from the caller, so a
# root KRB5CCNAME or SLURM_* in the caller's shell cannot leak into
# slurmstepd (and the plugin under test).
readonly DAEMON_ENV=(env -i PATH=${SLURM_PATH}/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
    SLURM_CONF="$SLURM_CONF_FILE" KRB5_CONFIG="$KRB5_CONF_FILE" KRB5_KDC_PROFILE="$KDC_CONF_FILE")

# render TEMPLATE OUT KEY=VALUE...: replace @KEY@ placeholders.
render() {
    local template=$1 out=$2 kv key val text
    shift 2
    text=$(<"$template")
    for kv in "$@"; do
        key=${kv%%=*} val=${kv#*=}
        text=${text//@$key@/$val}
    done
    if [[ $text =~ @[A-Z_]+@ ]]; then
        die "internal: unreplaced ${BASH_REMATCH[0]} in $template"
    fi
    printf '%s\n' "$text" >"$out"
}

random_password() {
    local p
    p=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    echo "${p:0:20}"
}

# user_password USER [FILE]: FILE is the password file (default the real KDC's).
user_password() {
    local file=${2:-$PASSWORDS} line
    [[ -r $file ]] || die "no $file; is the testbed started? run: $0 start"
    line=$(grep -m1 "^$1 " "$file") || die "no password for '$1' (test users: ${TEST_USERS[*]})"
    echo "${line#* }"
}
