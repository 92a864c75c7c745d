-- Every Python code block of the user's document (ringkernel-python-README.md), written
-- in Lua by the rule of docs/lua.md, with what each block's comments promise checked.
local T = require "testkit"
local rk = require "ringkernel"

T.case("Quick Start (async and sync usage collapse to one)", function()
  local runtime = rk.RingKernel.create { backend = "cpu" }
  local options = rk.LaunchOptions():with_queue_capacity(2048):with_block_size(256)
                    :with_k2k(true)
  local kernel = runtime:launch("processor", options)
  T.eq(kernel.id, "processor")
  T.eq(kernel.state, rk.KernelState.Active)
  T.eq(kernel:is_active(), true)
  local status = kernel:status()
  T.eq(status.messages_processed, 0)
  kernel:terminate()
  runtime:shutdown()

  runtime = rk.RingKernel.create { backend = "cpu" }
  kernel = runtime:launch("processor")
  T.eq(table.concat(runtime:list_kernels(), ","), "processor")
  T.eq(runtime:metrics().total_launched, 1)
  runtime:shutdown()
end)

T.case("Working with Messages", function()
  local clock = rk.HlcClock { node_id = 1 }
  local timestamp = clock:tick()
  local header = rk.MessageHeader.new { type_id = 1, source_kernel = 0, dest_kernel = 1000,
                                        payload_size = 4, timestamp = timestamp }
  local payload = "\x01\x02\x03\x04"
  local envelope = rk.MessageEnvelope.from_bytes(header, payload)
  T.eq(tostring(envelope.header), "MessageHeader(type=1, src=0, dst=1000, size=4)")
  T.eq(envelope.payload, payload)
  T.eq(envelope.total_size, 260)
  local raw = envelope:to_bytes()
  local restored = rk.MessageEnvelope.from_raw_bytes(raw)
  T.eq(restored.payload, payload)
end)

T.case("Hybrid Logical Clock", function()
  local clock = rk.HlcClock { node_id = 1 }
  local ts1 = clock:tick()
  local ts2 = clock:tick()
  T.truthy(ts2 > ts1, "ts2 > ts1")
  local current = clock:now()
  T.truthy(current >= ts1, "now")
  local ts = rk.HlcTimestamp { physical = 1000000, logical = 5, node_id = 1 }
  T.eq(ts.physical .. "/" .. ts.logical .. "/" .. ts.node_id, "1000000/5/1")
  local ts_now = rk.HlcTimestamp.now { node_id = 42 }
  local ts_zero = rk.HlcTimestamp.zero()
  T.eq(ts_now.node_id, 42)
  T.truthy(ts_zero:is_zero(), "zero")
  local received = rk.HlcTimestamp { physical = 2000000, logical = 0, node_id = 2 }
  local merged = clock:update(received)
  T.truthy(merged > received, "merged > received")
  local packed = ts1:pack()
  local unpacked = rk.HlcTimestamp.unpack(packed)
  T.eq(unpacked, ts1)
  T.eq(ts1:as_micros(), ts1.physical)
  T.eq(ts1:as_millis(), math.floor(ts1.physical / 1000))
end)

T.case("K2K Messaging", function()
  local config = rk.K2KConfig { max_pending_messages = 2048, delivery_timeout_ms = 10000,
                                enable_tracing = true, max_hops = 16 }
  config = rk.K2KConfig.default()
  local broker = rk.K2KBroker(config)
  broker:add_route { destination = "kernel_b", next_hop = "kernel_a" }
  T.eq(#broker:registered_kernels(), 0)
  local stats = broker:stats()
  T.eq(stats.registered_endpoints, 0)
  T.eq(stats.messages_delivered, 0)
  T.eq(stats.routes_configured, 1)
  local status = rk.DeliveryStatus.Delivered
  T.eq(status:is_success(), true)
  T.eq(status:is_pending(), false)
  T.eq(status:is_failure(), false)
end)

T.case("Hybrid Dispatcher", function()
  local config = rk.HybridConfig.cpu_only()
  config = rk.HybridConfig.gpu_only()
  config = rk.HybridConfig.adaptive()
  config = rk.HybridConfig { mode = rk.ProcessingMode.Hybrid, gpu_threshold = 10000,
                             learning_rate = 0.1, gpu_available = true }
  local dispatcher = rk.HybridDispatcher(config)
  local workload_size = 50000
  local ran
  if dispatcher:should_use_gpu(workload_size) then
    ran = "gpu"
    dispatcher:record_gpu_execution()
  else
    ran = "cpu"
    dispatcher:record_cpu_execution()
  end
  T.eq(ran, "gpu")
  dispatcher:update_adaptive_threshold { workload_size = 50000, cpu_time_ms = 100.0,
                                         gpu_time_ms = 10.0 }
  T.eq(dispatcher.adaptive_threshold, 10000, "Hybrid mode does not adapt")
  local stats = dispatcher:stats()
  T.eq(stats.cpu_count, 0)
  T.eq(stats.gpu_count, 1)
  T.eq(stats:total(), 1)
  T.eq(string.format("%.1f%%", stats:gpu_ratio() * 100), "100.0%")
end)

T.case("Resource Guard", function()
  local guard = rk.ResourceGuard { max_memory_bytes = 4 * 1024 ^ 3, safety_margin = 0.1 }
  guard = rk.ResourceGuard.default()
  guard = rk.ResourceGuard.unguarded()
  local requested = 1000000
  if guard:can_allocate(requested) then guard:record_allocation(requested) end
  guard:record_deallocation(requested)
  T.eq(guard.current_memory, 0)
  T.eq(guard.reserved_memory, 0)
  guard:reserve(1000000, function(reservation)
    T.eq(reservation.bytes, 1000000)
    reservation:commit()
  end)
  T.eq(guard.current_memory, 1000000)
  local estimate = rk.MemoryEstimate { primary_bytes = 1000000, auxiliary_bytes = 500000,
                                       peak_bytes = 2000000, confidence = 0.9 }
  T.eq(estimate:total_bytes(), 1500000)
  guard:validate(estimate)
  T.truthy(guard:max_safe_elements { bytes_per_element = 8 } > 0, "max_safe_elements")
end)

T.case("Queue Monitoring", function()
  local monitor = rk.QueueMonitor { warning_threshold = 0.75, critical_threshold = 0.90 }
  monitor = rk.QueueMonitor.default()
  T.eq(string.format("%.1f%%", monitor:utilization { depth = 800, capacity = 1000 } * 100),
       "80.0%")
  T.eq(monitor:check_health { depth = 800, capacity = 1000 }, rk.QueueHealth.Warning)
  T.eq(rk.QueueTier.Small.capacity, 256)
  T.eq(rk.QueueTier.Medium.capacity, 1024)
  T.eq(rk.QueueTier.Large.capacity, 4096)
  T.eq(rk.QueueTier.ExtraLarge.capacity, 16384)
  local tier = rk.QueueTier.for_throughput { messages_per_second = 10000, headroom_ms = 100 }
  T.eq(tostring(tier), "QueueTier.Medium")
  T.eq(rk.QueueTier.Medium:upgrade(), rk.QueueTier.Large)
  T.eq(rk.QueueTier.Large:downgrade(), rk.QueueTier.Medium)
  local suggested = monitor:suggest_upgrade { depth = 900, capacity = 1000,
                                              current_tier = rk.QueueTier.Medium }
  T.eq(suggested, rk.QueueTier.Large)
end)

T.case("CUDA Support (the device part runs only with a GPU)", function()
  local cuda = rk.cuda
  if rk.is_cuda_available() then
    T.truthy(cuda.cuda_device_count() >= 1, "devices")
    for _, info in ipairs(cuda.enumerate_devices()) do
      T.eq(type(info.name), "string")
      T.eq(type(info.supports_persistent), "boolean")
    end
    local device = cuda.PyCudaDevice { ordinal = 0 }
    T.truthy(device:total_memory_mb() > 0, "memory")
    device:synchronize()
  end
  local config = cuda.PyGpuPoolConfig.for_graph_analytics()
  config = cuda.PyGpuPoolConfig.for_simulation()
  config = cuda.PyGpuPoolConfig.minimal()
  T.eq(config.track_allocations, true)
  T.eq(config.max_pool_bytes, 67108864)
  local stream_config = cuda.PyStreamConfig.performance()
  stream_config = cuda.PyStreamConfig.minimal()
  stream_config = cuda.PyStreamConfig.for_simulation()
  T.eq(stream_config.num_compute_streams, 2)
  T.eq(stream_config.use_transfer_stream, true)
  T.eq(stream_config.enable_graph_capture, false)
end)

T.case("Benchmarking", function()
  local B = rk.benchmark
  local config = B.PyBenchmarkConfig.quick()
  config = B.PyBenchmarkConfig.comprehensive()
  config = B.PyBenchmarkConfig.ci()
  config = B.PyBenchmarkConfig { warmup_iterations = 5, measurement_iterations = 10,
                                 regression_threshold = 0.10 }
  config = B.PyBenchmarkConfig.quick():with_warmup(3):with_measurements(10)
             :with_sizes({ 1000, 10000, 100000 }):with_regression_threshold(0.15)
             :with_timeout_secs(30.0)
  local suite = B.PyBenchmarkSuite(config)
  local result = B.PyBenchmarkResult { workload_id = "matrix_multiply", size = 1000,
                                       total_time_secs = 0.5 }
  T.eq(result.throughput_ops, 2000)
  T.eq(result:total_time_ms(), 500)
  result = B.PyBenchmarkResult.from_measurements {
    workload_id = "matrix_multiply", size = 1000,
    measurement_times_secs = { 0.48, 0.52, 0.49, 0.51, 0.50 },
    iterations = 100, converged = true }
  T.truthy(result:throughput_stddev() > 0, "stddev")
  result = result:with_metric("memory_mb", 256.5)
  T.eq(result:custom_metrics().memory_mb, 256.5)
  suite:add_result(result)
  T.truthy(#suite:generate_markdown_report() > 0, "markdown")
  T.truthy(#suite:generate_json_export() > 0, "json")
  T.truthy(#suite:generate_latex_table() > 0, "latex")
  local baseline = suite:create_baseline("v1.0.0")
  T.eq(baseline.version, "v1.0.0")
  T.eq(#baseline, 1)
  suite:set_baseline(baseline)
  local report = suite:compare_to_baseline()
  T.eq(report.regression_count, 0)
  T.eq(report.improvement_count, 0)
  T.eq(report.unchanged_count, 1)
  T.eq(report:has_regressions(), false)
  T.eq(report:worst_regression(), nil)
  T.eq(report:best_improvement(), nil)
  local stats = B.PyDetailedStatistics.from_values({ 0.48, 0.52, 0.49, 0.51, 0.50 })
  T.near(stats.mean, 0.5, 1e-12)
  T.eq(stats.median, 0.5)
  local ci = B.PyConfidenceInterval.from_values({ 0.48, 0.52, 0.49, 0.51, 0.50 })
  T.truthy(ci.lower < 0.5 and ci.upper > 0.5 and ci:width() > 0, "interval")
  local scaling = B.PyScalingMetrics.from_sizes_and_throughputs {
    sizes = { 1000, 10000, 100000 }, throughputs = { 1e6, 8e6, 50e6 } }
  T.eq(scaling:scaling_quality(), "Good")
end)

T.done()
