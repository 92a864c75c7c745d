"""send_many / receive_many: the batch paths take replies from the runtime in chunks of
256 and send a batch in one runtime call; these tests pin what that must not change:
exact payloads, arrival order, nothing lost or duplicated, max_messages honoured exactly,
replies of requests in flight left to them, timeouts and errors naming their limit."""

import struct
import threading
import time

import pytest

import ringkernel
from ringkernel import HlcTimestamp, LaunchOptions, MessageEnvelope, MessageHeader


def numbered(i, size=8):
    return struct.pack("<Q", i) + bytes(size - 8)


def number_of(env):
    return struct.unpack_from("<Q", env.payload_view())[0]


def wait_output_depth(k, depth):
    deadline = time.monotonic() + 10
    while k.output_queue_stats().depth < depth:
        assert time.monotonic() < deadline, "echo kernel did not reply in time"
        time.sleep(0.001)


@pytest.fixture
def big_echo(runtime):
    return runtime.launch_sync("big_echo", LaunchOptions().with_queue_capacity(4096))


def test_receive_many_spans_several_chunks_in_order(big_echo):
    n = 1000  # four runtime chunks of up to 256
    assert big_echo.send_many([numbered(i) for i in range(n)], timeout=5) == n
    wait_output_depth(big_echo, n)
    got = big_echo.receive_many(n)
    assert [number_of(e) for e in got] == list(range(n))
    assert all(e.payload == numbered(number_of(e)) for e in got)
    assert big_echo.try_receive() is None


def test_receive_many_takes_exactly_max_and_leaves_the_rest(big_echo):
    big_echo.send_many([numbered(i) for i in range(600)], timeout=5)
    wait_output_depth(big_echo, 600)
    taken = []
    for want in (1, 255, 256, 257, 0, 10):
        batch = big_echo.receive_many(want)
        assert len(batch) == min(want, 600 - len(taken))
        taken += batch
    assert [number_of(e) for e in taken] == list(range(600))
    assert big_echo.receive_many(10) == []


def test_receive_many_headers_of_received_replies(echo):
    h = MessageHeader.new(type_id=9, source_kernel=0, dest_kernel=0, payload_size=3,
                          timestamp=HlcTimestamp.zero()).with_correlation(77)
    echo.send_many([MessageEnvelope.from_bytes(h, b"abc")], timeout=5)
    [reply] = echo.receive_many(1, timeout=5)
    header = reply.header
    del reply  # the header is a copy: it outlives the envelope and its message
    assert header.message_type == 9 and header.payload_size == 3
    assert header.correlation_id.value == 77 and header.dest_kernel == 0
    header.validate()


def test_received_envelope_round_trips_through_bytes(echo):
    echo.send_many([b"round trip"], timeout=5)
    [reply] = echo.receive_many(1, timeout=5)
    back = MessageEnvelope.from_raw_bytes(reply.to_bytes())
    assert back.payload == b"round trip" and back.header == reply.header
    assert repr(reply).startswith("MessageEnvelope(type=0, ") and repr(reply).endswith("size=10)")


def test_receive_many_waits_only_for_the_first(echo):
    t0 = time.monotonic()
    assert echo.receive_many(5, timeout=0.05) == []
    assert time.monotonic() - t0 >= 0.04

    def later():
        time.sleep(0.05)
        echo.send_sync(b"late")

    threading.Thread(target=later).start()
    got = echo.receive_many(5, timeout=5)
    assert [e.payload for e in got] == [b"late"]


def test_receive_many_on_a_terminated_kernel(echo):
    echo.send_many([b"a", b"b"], timeout=5)
    wait_output_depth(echo, 2)
    echo.terminate_sync()
    assert [e.payload for e in echo.receive_many(10, timeout=1)] == [b"a", b"b"]
    assert echo.receive_many(10) == []
    with pytest.raises(ringkernel.RingKernelError, match="no replies left"):
        echo.receive_many(10, timeout=1)


def test_receive_many_max_is_bounded(echo):
    with pytest.raises(ValueError, match=r"max_messages must be 0\.\.1048576, got 1048577"):
        echo.receive_many(1048577)
    with pytest.raises(ValueError, match="timeout"):
        echo.receive_many(1, timeout=-1)


def test_receive_many_leaves_replies_of_pending_requests(runtime):
    # A script kernel replies only when served, so the test controls arrival order.
    k = runtime.launch_sync("mixed_batch", LaunchOptions().with_handler(lambda e: e.payload))
    k.send_sync(b"plain-1")
    got = {}

    def requester():
        got["request"] = k.request_sync(b"asked", timeout=10).payload

    t = threading.Thread(target=requester)
    t.start()
    while runtime.script_work_pending() < 2:
        time.sleep(0.001)
    k.send_many([b"plain-2", b"plain-3"], timeout=5)
    assert runtime.serve(timeout=5, max_messages=4) == 4
    received = k.receive_many(10, timeout=5)
    while len(received) < 3:
        received += k.receive_many(10, timeout=5)
    t.join()
    assert [e.payload for e in received] == [b"plain-1", b"plain-2", b"plain-3"]
    assert got["request"] == b"asked"
    assert k.receive_many(10) == []


def test_send_many_mixed_payload_kinds_in_order(echo):
    class Blob(bytes):
        pass

    h = MessageHeader.new(type_id=3, source_kernel=0, dest_kernel=0, payload_size=0,
                          timestamp=HlcTimestamp.zero())
    items = [b"bytes", bytearray(b"bytearray"), memoryview(b"xmemoryviewx")[1:-1],
             MessageEnvelope.from_bytes(h, b"envelope"), Blob(b"subclass"), b""]
    assert echo.send_many(items, timeout=5) == len(items)
    got = []
    while len(got) < len(items):
        got += echo.receive_many(10, timeout=5)
    assert [e.payload for e in got] == [b"bytes", b"bytearray", b"memoryview", b"envelope",
                                        b"subclass", b""]
    assert [e.header.message_type for e in got] == [0, 0, 0, 3, 0, 0]


def test_send_many_large_batch_released_gil_path(big_echo):
    # 8 x 64 KiB: over the size up to which a batch is tried with the GIL held.
    payloads = [bytes([i]) * 65536 for i in range(8)]
    assert big_echo.send_many(payloads, timeout=5) == 8
    got = []
    while len(got) < 8:
        got += big_echo.receive_many(8, timeout=5)
    assert [e.payload for e in got] == payloads


def test_send_many_bad_item_sends_nothing(runtime):
    k = runtime.launch_sync("sink_batch", LaunchOptions().with_handler(lambda e: None))
    with pytest.raises(TypeError, match="message must be a MessageEnvelope or bytes-like, got int"):
        k.send_many([b"a", bytearray(b"b"), 3])
    assert k.input_queue_stats().enqueued == 0
    # items before an oversized one go in; the count says where it stopped
    assert k.send_many([b"a", bytes(65537), b"c"]) == 1
    with pytest.raises(ValueError, match="payload 65537 bytes > max 65536"):
        k.send_many([bytes(65537)])
    assert k.input_queue_stats().enqueued == 1
    with pytest.raises(TypeError, match="messages must be a sequence"):
        k.send_many(5)


def test_send_many_full_queue_reports_how_many(runtime):
    k = runtime.launch_sync("full_batch", LaunchOptions().with_queue_capacity(4)
                            .with_handler(lambda e: None))
    assert k.send_many([numbered(i) for i in range(6)]) == 4
    t0 = time.monotonic()
    assert k.send_many([b"x"], timeout=0.05) == 0
    assert time.monotonic() - t0 >= 0.04
    assert k.input_queue_stats().enqueued == 4


def test_batch_calls_by_keyword_and_argument_errors(echo):
    assert echo.send_many(messages=[b"kw"], timeout=None) == 1
    assert [e.payload for e in echo.receive_many(max_messages=5, timeout=None)] == [b"kw"]
    with pytest.raises(TypeError, match=r"send_many\(\) missing required argument 'messages'"):
        echo.send_many()
    with pytest.raises(TypeError, match=r"send_many\(\) takes at most 2 arguments \(3 given\)"):
        echo.send_many([], 1, 2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'max'"):
        echo.receive_many(max=1)
    with pytest.raises(TypeError, match="multiple values for argument 'max_messages'"):
        echo.receive_many(1, max_messages=2)


@pytest.mark.skipif(not ringkernel.is_cuda_available(), reason="no usable CUDA device")
def test_batch_round_trip_through_a_gpu_actor():
    # The device's output ring read 256 records per runtime call: every reply exactly once,
    # in order, with its own bytes (sizes vary so a record boundary slip would show).
    n = 3000
    payloads = [numbered(i, 8 + (i % 57)) for i in range(n)]
    with ringkernel.RingKernel.create_sync(backend="cuda") as rt:
        k = rt.launch_sync("gpu_batch", LaunchOptions().with_queue_capacity(1024))
        got, sent = [], 0
        while sent < n:
            sent += k.send_many(payloads[sent:sent + 512], timeout=10)
            got += k.receive_many(1024)
        deadline = time.monotonic() + 30
        while len(got) < n and time.monotonic() < deadline:
            got += k.receive_many(n - len(got), timeout=1)
        assert [e.payload for e in got] == payloads
        assert k.receive_many(10, timeout=0.05) == []
