#!/usr/bin/env bash
# Builds the four Debian packages from what ./build.sh build and publish left in artifacts/,
# with dpkg-deb alone (no debhelper, no network): artifacts/deb/slurmnative-{client,daemon,
# gateway,plugin}_VERSION_ARCH.deb. Maintainer scripts live next to this file.
#
# usage: packaging/build-debs.sh REPO_ROOT RID [SLURM_PREFIX]     (./build.sh package runs it)
# SLURM_PREFIX: the Slurm the plugin was built against with ./build.sh build --slurm-prefix;
# without it, the system's.
set -euo pipefail
ROOT=$1 RID=$2 SLURM_PREFIX=${3:-}
HERE="$ROOT/packaging"
PUBLISH="$ROOT/artifacts/publish"
OUT="$ROOT/artifacts/deb"
STAGE="$ROOT/artifacts/deb-stage"
VERSION=${SLURMNATIVE_VERSION:-0.1.0}
ARCH=$(dpkg --print-architecture)
TRIPLET=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine)
MAINTAINER=${SLURMNATIVE_MAINTAINER:-"SlurmNative maintainers <packaging@slurmnative.org>"}
die() { printf 'build-debs: %s\n' "$*" >&2; exit 1; }

for f in slurmnative/slurmnative slurmnative/libe_sqlite3.so slurmnatived/slurmnatived slurmnative-gateway/slurmnative-gateway; do
    [ -f "$PUBLISH/$f" ] || die "$PUBLISH/$f is missing; run ./build.sh publish"
done

# The Slurm the plugin was compiled against: Slurm loads only plugins whose plugin_version
# matches its own major release, so the package names that release and no other.
SLURM_VERSION_H=${SLURM_PREFIX:-/usr}/include/slurm/slurm_version.h
[ -f "$SLURM_VERSION_H" ] || die "no $SLURM_VERSION_H: is ${SLURM_PREFIX:-/usr} a Slurm installation prefix?"
v=$(awk '/define SLURM_VERSION_NUMBER/ { print $3 }' "$SLURM_VERSION_H")
SLURM_MAJOR="$((v >> 16)).$(printf '%02d' $(((v >> 8) & 255)))"
SLURM_NEXT="$((v >> 16)).$(printf '%02d' $((((v >> 8) & 255) + 1)))"
PLUGIN_SO="$ROOT/artifacts/plugin/slurm-$SLURM_MAJOR/slurmnative.so"
[ -f "$PLUGIN_SO" ] || die "the plugin for Slurm $SLURM_MAJOR is not built; run ./build.sh build${SLURM_PREFIX:+ --slurm-prefix $SLURM_PREFIX}"
# The package that brings Slurm's plugins with the headers' release: Debian's, or SchedMD's
# own packages (make debs, slurm-smd). A Slurm installed outside dpkg has none to name; the
# plugin package's preinst then compares the release of the slurmd or slurmctld it finds.
case "$(dpkg -S "$SLURM_VERSION_H" 2>/dev/null | cut -d: -f1)" in
    libslurm-dev) slurm_package=slurm-wlm-basic-plugins ;;
    slurm-smd-dev) slurm_package=slurm-smd ;;
    *) slurm_package="" ;;
esac
PLUGIN_DEPENDS=${slurm_package:+"$slurm_package (>= $SLURM_MAJOR), $slurm_package (<< $SLURM_NEXT~)"}

rm -rf "$STAGE" && mkdir -p "$STAGE" "$OUT"
rm -f "$OUT"/slurmnative-*.deb

# stage PACKAGE: an empty tree with DEBIAN/, docs and copyright.
stage() {
    local d="$STAGE/$1"
    install -d -m 0755 "$d/DEBIAN" "$d/usr/share/doc/$1"
    install -m 0644 "$HERE/copyright" "$d/usr/share/doc/$1/copyright"
    printf '%s (%s) unstable; urgency=medium\n\n  * Package built from the SlurmNative source tree.\n\n -- %s  %s\n' \
        "$1" "$VERSION" "$MAINTAINER" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}")" \
        | gzip -9n >"$d/usr/share/doc/$1/changelog.gz"
    chmod 0644 "$d/usr/share/doc/$1/changelog.gz"
    if [ -f "$HERE/$1.lintian-overrides" ]; then
        install -d -m 0755 "$d/usr/share/lintian/overrides"
        install -m 0644 "$HERE/$1.lintian-overrides" "$d/usr/share/lintian/overrides/$1"
    fi
    echo "$d"
}
# scripts PACKAGE: the maintainer scripts packaging/PACKAGE.{postinst,prerm,postrm} that exist.
scripts() {
    local s
    for s in preinst postinst prerm postrm; do
        [ -f "$HERE/$1.$s" ] && install -m 0755 "$HERE/$1.$s" "$STAGE/$1/DEBIAN/$s"
    done
    return 0
}
# control PACKAGE DEPENDS SUMMARY DESCRIPTION
control() {
    local d="$STAGE/$1" size
    size=$(du -sk --exclude=DEBIAN "$d" | cut -f1)
    {
        echo "Package: $1"
        echo "Version: $VERSION"
        echo "Architecture: $ARCH"
        echo "Maintainer: $MAINTAINER"
        echo "Installed-Size: $size"
        [ -n "$2" ] && echo "Depends: $2"
        echo "Section: admin"
        echo "Priority: optional"
        echo "Homepage: https://github.com/slurmnative/slurmnative"
        echo "Description: $3"
        fold -s -w 72 <<<"$4" | sed 's/ *$//; s/^/ /'
    } >"$d/DEBIAN/control"
    # Everything under /etc is a conffile: dpkg keeps the admin's edits across upgrades.
    if [ -d "$d/etc" ]; then
        (cd "$d" && find etc -type f | sed 's|^|/|' | sort) >"$d/DEBIAN/conffiles"
        chmod 0644 "$d/DEBIAN/conffiles"
    fi
    (cd "$d" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs -r md5sum) >"$d/DEBIAN/md5sums"
    chmod 0644 "$d/DEBIAN/md5sums" "$d/DEBIAN/control"
    dpkg-deb --root-owner-group -Zxz --build "$d" "$OUT/${1}_${VERSION}_${ARCH}.deb" >/dev/null
    echo "$OUT/${1}_${VERSION}_${ARCH}.deb"
}
man_pages() { # man_pages PACKAGE SECTION:NAME...
    local d="$STAGE/$1" page; shift
    for page in "$@"; do
        [ -f "$ROOT/doc/man/${page#*:}.${page%%:*}" ] || continue
        install -d -m 0755 "$d/usr/share/man/man${page%%:*}"
        gzip -9n <"$ROOT/doc/man/${page#*:}.${page%%:*}" >"$d/usr/share/man/man${page%%:*}/${page#*:}.${page%%:*}.gz"
        chmod 0644 "$d/usr/share/man/man${page%%:*}/${page#*:}.${page%%:*}.gz"
    done
}

# service PACKAGE PROGRAM UNIT: a server program in /usr/lib/slurmnative, on the admin's PATH
# in /usr/sbin, with its systemd unit.
service() {
    local d="$STAGE/$1"
    install -d -m 0755 "$d/usr/lib/slurmnative" "$d/usr/sbin" "$d/etc/slurmnative" "$d/lib/systemd/system"
    install -m 0755 "$PUBLISH/$2/$2" "$d/usr/lib/slurmnative/$2"
    ln -s "../lib/slurmnative/$2" "$d/usr/sbin/$2"
    install -m 0644 "$3" "$d/lib/systemd/system/$(basename "$3")"
}

# ---- slurmnative-client: the CLI (users' add/list, nodes' get, the Epilog's sweep) ----
d=$(stage slurmnative-client)
install -d -m 0755 "$d/usr/lib/slurmnative" "$d/usr/bin" "$d/etc/slurmnative"
install -m 0755 "$PUBLISH/slurmnative/slurmnative" "$d/usr/lib/slurmnative/slurmnative"
install -m 0644 "$PUBLISH/slurmnative/libe_sqlite3.so" "$d/usr/lib/slurmnative/libe_sqlite3.so"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$d/usr/lib/slurmnative/libe_sqlite3.so"
ln -s ../lib/slurmnative/slurmnative "$d/usr/bin/slurmnative"
# The documented etc/slurmnative.conf, with what the packages decide: the daemon's own user,
# and its Unix socket (if enabled) out of /run/slurmnative, where the plugin keeps job records.
sed -e 's|^#daemon_user = root$|&\n# The packages run slurmnatived as the system user slurmnative. Give it the same\n# uid on every host (create it in the site directory before installing).\ndaemon_user = slurmnative|' \
    -e 's|^#unix_socket = /run/slurmnative/slurmnatived.sock|#unix_socket = /run/slurmnatived/slurmnatived.sock|' \
    "$ROOT/etc/slurmnative.conf" >"$d/etc/slurmnative/slurmnative.conf"
chmod 0644 "$d/etc/slurmnative/slurmnative.conf"
grep -q '^daemon_user = slurmnative$' "$d/etc/slurmnative/slurmnative.conf" \
    || die "etc/slurmnative.conf no longer has the line '#daemon_user = root' that the packaged copy replaces"
man_pages slurmnative-client 1:slurmnative 5:slurmnative.conf
scripts slurmnative-client
control slurmnative-client "libc6, libkrb5-3, libmunge2" \
    "Kerberos tickets that follow Slurm jobs (command line)" \
    "slurmnative stores a user's Kerberos ticket with the SlurmNative credential daemon, fetches it for nodes and admins, and sweeps leftover job credential caches from slurmd's Epilog. This package also holds /etc/slurmnative/slurmnative.conf, which the daemon, the CLI and the SPANK plugin read."

# ---- slurmnative-daemon: slurmnatived, its user, unit, ACL, state directory ----
d=$(stage slurmnative-daemon)
service slurmnative-daemon slurmnatived "$HERE/slurmnatived.service"
install -m 0644 "$ROOT/etc/acl.conf" "$d/etc/slurmnative/acl.conf"
install -m 0755 "$HERE/slurmnatived-keys" "$d/usr/lib/slurmnative/slurmnatived-keys"
man_pages slurmnative-daemon 8:slurmnatived 5:slurmnative-acl.conf
scripts slurmnative-daemon
control slurmnative-daemon "slurmnative-client (= $VERSION), adduser, munge, libc6, libkrb5-3, libmunge2" \
    "Kerberos tickets that follow Slurm jobs (credential daemon)" \
    "slurmnatived keeps users' Kerberos tickets encrypted at rest, renews them, and hands them to the nodes that run the users' jobs. Every request is authenticated with MUNGE and checked against /etc/slurmnative/acl.conf."

# ---- slurmnative-gateway: the REST gateway ----
d=$(stage slurmnative-gateway)
service slurmnative-gateway slurmnative-gateway "$ROOT/etc/slurmnative-gateway.service"
install -m 0644 "$ROOT/etc/gateway.json" "$d/etc/slurmnative/gateway.json"
man_pages slurmnative-gateway 8:slurmnative-gateway
scripts slurmnative-gateway
control slurmnative-gateway "slurmnative-client (= $VERSION), adduser, libc6, libkrb5-3, libmunge2" \
    "Kerberos tickets that follow Slurm jobs (REST gateway)" \
    "slurmnative-gateway logs users in with a password, stores their Kerberos ticket with slurmnatived, mints Slurm JWTs and submits jobs through slurmrestd."

# ---- slurmnative-plugin: the SPANK plugin ----
d=$(stage slurmnative-plugin)
install -d -m 0755 "$d/usr/lib/slurmnative"
install -m 0644 "$PLUGIN_SO" "$d/usr/lib/slurmnative/slurmnative.so"
install -m 0644 "$HERE/plugstack.conf.example" "$d/usr/share/doc/slurmnative-plugin/plugstack.conf.example"
man_pages slurmnative-plugin 8:slurmnative-plugin
scripts slurmnative-plugin
sed -i "s/@SLURM_RELEASE@/$SLURM_MAJOR/" "$d/DEBIAN/preinst"
control slurmnative-plugin "slurmnative-client (= $VERSION)${PLUGIN_DEPENDS:+, $PLUGIN_DEPENDS}, libc6, libkrb5-3, libmunge2" \
    "Kerberos tickets that follow Slurm jobs (SPANK plugin for Slurm $SLURM_MAJOR)" \
    "The SPANK plugin forwards a user's Kerberos ticket from srun, sbatch and salloc to the job's own credential cache on every node, through slurmnatived. Built for Slurm $SLURM_MAJOR: Slurm loads no plugin built for another release. Enable it with one line in plugstack.conf (see plugstack.conf.example)."

rm -rf "$STAGE"
echo "slurmnative packages for Slurm $SLURM_MAJOR ($TRIPLET) in $OUT:"
ls -1 "$OUT"
