"""Every enum of the ringkernel API (spec section 1) as an ``enum.IntEnum``.

The C extension builds members of these classes by value (``rkpy_enum``), so the values
here are the values of the C enums.
"""

from __future__ import annotations

import enum
from typing import Optional

__all__ = [
    "Priority",
    "Backend",
    "KernelMode",
    "KernelState",
    "DeliveryStatus",
    "QueueTier",
    "QueueHealth",
    "ProcessingMode",
    "PyGpuSizeClass",
    "PyRegressionStatus",
]


class _ReprEnum(enum.IntEnum):
    """IntEnum whose str() is the member name (``KernelState.Active`` prints ``Active``
    inside f-strings, matching the reprs of spec section 5)."""

    def __str__(self) -> str:
        return self.name


class Priority(_ReprEnum):
    Low = 0
    Normal = 1
    High = 2
    Critical = 3

    @classmethod
    def from_int(cls, value: int) -> "Priority":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"priority must be an int, got {type(value).__name__}")
        if not 0 <= value <= 3:
            raise ValueError(f"priority must be 0..3, got {value}")
        return cls(value)


class Backend(_ReprEnum):
    Auto = 0
    Cpu = 1
    Cuda = 2
    Metal = 3
    Wgpu = 4


class KernelMode(_ReprEnum):
    Persistent = 0
    EventDriven = 1


class KernelState(_ReprEnum):
    Created = 0
    Launched = 1
    Active = 2
    Deactivated = 3
    Terminating = 4
    Terminated = 5

    def can_activate(self) -> bool:
        return self in (KernelState.Launched, KernelState.Deactivated)

    def can_deactivate(self) -> bool:
        return self is KernelState.Active

    def can_terminate(self) -> bool:
        return self in (KernelState.Launched, KernelState.Active, KernelState.Deactivated)

    def is_running(self) -> bool:
        return self is KernelState.Active

    def is_finished(self) -> bool:
        return self is KernelState.Terminated


class DeliveryStatus(_ReprEnum):
    Delivered = 0
    Pending = 1
    NotFound = 2
    QueueFull = 3
    Timeout = 4
    MaxHopsExceeded = 5
    TenantMismatch = 6

    def is_success(self) -> bool:
        return self is DeliveryStatus.Delivered

    def is_pending(self) -> bool:
        return self is DeliveryStatus.Pending

    def is_failure(self) -> bool:
        return self not in (DeliveryStatus.Delivered, DeliveryStatus.Pending)


class QueueTier(_ReprEnum):
    """A queue capacity tier; the value is the capacity in messages."""

    Small = 256
    Medium = 1024
    Large = 4096
    ExtraLarge = 16384

    @property
    def capacity(self) -> int:
        return int(self.value)

    @classmethod
    def for_throughput(cls, messages_per_second: int, headroom_ms: int = 100) -> "QueueTier":
        for name, value in (("messages_per_second", messages_per_second),
                            ("headroom_ms", headroom_ms)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        need = messages_per_second * headroom_ms // 1000
        for tier in (cls.Small, cls.Medium, cls.Large):
            if need <= tier.value:
                return tier
        return cls.ExtraLarge

    def upgrade(self) -> "QueueTier":
        order = list(QueueTier)
        return order[min(order.index(self) + 1, len(order) - 1)]

    def downgrade(self) -> "QueueTier":
        order = list(QueueTier)
        return order[max(order.index(self) - 1, 0)]


class QueueHealth(_ReprEnum):
    Healthy = 0
    Warning = 1
    Critical = 2


class ProcessingMode(_ReprEnum):
    CpuOnly = 0
    GpuOnly = 1
    Hybrid = 2
    Adaptive = 3


_SIZE_CLASS_BYTES = (256, 1024, 4096, 16384, 65536, 262144)


class PyGpuSizeClass(_ReprEnum):
    Size256B = 0
    Size1KB = 1
    Size4KB = 2
    Size16KB = 3
    Size64KB = 4
    Size256KB = 5

    def bytes(self) -> int:
        return _SIZE_CLASS_BYTES[self.value]

    @classmethod
    def for_size(cls, n: int) -> Optional["PyGpuSizeClass"]:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"size must be an int, got {type(n).__name__}")
        if n < 0:
            raise ValueError(f"size must be >= 0, got {n}")
        for member in cls:
            if n <= _SIZE_CLASS_BYTES[member.value]:
                return member
        return None


class PyRegressionStatus(_ReprEnum):
    Improved = 0
    Unchanged = 1
    Regressed = 2

    def symbol(self) -> str:
        return ("+", "=", "-")[self.value]

    def text(self) -> str:
        return ("IMPROVED", "UNCHANGED", "REGRESSED")[self.value]
