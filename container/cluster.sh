#!/usr/bin/env bash
# A whole SlurmNative cluster in containers: a KDC, slurmctld, two slurmd nodes with the
# plugin, and the credential daemon. See container/README.md.
#
#   cluster.sh start     build the images (from what ./build.sh build produced) and start
#                        the cluster; run a first forwarded job; say how to get a shell
#   cluster.sh stop      remove the containers and volumes it created (images stay)
#   cluster.sh test      start, check the whole flow, stop; exit 0 only if all held
#   cluster.sh status    the containers and their state
#   cluster.sh password USER
#   cluster.sh build     only build the images
#
# Every container shares the host's network (so it also runs where podman's own networks do
# not), on ports SN_PORT_BASE+88/+817/+818../+850 (63000 by default: clear of the testbed's
# 61000, so both can run at once).
#
# SN_ENGINE (podman, else docker), SN_ENGINE_FLAGS, SN_RUN_FLAGS: see container/README.md;
# the podman defaults are what the Debian 12 test VMs need, not what containers need.
set -euo pipefail
# A failure inside $(...) (making the Debian image) must stop the script too.
shopt -s inherit_errexit
trap 'echo "cluster.sh: line $LINENO: $BASH_COMMAND failed" >&2' ERR
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

if [[ -n ${SN_ENGINE:-} ]]; then ENGINE=$SN_ENGINE
elif command -v podman >/dev/null; then ENGINE=podman
elif command -v docker >/dev/null; then ENGINE=docker
else echo "cluster.sh: neither podman nor docker is installed: apt-get install podman runc" >&2; exit 2
fi
if [[ $ENGINE == podman ]]; then
    # A hybrid-cgroup host with a low rlimit ceiling: crun and systemd cgroups fail there, and
    # podman's default ulimits exceed what the host allows.
    read -r -a ENGINE_FLAGS <<<"${SN_ENGINE_FLAGS---runtime runc --cgroup-manager cgroupfs}"
    read -r -a RUN_FLAGS <<<"${SN_RUN_FLAGS---ulimit nofile=4096:4096 --ulimit nproc=4096:4096}"
else
    read -r -a ENGINE_FLAGS <<<"${SN_ENGINE_FLAGS-}"
    read -r -a RUN_FLAGS <<<"${SN_RUN_FLAGS-}"
fi

export SN_PORT_BASE=${SN_PORT_BASE:-63000}
export SN_REALM=${SN_REALM:-SLURMNATIVE.TEST}
export SN_NODES=${SN_NODES:-node1 node2}
export SN_TICKET_LIFETIME=${SN_TICKET_LIFETIME:-10h}
export SN_RENEW_LIFETIME=${SN_RENEW_LIFETIME:-7d}
PREFIX=${SN_PREFIX:-slurmnative}
LABEL=io.slurmnative.cluster=$PREFIX
CACHE=$ROOT/artifacts/container
CONTEXT=$CACHE/context
DEBIAN_IMAGE=localhost/slurmnative-debian:bookworm
read -r -a NODES <<<"$SN_NODES"

say() { printf '==> %s\n' "$*"; }
die() { printf 'cluster.sh: %s\n' "$*" >&2; exit 1; }
engine() { "$ENGINE" "${ENGINE_FLAGS[@]}" "$@"; }
in_node() { engine exec "$PREFIX-${NODES[0]}" "$@"; }
as_user() { local u=$1; shift; engine exec -i -u "$u" -w "/home/$u" "$PREFIX-${NODES[0]}" "$@"; }

# ------------------------------------------------------------------ images

# A Debian 12 image to build on: SN_BASE_IMAGE if given; else one made here with mmdebstrap
# from the mirror apt uses (its tarball kept under artifacts/ for the next time); else
# Docker Hub's debian:bookworm.
debian_image() {
    if [[ -n ${SN_BASE_IMAGE:-} ]]; then echo "$SN_BASE_IMAGE"; return; fi
    if engine image exists "$DEBIAN_IMAGE" 2>/dev/null || engine image inspect "$DEBIAN_IMAGE" >/dev/null 2>&1; then
        echo "$DEBIAN_IMAGE"; return
    fi
    if command -v mmdebstrap >/dev/null; then
        local tar=$CACHE/debian-bookworm.tar mirror
        if [[ ! -s $tar ]]; then
            mirror=$(apt_mirror)
            say "making a Debian 12 image with mmdebstrap from $mirror (once; kept in $tar)" >&2
            mkdir -p "$CACHE"
            mmdebstrap --quiet --variant=minbase --format=tar bookworm "$tar.new" "$mirror" >&2
            mv "$tar.new" "$tar"
        fi
        engine import "$tar" "$DEBIAN_IMAGE" >/dev/null || die "importing $tar failed"
        echo "$DEBIAN_IMAGE"; return
    fi
    echo docker.io/library/debian:bookworm
}

apt_mirror() {
    local uri
    uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -oE 'https?://[^ ]*/debian/?' | grep -v security | head -n1) || true
    echo "${uri:-http://deb.debian.org/debian}"
}

stage_context() {
    local plugin=$ROOT/artifacts/plugin/slurmnative.so
    local daemon=$ROOT/src/SlurmNative.Daemon/bin/Release/net10.0
    local cli=$ROOT/src/SlurmNative.Cli/bin/Release/net10.0
    [[ -s $plugin && -x $daemon/slurmnatived && -x $cli/slurmnative ]] \
        || die "the plugin, slurmnatived or the CLI is not built; run: ./build.sh build"
    local dotnet_root runtime
    dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    runtime=$(sed -n 's/.*"Microsoft.NETCore.App", *"version": *"\([^"]*\)".*/\1/p' "$daemon/slurmnatived.runtimeconfig.json" | head -n1)
    [[ -n $runtime ]] || runtime=$(grep -A2 Microsoft.NETCore.App "$daemon/slurmnatived.runtimeconfig.json" | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p')
    local shared
    shared=$(ls -d "$dotnet_root/shared/Microsoft.NETCore.App/${runtime%.*}".* 2>/dev/null | sort -V | tail -n1)
    [[ -d $shared ]] || die "no .NET runtime ${runtime%.*}.x under $dotnet_root/shared/Microsoft.NETCore.App"
    rm -rf "$CONTEXT"
    mkdir -p "$CONTEXT/plugin" "$CONTEXT/dotnet/shared/Microsoft.NETCore.App"
    cp "$HERE/entrypoint.sh" "$CONTEXT/"
    cp "$plugin" "$CONTEXT/plugin/"
    cp -a "$daemon" "$CONTEXT/slurmnatived"
    cp -a "$cli" "$CONTEXT/slurmnative"
    cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$CONTEXT/dotnet/"
    cp -a "$shared" "$CONTEXT/dotnet/shared/Microsoft.NETCore.App/"
}

build_images() {
    local started=$SECONDS base role
    stage_context
    base=$(debian_image)
    say "building the images on $base"
    engine build "${RUN_FLAGS[@]}" --network host --build-arg "BASE=$base" \
        -f "$HERE/Containerfile.base" -t localhost/slurmnative-base:latest "$CONTEXT" >"$CACHE/build-base.log" 2>&1 \
        || { tail -n 30 "$CACHE/build-base.log" >&2; die "building the base image failed (log: $CACHE/build-base.log)"; }
    for role in kdc slurmctld slurmd slurmnatived; do
        engine build "${RUN_FLAGS[@]}" --network host -f "$HERE/Containerfile.$role" \
            -t "localhost/slurmnative-$role:latest" "$CONTEXT" >"$CACHE/build-$role.log" 2>&1 \
            || { tail -n 30 "$CACHE/build-$role.log" >&2; die "building the $role image failed (log: $CACHE/build-$role.log)"; }
    done
    say "images built in $((SECONDS - started)) s"
}

# ------------------------------------------------------------------ cluster

ENVS=()
for v in SN_PORT_BASE SN_REALM SN_NODES SN_TICKET_LIFETIME SN_RENEW_LIFETIME; do ENVS+=(-e "$v=${!v}"); done

run() { # run NAME IMAGE VOLUME... -- ARGS...
    local name=$1 image=$2 mounts=()
    shift 2
    while [[ $1 != -- ]]; do mounts+=(-v "$1"); shift; done
    shift
    engine run -d --name "$PREFIX-$name" --label "$LABEL" --network host --hostname "$name" \
        "${RUN_FLAGS[@]}" "${ENVS[@]}" "${mounts[@]}" "localhost/slurmnative-$image:latest" "$@" >/dev/null
}

ports_free() {
    local p
    for p in $((SN_PORT_BASE + 88)) $((SN_PORT_BASE + 817)) $((SN_PORT_BASE + 850)); do
        if ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
            die "port $p is taken (another cluster?); stop it, or choose other ports with SN_PORT_BASE"
        fi
    done
}

wait_for() { # wait_for SECONDS WHAT COMMAND...
    local limit=$1 what=$2 t=0
    shift 2
    until "$@" >/dev/null 2>&1; do
        ((t++ < limit * 2)) || { show_logs; die "timed out waiting for $what"; }
        sleep 0.5
    done
}

show_logs() {
    local c
    for c in $(engine ps -a --filter "label=$LABEL" --format '{{.Names}}'); do
        printf -- '--- %s (last lines)\n' "$c" >&2
        engine logs --tail 15 "$c" >&2 2>&1 || true
    done
}

nodes_idle() {
    local idle
    idle=$(in_node sinfo -h -N -o '%N %T' | awk '$2 == "idle"' | wc -l)
    ((idle == ${#NODES[@]}))
}

start_cluster() {
    local started=$SECONDS i
    if engine ps -a --filter "label=$LABEL" --format '{{.Names}}' | grep -q .; then
        die "a cluster is already there ($ENGINE ps -a --filter label=$LABEL); stop it first: ./build.sh containers stop"
    fi
    ports_free
    for v in secrets kdc daemon; do
        engine volume create --label "$LABEL" "$PREFIX-$v" >/dev/null
    done
    local secrets=$PREFIX-secrets:/var/lib/slurmnative-secrets
    engine run --rm --label "$LABEL" --network host "${RUN_FLAGS[@]}" "${ENVS[@]}" -v "$secrets" \
        localhost/slurmnative-base:latest init
    run kdc kdc "$secrets" "$PREFIX-kdc:/var/lib/krb5kdc" -- kdc
    run slurmctld slurmctld "$secrets" -- slurmctld
    run slurmnatived slurmnatived "$secrets" "$PREFIX-daemon:/var/lib/slurmnative" -- slurmnatived
    for i in "${!NODES[@]}"; do
        engine run -d --name "$PREFIX-${NODES[i]}" --label "$LABEL" --network host --hostname "${NODES[i]}" \
            "${RUN_FLAGS[@]}" "${ENVS[@]}" -e "SN_NODE=${NODES[i]}" -v "$secrets" \
            localhost/slurmnative-slurmd:latest slurmd >/dev/null
    done
    wait_for 60 "all nodes idle" nodes_idle
    wait_for 30 "slurmnatived" in_node slurmnative ping
    say "cluster up in $((SECONDS - started)) s"
}

stop_cluster() {
    local c v
    for c in $(engine ps -a --filter "label=$LABEL" --format '{{.Names}}'); do
        engine rm -f -t 5 "$c" >/dev/null
    done
    for v in $(engine volume ls --filter "label=$LABEL" --format '{{.Name}}'); do
        engine volume rm -f "$v" >/dev/null
    done
    say "removed the containers and volumes of '$PREFIX' (images stay; $ENGINE rmi localhost/slurmnative-{base,kdc,slurmctld,slurmd,slurmnatived} removes them)"
}

password() {
    engine exec "$PREFIX-kdc" awk -v u="$1" '$1 == u { print $2 }' /var/lib/slurmnative-secrets/passwords
}

kinit_as() { # kinit_as USER [KINIT_OPTIONS...]
    local user=$1
    shift
    password "$user" | as_user "$user" kinit "$@" "$user@$SN_REALM" >/dev/null
}

first_job() {
    say "alice: kinit, then srun -N1 klist (the job's ticket was forwarded by the plugin)"
    kinit_as alice
    as_user alice srun -N1 klist
}

instructions() {
    local e="$ENGINE"
    ((${#ENGINE_FLAGS[@]})) && e+=" ${ENGINE_FLAGS[*]}"
    cat <<MSG

The cluster keeps running: KDC ($SN_REALM), slurmctld, slurmnatived and nodes ${NODES[*]}.
A shell as alice on ${NODES[0]} (a login node too); her password is $(password alice):
    $e exec -it -u alice -w /home/alice $PREFIX-${NODES[0]} bash -l
    kinit && srun -N2 klist && slurmnative list
The daemon's log (with the audit lines):
    $e logs $PREFIX-slurmnatived
Stop it and remove its containers and volumes:
    ./build.sh containers stop
MSG
}

# ------------------------------------------------------------------ test

FAILED=0
check() { # check WHAT COMMAND...
    local what=$1
    shift
    if "$@"; then printf '  ok   %s\n' "$what"; else printf '  FAIL %s\n' "$what"; FAILED=1; fi
}

forwarded_on_both() {
    local out
    out=$(as_user alice srun -N2 -l bash -c 'klist | grep "Default principal"') || return 1
    printf '%s\n' "$out" | sed 's/^/       /'
    [[ $(grep -c "Default principal: alice@$SN_REALM" <<<"$out") == 2 ]]
}

ccache_private() {
    local out
    out=$(as_user alice srun -N1 bash -c 'f=${KRB5CCNAME#FILE:}; stat -c "%U %a" "$f"; echo "$f"')
    [[ $(head -n1 <<<"$out") == "alice 600" ]] && printf '%s\n' "$out" | tail -n1 >"$CACHE/last-ccache"
}

ccache_gone() {
    local f n
    f=$(cat "$CACHE/last-ccache")
    for n in "${NODES[@]}"; do
        engine exec "$PREFIX-$n" test ! -e "$f" || return 1
    done
}

renewed_in_job() {
    # Tickets that live 2 minutes: the plugin refreshes the job's ccache at half its life.
    local out
    kinit_as alice -l 2m -r 10m
    out=$(as_user alice srun -N1 bash -c 'a=$(klist | awk "/krbtgt/ { print \$3, \$4; exit }"); sleep 75; b=$(klist | awk "/krbtgt/ { print \$3, \$4; exit }"); echo "$a|$b"')
    kinit_as alice
    printf '       expiry at start and after 75 s: %s\n' "$out"
    [[ -n ${out%%|*} && ${out%%|*} != "${out#*|}" ]]
}

bob_refused() {
    kinit_as bob
    as_user bob srun -N1 true >/dev/null || return 1
    ! as_user bob slurmnative get -c /tmp/stolen --user alice >/dev/null 2>&1 \
        && ! in_node test -e /tmp/stolen
}

audit_logged() {
    # The daemon logs every store, removal and refusal, with who asked and from where.
    local out
    out=$(engine logs "$PREFIX-slurmnatived" 2>&1)
    grep -E 'stored credential of uid 2001 .*alice|refused .*(bob|uid 2002)' <<<"$out" | tail -n 2 | sed 's/^/       /'
    grep -qE 'stored credential of uid 2001 .*alice' <<<"$out" && grep -qE 'refused .*(bob|uid 2002)' <<<"$out"
}

run_test() {
    local started=$SECONDS
    trap stop_cluster EXIT
    build_images
    start_cluster
    say "checking the flow"
    kinit_as alice
    check "a two-node job sees alice's forwarded ticket on both nodes" forwarded_on_both
    check "the job's ccache is alice's, mode 600" ccache_private
    check "the job's ccache is gone once the job ended" ccache_gone
    check "bob cannot get alice's ticket" bob_refused
    check "the daemon's log has the audit lines" audit_logged
    if [[ ${SN_TEST_RENEWAL:-1} == 1 ]]; then
        check "a short ticket is renewed inside a running job" renewed_in_job
    fi
    say "container test took $((SECONDS - started)) s"
    return "$FAILED"
}

case ${1:-start} in
    build) build_images ;;
    start) build_images; start_cluster; first_job; instructions ;;
    stop) stop_cluster ;;
    test) run_test ;;
    status) engine ps -a --filter "label=$LABEL" ;;
    password) password "${2:?password USER}" ;;
    *) die "unknown command '$1'; use one of: start, stop, test, status, password USER, build" ;;
esac
