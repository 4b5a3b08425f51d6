# shellcheck shell=bash
# Sourced by testbed.sh. The test users and group, their passwords, and running commands as them (run-as, kinit, password).

setup_users() {
    local u
    if ! id slurm >/dev/null 2>&1; then
        echo slurm >>"$CREATED_SYSUSERS"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin slurm
        log "created system user slurm (the slurm packages normally do)"
    fi
    for u in "${TEST_USERS[@]}"; do
        id "$u" >/dev/null 2>&1 && continue
        getent group "$u" >/dev/null && die "group '$u' exists without user '$u'; userdel would later remove that group, so remove or rename it first"
        # Recorded before useradd: if this script is killed meanwhile,
        # useradd still finishes and stop must still remove the user.
        echo "$u" >>"$CREATED_USERS"
        useradd -m -s /bin/bash "$u"
    done
    if ! id "$GATEWAY_USER" >/dev/null 2>&1; then
        echo "$GATEWAY_USER" >>"$CREATED_SYSUSERS"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$GATEWAY_USER"
    fi
    if ! getent group "$TEST_GROUP" >/dev/null; then
        echo "$TEST_GROUP" >>"$CREATED_GROUPS"
        groupadd "$TEST_GROUP"
    fi
    gpasswd -M "$TEST_GROUP_MEMBERS" "$TEST_GROUP" >/dev/null
    : >"$PASSWORDS"
    chmod 0600 "$PASSWORDS"
    for u in "${TEST_USERS[@]}"; do echo "$u $(random_password)" >>"$PASSWORDS"; done
}

check_plugin_readable() {
    local plugin
    plugin=$(plugstack_plugin)
    [[ -n $plugin ]] || return 0
    # srun loads the plugin as the submitting user, not as root.
    runuser -u alice -- test -r "$plugin" \
        || log "warning: alice cannot read $plugin (or a parent directory); srun/sbatch will fail to load it"
}

check_user() {
    [[ -n ${1:-} ]] || die "missing USER"
    id "$1" >/dev/null 2>&1 || die "no such user '$1'; is the testbed started? run: $0 start"
}

# Jobs run in the submitting directory and sbatch writes slurm-<id>.out
# there: move to the user's home unless the user can write the current
# directory (root's cwd, e.g. /root or the repository, usually is not).
cd_for_user() {
    runuser -u "$1" -- test -w "$PWD" -a -x "$PWD" 2>/dev/null \
        || cd "$(getent passwd "$1" | cut -d: -f6)" 2>/dev/null || cd /tmp
}

cmd_run_as() {
    require_root run-as
    local user=${1:-}
    check_user "$user"
    shift
    (($#)) || die "usage: $0 run-as USER CMD..."
    cd_for_user "$user"
    exec runuser -u "$user" -- env PATH="$PATH" SLURM_CONF="$SLURM_CONF_FILE" KRB5_CONFIG="$KRB5_CONF_FILE" "$@"
}

cmd_kinit() {
    require_root kinit
    local user=${1:-} pw
    check_user "$user"
    shift
    pw=$(user_password "$user")
    cd_for_user "$user"
    # MIT kinit reads the password from stdin when it is not a terminal.
    printf '%s\n' "$pw" | runuser -u "$user" -- env KRB5_CONFIG="$KRB5_CONF_FILE" \
        kinit "$@" "$user@$REALM" >/dev/null
}

cmd_password() {
    require_root password
    check_user "${1:-}"
    user_password "$1"
}
