-- Quickstart: a runtime on the best backend present, an echo actor, messages in and out,
-- a request/reply, an actor whose handler is a Lua function, status, metrics, shutdown.
--
-- Run: rkhost samples/quickstart.lua        (or: bash samples/run.sh)
local rk = require "ringkernel"

local function check(cond, what)
  if not cond then
    io.stderr:write("quickstart: FAILED: ", tostring(what), "\n")
    os.exit(1)
  end
end

local function envelope(payload, type_id)
  local header = rk.MessageHeader.new {
    type_id = type_id or 1, source_kernel = 0, dest_kernel = 0,
    payload_size = #payload, timestamp = rk.HlcTimestamp.now(1),
  }
  return rk.MessageEnvelope.from_bytes(header, payload)
end

-- "auto": a CUDA device when one is usable, else the CPU worker pool.
local runtime = rk.RingKernel.create { backend = "auto" }
local expected = rk.is_cuda_available() and rk.Backend.Cuda or rk.Backend.Cpu
check(runtime.backend == expected, "auto picked " .. tostring(runtime.backend))
print(("runtime: %s on %s"):format(tostring(runtime), runtime.backend.name))

-- A persistent actor with the built-in echo handler (the default for "processor").
local options = rk.LaunchOptions():with_queue_capacity(2048):with_block_size(256):with_k2k(true)
local kernel = runtime:launch("processor", options)
check(kernel.state == rk.KernelState.Active and kernel:is_active(), "launched Active")
print("kernel: " .. tostring(kernel))

-- Send three messages, receive three replies: same payloads, same order.
local words = { "alpha", "beta", "gamma" }
for _, word in ipairs(words) do kernel:send(envelope(word)) end
for i, word in ipairs(words) do
  local reply = kernel:receive_timeout(5.0)
  check(reply.payload == word, ("reply %d is %q"):format(i, reply.payload))
end
print("echoed: " .. table.concat(words, ", "))

-- A request waits for the reply carrying its correlation id.
local reply = kernel:request(envelope("ping"), 5.0)
check(reply.payload == "ping", "request gets its own reply")
check(reply.header.correlation_id:is_some(), "the reply carries the correlation id")
print(("request -> %q (correlation %s)"):format(reply.payload,
                                                tostring(reply.header.correlation_id)))

-- An actor whose handler is a Lua function: the runtime queues its messages and the
-- script runs the handler on its own thread when it serves.
local scripted = runtime:launch("shouter", rk.LaunchOptions():with_handler(function(request)
  return request.payload:upper()
end))
scripted:send(envelope("hello"))
scripted:send(envelope("actors"))
local served = runtime:serve { timeout = 5.0, max_messages = 2 }
check(served == 2, "served " .. tostring(served) .. " messages")
local a, b = scripted:receive_timeout(5.0).payload, scripted:receive_timeout(5.0).payload
check(a == "HELLO" and b == "ACTORS", "script handler replies " .. a .. ", " .. b)
print(("lua handler: %s, %s"):format(a, b))

-- Status snapshot and runtime metrics are real counts.
local status = kernel:status()
check(status.messages_processed == 4 and status.input_queue_depth == 0, tostring(status))
check(status.state == rk.KernelState.Active and status.id == "processor", "status fields")
print(("status: %s, up %.3f s"):format(tostring(status), status.uptime_secs))
local metrics = runtime:metrics()
check(metrics.total_launched == 2 and metrics.active_kernels == 2, tostring(metrics))
check(metrics.messages_sent == 6 and metrics.messages_received == 6, tostring(metrics))
print("metrics: " .. tostring(metrics))
local ids = runtime:list_kernels()
table.sort(ids)
check(#ids == 2 and ids[1] == "processor" and ids[2] == "shouter", "list_kernels")

-- Lifecycle: deactivate pauses, terminate ends; shutdown is idempotent.
kernel:deactivate()
check(kernel.state == rk.KernelState.Deactivated, "deactivated")
local ok, err = pcall(kernel.send, kernel, envelope("late"))
check(not ok and rk.is_error(err, "KernelStateError"), "a deactivated kernel refuses sends")
print("send while deactivated: " .. tostring(err))
kernel:terminate()
check(kernel.state == rk.KernelState.Terminated, "terminated")
runtime:shutdown()
runtime:shutdown()
check(runtime.is_shutdown, "shut down")
print("quickstart: all checks passed")
