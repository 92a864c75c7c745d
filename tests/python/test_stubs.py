"""The .pyi stubs describe exactly what the modules hold: the same public names at top
level, and the same public members on every class a stub defines."""

import __future__
import ast
import importlib
import pathlib
import types

import pytest

import ringkernel

PACKAGE = pathlib.Path(ringkernel.__file__).resolve().parent
STUBS = sorted(p for p in pathlib.Path(ringkernel.__file__).parent.glob("*.pyi"))


def module_name(stub):
    return "ringkernel" if stub.stem == "__init__" else f"ringkernel.{stub.stem}"


def stub_top_level(tree):
    names, classes = set(), {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
            classes[node.name] = node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom) and node.module != "typing":
            names.update(a.asname for a in node.names if a.asname)
    return {n for n in names if not n.startswith("_")}, classes


def runtime_public(mod):
    def keep(name, obj):
        if name.startswith("_") or isinstance(obj, __future__._Feature):
            return False
        if isinstance(obj, types.ModuleType):
            return obj.__name__.startswith("ringkernel")
        return not getattr(obj, "__module__", "").startswith(("typing", "collections"))

    lazy = {n for n in getattr(mod, "__all__", ()) if n not in vars(mod)}  # module __getattr__
    return {n for n, o in vars(mod).items() if keep(n, o)} | lazy


def class_members(node):
    out = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            out.add(item.target.id)
    return {n for n in out if not n.startswith("_")}


def test_every_module_has_a_stub():
    stems = {p.stem for p in STUBS}
    for name in ("__init__", "_ringkernel", "exceptions", "hlc", "k2k"):
        assert name in stems
    assert (PACKAGE / "py.typed").exists()


@pytest.mark.parametrize("stub", STUBS, ids=[p.stem for p in STUBS])
def test_stub_matches_module(stub):
    mod = importlib.import_module(module_name(stub))
    names, classes = stub_top_level(ast.parse(stub.read_text()))
    assert names == runtime_public(mod)
    for cname, node in classes.items():
        cls = getattr(mod, cname)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            continue
        real = {n for n in vars(cls) if not n.startswith("_")}
        assert class_members(node) == real, cname
