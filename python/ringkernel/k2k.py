"""Kernel-to-kernel messaging: broker, configuration, statistics, receipts (spec
section 6)."""

from ringkernel._enums import DeliveryStatus
from ringkernel._ringkernel import DeliveryReceipt, K2KBroker, K2KConfig, K2KStats

__all__ = ["K2KBroker", "K2KConfig", "K2KStats", "DeliveryStatus", "DeliveryReceipt"]
