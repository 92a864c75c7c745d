"""Every Python code block of the user's document runs as written.

The blocks are kept as files in readme_blocks/ (so the test runs without ../shared);
when the document is present, the copies must still match it. Placeholders the document
leaves to the reader (execute_on_gpu, allocate, do_work, data) are defined the way a user
would, and what the blocks' comments promise is checked afterwards."""

import asyncio
import contextlib
import io
import os
import pathlib
import re

import pytest

import ringkernel

HERE = pathlib.Path(__file__).resolve().parent
BLOCKS = sorted((HERE / "readme_blocks").glob("*.py"))
REPO = pathlib.Path(os.environ.get("RINGKERNEL_SOURCE_DIR", HERE.parents[1]))
DOCUMENT = REPO.parent / "shared" / "seeds" / "ringkernel-python-README.md"


def document_blocks(text):
    return [m.group(1) for m in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M)]


def placeholders():
    calls = []

    def execute_on_gpu(data):
        calls.append("gpu")
        return sum(data)

    def execute_on_cpu(data):
        calls.append("cpu")
        return sum(data)

    return {
        "__name__": "__readme__",
        "data": list(range(100)),
        "execute_on_gpu": execute_on_gpu,
        "execute_on_cpu": execute_on_cpu,
        "allocate": bytearray,
        "do_work": lambda: calls.append("work"),
        "_calls": calls,
    }


def run_block(path):
    ns = placeholders()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(path.read_text(), str(path), "exec"), ns)
    ns["_stdout"] = out.getvalue()
    return ns


def test_blocks_match_the_document():
    if not DOCUMENT.exists():
        pytest.skip(f"{DOCUMENT} not present")
    assert document_blocks(DOCUMENT.read_text()) == [p.read_text() for p in BLOCKS]


@pytest.mark.parametrize("path", BLOCKS, ids=[p.stem for p in BLOCKS])
def test_block_runs(path):
    if "cuda" in path.stem and not ringkernel.is_cuda_available():
        ns = run_block(path)  # the block guards itself with is_cuda_available()
        assert ns["_stdout"] == ""
        return
    ns = run_block(path)
    CHECKS.get(path.stem[3:], lambda ns: None)(ns)


def check_async(ns):
    out = ns["_stdout"]
    assert "Kernel ID: processor" in out
    assert "Kernel state: Active" in out and "Is active: True" in out
    assert "Messages processed: 0" in out


def check_sync(ns):
    out = ns["_stdout"]
    assert "Kernel processor is active: True" in out
    assert "Active kernels: ['processor']" in out and "Total launched: 1" in out
    assert ns["runtime"].is_shutdown


def check_messages(ns):
    restored, envelope = ns["restored"], ns["envelope"]
    assert restored.payload == b"\x01\x02\x03\x04"
    assert restored.to_bytes() == envelope.to_bytes()
    assert envelope.total_size == 260
    assert "Header: MessageHeader(type=1, src=0, dst=1000, size=4)" in ns["_stdout"]


def check_hlc(ns):
    assert ns["ts2"] > ns["ts1"]
    assert ns["unpacked"] == ns["ts1"]
    assert ns["packed"] >> 64 == ns["ts1"].physical
    assert ns["millis"] == ns["micros"] // 1000
    assert ns["merged"] > ns["received"]
    assert ns["ts_zero"].is_zero() and ns["ts_now"].node_id == 42


def check_k2k(ns):
    assert ns["stats"].routes_configured == 1
    assert "Success: True" in ns["_stdout"] and "Failure: False" in ns["_stdout"]


def check_hybrid(ns):
    assert ns["_calls"] == ["gpu"]  # Hybrid mode, GPU available, 50000 >= 10000
    assert ns["stats"].gpu_count == 1 and ns["stats"].total() == 1


def check_resource(ns):
    assert ns["estimate"].total_bytes() == 1_500_000
    assert "work" in ns["_calls"]


def check_queue(ns):
    from ringkernel import QueueHealth, QueueTier

    assert ns["health"] is QueueHealth.Warning
    assert ns["next_tier"] is QueueTier.Large and ns["prev_tier"] is QueueTier.Medium
    assert ns["tier"] is QueueTier.Medium
    assert ns["suggested"] is QueueTier.Large
    out = ns["_stdout"]
    for line in ("Small: 256", "Medium: 1024", "Large: 4096", "ExtraLarge: 16384"):
        assert line in out


def check_benchmark(ns):
    assert ns["baseline"].version == "v1.0.0" and len(ns["baseline"]) == 1
    assert abs(ns["scaling"].exponent - 0.8495) < 1e-3
    assert ns["scaling"].scaling_quality() == "Good"


CHECKS = {
    "async_usage_recommended": check_async,
    "sync_usage": check_sync,
    "working_with_messages": check_messages,
    "hybrid_logical_clock_hlc": check_hlc,
    "k2k_kernel_to_kernel_messaging": check_k2k,
    "hybrid_dispatcher": check_hybrid,
    "resource_guard": check_resource,
    "queue_monitoring": check_queue,
    "benchmarking": check_benchmark,
}


def test_async_block_in_a_fresh_loop_twice():
    path = next(p for p in BLOCKS if "async_usage" in p.stem)
    for _ in range(2):
        run_block(path)
    asyncio.set_event_loop(None)
