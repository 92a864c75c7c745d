"""No reference leaks over the main calls: the interpreter's allocated block count and
the reference counts of the objects passed in stay flat over 10k iterations."""

import asyncio
import gc
import sys

import pytest

import ringkernel
from ringkernel import (
    HlcClock,
    HlcTimestamp,
    LaunchOptions,
    MessageEnvelope,
    MessageHeader,
)

ITERATIONS = 10_000


def growth(fn, iterations=ITERATIONS):
    for _ in range(200):
        fn()
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(iterations):
        fn()
    gc.collect()
    return sys.getallocatedblocks() - before


def test_message_objects_do_not_leak():
    clock = HlcClock(node_id=1)
    payload = b"x" * 64

    def body():
        ts = clock.tick()
        h = MessageHeader.new(type_id=1, source_kernel=0, dest_kernel=2,
                              payload_size=64, timestamp=ts)
        env = MessageEnvelope.from_bytes(h.with_priority(2).with_correlation(5), payload)
        back = MessageEnvelope.from_raw_bytes(env.to_bytes())
        _ = (back.header.message_id, back.payload, back.payload_view(), repr(h),
             ts.pack(), HlcTimestamp.unpack(ts.pack()), str(back.header.correlation_id))

    before = sys.getrefcount(payload)
    assert growth(body) < 200
    assert sys.getrefcount(payload) == before


def test_kernel_calls_do_not_leak(echo):
    payload = bytearray(b"y" * 64)

    def body():
        echo.send_sync(payload)
        echo.receive_sync(timeout=5)
        echo.request_sync(payload, timeout=5).payload_view()
        echo.send_many([payload, payload])
        echo.receive_many(2, timeout=5)
        echo.try_receive()
        echo.status()
        echo.input_queue_stats()

    before = sys.getrefcount(payload)
    assert growth(body, 5_000) < 200
    assert sys.getrefcount(payload) == before
    payload.append(0)  # no buffer export left behind


def test_errors_do_not_leak(echo):
    def body():
        for call in (lambda: echo.receive_sync(timeout=0),
                     lambda: echo.send_sync(object()),
                     lambda: echo.receive_sync(timeout=float("nan")),
                     lambda: LaunchOptions().with_queue_capacity(0)):
            with pytest.raises((TimeoutError, TypeError, ValueError)):
                call()

    assert growth(body, 5_000) < 200


def test_runtime_lifecycle_does_not_leak():
    def body():
        rt = ringkernel.RingKernel.create_sync(workers=1)
        k = rt.launch_sync("k", LaunchOptions().with_handler(lambda e: e))
        k.send_sync(b"a")
        rt.serve(timeout=1, max_messages=1)
        k.receive_sync(timeout=1)
        rt.metrics()
        rt.shutdown_sync()

    assert growth(body, 300) < 400


def test_async_request_does_not_leak(echo):
    async def many():
        for _ in range(2000):
            await echo.request(b"z", 5)

    asyncio.run(many())
    gc.collect()
    before = sys.getallocatedblocks()
    asyncio.run(many())
    gc.collect()
    assert sys.getallocatedblocks() - before < 400


def test_batch_paths_do_not_leak(runtime):
    # Several receive chunks per call, every kind of payload a send_many reads.
    k = runtime.launch_sync("leak_batch", LaunchOptions().with_queue_capacity(1024))
    payload, shared = bytearray(b"z" * 64), b"w" * 64
    h = MessageHeader.new(type_id=1, source_kernel=0, dest_kernel=0, payload_size=0,
                          timestamp=HlcTimestamp.zero())
    items = [payload, shared, memoryview(payload), MessageEnvelope.from_bytes(h, shared)] * 150

    def body():
        assert k.send_many(items, timeout=5) == len(items)
        got = 0
        while got < len(items):
            got += len(k.receive_many(len(items) - got, timeout=5))

    before = (sys.getrefcount(payload), sys.getrefcount(shared))
    assert growth(body, 300) < 200
    assert (sys.getrefcount(payload), sys.getrefcount(shared)) == before
    items.clear()  # drops the test's own memoryview of payload
    payload.append(0)  # no buffer export left behind
