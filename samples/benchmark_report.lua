-- Benchmark report: measure request round trips through an echo actor on the best
-- backend present, summarise them with the statistics of rk.benchmark, export the report
-- (Markdown, JSON, LaTeX), and detect a regression against a baseline.
--
-- Numbers printed here are for reading, never checked: only the statistics and the
-- regression logic are (on values whose answers are known).
--
-- Run: rkhost samples/benchmark_report.lua
local ffi = require "ffi"
local rk = require "ringkernel"
local bench = rk.benchmark

local function check(cond, what)
  if not cond then
    io.stderr:write("benchmark_report: FAILED: ", tostring(what), "\n")
    os.exit(1)
  end
end

-- Wall-clock seconds from CLOCK_MONOTONIC (Lua's os.clock counts CPU time only).
ffi.cdef [[
  typedef struct rk_sample_timespec { int64_t sec; int64_t nsec; } rk_sample_timespec;
  int clock_gettime(int clock_id, rk_sample_timespec *out);
]]
local CLOCK_MONOTONIC = 1
local function now()
  local ts = ffi.new("rk_sample_timespec")
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.sec) + tonumber(ts.nsec) * 1e-9
end

-- ---- statistics on known values ------------------------------------------------------
local sample = { 0.48, 0.52, 0.49, 0.51, 0.50 }
local stats = bench.PyDetailedStatistics.from_values(sample)
check(stats.count == 5 and math.abs(stats.mean - 0.5) < 1e-12, "mean")
check(math.abs(stats.median - 0.5) < 1e-12 and stats.min == 0.48 and stats.max == 0.52, "order")
check(math.abs(stats.std_dev - 0.015811388300841896) < 1e-12, "sample std_dev " .. stats.std_dev)
local ci = bench.PyConfidenceInterval.from_values(sample)
-- t(0.975, 4) = 2.7764451: half width = 2.7764451 x 0.0158114 / sqrt(5) = 0.0196324
check(math.abs(ci:width() - 2 * 0.019632) < 1e-5, "95% CI width " .. ci:width())
local scaling = bench.PyScalingMetrics.from_sizes_and_throughputs {
  sizes = { 1000, 10000, 100000 }, throughputs = { 1e6, 8e6, 50e6 },
}
check(math.abs(scaling.exponent - 0.8495) < 1e-3 and math.abs(scaling.r_squared - 0.9987) < 1e-3,
      ("scaling %s, %s"):format(scaling.exponent, scaling.r_squared))
check(scaling:scaling_quality() == "Good", scaling:scaling_quality())
print(("statistics: mean %.3f, sd %.4f, 95%% CI [%.4f, %.4f], scaling exponent %.4f")
  :format(stats.mean, stats.std_dev, ci.lower, ci.upper, scaling.exponent))

-- ---- a real measurement --------------------------------------------------------------
local config = bench.PyBenchmarkConfig.quick():with_sizes { 200, 1000 }
local suite = bench.PyBenchmarkSuite(config)
local payload = ("\0"):rep(64)
local runtime = rk.RingKernel.create { backend = "auto" }
local echo = runtime:launch("echo")
local header = rk.MessageHeader.new { type_id = 1, source_kernel = 0, dest_kernel = 0,
                                      payload_size = #payload, timestamp = rk.HlcTimestamp.now(1) }
local request = rk.MessageEnvelope.from_bytes(header, payload)

local function round_trips(n)
  local start = now()
  for _ = 1, n do
    local reply = echo:request(request, 5.0)
    check(reply.payload == payload, "echo returns the payload")
  end
  return now() - start
end

for _, size in ipairs { 200, 1000 } do
  for _ = 1, config.warmup_iterations do round_trips(size) end
  local times, best = {}, math.huge
  for i = 1, config.measurement_iterations do
    times[i] = round_trips(size)
    best = math.min(best, times[i])
  end
  local result = bench.PyBenchmarkResult.from_measurements {
    workload_id = "echo_request", size = size, measurement_times_secs = times,
  }
  suite:add_result(result:with_metric("backend_is_cuda",
                                      runtime.backend == rk.Backend.Cuda and 1.0 or 0.0))
  print(("%s echo request x%d: %.0f req/s (best %.2f us per round trip)")
    :format(runtime.backend.name, size, result.throughput_ops, 1e6 * best / size))
end
runtime:shutdown()
check(#suite == 2 and not suite:is_empty(), "two results in the suite")

local markdown = suite:generate_markdown_report()
check(markdown:find("echo_request", 1, true) and markdown:find("1,000", 1, true), "markdown table")
local json = suite:generate_json_export()
check(json:match("^%s*[%[{]") and json:find('"echo_request"', 1, true), "JSON export")
local latex = suite:generate_latex_table()
check(latex:find("\\toprule", 1, true) and latex:find("echo\\_request", 1, true),
      "booktabs table, escaped id")
print(markdown)

-- ---- regression detection on known numbers -------------------------------------------
local before = bench.PyBenchmarkSuite(bench.PyBenchmarkConfig.ci())
before:add_result(bench.PyBenchmarkResult { workload_id = "parse", size = 1000, total_time_secs = 1.0 })
before:add_result(bench.PyBenchmarkResult { workload_id = "route", size = 1000, total_time_secs = 1.0 })
local baseline = before:create_baseline("v1.0.0")
check(baseline.version == "v1.0.0" and #baseline == 2, "baseline")

local after = bench.PyBenchmarkSuite(bench.PyBenchmarkConfig.ci())
after:add_result(bench.PyBenchmarkResult { workload_id = "parse", size = 1000, total_time_secs = 2.0 })
after:add_result(bench.PyBenchmarkResult { workload_id = "route", size = 1000, total_time_secs = 0.5 })
after:set_baseline(baseline)
local report = after:compare_to_baseline()
check(report.regression_count == 1 and report.improvement_count == 1, "one of each")
local worst, best = report:worst_regression(), report:best_improvement()
check(worst.workload_id == "parse" and math.abs(worst.percent_change + 0.5) < 1e-12,
      "parse halved its throughput: -50%")
check(worst.status == bench.PyRegressionStatus.Regressed and worst.status:symbol() == "-", "status")
check(best.workload_id == "route" and math.abs(best.percent_change - 1.0) < 1e-12, "route: +100%")
check(report:has_regressions(), "has_regressions")
print(("against %s: %s"):format(baseline.version, report:summary()))
print(("worst: %s (%+.1f%%), best: %s (%+.1f%%)"):format(worst.workload_id,
      100 * worst.percent_change, best.workload_id, 100 * best.percent_change))
print("benchmark_report: all checks passed")
