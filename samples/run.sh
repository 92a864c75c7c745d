#!/usr/bin/env bash
# The main job (README): a sample actor system on the best backend present, in Python and
# in Lua, through rkhost. On a fresh Debian 12 machine, as root, from anywhere:
#
#   bash samples/run.sh [sample]        (default sample: quickstart)
#
# It installs what the machine lacks (third_party/setup.sh), configures and builds rkhost
# (with the CUDA backend when nvcc is present), says which backend `backend="auto"` will
# pick here, and runs samples/<sample>.py and samples/<sample>.lua. RK_BUILD_DIR picks
# the build folder (default: build/ in the repository); RK_SKIP_SETUP=1 skips the
# installation step on a machine that already has everything (e.g. without package
# access, building from third_party/.offline).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${RK_BUILD_DIR:-$root/build}
sample=${1:-quickstart}

for ext in py lua; do
  if [ ! -f "$root/samples/$sample.$ext" ]; then
    echo "run.sh: no sample '$sample' (samples/$sample.$ext is missing)" >&2
    exit 2
  fi
done

if [ "${RK_SKIP_SETUP:-0}" = 1 ]; then
  echo "== RK_SKIP_SETUP=1: using the tools already installed"
elif [ -f "$root/third_party/setup.sh" ]; then
  bash "$root/third_party/setup.sh"
elif command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  # Without the project's set-up script, install the Debian 12 build dependencies directly.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends build-essential cmake ninja-build \
    python3 python3-dev libluajit2-5.1-dev pkg-config
fi

# nvcc lives outside PATH on a stock CUDA install; let CMake's AUTO detection find it.
if [ -z "${CUDACXX:-}" ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j "$(nproc)" --target rkhost
rkhost="$build/scripting/rkhost"

"$rkhost" --version
backend=$("$rkhost" info | sed -n 's/^  auto  *//p')
echo "== best backend present: ${backend:-unknown} (backend=\"auto\" picks it)"
if [ "$backend" = cuda ]; then
  "$rkhost" info | sed -n 's/^  \(\[[0-9]*\] .*\)/== device \1/p'
else
  "$rkhost" info | sed -n 's/^  cuda  *unavailable: /== no CUDA: /p'
fi

status=0
for ext in py lua; do
  echo "== rkhost samples/$sample.$ext"
  "$rkhost" "$root/samples/$sample.$ext" || status=$?
done
exit "$status"
