"""Shared fixtures. CTest runs pytest with PYTHONPATH=<build>/python; run by hand,
the newest build tree of the repository with the extension is used."""

import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def _find_build_tree() -> None:
    try:
        import ringkernel  # noqa: F401

        return
    except ImportError:
        pass
    candidates = sorted(REPO.glob("build*/python/ringkernel/_ringkernel*.so"),
                        key=lambda p: p.stat().st_mtime, reverse=True)
    if candidates:
        sys.path.insert(0, str(candidates[0].parent.parent))


_find_build_tree()

import ringkernel  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: builds and installs the package (minutes)")


@pytest.fixture
def runtime():
    rt = ringkernel.RingKernel.create_sync(backend="cpu", workers=2)
    try:
        yield rt
    finally:
        rt.shutdown_sync()


@pytest.fixture
def echo(runtime):
    return runtime.launch_sync("echo")
