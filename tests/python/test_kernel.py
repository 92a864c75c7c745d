import struct
import threading

import pytest

import ringkernel
from ringkernel import (
    CorrelationId,
    HlcTimestamp,
    KernelMode,
    KernelState,
    KernelStateError,
    LaunchOptions,
    MessageEnvelope,
    MessageHeader,
    QueueFullError,
)


def envelope(payload, type_id=5):
    h = MessageHeader.new(type_id=type_id, source_kernel=0, dest_kernel=0,
                          payload_size=len(payload), timestamp=HlcTimestamp.zero())
    return MessageEnvelope.from_bytes(h, payload)


def test_launch_options_defaults_and_builders():
    o = LaunchOptions()
    assert o.mode is KernelMode.Persistent
    assert (o.grid_size, o.block_size) == (1, 256)
    assert (o.input_queue_capacity, o.output_queue_capacity) == (1024, 1024)
    assert o.auto_activate is True and o.cooperative is False and o.enable_k2k is False
    assert repr(o) == "LaunchOptions(grid=1, block=256, queues=1024)"
    o2 = (o.with_queue_capacity(2000).with_block_size(128).with_grid_size(4)
          .with_k2k(True).with_cooperative(True).with_mode(KernelMode.EventDriven)
          .without_auto_activate().with_payload_capacity(100))
    assert repr(o) == "LaunchOptions(grid=1, block=256, queues=1024)"  # unchanged
    assert (o2.input_queue_capacity, o2.output_queue_capacity) == (2048, 2048)
    assert (o2.grid_size, o2.block_size, o2.payload_capacity) == (4, 128, 100)
    assert o2.enable_k2k and o2.cooperative and not o2.auto_activate
    assert o2.mode is KernelMode.EventDriven
    o3 = o.with_input_queue_capacity(3).with_output_queue_capacity(17)
    assert (o3.input_queue_capacity, o3.output_queue_capacity) == (4, 32)
    assert LaunchOptions.single_block(64).block_size == 64
    mb = LaunchOptions.multi_block(8, 512)
    assert (mb.grid_size, mb.block_size) == (8, 512)
    assert o.with_k2k(False).enable_k2k is False


def test_launch_options_errors():
    o = LaunchOptions()
    with pytest.raises(ValueError, match="queue_capacity 0: must be 1..1048576"):
        o.with_queue_capacity(0)
    with pytest.raises(ValueError, match="must be 1..1048576"):
        o.with_input_queue_capacity(2**21)
    with pytest.raises(ValueError):
        o.with_queue_capacity(-5)
    with pytest.raises(ValueError, match="block_size 2048: must be 1..1024"):
        o.with_block_size(2048)
    with pytest.raises(ValueError):
        o.with_payload_capacity(65537)
    with pytest.raises(TypeError):
        o.with_handler(42)
    with pytest.raises(TypeError):
        LaunchOptions(grid=1)
    with pytest.raises(ValueError):
        o.with_mode(7)


def test_lifecycle(runtime):
    k = runtime.launch_sync("life", LaunchOptions().without_auto_activate())
    assert k.state is KernelState.Launched
    with pytest.raises(KernelStateError, match="Invalid state transition: Launched -> Deactivated"):
        k.deactivate_sync()
    k.activate_sync()
    assert k.state is KernelState.Active
    with pytest.raises(KernelStateError, match="Invalid state transition: Active -> Active"):
        k.activate_sync()
    k.deactivate_sync()
    assert k.state is KernelState.Deactivated
    with pytest.raises(KernelStateError, match="Kernel not active: life"):
        k.send_sync(b"x")
    k.terminate_sync()
    assert k.state is KernelState.Terminated and k.state.is_finished()
    with pytest.raises(KernelStateError, match="Invalid state transition: Terminated -> Active"):
        k.activate_sync()
    with pytest.raises(ringkernel.RingKernelError):
        k.send_sync(b"x")


def test_echo_roundtrip_and_order(echo):
    for i in range(50):
        echo.send_sync(envelope(struct.pack("<I", i), type_id=9))
    got = [echo.receive_sync(timeout=5) for _ in range(50)]
    assert [struct.unpack("<I", e.payload)[0] for e in got] == list(range(50))
    assert all(e.header.message_type == 9 for e in got)
    assert got[0].header.source_kernel == echo.numeric_id
    assert echo.try_receive() is None
    st = echo.status()
    assert st.messages_processed == 50 and st.id == "echo" and st.state is KernelState.Active
    assert st.mode is KernelMode.Persistent and st.uptime_secs >= 0
    assert repr(st) == "KernelStatus(id='echo', state=Active, processed=50)"


def test_request_matches_correlation(echo):
    echo.send_sync(b"first")
    echo.send_sync(b"second")
    reply = echo.request_sync(envelope(b"mine"), timeout=5)
    assert reply.payload == b"mine"
    assert reply.header.correlation_id.is_some()
    # replies to the plain sends stay receivable, in arrival order
    assert echo.receive_sync(timeout=5).payload == b"first"
    assert echo.receive_sync(timeout=5).payload == b"second"


def test_request_keeps_given_correlation_out(echo):
    env = MessageEnvelope.from_bytes(envelope(b"").header.with_correlation(CorrelationId(77)),
                                     b"abc")
    reply = echo.request_sync(env, timeout=5)
    assert reply.payload == b"abc" and reply.header.correlation_id.value != 77


def test_receive_timeouts(echo):
    with pytest.raises(TimeoutError):
        echo.receive_sync(timeout=0.05)
    with pytest.raises(TimeoutError):
        echo.receive_timeout_sync(0.01)
    with pytest.raises(ValueError, match="timeout must be a finite number of seconds >= 0"):
        echo.receive_sync(timeout=-1)
    with pytest.raises(ValueError):
        echo.receive_timeout_sync(float("inf"))
    with pytest.raises(TypeError):
        echo.receive_timeout_sync(None)


def test_batch_send_receive(echo):
    n = echo.send_many([bytes([i]) for i in range(100)])
    assert n == 100
    got = []
    while len(got) < 100:
        got += echo.receive_many(1000, timeout=5)
    assert [e.payload[0] for e in got] == list(range(100))
    assert echo.send_many([]) == 0
    with pytest.raises(TypeError):
        echo.send_many([1, 2])


def test_queue_full_and_stats(runtime):
    # A script kernel nobody serves: its input fills up.
    k = runtime.launch_sync("full", LaunchOptions().with_queue_capacity(4)
                            .with_handler(lambda env: None))
    for i in range(4):
        k.send_sync(bytes([i]))
    with pytest.raises(QueueFullError, match=r"Queue full \(capacity: 4\)"):
        k.send_sync(b"x")
    with pytest.raises(TimeoutError):
        k.send_sync(b"x", timeout=0.02)
    assert k.send_many([b"a", b"b"]) == 0
    stats = k.input_queue_stats()
    assert (stats.enqueued, stats.depth, stats.max_depth) == (4, 4, 4)
    assert k.output_queue_stats().enqueued == 0
    m = k.queue_metrics()
    assert m.health is ringkernel.QueueHealth.Critical and m.utilization == 1.0
    assert k.status().input_queue_depth == 4


def test_terminate_dead_letters_queued_input(runtime):
    k = runtime.launch_sync("dl", LaunchOptions().with_handler(lambda env: None))
    k.send_sync(b"lost?")
    k.terminate_sync()
    letters = k.dead_letters()
    assert len(letters) == 1 and letters[0]["reason"] == "RK_ESHUTDOWN"
    assert k.dead_letters() == []


def test_zero_copy_sources(echo):
    np = pytest.importorskip("numpy")
    for payload in (b"bytes", bytearray(b"bytearray"), memoryview(b"memoryview"),
                    np.arange(4, dtype=np.int32)):
        echo.send_sync(payload)
        assert echo.receive_sync(timeout=5).payload == bytes(memoryview(payload))
    reply = echo.request_sync(np.arange(16, dtype=np.float64), timeout=5)
    view = reply.payload_view()
    assert view.readonly and view.obj is reply
    assert np.frombuffer(view, dtype=np.float64).sum() == 120.0


def test_sum_and_count_handlers(runtime):
    np = pytest.importorskip("numpy")
    s = runtime.launch_sync("sum", LaunchOptions().with_handler("sum"))
    r = s.request_sync(np.array([1.5, 2.5, 4.0]), timeout=5)
    assert struct.unpack("<d", r.payload)[0] == 8.0
    c = runtime.launch_sync("count", LaunchOptions().with_handler("count"))
    for i in range(1, 4):
        assert struct.unpack("<Q", c.request_sync(b"", timeout=5).payload)[0] == i


def test_oversized_send(echo):
    with pytest.raises(ValueError, match="payload 65537 bytes > max 65536"):
        echo.send_sync(bytes(65537))
    assert echo.request_sync(bytes(65536), timeout=5).payload == bytes(65536)


def test_payload_capacity_sizes_device_slots_only(runtime):
    # payload_capacity sizes a GPU slot's payload area; a CPU kernel takes any payload up
    # to MAX_PAYLOAD_SIZE whatever its payload_capacity (kernel.h, docs/python.md).
    k = runtime.launch_sync("small", LaunchOptions().with_payload_capacity(16))
    assert k.request_sync(bytes(range(17)), timeout=5).payload == bytes(range(17))
    big = bytes(ringkernel.MAX_PAYLOAD_SIZE)
    assert k.request_sync(big, timeout=5).payload == big
    with pytest.raises(ValueError, match="payload 65537 bytes > max 65536"):
        k.send_sync(bytes(ringkernel.MAX_PAYLOAD_SIZE + 1))
    assert k.status().messages_dead_lettered == 0


def test_blocking_receive_releases_gil(echo):
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    with pytest.raises(TimeoutError):
        echo.receive_sync(timeout=0.3)
    stop.set()
    t.join()
    assert counter[0] > 1000


def test_ctrl_c_interrupts_blocking_wait(echo):
    import signal

    main = threading.main_thread().ident
    timer = threading.Timer(0.2, lambda: signal.pthread_kill(main, signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        echo.receive_sync()
    timer.join()


def test_wait_for_termination(echo):
    with pytest.raises(TimeoutError, match="not terminated"):
        echo.wait_sync(timeout=0.02)
    threading.Timer(0.05, echo.terminate_sync).start()
    echo.wait_sync(timeout=5)
    assert echo.state is KernelState.Terminated


def test_concurrent_requests_from_threads(echo):
    results = {}

    def worker(tag):
        results[tag] = [echo.request_sync(f"{tag}-{i}".encode(), timeout=10).payload
                        for i in range(300)]

    threads = [threading.Thread(target=worker, args=(t,)) for t in "abcd"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for tag in "abcd":
        assert results[tag] == [f"{tag}-{i}".encode() for i in range(300)]
    assert echo.try_receive() is None


def test_one_slot_queues_answer_concurrent_requests(runtime):
    opts = LaunchOptions().with_queue_capacity(1)
    assert (opts.input_queue_capacity, opts.output_queue_capacity) == (1, 1)
    k = runtime.launch_sync("one_slot", opts)
    results = {}

    def worker(tag):
        results[tag] = [k.request_sync(f"{tag}-{i}".encode(), timeout=10).payload
                        for i in range(334)]

    threads = [threading.Thread(target=worker, args=(t,)) for t in "abc"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for tag in "abc":
        assert results[tag] == [f"{tag}-{i}".encode() for i in range(334)]
    assert k.try_receive() is None
    assert k.status().messages_processed == 3 * 334
    assert k.input_queue_stats().max_depth == 1
    assert k.output_queue_stats().max_depth == 1


def test_request_timeout_is_total(runtime):
    k = runtime.launch_sync("slow", LaunchOptions().with_handler(lambda e: e))
    with pytest.raises(TimeoutError):
        k.request_sync(b"never served", timeout=0.1)


def test_cuda_source_on_cpu_backend_is_refused(runtime):
    opts = LaunchOptions().with_cuda_source("__device__ int f() { return 0; }", entry="f")
    assert opts.cuda_source.startswith("__device__")
    with pytest.raises(ringkernel.RingKernelError):
        runtime.launch_sync("cuda_on_cpu", opts)


def test_receivers_leave_replies_of_pending_requests_alone(runtime):
    # A script kernel replies only when served, so the test controls arrival order.
    k = runtime.launch_sync("mixed", LaunchOptions().with_handler(lambda e: e.payload))
    k.send_sync(b"plain-1")
    got = {}

    def requester():
        got["request"] = k.request_sync(b"asked", timeout=10).payload

    t = threading.Thread(target=requester)
    t.start()
    while runtime.script_work_pending() < 2:
        threading.Event().wait(0.001)
    k.send_sync(b"plain-2")
    assert runtime.serve(timeout=5, max_messages=3) == 3
    received = [k.receive_sync(timeout=5).payload, k.receive_sync(timeout=5).payload]
    t.join()
    assert received == [b"plain-1", b"plain-2"]
    assert got["request"] == b"asked"
    assert k.try_receive() is None


def test_async_request_and_receive_mixed():
    import asyncio

    async def main():
        async with await ringkernel.RingKernel.create() as rt:
            k = await rt.launch("m", LaunchOptions().with_handler(lambda e: e.payload))
            k.send_sync(b"plain")
            req = asyncio.ensure_future(k.request(b"asked", 10))
            await asyncio.sleep(0.01)
            rcv = asyncio.ensure_future(k.receive())
            await rt.serve_async(max_messages=2)
            return (await req).payload, (await rcv).payload

    assert asyncio.run(main()) == (b"asked", b"plain")
