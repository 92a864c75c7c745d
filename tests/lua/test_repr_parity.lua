-- tostring(x) in Lua equals repr(x) in Python for the same object: each pair below builds
-- one object in both languages; the Python side runs in the built package. Enum members
-- are the documented exception (tostring gives "KernelState.Active").
local T = require "testkit"
local rk = require "ringkernel"

local pythonpath = os.getenv("RK_PYTHONPATH")
if not pythonpath then T.skip("RK_PYTHONPATH not set: the Python package was not built") end
local python = os.getenv("RK_PYTHON") or "python3"
local cuda, bench = rk.cuda, rk.benchmark
local zero = rk.HlcTimestamp.zero()

local pairs_ = {
  { "r.HlcTimestamp(1000000, 5, 1)", rk.HlcTimestamp(1000000, 5, 1) },
  { "r.HlcClock(3, 500)", rk.HlcClock(3, 500) },
  { "r.MessageId(255)", rk.MessageId(255) },
  { "r.CorrelationId(9)", rk.CorrelationId(9) },
  { "r.CorrelationId.none()", rk.CorrelationId.none() },
  { "r.MessageHeader.new(1, 0, 1000, 4, r.HlcTimestamp.zero())",
    rk.MessageHeader.new(1, 0, 1000, 4, zero) },
  { "r.MessageEnvelope.empty(3, 4, r.HlcTimestamp.zero())", rk.MessageEnvelope.empty(3, 4, zero) },
  { "r.LaunchOptions().with_queue_capacity(1000).with_block_size(64)",
    rk.LaunchOptions():with_queue_capacity(1000):with_block_size(64) },
  { "r.K2KConfig(2048, 10000, True, 16)", rk.K2KConfig(2048, 10000, true, 16) },
  { "r.HybridConfig.adaptive()", rk.HybridConfig.adaptive() },
  { "r.HybridStats(1, 2, 300)", rk.HybridStats(1, 2, 300) },
  { "r.HybridStats(1, 2)", rk.HybridStats(1, 2) },
  { "r.HybridDispatcher(r.HybridConfig.gpu_only())",
    rk.HybridDispatcher(rk.HybridConfig.gpu_only()) },
  { "r.MemoryEstimate(1000000, 500000, 2000000, 0.9)",
    rk.MemoryEstimate(1000000, 500000, 2000000, 0.9) },
  { "r.MemoryEstimate(1, 2, 0, 1e-05)", rk.MemoryEstimate(1, 2, 0, 1e-05) },
  { "r.ResourceGuard(4 * 1024**3, 0.1)", rk.ResourceGuard(4 * 1024 ^ 3, 0.1) },
  { "r.ResourceGuard(1000, 0).reserve(10)", rk.ResourceGuard(1000, 0):reserve(10) },
  { "r.QueueMonitor(0.5, 0.875)", rk.QueueMonitor(0.5, 0.875) },
  { "r.QueueStats(10, 4, 2, 6, 7)", rk.QueueStats(10, 4, 2, 6, 7) },
  { "r.QueueMonitor.default().metrics(r.QueueStats(depth=1), 3)",
    rk.QueueMonitor.default():metrics(rk.QueueStats { depth = 1 }, 3) },
  { "r.cuda.PyGpuPoolConfig.for_simulation()", cuda.PyGpuPoolConfig.for_simulation() },
  { "r.cuda.PyStreamConfig.performance()", cuda.PyStreamConfig.performance() },
  { "r.cuda.PyStreamId.compute(3)", cuda.PyStreamId.compute(3) },
  { "r.cuda.PyStreamId.default_stream()", cuda.PyStreamId.default_stream() },
  { "r.benchmark.PyBenchmarkConfig.comprehensive()", bench.PyBenchmarkConfig.comprehensive() },
  { "r.benchmark.PyBenchmarkResult('it''s', 1000, 0.3)",
    bench.PyBenchmarkResult("it's", 1000, 0.3) },
  { "r.benchmark.PyDetailedStatistics.from_values([0.48, 0.52, 0.49, 0.51, 0.5])",
    bench.PyDetailedStatistics.from_values({ 0.48, 0.52, 0.49, 0.51, 0.5 }) },
  { "r.benchmark.PyConfidenceInterval.from_values([1.0, 2.0, 4.0], 0.9)",
    bench.PyConfidenceInterval.from_values({ 1.0, 2.0, 4.0 }, 0.9) },
  { "r.benchmark.PyScalingMetrics.from_sizes_and_throughputs([1e3, 1e4, 1e5], [1e6, 8e6, 5e7])",
    bench.PyScalingMetrics.from_sizes_and_throughputs({ 1e3, 1e4, 1e5 }, { 1e6, 8e6, 5e7 }) },
  { "r.benchmark.PyBenchmarkSuite()", bench.PyBenchmarkSuite() },
  { "r.K2KBroker()", rk.K2KBroker() },
}

-- Python's repr of each expression, one per line, through a temporary script.
local script = os.tmpname()
local f = assert(io.open(script, "w"))
f:write("import ringkernel as r\n")
for _, p in ipairs(pairs_) do
  f:write("print(repr(", (p[1]:gsub("''", "\\'")), "))\n")
end
f:close()
local pipe = assert(io.popen(string.format("PYTHONPATH=%q %q %q 2>&1", pythonpath, python,
                                           script)))
local reprs = {}
for line in pipe:lines() do reprs[#reprs + 1] = line end
pipe:close()
os.remove(script)

T.case("Python printed one repr per object", function()
  T.eq(#reprs, #pairs_, "lines: " .. table.concat(reprs, "\n"):sub(1, 300))
end)

T.case("tostring equals repr", function()
  for i, p in ipairs(pairs_) do T.eq(tostring(p[2]), reprs[i], p[1]) end
end)

T.done()
