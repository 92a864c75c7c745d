"""Hybrid logical clocks: ``HlcTimestamp`` and ``HlcClock`` (spec section 3)."""

from ringkernel._ringkernel import HlcClock, HlcTimestamp

__all__ = ["HlcTimestamp", "HlcClock"]
