-- Nothing lost under load through the binding: many messages, batches, several kernels,
-- Lua handlers and C handlers at once; every message answered exactly once, in order per
-- kernel, and the counters agree.
local T = require "testkit"
local rk = require "ringkernel"

local N = 20000

T.case("echo: every message comes back once, in order", function()
  local rt = rk.RingKernel.create()
  local k = rt:launch("echo", rk.LaunchOptions():with_queue_capacity(256))
  local sent, received, batch = 0, 0, {}
  while received < N do
    if sent < N then
      local want = math.min(64, N - sent)
      for i = 1, want do batch[i] = tostring(sent + i) end
      for i = want + 1, #batch do batch[i] = nil end
      sent = sent + k:send_many(batch)
    end
    for _, env in ipairs(k:receive_many(256, sent > received and 1.0 or 0)) do
      received = received + 1
      T.eq(env.payload, tostring(received))
    end
  end
  T.eq(k:try_receive(), nil)
  local st = k:status()
  T.eq(st.messages_processed, N)
  T.eq(k:input_queue_stats().enqueued, N)
  T.eq(k:output_queue_stats().dequeued, N)
  local m = rt:metrics()
  T.eq(m.messages_sent, N)
  T.eq(m.messages_received, N)
  rt:shutdown()
end)

T.case("several script kernels served by one loop", function()
  local rt = rk.RingKernel.create()
  local counts, kernels = {}, {}
  for i = 1, 4 do
    local name = "s" .. i
    counts[name] = 0
    kernels[i] = rt:launch(name, rk.LaunchOptions():with_handler(function(msg)
      counts[name] = counts[name] + 1
      return name .. ":" .. msg.payload
    end))
  end
  local per = 500
  for j = 1, per do
    for i = 1, 4 do kernels[i]:send(tostring(j), 1.0) end
    if j % 100 == 0 then rt:run_until_idle() end
  end
  rt:run_until_idle()
  for i = 1, 4 do
    local name = "s" .. i
    T.eq(counts[name], per, name)
    for j = 1, per do T.eq(kernels[i]:receive(1.0).payload, name .. ":" .. j) end
    T.eq(kernels[i]:try_receive(), nil)
  end
  T.eq(rt:script_work_pending(), 0)
  rt:shutdown()
end)

T.case("requests interleaved with plain sends keep both streams whole", function()
  local rt = rk.RingKernel.create()
  local k = rt:launch("mix")
  local plain = 0
  for i = 1, 2000 do
    if i % 3 == 0 then
      T.eq(k:request("r" .. i, 2.0).payload, "r" .. i)
    else
      k:send("p" .. i, 1.0)
      plain = plain + 1
    end
  end
  local seen = 0
  local env = k:try_receive() or k:receive(1.0)
  while env do
    seen = seen + 1
    T.eq(env.payload:sub(1, 1), "p")
    env = k:try_receive() or (seen < plain and k:receive(1.0) or nil)
  end
  T.eq(seen, plain)
  rt:shutdown()
end)

T.done()
