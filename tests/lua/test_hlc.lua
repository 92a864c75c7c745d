-- HlcTimestamp and HlcClock (spec §3), mirroring the Python document's examples.
local T = require "testkit"
local rk = require "ringkernel"

T.case("timestamp fields, repr and str", function()
  local ts = rk.HlcTimestamp { physical = 1000000, logical = 5, node_id = 1 }
  T.eq(ts.physical, 1000000)
  T.eq(ts.logical, 5)
  T.eq(ts.node_id, 1)
  T.eq(tostring(ts), "HlcTimestamp(physical=1000000, logical=5, node_id=1)")
  T.eq(ts:str(), "HLC(1000000.5.1)")
  T.eq(ts:as_micros(), 1000000)
  T.eq(ts:as_millis(), 1000)
  T.eq(rk.HlcTimestamp(1999, 0, 0):as_millis(), 1)
end)

T.case("zero, is_zero ignores the node id", function()
  local z = rk.HlcTimestamp.zero()
  T.eq(tostring(z), "HlcTimestamp(physical=0, logical=0, node_id=0)")
  T.truthy(z:is_zero(), "zero")
  T.truthy(rk.HlcTimestamp(0, 0, 9):is_zero(), "node id ignored")
  T.eq(rk.HlcTimestamp(0, 1, 0):is_zero(), false)
end)

T.case("now is wall-clock microseconds with logical 0", function()
  local before = os.time() * 1000000
  local ts = rk.HlcTimestamp.now { node_id = 42 }
  T.eq(ts.node_id, 42)
  T.eq(ts.logical, 0)
  T.truthy(ts.physical >= before - 2000000 and ts.physical <= before + 2000000,
           "physical within 2 s of os.time()")
end)

T.case("ordering by physical, logical, node id; equality on all three", function()
  local a = rk.HlcTimestamp(5, 1, 9)
  local b = rk.HlcTimestamp(5, 2, 0)
  local c = rk.HlcTimestamp(6, 0, 0)
  T.truthy(a < b and b < c and a < c, "strict order")
  T.truthy(rk.HlcTimestamp(5, 1, 1) < rk.HlcTimestamp(5, 1, 2), "node id breaks ties")
  T.truthy(a <= rk.HlcTimestamp(5, 1, 9), "<=")
  T.eq(a == rk.HlcTimestamp(5, 1, 9), true)
  T.eq(a == rk.HlcTimestamp(5, 1, 8), false)
  -- mixed types never compare: Lua itself refuses (plain error, no metamethod runs)
  T.eq(pcall(function() return a < rk.MessageId(1) end), false)
end)

T.case("pack / unpack as 128-bit decimal strings, logical masked", function()
  local ts = rk.HlcTimestamp(1000000, 5, 1)
  -- 1000000 << 64 | 5 << 16 | 1
  T.eq(ts:pack(), "18446744073709551616327681")
  T.eq(rk.HlcTimestamp.unpack(ts:pack()), ts)
  T.eq(rk.HlcTimestamp(0, 0, 7):pack(), "7")
  T.eq(rk.HlcTimestamp.unpack(7), rk.HlcTimestamp(0, 0, 7))
  T.eq(rk.HlcTimestamp.unpack(65537ULL), rk.HlcTimestamp(0, 1, 1))
  -- logical above 2^48 and node ids above 0xFFFF are masked, never spill
  local big = rk.HlcTimestamp(3, 2 ^ 48 + 2, 0x10005)
  local back = rk.HlcTimestamp.unpack(big:pack())
  T.eq(back, rk.HlcTimestamp(3, 2, 5))
  T.raises("ValueError", "decimal string", rk.HlcTimestamp.unpack, "12x")
  T.raises("ValueError", "0..2^128-1", rk.HlcTimestamp.unpack,
           "340282366920938463463374607431768211456")
  T.eq(rk.HlcTimestamp.unpack("340282366920938463463374607431768211455").physical,
       0xFFFFFFFFFFFFFFFFULL)
end)

T.case("clock tick is strictly increasing; now does not advance", function()
  local clock = rk.HlcClock(1)
  T.eq(clock.node_id, 1)
  T.eq(clock.max_drift_ms, 60000)
  T.eq(tostring(clock), "HlcClock(node_id=1, max_drift_ms=60000)")
  local prev = clock:tick()
  for _ = 1, 10000 do
    local t = clock:tick()
    T.truthy(t > prev, "tick increases")
    prev = t
  end
  local n1 = clock:now()
  T.truthy(n1 >= prev or n1.physical > prev.physical, "now >= last tick")
  T.truthy(clock:tick() > prev, "now did not consume a tick")
  T.eq(rk.HlcClock { node_id = 3, max_drift_ms = 5 }.max_drift_ms, 5)
end)

T.case("update merges causality and returns something greater", function()
  local clock = rk.HlcClock { node_id = 1 }
  local received = rk.HlcTimestamp { physical = 2000000, logical = 0, node_id = 2 }
  local merged = clock:update(received)
  T.truthy(merged > received, "merged > received")
  T.eq(merged.node_id, 1)
  -- a received stamp far in the future: logical = received.logical + 1 when it wins
  local future = rk.HlcTimestamp.now(2).physical + 1000000
  local m2 = rk.HlcClock(1):update(rk.HlcTimestamp(future, 7, 2))
  T.eq(m2.physical, future)
  T.eq(m2.logical, 8)
end)

T.case("update refuses clock skew beyond max_drift_ms", function()
  local clock = rk.HlcClock { node_id = 1, max_drift_ms = 1000 }
  local ahead = rk.HlcTimestamp(rk.HlcTimestamp.now(1).physical + 5000000, 0, 2)
  local e = T.raises("RingKernelError", "Clock skew too large: ", clock.update, clock, ahead)
  T.truthy(e.message:find("ms (max: 1000ms)", 1, true), "limit named: " .. e.message)
end)

T.case("bad arguments", function()
  T.raises("TypeError", "physical must be an integer, got nil", rk.HlcTimestamp)
  T.raises("ValueError", "logical must be 0..", rk.HlcTimestamp, 1, -1, 0)
  T.raises("TypeError", "received must be HlcTimestamp, got number", rk.HlcClock(1).update,
           rk.HlcClock(1), 5)
  T.raises("ValueError", "max_drift_ms must be 0..", rk.HlcClock, 1, 2 ^ 62)
  T.raises("TypeError", "node_id must be an integer, got nil", rk.HlcTimestamp.now)
end)

T.done()
