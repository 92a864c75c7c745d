-- Queue monitoring: health thresholds, capacity tiers and upgrade suggestions, first on
-- plain numbers, then on a live kernel whose reply queue fills up because nobody reads it.
--
-- Run: rkhost samples/queue_monitoring.lua
local rk = require "ringkernel"

local function check(cond, what)
  if not cond then
    io.stderr:write("queue_monitoring: FAILED: ", tostring(what), "\n")
    os.exit(1)
  end
end

local monitor = rk.QueueMonitor.default()
check(tostring(monitor) == "QueueMonitor(warning=75%, critical=90%)", tostring(monitor))
check(monitor:utilization { depth = 800, capacity = 1000 } == 0.8, "utilization")
check(monitor:utilization(5, 0) == 0.0, "an empty capacity is 0% used")
local cases = { { 749, rk.QueueHealth.Healthy }, { 750, rk.QueueHealth.Warning },
                { 899, rk.QueueHealth.Warning }, { 900, rk.QueueHealth.Critical } }
for _, c in ipairs(cases) do
  local health = monitor:check_health { depth = c[1], capacity = 1000 }
  check(health == c[2], ("depth %d/1000 is %s, got %s"):format(c[1], tostring(c[2]), tostring(health)))
  print(("depth %4d/1000 -> %s"):format(c[1], health.name))
end

-- Tiers: capacity per tier, sizing from throughput (need = mps x headroom_ms // 1000).
local capacities = {}
for i, tier in ipairs(rk.QueueTier) do capacities[i] = tier.capacity end
check(table.concat(capacities, ",") == "256,1024,4096,16384", "tier capacities")
check(rk.QueueTier.for_throughput { messages_per_second = 10000, headroom_ms = 100 }
      == rk.QueueTier.Medium, "10k msg/s x 100 ms = 1000 -> Medium")
check(rk.QueueTier.for_throughput { messages_per_second = 50000 } == rk.QueueTier.ExtraLarge,
      "50k msg/s x 100 ms = 5000 -> ExtraLarge")
check(rk.QueueTier.ExtraLarge:upgrade() == rk.QueueTier.ExtraLarge and
      rk.QueueTier.Small:downgrade() == rk.QueueTier.Small, "upgrade/downgrade saturate")
check(monitor:suggest_upgrade { depth = 900, capacity = 1000, current_tier = rk.QueueTier.Medium }
      == rk.QueueTier.Large, "a busy Medium queue should become Large")
check(monitor:suggest_upgrade(100, 1000, rk.QueueTier.Medium) == nil, "a quiet queue needs nothing")

-- A live queue: an echo kernel with a 16-slot reply queue; 12 requests and no reader
-- leave 12 replies waiting = 75% -> Warning.
local runtime = rk.RingKernel.create { backend = "auto" }
local kernel = runtime:launch("echo16", rk.LaunchOptions():with_output_queue_capacity(16))
for i = 0, 11 do
  local header = rk.MessageHeader.new { type_id = 1, source_kernel = 0, dest_kernel = 0,
                                        payload_size = 1, timestamp = rk.HlcTimestamp.now(1) }
  kernel:send(rk.MessageEnvelope.from_bytes(header, string.char(i)))
end
local deadline = os.time() + 30
while kernel:status().messages_processed < 12 and os.time() < deadline do end
check(kernel:status().messages_processed == 12, "the kernel processed all 12")
local out = kernel:output_queue_stats()
check(out.enqueued == 12 and out.dequeued == 0 and out.depth == 12, "reply queue " .. tostring(out))
local health = monitor:check_health(out.depth, 16)
check(health == rk.QueueHealth.Warning, "12/16 is Warning, got " .. tostring(health))
local suggestion = monitor:suggest_upgrade(out.depth, 16, rk.QueueTier.Small)
check(suggestion == rk.QueueTier.Medium, "suggested " .. tostring(suggestion))
print(("%s kernel: %d/16 replies waiting (%.0f%%) -> %s, suggest %s")
  :format(runtime.backend.name, out.depth, 100 * out:utilization(16), health.name, suggestion.name))

for i = 0, 11 do
  local reply = kernel:receive_timeout(5.0)
  check(reply.payload == string.char(i), "every reply arrives once, in order")
end
out = kernel:output_queue_stats()
local inp = kernel:input_queue_stats()
check(out.depth == 0 and out.dequeued == 12 and out.max_depth == 12, "drained " .. tostring(out))
check(inp.enqueued == 12 and inp.dequeued == 12 and inp.dropped == 0, "input " .. tostring(inp))
check(inp:drop_rate() == 0.0, "nothing dropped")
print(("drained: reply queue %s, input queue %s"):format(tostring(out), tostring(inp)))
runtime:shutdown()
print("queue_monitoring: all checks passed")
