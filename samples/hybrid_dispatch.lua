-- Hybrid dispatch: route each workload to the CPU or to the accelerator by size, and let
-- the adaptive mode learn the crossover from measured times.
--
-- The "GPU side" here is a persistent actor running the built-in `sum` handler on the
-- best backend present (a CUDA actor when a GPU is usable, else a CPU actor); the CPU
-- side sums in Lua. Both must agree on every result.
--
-- Run: rkhost samples/hybrid_dispatch.lua
local ffi = require "ffi"
local rk = require "ringkernel"

local function check(cond, what)
  if not cond then
    io.stderr:write("hybrid_dispatch: FAILED: ", tostring(what), "\n")
    os.exit(1)
  end
end

-- Routing rules of each mode.
local cpu_only = rk.HybridDispatcher(rk.HybridConfig.cpu_only())
local gpu_only = rk.HybridDispatcher(rk.HybridConfig.gpu_only())
local hybrid = rk.HybridDispatcher(rk.HybridConfig {
  mode = rk.ProcessingMode.Hybrid, gpu_threshold = 10000, learning_rate = 0.1,
  gpu_available = true,
})
check(not cpu_only:should_use_gpu(1000000), "CpuOnly never picks the GPU")
check(gpu_only:should_use_gpu(1), "GpuOnly always picks the GPU when available")
check(not hybrid:should_use_gpu(9999) and hybrid:should_use_gpu(10000),
      "Hybrid picks the GPU from the threshold on (inclusive)")
print(("%s, %s"):format(tostring(rk.HybridConfig.cpu_only()), tostring(rk.HybridConfig.gpu_only())))

-- Adaptive learning: the GPU was 10x faster at 50000 elements, so the threshold moves
-- toward 0.8 x 50000: int(0.9 * 10000 + 0.1 * 40000) = 13000.
local adaptive = rk.HybridDispatcher(rk.HybridConfig.adaptive())
adaptive:update_adaptive_threshold { workload_size = 50000, cpu_time_ms = 100.0, gpu_time_ms = 10.0 }
check(adaptive.adaptive_threshold == 13000, "learned " .. tostring(adaptive.adaptive_threshold))
-- Now the CPU was faster at 2000 elements: target 2400, int(0.9 * 13000 + 240) = 11940.
adaptive:update_adaptive_threshold { workload_size = 2000, cpu_time_ms = 1.0, gpu_time_ms = 5.0 }
check(adaptive.adaptive_threshold == 11940, "learned " .. tostring(adaptive.adaptive_threshold))
print("adaptive threshold after two measurements: " .. adaptive.adaptive_threshold)

local function pack(values)
  local buf = ffi.new("double[?]", #values)
  for i, v in ipairs(values) do buf[i - 1] = v end
  return ffi.string(buf, 8 * #values)
end

local function unpack_double(s)
  local d = ffi.new("double[1]")
  ffi.copy(d, s, 8)
  return d[0]
end

local runtime = rk.RingKernel.create { backend = "auto" }
local summer = runtime:launch("summer",
                              rk.LaunchOptions():with_handler("sum"):with_payload_capacity(65536))
local side = runtime.backend.name .. " actor"

local function on_actor(values)
  local payload = pack(values)
  local header = rk.MessageHeader.new { type_id = 1, source_kernel = 0, dest_kernel = 0,
                                        payload_size = #payload,
                                        timestamp = rk.HlcTimestamp.now(1) }
  local reply = summer:request(rk.MessageEnvelope.from_bytes(header, payload), 5.0)
  return unpack_double(reply.payload)
end

local function on_cpu(values)
  local total = 0
  for _, v in ipairs(values) do total = total + v end
  return total
end

local dispatcher = rk.HybridDispatcher(rk.HybridConfig {
  mode = rk.ProcessingMode.Hybrid, gpu_threshold = 2000, learning_rate = 0.1,
  gpu_available = true,
})
for _, size in ipairs { 10, 100, 1000, 2000, 4000, 8000 } do
  local values = {}
  for i = 0, size - 1 do values[i + 1] = (i % 97) * 0.5 end
  local expected = on_cpu(values)
  local gpu_runs = dispatcher:stats().gpu_count
  -- dispatch() picks the side, runs it, and counts (and, in Adaptive mode, learns).
  local result = dispatcher:dispatch(size, function() return on_cpu(values) end,
                                     function() return on_actor(values) end)
  local on_gpu = dispatcher:stats().gpu_count > gpu_runs
  check(on_gpu == (size >= 2000), ("size %d went to the right side"):format(size))
  check(result == expected, ("size %d: %s ~= %s"):format(size, result, expected))
  print(("size %5d -> %-14s sum %12.1f"):format(size, on_gpu and side or "lua (cpu)", result))
end
local stats = dispatcher:stats()
check(stats.cpu_count == 3 and stats.gpu_count == 3 and stats:total() == 6, tostring(stats))
check(math.abs(stats:gpu_ratio() - 0.5) < 1e-12, "gpu_ratio")
check(summer:status().messages_processed == 3, "the actor summed three workloads")
print(("dispatched %d workloads, %.0f%% to the %s"):format(stats:total(),
                                                        100 * stats:gpu_ratio(), side))
runtime:shutdown()
print("hybrid_dispatch: all checks passed")
