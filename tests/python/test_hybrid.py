"""Hybrid CPU/GPU dispatch (spec section 7): configs, routing, adaptive learning, stats."""

import math
import sys
import threading
import time

import pytest

from ringkernel.hybrid import HybridConfig, HybridDispatcher, HybridStats, ProcessingMode


def cfg(mode, threshold=10000, lr=0.1, gpu=True):
    return HybridConfig(mode=mode, gpu_threshold=threshold, learning_rate=lr, gpu_available=gpu)


def test_config_defaults_and_repr():
    c = HybridConfig()
    assert c.mode is ProcessingMode.CpuOnly
    assert (c.gpu_threshold, c.learning_rate, c.gpu_available) == (10000, 0.1, False)
    assert repr(c) == "HybridConfig(mode=CpuOnly, threshold=10000, gpu=false)"


@pytest.mark.parametrize(
    "preset, mode, threshold, gpu",
    [(HybridConfig.cpu_only, ProcessingMode.CpuOnly, 10000, False),
     (HybridConfig.gpu_only, ProcessingMode.GpuOnly, 0, True),
     (HybridConfig.adaptive, ProcessingMode.Adaptive, 10000, True)],
)
def test_config_presets(preset, mode, threshold, gpu):
    c = preset()
    assert c.mode is mode
    assert c.gpu_threshold == threshold
    assert c.learning_rate == 0.1
    assert c.gpu_available is gpu


def test_config_custom_and_equality():
    c = HybridConfig(mode=ProcessingMode.Hybrid, gpu_threshold=10000, learning_rate=0.1,
                     gpu_available=True)
    assert repr(c) == "HybridConfig(mode=Hybrid, threshold=10000, gpu=true)"
    assert c == cfg(ProcessingMode.Hybrid)
    assert c != cfg(ProcessingMode.Hybrid, threshold=1)
    assert HybridConfig(mode=2).mode is ProcessingMode.Hybrid
    assert hash(c) == hash(cfg(ProcessingMode.Hybrid))
    assert len({HybridConfig(), HybridConfig.cpu_only(), HybridConfig.adaptive()}) == 2


def test_config_rejects_bad_values():
    with pytest.raises(ValueError) as exc:
        HybridConfig(learning_rate=1.5)
    assert "learning_rate" in str(exc.value)
    for bad in (-0.1, math.nan, math.inf):
        with pytest.raises(ValueError):
            HybridConfig(learning_rate=bad)
    with pytest.raises(ValueError):
        HybridConfig(mode=7)
    with pytest.raises(TypeError):
        HybridConfig(mode="Hybrid")
    with pytest.raises(ValueError):
        HybridConfig(gpu_threshold=-1)


def test_config_is_read_only():
    with pytest.raises(AttributeError):
        HybridConfig().gpu_threshold = 5


def test_should_use_gpu_cpu_only():
    d = HybridDispatcher(cfg(ProcessingMode.CpuOnly, gpu=True))
    assert not d.should_use_gpu(0)
    assert not d.should_use_gpu(10**12)


def test_should_use_gpu_gpu_only_follows_availability():
    assert HybridDispatcher(HybridConfig.gpu_only()).should_use_gpu(0)
    assert HybridDispatcher(HybridConfig.gpu_only()).should_use_gpu(1)
    assert not HybridDispatcher(cfg(ProcessingMode.GpuOnly, gpu=False)).should_use_gpu(10**9)


@pytest.mark.parametrize("mode", [ProcessingMode.Hybrid, ProcessingMode.Adaptive])
def test_should_use_gpu_threshold_is_inclusive(mode):
    d = HybridDispatcher(cfg(mode, threshold=10000))
    assert not d.should_use_gpu(9999)
    assert d.should_use_gpu(10000)
    assert d.should_use_gpu(50000)
    assert not HybridDispatcher(cfg(mode, gpu=False)).should_use_gpu(50000)


def test_set_gpu_available():
    d = HybridDispatcher(cfg(ProcessingMode.Hybrid, gpu=False))
    assert not d.should_use_gpu(20000)
    d.set_gpu_available(True)
    assert d.should_use_gpu(20000)
    assert d.config().gpu_available is True


def test_adaptive_threshold_formula():
    d = HybridDispatcher(HybridConfig.adaptive())
    assert d.adaptive_threshold == 10000
    d.update_adaptive_threshold(workload_size=50000, cpu_time_ms=100.0, gpu_time_ms=10.0)
    assert d.adaptive_threshold == 13000  # int(0.9 * 10000 + 0.1 * 40000)
    d.update_adaptive_threshold(50000, 10.0, 100.0)
    assert d.adaptive_threshold == 17700  # int(0.9 * 13000 + 0.1 * 60000)
    d.update_adaptive_threshold(50000, 10.0, 10.0)  # equal: GPU not faster -> 1.2
    assert d.adaptive_threshold == int(0.9 * 17700 + 0.1 * 60000)
    assert d.stats().adaptive_threshold == d.adaptive_threshold
    assert not d.should_use_gpu(d.adaptive_threshold - 1)
    assert d.should_use_gpu(d.adaptive_threshold)


def test_adaptive_threshold_truncates_and_has_a_floor():
    d = HybridDispatcher(cfg(ProcessingMode.Adaptive, threshold=1000, lr=1.0))
    d.update_adaptive_threshold(1001, 5.0, 1.0)
    assert d.adaptive_threshold == 800  # int(1001 * 0.8) = int(800.8)
    d.update_adaptive_threshold(10, 5.0, 1.0)
    assert d.adaptive_threshold == 100
    d = HybridDispatcher(cfg(ProcessingMode.Adaptive, threshold=100, lr=0.5))
    d.update_adaptive_threshold(0, 1.0, 2.0)
    assert d.adaptive_threshold == 100


@pytest.mark.parametrize("mode", [ProcessingMode.CpuOnly, ProcessingMode.GpuOnly,
                                  ProcessingMode.Hybrid])
def test_update_is_a_no_op_outside_adaptive(mode):
    d = HybridDispatcher(cfg(mode, threshold=10000))
    d.update_adaptive_threshold(50000, 100.0, 10.0)
    assert d.adaptive_threshold == 10000
    assert d.stats().adaptive_threshold is None


def test_update_rejects_bad_times():
    d = HybridDispatcher(HybridConfig.adaptive())
    for cpu, gpu in ((-1.0, 1.0), (1.0, -1.0), (math.nan, 1.0), (1.0, math.inf)):
        with pytest.raises(ValueError):
            d.update_adaptive_threshold(100, cpu, gpu)
    with pytest.raises(ValueError):
        d.update_adaptive_threshold(-5, 1.0, 1.0)
    with pytest.raises(TypeError):
        d.update_adaptive_threshold(100, "1", 1.0)
    assert d.adaptive_threshold == 10000


def test_stats_counts_and_ratio():
    d = HybridDispatcher.with_defaults()
    s = d.stats()
    assert (s.cpu_count, s.gpu_count, s.total(), s.gpu_ratio()) == (0, 0, 0, 0.0)
    d.record_cpu_execution()
    for _ in range(3):
        d.record_gpu_execution()
    s = d.stats()
    assert (s.cpu_count, s.gpu_count, s.total()) == (1, 3, 4)
    assert s.gpu_ratio() == 0.75
    assert f"{s.gpu_ratio():.1%}" == "75.0%"
    assert repr(s) == "HybridStats(cpu=1, gpu=3, threshold=None)"


def test_stats_value_object():
    s = HybridStats(cpu_count=2, gpu_count=6, adaptive_threshold=500)
    assert (s.total(), s.gpu_ratio(), s.adaptive_threshold) == (8, 0.75, 500)
    assert HybridStats().adaptive_threshold is None


def test_with_defaults_and_config_round_trip():
    assert HybridDispatcher.with_defaults().config() == HybridConfig()
    c = cfg(ProcessingMode.Hybrid, threshold=123, lr=0.25)
    assert HybridDispatcher(c).config() == c
    assert HybridDispatcher().config() == HybridConfig()
    with pytest.raises(TypeError):
        HybridDispatcher("adaptive")


def test_dispatch_runs_the_chosen_side_and_counts():
    d = HybridDispatcher(cfg(ProcessingMode.Hybrid, threshold=100))
    assert d.dispatch(10, lambda: "cpu", lambda: "gpu") == "cpu"
    assert d.dispatch(100, lambda: "cpu", lambda: "gpu") == "gpu"
    assert d.dispatch(size=5000, cpu_fn=lambda: 1, gpu_fn=lambda: 2) == 2
    s = d.stats()
    assert (s.cpu_count, s.gpu_count) == (1, 2)


def test_dispatch_propagates_errors_without_counting():
    d = HybridDispatcher(HybridConfig.cpu_only())

    def boom():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        d.dispatch(1, boom, lambda: None)
    assert d.stats().total() == 0
    with pytest.raises(TypeError):
        d.dispatch(1, None, lambda: None)
    with pytest.raises(ValueError):
        d.dispatch(-1, lambda: None, lambda: None)


def test_dispatch_learns_the_threshold_once_both_sides_ran():
    d = HybridDispatcher(cfg(ProcessingMode.Adaptive, threshold=10000, lr=0.5))

    def slow_gpu():
        time.sleep(0.05)
        return "gpu"

    assert d.dispatch(20000, lambda: "cpu", slow_gpu) == "gpu"
    assert d.adaptive_threshold == 10000  # only one side measured yet
    assert d.dispatch(5000, lambda: "cpu", slow_gpu) == "cpu"
    # The CPU's cost per item is far below the GPU's, so the GPU is predicted slower at
    # 5000 items: target 5000 * 1.2 = 6000, new = int(0.5 * 10000 + 0.5 * 6000).
    assert d.adaptive_threshold == 8000
    assert (d.stats().cpu_count, d.stats().gpu_count) == (1, 1)


def test_dispatcher_counts_are_exact_across_threads():
    d = HybridDispatcher.with_defaults()

    def work():
        for _ in range(2000):
            d.record_cpu_execution()
            d.record_gpu_execution()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s = d.stats()
    assert (s.cpu_count, s.gpu_count) == (16000, 16000)


def test_readme_hybrid_section_values():
    config = HybridConfig(mode=ProcessingMode.Hybrid, gpu_threshold=10000, learning_rate=0.1,
                          gpu_available=True)
    dispatcher = HybridDispatcher(config)
    assert dispatcher.should_use_gpu(50000)
    dispatcher.record_gpu_execution()
    dispatcher.update_adaptive_threshold(workload_size=50000, cpu_time_ms=100.0,
                                         gpu_time_ms=10.0)
    assert dispatcher.adaptive_threshold == 10000  # Hybrid mode does not learn
    stats = dispatcher.stats()
    assert (stats.cpu_count, stats.gpu_count, stats.total()) == (0, 1, 1)
    assert f"{stats.gpu_ratio():.1%}" == "100.0%"


def test_no_leaked_objects_or_references():
    d = HybridDispatcher(HybridConfig.adaptive())
    result = object()

    def cpu():
        return result

    gpu = cpu
    d.dispatch(1, cpu, gpu)
    types = (HybridConfig, HybridDispatcher, HybridStats)
    before = [sys.getrefcount(t) for t in types]
    refs = (sys.getrefcount(cpu), sys.getrefcount(result))
    for _ in range(1000):
        assert d.dispatch(20000, cpu, gpu) is result
        d.stats(), d.config(), repr(d), repr(d.stats())
        try:
            d.dispatch(1, cpu, None)
        except TypeError:
            pass
    assert [sys.getrefcount(t) for t in types] == before
    assert (sys.getrefcount(cpu), sys.getrefcount(result)) == refs
