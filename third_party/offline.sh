#!/bin/sh
# offline.sh — packs what a build needs into third_party/.offline/ (ignored by git), for a
# machine without package access (the GPU machine: Ubuntu 24.04; see ../shared/BENCH.md
# "How to run on the GPU machine"). Run it here, as root, on Debian 12 with apt; carry
# third_party/.offline/ along with the source tree.
#
#   .offline/jemalloc-5.3.0.tar.bz2  Debian's jemalloc source (SHA-256 pinned in
#                                    fetch-jemalloc.sh); jemalloc.cmake builds it
#   .offline/luajit/usr/...          Debian 12's LuaJIT packages unpacked with dpkg -x;
#                                    luajit.cmake finds them (RK_LUAJIT_ROOT)
#   .offline/*.deb                   the same packages as downloaded (for scripts that
#                                    unpack them themselves)
#
# Idempotent: re-running refreshes the bundle. Exits non-zero with a message on failure.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
off="$here/.offline"
luajit_pkgs="libluajit2-5.1-dev libluajit2-5.1-2 libluajit2-5.1-common luajit2"

die() { echo "offline: $*" >&2; exit 1; }

command -v apt-get >/dev/null 2>&1 || die "needs apt-get (run on Debian 12)"
command -v dpkg >/dev/null 2>&1 || die "needs dpkg (run on Debian 12)"
mkdir -p "$off"

sh "$here/fetch-jemalloc.sh" >/dev/null
cp "$here/.deps/jemalloc_5.3.0.orig.tar.bz2" "$off/jemalloc-5.3.0.tar.bz2"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
# apt warns when its unprivileged user cannot write the folder; the log shows on failure.
# shellcheck disable=SC2086 # the package list is meant to split
(cd "$tmp" && apt-get download $luajit_pkgs >"$tmp/apt.log" 2>&1) ||
  { cat "$tmp/apt.log" >&2; die "apt-get download of LuaJIT packages failed"; }
rm -rf "$off/luajit" "$off/debs" "$off"/*.deb
mkdir -p "$off/luajit"
for deb in "$tmp"/*.deb; do
  dpkg -x "$deb" "$off/luajit"
  cp "$deb" "$off/"
done
[ -f "$off/luajit/usr/include/luajit-2.1/luajit.h" ] || die "unpacked LuaJIT has no luajit.h"

echo "offline: bundle ready in $off"
ls -1 "$off"
