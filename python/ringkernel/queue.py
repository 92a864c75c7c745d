"""Queue monitoring (spec section 9): statistics of live queues, capacity tiers, health.

``QueueStats`` and ``QueueMetrics`` come back from live queues
(``KernelHandle.input_queue_stats()``, ``queue_metrics()``) and can be built by hand;
``QueueMonitor`` turns a depth and a capacity into a ``QueueHealth`` and tier advice.
"""

from ringkernel._enums import QueueHealth, QueueTier
from ringkernel._ringkernel import (
    QueueEmptyError,
    QueueError,
    QueueFullError,
    QueueMetrics,
    QueueMonitor,
    QueueStats,
)

__all__ = [
    "QueueStats",
    "QueueTier",
    "QueueHealth",
    "QueueMonitor",
    "QueueMetrics",
    "QueueError",
    "QueueFullError",
    "QueueEmptyError",
]
