-- The same mistake raises the same exception kind in both languages: each pair below
-- makes one call in Python (the built package) and in Lua, and the Python exception's
-- class name must equal the Lua error value's kind ("ok" when neither raises).
local T = require "testkit"
local rk = require "ringkernel"

local pythonpath = os.getenv("RK_PYTHONPATH")
if not pythonpath then T.skip("RK_PYTHONPATH not set: the Python package was not built") end
local python = os.getenv("RK_PYTHON") or "python3"
local cuda, bench = rk.cuda, rk.benchmark

local function terminated_kernel()
  local rt = rk.RingKernel.create()
  local k = rt:launch("t")
  k:terminate()
  return k
end

local cases = {
  { "r.HlcTimestamp('1', 0, 0)", function() return rk.HlcTimestamp("1", 0, 0) end },
  { "r.HlcTimestamp(-1, 0, 0)", function() return rk.HlcTimestamp(-1, 0, 0) end },
  { "r.HlcClock(1).update(r.HlcTimestamp(2**62, 0, 2))",
    function() return rk.HlcClock(1):update(rk.HlcTimestamp(2 ^ 62, 0, 2)) end },
  { "r.HlcClock(1, max_drift_ms=5)", function() return rk.HlcClock { node_id = 1, max_drift_ms = 5 } end },
  { "r.Priority.from_int(9)", function() return rk.Priority.from_int(9) end },
  { "r.MessageHeader.new(1, 0, 1, 70000, r.HlcTimestamp.zero()).validate()",
    function() return rk.MessageHeader.new(1, 0, 1, 70000, rk.HlcTimestamp.zero()):validate() end },
  { "r.MessageEnvelope.from_raw_bytes(b'x' * 10)",
    function() return rk.MessageEnvelope.from_raw_bytes(string.rep("x", 10)) end },
  { "r.MessageEnvelope.from_raw_bytes(bytes(300))",
    function() return rk.MessageEnvelope.from_raw_bytes(string.rep("\0", 300)) end },
  { "r.LaunchOptions().with_queue_capacity(0)",
    function() return rk.LaunchOptions():with_queue_capacity(0) end },
  { "r.LaunchOptions().with_block_size(4096)",
    function() return rk.LaunchOptions():with_block_size(4096) end },
  { "r.LaunchOptions().with_handler(5)", function() return rk.LaunchOptions():with_handler(5) end },
  { "r.RingKernel.create_sync(backend='tpu')",
    function() return rk.RingKernel.create { backend = "tpu" } end },
  { "r.RingKernel.create_sync(backend='metal')",
    function() return rk.RingKernel.create { backend = "metal" } end },
  { "k = r.RingKernel.create_sync().launch_sync('t'); k.terminate_sync(); k.activate_sync()",
    function() return terminated_kernel():activate() end },
  { "k = r.RingKernel.create_sync().launch_sync('t'); k.terminate_sync(); k.send_sync(b'x')",
    function() return terminated_kernel():send("x") end },
  { "k = r.RingKernel.create_sync().launch_sync('t'); k.deactivate_sync(); k.send_sync(b'x')",
    function()
      local k = rk.RingKernel.create():launch("t")
      k:deactivate()
      return k:send("x")
    end },
  { "r.RingKernel.create_sync().launch_sync('t').receive_sync(0.01)",
    function() return rk.RingKernel.create():launch("t"):receive(0.01) end },
  { "r.RingKernel.create_sync().launch_sync('t').receive_sync(float('nan'))",
    function() return rk.RingKernel.create():launch("t"):receive(0 / 0) end },
  { "r.RingKernel.create_sync().launch_sync('t').send_sync(b'x' * 70000)",
    function() return rk.RingKernel.create():launch("t"):send(string.rep("x", 70000)) end },
  { "rt = r.RingKernel.create_sync(); rt.launch_sync('t'); rt.launch_sync('t')",
    function()
      local rt = rk.RingKernel.create()
      rt:launch("t")
      return rt:launch("t")
    end },
  { "rt = r.RingKernel.create_sync(); rt.shutdown_sync(); rt.launch_sync('t')",
    function()
      local rt = rk.RingKernel.create()
      rt:shutdown()
      return rt:launch("t")
    end },
  { "r.K2KConfig(max_hops=0)", function() return rk.K2KConfig { max_hops = 0 } end },
  { "r.K2KBroker().remove_route('x')", function() return rk.K2KBroker():remove_route("x") end },
  { "b = r.K2KBroker(); b.register('a'); b.register('a')",
    function()
      local b = rk.K2KBroker()
      b:register("a")
      return b:register("a")
    end },
  { "r.HybridConfig(learning_rate=2.0)", function() return rk.HybridConfig { learning_rate = 2.0 } end },
  { "r.HybridDispatcher().update_adaptive_threshold(1, -1.0, 1.0)",
    function() return rk.HybridDispatcher():update_adaptive_threshold(1, -1.0, 1.0) end },
  { "r.MemoryEstimate(confidence=float('nan'))",
    function() return rk.MemoryEstimate { confidence = 0 / 0 } end },
  { "r.MemoryEstimate.for_elements(2**40, 2**40)",
    function() return rk.MemoryEstimate.for_elements(2 ^ 40, 2 ^ 40) end },
  { "r.ResourceGuard(1000, 0).reserve(2000)", function() return rk.ResourceGuard(1000, 0):reserve(2000) end },
  { "r.ResourceGuard(1000, 0).validate(r.MemoryEstimate(2000))",
    function() return rk.ResourceGuard(1000, 0):validate(rk.MemoryEstimate(2000)) end },
  { "r.ResourceGuard(1000, 0).max_safe_elements(0)",
    function() return rk.ResourceGuard(1000, 0):max_safe_elements(0) end },
  { "g = r.ResourceGuard(1000, 0); x = g.reserve(1); x.release(); x.commit()",
    function()
      local x = rk.ResourceGuard(1000, 0):reserve(1)
      x:release()
      return x:commit()
    end },
  { "r.QueueMonitor(0.9, 0.5)", function() return rk.QueueMonitor(0.9, 0.5) end },
  { "r.QueueTier.for_throughput(-1)", function() return rk.QueueTier.for_throughput(-1) end },
  { "r.QueueMonitor().suggest_upgrade(1, 2, 'big')",
    function() return rk.QueueMonitor():suggest_upgrade(1, 2, "big") end },
  { "r.cuda.PyGpuPoolConfig(initial_counts=[1, 2])",
    function() return cuda.PyGpuPoolConfig { initial_counts = { 1, 2 } } end },
  { "r.cuda.PyStreamConfig(0)", function() return cuda.PyStreamConfig(0) end },
  { "r.cuda.PyStreamId.compute(32)", function() return cuda.PyStreamId.compute(32) end },
  { "r.benchmark.PyBenchmarkConfig().with_measurements(0)",
    function() return bench.PyBenchmarkConfig():with_measurements(0) end },
  { "r.benchmark.PyBenchmarkResult('w', 1, 0.0)", function() return bench.PyBenchmarkResult("w", 1, 0.0) end },
  { "r.benchmark.PyConfidenceInterval.from_values([1.0, 2.0], 1.5)",
    function() return bench.PyConfidenceInterval.from_values({ 1.0, 2.0 }, 1.5) end },
  { "r.benchmark.PyScalingMetrics.from_sizes_and_throughputs([1], [1])",
    function() return bench.PyScalingMetrics.from_sizes_and_throughputs({ 1 }, { 1 }) end },
}
if not rk.is_cuda_available() then
  cases[#cases + 1] = { "r.cuda.PyCudaDevice(0)", function() return cuda.PyCudaDevice(0) end }
  cases[#cases + 1] = { "r.RingKernel.create_sync(backend='cuda')",
                        function() return rk.RingKernel.create { backend = "cuda" } end }
end

local script = os.tmpname()
local f = assert(io.open(script, "w"))
f:write("import ringkernel as r\n")
for _, c in ipairs(cases) do
  f:write("try:\n    exec(", string.format("%q", c[1]), ")\n    print('ok')\n",
          "except BaseException as e:\n    print(type(e).__name__)\n")
end
f:close()
local pipe = assert(io.popen(string.format("PYTHONPATH=%q %q %q 2>&1", pythonpath, python,
                                           script)))
local kinds = {}
for line in pipe:lines() do kinds[#kinds + 1] = line end
pipe:close()
os.remove(script)

T.case("Python answered every case", function()
  T.eq(#kinds, #cases, table.concat(kinds, "\n"):sub(1, 300))
end)

T.case("same exception kind in both languages", function()
  local differ = {}
  for i, c in ipairs(cases) do
    local ok, err = pcall(c[2])
    local kind = ok and "ok" or (rk.is_error(err) and err.kind or tostring(err))
    if kind ~= kinds[i] then
      differ[#differ + 1] = c[1] .. ": Lua " .. kind .. ", Python " .. tostring(kinds[i])
    end
  end
  T.eq(table.concat(differ, "\n"), "")
end)

T.done()
