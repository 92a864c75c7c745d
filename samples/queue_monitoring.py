"""Queue monitoring: health thresholds, capacity tiers and upgrade suggestions, first on
plain numbers, then on a live kernel whose reply queue fills up because nobody reads it.

Run: rkhost samples/queue_monitoring.py
"""
import time

import ringkernel as rk


def check(cond, what):
    if not cond:
        raise SystemExit(f"queue_monitoring: FAILED: {what}")


monitor = rk.QueueMonitor.default()
check(repr(monitor) == "QueueMonitor(warning=75%, critical=90%)", repr(monitor))
check(monitor.utilization(depth=800, capacity=1000) == 0.8, "utilization")
check(monitor.utilization(depth=5, capacity=0) == 0.0, "an empty capacity is 0% used")
for depth, expected in ((749, rk.QueueHealth.Healthy), (750, rk.QueueHealth.Warning),
                        (899, rk.QueueHealth.Warning), (900, rk.QueueHealth.Critical)):
    health = monitor.check_health(depth=depth, capacity=1000)
    check(health == expected, f"depth {depth}/1000 is {expected}, got {health}")
    print(f"depth {depth:4d}/1000 -> {health.name}")

# Tiers: capacity per tier, sizing from throughput (need = mps x headroom_ms // 1000).
check([t.capacity for t in rk.QueueTier] == [256, 1024, 4096, 16384], "tier capacities")
check(rk.QueueTier.for_throughput(messages_per_second=10_000, headroom_ms=100)
      == rk.QueueTier.Medium, "10k msg/s x 100 ms = 1000 -> Medium")
check(rk.QueueTier.for_throughput(messages_per_second=50_000) == rk.QueueTier.ExtraLarge,
      "50k msg/s x 100 ms = 5000 -> ExtraLarge")
check(rk.QueueTier.ExtraLarge.upgrade() == rk.QueueTier.ExtraLarge and
      rk.QueueTier.Small.downgrade() == rk.QueueTier.Small, "upgrade/downgrade saturate")
check(monitor.suggest_upgrade(depth=900, capacity=1000, current_tier=rk.QueueTier.Medium)
      == rk.QueueTier.Large, "a busy Medium queue should become Large")
check(monitor.suggest_upgrade(depth=100, capacity=1000, current_tier=rk.QueueTier.Medium)
      is None, "a quiet queue needs nothing")

# A live queue: an echo kernel with a 16-slot reply queue; 12 requests and no reader
# leave 12 replies waiting = 75% -> Warning.
with rk.RingKernel.create_sync(backend="auto") as runtime:
    kernel = runtime.launch_sync("echo16", rk.LaunchOptions().with_output_queue_capacity(16))
    for i in range(12):
        header = rk.MessageHeader.new(type_id=1, source_kernel=0, dest_kernel=0,
                                      payload_size=1, timestamp=rk.HlcTimestamp.now(1))
        kernel.send_sync(rk.MessageEnvelope.from_bytes(header, bytes([i])))
    deadline = time.monotonic() + 30
    while kernel.status().messages_processed < 12 and time.monotonic() < deadline:
        time.sleep(0.001)
    check(kernel.status().messages_processed == 12, "the kernel processed all 12")
    out = kernel.output_queue_stats()
    check((out.enqueued, out.dequeued, out.depth) == (12, 0, 12), f"reply queue {out!r}")
    health = monitor.check_health(out.depth, 16)
    check(health == rk.QueueHealth.Warning, f"12/16 is Warning, got {health}")
    suggestion = monitor.suggest_upgrade(out.depth, 16, rk.QueueTier.Small)
    check(suggestion == rk.QueueTier.Medium, f"suggested {suggestion}")
    print(f"{runtime.backend.name} kernel: {out.depth}/16 replies waiting "
          f"({out.utilization(16):.0%}) -> {health.name}, suggest {suggestion.name}")

    replies = [kernel.receive_timeout_sync(5.0) for _ in range(12)]
    check([r.payload for r in replies] == [bytes([i]) for i in range(12)],
          "every reply arrives once, in order")
    out = kernel.output_queue_stats()
    inp = kernel.input_queue_stats()
    check((out.depth, out.dequeued, out.max_depth) == (0, 12, 12), f"drained {out!r}")
    check((inp.enqueued, inp.dequeued, inp.dropped) == (12, 12, 0), f"input {inp!r}")
    check(inp.drop_rate() == 0.0, "nothing dropped")
    print(f"drained: reply queue {out!r}, input queue {inp!r}")
print("queue_monitoring: all checks passed")
