-- RingKernel, LaunchOptions, KernelHandle, KernelStatus, RuntimeMetrics (spec §5):
-- lifecycle, messages really processed, requests, batches, Lua-function handlers.
local T = require "testkit"
local rk = require "ringkernel"

T.case("create, properties, repr, shutdown is idempotent", function()
  local rt = rk.RingKernel.create { backend = "cpu" }
  T.eq(rt.backend, rk.Backend.Cpu)
  T.eq(rt.node_id, 1)
  T.eq(rt.is_shutdown, false)
  T.eq(rt.is_k2k_enabled, true)
  T.eq(tostring(rt), "RingKernel(backend=Cpu, kernels=0, k2k=true)")
  rt:shutdown()
  rt:shutdown()
  T.eq(rt.is_shutdown, true)
  local rt2 = rk.RingKernel { backend = rk.Backend.Cpu, node_id = 7, enable_k2k = false }
  T.eq(rt2.node_id, 7)
  T.eq(rt2.is_k2k_enabled, false)
  T.eq(rt2:k2k_broker(), nil)
  rt2:shutdown()
end)

T.case("backend choice and errors", function()
  T.raises("ValueError", "unknown backend 'tpu'", rk.RingKernel.create, "tpu")
  local auto = rk.RingKernel.create("auto")
  T.truthy(auto.backend == rk.Backend.Cpu or auto.backend == rk.Backend.Cuda, "auto picks one")
  auto:shutdown()
  if not rk.is_cuda_available() then
    T.raises("CudaDeviceError", nil, rk.RingKernel.create, "cuda")
  end
  T.raises("ValueError", "node_id must be 0..65535", rk.RingKernel.create, "cpu", 70000)
  T.raises("TypeError", "enable_k2k must be a boolean", rk.RingKernel.create, "cpu", 1, 1)
end)

T.case("LaunchOptions defaults, builders, rounding, repr", function()
  local o = rk.LaunchOptions()
  T.eq(o.mode, rk.KernelMode.Persistent)
  T.eq(o.grid_size, 1)
  T.eq(o.block_size, 256)
  T.eq(o.input_queue_capacity, 1024)
  T.eq(o.output_queue_capacity, 1024)
  T.eq(o.auto_activate, true)
  T.eq(o.cooperative, false)
  T.eq(o.enable_k2k, false)
  T.eq(o.handler, nil)
  T.eq(tostring(o), "LaunchOptions(grid=1, block=256, queues=1024)")
  local o2 = o:with_queue_capacity(2048):with_block_size(128):with_k2k(true)
  T.eq(o.input_queue_capacity, 1024, "builders return new objects")
  T.eq(o2.input_queue_capacity, 2048)
  T.eq(o2.output_queue_capacity, 2048)
  T.eq(o2.block_size, 128)
  T.eq(o2.enable_k2k, true)
  T.eq(o:with_input_queue_capacity(1000).input_queue_capacity, 1024, "rounded up")
  T.eq(o:with_output_queue_capacity(3).output_queue_capacity, 4)
  T.eq(o:without_auto_activate().auto_activate, false)
  T.eq(o:with_cooperative().cooperative, true)
  T.eq(o:with_mode(rk.KernelMode.EventDriven).mode, rk.KernelMode.EventDriven)
  T.eq(o:with_payload_capacity(100).payload_capacity, 100)
  T.eq(o:with_handler("sum").handler, "sum")
  T.eq(o:with_forward_to("b").forward_to, "b")
  local cu = o:with_cuda_source("__device__ void f() {}", "f")
  T.eq(cu.cuda_source, "__device__ void f() {}")
  T.eq(cu.cuda_entry, "f")
  local sb = rk.LaunchOptions.single_block(64)
  T.eq(sb.block_size, 64)
  local mb = rk.LaunchOptions.multi_block { grid_size = 4, block_size = 32 }
  T.eq(tostring(mb), "LaunchOptions(grid=4, block=32, queues=1024)")
end)

T.case("LaunchOptions bad arguments", function()
  local o = rk.LaunchOptions()
  T.raises("ValueError", "queue_capacity 0: must be 1..1048576", o.with_queue_capacity, o, 0)
  T.raises("ValueError", "input_queue_capacity 2000000: must be 1..1048576",
           o.with_input_queue_capacity, o, 2000000)
  T.raises("ValueError", "block_size 2048: must be 1..1024", o.with_block_size, o, 2048)
  T.raises("ValueError", "grid_size 0: must be 1..", o.with_grid_size, o, 0)
  T.raises("ValueError", "payload_capacity 70000: must be 1..65536", o.with_payload_capacity,
           o, 70000)
  T.raises("TypeError", "handler must be a handler name (string) or a function, got number",
           o.with_handler, o, 5)
  T.raises("ValueError", "must be 1..64 characters", o.with_handler, o, "")
  T.raises("TypeError", "LaunchOptions() takes no arguments", rk.LaunchOptions, 5)
  T.raises("TypeError", "mode must be KernelMode", o.with_mode, o, rk.Priority.Low)
end)

T.case("launch, lifecycle and its errors", function()
  local rt = rk.RingKernel.create()
  local k = rt:launch("processor")
  T.eq(k.id, "processor")
  T.truthy(k.numeric_id >= 1, "numeric id")
  T.eq(k.state, rk.KernelState.Active)
  T.eq(k:is_active(), true)
  T.eq(tostring(k), "KernelHandle(id='processor', state=Active)")
  T.eq(rt:get_kernel("processor"), k, "one handle per kernel")
  T.eq(k.runtime, rt)
  T.eq(rt:get_kernel("nope"), nil)
  k:deactivate()
  T.eq(k.state, rk.KernelState.Deactivated)
  T.raises("KernelStateError", "Kernel not active: processor", k.send, k, "x")
  T.raises("KernelStateError", "Invalid state transition: Deactivated -> Deactivated",
           k.deactivate, k)
  k:activate()
  T.raises("KernelStateError", "Invalid state transition: Active -> Active", k.activate, k)
  local l = rt:launch("lazy", rk.LaunchOptions():without_auto_activate())
  T.eq(l.state, rk.KernelState.Launched)
  T.eq(l.state:can_activate(), true)
  l:terminate()
  T.eq(l.state, rk.KernelState.Terminated)
  T.eq(l.state:is_finished(), true)
  l:wait(1.0)
  T.raises("KernelStateError", "Invalid state transition: Terminated -> Active", l.activate, l)
  T.raises("TimeoutError", "not terminated within", k.wait, k, 0.05)
  T.raises("RingKernelError", "processor", rt.launch, rt, "processor")
  local ids = rt:list_kernels()
  T.eq(#ids, 1)
  T.eq(ids[1], "processor")
  T.eq(#rt:list_kernels(true), 2)
  T.eq(tostring(rt), "RingKernel(backend=Cpu, kernels=1, k2k=true)")
  rt:shutdown()
  T.raises("RingKernelError", nil, rt.launch, rt, "after")
  T.raises("RingKernelError", nil, k.send, k, "x")
end)

T.case("KernelState predicates", function()
  local S = rk.KernelState
  local function row(s) return { s:can_activate(), s:can_deactivate(), s:can_terminate(),
                                 s:is_running(), s:is_finished() } end
  local want = {
    Created = { false, false, false, false, false },
    Launched = { true, false, true, false, false },
    Active = { false, true, true, true, false },
    Deactivated = { true, false, true, false, false },
    Terminating = { false, false, false, false, false },
    Terminated = { false, false, false, false, true },
  }
  for name, w in pairs(want) do
    local got = row(S[name])
    for i = 1, 5 do T.eq(got[i], w[i], name .. " predicate " .. i) end
  end
  T.eq(S.Terminated.value, 5)
end)

T.case("send, receive, try_receive: the echo handler", function()
  local rt = rk.RingKernel.create()
  local k = rt:launch("echo")
  T.eq(k:try_receive(), nil)
  T.raises("QueueEmptyError", nil, k.receive_timeout, k, 0)
  k:send("hello")
  local env = rk.MessageEnvelope.from_bytes(
    rk.MessageHeader.new(7, 0, k.numeric_id, 5, rk.HlcTimestamp.zero()), "world")
  k:send(env)
  local r1 = k:receive(2.0)
  local r2 = k:receive_timeout(2.0)
  T.eq(r1.payload, "hello")
  T.eq(r2.payload, "world")
  T.eq(r2.header.message_type, 7)
  T.eq(r2.header.source_kernel, k.numeric_id)
  T.raises("TimeoutError", nil, k.receive, k, 0.05)
  local st = k:status()
  T.eq(st.id, "echo")
  T.eq(st.state, rk.KernelState.Active)
  T.eq(st.mode, rk.KernelMode.Persistent)
  T.eq(st.messages_processed, 2)
  T.eq(st.input_queue_depth, 0)
  T.eq(tostring(st), "KernelStatus(id='echo', state=Active, processed=2)")
  T.truthy(st.uptime_secs >= 0, "uptime")
  local m = rt:metrics()
  T.eq(m.active_kernels, 1)
  T.eq(m.total_launched, 1)
  T.eq(m.messages_sent, 2)
  T.eq(m.messages_received, 2)
  T.eq(m.gpu_memory_used, 0)
  T.eq(tostring(m), "RuntimeMetrics(kernels=1, launched=1, sent=2, recv=2)")
  local qs = k:input_queue_stats()
  T.eq(qs.enqueued, 2)
  T.eq(qs.dequeued, 2)
  T.eq(k:output_queue_stats().dequeued, 2)
  local qm = k:queue_metrics()
  T.eq(qm.health, rk.QueueHealth.Healthy)
  T.eq(qm.capacity, 1024)
  T.eq(qm.tier, rk.QueueTier.Medium)
  rt:shutdown()
end)

T.case("request matches its reply; other replies stay receivable in order", function()
  local rt = rk.RingKernel.create()
  local k = rt:launch("req")
  k:send("first")
  k:send("second")
  local reply = k:request("question", 2.0)
  T.eq(reply.payload, "question")
  T.truthy(reply.header.correlation_id:is_some(), "reply carries the correlation id")
  T.eq(k:receive(1.0).payload, "first")
  T.eq(k:receive(1.0).payload, "second")
  T.eq(k:try_receive(), nil)
  -- receive_many takes stashed replies first, then the queue, in arrival order
  k:send("third")
  k:send("fourth")
  T.eq(k:request("q2", 2.0).payload, "q2")
  k:send("fifth")
  k:request("q3", 2.0)
  local got = {}
  for _, e in ipairs(k:receive_many(2)) do got[#got + 1] = e.payload end
  for _, e in ipairs(k:receive_many(10, 1.0)) do got[#got + 1] = e.payload end
  T.eq(table.concat(got, ","), "third,fourth,fifth")
  rt:shutdown()
end)

T.case("send_many / receive_many", function()
  local rt = rk.RingKernel.create()
  local k = rt:launch("batch", rk.LaunchOptions():with_queue_capacity(8))
  local msgs = {}
  for i = 1, 5 do msgs[i] = "m" .. i end
  T.eq(k:send_many(msgs), 5)
  local got = {}
  while #got < 5 do
    for _, e in ipairs(k:receive_many { max_messages = 10, timeout = 1.0 }) do
      got[#got + 1] = e.payload
    end
  end
  T.eq(table.concat(got, ","), "m1,m2,m3,m4,m5")
  T.eq(k:send_many({}), 0)
  T.raises("TypeError", "messages must be a list", k.send_many, k, "x")
  T.raises("TypeError", "message must be a MessageEnvelope or a string, got number",
           k.send_many, k, { "a", 5 })
  rt:shutdown()
end)

T.case("full queue: QueueFullError at once, the caller keeps the message", function()
  -- a script kernel's messages wait in its input until the loop serves them
  local rt = rk.RingKernel.create()
  local k = rt:launch("full", rk.LaunchOptions():with_queue_capacity(2):with_handler(
    function(m) return m.payload end))
  k:send("a")
  k:send("b")
  T.raises("QueueFullError", "Queue full (capacity: 2)", k.send, k, "c")
  T.raises("TimeoutError", nil, k.send, k, "c", 0.05)
  T.eq(k:send_many({ "c", "d" }), 0)
  T.eq(k:input_queue_stats().depth, 2)
  T.eq(rt:run_until_idle(), 2)
  T.eq(k:receive(1.0).payload, "a")
  T.eq(k:receive(1.0).payload, "b")
  k:send("c")
  rt:shutdown()
end)

T.case("built-in handlers by name: sum and count", function()
  local ffi = require "ffi"
  local rt = rk.RingKernel.create()
  local s = rt:launch("sum", rk.LaunchOptions():with_handler("sum"))
  local buf = ffi.new("double[3]", 1.5, 2.5, 4.0)
  local r = s:request(ffi.string(buf, 24), 2.0)
  T.eq(ffi.cast("const double *", r.payload)[0], 8.0)
  -- a payload that is not a multiple of 8 bytes is dead-lettered; the kernel keeps serving
  -- (messages of one kernel run in order, so the next reply means the bad one is done)
  s:send("12345")
  T.eq(#s:request(ffi.string(buf, 8), 2.0).payload, 8)
  local dl = s:dead_letters()
  T.eq(#dl, 1)
  T.eq(dl[1].reason, "RK_EINVAL")
  T.eq(#s:dead_letters(), 0, "dead_letters() removes them")
  local c = rt:launch("count", rk.LaunchOptions():with_handler("count"))
  c:send("a")
  c:send("b")
  local third = c:request("c", 2.0)
  T.eq(tonumber(ffi.cast("const uint64_t *", third.payload)[0]), 3)
  T.raises("KernelError", "Handler not found: nope", rt.launch, rt, "x",
           rk.LaunchOptions():with_handler("nope"))
  rt:shutdown()
end)

T.case("Lua-function handlers are served by the script's own loop", function()
  local rt = rk.RingKernel.create()
  local seen = {}
  local k = rt:launch("upper", rk.LaunchOptions():with_handler(function(msg)
    seen[#seen + 1] = msg.payload
    if msg.payload == "silent" then return nil end
    return msg.payload:upper()
  end))
  k:send("abc")
  k:send("silent")
  k:send("def")
  T.eq(rt:serve { timeout = 1.0, max_messages = 3 }, 3)
  T.eq(table.concat(seen, ","), "abc,silent,def")
  T.eq(k:receive(1.0).payload, "ABC")
  T.eq(k:receive(1.0).payload, "DEF")
  T.eq(k:try_receive(), nil)
  T.eq(rt:serve { timeout = 0.05 }, 0)
  k:send("x")
  T.eq(rt:script_work_pending(), 1)
  T.eq(rt:run_until_idle(), 1)
  T.eq(rt:script_work_pending(), 0)
  T.eq(k:receive(1.0).payload, "X")
  T.eq(k:status().messages_processed, 4)
  rt:shutdown()
end)

-- Output capacity 4: the 5th reply is held, the kernel's other input waits, and the loop
-- returns as when there is no work; receiving makes room and the next loop carries on.
local function full_output_case(serve)
  local rt = rk.RingKernel.create { backend = "cpu" }
  local k = rt:launch("tight", rk.LaunchOptions():with_output_queue_capacity(4)
    :with_handler(function(msg) return "r" .. msg.payload end))
  for i = 0, 49 do k:send(tostring(i)) end
  T.eq(serve(rt), 5)
  T.eq(k:status().input_queue_depth, 45)
  T.eq(k:status().output_queue_depth, 5)
  T.eq(rt:script_work_pending(), 0)
  local got, served = {}, 5
  for _ = 1, 200 do
    local env = k:try_receive()
    while env do
      got[#got + 1] = env.payload
      env = k:try_receive()
    end
    if #got == 50 then break end
    served = served + serve(rt)
  end
  T.eq(served, 50)
  T.eq(#got, 50)
  for i = 0, 49 do T.eq(got[i + 1], "r" .. i) end
  T.eq(#k:dead_letters(), 0)
  T.eq(k:status().messages_processed, 50)
  rt:shutdown()
end

T.case("a full output holds the reply: run_until_idle and receive alternate", function()
  full_output_case(function(rt) return rt:run_until_idle() end)
end)

T.case("a full output holds the reply: serve with a timeout and receive alternate", function()
  full_output_case(function(rt) return rt:serve { timeout = 0.01 } end)
end)

T.case("shutdown keeps held replies receivable", function()
  local rt = rk.RingKernel.create { backend = "cpu" }
  local k = rt:launch("tight", rk.LaunchOptions():with_output_queue_capacity(2)
    :with_handler(function(msg) return msg.payload end))
  for i = 0, 3 do k:send(tostring(i)) end
  T.eq(rt:run_until_idle(), 3) -- two in the output, one held
  rt:shutdown()
  T.eq(k:try_receive().payload, "0")
  T.eq(k:try_receive().payload, "1")
  T.eq(k:try_receive().payload, "2")
  T.eq(k:try_receive(), nil)
  local letters = k:dead_letters()
  T.eq(#letters, 1) -- "3", never served
  T.eq(letters[1].reason, "RK_ESHUTDOWN")
end)

T.case("a handler that raises: dead-lettered, error re-raised from serve", function()
  local rt = rk.RingKernel.create()
  local k = rt:launch("bad", rk.LaunchOptions():with_handler(function(msg)
    if msg.payload == "boom" then error(rk.exceptions.ValueError("no booms")) end
    if msg.payload == "num" then return 42 end
    if msg.payload == "plain" then error("plain error") end
    if msg.payload == "table" then error({}) end
    return msg
  end))
  k:send("boom")
  local e = T.raises("ValueError", "no booms", rt.serve, rt, 1.0, 1)
  local dl = k:dead_letters()
  T.eq(#dl, 1)
  T.eq(dl[1].reason, "RK_EHANDLER")
  T.eq(dl[1].detail, tostring(e))
  k:send("num")
  T.raises("TypeError", "a handler must return nil, a string or a MessageEnvelope, got number",
           rt.serve, rt, 1.0, 1)
  k:send("plain")
  local ok, perr = pcall(rt.serve, rt, 1.0, 1)
  T.eq(ok, false)
  T.truthy(perr:find("plain error", 1, true), "a plain string error passes through")
  k:send("table")
  ok, perr = pcall(rt.serve, rt, 1.0, 1)
  T.eq(type(perr), "table")
  local texts = {}
  for _, d in ipairs(k:dead_letters()) do texts[#texts + 1] = d.detail end
  T.eq(#texts, 3)
  T.truthy(texts[2]:find("plain error", 1, true), texts[2])
  T.eq(texts[3], "table")
  k:send("echo me")
  T.eq(rt:serve(1.0, 1), 1)
  T.eq(k:receive(1.0).payload, "echo me")
  rt:shutdown()
end)

T.case("readiness fd for external event loops", function()
  local ffi = require "ffi"
  pcall(ffi.cdef, [[
    struct rkl_test_pollfd { int fd; short events; short revents; };
    int poll(struct rkl_test_pollfd *fds, unsigned long nfds, int timeout);
  ]])
  local rt = rk.RingKernel.create()
  local k = rt:launch("ready")
  local fd = rt:_ready_fd()
  T.truthy(fd >= 0, "an fd")
  local p = ffi.new("struct rkl_test_pollfd[1]")
  p[0].fd, p[0].events = fd, 1
  rt:_ready_clear()
  k:send("wake")
  T.eq(ffi.C.poll(p, 1, 2000), 1, "readable after a reply lands")
  rt:_ready_clear()
  T.eq(k:try_receive().payload, "wake")
  T.eq(ffi.C.poll(p, 1, 0), 0, "cleared")
  rt:shutdown()
end)

T.case("the runtime lives as long as a handle does", function()
  local k = rk.RingKernel.create():launch("orphan")
  collectgarbage()
  collectgarbage()
  T.eq(k:request("still here", 2.0).payload, "still here")
end)

T.case("bad arguments", function()
  local rt = rk.RingKernel.create()
  local k = rt:launch("args")
  T.raises("TypeError", "kernel_id must be a string, got number", rt.launch, rt, 5)
  T.raises("ValueError", nil, rt.launch, rt, "")
  T.raises("TypeError", "options must be LaunchOptions, got string", rt.launch, rt, "x", "y")
  T.raises("ValueError", "timeout must be a finite number of seconds >= 0, got nan", k.receive,
           k, 0 / 0)
  T.raises("ValueError", "timeout must be a finite number of seconds >= 0, got -1", k.send, k,
           "x", -1)
  T.raises("TypeError", "timeout must be a number of seconds, got string", k.request, k, "x",
           "soon")
  T.raises("TypeError", "message must be a MessageEnvelope or a string, got boolean", k.send,
           k, true)
  T.raises("ValueError", "payload 70000 bytes > max", k.send, k, string.rep("x", 70000))
  T.raises("TypeError", "timeout must be a number, got nil", k.receive_timeout, k)
  T.raises("TypeError", "RingKernel.serve() takes at most 2 arguments", rt.serve, rt, 1, 2, 3)
  rt:shutdown()
end)

T.done()
