#!/usr/bin/env bash
# The one command that runs every test (README): installs what a fresh Debian 12 machine
# lacks (as root), configures, builds, and runs CTest — everything but the benchmarks.
# GPU tests exit 77 (skipped) where no device is present.
#   usage: bash tests/run.sh [extra ctest args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${RK_BUILD_DIR:-$root/build}

bash "$root/third_party/setup.sh"
# nvcc lives outside PATH on a stock CUDA install; let CMake's AUTO detection find it.
if [ -z "${CUDACXX:-}" ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc
fi
jobs=$(nproc)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" -LE bench --output-on-failure -j "$jobs" "$@"
