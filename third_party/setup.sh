#!/bin/sh
# setup.sh — installs everything a build and the tests need on a fresh Debian 12, as root.
# Idempotent (installs only what is missing) and quiet; any failure stops it with a
# message naming the step.
#
#   apt:  build-essential cmake ninja-build dpkg-dev luajit2 libluajit2-5.1-dev
#         python3-dev python3-dbg python3-venv clang
#   pip:  pytest numpy scikit-build-core, for the python3 first on PATH
#   src:  jemalloc 5.3.0 (third_party/fetch-jemalloc.sh)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
apt_pkgs="build-essential cmake ninja-build dpkg-dev luajit2 libluajit2-5.1-dev python3-dev
python3-dbg python3-venv clang"

die() { echo "setup: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages with apt)"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script targets Debian 12"

missing=""
for p in $apt_pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: apt install$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  # shellcheck disable=SC2086 # the package list is meant to split
  apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    die "apt-get install$missing failed"
fi

py=$(command -v python3) || die "python3 not on PATH"
if ! "$py" -m pip --version >/dev/null 2>&1; then
  if [ "$py" = /usr/bin/python3 ]; then
    apt-get install -y -qq python3-pip >/dev/null || die "apt-get install python3-pip failed"
  else
    "$py" -m ensurepip -q >/dev/null 2>&1 || die "$py has no pip and ensurepip failed"
  fi
fi
need=""
for mod in pytest:pytest numpy:numpy scikit_build_core:scikit-build-core; do
  "$py" -c "import ${mod%%:*}" 2>/dev/null || need="$need ${mod#*:}"
done
if [ -n "$need" ]; then
  echo "setup: pip install$need ($py)"
  flags=""
  # Debian's own python3 is marked externally managed (PEP 668); this is a build box.
  stdlib=$("$py" -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')
  [ -f "$stdlib/EXTERNALLY-MANAGED" ] && flags="--break-system-packages"
  # shellcheck disable=SC2086
  "$py" -m pip install -q --disable-pip-version-check $flags $need ||
    die "pip install$need failed"
fi

sh "$here/fetch-jemalloc.sh" >/dev/null || die "fetching the jemalloc source failed"
echo "setup: ready"
