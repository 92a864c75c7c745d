import pickle
import threading
import time

import pytest

import ringkernel
from ringkernel import HlcClock, HlcTimestamp, RingKernelError


def test_timestamp_fields_repr_str():
    ts = HlcTimestamp(physical=1000000, logical=5, node_id=1)
    assert (ts.physical, ts.logical, ts.node_id) == (1000000, 5, 1)
    assert repr(ts) == "HlcTimestamp(physical=1000000, logical=5, node_id=1)"
    assert str(ts) == "HLC(1000000.5.1)"
    assert HlcTimestamp(1, 2, 3) == HlcTimestamp(physical=1, logical=2, node_id=3)


def test_timestamp_ordering_and_hash():
    a = HlcTimestamp(10, 0, 1)
    b = HlcTimestamp(10, 1, 0)
    c = HlcTimestamp(10, 1, 2)
    d = HlcTimestamp(11, 0, 0)
    assert a < b < c < d
    assert sorted([d, c, b, a]) == [a, b, c, d]
    assert len({a, HlcTimestamp(10, 0, 1), b}) == 2
    assert a != b and not (a == 5)


def test_now_zero_conversions():
    before = int(time.time() * 1e6)
    ts = HlcTimestamp.now(node_id=42)
    after = int(time.time() * 1e6)
    assert before <= ts.physical <= after + 1
    assert ts.logical == 0 and ts.node_id == 42
    z = HlcTimestamp.zero()
    assert z.is_zero() and not ts.is_zero()
    assert HlcTimestamp(0, 0, 7).is_zero()
    t = HlcTimestamp(1234567, 3, 1)
    assert t.as_micros() == 1234567 and t.as_millis() == 1234


def test_pack_unpack():
    ts = HlcTimestamp(physical=1700000000000000, logical=77, node_id=513)
    packed = ts.pack()
    assert packed == (1700000000000000 << 64) | (77 << 16) | 513
    assert HlcTimestamp.unpack(packed) == ts
    big_logical = HlcTimestamp(5, 2**48 + 3, 0x1FFFF).pack()
    assert big_logical >> 64 == 5  # logical never spills into physical
    assert HlcTimestamp.unpack(big_logical) == HlcTimestamp(5, 3, 0xFFFF)
    with pytest.raises(ValueError, match="2\\*\\*128"):
        HlcTimestamp.unpack(1 << 128)
    with pytest.raises(ValueError):
        HlcTimestamp.unpack(-1)


def test_pickle_roundtrip():
    ts = HlcTimestamp(9, 8, 7)
    assert pickle.loads(pickle.dumps(ts)) == ts


def test_bad_arguments():
    with pytest.raises(ValueError, match="physical must be 0..18446744073709551615, got -1"):
        HlcTimestamp(-1, 0, 0)
    with pytest.raises(TypeError, match="logical must be an int"):
        HlcTimestamp(0, "x", 0)
    with pytest.raises(TypeError):
        HlcTimestamp(0, 0)


def test_clock_tick_strictly_increasing():
    clock = HlcClock(node_id=1)
    assert clock.node_id == 1 and clock.max_drift_ms == 60000
    prev = clock.tick()
    for _ in range(10000):
        ts = clock.tick()
        assert ts > prev and ts.node_id == 1
        prev = ts


def test_clock_tick_unique_across_threads():
    clock = HlcClock(node_id=3)
    results = [[] for _ in range(4)]

    def worker(out):
        for _ in range(5000):
            out.append(clock.tick())

    threads = [threading.Thread(target=worker, args=(r,)) for r in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [ts for r in results for ts in r]
    assert len(set(everything)) == len(everything)
    for r in results:
        assert r == sorted(r)


def test_clock_now_does_not_advance():
    clock = HlcClock(node_id=1)
    t = clock.tick()
    n = clock.now()
    assert n >= HlcTimestamp(t.physical, 0, 1)


def test_clock_update_merges():
    clock = HlcClock(node_id=1)
    received = HlcTimestamp(physical=2000000, logical=0, node_id=2)
    merged = clock.update(received)
    assert merged > received and merged.node_id == 1
    future = HlcTimestamp(physical=int(time.time() * 1e6) + 5_000_000, logical=9, node_id=2)
    merged = clock.update(future)
    assert (merged.physical, merged.logical) == (future.physical, 10)
    assert clock.tick() > merged


def test_clock_update_rejects_skew():
    clock = HlcClock(node_id=1, max_drift_ms=1000)
    far = HlcTimestamp(physical=int(time.time() * 1e6) + 120_000_000, logical=0, node_id=2)
    with pytest.raises(RingKernelError, match=r"Clock skew too large: \d+ms \(max: 1000ms\)"):
        clock.update(far)
    with pytest.raises(TypeError, match="received must be an HlcTimestamp"):
        clock.update(5)


def test_submodule():
    assert ringkernel.hlc.HlcClock is HlcClock
    assert ringkernel.hlc.HlcTimestamp is HlcTimestamp
