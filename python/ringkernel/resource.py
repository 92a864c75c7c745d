"""Memory accounting (spec section 8): ``MemoryEstimate`` and a thread-safe
``ResourceGuard`` whose reservations are context managers acting on their guard."""

from ringkernel._ringkernel import (
    MemoryEstimate,
    MemoryLimitError,
    Reservation,
    ReservationError,
    ResourceError,
    ResourceGuard,
)

__all__ = [
    "ResourceGuard",
    "MemoryEstimate",
    "Reservation",
    "ResourceError",
    "ReservationError",
    "MemoryLimitError",
]
