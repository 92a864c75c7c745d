import asyncio

import pytest

from ringkernel import LaunchOptions, MessageEnvelope


def test_serve_runs_python_handlers(runtime):
    seen = []

    def handler(env):
        seen.append(env.payload)
        return env.payload.upper()

    k = runtime.launch_sync("py", LaunchOptions().with_handler(handler))
    for word in (b"one", b"two", b"three"):
        k.send_sync(word)
    assert runtime.script_work_pending() == 3
    assert runtime.serve(timeout=5, max_messages=3) == 3
    assert seen == [b"one", b"two", b"three"]
    assert [k.receive_sync(timeout=5).payload for _ in range(3)] == [b"ONE", b"TWO", b"THREE"]
    assert k.status().messages_processed == 3


def test_serve_returns_on_timeout(runtime):
    runtime.launch_sync("idle", LaunchOptions().with_handler(lambda env: None))
    assert runtime.serve(timeout=0.05) == 0
    assert runtime.serve(timeout=0) == 0


def test_serve_reply_kinds(runtime):
    replies = iter([None, b"bytes", bytearray(b"ba"), "bad"])

    def handler(env):
        return next(replies)

    k = runtime.launch_sync("kinds", LaunchOptions().with_handler(handler))
    for _ in range(3):
        k.send_sync(b"x")
    assert runtime.serve(timeout=5, max_messages=3) == 3
    assert k.receive_sync(timeout=5).payload == b"bytes"
    assert k.receive_sync(timeout=5).payload == b"ba"
    k.send_sync(b"x")
    with pytest.raises(TypeError, match="a handler must return None"):
        runtime.serve(timeout=5, max_messages=1)


def test_handler_reply_with_envelope_and_request(runtime):
    k = runtime.launch_sync("env", LaunchOptions().with_handler(lambda env: env))
    k.send_sync(b"ping")
    runtime.serve(timeout=5, max_messages=1)
    reply = k.receive_sync(timeout=5)
    assert isinstance(reply, MessageEnvelope) and reply.payload == b"ping"


def test_handler_exception_dead_letters_and_propagates(runtime):
    def handler(env):
        raise RuntimeError("boom " + env.payload.decode())

    k = runtime.launch_sync("bad", LaunchOptions().with_handler(handler))
    k.send_sync(b"42")
    with pytest.raises(RuntimeError, match="boom 42"):
        runtime.serve(timeout=5)
    letters = k.dead_letters()
    assert len(letters) == 1
    assert letters[0]["reason"] == "RK_EHANDLER" and "boom 42" in letters[0]["detail"]


def test_serve_stops_at_shutdown(runtime):
    runtime.launch_sync("s", LaunchOptions().with_handler(lambda env: None))
    runtime.shutdown_sync()
    assert runtime.serve() == 0


def test_serve_async():
    from ringkernel import RingKernel

    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("a", LaunchOptions().with_handler(lambda e: e.payload * 2))
            server = asyncio.ensure_future(rt.serve_async(max_messages=5))
            replies = await asyncio.gather(*[k.request(bytes([65 + i]), 5) for i in range(5)])
            assert await server == 5
            return sorted(r.payload for r in replies)

    assert asyncio.run(main()) == [b"AA", b"BB", b"CC", b"DD", b"EE"]


def test_serve_bad_arguments(runtime):
    with pytest.raises(ValueError):
        runtime.serve(timeout=float("nan"))
    with pytest.raises(ValueError):
        runtime.serve(max_messages=-1)
    with pytest.raises(TypeError):
        runtime.serve(timeout="soon")
    with pytest.raises(ValueError):
        asyncio.run(runtime.serve_async(max_messages=-2))


def _numbered(k, n):
    for i in range(n):
        k.send_sync(str(i).encode())


def _drain(k, got):
    while (env := k.try_receive()) is not None:
        got.append(env.payload)


@pytest.mark.parametrize("serve_timeout", [0, 0.01])
def test_full_output_holds_the_reply_serve_and_receive_alternate(runtime, serve_timeout):
    # Output capacity 4: the 5th reply is held, the kernel's other input waits, and serve
    # returns as when there is no work; receiving makes room and serving carries on.
    k = runtime.launch_sync("tight", LaunchOptions().with_output_queue_capacity(4)
                            .with_handler(lambda env: b"r" + env.payload))
    _numbered(k, 50)
    assert runtime.serve(timeout=serve_timeout) == 5
    status = k.status()
    assert (status.input_queue_depth, status.output_queue_depth) == (45, 5)
    assert runtime.script_work_pending() == 0
    got, served = [], 5
    for _ in range(200):
        _drain(k, got)
        if len(got) == 50:
            break
        served += runtime.serve(timeout=serve_timeout)
    assert served == 50
    assert got == [b"r%d" % i for i in range(50)]
    assert k.dead_letters() == []
    assert k.status().messages_processed == 50


def test_full_output_holds_the_reply_with_serve_async():
    from ringkernel import RingKernel

    async def main():
        async with await RingKernel.create() as rt:
            k = await rt.launch("tight", LaunchOptions().with_output_queue_capacity(4)
                                .with_handler(lambda env: b"r" + env.payload))
            _numbered(k, 50)
            server = asyncio.ensure_future(rt.serve_async(max_messages=50, timeout=30))
            got = [(await k.receive(10)).payload for _ in range(50)]
            assert await server == 50
            return got, k.dead_letters()

    got, letters = asyncio.run(main())
    assert got == [b"r%d" % i for i in range(50)]
    assert letters == []


def test_shutdown_keeps_held_replies(runtime):
    k = runtime.launch_sync("tight", LaunchOptions().with_output_queue_capacity(2)
                            .with_handler(lambda env: env.payload))
    _numbered(k, 4)
    assert runtime.serve(timeout=0) == 3  # two in the output, one held
    runtime.shutdown_sync()
    got = []
    _drain(k, got)
    assert got == [b"0", b"1", b"2"]
    letters = k.dead_letters()
    assert [d["reason"] for d in letters] == ["RK_ESHUTDOWN"]  # "3", never served
