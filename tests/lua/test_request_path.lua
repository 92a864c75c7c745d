-- k:request's cheaper path: the send is tried once before any clock read, and the first
-- wait for the reply reads no clock (it is bounded by the timeout itself; the deadline is
-- read once, and only with a timeout). These cases pin what must not change with it:
-- correlation, the order of other replies, timeouts (total, named after the caller's
-- value), method-call type checks, the stash.
local T = require "testkit"
local rk = require "ringkernel"

local now = rk._monotonic_ns

-- A kernel that never replies: forward without a target dead-letters every message.
local function silent(rt)
  return rt:launch("silent", rk.LaunchOptions():with_handler("forward"))
end

T.case("replies met in the first wait stay receivable, in order", function()
  local rt = rk.RingKernel.create { backend = "cpu" }
  local k = rt:launch("echo")
  for _, tag in ipairs { "a", "b", "c" } do k:send(tag) end
  T.eq(k:request("mine", 5.0).payload, "mine")
  T.eq(k:receive(1.0).payload, "a")
  T.eq(k:receive(1.0).payload, "b")
  T.eq(k:receive(1.0).payload, "c")
  T.eq(k:try_receive(), nil)
  rt:shutdown()
end)

T.case("each request gets its own reply, payload bytes intact", function()
  local rt = rk.RingKernel.create { backend = "cpu" }
  local k = rt:launch("echo")
  for i = 1, 2000 do
    local payload = string.format("%08d", i) .. string.rep("\0", 56)
    local reply = k:request(payload, 5.0)
    T.eq(reply.payload, payload)
    T.truthy(reply.header.correlation_id:is_some(), "reply carries the correlation id")
  end
  T.eq(k:request { envelope = "named", timeout = 5.0 }.payload, "named")
  T.eq(k:request("no timeout").payload, "no timeout")
  T.eq(k:try_receive(), nil)
  rt:shutdown()
end)

T.case("a timeout counts the first wait and names the caller's value", function()
  local rt = rk.RingKernel.create { backend = "cpu" }
  local k = silent(rt)
  for _, timeout in ipairs { 0, 5e-6, 0.05 } do
    local t0 = now()
    local err = T.raises("TimeoutError", nil, k.request, k, "never answered", timeout)
    local elapsed = (now() - t0) / 1e9
    T.truthy(elapsed >= timeout, "waited at least the timeout " .. timeout)
    T.truthy(elapsed < timeout + 2.0, "waited about the timeout " .. timeout)
    if timeout > 0 then
      local want = string.format("timed out after %.6g s", timeout)
      T.truthy(string.find(err.message, want, 1, true), err.message .. " names " .. want)
    end
  end
  rt:shutdown()
end)

T.case("a timed-out request is forgotten: its late reply goes to receive", function()
  local rt = rk.RingKernel.create { backend = "cpu" }
  local k = rt:launch("late", rk.LaunchOptions():with_handler(function(msg)
    return msg.payload
  end))
  T.raises("TimeoutError", nil, k.request, k, "late", 0.01)
  T.eq(rt:serve { timeout = 1.0, max_messages = 1 }, 1)
  local late = k:receive(1.0)
  T.eq(late.payload, "late")
  T.truthy(late.header.correlation_id:is_some(), "the late reply keeps its correlation id")
  rt:shutdown()
end)

T.case("method calls still check their self", function()
  local rt = rk.RingKernel.create { backend = "cpu" }
  local k = rt:launch("echo")
  local env = k:request("x", 5.0)
  T.raises("TypeError", "KernelHandle method needs a KernelHandle as self", k.request, env, "x")
  T.raises("TypeError", "KernelHandle method needs a KernelHandle as self", k.request, rt, "x")
  T.raises("TypeError", "KernelHandle method needs a KernelHandle as self", k.request, {}, "x")
  T.raises("TypeError", "KernelHandle method needs a KernelHandle as self", k.request, nil, "x")
  T.raises("TypeError", "message must be MessageEnvelope, got KernelHandle", k.request, k, k)
  T.eq(k:request(env, 5.0).payload, "x")
  rt:shutdown()
end)

T.done()
