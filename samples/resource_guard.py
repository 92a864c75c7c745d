"""Resource guard: account for memory before allocating it, reserve ahead of time, and
refuse workloads that would not fit — with exact numbers (API spec section 8).

Run: rkhost samples/resource_guard.py
"""
import ringkernel as rk


def check(cond, what):
    if not cond:
        raise SystemExit(f"resource_guard: FAILED: {what}")


GiB = 1024 ** 3
guard = rk.ResourceGuard(max_memory_bytes=4 * GiB, safety_margin=0.1)
margin = (4 * GiB) // 10  # floor(max x margin) is never handed out
check(guard.max_memory == 4 * GiB and guard.current_memory == 0, "fresh guard")
check(guard.available_memory() == 4 * GiB - margin, "available = max - margin")
print(f"guard: max {guard.max_memory:,} bytes, available {guard.available_memory():,}")

# Record what is really allocated.
guard.record_allocation(1 * GiB)
check(guard.current_memory == 1 * GiB, "allocation recorded")
check(guard.available_memory() == 3 * GiB - margin, "available shrinks by the allocation")
check(guard.can_allocate(2 * GiB) and not guard.can_allocate(3 * GiB), "can_allocate")

# Reservations hold bytes for a job; uncommitted ones are released on exit, even when
# the job raises.
try:
    with guard.reserve(512 * 1024 ** 2) as reservation:
        check(guard.reserved_memory == 512 * 1024 ** 2, "reservation counted")
        raise RuntimeError("job failed")
except RuntimeError:
    pass
check(guard.reserved_memory == 0 and guard.current_memory == 1 * GiB,
      "a failed job's reservation is released")
with guard.reserve(256 * 1024 ** 2) as reservation:
    reservation.commit()
    check(reservation.is_committed(), "committed")
check(guard.reserved_memory == 0 and guard.current_memory == 1 * GiB + 256 * 1024 ** 2,
      "a committed reservation becomes an allocation")
print(f"after reservations: current {guard.current_memory:,}, "
      f"utilization {guard.utilization():.1%}")

# Reservations that do not fit are refused, and nothing is held.
try:
    guard.reserve(4 * GiB)
    check(False, "a 4 GiB reservation cannot fit")
except rk.ReservationError as e:
    print(f"refused: {e}")
check(guard.reserved_memory == 0, "a refused reservation holds nothing")

# Estimates: validate a workload before starting it.
small = rk.MemoryEstimate(primary_bytes=1_000_000, auxiliary_bytes=500_000,
                          peak_bytes=2_000_000, confidence=0.9)
check(small.total_bytes() == 1_500_000, "total = primary + auxiliary")
guard.validate(small)
huge = rk.MemoryEstimate.for_elements(1_000_000_000, 8)
try:
    guard.validate(huge)
    check(False, "8 GB of elements cannot fit")
except rk.MemoryLimitError as e:
    print(f"workload of {huge.total_bytes():,} bytes refused: {e}")

# How many float64 elements still fit.
available = guard.available_memory()
check(guard.max_safe_elements(bytes_per_element=8) == available // 8, "max_safe_elements")
print(f"room for {guard.max_safe_elements(bytes_per_element=8):,} float64 values")

# Deallocation never goes below zero; an unguarded guard enforces nothing.
guard.record_deallocation(100 * GiB)
check(guard.current_memory == 0, "deallocation saturates at 0")
free = rk.ResourceGuard.unguarded()
check(not free.is_enforcing() and free.can_allocate(1 << 60), "unguarded")
print("resource_guard: all checks passed")
