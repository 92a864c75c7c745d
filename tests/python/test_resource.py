"""Resource guard and memory estimates (spec section 8)."""

import gc
import math
import os
import sys
import threading

import pytest

from ringkernel.exceptions import RingKernelError
from ringkernel.resource import (
    MemoryEstimate,
    MemoryLimitError,
    Reservation,
    ReservationError,
    ResourceError,
    ResourceGuard,
)

GIB = 1024**3


def test_estimate_defaults_and_derived_peak():
    e = MemoryEstimate()
    assert (e.primary_bytes, e.auxiliary_bytes, e.peak_bytes, e.confidence) == (0, 0, 0, 1.0)
    e = MemoryEstimate(primary_bytes=1_000_000, auxiliary_bytes=500_000)
    assert e.peak_bytes == 1_500_000
    assert e.total_bytes() == 1_500_000
    e = MemoryEstimate(primary_bytes=1_000_000, auxiliary_bytes=500_000, peak_bytes=2_000_000,
                       confidence=0.9)
    assert (e.peak_bytes, e.confidence, e.total_bytes()) == (2_000_000, 0.9, 1_500_000)
    assert repr(e) == (
        "MemoryEstimate(primary=1000000, auxiliary=500000, peak=2000000, confidence=0.9)"
    )


def test_estimate_confidence_is_clamped():
    assert MemoryEstimate(confidence=1.5).confidence == 1.0
    assert MemoryEstimate(confidence=-0.5).confidence == 0.0
    assert MemoryEstimate(confidence=math.inf).confidence == 1.0
    with pytest.raises(ValueError):
        MemoryEstimate(confidence=math.nan)


def test_estimate_rejects_bad_sizes():
    with pytest.raises(ValueError):
        MemoryEstimate(primary_bytes=-1)
    with pytest.raises(TypeError):
        MemoryEstimate(primary_bytes=1.5)


def test_estimate_for_elements_and_with_primary():
    e = MemoryEstimate.for_elements(count=10, bytes_per_element=8)
    assert (e.primary_bytes, e.auxiliary_bytes, e.peak_bytes, e.confidence) == (80, 0, 80, 1.0)
    with pytest.raises(ValueError):
        MemoryEstimate.for_elements(2**63, 4)
    e2 = e.with_primary(200)
    assert (e2.primary_bytes, e2.peak_bytes) == (200, 200)  # peak raised to the new total
    assert (e.primary_bytes, e.peak_bytes) == (80, 80)  # original unchanged
    assert e2.with_primary(50).peak_bytes == 200  # the peak never drops
    explicit = MemoryEstimate(primary_bytes=10, auxiliary_bytes=5, peak_bytes=1000)
    assert explicit.with_primary(20).peak_bytes == 1000
    assert explicit.with_primary(2000).peak_bytes == 2005
    assert MemoryEstimate(1, 2) == MemoryEstimate(primary_bytes=1, auxiliary_bytes=2)
    assert hash(MemoryEstimate(1, 2)) == hash(MemoryEstimate(primary_bytes=1, auxiliary_bytes=2))
    assert MemoryEstimate(1, 2) != MemoryEstimate(1, 2, confidence=0.5)


def test_guard_defaults_to_4_gib():
    g = ResourceGuard()
    assert g.max_memory == 4 * GIB
    assert g.safety_margin == 0.1
    assert (g.current_memory, g.reserved_memory) == (0, 0)
    assert g.available_memory() == 4 * GIB - math.floor(4 * GIB * 0.1)
    assert g.is_enforcing()
    assert ResourceGuard(None).max_memory == 4 * GIB


def test_guard_accounting_formulas():
    g = ResourceGuard(max_memory_bytes=1000, safety_margin=0.1)
    assert g.available_memory() == 900
    g.record_allocation(100)
    assert (g.current_memory, g.available_memory()) == (100, 800)
    r = g.reserve(300)
    assert (g.reserved_memory, g.available_memory()) == (300, 500)
    assert g.utilization() == 0.4
    assert g.max_safe_elements(bytes_per_element=8) == 500 // 8
    assert g.max_safe_elements(1) == 500
    assert g.can_allocate(500)
    assert not g.can_allocate(501)
    r.commit()
    assert (g.current_memory, g.reserved_memory, g.available_memory()) == (400, 0, 500)
    g.record_deallocation(1000)
    assert g.current_memory == 0  # never below 0
    g.record_allocation(5000)
    assert g.available_memory() == 0  # never below 0
    assert g.utilization() == 5.0


def test_guard_margin_is_clamped():
    assert ResourceGuard(1000, safety_margin=0.95).safety_margin == 0.9
    assert ResourceGuard(1000, safety_margin=0.95).available_memory() == 100
    assert ResourceGuard(1000, safety_margin=-1).safety_margin == 0.0
    assert ResourceGuard(1000, safety_margin=0).available_memory() == 1000
    with pytest.raises(ValueError):
        ResourceGuard(1000, safety_margin=math.nan)


def test_guard_rejects_bad_limits():
    with pytest.raises(ValueError) as exc:
        ResourceGuard(max_memory_bytes=0)
    assert "max_memory_bytes" in str(exc.value)
    with pytest.raises(ValueError):
        ResourceGuard(max_memory_bytes=-5)
    with pytest.raises(TypeError):
        ResourceGuard(max_memory_bytes="1GB")
    with pytest.raises(ValueError):
        ResourceGuard(1000).max_safe_elements(0)
    with pytest.raises(ValueError):
        ResourceGuard(1000).record_allocation(-1)


def test_default_guard_is_80_percent_of_physical_memory():
    phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    g = ResourceGuard.default()
    assert abs(g.max_memory - phys * 0.8) <= phys * 0.001
    assert g.safety_margin == 0.1
    assert g.is_enforcing()


def test_unguarded_never_refuses():
    g = ResourceGuard.unguarded()
    assert not g.is_enforcing()
    assert g.can_allocate(2**63)
    with g.reserve(2**62) as r:
        assert r.bytes == 2**62
    g.validate(MemoryEstimate(primary_bytes=2**62))


def test_reserve_too_much_raises_reservation_error():
    g = ResourceGuard(1000, 0.1)
    with pytest.raises(ReservationError) as exc:
        g.reserve(901)
    assert str(exc.value) == "Reservation failed: requested 901 bytes, available 900 bytes"
    assert isinstance(exc.value, ResourceError)
    assert isinstance(exc.value, RingKernelError)
    assert g.reserved_memory == 0
    g.reserve(900).release()


def test_validate_raises_memory_limit_error():
    g = ResourceGuard(1000, 0.1)
    g.validate(MemoryEstimate(primary_bytes=900))
    with pytest.raises(MemoryLimitError) as exc:
        g.validate(MemoryEstimate(primary_bytes=100, peak_bytes=901))
    assert str(exc.value) == (
        "Memory limit exceeded: estimated peak 901 bytes, available 900 bytes"
    )
    assert isinstance(exc.value, RingKernelError)
    with pytest.raises(TypeError):
        g.validate(900)


def test_set_enforce_limits():
    g = ResourceGuard(1000, 0.1)
    g.set_enforce_limits(False)
    assert not g.is_enforcing()
    assert g.can_allocate(10**9)
    g.validate(MemoryEstimate(primary_bytes=10**9))
    r = g.reserve(5000)
    assert g.reserved_memory == 5000
    g.set_enforce_limits(True)
    assert not g.can_allocate(1)
    with pytest.raises(ReservationError):
        g.reserve(1)
    r.release()
    assert g.reserved_memory == 0


def test_reservation_context_manager_releases_uncommitted_bytes():
    g = ResourceGuard(1000, 0.1)
    with g.reserve(400) as r:
        assert isinstance(r, Reservation)
        assert r.bytes == 400
        assert g.reserved_memory == 400
        assert not r.is_committed()
    assert g.reserved_memory == 0
    assert r.is_released()
    assert g.current_memory == 0


def test_reservation_commit_inside_context_persists():
    g = ResourceGuard(1000, 0.1)
    with g.reserve(1_000 // 2) as r:
        r.commit()
        assert r.is_committed()
        assert (g.current_memory, g.reserved_memory) == (500, 0)
    assert (g.current_memory, g.reserved_memory) == (500, 0)
    assert not r.is_released()


def test_reservation_released_on_exception():
    g = ResourceGuard(1000, 0.1)
    with pytest.raises(RuntimeError):
        with g.reserve(300):
            assert g.reserved_memory == 300
            raise RuntimeError("work failed")
    assert g.reserved_memory == 0


def test_reservation_state_rules():
    g = ResourceGuard(1000, 0.1)
    r = g.reserve(100)
    r.commit()
    r.commit()  # twice: no-op
    assert g.current_memory == 100
    r.release()  # after commit: no effect
    assert g.current_memory == 100
    r2 = g.reserve(50)
    r2.release()
    r2.release()  # idempotent
    assert g.reserved_memory == 0
    with pytest.raises(ReservationError):
        r2.commit()
    assert repr(r) == "Reservation(bytes=100, committed)"
    assert repr(r2) == "Reservation(bytes=50, released)"
    with pytest.raises(TypeError):
        Reservation()


def test_dropping_a_reservation_releases_it():
    g = ResourceGuard(1000, 0.1)
    g.reserve(200)  # result discarded at once
    gc.collect()
    assert g.reserved_memory == 0


def test_reservation_outlives_its_guard():
    g = ResourceGuard(1000, 0.1)
    r = g.reserve(200)
    del g
    gc.collect()
    r.commit()
    assert r.is_committed()


def test_guard_totals_are_exact_across_threads():
    g = ResourceGuard(max_memory_bytes=10**12, safety_margin=0.0)
    n_threads, rounds = 8, 500
    errors = []

    def work(i):
        try:
            for k in range(rounds):
                with g.reserve(10) as r:
                    if k % 2 == 0:
                        r.commit()
                g.record_allocation(3)
                g.record_deallocation(1)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert g.reserved_memory == 0
    assert g.current_memory == n_threads * rounds // 2 * 10 + n_threads * rounds * 2


def test_guard_refuses_exactly_at_the_limit_across_threads():
    g = ResourceGuard(max_memory_bytes=1000, safety_margin=0.0)
    held, refused = [], []
    lock = threading.Lock()

    def grab():
        for _ in range(100):
            try:
                r = g.reserve(7)
                with lock:
                    held.append(r)
            except ReservationError:
                with lock:
                    refused.append(1)

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(held) == 1000 // 7
    assert g.reserved_memory == len(held) * 7
    assert len(refused) == 400 - len(held)
    for r in held:
        r.release()
    assert g.reserved_memory == 0


def test_readme_resource_section_values():
    guard = ResourceGuard(max_memory_bytes=4 * 1024**3, safety_margin=0.1)
    requested = 1_000_000
    assert guard.can_allocate(requested)
    guard.record_allocation(requested)
    guard.record_deallocation(requested)
    assert f"{guard.utilization():.1%}" == "0.0%"
    with guard.reserve(1_000_000) as reservation:
        assert reservation.bytes == 1_000_000
        reservation.commit()
    assert guard.current_memory == 1_000_000
    estimate = MemoryEstimate(primary_bytes=1_000_000, auxiliary_bytes=500_000,
                              peak_bytes=2_000_000, confidence=0.9)
    assert estimate.total_bytes() == 1_500_000
    guard.validate(estimate)
    assert guard.max_safe_elements(bytes_per_element=8) == guard.available_memory() // 8


def test_no_leaked_objects_or_references():
    g = ResourceGuard(1000, 0.1)
    est = MemoryEstimate(primary_bytes=2000)
    types = (ResourceGuard, MemoryEstimate, Reservation)
    before, est_refs = [sys.getrefcount(t) for t in types], sys.getrefcount(est)
    for _ in range(1000):
        with g.reserve(10) as r:
            repr(r)
        try:
            g.validate(est)
        except MemoryLimitError:
            pass
        try:
            g.reserve(10**6)
        except ReservationError:
            pass
        est.with_primary(5), MemoryEstimate.for_elements(2, 3), repr(g)
    del r
    assert [sys.getrefcount(t) for t in types] == before
    assert sys.getrefcount(est) == est_refs
    assert g.reserved_memory == 0
