"""rkhost command-line tests: exit codes, messages, argument passing, tracebacks, the
built-in extension module, and Ctrl-C. CTest runs one case per process:

    python3 rkhost_cli.py --rkhost PATH --lua on|off --python on|off CASE

With an interpreter built out, its cases check the "built without ... support" error
(exit 2) instead. `--list` prints the case names.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

CASES = {}
OPTS = None


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class Result:
    def __init__(self, code, out, err):
        self.code = code
        self.out = out
        self.err = err

    def __repr__(self):
        return f"exit {self.code}\n--- stdout\n{self.out}--- stderr\n{self.err}---"


def rkhost(*args, env=None, cwd=None, timeout=60):
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run([OPTS.rkhost, *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def expect(cond, what, result=None):
    if not cond:
        raise AssertionError(f"{what}\n{result!r}" if result is not None else what)


def expect_exit(result, code):
    expect(result.code == code, f"expected exit {code}", result)


def expect_one_line_error(result, pattern):
    """rkhost's own errors: exit 2, exactly one line on stderr, nothing on stdout."""
    expect_exit(result, 2)
    lines = result.err.splitlines()
    expect(len(lines) == 1, "expected exactly one line on stderr", result)
    expect(re.fullmatch(pattern, lines[0]), f"stderr does not match {pattern!r}", result)
    expect(result.out == "", "expected nothing on stdout", result)


def script(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def built(lang):
    return getattr(OPTS, lang) == "on"


def expect_not_built(result, lang):
    word = {"lua": "Lua", "python": "Python"}[lang]
    expect_one_line_error(result, rf"rkhost: built without {word} support \(.*\)")


# ---- language-neutral command line --------------------------------------------------

@case
def cli_version():
    r = rkhost("--version")
    expect_exit(r, 0)
    lua = r"LuaJIT [^,]+" if built("lua") else "no LuaJIT"
    py = r"Python \d+\.\d+\.\d+\S*" if built("python") else "no Python"
    expect(re.fullmatch(rf"rkhost \d+\.\d+\.\d+ \({lua}, {py}, (CUDA [\d.]+|no CUDA)\)\n",
                        r.out), "--version line has the wrong shape", r)


@case
def cli_help():
    r = rkhost("--help")
    expect_exit(r, 0)
    for needle in ("usage: rkhost", "-e CODE", "-c CODE", "info", "--version"):
        expect(needle in r.out, f"--help does not mention {needle!r}", r)
    r = rkhost()
    expect_exit(r, 2)
    expect("usage: rkhost" in r.err and r.out == "", "no arguments: usage on stderr", r)


@case
def cli_info():
    r = rkhost("info")
    expect_exit(r, 0)
    for needle in ("built with:", "backends:", "cpu      available", "cuda devices:"):
        expect(needle in r.out, f"info does not show {needle!r}", r)
    cuda = re.search(r"^  cuda     (available \((\d+) devices?\)|unavailable: .+)$", r.out,
                     re.M)
    expect(cuda, "info does not say whether CUDA is usable (and why not)", r)
    if cuda.group(2):
        count = int(cuda.group(2))
        devices = re.findall(r"^  \[\d+\] .+, compute capability \d+\.\d+, [\d.]+ GiB", r.out,
                             re.M)
        expect(len(devices) == count, "one line per CUDA device", r)
        expect("  auto     cuda" in r.out, "auto picks CUDA when a device is usable", r)
    else:
        expect("  none" in r.out and "  auto     cpu" in r.out, "no device: auto = cpu", r)
    expect_one_line_error(rkhost("info", "extra"), r"rkhost: 'info' takes no arguments .*")


@case
def cli_bad_flag():
    expect_one_line_error(rkhost("--bogus"),
                          r"rkhost: unknown option '--bogus' \(try 'rkhost --help'\)")
    expect_one_line_error(rkhost("-e"), r"rkhost: option -e needs an argument \(CODE\)")
    expect_one_line_error(rkhost("-c"), r"rkhost: option -c needs an argument \(CODE\)")


@case
def cli_bad_file():
    with tempfile.TemporaryDirectory() as tmp:
        missing = os.path.join(tmp, "missing.lua")
        expect_one_line_error(rkhost(missing), rf"rkhost: cannot open '{re.escape(missing)}'"
                                               r": No such file or directory")
        text = script(tmp, "notes.txt", "print('no')\n")
        expect_one_line_error(rkhost(text), r"rkhost: cannot tell the language of '.*notes"
                                            r"\.txt': expected a \.lua or \.py file")
        folder = os.path.join(tmp, "folder.py")
        os.mkdir(folder)
        expect_one_line_error(rkhost(folder), r"rkhost: cannot run '.*folder\.py': not a "
                                              r"regular file")
        if os.geteuid() != 0:  # root reads anything, so only a user can see EACCES
            locked = script(tmp, "locked.py", "print('no')\n")
            os.chmod(locked, 0)
            expect_one_line_error(rkhost(locked), r"rkhost: cannot open '.*locked\.py': "
                                                  r"Permission denied")


# ---- Lua ----------------------------------------------------------------------------

@case
def lua_e():
    r = rkhost("-e", "print(1 + 1, select('#', ...), arg[0], arg[1])", "x")
    if not built("lua"):
        return expect_not_built(r, "lua")
    expect_exit(r, 0)
    expect(r.out == "2\t1\t-e\tx\n", "-e runs the code with arg and ...", r)


@case
def lua_arg():
    with tempfile.TemporaryDirectory() as tmp:
        path = script(tmp, "args.lua",
                      "print(arg[-1], arg[0], #arg, arg[1], arg[2])\n"
                      "print(select('#', ...), ...)\n")
        r = rkhost(path, "one", "two words")
        if not built("lua"):
            return expect_not_built(r, "lua")
        expect_exit(r, 0)
        expect(r.out == f"{OPTS.rkhost}\t{path}\t2\tone\ttwo words\n2\tone\ttwo words\n",
               "arg[-1] = rkhost, arg[0] = script, arg[1..] and ... = arguments", r)


@case
def lua_exit_status():
    if not built("lua"):
        return expect_not_built(rkhost("-e", "os.exit(3)"), "lua")
    expect_exit(rkhost("-e", "os.exit(7)"), 7)
    expect_exit(rkhost("-e", "os.exit(true)"), 0)
    expect_exit(rkhost("-e", "os.exit(false)"), 1)
    # os.exit unwinds to the host (which then closes the state); a pcall cannot stop it.
    r = rkhost("-e", "pcall(os.exit, 4) print('still running')")
    expect_exit(r, 4)
    expect(r.out == "" and r.err == "", "nothing runs after os.exit, nothing printed", r)


@case
def lua_error_traceback():
    with tempfile.TemporaryDirectory() as tmp:
        path = script(tmp, "fails.lua",
                      "local function inner()\n"
                      "  error('boom: value 42')\n"
                      "end\n"
                      "inner()\n")
        r = rkhost(path)
        if not built("lua"):
            return expect_not_built(r, "lua")
        expect_exit(r, 1)
        expect(f"{path}:2: boom: value 42" in r.err, "message with file:line", r)
        expect("stack traceback:" in r.err and f"{path}:4" in r.err,
               "traceback down to the calling line", r)
        bad = script(tmp, "syntax.lua", "local x = \nprint(\n")
        r = rkhost(bad)
        expect_exit(r, 1)
        expect(re.search(rf"{re.escape(bad)}:\d+: ", r.err), "syntax error with file:line", r)
        r = rkhost("-e", "error({kind = 'QueueFullError', message = 'Queue full (capacity: 4)'})")
        expect_exit(r, 1)
        expect("QueueFullError: Queue full (capacity: 4)" in r.err,
               "an error object shows its kind and message", r)


@case
def lua_require():
    code = ("local rk = require 'ringkernel'\n"
            "assert(type(rk) == 'table', 'module is a table')\n"
            "assert(package.loaded.ringkernel == rk)\n"
            "assert(require 'ringkernel' == rk, 'loaded once')\n"
            "print('ok')\n")
    r = rkhost("-e", code, env={"LUA_CPATH": "/nonexistent/?.so", "LUA_PATH": "/nonexistent/?.lua"})
    if not built("lua"):
        return expect_not_built(r, "lua")
    expect_exit(r, 0)
    expect(r.out == "ok\n", "require 'ringkernel' resolves to the built-in binding", r)


LUA_LEAVE_RUNNING = """
local rk = require "ringkernel"
local rt = rk.RingKernel.create { backend = "cpu" }
rt:launch("paused", rk.LaunchOptions():without_auto_activate())
local echo = rt:launch("echo")
for i = 1, 100 do echo:send("x" .. i) end
local s = rt:launch("script", rk.LaunchOptions():with_handler(function(m) return m.payload end))
s:send("never served")
print("leaving")
if arg[1] then os.exit(tonumber(arg[1])) end
"""


@case
def lua_exit_with_runtime_running():
    """A script that leaves kernels running (and messages queued) still ends: closing the
    state finalises its runtime, with or without os.exit."""
    with tempfile.TemporaryDirectory() as tmp:
        path = script(tmp, "leave.lua", LUA_LEAVE_RUNNING)
        r = rkhost(path)
        if not built("lua"):
            return expect_not_built(r, "lua")
        expect(r.code == 0 and r.out == "leaving\n" and r.err == "", "ends cleanly", r)
        r = rkhost(path, "3")
        expect(r.code == 3 and r.out == "leaving\n", "os.exit(3) with kernels running", r)


def interrupt(argv, ready_marker):
    """Starts rkhost, waits for `ready_marker` on stdout, sends SIGINT, returns Result."""
    proc = subprocess.Popen([OPTS.rkhost, *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    expect(line.strip() == ready_marker, f"script did not start: {line!r}")
    time.sleep(0.5)  # let it get into its wait
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"rkhost did not stop on SIGINT\n{out}\n{err}")
    return Result(proc.returncode, line + out, err)


@case
def lua_sigint():
    if not built("lua"):
        return expect_not_built(rkhost("-e", "while true do end"), "lua")
    # A wait that never ends on its own, calling into C as real scripts do.
    r = interrupt(["-e", "print('ready') io.stdout:flush() "
                         "while true do os.time() end "
                         "print('not reached')"], "ready")
    expect_exit(r, 130)
    expect("interrupted" in r.err and "stack traceback:" in r.err,
           "Ctrl-C ends the script with an 'interrupted' error and a traceback", r)
    expect("not reached" not in r.out, "the script stopped", r)
    # pcall cannot swallow the interruption.
    r = interrupt(["-e", "print('ready') io.stdout:flush() "
                         "while true do pcall(function() while true do os.time() end end) end"],
                  "ready")
    expect_exit(r, 130)
    # A blocking receive on a kernel that never replies: the binding waits in slices, so
    # the interruption reaches the script, and closing the state shuts the runtime down.
    r = interrupt(["-e", "local rk = require 'ringkernel' "
                         "local rt = rk.RingKernel.create { backend = 'cpu' } "
                         "local k = rt:launch('idle') print('ready') io.stdout:flush() "
                         "k:receive()"], "ready")
    expect_exit(r, 130)
    expect("interrupted" in r.err and "in function 'receive'" in r.err,
           "the blocking receive was interrupted", r)


# ---- Python -------------------------------------------------------------------------

@case
def python_c():
    r = rkhost("-c", "import sys; print(1 + 1, sys.argv)", "x", "y z")
    if not built("python"):
        return expect_not_built(r, "python")
    expect_exit(r, 0)
    expect(r.out == "2 ['-c', 'x', 'y z']\n", "-c runs the code with sys.argv", r)


@case
def python_argv():
    with tempfile.TemporaryDirectory() as tmp:
        path = script(tmp, "args.py",
                      "import os, sys\n"
                      "print(sys.argv)\n"
                      "print(sys.path[0] == os.path.dirname(os.path.realpath(__file__)))\n"
                      "print(__name__)\n")
        r = rkhost(path, "one", "two words")
        if not built("python"):
            return expect_not_built(r, "python")
        expect_exit(r, 0)
        expect(r.out == f"{[path, 'one', 'two words']}\nTrue\n__main__\n",
               "sys.argv, sys.path[0] = script folder, __name__ = '__main__'", r)


@case
def python_exit_status():
    if not built("python"):
        return expect_not_built(rkhost("-c", "pass"), "python")
    expect_exit(rkhost("-c", "import sys; sys.exit(5)"), 5)
    expect_exit(rkhost("-c", "import sys; sys.exit()"), 0)
    r = rkhost("-c", "import sys; sys.exit('bad input: x')")
    expect_exit(r, 1)
    expect(r.err == "bad input: x\n", "sys.exit(text) prints the text", r)
    r = rkhost("-c", "import atexit; atexit.register(lambda: print('atexit ran'))")
    expect(r.code == 0 and r.out == "atexit ran\n", "interpreter finalised at exit", r)


@case
def python_error_traceback():
    with tempfile.TemporaryDirectory() as tmp:
        path = script(tmp, "fails.py",
                      "def inner():\n"
                      "    raise ValueError('boom: value 42')\n"
                      "\n"
                      "inner()\n")
        r = rkhost(path)
        if not built("python"):
            return expect_not_built(r, "python")
        expect_exit(r, 1)
        expect(r.err.startswith("Traceback (most recent call last):"), "a traceback", r)
        expect(f'File "{path}", line 4' in r.err and f'File "{path}", line 2' in r.err,
               "file and line of each frame", r)
        expect(r.err.rstrip().endswith("ValueError: boom: value 42"), "the exception", r)
        bad = script(tmp, "syntax.py", "x = (\n")
        r = rkhost(bad)
        expect_exit(r, 1)
        expect(f'File "{bad}", line 1' in r.err and "SyntaxError" in r.err,
               "syntax error with file and line", r)


@case
def python_builtin_module():
    code = ("import sys, ringkernel, ringkernel._ringkernel as ext\n"
            "assert 'ringkernel._ringkernel' in sys.builtin_module_names\n"
            "assert ext.__spec__.origin == 'built-in', ext.__spec__\n"
            "assert not hasattr(ext, '__file__'), ext.__file__\n"
            "print(ringkernel.__file__)\n")
    r = rkhost("-c", code)
    if not built("python"):
        return expect_not_built(r, "python")
    expect_exit(r, 0)
    expect(r.out.strip().endswith(os.path.join("ringkernel", "__init__.py")),
           "the pure-Python package over the built-in extension", r)


@case
def python_pythonpath_override():
    if not built("python"):
        return expect_not_built(rkhost("-c", "pass"), "python")
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "ringkernel"))
        script(tmp, os.path.join("ringkernel", "__init__.py"), "MARK = 'override'\n")
        r = rkhost("-c", "import ringkernel; print(ringkernel.MARK)",
                   env={"RINGKERNEL_PYTHONPATH": tmp})
        expect_exit(r, 0)
        expect(r.out == "override\n", "RINGKERNEL_PYTHONPATH decides where the package is", r)


PY_LEAVE_RUNNING = """
import sys
import ringkernel as rk
rt = rk.RingKernel.create_sync(backend="cpu")
rt.launch_sync("paused", rk.LaunchOptions().without_auto_activate())
echo = rt.launch_sync("echo")
for i in range(100):
    echo.send_sync(b"x%d" % i)
s = rt.launch_sync("script", rk.LaunchOptions().with_handler(lambda m: m.payload))
s.send_sync(b"never served")
print("leaving")
if len(sys.argv) > 1:
    sys.exit(int(sys.argv[1]))
"""


@case
def python_exit_with_runtime_running():
    """A script that leaves kernels running still ends: finalisation destroys its
    runtime, with or without sys.exit."""
    with tempfile.TemporaryDirectory() as tmp:
        path = script(tmp, "leave.py", PY_LEAVE_RUNNING)
        r = rkhost(path)
        if not built("python"):
            return expect_not_built(r, "python")
        expect(r.code == 0 and r.out == "leaving\n" and r.err == "", "ends cleanly", r)
        r = rkhost(path, "3")
        expect(r.code == 3 and r.out == "leaving\n", "sys.exit(3) with kernels running", r)


@case
def python_sigint():
    if not built("python"):
        return expect_not_built(rkhost("-c", "pass"), "python")
    r = interrupt(["-c", "import threading\n"
                         "print('ready', flush=True)\n"
                         "try:\n"
                         "    threading.Event().wait()\n"
                         "finally:\n"
                         "    print('cleanup ran', flush=True)\n"], "ready")
    expect_exit(r, 130)
    expect("KeyboardInterrupt" in r.err and "Traceback" in r.err,
           "Ctrl-C raises KeyboardInterrupt with a traceback", r)
    expect("cleanup ran" in r.out, "finally blocks run before the exit", r)
    # A blocking receive on a kernel that never replies (the GIL is released while it
    # waits; the binding checks for signals between wait slices).
    r = interrupt(["-c", "import ringkernel as rk\n"
                         "rt = rk.RingKernel.create_sync(backend='cpu')\n"
                         "k = rt.launch_sync('idle')\n"
                         "print('ready', flush=True)\n"
                         "k.receive_sync()\n"], "ready")
    expect_exit(r, 130)
    expect(r.err.rstrip().endswith("KeyboardInterrupt") and 'line 5' in r.err,
           "KeyboardInterrupt raised from the blocking receive", r)


def main():
    global OPTS
    parser = argparse.ArgumentParser()
    parser.add_argument("--rkhost")
    parser.add_argument("--lua", choices=("on", "off"), default="on")
    parser.add_argument("--python", choices=("on", "off"), default="on")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("case", nargs="?")
    OPTS = parser.parse_args()
    if OPTS.list:
        print("\n".join(CASES))
        return 0
    if OPTS.case not in CASES or not OPTS.rkhost:
        parser.error(f"give --rkhost and one case of: {', '.join(CASES)}")
    OPTS.rkhost = os.path.abspath(OPTS.rkhost)
    try:
        CASES[OPTS.case]()
    except AssertionError as e:
        print(f"FAIL {OPTS.case}: {e}", file=sys.stderr)
        return 1
    print(f"ok {OPTS.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
