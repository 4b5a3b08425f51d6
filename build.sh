#!/usr/bin/env bash
# SlurmNative's one entry point.
#
#   ./build.sh demo    install what is missing, build, start a local demo cluster
#                      (MIT KDC, munged, slurmctld, slurmd, the plugin) and run a job
#   ./build.sh test    install what is missing, build, run every test (unit + real cluster)
#   ./build.sh build [--slurm-prefix DIR]
#                      build the shim, the plugin and all .NET projects; with a prefix,
#                      the shim and plugin are built against the Slurm installed there
#   ./build.sh test-slurm DIR
#                      build the plugin against the Slurm in DIR, start the test cluster
#                      with that Slurm and run the integration tests that involve Slurm
#   ./build.sh bench   run the benchmarks in bench/ (builds first)
#   ./build.sh publish self-contained binaries in artifacts/publish/ (no .NET runtime needed
#                      where they run: NativeAOT daemon and CLI, single-file gateway)
#   ./build.sh package [--slurm-prefix DIR]
#                      the four Debian packages in artifacts/deb/ (publishes first); the
#                      plugin package is for the Slurm in DIR, default the system's
#   ./build.sh fuzz [COUNT] [--target NAME]...
#                      fuzz every parser of outside input for COUNT inputs each (default
#                      1000000); tests/SlurmNative.Fuzz/README.md says more
#   ./build.sh deps    only install the Debian packages
#   ./build.sh containers [stop|test|status]
#                      build container images from this build and start a whole cluster
#                      in containers (container/README.md); stop removes it; test checks it
#
# demo, test and bench must run as root: the test cluster starts system daemons.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"

PLUGIN="$ROOT/artifacts/plugin/slurmnative.so"
FUZZER="$ROOT/tests/SlurmNative.Fuzz/bin/Release/net10.0/SlurmNative.Fuzz.dll"
# Empty: the system's Slurm (Debian's packages, headers in /usr/include).
SLURM_PREFIX=""
TESTBED="$ROOT/testbed/testbed.sh"

say() { printf '==> %s\n' "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# The plugin is built for this machine, one of the two architectures whose libc values
# bindings/ carries (SlurmNativeRuntimeIdentifiers in Directory.Build.props). The ABI test
# checks both: this one natively, the other with Debian's cross compiler under qemu-user.
case "$(uname -m)" in
    x86_64) RID=linux-x64; OTHER_ARCHITECTURE=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user) ;;
    aarch64) RID=linux-arm64; OTHER_ARCHITECTURE=(gcc-x86-64-linux-gnu libc6-dev-amd64-cross qemu-user) ;;
    *) die "this machine is $(uname -m); SlurmNative is built and ABI-checked for x86_64 and aarch64 Linux only (bindings/ carries libc values for those two and no other)" ;;
esac

APT_PACKAGES=(
    slurmctld slurmd slurm-client slurmrestd slurm-wlm-jwt-plugin libslurm-dev
    munge libmunge-dev
    krb5-kdc krb5-admin-server krb5-user libkrb5-dev heimdal-kcm
    postgresql
    cmake gcc clang binutils iproute2 procps util-linux curl
    "${OTHER_ARCHITECTURE[@]}"
)

# What the container cluster needs (container/cluster.sh), installed only for the commands
# that run it: podman from Debian, runc for hosts where podman's default crun fails, and
# mmdebstrap to make a Debian image where no image registry is reachable.
CONTAINER_PACKAGES=(podman runc mmdebstrap)

require_root() {
    [ "$(id -u)" -eq 0 ] || die "'$1' starts a test cluster (KDC, munged, Slurm daemons) and must run as root: sudo ./build.sh $1"
}

# install_deps [EXTRA_PACKAGE...]
install_deps() {
    local missing=() wanted=("${APT_PACKAGES[@]}")
    # Another Slurm was given: Debian's would only shadow it.
    [ -n "$SLURM_PREFIX" ] && wanted=($(printf '%s\n' "${APT_PACKAGES[@]}" | grep -vxE 'slurmctld|slurmd|slurm-client|slurmrestd|slurm-wlm-jwt-plugin|libslurm-dev'))
    for package in "${wanted[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]}; run as root so build.sh can install them"
        say "installing ${missing[*]}"
        # The packages' own services (munge, slurmd, postgresql, ...) are not what the test
        # cluster runs; keep them from starting so the machine's state stays as it was.
        local policy=/usr/sbin/policy-rc.d added_policy=""
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && added_policy=1
        fi
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || { [ -n "$added_policy" ] && rm -f "$policy"; die "apt-get install failed for: ${missing[*]}"; }
        [ -n "$added_policy" ] && rm -f "$policy"
    fi
    command -v dotnet >/dev/null || {
        [ "$(id -u)" -eq 0 ] && apt-get install -y -qq dotnet-sdk-10.0 >/dev/null 2>&1 || true
        command -v dotnet >/dev/null || die "the .NET 10 SDK is missing: install dotnet-sdk-10.0 (Microsoft's Debian 12 package feed) and run again"
    }
}

# The Slurm version a spank.h's slurm_version.h names, as major.minor.micro.
slurm_version_of() {
    local v
    v=$(awk '/define SLURM_VERSION_NUMBER/ { print $3 }' "$1/slurm/slurm_version.h")
    [ -n "$v" ] || die "no SLURM_VERSION_NUMBER in $1/slurm/slurm_version.h"
    v=$((v))
    # Slurm writes its versions 22.05.8, not 22.5.8.
    printf '%d.%02d.%d\n' $((v >> 16)) $(((v >> 8) & 255)) $((v & 255))
}

build() {
    local include native version short
    include=/usr/include
    [ -n "$SLURM_PREFIX" ] && include="$SLURM_PREFIX/include"
    [ -f "$include/slurm/spank.h" ] || die "no slurm/spank.h under $include${SLURM_PREFIX:+ (is $SLURM_PREFIX a Slurm installation prefix?)}"
    version=$(slurm_version_of "$include")
    short=${version%.*}
    # One CMake build directory per Slurm: a cached include path never outlives a switch.
    native="$ROOT/artifacts/native"
    [ -n "$SLURM_PREFIX" ] && native="$ROOT/artifacts/native-slurm-$short"
    say "building the SPANK shim against Slurm $version's spank.h ($include/slurm/spank.h)"
    cmake -S "$ROOT" -B "$native" -DCMAKE_BUILD_TYPE=Release -DSLURM_INCLUDE_DIR="$include" >/dev/null
    cmake --build "$native" >/dev/null
    # The shim's objects differ per Slurm while their paths in obj/ do not: relink every time.
    rm -f "$ROOT"/src/SlurmNative.Plugin/obj/Release/*/"$RID"/native/SlurmNative.Plugin.so
    say "publishing the plugin with NativeAOT for $RID"
    dotnet publish "$ROOT/src/SlurmNative.Plugin/SlurmNative.Plugin.csproj" -c Release -r "$RID" \
        -o "$ROOT/artifacts/plugin/publish" -nologo -v quiet -clp:NoSummary \
        -p:ShimObject="$native/slurmnative_shim.o" -p:RunAsUserObject="$native/run_as_user.o" \
        -p:RuntimeMembarrierObject="$native/runtime_membarrier.o"
    # Slurm loads only a plugin built for its own major.minor: each gets its own path.
    install -D -m 0755 "$ROOT/artifacts/plugin/publish/SlurmNative.Plugin.so" "$ROOT/artifacts/plugin/slurm-$short/slurmnative.so"
    [ -z "$SLURM_PREFIX" ] && install -m 0755 "$ROOT/artifacts/plugin/publish/SlurmNative.Plugin.so" "$PLUGIN"
    say "building the .NET projects"
    dotnet build "$ROOT/SlurmNative.sln" -c Release -nologo -v quiet -clp:NoSummary
    say "plugin for Slurm $short: $ROOT/artifacts/plugin/slurm-$short/slurmnative.so ($(du -k "$ROOT/artifacts/plugin/slurm-$short/slurmnative.so" | cut -f1) KiB)"
    BUILT_PLUGIN="$ROOT/artifacts/plugin/slurm-$short/slurmnative.so"
}

PUBLISH="$ROOT/artifacts/publish"

publish() {
    # The daemon and the CLI are NativeAOT executables (their projects say PublishAot); each
    # keeps SQLite's own build, libe_sqlite3.so, next to it. ASP.NET Core's NativeAOT support
    # leaves the gateway's JSON and hosting paths less tested, so it is a trimmed, self-contained
    # single file instead: still no runtime to install.
    local project name
    rm -rf "$PUBLISH"
    for project in Daemon:slurmnatived Cli:slurmnative; do
        name=${project#*:}
        say "publishing $name with NativeAOT for $RID"
        dotnet publish "$ROOT/src/SlurmNative.${project%%:*}/SlurmNative.${project%%:*}.csproj" -c Release -r "$RID" \
            -o "$PUBLISH/$name" -nologo -v quiet -clp:NoSummary
    done
    say "publishing slurmnative-gateway as a self-contained single file for $RID"
    dotnet publish "$ROOT/src/SlurmNative.Gateway/SlurmNative.Gateway.csproj" -c Release -r "$RID" --self-contained \
        -p:PublishSingleFile=true -p:PublishTrimmed=true -p:DebugType=none \
        -o "$PUBLISH/slurmnative-gateway" -nologo -v quiet -clp:NoSummary
    # Debug symbols and PDBs stay out of what gets installed.
    find "$PUBLISH" \( -name "*.dbg" -o -name "*.pdb" -o -name "*.staticwebassets.*" -o -name "*.runtimeconfig.json" \) -delete
    say "published: $(cd "$PUBLISH" && du -sh -- * | tr '\t\n' ' ')"
}

run_tests() {
    local log="$ROOT/artifacts/test-output.log"
    mkdir -p "$ROOT/artifacts"
    say "running all tests (unit, ABI, plugin loading, real test cluster)"
    set +e
    dotnet test "$ROOT/SlurmNative.sln" -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    set -e
    # The integration fixture stops the cluster itself; this catches a run that was killed.
    "$TESTBED" stop >/dev/null 2>&1 || true
    SN_PREFIX=slurmnative-test "$ROOT/container/cluster.sh" stop >/dev/null 2>&1 || true
    # One plain closing line for CI, summed over the test assemblies.
    awk '/^ *Passed: [0-9]+$/ { p += $2 } /^ *Failed: [0-9]+$/ { f += $2 } /^ *Skipped: [0-9]+$/ { s += $2 }
         END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
    return "$status"
}

demo() {
    say "starting the demo cluster (KDC, munged, slurmctld, slurmd) and the credential daemon"
    "$TESTBED" start --plugin "$PLUGIN"
    local config
    config=$("$TESTBED" daemon)
    say "plugstack.conf: required $PLUGIN default=on config=$config"
    "$TESTBED" start --plugin "$PLUGIN" --plugstack-line "required $PLUGIN default=on config=$config"
    say "alice runs kinit on the 'login node'"
    "$TESTBED" kinit alice
    "$TESTBED" run-as alice klist
    say "alice runs: srun -N1 klist   (the ticket was forwarded to the job's own ccache)"
    "$TESTBED" run-as alice srun -N1 klist || true
    cat <<MSG

The demo cluster keeps running. Try, for example:
    $TESTBED run-as alice srun -N1 klist
    $TESTBED run-as alice sbatch --wrap 'klist'
    $TESTBED status
Stop it and remove everything it created with:
    $TESTBED stop
MSG
}

# The integration tests that involve Slurm: the plugin loaded by the real daemons, tickets
# following jobs, the gateway with slurmrestd and the JWT modes.
SLURM_TEST_FILTER='FullyQualifiedName~SlurmNative.IntegrationTests.PluginInSlurmTests|FullyQualifiedName~SlurmNative.IntegrationTests.TicketFollowsJobTests|FullyQualifiedName~SlurmNative.IntegrationTests.GatewayTests|FullyQualifiedName~SlurmNative.Tests.Plugin.PluginLoadingTests|FullyQualifiedName~SlurmNative.Tests.Bindings.Abi|FullyQualifiedName~SlurmNative.Tests.Jwt.Tokens.SlurmAuthJwtInteropTests'

test_slurm() {
    local log="$ROOT/artifacts/test-slurm-$(basename "$SLURM_PREFIX").log"
    say "running the Slurm tests against $SLURM_PREFIX with $BUILT_PLUGIN"
    set +e
    TESTBED_SLURM_PREFIX="$SLURM_PREFIX" SLURMNATIVE_PLUGIN="$BUILT_PLUGIN" \
        dotnet test "$ROOT/SlurmNative.sln" -c Release --no-build -nologo --filter "$SLURM_TEST_FILTER" \
        --logger "console;verbosity=normal" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    set -e
    TESTBED_SLURM_PREFIX="$SLURM_PREFIX" "$TESTBED" stop >/dev/null 2>&1 || true
    awk '/^ *Passed: [0-9]+$/ { p += $2 } /^ *Failed: [0-9]+$/ { f += $2 } /^ *Skipped: [0-9]+$/ { s += $2 }
         END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
    return "$status"
}

command=${1:-build}
shift || true
case "$command" in
    build|package)
        while [ $# -gt 0 ]; do
            case "$1" in
                --slurm-prefix) [ $# -ge 2 ] || die "--slurm-prefix needs a directory"; SLURM_PREFIX=$(cd "$2" && pwd); shift 2 ;;
                --slurm-prefix=*) SLURM_PREFIX=$(cd "${1#*=}" && pwd); shift ;;
                *) die "$command: unknown option '$1'; use --slurm-prefix DIR" ;;
            esac
        done ;;
    test-slurm)
        [ $# -eq 1 ] || die "test-slurm needs one Slurm installation prefix, e.g. ./build.sh test-slurm /opt/slurm-25.05"
        SLURM_PREFIX=$(cd "$1" && pwd) || die "no directory $1" ;;
esac
# The system's Slurm was named explicitly: same as none.
[ "$SLURM_PREFIX" = /usr ] && SLURM_PREFIX=""

case "$command" in
    deps) install_deps ;;
    build) install_deps; build ;;
    # The package test installs what ./build.sh package makes, so the packages come first.
    test) require_root test; install_deps "${CONTAINER_PACKAGES[@]}"; build; publish; "$ROOT/packaging/build-debs.sh" "$ROOT" "$RID"; run_tests ;;
    test-slurm) require_root test-slurm; [ -n "$SLURM_PREFIX" ] || die "test-slurm is for another Slurm than the system's; the system's is './build.sh test'"
        install_deps; build; test_slurm ;;
    demo) require_root demo; install_deps; build; demo ;;
    bench) require_root bench; install_deps; build; publish; for b in "$ROOT"/bench/*.sh; do "$b"; done ;;
    publish) install_deps; build; publish ;;
    package) install_deps; build; publish; "$ROOT/packaging/build-debs.sh" "$ROOT" "$RID" "$SLURM_PREFIX"
        # Debian's own checks, where lintian is installed (apt-get install lintian).
        if command -v lintian >/dev/null; then
            say "lintian"
            lintian --fail-on error,warning --tag-display-limit 0 "$ROOT"/artifacts/deb/*.deb
        fi ;;
    containers)
        require_root containers
        case "${1:-start}" in
            start|test) install_deps "${CONTAINER_PACKAGES[@]}"; build; exec "$ROOT/container/cluster.sh" "${1:-start}" ;;
            stop|status) exec "$ROOT/container/cluster.sh" "$1" ;;
            *) die "unknown 'containers' command '$1'; use one of: start (the default), stop, test, status" ;;
        esac ;;
    fuzz)
        install_deps
        say "building the fuzz targets"
        dotnet build "$ROOT/tests/SlurmNative.Fuzz/SlurmNative.Fuzz.csproj" -c Release -nologo -v quiet -clp:NoSummary
        dotnet "$FUZZER" fuzz "$@" ;;
    *) die "unknown command '$command'; use one of: demo, test, test-slurm, build, bench, publish, package, deps, containers, fuzz" ;;
esac
