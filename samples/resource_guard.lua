-- Resource guard: account for memory before allocating it, reserve ahead of time, and
-- refuse workloads that would not fit — with exact numbers (API spec section 8).
--
-- Run: rkhost samples/resource_guard.lua
local rk = require "ringkernel"

local function check(cond, what)
  if not cond then
    io.stderr:write("resource_guard: FAILED: ", tostring(what), "\n")
    os.exit(1)
  end
end

local GiB, MiB = 1024 ^ 3, 1024 ^ 2
local guard = rk.ResourceGuard { max_memory_bytes = 4 * GiB, safety_margin = 0.1 }
local margin = math.floor(4 * GiB / 10) -- floor(max x margin) is never handed out
check(guard.max_memory == 4 * GiB and guard.current_memory == 0, "fresh guard")
check(guard:available_memory() == 4 * GiB - margin, "available = max - margin")
print(("guard: max %d bytes, available %d"):format(guard.max_memory, guard:available_memory()))

-- Record what is really allocated.
guard:record_allocation(1 * GiB)
check(guard.current_memory == 1 * GiB, "allocation recorded")
check(guard:available_memory() == 3 * GiB - margin, "available shrinks by the allocation")
check(guard:can_allocate(2 * GiB) and not guard:can_allocate(3 * GiB), "can_allocate")

-- Reservations hold bytes for a job. Python's `with guard.reserve(n) as r:` is
-- guard:reserve(n, function(r) ... end): uncommitted bytes are released when the
-- function returns or raises.
local ok = pcall(guard.reserve, guard, 512 * MiB, function()
  check(guard.reserved_memory == 512 * MiB, "reservation counted")
  error("job failed")
end)
check(not ok and guard.reserved_memory == 0 and guard.current_memory == 1 * GiB,
      "a failed job's reservation is released")
guard:reserve(256 * MiB, function(reservation)
  reservation:commit()
  check(reservation:is_committed(), "committed")
end)
check(guard.reserved_memory == 0 and guard.current_memory == 1 * GiB + 256 * MiB,
      "a committed reservation becomes an allocation")
print(("after reservations: current %d, utilization %.1f%%")
  :format(guard.current_memory, 100 * guard:utilization()))

-- Reservations that do not fit are refused, and nothing is held.
local refused, err = pcall(guard.reserve, guard, 4 * GiB)
check(not refused and rk.is_error(err, "ReservationError"), "a 4 GiB reservation cannot fit")
print("refused: " .. tostring(err))
check(guard.reserved_memory == 0, "a refused reservation holds nothing")

-- Estimates: validate a workload before starting it.
local small = rk.MemoryEstimate { primary_bytes = 1000000, auxiliary_bytes = 500000,
                                  peak_bytes = 2000000, confidence = 0.9 }
check(small:total_bytes() == 1500000, "total = primary + auxiliary")
guard:validate(small)
local huge = rk.MemoryEstimate.for_elements(1000000000, 8)
local fits, limit = pcall(guard.validate, guard, huge)
check(not fits and rk.is_error(limit, "MemoryLimitError"), "8 GB of elements cannot fit")
print(("workload of %d bytes refused: %s"):format(huge:total_bytes(), tostring(limit)))

-- How many float64 elements still fit.
local available = guard:available_memory()
check(guard:max_safe_elements(8) == math.floor(available / 8), "max_safe_elements")
print(("room for %d float64 values"):format(guard:max_safe_elements(8)))

-- Deallocation never goes below zero; an unguarded guard enforces nothing.
guard:record_deallocation(100 * GiB)
check(guard.current_memory == 0, "deallocation saturates at 0")
local free = rk.ResourceGuard.unguarded()
check(not free:is_enforcing() and free:can_allocate(2 ^ 52), "unguarded")
print("resource_guard: all checks passed")
