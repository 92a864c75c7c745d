-- K2K pipeline: three actors in a chain. `stage1` and `stage2` run the built-in `forward`
-- handler, which passes each message on to the next actor through the runtime's K2K
-- broker (device inboxes on a GPU, mailboxes on the CPU) without the host; `stage3` sums
-- the float64 values it receives and replies. The host sends into the head of the chain
-- and reads the results at the tail.
--
-- Run: rkhost samples/k2k_pipeline.lua
local ffi = require "ffi"
local rk = require "ringkernel"

local function check(cond, what)
  if not cond then
    io.stderr:write("k2k_pipeline: FAILED: ", tostring(what), "\n")
    os.exit(1)
  end
end

local function values_envelope(values)
  local buf = ffi.new("double[?]", #values)
  for i, v in ipairs(values) do buf[i - 1] = v end
  local payload = ffi.string(buf, 8 * #values)
  local header = rk.MessageHeader.new { type_id = 1, source_kernel = 0, dest_kernel = 0,
                                        payload_size = #payload,
                                        timestamp = rk.HlcTimestamp.now(1) }
  return rk.MessageEnvelope.from_bytes(header:with_correlation(rk.CorrelationId.generate()),
                                       payload)
end

local function unpack_double(s)
  local d = ffi.new("double[1]")
  ffi.copy(d, s, 8)
  return d[0]
end

local runtime = rk.RingKernel.create { backend = "auto", enable_k2k = true }
local base = rk.LaunchOptions():with_k2k(true):with_payload_capacity(8192)
-- Launch the tail first so every forward target exists when messages start to flow.
local stage3 = runtime:launch("stage3", base:with_handler("sum"))
local stage2 = runtime:launch("stage2", base:with_handler("forward"):with_forward_to("stage3"))
local stage1 = runtime:launch("stage1", base:with_handler("forward"):with_forward_to("stage2"))
local broker = runtime:k2k_broker()
for _, id in ipairs { "stage1", "stage2", "stage3" } do
  check(broker:is_registered(id), id .. " is a K2K endpoint")
end
print(("%s pipeline: stage1 -> stage2 -> stage3 (sum), endpoints %s")
  :format(runtime.backend.name, table.concat(broker:registered_kernels(), ", ")))

-- Ten batches into the head; ten sums out of the tail, in order, each carrying the
-- correlation id it was sent with.
local sent, sums = {}, {}
for n = 1, 10 do
  local values, total = {}, 0
  for i = 1, 100 * n do values[i] = i; total = total + i end
  local env = values_envelope(values)
  stage1:send(env)
  sent[n] = { cid = env.header.correlation_id, sum = total }
  sums[n] = total
end
for n = 1, 10 do
  local reply = stage3:receive_timeout(10.0)
  local total = unpack_double(reply.payload)
  check(total == sent[n].sum, ("sum %s ~= %s"):format(total, sent[n].sum))
  check(reply.header.correlation_id == sent[n].cid, "the correlation id travels the chain")
end
print("10 batches went through the chain: sums " .. table.concat(sums, ", "))

-- Nothing comes back from the forwarding stages, nothing was lost on the way.
check(stage1:try_receive() == nil and stage2:try_receive() == nil, "no replies mid-chain")
for _, k in ipairs { stage1, stage2, stage3 } do
  local status = k:status()
  check(status.messages_processed == 10 and status.messages_dead_lettered == 0, tostring(status))
end

-- A route: what is addressed to "summer" goes to stage1, and so down the chain.
broker:add_route { destination = "summer", next_hop = "stage1" }
local receipt = broker:send(nil, "summer", values_envelope { 1.5, 2.5 })
check(receipt.status == rk.DeliveryStatus.Delivered, tostring(receipt))
local reply = stage3:receive_timeout(10.0)
check(unpack_double(reply.payload) == 4.0, "routed message summed")
print(("routed 'summer' -> stage1: %s, sum 4.0; %s"):format(receipt.status.name,
                                                           tostring(broker:stats())))
runtime:shutdown()
print("k2k_pipeline: all checks passed")
