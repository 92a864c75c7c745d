import asyncio

import pytest

import ringkernel
from ringkernel import Backend, KernelState, LaunchOptions, RingKernel, RingKernelError


def test_create_defaults():
    rt = RingKernel.create_sync()
    try:
        assert rt.backend is Backend.Cpu
        assert rt.node_id == 1
        assert rt.is_k2k_enabled is True
        assert rt.is_shutdown is False
        assert repr(rt) == "RingKernel(backend=Cpu, kernels=0, k2k=true)"
    finally:
        rt.shutdown_sync()
    assert rt.is_shutdown is True


def test_create_options():
    rt = RingKernel.create_sync(backend=Backend.Cpu, node_id=7, enable_k2k=False, workers=1)
    try:
        assert rt.node_id == 7 and rt.is_k2k_enabled is False
        assert repr(rt) == "RingKernel(backend=Cpu, kernels=0, k2k=false)"
        assert rt.k2k_broker() is None
    finally:
        rt.shutdown_sync()


def test_create_auto_picks_a_backend():
    with RingKernel.create_sync(backend="auto") as rt:
        expected = Backend.Cuda if ringkernel.is_cuda_available() else Backend.Cpu
        assert rt.backend is expected


def test_create_errors():
    with pytest.raises(ValueError, match="unknown backend 'quantum'"):
        RingKernel.create_sync(backend="quantum")
    with pytest.raises(ValueError, match="node_id must be 0..65535, got 70000"):
        RingKernel.create_sync(node_id=70000)
    with pytest.raises(ValueError):
        RingKernel.create_sync(node_id=-1)
    with pytest.raises(RingKernelError):
        RingKernel.create_sync(backend="metal")
    if not ringkernel.is_cuda_available():
        with pytest.raises(ringkernel.CudaDeviceError) as info:
            RingKernel.create_sync(backend="cuda")
        assert "CUDA" in str(info.value)


def test_launch_and_lookup(runtime):
    k = runtime.launch_sync("processor")
    assert k.id == "processor" and k.state is KernelState.Active and k.is_active()
    assert repr(k) == "KernelHandle(id='processor', state=Active)"
    assert runtime.get_kernel("processor") is k
    assert runtime.get_kernel("missing") is None
    runtime.launch_sync("second", LaunchOptions().without_auto_activate())
    assert runtime.list_kernels() == ["processor", "second"]
    assert runtime.get_kernel("second").state is KernelState.Launched
    assert repr(runtime) == "RingKernel(backend=Cpu, kernels=2, k2k=true)"
    k.terminate_sync()
    assert runtime.list_kernels() == ["second"]
    assert runtime.list_kernels(include_terminated=True) == ["processor", "second"]


def test_launch_errors(runtime):
    runtime.launch_sync("a")
    with pytest.raises(RingKernelError, match="Kernel already exists: a"):
        runtime.launch_sync("a")
    with pytest.raises(ValueError):
        runtime.launch_sync("")
    with pytest.raises(ValueError):
        runtime.launch_sync("x" * 65)
    with pytest.raises(TypeError):
        runtime.launch_sync(5)
    with pytest.raises(TypeError, match="options must be LaunchOptions"):
        runtime.launch_sync("b", {"grid": 1})
    with pytest.raises(ringkernel.KernelError, match="Handler not found: nope"):
        runtime.launch_sync("c", LaunchOptions().with_handler("nope"))


def test_metrics_are_real_counts(runtime):
    k = runtime.launch_sync("m")
    for i in range(5):
        k.request_sync(bytes([i]), timeout=5)
    m = runtime.metrics()
    assert (m.active_kernels, m.total_launched) == (1, 1)
    assert m.messages_sent == 5 and m.messages_received == 5
    # host memory: what the message pool holds from the system after real traffic
    assert m.gpu_memory_used == 0 and m.host_memory_used > 0
    assert repr(m) == "RuntimeMetrics(kernels=1, launched=1, sent=5, recv=5)"


def test_shutdown_idempotent_and_final(runtime):
    k = runtime.launch_sync("s")
    runtime.shutdown_sync()
    runtime.shutdown_sync()
    assert runtime.is_shutdown and k.state is KernelState.Terminated
    with pytest.raises(RingKernelError, match="shut down"):
        runtime.launch_sync("t")
    assert runtime.metrics().active_kernels == 0


def test_context_managers():
    with RingKernel.create_sync() as rt:
        k = rt.launch_sync("cm")
    assert rt.is_shutdown and k.state is KernelState.Terminated

    async def main():
        async with await RingKernel.create() as art:
            await art.launch("acm")
        return art

    art = asyncio.run(main())
    assert art.is_shutdown


def test_async_create_launch_shutdown():
    async def main():
        rt = await RingKernel.create(backend="cpu", node_id=3)
        k = await rt.launch("p", LaunchOptions().with_queue_capacity(2048))
        assert k.state is KernelState.Active and rt.node_id == 3
        await k.terminate()
        await rt.shutdown()
        return rt, k

    rt, k = asyncio.run(main())
    assert rt.is_shutdown and k.state is KernelState.Terminated


def test_runtime_freed_when_unreferenced():
    import gc
    import weakref

    rt = RingKernel.create_sync()
    k = rt.launch_sync("w")
    ref = weakref.ref(rt)
    del rt, k
    gc.collect()
    assert ref() is None


def test_cuda_device_alias():
    expected = ringkernel.cuda.PyCudaDevice if ringkernel.is_cuda_available() else None
    assert ringkernel.CudaDevice is expected
    assert "CudaDevice" in ringkernel.__all__
    with pytest.raises(AttributeError):
        ringkernel.NoSuchThing
