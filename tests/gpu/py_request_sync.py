"""Python request_sync round trip against a GPU echo actor (run by run_device.sh)."""
import statistics
import time

import ringkernel as rk

rt = rk.RingKernel.create_sync(backend="cuda")
payload = b"x" * 64


def measure(kernel, what):
    times = []
    for i in range(6000):
        hdr = rk.MessageHeader.new(1, 0, 0, len(payload), rk.HlcTimestamp.now(1))
        env = rk.MessageEnvelope.from_bytes(hdr, payload)
        t0 = time.perf_counter_ns()
        reply = kernel.request_sync(env, 1.0)
        if i >= 1000:
            times.append(time.perf_counter_ns() - t0)
        assert reply.payload == payload
    times.sort()
    print(f"python request_sync round trip (GPU echo, 64 B, {what}): "
          f"p50 {times[len(times)//2]/1e3:.2f} us p99 {times[len(times)*99//100]/1e3:.2f} us "
          f"min {times[0]/1e3:.2f} us")


measure(rt.launch_sync("py_echo", rk.LaunchOptions()), "default options")
measure(rt.launch_sync("py_echo_256", rk.LaunchOptions().with_payload_capacity(256)),
        "payload capacity 256")
rt.shutdown_sync()
