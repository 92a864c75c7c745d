#!/usr/bin/env bash
# run_device.sh — one call on the GPU machine: build from the carried tree, run the GPU
# tests (plain, then under compute-sanitizer memcheck and racecheck) and the benchmarks;
# logs and a summary table go to $OUT (default ./device-out).
#   usage: tests/gpu/run_device.sh [full|gpu|quick]
#     full   everything, Python and LuaJIT when their packages are carried
#     gpu    C only (no Python/LuaJIT): GPU tests, benchmarks, then the sanitizers with
#            shorter limits; fits a call of about five minutes
#   RK_NO_SANITIZER=1 skips compute-sanitizer (when device time is short);
#   RK_NO_SUITES=1 skips the script suites of the full mode
#     quick  echo test + benchmarks only
#     bench  benchmarks only (C), no tests, no sanitizers
#     race   gpu_echo built with -lineinfo under racecheck, hazards with source lines
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/device-out}
MODE=${1:-full}
mkdir -p "$OUT"
B=/tmp/rk-build
SUMMARY=$OUT/summary.md
: >"$SUMMARY"
note() { echo "$*" | tee -a "$SUMMARY"; }

note "# GPU run $(date -u +%FT%TZ) ($MODE)"
note "commit: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
note "card: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null)"

# Offline dependencies packed by third_party/offline.sh, when present.
OPTS=(-DRK_WITH_CUDA=ON -DRK_WITH_PYTHON=ON -DRK_WITH_LUAJIT=OFF -DCMAKE_BUILD_TYPE=Release)
# Per-step limits (seconds): test, benchmark, sanitizer run.
T_TEST=100 T_BENCH=120 T_SAN=75
if [ "$MODE" = race ]; then
  OPTS=(-DRK_WITH_CUDA=ON -DRK_WITH_PYTHON=OFF -DRK_WITH_LUAJIT=OFF -DCMAKE_BUILD_TYPE=Release
        -DCMAKE_CUDA_FLAGS=-lineinfo)
elif [ "$MODE" = gpu ] || [ "$MODE" = bench ]; then
  OPTS=(-DRK_WITH_CUDA=ON -DRK_WITH_PYTHON=OFF -DRK_WITH_LUAJIT=OFF -DCMAKE_BUILD_TYPE=Release)
  T_TEST=45 T_BENCH=90 T_SAN=45
elif [ -d "$ROOT/third_party/.offline" ]; then
  OPTS=(-DRK_WITH_CUDA=ON -DCMAKE_BUILD_TYPE=Release -DRK_WITH_PYTHON=ON)
  for deb in "$ROOT"/third_party/.offline/*.deb; do
    [ -e "$deb" ] && dpkg -x "$deb" /tmp/rk-luajit
  done
  if [ -d /tmp/rk-luajit/usr/include/luajit-2.1 ]; then
    export CPATH=/tmp/rk-luajit/usr/include/luajit-2.1${CPATH:+:$CPATH}
    export LIBRARY_PATH=/tmp/rk-luajit/usr/lib/x86_64-linux-gnu${LIBRARY_PATH:+:$LIBRARY_PATH}
    export LD_LIBRARY_PATH=/tmp/rk-luajit/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    OPTS+=(-DRK_WITH_LUAJIT=ON)
  else
    OPTS+=(-DRK_WITH_LUAJIT=OFF)
  fi
fi

# Builds bench_gpu once per -D variant named in RK_DRAIN_VARIANTS and prints its drains.
drain_variants() {
  for variant in ${RK_DRAIN_VARIANTS:-}; do
    P=/tmp/rk-$variant
    cmake -S "$ROOT" -B $P -G Ninja -DRK_WITH_CUDA=ON -DRK_WITH_PYTHON=OFF -DRK_WITH_LUAJIT=OFF \
      -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CUDA_FLAGS=-D$variant=1" >>"$OUT/variants.log" 2>&1 &&
      ninja -C $P bench_gpu >>"$OUT/variants.log" 2>&1
    note "### drain, variant $variant"
    RK_BENCH_THROUGHPUT_ONLY=1 timeout 60 $P/tests/gpu/bench_gpu 2>&1 | grep -E "drain|throughput" |
      tee -a "$SUMMARY"
  done
}

t0=$(date +%s)
if ! cmake -S "$ROOT" -B $B -G Ninja "${OPTS[@]}" >"$OUT/configure.log" 2>&1; then
  note "configure FAILED with ${OPTS[*]}; retrying without Python/LuaJIT"
  rm -rf $B
  cmake -S "$ROOT" -B $B -G Ninja -DRK_WITH_CUDA=ON -DRK_WITH_PYTHON=OFF -DRK_WITH_LUAJIT=OFF \
    -DCMAKE_BUILD_TYPE=Release >>"$OUT/configure.log" 2>&1 || { note "configure FAILED"; exit 1; }
fi
TARGETS=""
if [ "$MODE" = quick ]; then TARGETS="gpu_echo bench_gpu"; fi
if [ "$MODE" = bench ]; then TARGETS="bench_gpu bench_gpu_floor bench_gpu_read"; fi
if [ "$MODE" = race ]; then
  ninja -C $B -j"$(nproc)" gpu_echo bench_gpu >"$OUT/build.log" 2>&1 || { note "build FAILED"; exit 1; }
  RK_GPU_SMALL=1 timeout 120 compute-sanitizer --tool racecheck --show-backtrace device \
    --print-limit 12 $B/tests/gpu/gpu_echo >"$OUT/race.log" 2>&1
  note "racecheck exit $?"
  grep -E "Race reported|hazard|at .*:[0-9]+|SUMMARY" "$OUT/race.log" | head -60 | tee -a "$SUMMARY"
  # the batch drain of this build and of variants named in RK_DRAIN_VARIANTS (-D flags)
  RK_BENCH_THROUGHPUT_ONLY=1 timeout 60 $B/tests/gpu/bench_gpu 2>&1 | grep -E "drain|throughput" |
    tee -a "$SUMMARY"
  drain_variants
  exit 0
fi
if [ "$MODE" = gpu ]; then
  # every GPU test (tests/gpu/test_*.c -> gpu_*) and benchmark, nothing else
  TARGETS="$(cd "$ROOT/tests/gpu" && ls test_*.c | sed 's/^test_/gpu_/; s/\.c$//' | tr '\n' ' ')"
  TARGETS="$TARGETS bench_gpu bench_gpu_floor bench_gpu_read"
fi
if ! ninja -C $B -k 0 -j"$(nproc)" $TARGETS >"$OUT/build.log" 2>&1; then
  note "build had failures (see build.log); continuing with what was built"
fi
note "build: $(( $(date +%s) - t0 )) s"

cd $B
GPU_TESTS=$(ls tests/gpu/gpu_* 2>/dev/null | xargs -n1 basename | grep -v '^gpu_config$')
if [ "$MODE" = quick ]; then GPU_TESTS=gpu_echo; fi
if [ "$MODE" = bench ]; then GPU_TESTS=""; fi

note ""
note "| test | plain |"
note "|---|---|"
for t in $GPU_TESTS; do
  [ -x tests/gpu/$t ] || { note "| $t | not built |"; continue; }
  s0=$(date +%s)
  timeout $T_TEST tests/gpu/$t >"$OUT/$t.log" 2>&1; rc=$?
  note "| $t | exit $rc ($(( $(date +%s) - s0 )) s) |"
done
grep -h "round trip\|SKIP\|FAIL" "$OUT"/gpu_*.log 2>/dev/null | head -40 | tee -a "$SUMMARY"

note ""
note "## benchmarks"
for b in tests/gpu/bench_gpu*; do
  [ -x "$b" ] || continue
  timeout $T_BENCH "$b" >"$OUT/$(basename "$b").log" 2>&1; rc=$?
  note "### $(basename "$b") (exit $rc)"
  tail -n 45 "$OUT/$(basename "$b").log" | tee -a "$SUMMARY"
done

if [ -n "${RK_PROBE_BUILD:-}" ]; then
  # The solo path's probe points (RKC_SOLO_PROBES): more builds of bench_gpu only, one per
  # variant named in RK_PROBE_BUILD (space-separated extra -D flags, "-" for none).
  for variant in $RK_PROBE_BUILD; do
    P=/tmp/rk-probe$variant
    flags="-DRKC_SOLO_PROBES=1"
    [ "$variant" != "-" ] && flags="$flags -D$variant=1"
    cmake -S "$ROOT" -B $P -G Ninja -DRK_WITH_CUDA=ON -DRK_WITH_PYTHON=OFF -DRK_WITH_LUAJIT=OFF \
      -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CUDA_FLAGS=$flags" >"$OUT/probe.log" 2>&1 &&
      ninja -C $P bench_gpu >>"$OUT/probe.log" 2>&1 &&
      RK_BENCH_DIAG_ONLY=1 timeout 60 $P/tests/gpu/bench_gpu >"$OUT/bench_probe$variant.log" 2>&1
    note "### bench_gpu, probe build $variant (exit $?)"
    grep -E "round trip|kernel:|probes|forward|echo:" "$OUT/bench_probe$variant.log" | tee -a "$SUMMARY"
  done
fi

SO=$(find $B -name "_ringkernel*.so" | head -1)
if [ -n "$SO" ] && [ "$MODE" != gpu ]; then
  PKG=$(dirname "$SO")
  PYTHONPATH=$(dirname "$PKG"):$ROOT/python timeout 60 python3 \
    "$ROOT/tests/gpu/py_request_sync.py" >"$OUT/python.log" 2>&1; rc=$?
  note "python request_sync (exit $rc):"
  tail -n 5 "$OUT/python.log" | tee -a "$SUMMARY"
  PYTHONPATH=$(dirname "$PKG"):$ROOT/python timeout 90 python3 "$ROOT/tests/bench/bench_python.py" \
    --quick --cuda >"$OUT/bench_python.log" 2>&1; rc=$?
  note "bench_python --cuda (exit $rc):"
  tail -n 8 "$OUT/bench_python.log" | tee -a "$SUMMARY"
fi
if [ -x $B/scripting/rkhost ] && [ "$MODE" = full ]; then
  timeout 90 $B/scripting/rkhost "$ROOT/tests/lua/bench_lua.lua" cuda 20000 >"$OUT/bench_lua.log" 2>&1; rc=$?
  note "bench_lua cuda (exit $rc):"
  tail -n 6 "$OUT/bench_lua.log" | tee -a "$SUMMARY"
fi

[ "$MODE" != quick ] && drain_variants

if [ "$MODE" = full ] && [ -z "${RK_NO_SUITES:-}" ]; then
  # The script-level suites on whatever backend they pick (auto = CUDA here).
  s0=$(date +%s)
  timeout ${T_SUITES:-240} ctest --test-dir $B -L 'samples|python|lua|scripting' -E 'install|bench' \
    -j3 --timeout 120 >"$OUT/suites.log" 2>&1; rc=$?
  note ""
  note "script suites (samples/python/lua/scripting, -j3): exit $rc ($(( $(date +%s) - s0 )) s)"
  grep -E "tests passed|Failed|\*\*\*" "$OUT/suites.log" | head -20 | tee -a "$SUMMARY"
fi

if [ "$MODE" != quick ] && [ "$MODE" != bench ] && [ -z "${RK_NO_SANITIZER:-}" ] && command -v compute-sanitizer >/dev/null; then
  note ""
  note "| test (RK_GPU_SMALL=1) | memcheck | racecheck |"
  note "|---|---|---|"
  # compute-sanitizer serialises kernels, so only tests with one live actor at a time
  # (gpu_echo in small mode) can run under it.
  for t in gpu_echo; do
    [ -x tests/gpu/$t ] || continue
    RK_GPU_SMALL=1 timeout $T_SAN compute-sanitizer --tool memcheck --error-exitcode 99 \
      tests/gpu/$t >"$OUT/$t.memcheck.log" 2>&1; m=$?
    RK_GPU_SMALL=1 timeout $T_SAN compute-sanitizer --tool racecheck --error-exitcode 99 \
      tests/gpu/$t >"$OUT/$t.racecheck.log" 2>&1; r=$?
    note "| $t | $m | $r |"
  done
  grep -h "ERROR SUMMARY\|RACECHECK SUMMARY" "$OUT"/*check.log | head -10 | tee -a "$SUMMARY"
fi
# Keep the returned files under the device tool's limit of 8.
cd "$OUT" && tar czf logs.tgz *.log 2>/dev/null && rm -f *.log
cat "$SUMMARY"
