"""Python request_sync round trip against a GPU echo actor (run by run_device.sh)."""
import statistics
import time

import ringkernel as rk

rt = rk.RingKernel.create_sync(backend="cuda")
kernel = rt.launch_sync("py_echo", rk.LaunchOptions())
payload = b"x" * 64
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
print(f"python request_sync round trip (GPU echo, 64 B): p50 {times[len(times)//2]/1e3:.2f} us "
      f"p99 {times[len(times)*99//100]/1e3:.2f} us min {times[0]/1e3:.2f} us")
rt.shutdown_sync()
