"""The layering of ARCHITECTURE.md, checked on the source: nothing imports upwards and no
two modules import each other, directly or through others (imports inside functions count:
a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "panelkit"

# Lower numbers are lower layers; a module may import its own layer or below, never above.
TOP_LEVEL_RANK = {
    "panelkit": 0,
    "panelkit.errors": 0,
    "panelkit.results": 0,
    "panelkit.files": 0,
    "panelkit.disclosure": 0,
    "panelkit.timings": 0,
    "panelkit.audit": 1,
    "panelkit.bundled": 1,
    "panelkit.demo": 5,
    "panelkit.project": 5,
    "panelkit.settings": 5,
    "panelkit.jobs": 6,
    "panelkit.cli": 7,
    "panelkit.__main__": 7,
}
PACKAGE_RANK = {"panelkit.input": 2, "panelkit.stats": 3, "panelkit.publish": 4}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def rank(name: str) -> int:
    if name in TOP_LEVEL_RANK:
        return TOP_LEVEL_RANK[name]
    for package, r in PACKAGE_RANK.items():
        if name == package or name.startswith(package + "."):
            return r
    raise AssertionError(f"{name} has no layer: add it to TOP_LEVEL_RANK or PACKAGE_RANK")


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every panelkit module ``name`` imports, anywhere in the file (TYPE_CHECKING excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    # importing a submodule also runs its packages' __init__: not a dependency worth a cycle
    return {t for t in found if not name.startswith(t + ".")}


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports(name, path, known) for name, path in mods.items()}


def test_nothing_imports_upwards() -> None:
    upward = [
        f"{a} (layer {rank(a)}) imports {b} (layer {rank(b)})"
        for a, targets in graph().items()
        for b in sorted(targets)
        if rank(b) > rank(a)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert [" -> ".join(c) for c in cycles] == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from panelkit.stats import estimation\n", {"panelkit.stats.estimation"}),
        ("def f():\n    from panelkit.publish.tables import x\n", {"panelkit.publish.tables"}),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from panelkit.cli import x\n",
            set(),
        ),
    ],
)
def test_the_import_finder_sees_lazy_imports_and_ignores_type_checking(
    tmp_path: Path, source: str, expected: set[str]
) -> None:
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    known = {"panelkit.stats.estimation", "panelkit.publish.tables", "panelkit.cli", "panelkit"}
    assert imports("panelkit.input.m", path, known) == expected
