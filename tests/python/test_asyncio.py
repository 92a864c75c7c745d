import asyncio

import pytest

from ringkernel import KernelState, LaunchOptions, RingKernel, RingKernelError


def run(coro):
    return asyncio.run(coro)


def test_request_and_receive():
    async def main():
        rt = await RingKernel.create()
        try:
            k = await rt.launch("p")
            r = await k.request(b"hello", 5)
            await k.send(b"plain")
            plain = await k.receive()
            timed = None
            await k.send(b"timed")
            timed = await k.receive_timeout(5)
            return r.payload, plain.payload, timed.payload
        finally:
            await rt.shutdown()

    assert run(main()) == (b"hello", b"plain", b"timed")


def test_many_concurrent_requests_new_loop_each_time():
    rt = RingKernel.create_sync(workers=2)
    k = rt.launch_sync("c", LaunchOptions().with_queue_capacity(4096))

    async def main(n):
        replies = await asyncio.gather(*[k.request(i.to_bytes(4, "little"), 10)
                                         for i in range(n)])
        return [int.from_bytes(r.payload, "little") for r in replies]

    try:
        for _ in range(3):  # a fresh event loop per run
            assert run(main(500)) == list(range(500))
    finally:
        rt.shutdown_sync()


def test_concurrent_receivers_each_get_one():
    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("r")
            waiters = [asyncio.ensure_future(k.receive()) for _ in range(10)]
            await asyncio.sleep(0)
            for i in range(10):
                await k.send(bytes([i]))
            got = await asyncio.gather(*waiters)
            return sorted(e.payload[0] for e in got)

    assert run(main()) == list(range(10))


def test_receive_timeout_raises():
    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("t")
            with pytest.raises(TimeoutError, match="no reply from kernel 't'"):
                await k.receive_timeout(0.05)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(k.receive(), 0.05)
            unserved = await rt.launch("u", LaunchOptions().with_handler(lambda e: e))
            with pytest.raises(TimeoutError, match="no reply from kernel 'u'"):
                await unserved.request(b"x", 0.05)
            with pytest.raises(ValueError):
                await k.receive_timeout(-1)

    run(main())


def test_waiting_registers_the_readiness_fd_instead_of_spinning():
    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("fd")
            loop = asyncio.get_running_loop()
            fd = rt._ready_fd()
            pending = asyncio.ensure_future(k.receive())
            await asyncio.sleep(0.01)
            registered = loop._selector.get_map().get(fd) is not None
            await k.send(b"wake")
            env = await pending
            await asyncio.sleep(0)
            released = loop._selector.get_map().get(fd) is None
            return registered, env.payload, released

    assert run(main()) == (True, b"wake", True)


def test_cancelled_waiter_leaves_no_reader():
    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("x")
            task = asyncio.ensure_future(k.receive())
            await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return asyncio.get_running_loop()._selector.get_map().get(rt._ready_fd())

    assert run(main()) is None


def test_lifecycle_awaitables_and_wait():
    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("l", LaunchOptions().without_auto_activate())
            await k.activate()
            await k.deactivate()
            states = [k.state]
            waiter = asyncio.ensure_future(k.wait())
            await k.terminate()
            await waiter
            states.append(k.state)
            return states

    assert run(main()) == [KernelState.Deactivated, KernelState.Terminated]


def test_shutdown_wakes_waiters():
    async def main():
        rt = await RingKernel.create()
        k = await rt.launch("s")
        pending = asyncio.ensure_future(k.receive())
        await asyncio.sleep(0.01)
        await rt.shutdown()
        with pytest.raises(RingKernelError, match="Kernel terminated: s"):
            await asyncio.wait_for(pending, 10)

    run(main())


def test_runtimes_one_after_another_in_one_loop():
    async def main():
        out = []
        for i in range(3):
            rt = await RingKernel.create()
            k = await rt.launch(f"k{i}")
            out.append((await k.request(bytes([i]), 5)).payload)
            rt.shutdown_sync()  # sync shutdown, then the object goes away
            del rt, k
        return out

    assert run(main()) == [b"\x00", b"\x01", b"\x02"]


def test_request_waits_for_input_space_without_blocking_the_loop():
    from ringkernel import QueueFullError

    async def main():
        async with await RingKernel.create() as rt:
            opts = LaunchOptions().with_input_queue_capacity(2).with_handler(lambda e: e.payload)
            k = await rt.launch("tight", opts)
            k.send_sync(b"a")
            k.send_sync(b"b")
            with pytest.raises(QueueFullError):
                k.send_sync(b"full")
            req = asyncio.ensure_future(k.request(b"asked", 10))
            for _ in range(5):  # the loop keeps running while the request waits
                await asyncio.sleep(0.005)
            assert not req.done()
            assert k.status().input_queue_depth == 2
            served = await rt.serve_async(max_messages=3, timeout=10)
            reply = await req
            plain = [k.try_receive().payload, k.try_receive().payload]
            return served, reply.payload, plain

    assert run(main()) == (3, b"asked", [b"a", b"b"])


def test_many_requests_through_a_small_input():
    rt = RingKernel.create_sync(workers=2)
    k = rt.launch_sync("small", LaunchOptions().with_input_queue_capacity(4)
                       .with_output_queue_capacity(4096))

    async def main(n):
        replies = await asyncio.gather(*[k.request(i.to_bytes(4, "little"), 30)
                                         for i in range(n)])
        return [int.from_bytes(r.payload, "little") for r in replies]

    try:
        assert run(main(300)) == list(range(300))
        assert k.dead_letters() == []
    finally:
        rt.shutdown_sync()


def test_request_on_a_full_input_times_out_or_fails_at_once():
    from ringkernel import QueueFullError

    async def main():
        async with await RingKernel.create() as rt:
            opts = LaunchOptions().with_input_queue_capacity(2).with_handler(lambda e: e)
            k = await rt.launch("stuck", opts)  # never served: its input stays full
            k.send_sync(b"a")
            k.send_sync(b"b")
            with pytest.raises(TimeoutError, match=r"Queue full \(capacity: 2\)"):
                await k.request(b"late", 0.05)
            with pytest.raises(QueueFullError, match=r"Queue full \(capacity: 2\)"):
                await k.request(b"now", 0)
            return k.status().input_queue_depth

    assert run(main()) == 2
