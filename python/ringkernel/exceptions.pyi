"""Type stubs of ringkernel.exceptions (the classes are defined in _ringkernel.pyi)."""

from ringkernel._ringkernel import BenchmarkError as BenchmarkError
from ringkernel._ringkernel import CudaDeviceError as CudaDeviceError
from ringkernel._ringkernel import CudaError as CudaError
from ringkernel._ringkernel import CudaMemoryError as CudaMemoryError
from ringkernel._ringkernel import GpuNotAvailableError as GpuNotAvailableError
from ringkernel._ringkernel import HybridError as HybridError
from ringkernel._ringkernel import K2KDeliveryError as K2KDeliveryError
from ringkernel._ringkernel import K2KError as K2KError
from ringkernel._ringkernel import KernelError as KernelError
from ringkernel._ringkernel import KernelStateError as KernelStateError
from ringkernel._ringkernel import MemoryLimitError as MemoryLimitError
from ringkernel._ringkernel import QueueEmptyError as QueueEmptyError
from ringkernel._ringkernel import QueueError as QueueError
from ringkernel._ringkernel import QueueFullError as QueueFullError
from ringkernel._ringkernel import ReservationError as ReservationError
from ringkernel._ringkernel import ResourceError as ResourceError
from ringkernel._ringkernel import RingKernelError as RingKernelError

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
