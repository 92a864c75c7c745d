#!/bin/sh
# fetch-jemalloc.sh — puts Debian's jemalloc 5.3.0 source tarball into third_party/.deps/
# and checks it against the pinned SHA-256.
#
# Source: Debian's source package (`apt-get source --download-only jemalloc`). Source
# lists are enabled by deriving a deb-src entry from the machine's own apt sources
# (/etc/apt/sources.list.d/debian.sources, or deb lines of /etc/apt/sources.list) into a
# separate file; no host name is ever written here. Needs root and apt; exits non-zero
# with a message when it cannot fetch or the hash does not match.
set -eu

JEMALLOC_VERSION=5.3.0
JEMALLOC_TARBALL=jemalloc_${JEMALLOC_VERSION}.orig.tar.bz2
JEMALLOC_SHA256=2db82d1e7119df3e71b7640219b6dfe84789bc0537983c3b7ac4f7189aecfeaa

here=$(cd "$(dirname "$0")" && pwd)
deps="$here/.deps"
srclist=/etc/apt/sources.list.d/ringkernel-deb-src.sources
srclist_legacy=/etc/apt/sources.list.d/ringkernel-deb-src.list

# Fail fast on machines that cannot reach the archive (e.g. the GPU machine).
apt_opts="-o Acquire::Retries=0 -o Acquire::http::Timeout=15 -o Acquire::https::Timeout=15"

die() { echo "fetch-jemalloc: $*" >&2; exit 1; }

verify() {
  echo "$JEMALLOC_SHA256  $1" | sha256sum -c --status - ||
    die "$1: SHA-256 mismatch (expected $JEMALLOC_SHA256)"
}

have_deb_src() {
  grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ ||
    grep -rqs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/
}

enable_deb_src() {
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$srclist"
  elif [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list > "$srclist_legacy"
  else
    die "no apt sources found to derive deb-src entries from"
  fi
  # shellcheck disable=SC2086 # the options are meant to split
  apt-get $apt_opts update -qq || die "apt-get update failed"
}

if [ -f "$deps/$JEMALLOC_TARBALL" ]; then
  verify "$deps/$JEMALLOC_TARBALL"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "needs root (apt) to fetch the source; or copy $JEMALLOC_TARBALL into $deps"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found; copy $JEMALLOC_TARBALL into $deps"
if ! command -v dpkg-source >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  apt-get $apt_opts install -y -qq dpkg-dev >/dev/null || die "installing dpkg-dev failed"
fi
have_deb_src || enable_deb_src

mkdir -p "$deps"
tmp=$(mktemp -d "$deps/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# apt warns when its unprivileged user cannot reach the folder; the log is shown only on
# failure.
# shellcheck disable=SC2086
(cd "$tmp" && apt-get $apt_opts source --download-only -qq jemalloc >"$tmp/apt.log" 2>&1) ||
  { cat "$tmp/apt.log" >&2; die "apt-get source jemalloc failed"; }
[ -f "$tmp/$JEMALLOC_TARBALL" ] || die "apt-get source gave no $JEMALLOC_TARBALL"
verify "$tmp/$JEMALLOC_TARBALL"
mv "$tmp/$JEMALLOC_TARBALL" "$deps/$JEMALLOC_TARBALL"
echo "fetch-jemalloc: $deps/$JEMALLOC_TARBALL"
