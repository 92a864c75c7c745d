"""CPU/GPU hybrid dispatch (spec section 7): route each workload by size, and learn the
size threshold from measured times in Adaptive mode."""

from ringkernel._enums import ProcessingMode
from ringkernel._ringkernel import (
    GpuNotAvailableError,
    HybridConfig,
    HybridDispatcher,
    HybridError,
    HybridStats,
)

__all__ = [
    "HybridDispatcher",
    "HybridConfig",
    "HybridStats",
    "ProcessingMode",
    "HybridError",
    "GpuNotAvailableError",
]
