-- The module itself: layout, constants, the error model, the argument rules.
local T = require "testkit"
local rk = require "ringkernel"

T.case("require returns one table, opened once", function()
  T.eq(type(rk), "table")
  T.eq(require "ringkernel", rk)
  T.eq(type(rk.__version__), "string")
  T.truthy(rk.__version__:match("^%d+%.%d+%.%d+$"), "version x.y.z")
end)

T.case("constants", function()
  T.eq(rk.MAX_PAYLOAD_SIZE, 65536)
  T.eq(rk.MESSAGE_VERSION, 1)
  -- above 2^53: a uint64_t cdata, exact
  T.eq(rk.MESSAGE_MAGIC, 0x52494E474B45524EULL)
  T.eq(tostring(rk.MESSAGE_MAGIC), "5929356452522447438ULL")
  T.eq(type(rk.is_cuda_available()), "boolean")
end)

T.case("submodules hold their types", function()
  for sub, names in pairs({
    hlc = { "HlcTimestamp", "HlcClock" },
    k2k = { "K2KBroker", "K2KConfig", "K2KStats", "DeliveryStatus", "DeliveryReceipt" },
    queue = { "QueueStats", "QueueTier", "QueueHealth", "QueueMonitor", "QueueMetrics" },
    hybrid = { "HybridDispatcher", "HybridConfig", "HybridStats", "ProcessingMode" },
    resource = { "ResourceGuard", "MemoryEstimate" },
  }) do
    T.eq(type(rk[sub]), "table", sub)
    for _, n in ipairs(names) do T.eq(rk[sub][n], rk[n], sub .. "." .. n) end
  end
  T.eq(type(rk.cuda.PyCudaDevice), "table")
  T.eq(rk.cuda.CudaDevice, rk.cuda.PyCudaDevice, "short alias")
  T.eq(rk.benchmark.BenchmarkSuite, rk.benchmark.PyBenchmarkSuite, "short alias")
end)

T.case("exception kinds and their parents", function()
  local parents = {
    RingKernelError = "Exception", MemoryLimitError = "RingKernelError",
    KernelError = "RingKernelError", KernelStateError = "KernelError",
    CudaError = "RingKernelError", CudaDeviceError = "CudaError",
    CudaMemoryError = "CudaError", QueueError = "RingKernelError",
    QueueFullError = "QueueError", QueueEmptyError = "QueueError",
    K2KError = "RingKernelError", K2KDeliveryError = "K2KError",
    BenchmarkError = "RingKernelError", HybridError = "RingKernelError",
    GpuNotAvailableError = "HybridError", ResourceError = "RingKernelError",
    ReservationError = "ResourceError",
  }
  for kind, parent in pairs(parents) do
    T.eq(rk.exceptions[kind].name, kind)
    T.eq(rk.exceptions[kind].parent.name, parent, kind .. ".parent")
    T.eq(rk[kind], rk.exceptions[kind], kind .. " is top level too")
  end
  T.eq(tostring(rk.KernelError), "<class 'KernelError'>")
  T.eq(rk.exceptions.ValueError.parent.name, "Exception")
end)

T.case("errors are values with kind, message and a Python-like text", function()
  local e = rk.KernelStateError("Invalid state transition: Terminated -> Active")
  T.eq(e.kind, "KernelStateError")
  T.eq(tostring(e), "KernelStateError: Invalid state transition: Terminated -> Active")
  T.truthy(rk.is_error(e, "KernelError"), "below KernelError")
  T.truthy(rk.is_error(e, rk.RingKernelError), "below RingKernelError")
  T.truthy(rk.is_error(e, "Exception"), "below Exception")
  T.truthy(rk.is_error(e), "any error")
  T.eq(rk.is_error(e, "QueueError"), false)
  T.eq(rk.is_error("plain string"), false)
  T.eq(rk.is_error({ kind = "KernelError" }), false)
  local ok, got = pcall(error, e)
  T.eq(ok, false)
  T.eq(got, e)
  T.raises("TypeError", "kind must be", rk.is_error, e, 42)
end)

T.case("errors from C carry the status name", function()
  local rt = rk.RingKernel.create()
  local k = rt:launch("k")
  k:terminate()
  local e = T.raises("KernelStateError", "Invalid state transition: Terminated -> Active",
                     k.activate, k)
  T.eq(e.status, "RK_ESTATE")
  rt:shutdown()
end)

T.case("positional or one table of named arguments", function()
  local a = rk.HlcTimestamp(1000000, 5, 1)
  local b = rk.HlcTimestamp { physical = 1000000, logical = 5, node_id = 1 }
  T.eq(a, b)
  T.raises("TypeError", "unexpected keyword argument 'nodeid'", rk.HlcClock, { nodeid = 1 })
  T.raises("TypeError", "takes at most 2 arguments (3 given)", rk.HlcClock, 1, 2, 3)
  T.raises("TypeError", "only string keys", rk.HlcClock, { 1 })
end)

T.case("bad arguments raise TypeError / ValueError naming the argument", function()
  T.raises("TypeError", "node_id must be an integer, got nil", rk.HlcClock)
  T.raises("TypeError", "node_id must be an integer, got string", rk.HlcClock, "1")
  T.raises("ValueError", "node_id must be 0..18446744073709551615, got -1", rk.HlcClock, -1)
  T.raises("ValueError", "node_id must be an integer, got 1.5", rk.HlcClock, 1.5)
  T.raises("ValueError", "node_id must be an integer, got nan", rk.HlcClock, 0 / 0)
  T.raises("ValueError", "must be >= 0", rk.HlcClock, -1LL)
  T.eq(rk.HlcClock(7ULL).node_id, 7)
end)

T.case("every constructor rejects bad arguments with TypeError/ValueError", function()
  local cuda, bench = rk.cuda, rk.benchmark
  local cases = {
    { "TypeError", rk.HlcTimestamp, "1", 0, 0 },
    { "TypeError", rk.HlcClock, {} },
    { "ValueError", rk.MessageId, -1 },
    { "TypeError", rk.CorrelationId, true },
    { "TypeError", rk.MessageHeader.new, 1, 0, 0, 0, 5 },
    { "TypeError", rk.MessageEnvelope.from_bytes, 1, "x" },
    { "TypeError", rk.MessageEnvelope.empty, 0, 0, "ts" },
    { "TypeError", rk.MessageEnvelope.from_raw_bytes, 12 },
    { "TypeError", rk.LaunchOptions, { grid = 1 } },
    { "TypeError", rk.LaunchOptions.single_block, "many" },
    { "ValueError", rk.LaunchOptions.multi_block, 0, 1 },
    { "ValueError", rk.RingKernel.create, "gpu9" },
    { "TypeError", rk.RingKernel, { backend = {} } },
    { "ValueError", rk.K2KConfig, -1 },
    { "TypeError", rk.K2KBroker, rk.HybridConfig() },
    { "TypeError", rk.HybridConfig, { gpu_available = "yes" } },
    { "TypeError", rk.HybridDispatcher, rk.K2KConfig() },
    { "ValueError", rk.HybridStats, -1 },
    { "TypeError", rk.MemoryEstimate, "big" },
    { "TypeError", rk.ResourceGuard, "4GB" },
    { "ValueError", rk.QueueMonitor, 0 / 0 },
    { "ValueError", rk.QueueStats, 1.5 },
    { "TypeError", cuda.PyCudaDevice, "0" },
    { "TypeError", cuda.PyGpuPoolConfig, { initial_counts = 5 } },
    { "TypeError", cuda.PyGpuPool, 5 },
    { "TypeError", cuda.PyStreamConfig, { use_transfer_stream = 1 } },
    { "TypeError", bench.PyBenchmarkConfig, { sizes = "all" } },
    { "ValueError", bench.PyBenchmarkResult, "w", -1, 1.0 },
    { "TypeError", bench.PyBenchmarkSuite, 5 },
    { "TypeError", bench.PyDetailedStatistics.from_values, "1,2" },
    { "ValueError", bench.PyConfidenceInterval.from_values, { 1, 2 }, 0 / 0 },
  }
  for i, c in ipairs(cases) do
    local ok, err = pcall(c[2], unpack(c, 3))
    T.eq(ok, false, "case " .. i)
    T.truthy(rk.is_error(err, c[1]), "case " .. i .. ": " .. tostring(err))
  end
end)

T.case("methods need self and say how to call them", function()
  local c = rk.HlcClock(1)
  T.raises("TypeError", "call it as obj:method()", c.tick)
  T.raises("TypeError", "call it as obj:method()", c.tick, rk.HlcTimestamp.zero())
end)

T.case("properties are read-only; unknown names are nil", function()
  local ts = rk.HlcTimestamp(1, 2, 3)
  T.raises("AttributeError", "read-only", function() ts.physical = 5 end)
  T.eq(ts.no_such_thing, nil)
  T.raises("TypeError", "cannot create 'KernelHandle' instances", rk.KernelHandle)
end)

T.case("rk.members lists statics, methods and properties", function()
  local m = {}
  for _, n in ipairs(rk.members(rk.HlcTimestamp)) do m[n] = true end
  for _, n in ipairs({ "now", "zero", "unpack", "pack", "is_zero", "as_micros", "as_millis",
                       "physical", "logical", "node_id" }) do
    T.truthy(m[n], "HlcTimestamp." .. n)
  end
  local e = {}
  for _, n in ipairs(rk.members(rk.KernelState)) do e[n] = true end
  for _, n in ipairs({ "Active", "can_activate", "is_running", "name", "value" }) do
    T.truthy(e[n], "KernelState." .. n)
  end
  T.raises("TypeError", "class or enum table", rk.members, 5)
end)

T.done()
