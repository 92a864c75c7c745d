"""request_sync's fast path: the first wait for the reply holds the GIL and reads no clock
(up to 20 us), then the sliced wait that releases the GIL takes over. These tests pin what
must not change with it: correlation and order of other replies, timeouts (total, named
after the caller's value), forgetting a finished request, the wait for a script kernel's
reply served by another Python thread, Ctrl-C, and keyword parsing."""

import signal
import sys
import threading
import time

import pytest

from ringkernel import LaunchOptions, QueueFullError


@pytest.fixture
def silent(runtime):
    """A kernel that never replies (forward without a target dead-letters every
    message), in a runtime without Python handlers: requests take the fast path."""
    return runtime.launch_sync("silent", LaunchOptions().with_handler("forward"))


def test_replies_met_in_the_first_wait_stay_receivable_in_order(echo):
    for tag in (b"a", b"b", b"c"):
        echo.send_sync(tag)
    reply = echo.request_sync(b"mine", timeout=5)
    assert reply.payload == b"mine"
    assert [echo.receive_sync(timeout=5).payload for _ in range(3)] == [b"a", b"b", b"c"]
    assert echo.try_receive() is None


def test_each_request_gets_its_own_reply(echo):
    for i in range(2000):
        payload = i.to_bytes(4, "little") + bytes(60)
        reply = echo.request_sync(payload, timeout=5)
        assert reply.payload == payload
        assert reply.header.correlation_id.is_some()
    assert echo.try_receive() is None


@pytest.mark.parametrize("timeout", [0, 5e-6, 0.05])
def test_timeout_counts_the_first_wait_and_names_the_callers_value(silent, timeout):
    t0 = time.monotonic()
    with pytest.raises(TimeoutError) as err:
        silent.request_sync(b"never answered", timeout=timeout)
    elapsed = time.monotonic() - t0
    assert elapsed >= timeout
    assert elapsed < timeout + 2.0
    if timeout:
        assert f"timed out after {timeout:.6g} s" in str(err.value)


def test_a_timed_out_request_is_forgotten(runtime):
    k = runtime.launch_sync("late", LaunchOptions().with_handler(lambda env: env.payload))
    with pytest.raises(TimeoutError):
        k.request_sync(b"late", timeout=0.01)
    assert runtime.serve(timeout=5, max_messages=1) == 1
    # no request waits for it any more, so a plain receive gets the late reply
    late = k.receive_sync(timeout=5)
    assert late.payload == b"late" and late.header.correlation_id.is_some()


def test_script_kernel_reply_served_by_another_thread(runtime):
    # runtime.serve() needs the GIL to run the handler: the request must not hold it.
    k = runtime.launch_sync("py", LaunchOptions().with_handler(lambda env: env.payload[::-1]))
    done = threading.Event()

    def server():
        while not done.is_set():
            runtime.serve(timeout=0.01)

    t = threading.Thread(target=server)
    t.start()
    try:
        for i in range(50):
            assert k.request_sync(b"abc%d" % i, timeout=5).payload == (b"abc%d" % i)[::-1]
    finally:
        done.set()
        t.join()


def test_other_threads_run_while_a_request_waits(silent):
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    with pytest.raises(TimeoutError):
        silent.request_sync(b"x", timeout=0.3)
    stop.set()
    t.join()
    assert len(ticks) > 20


def test_ctrl_c_interrupts_a_request_wait(silent, echo):
    main = threading.main_thread().ident
    timer = threading.Timer(0.2, lambda: signal.pthread_kill(main, signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        silent.request_sync(b"x")
    timer.join()
    assert echo.request_sync(b"after", timeout=5).payload == b"after"


def test_keyword_arguments(echo):
    assert echo.request_sync(envelope=b"kw", timeout=5).payload == b"kw"
    assert echo.request_sync(b"t", timeout=None).payload == b"t"
    with pytest.raises(TypeError, match="unexpected keyword argument 'timeout\x00x'"):
        echo.request_sync(b"a", **{"timeout\0x": 1})
    with pytest.raises(TypeError, match="unexpected keyword argument 'timeou'"):
        echo.request_sync(b"a", timeou=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'timéout'"):
        echo.request_sync(b"a", timéout=1)
    with pytest.raises(TypeError, match="multiple values for argument 'envelope'"):
        echo.request_sync(b"a", envelope=b"b")


def test_request_refcounts_are_balanced(echo):
    payload = b"r" * 64
    before = sys.getrefcount(payload)
    for _ in range(1000):
        echo.request_sync(payload, timeout=5)
    assert sys.getrefcount(payload) == before


def test_try_receive_looks_again_after_setting_a_pending_reply_aside(runtime):
    # A pending request without a thread waiting on it (a waiting thread may hold a reply
    # between the runtime's output and the stash for a moment: try_receive would then
    # see neither, which made this test flaky on a 16-core host).
    k = runtime.launch_sync("mixed", LaunchOptions().with_handler(lambda env: env.payload))
    cid = k._send_request(b"asked")
    k.send_sync(b"plain")
    assert runtime.serve(timeout=5, max_messages=2) == 2
    # both replies are out, the request's first: one try_receive passes it by
    assert k.try_receive().payload == b"plain"
    assert k.try_receive() is None  # the request's reply stays set aside for it
    k._forget_request(cid)
    late = k.try_receive()
    assert late.payload == b"asked" and late.header.correlation_id.value == cid
    assert k.try_receive() is None


def test_pending_ids_through_growth_and_removal_in_any_order(echo):
    # The in-flight set (a C hash table) is grown to hundreds of ids and emptied in a
    # shuffled order; after every step receive_many must return exactly the replies
    # whose requests are no longer pending, and leave the others for their requests.
    import random

    rng = random.Random(7)
    ids = [echo._send_request(b"%d" % i) for i in range(600)]
    assert len(set(ids)) == 600 and all(isinstance(c, int) and c > 0 for c in ids)
    by_id = {c: b"%d" % i for i, c in enumerate(ids)}
    order = ids[:]
    rng.shuffle(order)
    returned = {}
    for start in range(0, 600, 150):
        forgotten = order[start:start + 150]
        for cid in forgotten:
            echo._forget_request(cid)
        deadline = time.monotonic() + 5
        got = []
        while len(got) < 150 and time.monotonic() < deadline:
            got += echo.receive_many(1024, timeout=0.1)
        assert sorted(e.header.correlation_id.value for e in got) == sorted(forgotten)
        returned.update((e.header.correlation_id.value, e.payload) for e in got)
        assert echo.try_receive() is None
    assert returned == by_id


def test_a_reply_set_aside_by_a_requester_wakes_a_blocked_receiver(runtime):
    # Thread A requests, thread B blocks in receive_sync on the same kernel. Whichever
    # takes the other's reply out of the queue sets it aside in the stash; the other must
    # then look there at once, not sleep until its timeout (10 s) beside it.
    k = runtime.launch_sync("handoff", LaunchOptions().with_handler(lambda env: env.payload))
    for round_ in range(20):
        got = {}

        def requester():
            got["a"] = k.request_sync(b"asked%d" % round_, timeout=10).payload

        def receiver():
            t0 = time.monotonic()
            got["b"] = k.receive_sync(timeout=10).payload
            got["b_s"] = time.monotonic() - t0

        a = threading.Thread(target=requester)
        b = threading.Thread(target=receiver)
        b.start()
        a.start()
        while runtime.script_work_pending() < 1:
            time.sleep(0.0005)
        time.sleep(0.002)  # both threads inside their waits
        k.send_sync(b"plain%d" % round_)
        assert runtime.serve(timeout=5, max_messages=2) == 2
        a.join(12)
        b.join(12)
        assert got["a"] == b"asked%d" % round_
        assert got["b"] == b"plain%d" % round_
        assert got["b_s"] < 2.0, f"round {round_}: receiver slept {got['b_s']:.3f} s"
    assert k.try_receive() is None


def _wait_until(cond, what, limit=5.0):
    deadline = time.monotonic() + limit
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.001)


def test_forgetting_a_request_wakes_a_receiver_beside_its_stashed_reply(echo):
    # A receiver that meets the reply of a request still in flight sets it aside and
    # waits on. When that request is then forgotten (timed out, cancelled), the reply
    # is the receiver's: it must look in the stash again at once, not sleep until its
    # timeout (10 s) beside it.
    cid = echo._send_request(b"late")
    _wait_until(lambda: echo.status().messages_processed == 1, "echo did not reply")
    got = {}

    def receiver():
        got["payload"] = echo.receive_sync(timeout=10).payload
        got["at"] = time.monotonic()

    b = threading.Thread(target=receiver)
    b.start()
    # The receiver took the reply out of the output (and, the request being pending,
    # set it aside); give it the moment it needs to be back in its wait.
    _wait_until(lambda: echo.status().output_queue_depth == 0, "receiver took nothing")
    time.sleep(0.05)
    assert b.is_alive() and "payload" not in got
    forgotten_at = time.monotonic()
    echo._forget_request(cid)
    b.join(12)
    assert got["payload"] == b"late"
    assert got["at"] - forgotten_at < 2.0, f"receiver slept {got['at'] - forgotten_at:.3f} s"
    assert echo.try_receive() is None


def test_a_wait_ended_by_a_reply_set_aside_at_its_deadline_is_a_timeout(echo):
    # Setting a reply aside wakes the threads waiting on the kernel through the runtime's
    # interrupt. One that lands as a receiver's deadline passes (the receiver then waits
    # for the GIL the other thread holds, up to the switch interval) must end that wait
    # as the timeout it is, not as InterruptedError.
    stop = threading.Event()

    def set_replies_aside():
        while not stop.is_set():
            try:
                cid = echo._send_request(b"x")
            except QueueFullError:
                echo.receive_many(timeout=0)
                continue
            echo.try_receive()  # meets the pending request's reply: sets it aside
            echo._forget_request(cid)
            echo.try_receive()

    churn = threading.Thread(target=set_replies_aside)
    churn.start()
    errors = []
    try:
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            try:
                echo.receive_sync(timeout=0.002)
            except TimeoutError:
                pass
            except Exception as e:  # noqa: BLE001 — any other outcome is the bug
                errors.append(repr(e))
    finally:
        stop.set()
        churn.join(10)
    assert errors == []
