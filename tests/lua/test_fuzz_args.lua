-- Bad input never crashes and always raises an error value: every class function and
-- every method of one instance per class is called with every combination of zero to two
-- hostile arguments. A call may succeed or raise; what it raises must be an error value
-- (rk.is_error), never a bare string from a C check, and the process must survive.
local T = require "testkit"
local rk = require "ringkernel"

local cuda, bench = rk.cuda, rk.benchmark
local GARBAGE = { "nil", -1, 0 / 0, 1 / 0, 2 ^ 64, 1.5, "x", "", true, {}, { 1, "a" },
                  { bogus = 1 }, print, rk.HlcTimestamp.zero(), rk.Priority.High,
                  -1LL, 18446744073709551615ULL }
-- Calls that wait: {position of the timeout argument, whether nil means forever}. They are
-- not fuzzed with a positive timeout, nor with a missing one where that means forever.
local BLOCKING = { receive = { 1, true }, wait = { 1, true }, serve = { 1, true },
                   receive_timeout = { 1, false }, receive_many = { 2, false } }

local function waits(name, args)
  local b = BLOCKING[name]
  if not b then return false end
  local t = args[b[1]]
  if type(t) == "number" then return t > 0 end
  if t == nil or t == "nil" or (type(t) == "table" and next(t) == nil) then return b[2] end
  return false
end
-- Calls that end the object under test: run last, on their own instance.
local FINAL = { shutdown = true, terminate = true, close = true }

local function instances()
  local rt = rk.RingKernel.create()
  local k = rt:launch("fuzz")
  local guard = rk.ResourceGuard(1000, 0)
  local suite = bench.PyBenchmarkSuite()
  suite:add_result(bench.PyBenchmarkResult("w", 10, 1.0))
  local baseline = suite:create_baseline("v")
  suite:set_baseline(baseline)
  local report = suite:compare_to_baseline()
  return {
    HlcTimestamp = rk.HlcTimestamp(1, 2, 3), HlcClock = rk.HlcClock(1),
    MessageId = rk.MessageId(1), CorrelationId = rk.CorrelationId(1),
    MessageHeader = rk.MessageHeader.new(1, 0, 1, 0, rk.HlcTimestamp.zero()),
    MessageEnvelope = rk.MessageEnvelope.empty(0, 1, rk.HlcTimestamp.zero()),
    LaunchOptions = rk.LaunchOptions(), RingKernel = rt, KernelHandle = k,
    KernelStatus = k:status(), RuntimeMetrics = rt:metrics(),
    K2KConfig = rk.K2KConfig(), K2KBroker = rk.K2KBroker(), K2KStats = rk.K2KBroker():stats(),
    DeliveryReceipt = rk.K2KBroker():send(nil, "x", "y"),
    HybridConfig = rk.HybridConfig(), HybridDispatcher = rk.HybridDispatcher(),
    HybridStats = rk.HybridStats(), MemoryEstimate = rk.MemoryEstimate(),
    ResourceGuard = guard, Reservation = guard:reserve(1),
    QueueStats = rk.QueueStats(), QueueMonitor = rk.QueueMonitor(),
    QueueMetrics = k:queue_metrics(),
    PyGpuPoolConfig = cuda.PyGpuPoolConfig(), PyStreamConfig = cuda.PyStreamConfig(),
    PyStreamId = cuda.PyStreamId.transfer(),
    PyBenchmarkConfig = bench.PyBenchmarkConfig(), PyBenchmarkResult = suite:results()[1],
    PyBenchmarkSuite = suite, PyBenchmarkBaseline = baseline, PyRegressionReport = report,
    PyRegressionEntry = report:entries()[1],
    PyDetailedStatistics = bench.PyDetailedStatistics.from_values({ 1, 2 }),
    PyConfidenceInterval = bench.PyConfidenceInterval.from_values({ 1, 2 }),
    PyScalingMetrics = bench.PyScalingMetrics.from_sizes_and_throughputs({ 1, 2 }, { 1, 2 }),
  }
end

local function arg_lists()
  local lists = { {} }
  for _, a in ipairs(GARBAGE) do
    lists[#lists + 1] = { a }
    for _, b in ipairs(GARBAGE) do lists[#lists + 1] = { a, b } end
  end
  return lists
end

local bad = {}
local calls = 0

local function call(label, fn, self, args)
  local real = {}
  for i, a in ipairs(args) do real[i] = (a ~= "nil") and a or nil end
  calls = calls + 1
  local ok, err
  if self ~= nil then
    ok, err = pcall(fn, self, unpack(real, 1, #args))
  else
    ok, err = pcall(fn, unpack(real, 1, #args))
  end
  if not ok and not rk.is_error(err) and #bad < 20 then
    bad[#bad + 1] = label .. ": " .. tostring(err)
  end
end

local function fuzz_owner(owner, inst, lists, final_pass)
  for _, name in ipairs(rk.members(owner)) do
    local fn = rawget(owner, name)
    if type(fn) == "function" and not final_pass then
      for _, args in ipairs(lists) do call(owner.__name .. "." .. name, fn, nil, args) end
    end
    local m = inst and getmetatable(inst).__methods[name]
    if m and (FINAL[name] ~= nil) == final_pass then
      for _, args in ipairs(lists) do
        if not waits(name, args) then call(owner.__name .. ":" .. name, m, inst, args) end
      end
    end
  end
end

T.case("hostile arguments everywhere", function()
  local lists = arg_lists()
  local objs = instances()
  local owners = {}
  for _, sub in ipairs({ rk, cuda, bench }) do
    for name, v in pairs(sub) do
      if type(v) == "table" and rawget(v, "__name") == name and getmetatable(v).__methods then
        owners[#owners + 1] = v
      end
    end
  end
  for _, final_pass in ipairs({ false, true }) do
    for _, owner in ipairs(owners) do
      local inst = objs[owner.__name]
      if inst ~= nil and type(inst) ~= "userdata" then inst = nil end
      fuzz_owner(owner, inst, lists, final_pass)
    end
  end
  print("calls made: " .. calls)
  T.truthy(calls > 10000, "calls made: " .. calls)
  T.eq(table.concat(bad, "\n"), "")
  objs.RingKernel:shutdown()
end)

T.done()
