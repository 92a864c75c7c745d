import pytest

import ringkernel
from ringkernel import exceptions as E

HIERARCHY = {
    "RingKernelError": Exception,
    "MemoryLimitError": "RingKernelError",
    "KernelError": "RingKernelError",
    "KernelStateError": "KernelError",
    "CudaError": "RingKernelError",
    "CudaDeviceError": "CudaError",
    "CudaMemoryError": "CudaError",
    "QueueError": "RingKernelError",
    "QueueFullError": "QueueError",
    "QueueEmptyError": "QueueError",
    "K2KError": "RingKernelError",
    "K2KDeliveryError": "K2KError",
    "BenchmarkError": "RingKernelError",
    "HybridError": "RingKernelError",
    "GpuNotAvailableError": "HybridError",
    "ResourceError": "RingKernelError",
    "ReservationError": "ResourceError",
}


@pytest.mark.parametrize("name,base", HIERARCHY.items())
def test_hierarchy(name, base):
    cls = getattr(E, name)
    base_cls = base if isinstance(base, type) else getattr(E, base)
    assert cls.__bases__ == (base_cls,)
    assert getattr(ringkernel, name) is cls  # ours: all of them top level
    assert cls.__module__ == "ringkernel.exceptions"


def test_exceptions_module_lists_all():
    assert sorted(E.__all__) == sorted(HIERARCHY)


def test_timeouts_are_builtin(echo):
    with pytest.raises(TimeoutError):
        echo.receive_sync(timeout=0.01)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.5, -1])
def test_bad_durations_are_value_errors(echo, bad):
    with pytest.raises(ValueError, match="timeout must be a finite number of seconds"):
        echo.receive_sync(timeout=bad)
    with pytest.raises(ValueError):
        echo.request_sync(b"x", timeout=bad)
    with pytest.raises(ValueError):
        echo.send_sync(b"x", timeout=bad)


@pytest.mark.parametrize("bad", ["1", [1], object(), True])
def test_wrong_duration_types(echo, bad):
    if bad is True:
        with pytest.raises(TypeError, match="timeout must be a number, got bool"):
            echo.receive_sync(timeout=bad)
    else:
        with pytest.raises(TypeError):
            echo.receive_sync(timeout=bad)


def test_wrong_message_types(echo):
    for bad in (1, "text", None, [b"x"]):
        with pytest.raises(TypeError, match="MessageEnvelope or bytes-like"):
            echo.send_sync(bad)


def test_negative_sizes():
    o = ringkernel.LaunchOptions()
    with pytest.raises(ValueError, match="got -1"):
        o.with_grid_size(-1)
    with pytest.raises(ValueError, match="got -3"):
        ringkernel.MessageId(-3)
    with pytest.raises(ValueError):
        ringkernel.HlcClock(node_id=-1)


def test_closed_runtime_and_terminated_kernel(runtime):
    k = runtime.launch_sync("gone")
    k.terminate_sync()
    with pytest.raises(ringkernel.RingKernelError, match="gone"):
        k.send_sync(b"x")
    with pytest.raises(ringkernel.KernelStateError,
                       match="Invalid state transition: Terminated -> "):
        k.terminate_sync()
    runtime.shutdown_sync()
    with pytest.raises(ringkernel.RingKernelError, match="shut down"):
        runtime.launch_sync("late")


def test_constructors_that_do_not_exist():
    for cls in (ringkernel.MessageHeader, ringkernel.MessageEnvelope, ringkernel.KernelHandle,
                ringkernel.KernelStatus, ringkernel.RuntimeMetrics):
        with pytest.raises(TypeError):
            cls()


def test_argument_errors_name_the_call(echo):
    with pytest.raises(TypeError, match=r"request_sync\(\) got an unexpected keyword argument 'x'"):
        echo.request_sync(b"a", x=1)
    with pytest.raises(TypeError, match=r"request_sync\(\) missing required argument 'envelope'"):
        echo.request_sync()
    with pytest.raises(TypeError, match=r"send_sync\(\) takes at most 2 arguments \(3 given\)"):
        echo.send_sync(b"a", 0, 1)
    with pytest.raises(TypeError, match="multiple values for argument 'envelope'"):
        echo.send_sync(b"a", envelope=b"b")
    echo.send_sync(envelope=b"kw", timeout=None)
    assert echo.receive_sync(timeout=5).payload == b"kw"


def test_kernel_id_with_nul_is_refused(runtime):
    with pytest.raises(ValueError, match="kernel id must not contain a NUL"):
        runtime.launch_sync("a\0b")
    runtime.launch_sync("a")
    with pytest.raises(ValueError, match="NUL"):
        runtime.get_kernel("a\0b")


def test_timeout_message_names_the_callers_timeout(runtime):
    k = runtime.launch_sync("quiet")
    with pytest.raises(TimeoutError, match=r"timed out after 0\.12 s"):
        k.receive_timeout_sync(0.12)



def test_a_short_receive_timeout_is_named_exactly(runtime):
    # The wait runs to a deadline; its message must still name the caller's value, not
    # what was left of it when the wait began (0.00199985 s for 0.002).
    k = runtime.launch_sync("quiet_short")
    for t in (0.002, 0.0123):
        with pytest.raises(TimeoutError) as err:
            k.receive_sync(timeout=t)
        assert str(err.value).endswith(f"timed out after {t:.6g} s"), str(err.value)
