"""Benchmark results, statistics, baselines and regression reports (spec section 11).

Statistics, comparisons and the Markdown/JSON/LaTeX writers are computed by the C
runtime, so Lua scripts get the same numbers and the same reports.
"""

from ringkernel._enums import PyRegressionStatus
from ringkernel._ringkernel import (
    BenchmarkError,
    PyBenchmarkBaseline,
    PyBenchmarkConfig,
    PyBenchmarkResult,
    PyBenchmarkSuite,
    PyConfidenceInterval,
    PyDetailedStatistics,
    PyRegressionEntry,
    PyRegressionReport,
    PyScalingMetrics,
)

__all__ = [
    "PyBenchmarkConfig",
    "PyBenchmarkSuite",
    "PyBenchmarkResult",
    "PyBenchmarkBaseline",
    "PyRegressionReport",
    "PyRegressionEntry",
    "PyRegressionStatus",
    "PyConfidenceInterval",
    "PyDetailedStatistics",
    "PyScalingMetrics",
    "BenchmarkError",
]
