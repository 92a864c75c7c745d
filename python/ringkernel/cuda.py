"""CUDA devices, GPU memory pools and stream configuration (spec section 10).

This module exists with or without a GPU: without the CUDA backend, a driver or a
device, ``cuda_device_count()`` is 0, ``enumerate_devices()`` is empty and
``PyCudaDevice``/``PyGpuPool`` raise ``CudaDeviceError`` saying why, while the pool and
stream configurations, their presets and the size-class helpers keep working.
"""

from ringkernel._enums import PyGpuSizeClass
from ringkernel._ringkernel import (
    CudaDeviceError,
    CudaError,
    CudaMemoryError,
    PyCudaDevice,
    PyCudaDeviceInfo,
    PyGpuPool,
    PyGpuPoolConfig,
    PyGpuPoolDiagnostics,
    PyStreamConfig,
    PyStreamId,
    cuda_device_count,
    enumerate_devices,
    is_cuda_available,
)

__all__ = [
    "is_cuda_available",
    "cuda_device_count",
    "enumerate_devices",
    "PyCudaDevice",
    "PyCudaDeviceInfo",
    "PyGpuPool",
    "PyGpuPoolConfig",
    "PyGpuPoolDiagnostics",
    "PyGpuSizeClass",
    "PyStreamConfig",
    "PyStreamId",
    "CudaError",
    "CudaDeviceError",
    "CudaMemoryError",
]
