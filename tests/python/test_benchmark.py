"""ringkernel.benchmark (spec section 11): configs, results, statistics, suites,
baselines, regression reports and the three report writers."""

import json
import math
import statistics
import sys

import pytest

from ringkernel.benchmark import (
    PyBenchmarkBaseline,
    PyBenchmarkConfig,
    PyBenchmarkResult,
    PyBenchmarkSuite,
    PyConfidenceInterval,
    PyDetailedStatistics,
    PyRegressionEntry,
    PyRegressionReport,
    PyRegressionStatus,
    PyScalingMetrics,
)

TIMES = [0.48, 0.52, 0.49, 0.51, 0.50]


# ---- configuration -----------------------------------------------------------------


def test_config_defaults():
    c = PyBenchmarkConfig()
    assert (c.warmup_iterations, c.measurement_iterations, c.regression_threshold) == (5, 10, 0.10)
    c = PyBenchmarkConfig(warmup_iterations=5, measurement_iterations=10,
                          regression_threshold=0.10)
    assert (c.warmup_iterations, c.measurement_iterations, c.regression_threshold) == (5, 10, 0.10)


@pytest.mark.parametrize(
    "preset, expected",
    [("quick", (1, 3, [10000, 50000], 0.15, 30.0)),
     ("comprehensive", (5, 10, [10000, 25000, 50000, 75000, 100000, 150000], 0.05, 300.0)),
     ("ci", (2, 5, [10000, 50000], 0.10, 120.0))],
)
def test_config_presets(preset, expected):
    c = getattr(PyBenchmarkConfig, preset)()
    assert (c.warmup_iterations, c.measurement_iterations, c.sizes, c.regression_threshold,
            c.timeout_secs) == expected


def test_config_builders_return_new_objects():
    base = PyBenchmarkConfig.quick()
    c = (base.with_warmup(3).with_measurements(10).with_sizes([1000, 10000, 100000])
         .with_regression_threshold(0.15).with_timeout_secs(30.0))
    assert (c.warmup_iterations, c.measurement_iterations, c.sizes, c.regression_threshold,
            c.timeout_secs) == (3, 10, [1000, 10000, 100000], 0.15, 30.0)
    assert (base.warmup_iterations, base.measurement_iterations, base.sizes) == (
        1, 3, [10000, 50000])
    assert c is not base
    assert repr(c) == ("PyBenchmarkConfig(warmup=3, measurements=10, threshold=0.15, "
                       "sizes=[1000, 10000, 100000], timeout_secs=30.0)")


def test_config_validation():
    with pytest.raises(ValueError) as exc:
        PyBenchmarkConfig(measurement_iterations=0)
    assert "measurement_iterations 0" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        PyBenchmarkConfig.quick().with_regression_threshold(-0.1)
    assert "regression_threshold" in str(exc.value)
    with pytest.raises(ValueError):
        PyBenchmarkConfig.quick().with_regression_threshold(math.nan)
    with pytest.raises(ValueError) as exc:
        PyBenchmarkConfig.quick().with_timeout_secs(0)
    assert "timeout_secs" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        PyBenchmarkConfig.quick().with_sizes(list(range(65)))
    assert "at most 64" in str(exc.value)
    with pytest.raises(ValueError):
        PyBenchmarkConfig.quick().with_warmup(-1)
    with pytest.raises(TypeError):
        PyBenchmarkConfig.quick().with_sizes(5)
    assert PyBenchmarkConfig.quick().with_sizes([]).sizes == []


# ---- results -----------------------------------------------------------------------


def test_single_run_result():
    r = PyBenchmarkResult(workload_id="matrix_multiply", size=1000, total_time_secs=0.5)
    assert (r.workload_id, r.size, r.total_time_secs) == ("matrix_multiply", 1000, 0.5)
    assert r.throughput_ops == 2000.0
    assert r.throughput_mops() == 0.002
    assert r.total_time_ms() == 500.0
    assert r.throughput_stddev() == 0.0
    assert (r.iterations, r.converged) == (None, None)
    assert r.measurement_times_secs == [0.5]
    assert r.custom_metrics() == {}
    assert repr(r) == ("PyBenchmarkResult(workload_id='matrix_multiply', size=1000, "
                       "total_time_secs=0.5, throughput_ops=2000.0)")


def test_result_from_measurements():
    r = PyBenchmarkResult.from_measurements(
        workload_id="matrix_multiply", size=1000, measurement_times_secs=TIMES,
        iterations=100, converged=True)
    mean = statistics.mean(TIMES)
    assert r.total_time_secs == pytest.approx(mean, rel=1e-15)
    assert r.throughput_ops == pytest.approx(1000 * 100 / mean, rel=1e-12)
    assert (r.iterations, r.converged) == (100, True)
    assert r.measurement_times_secs == TIMES
    expected_sd = statistics.stdev([1000 * 100 / t for t in TIMES])
    assert r.throughput_stddev() == pytest.approx(expected_sd, rel=1e-12)
    plain = PyBenchmarkResult.from_measurements("w", 1000, TIMES)
    assert plain.throughput_ops == pytest.approx(1000 / mean, rel=1e-12)
    assert (plain.iterations, plain.converged) == (None, None)
    assert PyBenchmarkResult.from_measurements("w", 10, (1.0,), converged=False).converged is False


def test_result_errors():
    with pytest.raises(ValueError):
        PyBenchmarkResult("w", 10, 0.0)
    with pytest.raises(ValueError):
        PyBenchmarkResult("w", 10, -1.0)
    with pytest.raises(ValueError):
        PyBenchmarkResult("w", 10, math.inf)
    with pytest.raises(TypeError):
        PyBenchmarkResult(7, 10, 1.0)
    with pytest.raises(ValueError):
        PyBenchmarkResult("a\0b", 10, 1.0)
    with pytest.raises(ValueError) as exc:
        PyBenchmarkResult.from_measurements("w", 10, [])
    assert "empty" in str(exc.value)
    with pytest.raises(ValueError):
        PyBenchmarkResult.from_measurements("w", 10, [0.1, 0.0])
    with pytest.raises(ValueError):
        PyBenchmarkResult.from_measurements("w", 10, [0.1], iterations=0)
    with pytest.raises(TypeError):
        PyBenchmarkResult.from_measurements("w", 10, [0.1, "x"])
    with pytest.raises(TypeError):
        PyBenchmarkResult.from_measurements("w", 10, 0.1)


def test_with_metric_returns_a_new_result():
    r = PyBenchmarkResult("w", 1000, 0.5)
    r2 = r.with_metric("memory_mb", 256.5).with_metric("gpu_util", 0.75)
    assert r.custom_metrics() == {}
    assert r2.custom_metrics() == {"memory_mb": 256.5, "gpu_util": 0.75}
    assert list(r2.custom_metrics()) == ["memory_mb", "gpu_util"]
    r3 = r2.with_metric("memory_mb", 300)
    assert r3.custom_metrics() == {"memory_mb": 300.0, "gpu_util": 0.75}
    assert r3.throughput_ops == r.throughput_ops
    with pytest.raises(TypeError):
        r.with_metric("k", "v")


# ---- statistics --------------------------------------------------------------------


def test_detailed_statistics():
    s = PyDetailedStatistics.from_values(TIMES)
    assert s.count == 5
    assert s.mean == pytest.approx(0.5, rel=1e-15)
    assert s.std_dev == pytest.approx(statistics.stdev(TIMES), rel=1e-12)
    assert (s.min, s.max, s.median) == (0.48, 0.52, 0.50)
    # nearest rank: sorted[round(p / 100 * (n - 1))]
    assert (s.p5, s.p25, s.p75, s.p95, s.p99) == (0.48, 0.49, 0.51, 0.52, 0.52)
    assert s.iqr() == pytest.approx(0.02, rel=1e-9)
    assert s.coefficient_of_variation() == pytest.approx(statistics.stdev(TIMES) / 0.5)


def test_percentiles_nearest_rank_on_1_to_100():
    s = PyDetailedStatistics.from_values(range(100, 0, -1))
    # round(p/100 * 99): p5 -> 5, p25 -> 25, p75 -> 74, p95 -> 94, p99 -> 98
    assert (s.p5, s.p25, s.p75, s.p95, s.p99) == (6, 26, 75, 95, 99)
    assert (s.min, s.max, s.count) == (1, 100, 100)


def test_statistics_edge_cases():
    one = PyDetailedStatistics.from_values([3.0])
    assert (one.count, one.mean, one.std_dev, one.median) == (1, 3.0, 0.0, 3.0)
    empty = PyDetailedStatistics.from_values([])
    assert (empty.count, empty.mean) == (0, 0.0)
    with pytest.raises(ValueError):
        PyDetailedStatistics.from_values([1.0, math.nan])
    with pytest.raises(TypeError):
        PyDetailedStatistics.from_values([1.0, None])
    with pytest.raises(TypeError):
        PyDetailedStatistics()


def test_confidence_interval_uses_student_t():
    ci = PyConfidenceInterval.from_values(TIMES)
    t_975_4 = 2.7764451051977987  # Student t, 97.5% quantile, 4 degrees of freedom
    margin = t_975_4 * statistics.stdev(TIMES) / math.sqrt(5)
    assert ci.confidence == 0.95
    assert ci.count == 5
    assert ci.mean == pytest.approx(0.5, rel=1e-15)
    assert ci.margin == pytest.approx(margin, rel=1e-6)
    assert ci.lower == pytest.approx(0.5 - margin, rel=1e-6)
    assert ci.upper == pytest.approx(0.5 + margin, rel=1e-6)
    assert ci.width() == pytest.approx(2 * margin, rel=1e-6)
    assert ci.contains(0.5) and not ci.contains(0.6)
    ci99 = PyConfidenceInterval.from_values(TIMES, confidence=0.99)
    t_995_4 = 4.604094871415897
    assert ci99.margin == pytest.approx(t_995_4 * statistics.stdev(TIMES) / math.sqrt(5),
                                        rel=1e-6)


def test_confidence_interval_edge_cases():
    one = PyConfidenceInterval.from_values([2.0])
    assert (one.lower, one.upper, one.width()) == (2.0, 2.0, 0.0)
    for bad in (0.0, 1.0, 1.5, math.nan):
        with pytest.raises(ValueError):
            PyConfidenceInterval.from_values(TIMES, confidence=bad)


def test_scaling_metrics_example_from_spec():
    s = PyScalingMetrics.from_sizes_and_throughputs(sizes=[1000, 10000, 100000],
                                                    throughputs=[1e6, 8e6, 50e6])
    assert s.exponent == pytest.approx(0.8495, abs=5e-5)
    assert s.r_squared == pytest.approx(0.9987, abs=5e-5)
    assert s.count == 3
    assert s.scaling_quality() == "Good"


@pytest.mark.parametrize(
    "throughputs, quality",
    [([1e3, 1e4, 1e5], "Excellent"), ([1e3, 10**3.6, 10**4.2], "Fair"),
     ([1e3, 10**3.3, 10**3.6], "Sub-linear"), ([1e3, 1e5, 1e3], "Poor")],
)
def test_scaling_quality_bands(throughputs, quality):
    s = PyScalingMetrics.from_sizes_and_throughputs([1e2, 1e3, 1e4], throughputs)
    assert s.scaling_quality() == quality


def test_scaling_errors():
    with pytest.raises(ValueError) as exc:
        PyScalingMetrics.from_sizes_and_throughputs([1, 2, 3], [1, 2])
    assert "3" in str(exc.value) and "2" in str(exc.value)
    with pytest.raises(ValueError):
        PyScalingMetrics.from_sizes_and_throughputs([10], [10])
    with pytest.raises(ValueError):
        PyScalingMetrics.from_sizes_and_throughputs([10, 0], [10, 20])
    with pytest.raises(ValueError):
        PyScalingMetrics.from_sizes_and_throughputs([10, 10], [10, 20])


# ---- suite, baselines, regression reports ------------------------------------------


def make_suite(threshold=0.10):
    suite = PyBenchmarkSuite(PyBenchmarkConfig(regression_threshold=threshold))
    for wid, secs in (("slow", 1.0), ("fast", 1.0), ("same", 1.0)):
        suite.add_result(PyBenchmarkResult(wid, 1000, secs))
    return suite


def test_suite_results():
    suite = PyBenchmarkSuite(PyBenchmarkConfig.quick())
    assert suite.is_empty() and len(suite) == 0
    assert suite.config.measurement_iterations == 3
    r = PyBenchmarkResult("w", 1000, 0.5)
    suite.add_result(r)
    suite.add_result(r.with_metric("k", 1.0))
    assert len(suite) == 2 and not suite.is_empty()
    got = suite.results()
    assert [x.workload_id for x in got] == ["w", "w"]
    assert got[1].custom_metrics() == {"k": 1.0}
    suite.clear_results()
    assert len(suite) == 0 and suite.results() == []
    with pytest.raises(TypeError):
        suite.add_result("w")
    assert PyBenchmarkSuite().config.measurement_iterations == 10


def test_baseline():
    suite = make_suite()
    baseline = suite.create_baseline("v1.0.0")
    assert isinstance(baseline, PyBenchmarkBaseline)
    assert baseline.version == "v1.0.0"
    assert len(baseline) == 3 and not baseline.is_empty()
    assert baseline.get("slow", 1000).throughput_ops == 1000.0
    assert baseline.get("slow", 999) is None
    assert baseline.get("missing", 1000) is None
    assert [r.workload_id for r in baseline.results()] == ["slow", "fast", "same"]
    suite.clear_results()
    assert len(baseline) == 3  # a copy, not a view
    assert PyBenchmarkSuite().create_baseline("empty").is_empty()
    with pytest.raises(TypeError):
        PyBenchmarkBaseline()


def test_compare_without_baseline_is_none():
    assert make_suite().compare_to_baseline() is None


def test_regression_detection():
    suite = make_suite(threshold=0.10)
    suite.set_baseline(suite.create_baseline("v1.0.0"))
    suite.clear_results()
    suite.add_result(PyBenchmarkResult("slow", 1000, 1.25))  # 800 ops/s: -20%
    suite.add_result(PyBenchmarkResult("fast", 1000, 0.8))  # 1250 ops/s: +25%
    suite.add_result(PyBenchmarkResult("same", 1000, 1.0 / 1.05))  # +5%
    suite.add_result(PyBenchmarkResult("new", 1000, 1.0))  # no baseline entry
    report = suite.compare_to_baseline()
    assert isinstance(report, PyRegressionReport)
    assert (report.regression_count, report.improvement_count, report.unchanged_count) == (
        1, 1, 1)
    assert report.has_regressions()
    assert report.baseline_version == "v1.0.0"
    assert report.threshold == 0.10
    assert report.summary() == (
        "Baseline v1.0.0: 1 regressed, 1 improved, 1 unchanged (threshold 10.0%)")
    entries = report.entries()
    assert [e.workload_id for e in entries] == ["slow", "fast", "same"]
    slow, fast, same = entries
    assert isinstance(slow, PyRegressionEntry)
    assert (slow.size, slow.baseline_throughput, slow.current_throughput) == (1000, 1000.0, 800.0)
    assert slow.percent_change == pytest.approx(-0.2)
    assert slow.status is PyRegressionStatus.Regressed
    assert fast.percent_change == pytest.approx(0.25)
    assert fast.status is PyRegressionStatus.Improved
    assert same.status is PyRegressionStatus.Unchanged
    worst, best = report.worst_regression(), report.best_improvement()
    assert (worst.workload_id, best.workload_id) == ("slow", "fast")
    assert f"{worst.percent_change:+.1%}" == "-20.0%"
    assert [s.symbol() for s in PyRegressionStatus] == ["+", "=", "-"]
    assert [s.text() for s in PyRegressionStatus] == ["IMPROVED", "UNCHANGED", "REGRESSED"]


def test_report_without_regressions():
    suite = make_suite()
    suite.set_baseline(suite.create_baseline("v2"))
    report = suite.compare_to_baseline()
    assert not report.has_regressions()
    assert report.worst_regression() is None
    assert report.best_improvement() is None
    assert report.unchanged_count == 3
    suite.set_baseline(None)
    assert suite.compare_to_baseline() is None
    with pytest.raises(TypeError):
        suite.set_baseline("v2")


def test_worst_and_best_pick_the_extremes():
    suite = PyBenchmarkSuite(PyBenchmarkConfig(regression_threshold=0.05))
    for wid in "abcd":
        suite.add_result(PyBenchmarkResult(wid, 100, 1.0))
    suite.set_baseline(suite.create_baseline("b"))
    suite.clear_results()
    for wid, secs in (("a", 2.0), ("b", 1.25), ("c", 0.5), ("d", 0.8)):
        suite.add_result(PyBenchmarkResult(wid, 100, secs))
    report = suite.compare_to_baseline()
    assert report.worst_regression().workload_id == "a"
    assert report.best_improvement().workload_id == "c"


# ---- report writers ----------------------------------------------------------------


def test_markdown_report():
    suite = PyBenchmarkSuite(PyBenchmarkConfig.ci())
    suite.add_result(PyBenchmarkResult("matrix_multiply", 1000, 0.5))
    suite.add_result(PyBenchmarkResult("big|pipe", 1_000_000, 2.0).with_metric("memory_mb", 256.5))
    md = suite.generate_markdown_report()
    assert md.startswith("# Benchmark Report\n")
    assert " UTC" in md
    assert "| Workload | Size |" in md
    assert "| matrix_multiply | 1,000 | 500.000 | 2,000 |" in md
    assert "| big\\|pipe | 1,000,000 |" in md
    assert "memory_mb" in md
    assert "Regression" not in md
    suite.set_baseline(suite.create_baseline("v1.0.0"))
    md = suite.generate_markdown_report()
    assert "## Regression analysis" in md
    assert "Baseline v1.0.0: 0 regressed, 0 improved, 2 unchanged (threshold 10.0%)" in md


def test_json_export():
    suite = PyBenchmarkSuite(PyBenchmarkConfig.quick())
    result = PyBenchmarkResult.from_measurements('quote"and\\slash', 1000, TIMES, iterations=100,
                                                 converged=True).with_metric("memory_mb", 256.5)
    suite.add_result(result)
    data = json.loads(suite.generate_json_export())
    assert data["config"]["measurement_iterations"] == 3
    assert data["config"]["sizes"] == [10000, 50000]
    assert data["baseline_version"] is None and data["regression"] is None
    (r,) = data["results"]
    assert r["workload_id"] == 'quote"and\\slash'
    assert r["size"] == 1000
    assert r["throughput_ops"] == pytest.approx(result.throughput_ops)
    assert (r["iterations"], r["converged"]) == (100, True)
    assert r["measurements_secs"] == TIMES
    assert r["statistics"]["count"] == 5
    assert r["statistics"]["p95"] == 0.52
    assert r["statistics"]["std_dev"] == pytest.approx(statistics.stdev(TIMES))
    ci = PyConfidenceInterval.from_values(TIMES)
    assert r["confidence_interval"]["lower"] == pytest.approx(ci.lower)
    assert r["confidence_interval"]["confidence"] == 0.95
    assert r["custom_metrics"] == {"memory_mb": 256.5}
    suite.set_baseline(suite.create_baseline("v1"))
    data = json.loads(suite.generate_json_export())
    assert data["baseline_version"] == "v1"
    assert data["regression"]["unchanged"] == 1
    assert data["regression"]["entries"][0]["status"] == "UNCHANGED"


def test_json_export_of_empty_suite_and_nan_metric():
    suite = PyBenchmarkSuite()
    assert json.loads(suite.generate_json_export())["results"] == []
    suite.add_result(PyBenchmarkResult("w", 1, 1.0).with_metric("bad", math.nan))
    data = json.loads(suite.generate_json_export())
    assert data["results"][0]["custom_metrics"] == {"bad": None}


def test_latex_table():
    suite = PyBenchmarkSuite()
    suite.add_result(PyBenchmarkResult("matrix_multiply", 1000, 0.5))
    suite.add_result(PyBenchmarkResult("a&b%c$d#e{f}g~h^i\\j", 25, 1.0))
    tex = suite.generate_latex_table()
    assert "\\usepackage{booktabs}" in tex
    for cmd in ("\\begin{table}", "\\begin{tabular}", "\\toprule", "\\midrule", "\\bottomrule",
                "\\end{tabular}", "\\end{table}"):
        assert cmd in tex
    assert "Time (ms)" in tex and "Throughput (Mops/s)" in tex
    assert "matrix\\_multiply & 1{,}000 & 500.000 & 0.002 &" in tex
    assert ("a\\&b\\%c\\$d\\#e\\{f\\}g\\textasciitilde{}h\\textasciicircum{}i"
            "\\textbackslash{}j") in tex


def test_readme_benchmark_section_flow():
    config = (PyBenchmarkConfig.quick().with_warmup(3).with_measurements(10)
              .with_sizes([1000, 10000, 100000]).with_regression_threshold(0.15)
              .with_timeout_secs(30.0))
    suite = PyBenchmarkSuite(config)
    result = PyBenchmarkResult.from_measurements(
        workload_id="matrix_multiply", size=1000,
        measurement_times_secs=[0.48, 0.52, 0.49, 0.51, 0.50], iterations=100, converged=True)
    result = result.with_metric("memory_mb", 256.5)
    suite.add_result(result)
    baseline = suite.create_baseline("v1.0.0")
    assert (baseline.version, len(baseline)) == ("v1.0.0", 1)
    suite.set_baseline(baseline)
    report = suite.compare_to_baseline()
    assert report
    assert (report.regression_count, report.improvement_count, report.unchanged_count) == (
        0, 0, 1)
    assert report.summary() == (
        "Baseline v1.0.0: 0 regressed, 0 improved, 1 unchanged (threshold 15.0%)")


def test_no_leaked_objects_or_references():
    types = (PyBenchmarkConfig, PyBenchmarkResult, PyBenchmarkSuite, PyBenchmarkBaseline,
             PyRegressionReport, PyRegressionEntry, PyDetailedStatistics, PyConfidenceInterval,
             PyScalingMetrics)
    values = [0.1, 0.2, 0.3]
    before, values_refs = [sys.getrefcount(t) for t in types], sys.getrefcount(values)
    for _ in range(300):
        suite = PyBenchmarkSuite(PyBenchmarkConfig.quick().with_sizes([1, 2]))
        r = PyBenchmarkResult.from_measurements("w", 10, values, iterations=2).with_metric("m", 1)
        suite.add_result(r)
        suite.set_baseline(suite.create_baseline("v"))
        report = suite.compare_to_baseline()
        report.entries(), report.worst_regression(), repr(report), suite.results()
        suite.generate_markdown_report(), suite.generate_json_export(), suite.generate_latex_table()
        PyDetailedStatistics.from_values(values), PyConfidenceInterval.from_values(values)
        PyScalingMetrics.from_sizes_and_throughputs([1, 2], values[:2]), r.custom_metrics()
        try:
            PyScalingMetrics.from_sizes_and_throughputs([1, 2], values)
        except ValueError:
            pass
    del suite, r, report
    assert [sys.getrefcount(t) for t in types] == before
    assert sys.getrefcount(values) == values_refs
