import pytest

import ringkernel
from ringkernel import (
    DeliveryReceipt,
    DeliveryStatus,
    K2KBroker,
    K2KConfig,
    K2KStats,
    LaunchOptions,
)


def test_config_defaults_and_repr():
    c = K2KConfig()
    assert (c.max_pending_messages, c.delivery_timeout_ms, c.enable_tracing, c.max_hops) == (
        1024, 5000, False, 8)
    assert repr(c) == "K2KConfig(max_pending=1024, timeout_ms=5000, tracing=false, max_hops=8)"
    d = K2KConfig.default()
    assert repr(d) == repr(c)
    c2 = K2KConfig(max_pending_messages=2048, delivery_timeout_ms=10000, enable_tracing=True,
                   max_hops=16)
    assert repr(c2) == "K2KConfig(max_pending=2048, timeout_ms=10000, tracing=true, max_hops=16)"
    with pytest.raises(AttributeError):
        c2.max_hops = 3


def test_config_validation():
    with pytest.raises(ValueError):
        K2KConfig(max_hops=0)
    with pytest.raises(ValueError):
        K2KConfig(max_hops=256)
    with pytest.raises(ValueError):
        K2KConfig(max_pending_messages=0)
    with pytest.raises(ValueError):
        K2KConfig(delivery_timeout_ms=-1)


def test_delivery_status_methods():
    assert DeliveryStatus.Delivered.is_success()
    assert DeliveryStatus.Pending.is_pending() and not DeliveryStatus.Pending.is_failure()
    for s in (DeliveryStatus.NotFound, DeliveryStatus.QueueFull, DeliveryStatus.Timeout,
              DeliveryStatus.MaxHopsExceeded, DeliveryStatus.TenantMismatch):
        assert s.is_failure() and not s.is_success()
    assert [int(s) for s in DeliveryStatus] == list(range(7))


def test_standalone_broker_routes_and_inboxes():
    b = K2KBroker(K2KConfig(enable_tracing=True))
    b.register("b")
    b.register("a")
    assert b.registered_kernels() == ["a", "b"]
    assert b.is_registered("a") and not b.is_registered("zz")
    b.add_route(destination="far", next_hop="a")
    st = b.stats()
    assert isinstance(st, K2KStats)
    assert (st.registered_endpoints, st.routes_configured) == (2, 1)
    r = b.send("b", "far", b"payload")
    assert isinstance(r, DeliveryReceipt)
    assert r.status is DeliveryStatus.Delivered and r.hops == 1
    assert (r.source, r.destination) == ("b", "far") and r.message_id.value >= 1
    assert isinstance(r.timestamp, ringkernel.HlcTimestamp)
    env = b.receive("a")
    assert env.payload == b"payload"
    assert b.receive("a") is None
    assert b.stats().messages_delivered == 1
    assert len(b.trace()) >= 1
    miss = b.send(None, "nowhere", b"x")
    assert miss.status is DeliveryStatus.NotFound
    b.remove_route("far")
    with pytest.raises(ringkernel.K2KError, match="far"):
        b.remove_route("far")
    with pytest.raises(ringkernel.K2KError, match="a"):
        b.register("a")
    with pytest.raises(TypeError):
        b.is_registered(3)


def test_route_loop_exceeds_max_hops():
    b = K2KBroker(K2KConfig(max_hops=3))
    b.add_route("x", "y")
    b.add_route("y", "x")
    assert b.send(None, "x", b"").status is DeliveryStatus.MaxHopsExceeded


def test_runtime_broker_lists_k2k_kernels_and_delivers(runtime):
    a = runtime.launch_sync("ka", LaunchOptions().with_k2k(True))
    runtime.launch_sync("kb", LaunchOptions().with_k2k(True))
    runtime.launch_sync("plain")
    broker = runtime.k2k_broker()
    assert broker.registered_kernels() == ["ka", "kb", "plain"]  # spec: the launched kernels
    assert broker.is_registered("ka") and not broker.is_registered("zz")
    receipt = broker.send("kb", "ka", b"hi")
    assert receipt.status is DeliveryStatus.Delivered
    assert a.receive_sync(timeout=5).payload == b"hi"  # echo replies to the host


def test_forward_handler(runtime):
    dst = runtime.launch_sync("dst", LaunchOptions().with_k2k(True))
    fwd = runtime.launch_sync("fwd", LaunchOptions().with_k2k(True).with_handler("forward")
                              .with_forward_to("dst"))
    fwd.send_sync(b"via")
    assert dst.receive_sync(timeout=5).payload == b"via"


def test_readme_block_shape():
    broker = K2KBroker(K2KConfig.default())
    broker.add_route(destination="kernel_b", next_hop="kernel_a")
    assert broker.stats().routes_configured == 1
    assert ringkernel.k2k.K2KBroker is K2KBroker
