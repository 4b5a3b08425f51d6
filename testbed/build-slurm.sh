#!/usr/bin/env bash
# Build and install a Slurm from an unpacked source tree, for ./build.sh test-slurm.
#
#   testbed/build-slurm.sh SRC_DIR PREFIX
#
# SRC_DIR is a Slurm source tree, for example a release tag of SchedMD's repository
# exported with `git archive slurm-25-11-7-1 | tar -x -C SRC_DIR`; PREFIX is where it is
# installed (e.g. /opt/slurm-25.11). The project never downloads Slurm: the source comes
# from whoever runs this.
#
# What the test cluster needs of that Slurm decides the options: slurmrestd and auth/jwt
# (the gateway's tests), MUNGE (the cluster's authentication). Everything else keeps
# configure's defaults. Takes about 15-40 minutes on two cores.
set -euo pipefail

say() { printf '==> %s\n' "$*"; }
die() { printf 'build-slurm.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: testbed/build-slurm.sh SRC_DIR PREFIX (e.g. /tmp/slurm-25.11 /opt/slurm-25.11)"
src=$(cd "$1" 2>/dev/null && pwd) || die "no directory $1; export a release into it first: git -C SLURM_REPO archive slurm-25-11-7-1 | tar -x -C $1"
[ -x "$src/configure" ] || die "$src has no configure script; it must be the top of a Slurm source tree"
prefix=$2
case "$prefix" in /*) ;; *) die "PREFIX must be an absolute path, not $prefix" ;; esac
[ "$prefix" != /usr ] || die "PREFIX /usr would overwrite Debian's Slurm; pick e.g. /opt/slurm-VERSION"

# What configure needs for the features above, from Debian.
packages=(build-essential pkg-config python3 libmunge-dev munge libjwt-dev libjson-c-dev
          libhttp-parser-dev libyaml-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]}; run as root so they can be installed"
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

log_dir=$src/build-slurm-logs
mkdir -p "$log_dir"
step() {
    local name=$1; shift
    say "$name (log: $log_dir/$name.log)"
    if ! "$@" >"$log_dir/$name.log" 2>&1; then
        tail -n 30 "$log_dir/$name.log" >&2
        die "$name failed; the whole log is $log_dir/$name.log"
    fi
}

cd "$src"
step configure ./configure --prefix="$prefix" --sysconfdir="$prefix/etc" \
    --with-jwt --enable-slurmrestd --disable-debug
# configure leaves out what it finds no library for without failing; say so now, not after the build.
grep -q '^#define HAVE_JWT 1' config.h || die "configure found no libjwt, so auth/jwt would not be built (see $log_dir/configure.log)"
grep -q '^S\["WITH_SLURMRESTD_TRUE"\]=""' config.status ||
    die "configure left out slurmrestd; it needs libjson-c, libhttp-parser and libyaml (see $log_dir/configure.log)"
step make make -j"$(nproc)"
step install make install
version=$("$prefix/sbin/slurmctld" -V 2>/dev/null || true)
[ -n "$version" ] || die "make install finished but $prefix/sbin/slurmctld does not run"
[ -e "$prefix/lib/slurm/auth_jwt.so" ] || die "$prefix/lib/slurm/auth_jwt.so is missing: the gateway's tests need auth/jwt"
[ -x "$prefix/sbin/slurmrestd" ] || die "$prefix/sbin/slurmrestd is missing: the gateway's tests need it"
say "installed $version in $prefix; test it with: ./build.sh test-slurm $prefix"
