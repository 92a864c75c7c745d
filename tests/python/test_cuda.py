"""ringkernel.cuda (spec section 10): works with or without a GPU. Tests that need a
device skip when is_cuda_available() is false."""

import sys

import pytest

import ringkernel.cuda as rkcuda
from ringkernel.cuda import (
    CudaDeviceError,
    CudaError,
    PyCudaDevice,
    PyCudaDeviceInfo,
    PyGpuPool,
    PyGpuPoolConfig,
    PyGpuPoolDiagnostics,
    PyGpuSizeClass,
    PyStreamConfig,
    PyStreamId,
    cuda_device_count,
    enumerate_devices,
    is_cuda_available,
)

HAVE_GPU = is_cuda_available()
needs_gpu = pytest.mark.skipif(not HAVE_GPU, reason="no usable CUDA device")
needs_no_gpu = pytest.mark.skipif(HAVE_GPU, reason="a CUDA device is present")

GIB = 1024**3
MIB = 1024**2


def test_device_queries_agree():
    n = cuda_device_count()
    assert isinstance(HAVE_GPU, bool)
    assert isinstance(n, int) and n >= 0
    assert HAVE_GPU == (n > 0)
    devices = enumerate_devices()
    assert len(devices) == n
    assert [d.ordinal for d in devices] == list(range(n))


@needs_no_gpu
def test_without_gpu_zero_devices_and_clear_errors():
    assert cuda_device_count() == 0
    assert enumerate_devices() == []
    with pytest.raises(CudaDeviceError) as exc:
        PyCudaDevice()
    assert str(exc.value).startswith("CUDA device 0 is not available: ")
    assert len(str(exc.value)) > len("CUDA device 0 is not available: ")
    assert isinstance(exc.value, CudaError)
    with pytest.raises(CudaDeviceError):
        PyCudaDevice(ordinal=3)
    with pytest.raises(CudaDeviceError):
        PyGpuPool(PyGpuPoolConfig.minimal())


@needs_no_gpu
def test_top_level_cuda_device_is_none_without_gpu():
    import ringkernel

    assert ringkernel.CudaDevice is None
    assert ringkernel.is_cuda_available() is False


def test_device_ordinal_is_checked():
    with pytest.raises(ValueError):
        PyCudaDevice(ordinal=-1)
    with pytest.raises(TypeError):
        PyCudaDevice(ordinal="0")
    with pytest.raises(CudaDeviceError) as exc:
        PyCudaDevice(ordinal=cuda_device_count())
    assert f"CUDA device {cuda_device_count()}" in str(exc.value)


def test_submodule_reachable_after_plain_import():
    import ringkernel

    assert ringkernel.cuda.PyStreamConfig is PyStreamConfig
    assert rkcuda.PyGpuSizeClass is PyGpuSizeClass
    assert PyCudaDevice.__module__ == "ringkernel.cuda"
    assert PyCudaDevice.__name__ == "PyCudaDevice"


POOL_PRESETS = {
    "default": ((1000, 500, 200, 100, 50, 20), (10000, 5000, 2000, 1000, 500, 200), 1 * GIB),
    "for_graph_analytics": ((2000, 200, 500, 100, 50, 20), (20000, 2000, 2000, 500, 200, 100),
                            2 * GIB),
    "for_simulation": ((100, 200, 500, 500, 200, 50), (1000, 2000, 5000, 5000, 2000, 500),
                       4 * GIB),
    "minimal": ((10,) * 6, (100,) * 6, 64 * MIB),
}


@pytest.mark.parametrize("name", sorted(POOL_PRESETS))
def test_pool_config_presets(name):
    initial, maximum, max_bytes = POOL_PRESETS[name]
    c = getattr(PyGpuPoolConfig, name)()
    assert c.initial_counts == initial
    assert c.max_counts == maximum
    assert c.max_pool_bytes == max_bytes
    assert c.track_allocations is True
    assert c.device == 0


def test_pool_config_constructor():
    assert PyGpuPoolConfig() == PyGpuPoolConfig.default()
    c = PyGpuPoolConfig(initial_counts=[1, 2, 3, 4, 5, 6], max_counts=(10,) * 6,
                        max_pool_bytes=128 * MIB, track_allocations=False, device=1)
    assert c.initial_counts == (1, 2, 3, 4, 5, 6)
    assert c.max_counts == (10,) * 6
    assert (c.max_pool_bytes, c.track_allocations, c.device) == (128 * MIB, False, 1)
    assert c != PyGpuPoolConfig()
    assert hash(PyGpuPoolConfig()) == hash(PyGpuPoolConfig.default())
    assert len({PyGpuPoolConfig(), PyGpuPoolConfig.default(), PyGpuPoolConfig.minimal()}) == 2
    assert repr(PyGpuPoolConfig.minimal()) == (
        "PyGpuPoolConfig(initial_counts=(10, 10, 10, 10, 10, 10), "
        "max_counts=(100, 100, 100, 100, 100, 100), max_pool_bytes=67108864, "
        "track_allocations=True)"
    )


def test_pool_config_validation():
    with pytest.raises(ValueError) as exc:
        PyGpuPoolConfig(initial_counts=(200,) * 6, max_counts=(100,) * 6)
    assert "initial_counts[0] 200 > max_counts[0] 100" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        PyGpuPoolConfig(initial_counts=(1, 2, 3))
    assert "6 entries" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        PyGpuPoolConfig(max_pool_bytes=0)
    assert "max_pool_bytes" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        PyGpuPoolConfig(max_pool_bytes=1024)
    assert "max_pool_bytes" in str(exc.value)
    with pytest.raises(TypeError):
        PyGpuPoolConfig(initial_counts=5)
    with pytest.raises(ValueError):
        PyGpuPoolConfig(initial_counts=(-1, 0, 0, 0, 0, 0))
    with pytest.raises(ValueError):
        PyGpuPoolConfig(device=-1)


def test_pool_config_is_read_only():
    with pytest.raises(AttributeError):
        PyGpuPoolConfig().max_pool_bytes = 5


def test_size_classes():
    assert [c.bytes() for c in PyGpuSizeClass] == [256, 1024, 4096, 16384, 65536, 262144]
    assert PyGpuSizeClass.for_size(0) is PyGpuSizeClass.Size256B
    assert PyGpuSizeClass.for_size(256) is PyGpuSizeClass.Size256B
    assert PyGpuSizeClass.for_size(257) is PyGpuSizeClass.Size1KB
    assert PyGpuSizeClass.for_size(65536) is PyGpuSizeClass.Size64KB
    assert PyGpuSizeClass.for_size(262144) is PyGpuSizeClass.Size256KB
    assert PyGpuSizeClass.for_size(262145) is None
    assert int(PyGpuSizeClass.Size16KB) == 3


STREAM_PRESETS = {
    "default": (4, True, False),
    "minimal": (1, False, False),
    "performance": (4, True, True),
    "for_simulation": (2, True, False),
}


@pytest.mark.parametrize("name", sorted(STREAM_PRESETS))
def test_stream_config_presets(name):
    c = getattr(PyStreamConfig, name)()
    assert (c.num_compute_streams, c.use_transfer_stream, c.enable_graph_capture) == (
        STREAM_PRESETS[name])


def test_stream_config_constructor():
    assert PyStreamConfig() == PyStreamConfig.default()
    assert len({PyStreamConfig(), PyStreamConfig.default(), PyStreamConfig.minimal()}) == 2
    c = PyStreamConfig(num_compute_streams=8, use_transfer_stream=False,
                       enable_graph_capture=True)
    assert (c.num_compute_streams, c.use_transfer_stream, c.enable_graph_capture) == (
        8, False, True)
    assert repr(c) == ("PyStreamConfig(num_compute_streams=8, use_transfer_stream=False, "
                       "enable_graph_capture=True)")
    for bad in (0, 33, -1):
        with pytest.raises(ValueError) as exc:
            PyStreamConfig(num_compute_streams=bad)
        assert "num_compute_streams" in str(exc.value)
    assert PyStreamConfig(num_compute_streams=32).num_compute_streams == 32


def test_stream_ids():
    c2 = PyStreamId.compute(2)
    assert (c2.kind, c2.index, c2.is_compute(), c2.is_transfer()) == ("compute", 2, True, False)
    t = PyStreamId.transfer()
    assert (t.kind, t.index, t.is_transfer()) == ("transfer", 0, True)
    d = PyStreamId.default_stream()
    assert (d.kind, d.is_default()) == ("default", True)
    assert repr(c2) == "PyStreamId.compute(2)"
    assert repr(t) == "PyStreamId.transfer()"
    assert repr(d) == "PyStreamId.default_stream()"
    assert c2 == PyStreamId.compute(2)
    assert c2 != PyStreamId.compute(3)
    assert t != d
    assert len({c2, PyStreamId.compute(2), t, d}) == 3
    with pytest.raises(ValueError):
        PyStreamId.compute(32)
    with pytest.raises(ValueError):
        PyStreamId.compute(-1)
    with pytest.raises(TypeError):
        PyStreamId()


def test_info_types_cannot_be_built_directly():
    with pytest.raises(TypeError):
        PyCudaDeviceInfo()
    with pytest.raises(TypeError):
        PyGpuPoolDiagnostics()


def test_readme_cuda_section_configs():
    config = PyGpuPoolConfig.for_graph_analytics()
    assert f"Track allocations: {config.track_allocations}" == "Track allocations: True"
    assert f"Max pool bytes: {config.max_pool_bytes}" == "Max pool bytes: 2147483648"
    stream_config = PyStreamConfig.performance()
    assert f"Compute streams: {stream_config.num_compute_streams}" == "Compute streams: 4"
    assert f"Graph capture: {stream_config.enable_graph_capture}" == "Graph capture: True"


@needs_gpu
def test_device_properties():
    info = enumerate_devices()[0]
    dev = PyCudaDevice(ordinal=0)
    assert isinstance(info, PyCudaDeviceInfo)
    assert dev.ordinal == info.ordinal == 0
    assert dev.name == info.name and dev.name
    assert dev.compute_capability == info.compute_capability
    major, minor = dev.compute_capability
    assert major >= 1 and minor >= 0
    assert dev.total_memory == info.total_memory > 0
    assert dev.total_memory_mb() == dev.total_memory / MIB
    assert info.total_memory_gb() == info.total_memory / GIB
    assert dev.supports_persistent_kernels() == (major >= 7) == info.supports_persistent
    assert isinstance(dev.supports_cooperative_groups(), bool)
    assert dev.info().name == dev.name
    dev.synchronize()
    import ringkernel

    assert ringkernel.CudaDevice is PyCudaDevice


@needs_gpu
def test_live_pool_diagnostics():
    with PyGpuPool(PyGpuPoolConfig.minimal()) as pool:
        d0 = pool.diagnostics()
        carved = sum(10 * b for b in (256, 1024, 4096, 16384, 65536, 262144))
        assert d0.total_cuda_bytes >= carved
        assert d0.in_use_bytes == 0
        assert d0.free_bytes == d0.total_cuda_bytes
        assert d0.total_allocations == 0
        p1 = pool.allocate(100)
        p2 = pool.allocate(5000)
        big = pool.allocate(1 * MIB)
        assert p1 % 256 == 0 and p2 % 256 == 0
        d1 = pool.diagnostics()
        assert d1.total_allocations == 3
        assert d1.large_allocation_count == 1
        assert d1.in_use_bytes == 256 + 16384 + 1 * MIB
        assert d1.free_bytes == d1.total_cuda_bytes - d1.in_use_bytes
        assert d1.utilization() == d1.in_use_bytes / d1.total_cuda_bytes
        assert 0.0 < d1.hit_rate <= 1.0
        buckets = d1.bucket_stats()
        assert [b["size_class"] for b in buckets] == list(PyGpuSizeClass)
        assert buckets[0]["in_use_blocks"] == 1 and buckets[3]["in_use_blocks"] == 1
        for p in (p1, p2, big):
            pool.free(p)
        d2 = pool.diagnostics()
        assert (d2.total_deallocations, d2.in_use_bytes, d2.large_allocation_count) == (3, 0, 0)
        with pytest.raises(ValueError):
            pool.free(p1)  # freed twice (tracked)
    with pytest.raises(ValueError):
        pool.diagnostics()  # closed


def test_no_leaked_objects_or_references():
    types = (PyGpuPoolConfig, PyStreamConfig, PyStreamId, PyCudaDevice, PyCudaDeviceInfo)
    counts = [1, 2, 3, 4, 5, 6]
    before, counts_refs = [sys.getrefcount(t) for t in types], sys.getrefcount(counts)
    for _ in range(500):
        c = PyGpuPoolConfig(initial_counts=counts)
        (c.initial_counts, c.max_counts, repr(c), repr(PyStreamConfig.performance()))
        hash(PyStreamId.compute(1)), enumerate_devices()
        try:
            PyGpuPoolConfig(initial_counts=counts[:5])
        except ValueError:
            pass
        try:
            PyCudaDevice(ordinal=cuda_device_count())
        except CudaDeviceError:
            pass
    del c
    assert [sys.getrefcount(t) for t in types] == before
    assert sys.getrefcount(counts) == counts_refs
