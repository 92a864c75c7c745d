"""pip install ./python works into a fresh virtual environment, for the interpreter
running the tests and for Debian's /usr/bin/python3, and the installed package imports
and runs a kernel without the build tree on sys.path. Slow: each install is a full
build of the runtime and the extension."""

import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(os.environ.get("RINGKERNEL_SOURCE_DIR",
                                   pathlib.Path(__file__).resolve().parents[2]))

SMOKE = """
import ringkernel, sys
assert 'site-packages' in ringkernel.__file__, ringkernel.__file__
with ringkernel.RingKernel.create_sync() as rt:
    assert rt.launch_sync('p').request_sync(b'hi', timeout=10).payload == b'hi'
from ringkernel.cuda import PyGpuSizeClass
from ringkernel.benchmark import PyBenchmarkConfig
print('ok', ringkernel.__version__)
"""


def clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["RK_WITH_CUDA"] = "OFF"  # the CUDA build is covered elsewhere; keep this quick
    return env


def install_and_run(python, venv, build_dir, extra_pip):
    env = clean_env()
    subprocess.run([python, "-m", "venv", *extra_pip["venv"], str(venv)], check=True, env=env)
    vpy = str(venv / "bin" / "python")
    cmd = [vpy, "-m", "pip", "install", "-q", *extra_pip["pip"],
           f"--config-settings=build-dir={build_dir}", str(REPO / "python")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=str(venv))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    out = subprocess.run([vpy, "-c", SMOKE], env=env, capture_output=True, text=True,
                         cwd=str(venv))
    assert out.returncode == 0, out.stderr[-4000:]
    assert out.stdout.startswith("ok ")


@pytest.mark.slow
def test_install_current_interpreter(tmp_path):
    pytest.importorskip("scikit_build_core")
    # Offline: the build backend comes from the running interpreter's site-packages.
    install_and_run(sys.executable, tmp_path / "venv", tmp_path / "build",
                    {"venv": ["--system-site-packages"], "pip": ["--no-build-isolation"]})


def pypi_reachable(python, where):
    probe = subprocess.run([python, "-m", "pip", "download", "-q", "--no-deps", "-d",
                            str(where), "scikit-build-core"],
                           capture_output=True, text=True, timeout=120)
    return probe.returncode == 0


@pytest.mark.slow
def test_install_debian_python(tmp_path):
    debian = "/usr/bin/python3"
    if not os.path.exists(debian) or os.path.realpath(debian) == os.path.realpath(sys.executable):
        pytest.skip("no separate system interpreter")
    if subprocess.run([debian, "-c", "import venv, ensurepip"]).returncode != 0:
        pytest.skip("python3-venv not installed")
    if not pypi_reachable(debian, tmp_path / "probe"):
        pytest.skip("the isolated build needs scikit-build-core from PyPI, unreachable here")
    install_and_run(debian, tmp_path / "venv", tmp_path / "build", {"venv": [], "pip": []})
