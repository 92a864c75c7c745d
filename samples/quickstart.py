"""Quickstart: a runtime on the best backend present, an echo actor, messages in and out,
a request/reply, an actor whose handler is a Python function, status, metrics, shutdown.

Run: rkhost samples/quickstart.py        (or: bash samples/run.sh)
"""
import ringkernel as rk


def check(cond, what):
    if not cond:
        raise SystemExit(f"quickstart: FAILED: {what}")


def envelope(payload, type_id=1):
    header = rk.MessageHeader.new(type_id=type_id, source_kernel=0, dest_kernel=0,
                                  payload_size=len(payload), timestamp=rk.HlcTimestamp.now(1))
    return rk.MessageEnvelope.from_bytes(header, payload)


# "auto": a CUDA device when one is usable, else the CPU worker pool.
runtime = rk.RingKernel.create_sync(backend="auto")
expected = rk.Backend.Cuda if rk.is_cuda_available() else rk.Backend.Cpu
check(runtime.backend == expected, f"auto picked {runtime.backend!r}")
print(f"runtime: {runtime!r} on {runtime.backend.name}")

# A persistent actor with the built-in echo handler (the default for "processor").
options = rk.LaunchOptions().with_queue_capacity(2048).with_block_size(256).with_k2k(True)
kernel = runtime.launch_sync("processor", options)
check(kernel.state == rk.KernelState.Active and kernel.is_active(), "launched Active")
print(f"kernel: {kernel!r}")

# Send three messages, receive three replies: same payloads, same order.
for text in (b"alpha", b"beta", b"gamma"):
    kernel.send_sync(envelope(text))
replies = [kernel.receive_timeout_sync(5.0) for _ in range(3)]
check([r.payload for r in replies] == [b"alpha", b"beta", b"gamma"], "echo in order")
print(f"echoed: {[r.payload for r in replies]}")

# A request waits for the reply carrying its correlation id.
reply = kernel.request_sync(envelope(b"ping"), 5.0)
check(reply.payload == b"ping", "request gets its own reply")
check(reply.header.correlation_id.is_some(), "the reply carries the correlation id")
print(f"request -> {reply.payload!r} (correlation {reply.header.correlation_id!r})")


# An actor whose handler is a Python function: the runtime queues its messages and the
# script runs the handler on its own thread when it serves.
def shout(request):
    return request.payload.upper()


scripted = runtime.launch_sync("shouter", rk.LaunchOptions().with_handler(shout))
for word in (b"hello", b"actors"):
    scripted.send_sync(envelope(word))
served = runtime.serve(max_messages=2, timeout=5.0)
check(served == 2, f"served {served} messages")
answers = [scripted.receive_timeout_sync(5.0).payload for _ in range(2)]
check(answers == [b"HELLO", b"ACTORS"], f"script handler replies {answers}")
print(f"python handler: {answers}")

# Status snapshot and runtime metrics are real counts.
status = kernel.status()
check(status.messages_processed == 4 and status.input_queue_depth == 0, f"{status!r}")
check(status.state == rk.KernelState.Active and status.id == "processor", "status fields")
print(f"status: {status!r}, up {status.uptime_secs:.3f} s")
metrics = runtime.metrics()
check(metrics.total_launched == 2 and metrics.active_kernels == 2, f"{metrics!r}")
check(metrics.messages_sent == 6 and metrics.messages_received == 6, f"{metrics!r}")
print(f"metrics: {metrics!r}")
check(sorted(runtime.list_kernels()) == ["processor", "shouter"], "list_kernels")

# Lifecycle: deactivate pauses, terminate ends; shutdown is idempotent.
kernel.deactivate_sync()
check(kernel.state == rk.KernelState.Deactivated, "deactivated")
try:
    kernel.send_sync(envelope(b"late"))
    check(False, "a deactivated kernel refuses sends")
except rk.KernelStateError as e:
    print(f"send while deactivated: {type(e).__name__}: {e}")
kernel.terminate_sync()
check(kernel.state == rk.KernelState.Terminated, "terminated")
runtime.shutdown_sync()
runtime.shutdown_sync()
check(runtime.is_shutdown, "shut down")
print("quickstart: all checks passed")
