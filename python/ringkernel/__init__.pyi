"""Type stubs of the ringkernel package (see _ringkernel.pyi for the classes)."""

from typing import Optional, Type

from ringkernel._ringkernel import MAX_PAYLOAD_SIZE as MAX_PAYLOAD_SIZE
from ringkernel._ringkernel import MESSAGE_MAGIC as MESSAGE_MAGIC
from ringkernel._ringkernel import MESSAGE_VERSION as MESSAGE_VERSION
from ringkernel._ringkernel import BenchmarkError as BenchmarkError
from ringkernel._ringkernel import CorrelationId as CorrelationId
from ringkernel._ringkernel import CudaDeviceError as CudaDeviceError
from ringkernel._ringkernel import CudaError as CudaError
from ringkernel._ringkernel import CudaMemoryError as CudaMemoryError
from ringkernel._ringkernel import DeliveryReceipt as DeliveryReceipt
from ringkernel._ringkernel import GpuNotAvailableError as GpuNotAvailableError
from ringkernel._ringkernel import HlcClock as HlcClock
from ringkernel._ringkernel import HlcTimestamp as HlcTimestamp
from ringkernel._ringkernel import HybridConfig as HybridConfig
from ringkernel._ringkernel import HybridDispatcher as HybridDispatcher
from ringkernel._ringkernel import HybridError as HybridError
from ringkernel._ringkernel import HybridStats as HybridStats
from ringkernel._ringkernel import K2KBroker as K2KBroker
from ringkernel._ringkernel import K2KConfig as K2KConfig
from ringkernel._ringkernel import K2KDeliveryError as K2KDeliveryError
from ringkernel._ringkernel import K2KError as K2KError
from ringkernel._ringkernel import K2KStats as K2KStats
from ringkernel._ringkernel import KernelError as KernelError
from ringkernel._ringkernel import KernelHandle as KernelHandle
from ringkernel._ringkernel import KernelStateError as KernelStateError
from ringkernel._ringkernel import KernelStatus as KernelStatus
from ringkernel._ringkernel import LaunchOptions as LaunchOptions
from ringkernel._ringkernel import MemoryEstimate as MemoryEstimate
from ringkernel._ringkernel import MemoryLimitError as MemoryLimitError
from ringkernel._ringkernel import MessageEnvelope as MessageEnvelope
from ringkernel._ringkernel import MessageHeader as MessageHeader
from ringkernel._ringkernel import MessageId as MessageId
from ringkernel._ringkernel import QueueEmptyError as QueueEmptyError
from ringkernel._ringkernel import QueueError as QueueError
from ringkernel._ringkernel import QueueFullError as QueueFullError
from ringkernel._ringkernel import QueueMetrics as QueueMetrics
from ringkernel._ringkernel import QueueMonitor as QueueMonitor
from ringkernel._ringkernel import QueueStats as QueueStats
from ringkernel._ringkernel import ReservationError as ReservationError
from ringkernel._ringkernel import ResourceError as ResourceError
from ringkernel._ringkernel import ResourceGuard as ResourceGuard
from ringkernel._ringkernel import RingKernel as RingKernel
from ringkernel._ringkernel import RingKernelError as RingKernelError
from ringkernel._ringkernel import RuntimeMetrics as RuntimeMetrics
from ringkernel._ringkernel import __version__ as __version__
from ringkernel._ringkernel import is_cuda_available as is_cuda_available
from ringkernel._enums import Backend as Backend
from ringkernel._enums import DeliveryStatus as DeliveryStatus
from ringkernel._enums import KernelMode as KernelMode
from ringkernel._enums import KernelState as KernelState
from ringkernel._enums import Priority as Priority
from ringkernel._enums import ProcessingMode as ProcessingMode
from ringkernel._enums import QueueHealth as QueueHealth
from ringkernel._enums import QueueTier as QueueTier
from ringkernel import benchmark as benchmark
from ringkernel import cuda as cuda
from ringkernel import exceptions as exceptions
from ringkernel import hlc as hlc
from ringkernel import hybrid as hybrid
from ringkernel import k2k as k2k
from ringkernel import queue as queue
from ringkernel import resource as resource

CudaDevice: Optional[Type[cuda.PyCudaDevice]]

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
    "benchmark",
    "cuda",
    "exceptions",
    "hlc",
    "hybrid",
    "k2k",
    "queue",
    "resource",
]
