"""asyncio support behind the awaitable methods of RingKernel and KernelHandle.

The runtime exposes one readiness file descriptor (an eventfd) that becomes readable when
a reply lands in any kernel's output, work is queued for a Python handler, or an input
that refused a send has room again. Awaiting
code never spins in Python: it tries the non-blocking operation (a request first waits
up to _HOLD_NS for its reply in C when the loop has nothing else to run, see _hold_ns),
and when that finds nothing it parks on a future that the event loop resolves when the fd becomes readable
(``loop.add_reader``). One reader per runtime wakes every parked waiter; each retries its
own operation, so any number of concurrent awaits share one fd. The ready flag is cleared
before the waiters retry, so a reply landing after the clear re-arms the fd and nothing is
missed. The C extension calls the functions below; they are not public API.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any, Optional

from ringkernel._enums import KernelState
from ringkernel._ringkernel import QueueFullError, RingKernelError

__all__: list = []


class Dispatcher:
    """The readiness reader of one runtime, attached to one event loop at a time."""

    __slots__ = ("_runtime", "_fd", "_loop", "_waiters", "__weakref__")

    def __init__(self, runtime: Any) -> None:
        # A weak reference: the loop's reader table must not keep the runtime alive.
        self._runtime = weakref.ref(runtime)
        self._fd = runtime._ready_fd()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._waiters: list = []

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is loop:
            return
        self._detach()
        self._loop = loop

    def _detach(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and self._waiters and not loop.is_closed():
            loop.remove_reader(self._fd)
        self._waiters = []

    def _on_ready(self) -> None:
        runtime = self._runtime()
        if runtime is not None:
            runtime._ready_clear()
        waiters, self._waiters = self._waiters, []
        if self._loop is not None:
            self._loop.remove_reader(self._fd)
        for fut in waiters:
            _resolve(fut)

    def wake_all(self) -> None:
        """Resolves every parked waiter (used at shutdown, so they see the new state)."""
        waiters, self._waiters = self._waiters, []
        if waiters and self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
        for fut in waiters:
            _resolve(fut)

    async def ready(self, deadline: Optional[float]) -> None:
        """Returns when the fd was readable (something may have arrived) or the loop
        time passed `deadline` (None: no limit)."""
        loop = asyncio.get_running_loop()
        self._attach(loop)
        fut = loop.create_future()
        if not self._waiters:
            loop.add_reader(self._fd, self._on_ready)
        self._waiters.append(fut)
        timer = None
        if deadline is not None:
            timer = loop.call_at(deadline, _resolve, fut)
        try:
            await fut
        finally:
            if timer is not None:
                timer.cancel()
            if fut in self._waiters:
                self._waiters.remove(fut)
                if not self._waiters:
                    loop.remove_reader(self._fd)


def _resolve(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


def _dispatcher(runtime: Any) -> Dispatcher:
    d = runtime._dispatcher
    if d is None:
        d = Dispatcher(runtime)
        runtime._dispatcher = d
    return d


def _deadline(timeout: Optional[float], what: str = "timeout") -> Optional[float]:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"{what} must be a number, got {type(timeout).__name__}")
    if not (timeout >= 0 and timeout != float("inf")):
        raise ValueError(f"{what} must be a finite number of seconds >= 0, got {timeout!r}")
    return asyncio.get_running_loop().time() + timeout


def _expired(deadline: Optional[float]) -> bool:
    return deadline is not None and asyncio.get_running_loop().time() >= deadline


def _kwargs(kwargs: Optional[dict]) -> dict:
    return kwargs if kwargs is not None else {}


# ---- generic -------------------------------------------------------------------------


async def call(fn: Any, args: tuple, kwargs: Optional[dict]) -> Any:
    """Runs a non-blocking sync method when awaited (create, launch, ...)."""
    return fn(*args, **_kwargs(kwargs))


async def aenter(runtime: Any) -> Any:
    return runtime


async def shutdown(runtime: Any, *exc_info: Any) -> None:
    runtime.shutdown_sync()
    d = runtime._dispatcher
    if d is not None:
        d.wake_all()


# ---- kernels -------------------------------------------------------------------------


def _no_args(name: str, args: tuple, kwargs: Optional[dict]) -> None:
    if args or kwargs:
        raise TypeError(f"{name}() takes no arguments")


async def activate(kernel: Any, args: tuple, kwargs: Optional[dict]) -> None:
    _no_args("activate", args, kwargs)
    kernel.activate_sync()


async def deactivate(kernel: Any, args: tuple, kwargs: Optional[dict]) -> None:
    _no_args("deactivate", args, kwargs)
    kernel.deactivate_sync()


async def terminate(kernel: Any, args: tuple, kwargs: Optional[dict]) -> None:
    _no_args("terminate", args, kwargs)
    kernel.terminate_sync()


async def send(kernel: Any, args: tuple, kwargs: Optional[dict]) -> None:
    kernel.send_sync(*args, **_kwargs(kwargs))


async def _receive(kernel: Any, timeout: Optional[float]) -> Any:
    deadline = _deadline(timeout)
    dispatcher = _dispatcher(kernel.runtime)
    while True:
        env = kernel.try_receive()
        if env is not None:
            return env
        if kernel.state == KernelState.Terminated:
            raise RingKernelError(f"Kernel terminated: {kernel.id} (no replies left)")
        if _expired(deadline):
            raise TimeoutError(f"no reply from kernel {kernel.id!r} within {timeout} s")
        await dispatcher.ready(deadline)


def _receive_args(timeout: Optional[float] = None) -> Optional[float]:
    return timeout


async def receive(kernel: Any, args: tuple, kwargs: Optional[dict]) -> Any:
    return await _receive(kernel, _receive_args(*args, **_kwargs(kwargs)))


def _receive_timeout_args(timeout: float) -> float:
    if timeout is None:
        raise TypeError("receive_timeout() needs a timeout in seconds")
    return timeout


async def receive_timeout(kernel: Any, args: tuple, kwargs: Optional[dict]) -> Any:
    return await _receive(kernel, _receive_timeout_args(*args, **_kwargs(kwargs)))


def _request_args(envelope: Any, timeout: Optional[float] = None) -> tuple:
    return envelope, timeout


async def _send_request(kernel: Any, envelope: Any, timeout: Optional[float],
                        deadline: Optional[float]) -> int:
    """Sends as request_sync does: waiting for input space within the timeout (the fd
    turns readable when a full input frees a slot); timeout 0 fails at once."""
    dispatcher = _dispatcher(kernel.runtime)
    while True:
        try:
            return kernel._send_request(envelope)
        except QueueFullError as e:
            if timeout == 0:
                raise
            if _expired(deadline):
                raise TimeoutError(f"{e}: timed out after {timeout} s") from None
        await dispatcher.ready(deadline)


# The longest a request first waits for its reply with the loop thread blocked, as
# request_sync's first wait (KH_HOLD_GIL_NS in py_kernel.c, which caps it). Going through
# the readiness fd instead costs an eventfd write by the poller, a wake-up of the loop's
# epoll_wait, two epoll_ctl calls and a loop iteration: tens of microseconds, more than a
# device round trip. The wait happens only when the loop has nothing else to run (see
# _hold_ns), so it delays no ready task or due timer; I/O that becomes ready on another fd
# during those few microseconds waits at most that long.
_HOLD_NS = 20_000


def _hold_ns(loop: asyncio.AbstractEventLoop, deadline: Optional[float]) -> int:
    """How long the request may wait for its reply with the loop blocked: 0 when another
    callback is ready, a timer falls due within the hold, or the loop is not asyncio's
    own (its ready queue cannot be seen, so no wait that might delay work)."""
    ready = getattr(loop, "_ready", None)
    if ready is None or ready:
        return 0
    scheduled = loop._scheduled  # type: ignore[attr-defined]
    if not scheduled and deadline is None:
        return _HOLD_NS
    now = loop.time()
    until = deadline if deadline is not None else now + 1.0
    if scheduled:
        until = min(until, scheduled[0].when())
    left_ns = int((until - now) * 1e9)
    return max(0, min(_HOLD_NS, left_ns))


async def request(kernel: Any, args: tuple, kwargs: Optional[dict]) -> Any:
    envelope, timeout = _request_args(*args, **_kwargs(kwargs))
    deadline = _deadline(timeout)
    try:
        cid = kernel._send_request(envelope)
    except QueueFullError:
        cid = await _send_request(kernel, envelope, timeout, deadline)
    try:
        # The reply may come within microseconds (a device echo): wait for it right here
        # when nothing else could run meanwhile; else, or when it does not come, park on
        # the readiness fd as before.
        reply = kernel._poll_reply(cid, _hold_ns(asyncio.get_running_loop(), deadline))
        while reply is None:
            if kernel.state == KernelState.Terminated:
                raise RingKernelError(f"Kernel terminated: {kernel.id} (no reply for "
                                      f"correlation {cid})")
            if _expired(deadline):
                raise TimeoutError(f"no reply from kernel {kernel.id!r} within {timeout} s")
            await _dispatcher(kernel.runtime).ready(deadline)
            reply = kernel._poll_reply(cid)
        return reply
    finally:
        kernel._forget_request(cid)


def _wait_args(timeout: Optional[float] = None) -> Optional[float]:
    return timeout


async def wait(kernel: Any, args: tuple, kwargs: Optional[dict]) -> None:
    timeout = _wait_args(*args, **_kwargs(kwargs))
    deadline = _deadline(timeout)
    # No event announces termination; a 1 ms nap keeps this cheap and responsive.
    while kernel.state != KernelState.Terminated:
        if _expired(deadline):
            raise TimeoutError(f"kernel {kernel.id!r} not terminated within {timeout} s")
        await asyncio.sleep(0.001)


# ---- script handlers -----------------------------------------------------------------


def _serve_args(timeout: Optional[float] = None, max_messages: Optional[int] = None) -> tuple:
    if max_messages is not None:
        if isinstance(max_messages, bool) or not isinstance(max_messages, int):
            raise TypeError(f"max_messages must be an int, got {type(max_messages).__name__}")
        if max_messages < 0:
            raise ValueError(f"max_messages must be >= 0, got {max_messages}")
    return timeout, max_messages


async def serve(runtime: Any, args: tuple, kwargs: Optional[dict]) -> int:
    timeout, max_messages = _serve_args(*args, **_kwargs(kwargs))
    deadline = _deadline(timeout)
    dispatcher = _dispatcher(runtime)
    done = 0
    while max_messages is None or done < max_messages:
        left = None if max_messages is None else max_messages - done
        done += runtime.serve(timeout=0, max_messages=left)
        if runtime.is_shutdown or (max_messages is not None and done >= max_messages):
            break
        if _expired(deadline):
            break
        if runtime.script_work_pending() == 0:
            await dispatcher.ready(deadline)
    return done
