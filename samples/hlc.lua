-- Hybrid logical clocks: timestamps that order events across nodes even when their wall
-- clocks disagree. Two nodes exchange messages; every stamp is checked against the HLC
-- rules (API spec section 3).
--
-- Run: rkhost samples/hlc.lua
local rk = require "ringkernel"

local function check(cond, what)
  if not cond then
    io.stderr:write("hlc: FAILED: ", tostring(what), "\n")
    os.exit(1)
  end
end

local node1 = rk.HlcClock { node_id = 1 }
local node2 = rk.HlcClock { node_id = 2 }

-- Local events: strictly increasing, even within one microsecond.
local stamps, same_micro = {}, 0
for i = 1, 10000 do stamps[i] = node1:tick() end
for i = 2, #stamps do
  check(stamps[i - 1] < stamps[i], "tick() strictly increases")
  if stamps[i - 1].physical == stamps[i].physical then same_micro = same_micro + 1 end
end
print(("node 1: 10000 ticks from %s to %s, %d ordered by the logical counter alone")
  :format(stamps[1]:str(), stamps[#stamps]:str(), same_micro))

-- A message from node 1 to node 2: the receiver's clock moves past the sender's stamp.
local sent = node1:tick()
local received = node2:update(sent)
check(received > sent, "update() returns a stamp after the received one")
check(received.node_id == 2, "update() stamps with the receiver's node id")
print(("node 1 sends %s, node 2 receives it at %s"):format(sent:str(), received:str()))

-- A sender whose wall clock runs 5 s ahead (within the default 60 s drift): the receiver
-- adopts the sender's physical time and continues its logical counter.
local ahead = rk.HlcTimestamp { physical = rk.HlcTimestamp.now(3).physical + 5000000,
                                logical = 7, node_id = 3 }
local merged = node2:update(ahead)
check(merged.physical == ahead.physical and merged.logical == 8,
      "merge with a clock 5 s ahead gives (physical, 8), got " .. tostring(merged))
local after = node2:tick()
check(after.physical == ahead.physical and after.logical == 9,
      "the next local tick stays on the adopted physical time")
print(("a clock 5 s ahead: %s merged into %s, next tick %s")
  :format(ahead:str(), merged:str(), after:str()))

-- Beyond the allowed drift the update is refused (an error value, kind RingKernelError)
-- and the clock is left alone.
local far = rk.HlcTimestamp { physical = rk.HlcTimestamp.now(4).physical + 120000000,
                              logical = 0, node_id = 4 }
local ok, err = pcall(node2.update, node2, far)
check(not ok and rk.is_error(err, "RingKernelError"), "an update 120 s ahead is refused")
check(err.message:find("Clock skew too large", 1, true) and
      err.message:find("max: 60000ms", 1, true), "message: " .. tostring(err))
print("a clock 120 s ahead is refused: " .. tostring(err))
check(node2:now() >= after, "a refused update leaves the clock unchanged")

-- Ordering is by (physical, logical, node_id): a merged timeline of both nodes sorts
-- into causal order.
local timeline = { node1:tick(), node2:tick(), node1:tick(), node2:tick() }
table.sort(timeline)
for i = 2, #timeline do check(timeline[i - 1] < timeline[i], "sorted stamps are distinct") end

-- Packing for atomic storage: physical << 64 | logical << 16 | node_id, as a decimal
-- string (Lua numbers hold 53 bits).
local ts = rk.HlcTimestamp { physical = 1000000, logical = 5, node_id = 1 }
local packed = ts:pack()
check(packed == "18446744073709551616327681", "pack() layout, got " .. tostring(packed))
check(rk.HlcTimestamp.unpack(packed) == ts, "unpack(pack(ts)) == ts")
check(ts:str() == "HLC(1000000.5.1)", "str: " .. ts:str())
check(tostring(ts) == "HlcTimestamp(physical=1000000, logical=5, node_id=1)", tostring(ts))
check(ts:as_micros() == 1000000 and ts:as_millis() == 1000, "time conversions")
check(rk.HlcTimestamp.zero():is_zero() and not ts:is_zero(), "zero()")
print(("%s packs to %s and back"):format(tostring(ts), packed))
print("hlc: all checks passed")
