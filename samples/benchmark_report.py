"""Benchmark report: measure request round trips through an echo actor on the best
backend present, summarise them with the statistics of ringkernel.benchmark, export the
report (Markdown, JSON, LaTeX), and detect a regression against a baseline.

Numbers printed here are for reading, never checked: only the statistics and the
regression logic are (on values whose answers are known).

Run: rkhost samples/benchmark_report.py
"""
import json
import time

import ringkernel as rk
from ringkernel.benchmark import (PyBenchmarkConfig, PyBenchmarkResult, PyBenchmarkSuite,
                                  PyConfidenceInterval, PyDetailedStatistics,
                                  PyRegressionStatus, PyScalingMetrics)


def check(cond, what):
    if not cond:
        raise SystemExit(f"benchmark_report: FAILED: {what}")


# ---- statistics on known values -------------------------------------------------------
stats = PyDetailedStatistics.from_values([0.48, 0.52, 0.49, 0.51, 0.50])
check(stats.count == 5 and abs(stats.mean - 0.5) < 1e-12, "mean")
check(abs(stats.median - 0.5) < 1e-12 and stats.min == 0.48 and stats.max == 0.52, "order")
check(abs(stats.std_dev - 0.015811388300841896) < 1e-12, f"sample std_dev {stats.std_dev}")
ci = PyConfidenceInterval.from_values([0.48, 0.52, 0.49, 0.51, 0.50])
# t(0.975, 4) = 2.7764451: half width = 2.7764451 x 0.0158114 / sqrt(5) = 0.0196324
check(abs(ci.width() - 2 * 0.019632) < 1e-5, f"95% CI width {ci.width()}")
scaling = PyScalingMetrics.from_sizes_and_throughputs(sizes=[1000, 10000, 100000],
                                                      throughputs=[1e6, 8e6, 50e6])
check(abs(scaling.exponent - 0.8495) < 1e-3 and abs(scaling.r_squared - 0.9987) < 1e-3,
      f"scaling {scaling.exponent}, {scaling.r_squared}")
check(scaling.scaling_quality() == "Good", scaling.scaling_quality())
print(f"statistics: mean {stats.mean:.3f}, sd {stats.std_dev:.4f}, "
      f"95% CI [{ci.lower:.4f}, {ci.upper:.4f}], scaling exponent {scaling.exponent:.4f}")

# ---- a real measurement ---------------------------------------------------------------
config = PyBenchmarkConfig.quick().with_sizes([200, 1000])
suite = PyBenchmarkSuite(config)
payload = bytes(64)
with rk.RingKernel.create_sync(backend="auto") as runtime:
    echo = runtime.launch_sync("echo")
    header = rk.MessageHeader.new(type_id=1, source_kernel=0, dest_kernel=0,
                                  payload_size=len(payload), timestamp=rk.HlcTimestamp.now(1))
    request = rk.MessageEnvelope.from_bytes(header, payload)

    def round_trips(n):
        start = time.perf_counter()
        for _ in range(n):
            reply = echo.request_sync(request, 5.0)
            check(reply.payload == payload, "echo returns the payload")
        return time.perf_counter() - start

    for size in (200, 1000):
        for _ in range(config.warmup_iterations):
            round_trips(size)
        times = [round_trips(size) for _ in range(config.measurement_iterations)]
        result = PyBenchmarkResult.from_measurements(workload_id="echo_request", size=size,
                                                     measurement_times_secs=times)
        suite.add_result(result.with_metric("backend_is_cuda",
                                            float(runtime.backend == rk.Backend.Cuda)))
        per_msg_us = 1e6 * min(times) / size
        print(f"{runtime.backend.name} echo request x{size}: {result.throughput_ops:,.0f} req/s "
              f"(best {per_msg_us:.2f} us per round trip)")
check(len(suite) == 2 and not suite.is_empty(), "two results in the suite")

markdown = suite.generate_markdown_report()
check("echo_request" in markdown and "1,000" in markdown, "markdown table")
exported = json.loads(suite.generate_json_export())
check("echo_request" in json.dumps(exported), "JSON export holds the results")
latex = suite.generate_latex_table()
check("\\toprule" in latex and "echo\\_request" in latex, "booktabs table, escaped id")
print(markdown)

# ---- regression detection on known numbers ---------------------------------------------
before = PyBenchmarkSuite(PyBenchmarkConfig.ci())
before.add_result(PyBenchmarkResult(workload_id="parse", size=1000, total_time_secs=1.0))
before.add_result(PyBenchmarkResult(workload_id="route", size=1000, total_time_secs=1.0))
baseline = before.create_baseline("v1.0.0")
check(baseline.version == "v1.0.0" and len(baseline) == 2, "baseline")

after = PyBenchmarkSuite(PyBenchmarkConfig.ci())
after.add_result(PyBenchmarkResult(workload_id="parse", size=1000, total_time_secs=2.0))
after.add_result(PyBenchmarkResult(workload_id="route", size=1000, total_time_secs=0.5))
after.set_baseline(baseline)
report = after.compare_to_baseline()
check(report.regression_count == 1 and report.improvement_count == 1, "one of each")
worst, best = report.worst_regression(), report.best_improvement()
check(worst.workload_id == "parse" and abs(worst.percent_change + 0.5) < 1e-12,
      "parse halved its throughput: -50%")
check(worst.status == PyRegressionStatus.Regressed and worst.status.symbol() == "-", "status")
check(best.workload_id == "route" and abs(best.percent_change - 1.0) < 1e-12, "route: +100%")
check(report.has_regressions(), "has_regressions")
print(f"against {baseline.version}: {report.summary()}")
print(f"worst: {worst.workload_id} ({worst.percent_change:+.1%}), "
      f"best: {best.workload_id} ({best.percent_change:+.1%})")
print("benchmark_report: all checks passed")
