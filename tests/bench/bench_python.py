"""Python binding overhead on the CPU (or CUDA) backend, each figure beside the C API's figure
measured in the same run on the same machine:

  1. sync request round trip (KernelHandle.request_sync, 64-byte payload, echo handler)
     vs the same loop in C (_ringkernel._bench_c_roundtrip: rk_kernel_request);
  2. asyncio request round trip (await KernelHandle.request) vs the same C loop;
  3. batch throughput (send_many + receive_many, 64-byte messages, batches of 256)
     vs the same loop in C (_ringkernel._bench_c_batch).

Run: PYTHONPATH=<build>/python python3 tests/bench/bench_python.py [--quick] [--cuda]
(--cuda: the same three measurements on the CUDA backend, baselines included).
Latencies: p50 / p99 / min over many samples after a warm-up; throughput in msg/s.
"""

import asyncio
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "python"))  # conftest's build-tree lookup

try:
    import ringkernel
except ImportError:
    import conftest  # noqa: F401  (finds the newest build tree)
    import ringkernel

from ringkernel import LaunchOptions, RingKernel, _ringkernel

PAYLOAD = bytes(64)


def percentiles(samples_ns):
    s = sorted(samples_ns)
    pick = lambda q: s[min(len(s) - 1, round(q * (len(s) - 1)))]  # noqa: E731
    return {"p50": pick(0.50) / 1e3, "p99": pick(0.99) / 1e3, "min": s[0] / 1e3}


def line(name, stats, base):
    return (f"{name:<28} p50 {stats['p50']:8.2f} us  p99 {stats['p99']:8.2f} us  "
            f"min {stats['min']:8.2f} us   | C p50 {base['p50']:7.2f} us  "
            f"ratio {stats['p50'] / base['p50']:5.2f}x")


def sync_roundtrips(kernel, n):
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t0 = clock()
        kernel.request_sync(PAYLOAD, timeout=5)
        out.append(clock() - t0)
    return out


async def async_roundtrips(kernel, n):
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t0 = clock()
        await kernel.request(PAYLOAD, 5)
        out.append(clock() - t0)
    return out


def batch_seconds(kernel, total, batch):
    items = [PAYLOAD] * batch
    t0 = time.perf_counter()
    sent = 0
    while sent < total:
        n = min(batch, total - sent)
        accepted = kernel.send_many(items[:n], timeout=5)
        got = 0
        while got < accepted:
            got += len(kernel.receive_many(accepted - got, timeout=5))
        sent += accepted
    return time.perf_counter() - t0


ROUNDS = 5  # C and Python measurements alternate, so machine noise hits both alike


def python_round(backend, per, batch_per, warm):
    """One round of the three Python measurements on a fresh runtime, shut down after,
    so the C helper's own runtime never shares the device with it."""
    with RingKernel.create_sync(backend=backend) as rt:
        k = rt.launch_sync("bench", LaunchOptions().with_queue_capacity(1024))

        async def run_async(count):
            return await async_roundtrips(k, count)

        if warm:
            sync_roundtrips(k, per)
            asyncio.run(run_async(per))
            batch_seconds(k, batch_per, 256)
        return (sync_roundtrips(k, per), asyncio.run(run_async(per)),
                batch_seconds(k, batch_per, 256))


def main(quick, backend):
    n = 2_000 if quick else 20_000
    total = 100_000 if quick else 1_000_000
    per, batch_per = n // ROUNDS, total // ROUNDS
    c_samples, sync_samples, async_samples = [], [], []
    c_secs = py_secs = 0.0

    _ringkernel._bench_c_roundtrip(per, backend)
    for r in range(ROUNDS):
        c_samples += _ringkernel._bench_c_roundtrip(per, backend)
        c_secs += _ringkernel._bench_c_batch(batch_per, 256, backend)
        sync, asy, secs = python_round(backend, per, batch_per, warm=(r == 0))
        sync_samples += sync
        async_samples += asy
        py_secs += secs

    c_rt, py_sync, py_async = (percentiles(x) for x in (c_samples, sync_samples, async_samples))
    c_batch, py_batch = total / c_secs, total / py_secs
    print(f"ringkernel {ringkernel.__version__} Python binding benchmark ({backend} backend, "
          f"{n} round trips, {total} batched messages)")
    print(line("request_sync round trip", py_sync, c_rt))
    print(line("asyncio request round trip", py_async, c_rt))
    print(f"{'batch throughput (256/batch)':<28} {py_batch / 1e6:8.3f} M msg/s"
          f"{'':38}| C {c_batch / 1e6:7.3f} M msg/s  ratio {c_batch / py_batch:5.2f}x slower")
    return 0


if __name__ == "__main__":
    chosen = "cuda" if "--cuda" in sys.argv else "cpu"
    sys.exit(main("--quick" in sys.argv, chosen))
