"""Hybrid logical clocks: timestamps that order events across nodes even when their
wall clocks disagree. Two nodes exchange messages; every stamp is checked against the
HLC rules (API spec section 3).

Run: rkhost samples/hlc.py
"""
import ringkernel as rk


def check(cond, what):
    if not cond:
        raise SystemExit(f"hlc: FAILED: {what}")


node1 = rk.HlcClock(node_id=1)
node2 = rk.HlcClock(node_id=2)

# Local events: strictly increasing, even within one microsecond.
stamps = [node1.tick() for _ in range(10_000)]
check(all(a < b for a, b in zip(stamps, stamps[1:])), "tick() strictly increases")
same_micro = sum(1 for a, b in zip(stamps, stamps[1:]) if a.physical == b.physical)
print(f"node 1: 10000 ticks from {stamps[0]} to {stamps[-1]}, "
      f"{same_micro} ordered by the logical counter alone")

# A message from node 1 to node 2: the receiver's clock moves past the sender's stamp.
sent = node1.tick()
received = node2.update(sent)
check(received > sent, "update() returns a stamp after the received one")
check(received.node_id == 2, "update() stamps with the receiver's node id")
print(f"node 1 sends {sent}, node 2 receives it at {received}")

# A sender whose wall clock runs 5 s ahead (within the default 60 s drift): the receiver
# adopts the sender's physical time and continues its logical counter.
ahead = rk.HlcTimestamp(physical=rk.HlcTimestamp.now(3).physical + 5_000_000, logical=7,
                        node_id=3)
merged = node2.update(ahead)
check(merged.physical == ahead.physical and merged.logical == 8,
      f"merge with a clock 5 s ahead gives (physical, 8), got {merged!r}")
after = node2.tick()
check(after.physical == ahead.physical and after.logical == 9,
      "the next local tick stays on the adopted physical time")
print(f"a clock 5 s ahead: {ahead} merged into {merged}, next tick {after}")

# Beyond the allowed drift the update is refused and the clock is left alone.
far = rk.HlcTimestamp(physical=rk.HlcTimestamp.now(4).physical + 120_000_000, logical=0,
                      node_id=4)
try:
    node2.update(far)
    check(False, "an update 120 s ahead must be refused")
except rk.RingKernelError as e:
    check("Clock skew too large" in str(e) and "max: 60000ms" in str(e), f"message: {e}")
    print(f"a clock 120 s ahead is refused: {e}")
check(node2.now() >= after, "a refused update leaves the clock unchanged")

# Ordering is by (physical, logical, node_id): a merged timeline of both nodes sorts
# into causal order.
events = [node1.tick(), node2.tick(), node1.tick(), node2.tick()]
timeline = sorted(events)
check(all(a < b for a, b in zip(timeline, timeline[1:])), "sorted stamps are distinct")

# Packing for atomic storage: physical << 64 | logical << 16 | node_id.
ts = rk.HlcTimestamp(physical=1_000_000, logical=5, node_id=1)
packed = ts.pack()
check(packed == (1_000_000 << 64) | (5 << 16) | 1, f"pack() layout, got {packed:#x}")
check(rk.HlcTimestamp.unpack(packed) == ts, "unpack(pack(ts)) == ts")
check(str(ts) == "HLC(1000000.5.1)", f"str: {ts}")
check(repr(ts) == "HlcTimestamp(physical=1000000, logical=5, node_id=1)", f"repr: {ts!r}")
check(ts.as_micros() == 1_000_000 and ts.as_millis() == 1000, "time conversions")
check(rk.HlcTimestamp.zero().is_zero() and not ts.is_zero(), "zero()")
print(f"{ts!r} packs to {packed:#x} and back")
print("hlc: all checks passed")
