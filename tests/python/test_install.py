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
assert sys.argv[1] in ringkernel.__file__, ringkernel.__file__
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


def has_venv(python):
    return subprocess.run([python, "-c", "import venv, ensurepip"],
                          capture_output=True).returncode == 0


def smoke(python, env, where):
    out = subprocess.run([python, "-c", SMOKE, str(where)], env=env, capture_output=True,
                         text=True, cwd=str(where))
    assert out.returncode == 0, out.stderr[-4000:]
    assert out.stdout.startswith("ok ")


def pip_install(python, env, args, build_dir, cwd):
    cmd = [python, "-m", "pip", "install", "-q", *args,
           f"--config-settings=build-dir={build_dir}", str(REPO / "python")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=str(cwd))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]


def install_and_run(python, tmp, isolated):
    """Installs into a fresh venv (or, where the venv module is missing, into a --target
    folder) and runs the smoke test there."""
    env = clean_env()
    args = [] if isolated else ["--no-build-isolation"]
    if has_venv(python):
        venv = tmp / "venv"
        extra = [] if isolated else ["--system-site-packages"]
        subprocess.run([python, "-m", "venv", *extra, str(venv)], check=True, env=env)
        vpy = str(venv / "bin" / "python")
        pip_install(vpy, env, args, tmp / "build", tmp)
        smoke(vpy, env, venv)
    else:
        target = tmp / "target"  # Debian marks its python externally managed (PEP 668)
        pip_install(python, env, [*args, "--break-system-packages", "--target", str(target)],
                    tmp / "build", tmp)
        smoke(python, dict(env, PYTHONPATH=str(target)), target)


def pypi_reachable(python, where):
    probe = subprocess.run([python, "-m", "pip", "download", "-q", "--no-deps", "-d",
                            str(where), "scikit-build-core"],
                           capture_output=True, text=True, timeout=120)
    return probe.returncode == 0


@pytest.mark.slow
def test_install_current_interpreter(tmp_path):
    try:
        import scikit_build_core  # noqa: F401

        isolated = False  # offline: the build backend comes from this interpreter
    except ImportError:
        if not pypi_reachable(sys.executable, tmp_path / "probe"):
            pytest.skip("scikit-build-core is neither installed nor reachable on PyPI")
        isolated = True
    install_and_run(sys.executable, tmp_path, isolated)


@pytest.mark.slow
def test_install_debian_python(tmp_path):
    debian = "/usr/bin/python3"
    if not os.path.exists(debian) or os.path.realpath(debian) == os.path.realpath(sys.executable):
        pytest.skip("no separate system interpreter")
    if not has_venv(debian):
        pytest.skip("python3-venv not installed")
    if not pypi_reachable(debian, tmp_path / "probe"):
        pytest.skip("the isolated build needs scikit-build-core from PyPI, unreachable here")
    install_and_run(debian, tmp_path, isolated=True)
