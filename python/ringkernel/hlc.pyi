from ringkernel._ringkernel import HlcClock as HlcClock
from ringkernel._ringkernel import HlcTimestamp as HlcTimestamp

__all__ = ["HlcTimestamp", "HlcClock"]
