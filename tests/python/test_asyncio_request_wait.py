"""The awaitable request's first wait: a bounded wait for the reply with the loop blocked,
taken only when the loop has nothing else to run, and what happens to requests that end
early (cancelled, timed out) or never get that wait."""

import asyncio
import time

import pytest

from ringkernel import LaunchOptions, RingKernel, _aio


def run(coro):
    return asyncio.run(coro)


# ---- when the loop may wait ----------------------------------------------------------


def test_hold_is_full_on_an_idle_loop():
    async def main():
        loop = asyncio.get_running_loop()
        return _aio._hold_ns(loop, None), _aio._hold_ns(loop, loop.time() + 10)

    assert run(main()) == (_aio._HOLD_NS, _aio._HOLD_NS)


def test_no_hold_while_another_callback_is_ready():
    async def main():
        loop = asyncio.get_running_loop()
        handle = loop.call_soon(lambda: None)
        hold = _aio._hold_ns(loop, None)
        handle.cancel()
        return hold

    assert run(main()) == 0


def test_no_hold_when_a_timer_falls_due_within_it():
    async def main():
        loop = asyncio.get_running_loop()
        soon = loop.call_at(loop.time(), lambda: None)  # due now
        hold_due = _aio._hold_ns(loop, None)
        soon.cancel()
        await asyncio.sleep(0)  # let the loop drop the cancelled timer
        later = loop.call_later(10, lambda: None)
        hold_later = _aio._hold_ns(loop, None)
        later.cancel()
        return hold_due, hold_later

    assert run(main()) == (0, _aio._HOLD_NS)


def test_hold_never_outlasts_the_deadline():
    async def main():
        loop = asyncio.get_running_loop()
        now = loop.time()
        return (_aio._hold_ns(loop, now), _aio._hold_ns(loop, now - 1),
                _aio._hold_ns(loop, now + 5e-6))

    at_deadline, past, near = run(main())
    assert at_deadline == 0 and past == 0
    assert 0 <= near <= 5_000


def test_no_hold_on_a_loop_whose_ready_queue_is_unknown():
    class ForeignLoop:  # e.g. uvloop: no _ready deque to look at
        def time(self):
            return 0.0

    assert _aio._hold_ns(ForeignLoop(), None) == 0


# ---- values, ordering, concurrency ---------------------------------------------------


def test_sequential_requests_get_their_own_replies_in_order():
    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("seq")
            return [(await k.request(i.to_bytes(4, "little"), 5)).payload for i in range(300)]

    assert run(main()) == [i.to_bytes(4, "little") for i in range(300)]


def test_many_tasks_each_doing_requests_in_turn():
    async def worker(k, w, n):
        got = []
        for i in range(n):
            payload = bytes([w]) + i.to_bytes(4, "little")
            got.append((await k.request(payload, 10)).payload)
        return got

    async def main():
        async with await RingKernel.create(workers=2) as rt:
            k = await rt.launch("many", LaunchOptions().with_queue_capacity(1024))
            return await asyncio.gather(*[worker(k, w, 50) for w in range(20)])

    results = run(main())
    for w, got in enumerate(results):
        assert got == [bytes([w]) + i.to_bytes(4, "little") for i in range(50)]


def test_a_task_ready_before_the_request_runs_while_it_waits():
    order = []

    async def other():
        order.append("other")

    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("fair", LaunchOptions().with_handler(lambda e: e.payload))
            t = asyncio.ensure_future(other())  # ready, not yet run
            req = asyncio.ensure_future(k.request(b"q", 5))
            await asyncio.sleep(0)
            order.append("after-first-step")
            served = await rt.serve_async(max_messages=1, timeout=5)
            reply = await req
            await t
            return served, reply.payload

    assert run(main()) == (1, b"q")
    assert order == ["other", "after-first-step"]


def test_poll_reply_holds_at_most_the_given_time_and_keeps_other_replies():
    with RingKernel.create_sync() as rt:
        k = rt.launch_sync("held")
        t0 = time.perf_counter_ns()
        assert k._poll_reply(12345, _aio._HOLD_NS) is None  # nothing was sent: none comes
        assert time.perf_counter_ns() - t0 >= _aio._HOLD_NS
        with pytest.raises(ValueError, match=f"hold_ns must be 0..{_aio._HOLD_NS}, got 20001"):
            k._poll_reply(12345, _aio._HOLD_NS + 1)
        k.send_sync(b"plain")  # its reply comes before the request's: it must be kept
        cid = k._send_request(b"asked")
        deadline = time.monotonic() + 5
        reply = None
        while reply is None and time.monotonic() < deadline:
            reply = k._poll_reply(cid, _aio._HOLD_NS)
        k._forget_request(cid)
        assert reply is not None and reply.payload == b"asked"
        assert reply.header.correlation_id.value == cid
        assert k.receive_sync(5).payload == b"plain"
        assert k.try_receive() is None


def test_requests_to_python_handlers_served_in_the_same_loop():
    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("py", LaunchOptions().with_handler(lambda e: e.payload[::-1]))
            reqs = [k.request(bytes([i, 0]), 10) for i in range(40)]
            served, *replies = await asyncio.gather(rt.serve_async(max_messages=40, timeout=10),
                                                    *reqs)
            return served, [r.payload for r in replies]

    assert run(main()) == (40, [bytes([0, i]) for i in range(40)])


# ---- requests that end early ---------------------------------------------------------


def _unserved(rt, name):
    # A Python handler nobody serves yet: the reply comes only when the test says so.
    return rt.launch(name, LaunchOptions().with_handler(lambda e: e.payload + b"!"))


def test_cancelled_request_is_forgotten_and_its_late_reply_goes_to_receive():
    async def main():
        async with await RingKernel.create() as rt:
            k = await _unserved(rt, "cancel")
            task = asyncio.ensure_future(k.request(b"gone", 10))
            await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            no_reader = asyncio.get_running_loop()._selector.get_map().get(rt._ready_fd())
            await rt.serve_async(max_messages=1, timeout=5)
            late = await k.receive_timeout(5)
            return no_reader, late.payload

    assert run(main()) == (None, b"gone!")


def test_wait_for_timeout_on_a_request_then_the_late_reply_is_receivable():
    async def main():
        async with await RingKernel.create() as rt:
            k = await _unserved(rt, "wf")
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(k.request(b"slow", 10), 0.02)
            with pytest.raises(TimeoutError, match="no reply from kernel 'wf' within 0.02 s"):
                await k.request(b"own", 0.02)
            await rt.serve_async(max_messages=2, timeout=5)
            return sorted([(await k.receive_timeout(5)).payload for _ in range(2)])

    assert run(main()) == [b"own!", b"slow!"]


def test_request_with_timeout_zero_does_not_wait():
    async def main():
        async with await RingKernel.create() as rt:
            k = await _unserved(rt, "zero")
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            with pytest.raises(TimeoutError, match="within 0 s"):
                await k.request(b"now", 0)
            return loop.time() - t0

    assert run(main()) < 0.5


def test_a_forgotten_request_wakes_the_receive_parked_beside_its_reply():
    # The awaiting receive met the reply of a request still in flight, set it aside and
    # parked on the readiness fd. The request then ends (as a cancelled or timed-out one
    # does: _forget_request): the reply is the receive's now, and it must be woken rather
    # than sleep until its timeout (5 s) with the reply in the stash.
    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("fr")
            cid = k._send_request(b"late")
            while k.status().messages_processed < 1:
                await asyncio.sleep(0.001)
            loop = asyncio.get_running_loop()
            receive = asyncio.ensure_future(k.receive_timeout(5))
            while k.status().output_queue_depth > 0:
                await asyncio.sleep(0.001)
            await asyncio.sleep(0.05)  # the receive set the reply aside and parked
            assert not receive.done()
            forgotten_at = loop.time()
            k._forget_request(cid)
            reply = await receive
            return reply.payload, loop.time() - forgotten_at

    payload, took = run(main())
    assert payload == b"late"
    assert took < 2.0, f"the receive slept {took:.3f} s"
