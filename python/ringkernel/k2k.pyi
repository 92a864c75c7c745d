from ringkernel._enums import DeliveryStatus as DeliveryStatus
from ringkernel._ringkernel import DeliveryReceipt as DeliveryReceipt
from ringkernel._ringkernel import K2KBroker as K2KBroker
from ringkernel._ringkernel import K2KConfig as K2KConfig
from ringkernel._ringkernel import K2KStats as K2KStats

__all__ = ["K2KBroker", "K2KConfig", "K2KStats", "DeliveryStatus", "DeliveryReceipt"]
