"""Queue monitoring (spec section 9): QueueStats, QueueMonitor, QueueMetrics, tiers."""

import math
import sys

import pytest

from ringkernel.queue import (
    QueueHealth,
    QueueMetrics,
    QueueMonitor,
    QueueStats,
    QueueTier,
)


def test_monitor_defaults_and_repr():
    m = QueueMonitor()
    assert m.warning_threshold == 0.75
    assert m.critical_threshold == 0.90
    assert repr(m) == "QueueMonitor(warning=75%, critical=90%)"
    d = QueueMonitor.default()
    assert (d.warning_threshold, d.critical_threshold) == (0.75, 0.90)
    assert repr(QueueMonitor(0.5, 0.8)) == "QueueMonitor(warning=50%, critical=80%)"
    assert repr(QueueMonitor(warning_threshold=0.125, critical_threshold=1.0)) == (
        "QueueMonitor(warning=12.5%, critical=100%)"
    )


@pytest.mark.parametrize(
    "warning, critical",
    [(0.9, 0.75), (0.8, 0.8), (0.0, 0.5), (0.5, 1.5), (-0.1, 0.5), (math.nan, 0.9),
     (0.75, math.nan), (0.5, math.inf)],
)
def test_monitor_rejects_bad_thresholds(warning, critical):
    with pytest.raises(ValueError) as exc:
        QueueMonitor(warning, critical)
    assert "warning" in str(exc.value) or "critical" in str(exc.value)


def test_monitor_rejects_non_numbers():
    with pytest.raises(TypeError):
        QueueMonitor("0.75")
    with pytest.raises(TypeError):
        QueueMonitor(critical_threshold=None)


def test_utilization():
    m = QueueMonitor.default()
    assert m.utilization(depth=800, capacity=1000) == 0.8
    assert m.utilization(0, 1000) == 0.0
    assert m.utilization(1000, 1000) == 1.0
    assert m.utilization(5, 0) == 0.0


@pytest.mark.parametrize(
    "depth, health",
    [(0, QueueHealth.Healthy), (749, QueueHealth.Healthy), (750, QueueHealth.Warning),
     (800, QueueHealth.Warning), (899, QueueHealth.Warning), (900, QueueHealth.Critical),
     (1000, QueueHealth.Critical), (5000, QueueHealth.Critical)],
)
def test_check_health_is_inclusive(depth, health):
    got = QueueMonitor().check_health(depth=depth, capacity=1000)
    assert got is health
    assert isinstance(got, QueueHealth)


def test_check_health_zero_capacity_is_healthy():
    assert QueueMonitor().check_health(10, 0) is QueueHealth.Healthy


def test_suggest_upgrade():
    m = QueueMonitor(warning_threshold=0.75, critical_threshold=0.90)
    assert m.suggest_upgrade(depth=900, capacity=1000, current_tier=QueueTier.Medium) is (
        QueueTier.Large
    )
    assert m.suggest_upgrade(750, 1000, QueueTier.Small) is QueueTier.Medium
    assert m.suggest_upgrade(749, 1000, QueueTier.Small) is None
    assert m.suggest_upgrade(1000, 1000, QueueTier.Large) is QueueTier.ExtraLarge
    assert m.suggest_upgrade(1000, 1000, QueueTier.ExtraLarge) is None
    assert m.suggest_upgrade(900, 1000, 1024) is QueueTier.Large  # plain int value


def test_suggest_upgrade_rejects_unknown_tier():
    with pytest.raises(ValueError):
        QueueMonitor().suggest_upgrade(900, 1000, 1000)
    with pytest.raises(TypeError):
        QueueMonitor().suggest_upgrade(900, 1000, "Medium")


def test_monitor_argument_errors():
    m = QueueMonitor()
    with pytest.raises(ValueError) as exc:
        m.check_health(-1, 10)
    assert "depth" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        m.utilization(1, -10)
    assert "capacity" in str(exc.value)
    with pytest.raises(TypeError):
        m.check_health("1", 10)
    with pytest.raises(TypeError):
        m.check_health(1)


def test_queue_tier_values():
    assert [t.capacity for t in QueueTier] == [256, 1024, 4096, 16384]
    assert QueueTier.Medium.upgrade() is QueueTier.Large
    assert QueueTier.Large.downgrade() is QueueTier.Medium
    assert QueueTier.ExtraLarge.upgrade() is QueueTier.ExtraLarge
    assert QueueTier.Small.downgrade() is QueueTier.Small
    assert QueueTier.for_throughput(messages_per_second=10000, headroom_ms=100) is (
        QueueTier.Medium
    )
    assert QueueTier.for_throughput(2560) is QueueTier.Small
    assert QueueTier.for_throughput(2570) is QueueTier.Medium
    assert QueueTier.for_throughput(40960) is QueueTier.Large
    assert QueueTier.for_throughput(40970) is QueueTier.ExtraLarge


def test_stats_defaults_fields_and_formulas():
    s = QueueStats()
    assert (s.enqueued, s.dequeued, s.dropped, s.depth, s.max_depth, s.rejected) == (
        0, 0, 0, 0, 0, 0)
    assert s.utilization(100) == 0.0
    assert s.drop_rate() == 0.0
    s = QueueStats(enqueued=10, dequeued=4, dropped=2, depth=6, max_depth=8, rejected=3)
    assert (s.enqueued, s.dequeued, s.dropped, s.depth, s.max_depth, s.rejected) == (
        10, 4, 2, 6, 8, 3)
    assert s.utilization(12) == 0.5
    assert s.utilization(0) == 0.0
    assert s.drop_rate() == 2 / 12
    assert repr(s) == "QueueStats(enqueued=10, dequeued=4, dropped=2, depth=6, max_depth=8)"
    assert s == QueueStats(enqueued=10, dequeued=4, dropped=2, depth=6, max_depth=8, rejected=3)
    assert s != QueueStats(enqueued=10)
    assert hash(s) == hash(QueueStats(enqueued=10, dequeued=4, dropped=2, depth=6, max_depth=8,
                                      rejected=3))
    assert len({s, QueueStats(), QueueStats()}) == 2


def test_stats_fields_are_read_only():
    s = QueueStats(depth=3)
    with pytest.raises(AttributeError):
        s.depth = 4


def test_stats_rejects_bad_values():
    with pytest.raises(ValueError):
        QueueStats(depth=-1)
    with pytest.raises(TypeError):
        QueueStats(depth=1.5)
    with pytest.raises(TypeError):
        QueueStats(depth="3")
    with pytest.raises(ValueError):
        QueueStats(enqueued=2**64)


def test_metrics_from_monitor():
    stats = QueueStats(enqueued=1000, dequeued=100, depth=900, max_depth=900)
    m = QueueMonitor().metrics(stats, 1000)
    assert isinstance(m, QueueMetrics)
    assert m.health is QueueHealth.Critical
    assert m.utilization == 0.9
    assert m.capacity == 1000
    assert m.tier is QueueTier.Medium  # smallest tier holding 1000
    assert m.suggested_upgrade is QueueTier.Large
    assert m.stats == stats
    assert repr(m) == (
        "QueueMetrics(health=Critical, utilization=0.9, depth=900, capacity=1000, tier=Medium)"
    )


def test_metrics_healthy_queue_has_no_upgrade():
    m = QueueMonitor().metrics(QueueStats(depth=10), 4096)
    assert m.health is QueueHealth.Healthy
    assert m.tier is QueueTier.Large
    assert m.suggested_upgrade is None


def test_metrics_at_top_tier_has_no_upgrade():
    m = QueueMonitor().metrics(QueueStats(depth=16384), 16384)
    assert m.health is QueueHealth.Critical
    assert m.tier is QueueTier.ExtraLarge
    assert m.suggested_upgrade is None


def test_metrics_cannot_be_built_directly():
    with pytest.raises(TypeError):
        QueueMetrics()


def test_readme_queue_section_values():
    monitor = QueueMonitor(warning_threshold=0.75, critical_threshold=0.90)
    assert f"{monitor.utilization(depth=800, capacity=1000):.1%}" == "80.0%"
    assert monitor.check_health(depth=800, capacity=1000) == QueueHealth.Warning
    assert f"{QueueTier.for_throughput(messages_per_second=10000, headroom_ms=100)}" == "Medium"
    suggested = monitor.suggest_upgrade(depth=900, capacity=1000, current_tier=QueueTier.Medium)
    assert f"Consider upgrading to: {suggested}" == "Consider upgrading to: Large"


def test_live_kernel_queue_stats():
    import ringkernel

    runtime = ringkernel.RingKernel.create_sync(backend="cpu")
    try:
        kernel = runtime.launch_sync("stats_probe")
        if not hasattr(kernel, "input_queue_stats"):
            pytest.skip("KernelHandle.input_queue_stats not available")
        stats = kernel.input_queue_stats()
        assert isinstance(stats, QueueStats)
        assert stats.depth <= stats.max_depth or stats.max_depth == 0
        metrics = kernel.queue_metrics()
        assert isinstance(metrics, QueueMetrics)
        assert metrics.capacity >= 1
    finally:
        runtime.shutdown_sync()


def _type_refs(types):
    return [sys.getrefcount(t) for t in types]


def test_no_leaked_objects_or_references():
    # Every instance of a heap type holds a reference to its type, so a leaked instance
    # shows up as a type reference count that does not come back down.
    monitor, stats = QueueMonitor(), QueueStats(depth=900)
    types = (QueueStats, QueueMonitor, QueueMetrics, QueueTier)
    for _ in range(10):
        monitor.metrics(stats, 1000).stats
    before, stats_refs = _type_refs(types), sys.getrefcount(stats)
    for _ in range(1000):
        m = monitor.metrics(stats, 1000)
        (m.stats, m.tier, m.health, m.suggested_upgrade, repr(m), repr(monitor))
        monitor.suggest_upgrade(900, 1000, QueueTier.Medium)
        try:
            monitor.check_health(-1, 1)
        except ValueError:
            pass
    del m
    assert _type_refs(types) == before
    assert sys.getrefcount(stats) == stats_refs
