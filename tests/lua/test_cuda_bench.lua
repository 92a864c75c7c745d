-- rk.cuda (§10) and rk.benchmark (§11). Device-dependent checks run only with a device;
-- without one the module reports zero devices and raises CudaDeviceError.
local T = require "testkit"
local rk = require "ringkernel"
local cuda, bench = rk.cuda, rk.benchmark

T.case("devices: consistent answers with or without a GPU", function()
  T.eq(cuda.is_cuda_available(), rk.is_cuda_available())
  local n = cuda.cuda_device_count()
  T.eq(#cuda.enumerate_devices(), n)
  if n == 0 then
    T.eq(cuda.is_cuda_available(), false)
    T.raises("CudaDeviceError", "CUDA device 0 is not available", cuda.PyCudaDevice)
    T.raises("CudaDeviceError", nil, cuda.PyCudaDevice, { ordinal = 0 })
  else
    local info = cuda.enumerate_devices()[1]
    T.eq(info.ordinal, 0)
    T.eq(#info.compute_capability, 2)
    T.eq(info.supports_persistent, info.compute_capability[1] >= 7)
    local dev = cuda.PyCudaDevice { ordinal = 0 }
    T.eq(dev.name, info.name)
    T.near(dev:total_memory_mb(), info.total_memory / 1048576, 1e-6)
    dev:synchronize()
  end
  T.eq(rk.CudaDevice, n > 0 and cuda.PyCudaDevice or false)
  T.raises("ValueError", "ordinal must be 0..", cuda.PyCudaDevice, -1)
end)

T.case("size classes", function()
  local S = cuda.PyGpuSizeClass
  local bytes = { 256, 1024, 4096, 16384, 65536, 262144 }
  for i, m in ipairs(S) do T.eq(m:bytes(), bytes[i], m.name) end
  T.eq(S.for_size(0), S.Size256B)
  T.eq(S.for_size(256), S.Size256B)
  T.eq(S.for_size(257), S.Size1KB)
  T.eq(S.for_size(262144), S.Size256KB)
  T.eq(S.for_size(262145), nil)
  T.eq(cuda.GpuSizeClass, S, "short alias")
end)

T.case("pool config presets exactly as the spec table", function()
  local function counts(t) return table.concat(t, ",") end
  local d = cuda.PyGpuPoolConfig()
  T.eq(counts(d.initial_counts), "1000,500,200,100,50,20")
  T.eq(counts(d.max_counts), "10000,5000,2000,1000,500,200")
  T.eq(d.max_pool_bytes, 1024 ^ 3)
  T.eq(d.track_allocations, true)
  T.eq(d, cuda.PyGpuPoolConfig.default())
  local g = cuda.PyGpuPoolConfig.for_graph_analytics()
  T.eq(counts(g.initial_counts), "2000,200,500,100,50,20")
  T.eq(counts(g.max_counts), "20000,2000,2000,500,200,100")
  T.eq(g.max_pool_bytes, 2 * 1024 ^ 3)
  local s = cuda.PyGpuPoolConfig.for_simulation()
  T.eq(counts(s.initial_counts), "100,200,500,500,200,50")
  T.eq(counts(s.max_counts), "1000,2000,5000,5000,2000,500")
  T.eq(s.max_pool_bytes, 4 * 1024 ^ 3)
  local m = cuda.PyGpuPoolConfig.minimal()
  T.eq(counts(m.initial_counts), "10,10,10,10,10,10")
  T.eq(counts(m.max_counts), "100,100,100,100,100,100")
  T.eq(m.max_pool_bytes, 64 * 1024 ^ 2)
  T.eq(tostring(m), "PyGpuPoolConfig(initial_counts=(10, 10, 10, 10, 10, 10), max_counts=" ..
       "(100, 100, 100, 100, 100, 100), max_pool_bytes=67108864, track_allocations=True)")
  local pos = cuda.PyGpuPoolConfig({ 1, 2, 3, 4, 5, 6 }, { 10, 20, 30, 40, 50, 60 }, 2 ^ 30)
  T.eq(table.concat(pos.initial_counts, ","), "1,2,3,4,5,6")
  T.eq(cuda.PyGpuPoolConfig({ 1, 1, 1, 1, 1, 1 }).max_counts[1], 10000)
  T.raises("ValueError", "initial_counts must have 6 entries", cuda.PyGpuPoolConfig,
           { initial_counts = { 1, 2 } })
  T.raises("ValueError", nil, cuda.PyGpuPoolConfig, { initial_counts = { 20, 1, 1, 1, 1, 1 },
                                                     max_counts = { 10, 1, 1, 1, 1, 1 } })
end)

T.case("a live pool needs a device", function()
  if cuda.cuda_device_count() == 0 then
    T.raises("CudaDeviceError", nil, cuda.PyGpuPool, cuda.PyGpuPoolConfig.minimal())
    return
  end
  local pool = cuda.PyGpuPool(cuda.PyGpuPoolConfig.minimal())
  local p = pool:allocate(300)
  local d = pool:diagnostics()
  T.truthy(d.in_use_bytes >= 1024, "a 1 KiB block in use")
  T.eq(#d:bucket_stats(), 6)
  pool:free(p)
  pool:close()
  T.raises("ValueError", "PyGpuPool is closed", pool.diagnostics, pool)
end)

T.case("stream configs and ids", function()
  local function row(c)
    return c.num_compute_streams .. "/" .. tostring(c.use_transfer_stream) .. "/" ..
           tostring(c.enable_graph_capture)
  end
  T.eq(row(cuda.PyStreamConfig()), "4/true/false")
  T.eq(row(cuda.PyStreamConfig.minimal()), "1/false/false")
  T.eq(row(cuda.PyStreamConfig.performance()), "4/true/true")
  T.eq(row(cuda.PyStreamConfig.for_simulation()), "2/true/false")
  T.eq(tostring(cuda.PyStreamConfig.minimal()), "PyStreamConfig(num_compute_streams=1, " ..
       "use_transfer_stream=False, enable_graph_capture=False)")
  T.raises("ValueError", "num_compute_streams must be 1..32, got 0", cuda.PyStreamConfig, 0)
  local c3 = cuda.PyStreamId.compute(3)
  T.eq(c3.kind, "compute")
  T.eq(c3.index, 3)
  T.eq(c3:is_compute(), true)
  T.eq(tostring(c3), "PyStreamId.compute(3)")
  T.eq(c3, cuda.PyStreamId.compute(3))
  T.eq(tostring(cuda.PyStreamId.transfer()), "PyStreamId.transfer()")
  T.eq(cuda.PyStreamId.default_stream():is_default(), true)
  T.raises("ValueError", "index must be 0..31", cuda.PyStreamId.compute, 32)
end)

T.case("benchmark config presets and builders", function()
  local C = bench.PyBenchmarkConfig
  local q = C.quick()
  T.eq(q.warmup_iterations, 1)
  T.eq(q.measurement_iterations, 3)
  T.eq(table.concat(q.sizes, ","), "10000,50000")
  T.near(q.regression_threshold, 0.15, 1e-12)
  T.eq(q.timeout_secs, 30)
  local c = C.comprehensive()
  T.eq(table.concat(c.sizes, ","), "10000,25000,50000,75000,100000,150000")
  T.near(c.regression_threshold, 0.05, 1e-12)
  T.eq(c.timeout_secs, 300)
  local ci = C.ci()
  T.eq(ci.warmup_iterations .. "/" .. ci.measurement_iterations .. "/" .. ci.timeout_secs,
       "2/5/120")
  local d = C { warmup_iterations = 5, measurement_iterations = 10, regression_threshold = 0.10 }
  T.eq(d.warmup_iterations, 5)
  local b = q:with_warmup(3):with_measurements(10):with_sizes({ 1000, 10000, 100000 })
             :with_regression_threshold(0.15):with_timeout_secs(30.0)
  T.eq(q.warmup_iterations, 1, "builders return new objects")
  T.eq(b.warmup_iterations, 3)
  T.eq(b.measurement_iterations, 10)
  T.eq(table.concat(b.sizes, ","), "1000,10000,100000")
  T.eq(tostring(b), "PyBenchmarkConfig(warmup=3, measurements=10, threshold=0.15, " ..
       "sizes=[1000, 10000, 100000], timeout_secs=30.0)")
  T.raises("ValueError", nil, q.with_measurements, q, 0)
  T.raises("TypeError", "sizes must be a list of integers", q.with_sizes, q, 5)
end)

T.case("results: throughput, measurements, metrics", function()
  local R = bench.PyBenchmarkResult
  local r = R { workload_id = "matrix_multiply", size = 1000, total_time_secs = 0.5 }
  T.eq(r.throughput_ops, 2000)
  T.eq(r:throughput_mops(), 0.002)
  T.eq(r:total_time_ms(), 500)
  T.eq(tostring(r), "PyBenchmarkResult(workload_id='matrix_multiply', size=1000, " ..
       "total_time_secs=0.5, throughput_ops=2000.0)")
  local m = R.from_measurements { workload_id = "matrix_multiply", size = 1000,
                                  measurement_times_secs = { 0.48, 0.52, 0.49, 0.51, 0.50 },
                                  iterations = 100, converged = true }
  T.near(m.total_time_secs, 0.5, 1e-12)
  T.near(m.throughput_ops, 1000 * 100 / 0.5, 1e-6)
  T.eq(m.iterations, 100)
  T.eq(m.converged, true)
  T.eq(#m.measurement_times_secs, 5)
  T.truthy(m:throughput_stddev() > 0, "stddev")
  local m2 = m:with_metric("memory_mb", 256.5)
  T.eq(m:custom_metrics().memory_mb, nil, "with_metric returns a new result")
  T.eq(m2:custom_metrics().memory_mb, 256.5)
  local plain = R.from_measurements("w", 10, { 1.0 })
  T.eq(plain.iterations, nil)
  T.eq(plain.converged, nil)
  T.raises("ValueError", nil, R, "w", 10, 0)
  T.raises("ValueError", "iterations must be >= 1", R.from_measurements, "w", 10, { 1 }, 0)
  T.raises("ValueError", "measurement_times_secs[2] must be finite, got inf",
           R.from_measurements, "w", 10, { 1, math.huge })
  T.raises("TypeError", "workload_id must be a string", R, 5, 1, 1)
end)

T.case("statistics, confidence intervals, scaling", function()
  local s = bench.PyDetailedStatistics.from_values({ 0.48, 0.52, 0.49, 0.51, 0.50 })
  T.eq(s.count, 5)
  T.near(s.mean, 0.5, 1e-12)
  T.near(s.std_dev, math.sqrt(0.00025), 1e-12)
  T.eq(s.median, 0.50)
  T.eq(s.min, 0.48)
  T.eq(s.max, 0.52)
  T.eq(s.p95, 0.52)
  T.near(s:iqr(), 0.02, 1e-12)
  T.near(s:coefficient_of_variation(), math.sqrt(0.00025) / 0.5, 1e-12)
  local ci = bench.PyConfidenceInterval.from_values({ 0.48, 0.52, 0.49, 0.51, 0.50 })
  -- t(0.975, 4) = 2.7764
  T.near(ci.upper - ci.mean, 2.7764 * math.sqrt(0.00025) / math.sqrt(5), 1e-4)
  T.near(ci:width(), ci.upper - ci.lower, 1e-15)
  T.eq(ci.confidence, 0.95)
  T.eq(ci:contains(0.5), true)
  T.eq(ci:contains(0.6), false)
  local sc = bench.PyScalingMetrics.from_sizes_and_throughputs {
    sizes = { 1000, 10000, 100000 }, throughputs = { 1e6, 8e6, 50e6 } }
  T.near(sc.exponent, 0.8495, 1e-4)
  T.near(sc.r_squared, 0.9987, 1e-4)
  T.eq(sc:scaling_quality(), "Good")
  T.raises("ValueError", "sizes has 2 values but throughputs has 3",
           bench.PyScalingMetrics.from_sizes_and_throughputs, { 1, 2 }, { 1, 2, 3 })
  T.raises("TypeError", "values[2] must be a number, got string",
           bench.PyDetailedStatistics.from_values, { 1, "x" })
end)

T.case("suite, baseline, regression report, report writers", function()
  local suite = bench.PyBenchmarkSuite(bench.PyBenchmarkConfig.quick())
  T.eq(suite:is_empty(), true)
  suite:add_result(bench.PyBenchmarkResult("matrix_multiply", 1000, 0.5))
  suite:add_result(bench.PyBenchmarkResult("sort", 1000, 1.0))
  T.eq(#suite, 2)
  T.eq(#suite:results(), 2)
  T.eq(suite:compare_to_baseline(), nil)
  local baseline = suite:create_baseline("v1.0.0")
  T.eq(baseline.version, "v1.0.0")
  T.eq(#baseline, 2)
  T.eq(baseline:get("sort", 1000).throughput_ops, 1000)
  T.eq(baseline:get("sort", 5), nil)
  suite:set_baseline(baseline)
  suite:clear_results()
  suite:add_result(bench.PyBenchmarkResult("matrix_multiply", 1000, 1.0)) -- half as fast
  suite:add_result(bench.PyBenchmarkResult("sort", 1000, 0.5))            -- twice as fast
  local rep = suite:compare_to_baseline()
  T.eq(rep.regression_count, 1)
  T.eq(rep.improvement_count, 1)
  T.eq(rep.unchanged_count, 0)
  T.eq(rep:has_regressions(), true)
  T.eq(rep:worst_regression().workload_id, "matrix_multiply")
  T.near(rep:worst_regression().percent_change, -0.5, 1e-12)
  T.eq(rep:worst_regression().status, bench.PyRegressionStatus.Regressed)
  T.eq(rep:best_improvement().workload_id, "sort")
  T.eq(#rep:entries(), 2)
  T.truthy(rep:summary():find("1 regressed", 1, true), rep:summary())
  T.eq(bench.PyRegressionStatus.Improved:symbol(), "+")
  T.eq(bench.PyRegressionStatus.Regressed:text(), "REGRESSED")
  local md = suite:generate_markdown_report()
  T.truthy(md:find("1,000", 1, true), "thousands separators")
  T.truthy(suite:generate_json_export():match("^%s*{"), "JSON object")
  T.truthy(suite:generate_latex_table():find("\\toprule", 1, true), "booktabs")
  T.eq(tostring(suite), "PyBenchmarkSuite(results=2, baseline=set)")
  T.raises("TypeError", "result must be PyBenchmarkResult", suite.add_result, suite, 5)
end)

T.done()
