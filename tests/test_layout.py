"""The pipeline's shape: stages import no incremental machinery, and no modules import each other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "digest"
MACHINERY = (
    "sqlite3",
    "digest.incremental.cache",
    "digest.incremental.parallel",
    "digest.incremental.reuse",
    "multiprocessing",
    "pickle",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports, anywhere in it (functions and type checks included)."""
    found = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parents, base]).strip(".")
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found - {module_name(path)}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): imports(path, modules) for path in paths}


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph, as the modules along it, or None."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        trail.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if state.get(target) == 1:
                return [*trail[trail.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = 2
        trail.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_imports_one_that_imports_it() -> None:
    graph = import_graph()
    graph.pop("digest", None)  # the package's own __init__ holds only its version
    assert cycle_in(graph) is None, " -> ".join(cycle_in(graph) or [])


def loaded_machinery(folders: tuple[str, ...]) -> list[str]:
    """The machinery modules in memory after importing every module of ``folders``."""
    stages = sorted(module_name(path) for folder in folders for path in (PACKAGE / folder).rglob("*.py"))
    code = (
        f"import sys, {', '.join(stages)}\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('digest.incremental') "
        f"or m in {MACHINERY!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    return [name for name in loaded.stdout.strip().split(",") if name]


def test_grouping_and_summarizing_load_no_cache_database_pickle_or_worker_pool() -> None:
    assert loaded_machinery(("group", "summarize", "language")) == []


def test_reading_and_rendering_load_no_part_of_the_engine() -> None:
    # Jinja2 loads pickle for its bytecode cache, whether or not one is used: that is not the engine's.
    assert [name for name in loaded_machinery(("read", "render")) if name != "pickle"] == []
