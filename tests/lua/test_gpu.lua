-- The binding on the CUDA backend (labels lua and gpu): skipped (exit 77) without a
-- usable device; on the GPU machine it drives persistent GPU actors from Lua.
local T = require "testkit"
local rk = require "ringkernel"

if not rk.is_cuda_available() then T.skip("no usable CUDA device") end

T.case("a CUDA runtime answers requests from Lua", function()
  local rt = rk.RingKernel.create { backend = "cuda" }
  T.eq(rt.backend, rk.Backend.Cuda)
  local k = rt:launch("gpu_echo", rk.LaunchOptions():with_queue_capacity(1024))
  T.eq(k.state, rk.KernelState.Active)
  for i = 1, 1000 do
    local payload = string.format("message %d %s", i, string.rep("x", i % 64))
    T.eq(k:request(payload, 5.0).payload, payload)
  end
  local msgs = {}
  for i = 1, 100 do msgs[i] = "batch " .. i end
  T.eq(k:send_many(msgs, 5.0), 100)
  local got = {}
  while #got < 100 do
    local batch = k:receive_many(100, 5.0)
    T.truthy(#batch > 0, "replies keep coming")
    for _, e in ipairs(batch) do got[#got + 1] = e.payload end
  end
  for i = 1, 100 do T.eq(got[i], "batch " .. i) end
  T.eq(k:status().messages_processed, 1100)
  T.truthy(rt:metrics().gpu_memory_used > 0, "device memory in use")
  k:terminate()
  T.eq(k.state, rk.KernelState.Terminated)
  rt:shutdown()
end)

T.case("payloads above the slot come back whole (pinned spill buffers)", function()
  local rt = rk.RingKernel.create { backend = "cuda" }
  local k = rt:launch("gpu_spill_echo", rk.LaunchOptions():with_payload_capacity(64))
  for _, n in ipairs { 65, 10000, 65536 } do
    local parts = {}
    for i = 1, n do parts[i] = string.char((i * 7 + n) % 256) end
    local payload = table.concat(parts)
    local reply = k:request(payload, 5.0).payload
    T.eq(#reply, n)
    T.truthy(reply == payload, "payload of " .. n .. " bytes echoed byte-exact")
  end
  k:terminate()
  rt:shutdown()
end)

T.case("auto picks the GPU when one is usable", function()
  local rt = rk.RingKernel.create { backend = "auto" }
  T.eq(rt.backend, rk.Backend.Cuda)
  rt:shutdown()
end)

T.done()
