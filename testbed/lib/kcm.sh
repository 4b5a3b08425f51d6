# shellcheck shell=bash
# Sourced by testbed.sh. Heimdal's KCM credential cache daemon, in a mount namespace of its own.

# A KCM daemon, so that users' KCM: ccaches (what sssd-kcm gives many sites)
# are tested against a real one. MIT's client speaks to Heimdal's kcm. Optional:
# without heimdal-kcm, or where a mount namespace is not allowed (a container
# without CAP_SYS_ADMIN), the rest of the cluster still starts, and KCM: ccaches
# find no server.
kcm_possible() {
    command -v kcm >/dev/null && command -v unshare >/dev/null \
        && unshare --mount --propagation private true 2>/dev/null
}

start_kcm() {
    mkdir -p "$KCM_DIR"
    chmod 0755 "$KCM_DIR"
    # --config-file also puts $TESTBED_DIR in kcm's command line, which is how
    # stray_daemons tells this testbed's kcm from anybody else's.
    # shellcheck disable=SC2016 # $1 and $2 are the inner sh's arguments
    launch kcm unshare --mount --propagation private \
        sh -c 'mount --bind "$1" /run && exec kcm --config-file="$2"' kcm "$KCM_DIR" "$KRB5_CONF_FILE"
    wait_until 10 kcm "kcm listening on $KCM_SOCKET" test -S "$KCM_SOCKET"
}
