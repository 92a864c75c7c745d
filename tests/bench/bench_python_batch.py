"""The Python batch path's own cost, apart from the actor's: what bench_python.py's batch row
cannot show on a machine where the actor's worker and the Python thread share cores.

  receive_many  per reply: 256 echo replies already waiting, `receive_many(256)` timed;
  send_many     per message: 256 64-byte payloads into a Python-handler kernel nobody
                serves (its input only fills; the kernel is replaced when full), as bytes
                and as envelopes;
  per call      `receive_many(0, timeout=5)` and `send_many((), timeout=5)`: argument
                handling and the call itself.

Medians over many batches. Run: PYTHONPATH=<build>/python python3
tests/bench/bench_python_batch.py [--quick] [--cuda] (--cuda: the echo kernel runs on the
device, so receive_many reads the device's output ring; the send rows stay on the host's
queue: Python-handler kernels run on the CPU backend in any runtime).
"""

import pathlib
import statistics
import sys
import time
import timeit

HERE = pathlib.Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "python"))  # conftest's build-tree lookup

try:
    import ringkernel
except ImportError:
    import conftest  # noqa: F401  (finds the newest build tree)
    import ringkernel

from ringkernel import HlcTimestamp, LaunchOptions, MessageEnvelope, MessageHeader, RingKernel

PAYLOAD = bytes(64)
BATCH = 256
SINK_CAPACITY = 16384


def wait_replies(kernel, depth):
    deadline = time.monotonic() + 10
    while kernel.output_queue_stats().depth < depth:
        if time.monotonic() > deadline:
            raise TimeoutError(f"echo kernel did not reply {depth} times within 10 s")


def receive_ns(rt, batches):
    k = rt.launch_sync("batch_echo", LaunchOptions().with_queue_capacity(1024))
    items, per_reply = [PAYLOAD] * BATCH, []
    for _ in range(batches):
        assert k.send_many(items, timeout=5) == BATCH
        wait_replies(k, BATCH)
        t0 = time.perf_counter_ns()
        got = k.receive_many(BATCH)
        per_reply.append((time.perf_counter_ns() - t0) / BATCH)
        assert len(got) == BATCH
        del got
    k.terminate_sync()
    return statistics.median(per_reply)


def send_ns(rt, batches, items, tag):
    per_message, sinks = [], 0
    while len(per_message) < batches:
        opts = LaunchOptions().with_queue_capacity(SINK_CAPACITY).with_handler(lambda e: None)
        k = rt.launch_sync(f"batch_sink_{tag}_{sinks}", opts)
        sinks += 1
        for _ in range(SINK_CAPACITY // BATCH):
            t0 = time.perf_counter_ns()
            accepted = k.send_many(items, timeout=5)
            per_message.append((time.perf_counter_ns() - t0) / BATCH)
            assert accepted == BATCH
        k.terminate_sync()
    return statistics.median(per_message)


def call_ns(fn, calls):
    return min(timeit.repeat(fn, number=calls, repeat=5)) / calls * 1e9


def main(quick, backend):
    batches, calls = (100, 20_000) if quick else (1000, 200_000)
    h = MessageHeader.new(type_id=1, source_kernel=0, dest_kernel=0, payload_size=64,
                          timestamp=HlcTimestamp.zero())
    envelopes = [MessageEnvelope.from_bytes(h, PAYLOAD) for _ in range(BATCH)]
    with RingKernel.create_sync(backend=backend) as rt:
        recv = receive_ns(rt, batches)
        sent_bytes = send_ns(rt, batches, [PAYLOAD] * BATCH, "bytes")
        sent_env = send_ns(rt, batches, envelopes, "env")
        idle = rt.launch_sync("batch_idle")
        recv_call = call_ns(lambda: idle.receive_many(0, timeout=5), calls)
        send_call = call_ns(lambda: idle.send_many((), timeout=5), calls)
    print(f"ringkernel {ringkernel.__version__} Python batch path ({backend} backend for "
          f"receive_many, {BATCH} per batch, 64-byte payloads, medians)")
    print(f"receive_many, replies waiting   {recv:8.1f} ns per reply")
    print(f"send_many of bytes              {sent_bytes:8.1f} ns per message")
    print(f"send_many of envelopes          {sent_env:8.1f} ns per message")
    print(f"receive_many(0, timeout=5)      {recv_call:8.1f} ns per call")
    print(f"send_many((), timeout=5)        {send_call:8.1f} ns per call")
    return 0


if __name__ == "__main__":
    chosen = "cuda" if "--cuda" in sys.argv else "cpu"
    sys.exit(main("--quick" in sys.argv, chosen))
