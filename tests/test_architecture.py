"""The stages depend on each other in one direction: no import cycle between the top-level packages.

Every import counts, at the top of a module or inside a function (a lazy import is still a
dependency): ``search`` must not import ``indexing`` while ``indexing`` imports ``search``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "assistant"


def _unit(module: str) -> str | None:
    """The top-level package or module of ``assistant.x.y`` ("x"), or None outside the package."""
    parts = module.split(".")
    return parts[1] if parts[0] == "assistant" and len(parts) > 1 else None


def dependencies() -> dict[str, set[str]]:
    """Top-level unit -> the other top-level units its modules import."""
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        module = ".".join(parts)
        unit = _unit(module)
        if unit is None:
            continue
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                names = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                target = _unit(name)
                if target is not None and target != unit and (ROOT / target).exists() | (ROOT / f"{target}.py").exists():
                    graph.setdefault(unit, set()).add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle's first appearance in a depth-first walk, as a path that ends where it starts."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_cycle_between_the_top_level_packages():
    graph = dependencies()
    assert graph["indexing"] >= {"search", "ingest"}  # the walk sees imports, lazy ones included
    assert cycles(graph) == [], " ; ".join(" -> ".join(c) for c in cycles(graph))


def test_the_cycle_check_sees_a_cycle():
    assert cycles({"search": {"indexing"}, "indexing": {"search", "ingest"}, "ingest": set()}) == [
        ["indexing", "search", "indexing"]]
