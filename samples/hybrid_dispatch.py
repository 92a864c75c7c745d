"""Hybrid dispatch: route each workload to the CPU or to the accelerator by size, and let
the adaptive mode learn the crossover from measured times.

The "GPU side" here is a persistent actor running the built-in `sum` handler on the best
backend present (a CUDA actor when a GPU is usable, else a CPU actor); the CPU side sums
in Python. Both must agree on every result.

Run: rkhost samples/hybrid_dispatch.py
"""
import struct
import time

import ringkernel as rk


def check(cond, what):
    if not cond:
        raise SystemExit(f"hybrid_dispatch: FAILED: {what}")


# Routing rules of each mode.
cpu_only = rk.HybridDispatcher(rk.HybridConfig.cpu_only())
gpu_only = rk.HybridDispatcher(rk.HybridConfig.gpu_only())
hybrid = rk.HybridDispatcher(rk.HybridConfig(mode=rk.ProcessingMode.Hybrid,
                                             gpu_threshold=10_000, learning_rate=0.1,
                                             gpu_available=True))
check(not cpu_only.should_use_gpu(1_000_000), "CpuOnly never picks the GPU")
check(gpu_only.should_use_gpu(1), "GpuOnly always picks the GPU when available")
check(not hybrid.should_use_gpu(9_999) and hybrid.should_use_gpu(10_000),
      "Hybrid picks the GPU from the threshold on (inclusive)")
print(f"{rk.HybridConfig.cpu_only()!r}, {rk.HybridConfig.gpu_only()!r}")

# Adaptive learning: the GPU was 10x faster at 50000 elements, so the threshold moves
# toward 0.8 x 50000: int(0.9 * 10000 + 0.1 * 40000) = 13000.
adaptive = rk.HybridDispatcher(rk.HybridConfig.adaptive())
adaptive.update_adaptive_threshold(workload_size=50_000, cpu_time_ms=100.0, gpu_time_ms=10.0)
check(adaptive.adaptive_threshold == 13_000, f"learned {adaptive.adaptive_threshold}")
# Now the CPU was faster at 2000 elements: target 2400, int(0.9 * 13000 + 240) = 11940.
adaptive.update_adaptive_threshold(workload_size=2_000, cpu_time_ms=1.0, gpu_time_ms=5.0)
check(adaptive.adaptive_threshold == 11_940, f"learned {adaptive.adaptive_threshold}")
print(f"adaptive threshold after two measurements: {adaptive.adaptive_threshold}")


def pack(values):
    return struct.pack(f"<{len(values)}d", *values)


with rk.RingKernel.create_sync(backend="auto") as runtime:
    options = rk.LaunchOptions().with_handler("sum").with_payload_capacity(65536)
    summer = runtime.launch_sync("summer", options)
    side = f"{runtime.backend.name} actor"

    def on_actor(values):
        header = rk.MessageHeader.new(type_id=1, source_kernel=0, dest_kernel=0,
                                      payload_size=8 * len(values),
                                      timestamp=rk.HlcTimestamp.now(1))
        reply = summer.request_sync(rk.MessageEnvelope.from_bytes(header, pack(values)), 5.0)
        return struct.unpack("<d", reply.payload)[0]

    dispatcher = rk.HybridDispatcher(rk.HybridConfig(mode=rk.ProcessingMode.Hybrid,
                                                     gpu_threshold=2_000, learning_rate=0.1,
                                                     gpu_available=True))
    for size in (10, 100, 1_000, 2_000, 4_000, 8_000):
        values = [float(i % 97) * 0.5 for i in range(size)]
        expected = sum(values)
        gpu_runs = dispatcher.stats().gpu_count
        start = time.perf_counter()
        # dispatch() picks the side, runs it, and counts (and, in Adaptive mode, learns).
        result = dispatcher.dispatch(size, lambda: sum(values), lambda: on_actor(values))
        elapsed_ms = (time.perf_counter() - start) * 1e3
        on_gpu = dispatcher.stats().gpu_count > gpu_runs
        check(on_gpu == (size >= 2_000), f"size {size} went to the right side")
        check(result == expected, f"size {size}: {result} != {expected}")
        where = side if on_gpu else "python (cpu)"
        print(f"size {size:5d} -> {where:14s} sum {result:12.1f} in {elapsed_ms:.3f} ms")
    stats = dispatcher.stats()
    check((stats.cpu_count, stats.gpu_count, stats.total()) == (3, 3, 6), f"stats {stats!r}")
    check(abs(stats.gpu_ratio() - 0.5) < 1e-12, "gpu_ratio")
    check(summer.status().messages_processed == 3, "the actor summed three workloads")
    print(f"dispatched {stats.total()} workloads, {stats.gpu_ratio():.0%} to the {side}")
print("hybrid_dispatch: all checks passed")
