"""Lists every public name of the Python package for tests/lua/test_parity.lua.

One name per line, tab-separated:
  top <name> <what>           a top-level name (what: class, enum, exception, module,
                              function, constant, none)
  sub <module> <name>         a public name of a submodule
  member <owner> <name>       a public method, property, class function or enum member
                              of a class (owner: "Name" or "module.Name")
Names inherited from Python itself (object, int, Enum, Exception) are left out: they are
the language, not the package.
"""
import enum
import inspect
import sys

import ringkernel

SUBMODULES = ["hlc", "k2k", "queue", "hybrid", "resource", "exceptions", "cuda", "benchmark"]
BUILTIN_BASES = (object, int, enum.Enum, enum.IntEnum, BaseException, Exception)


def what(obj):
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            return "exception"
        if issubclass(obj, enum.Enum):
            return "enum"
        return "class"
    if callable(obj):
        return "function"
    if obj is None:
        return "none"
    return "constant"


def own_names(cls):
    names = set()
    for klass in cls.__mro__:
        if klass in BUILTIN_BASES or klass.__module__ in ("builtins", "enum"):
            continue
        names.update(n for n in vars(klass) if not n.startswith("_"))
    if issubclass(cls, enum.Enum):
        names.update(cls.__members__)
        names.update(("name", "value"))
    return sorted(names)


def public(module):
    names = getattr(module, "__all__", None) or dir(module)
    return sorted(n for n in names if not n.startswith("_"))


def main():
    out = sys.stdout
    seen = {}
    for name in public(ringkernel):
        obj = getattr(ringkernel, name)
        out.write(f"top\t{name}\t{what(obj)}\n")
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            seen[obj] = name
    for sub in SUBMODULES:
        module = getattr(ringkernel, sub)
        for name in public(module):
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue
            out.write(f"sub\t{sub}\t{name}\n")
            if inspect.isclass(obj) and not issubclass(obj, BaseException) and obj not in seen:
                seen[obj] = f"{sub}.{name}"
    for cls, owner in sorted(seen.items(), key=lambda kv: kv[1]):
        for member in own_names(cls):
            out.write(f"member\t{owner}\t{member}\n")


main()
