"""ringkernel: persistent GPU/CPU actors with lock-free message queues.

``CudaDevice`` is the CUDA device class when a usable CUDA device is present, else None.

The classes live in the C extension ``ringkernel._ringkernel``; enums are ``IntEnum``s in
``ringkernel._enums``. Submodules ``hlc, k2k, queue, hybrid, resource, exceptions, cuda,
benchmark`` group them by area and are imported here, so ``ringkernel.cuda.X`` works
after a plain ``import ringkernel``.
"""

from ringkernel._ringkernel import (
    MAX_PAYLOAD_SIZE,
    MESSAGE_MAGIC,
    MESSAGE_VERSION,
    CorrelationId,
    DeliveryReceipt,
    HlcClock,
    HlcTimestamp,
    HybridConfig,
    HybridDispatcher,
    HybridStats,
    K2KBroker,
    K2KConfig,
    K2KStats,
    KernelHandle,
    KernelStatus,
    LaunchOptions,
    MemoryEstimate,
    MessageEnvelope,
    MessageHeader,
    MessageId,
    QueueMetrics,
    QueueMonitor,
    QueueStats,
    ResourceGuard,
    RingKernel,
    RuntimeMetrics,
    __version__,
    is_cuda_available,
)
from ringkernel._enums import (
    Backend,
    DeliveryStatus,
    KernelMode,
    KernelState,
    Priority,
    ProcessingMode,
    QueueHealth,
    QueueTier,
)
from ringkernel.exceptions import *  # noqa: F401,F403 (the hierarchy is listed there once)
from ringkernel import benchmark, cuda, exceptions, hlc, hybrid, k2k, queue, resource



def __getattr__(name: str):
    # CudaDevice is resolved on first use: deciding it initialises the CUDA runtime
    # (~100 ms, and a CUDA-initialised process cannot use CUDA in forked children).
    if name == "CudaDevice":
        value = cuda.PyCudaDevice if is_cuda_available() else None
        globals()["CudaDevice"] = value
        return value
    raise AttributeError(f"module 'ringkernel' has no attribute {name!r}")

__all__ = [
    "__version__",
    "MAX_PAYLOAD_SIZE",
    "MESSAGE_MAGIC",
    "MESSAGE_VERSION",
    "RingKernel",
    "KernelHandle",
    "LaunchOptions",
    "KernelState",
    "KernelMode",
    "KernelStatus",
    "RuntimeMetrics",
    "Backend",
    "MessageId",
    "CorrelationId",
    "Priority",
    "MessageHeader",
    "MessageEnvelope",
    "HlcTimestamp",
    "HlcClock",
    "K2KBroker",
    "K2KConfig",
    "K2KStats",
    "DeliveryStatus",
    "DeliveryReceipt",
    "HybridDispatcher",
    "HybridConfig",
    "HybridStats",
    "ProcessingMode",
    "ResourceGuard",
    "MemoryEstimate",
    "QueueStats",
    "QueueTier",
    "QueueHealth",
    "QueueMonitor",
    "QueueMetrics",
    "is_cuda_available",
    "CudaDevice",
    *exceptions.__all__,
    "benchmark",
    "cuda",
    "exceptions",
    "hlc",
    "hybrid",
    "k2k",
    "queue",
    "resource",
]
