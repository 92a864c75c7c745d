"""The exception hierarchy of ringkernel (spec section 2).

    Exception
     └ RingKernelError
        ├ MemoryLimitError
        ├ KernelError ── KernelStateError
        ├ CudaError ──┬ CudaDeviceError
        │             └ CudaMemoryError
        ├ QueueError ─┬ QueueFullError
        │             └ QueueEmptyError
        ├ K2KError ── K2KDeliveryError
        ├ BenchmarkError
        ├ HybridError ── GpuNotAvailableError
        └ ResourceError ── ReservationError

Timeouts raise the builtin ``TimeoutError``; bad arguments ``ValueError``/``TypeError``.
The classes are created by the C extension, so errors raised from C and ``except`` clauses
in Python name the same objects.
"""

from ringkernel._ringkernel import (
    BenchmarkError,
    CudaDeviceError,
    CudaError,
    CudaMemoryError,
    GpuNotAvailableError,
    HybridError,
    K2KDeliveryError,
    K2KError,
    KernelError,
    KernelStateError,
    MemoryLimitError,
    QueueEmptyError,
    QueueError,
    QueueFullError,
    ReservationError,
    ResourceError,
    RingKernelError,
)

__all__ = [
    "RingKernelError",
    "MemoryLimitError",
    "KernelError",
    "KernelStateError",
    "CudaError",
    "CudaDeviceError",
    "CudaMemoryError",
    "QueueError",
    "QueueFullError",
    "QueueEmptyError",
    "K2KError",
    "K2KDeliveryError",
    "BenchmarkError",
    "HybridError",
    "GpuNotAvailableError",
    "ResourceError",
    "ReservationError",
]
