"""The package's shape: no import cycle between modules, and a test file for every public module.

The import graph is grimp's (the library behind import-linter): every import statement,
those inside functions included, except the ones under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

grimp = pytest.importorskip("grimp")

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "spendkit"
TESTS = ROOT / "tests"


def strongly_connected(nodes: Iterable[str], edges: Callable[[str], Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit): every strongly connected component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    out.append(sorted(component))
    return out


def cycles(nodes: Iterable[str], edges: Callable[[str], Iterable[str]]) -> list[list[str]]:
    """The components of more than one module: modules that import each other, directly or
    through others. (A module importing itself is not a cycle between modules.)"""
    return sorted(c for c in strongly_connected(nodes, edges) if len(c) > 1)


def test_tarjan_finds_known_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d", "f"}, "f": {"e"},
             "g": {"g"}, "pkg": {"pkg.x", "pkg.y"}, "pkg.x": {"pkg.y"}, "pkg.y": set()}
    assert cycles(graph, graph.__getitem__) == [["a", "b", "c"], ["e", "f"]]
    # Every node is in exactly one component.
    parts = strongly_connected(graph, graph.__getitem__)
    assert sorted(n for p in parts for n in p) == sorted(graph)
    # A long chain does not hit the recursion limit.
    chain = {str(i): {str(i + 1)} for i in range(5000)} | {"5000": {"0"}}
    assert len(cycles(chain, chain.__getitem__)[0]) == 5001


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("spendkit", exclude_type_checking_imports=True, cache_dir=None)


def _edge_text(graph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    where = ", ".join(f"line {d['line_number']}: {d['line_contents'].strip()}" for d in details)
    return f"    {importer} -> {imported} ({where})"


def test_no_import_cycles(graph) -> None:
    found = cycles(graph.modules, graph.find_modules_directly_imported_by)
    lines = []
    for component in found:
        members = set(component)
        lines.append("cycle: " + ", ".join(component))
        for importer in component:
            for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
                if imported != importer:
                    lines.append(_edge_text(graph, importer, imported))
    assert not found, "import cycles between modules:\n" + "\n".join(lines)


def test_the_graph_is_the_package(graph) -> None:
    """Guard the check above: the graph holds the package's modules and sees imports inside
    functions (api imports lazily from the engines) but not TYPE_CHECKING-only ones."""
    assert "spendkit.api" in graph.modules and "spendkit.aggregate.summary" in graph.modules
    on_disk = set(public_modules(include_private=True))
    # A folder of modules without an __init__.py is invisible to grimp, so to the cycle check.
    assert on_disk == set(graph.modules), (
        f"modules on disk that the graph lacks (a folder without __init__.py?): "
        f"{sorted(on_disk - set(graph.modules))}; in the graph only: {sorted(set(graph.modules) - on_disk)}")
    assert "spendkit.api" in graph.find_modules_directly_imported_by("spendkit")  # in __getattr__
    assert "spendkit.aggregate.result" not in graph.find_modules_directly_imported_by(
        "spendkit.aggregate.summary")  # only under TYPE_CHECKING


# --------------------------------------------------------------------------- a test per module


def public_modules(*, include_private: bool = False) -> list[str]:
    """Dotted names of the modules under src/spendkit. Public: no part starting with '_'. A
    package counts when its __init__ defines something (a function or class)."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
            if not include_private and not any(
                    isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                    for n in ast.parse(path.read_text(encoding="utf-8")).body):
                continue
        if not include_private and any(p.startswith("_") for p in parts):
            continue
        out.append(".".join(parts))
    return out


def imported_by_tests() -> dict[str, set[str]]:
    """{module: test files importing it}: import statements anywhere in a test file, ``from
    spendkit.pkg import module`` lines, and importlib.import_module / pytest.importorskip
    of a literal name."""
    found: dict[str, set[str]] = {}

    def add(name: str, where: str) -> None:
        found.setdefault(name, set()).add(where)

    for path in sorted(TESTS.rglob("*.py")):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name, where)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                add(node.module, where)
                for alias in node.names:
                    add(f"{node.module}.{alias.name}", where)
            elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                  and isinstance(node.args[0].value, str)
                  and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                      "import_module", "importorskip")):
                add(node.args[0].value, where)
    return found


def test_the_module_finder_sees_what_it_should() -> None:
    modules = public_modules()
    assert "spendkit.api" in modules and "spendkit.aggregate.summary" in modules
    assert "spendkit.__main__" not in modules and "spendkit.aggregate" not in modules  # empty __init__
    seen = imported_by_tests()
    assert "tests/aggregate/test_summary.py" in seen.get("spendkit.aggregate.summary", set())


def test_every_public_module_has_a_test_that_imports_it() -> None:
    seen = imported_by_tests()
    missing = [m for m in public_modules() if m not in seen]
    assert not missing, ("public modules that no file under tests/ imports "
                         f"({len(missing)}):\n  " + "\n  ".join(missing))
