"""The package's shape stays true: imports point one way, folders are stages, modules stay small.

Walks the AST of every module (imports inside functions and ``importlib.import_module`` of
dlbench's own modules count) and fails on an import cycle between modules or between folders,
on an import a folder may not make, on a module over the size limit, or on a sub-package
without a docstring saying what it owns.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dlbench"
MAX_LINES = 450
MAX_TOP_LEVEL_FILES = 8

#: Which folders each folder may import ("top" is dlbench/__init__, __main__ and cli).
ALLOWED = {
    "core": set(),
    "data": {"core"},
    "solvers": {"core", "data"},
    "analysis": {"core", "data"},
    "models": {"core", "data", "analysis"},
    "engine": {"core", "data", "solvers", "analysis", "models"},
    "report": {"core", "analysis"},
    "api": {"core", "data", "solvers", "analysis", "models", "engine", "report"},
}
#: Third-party modules a folder may never import, even inside a function.
FORBIDDEN_LIBRARIES = {
    "analysis": {"tensorflow", "keras", "keras_tuner"},
    "report": {"tensorflow", "keras", "keras_tuner"},
    "core": {"tensorflow", "keras", "keras_tuner"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def folder_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return "top"


def _resolve(name: str) -> str | None:
    """The dlbench module ``name`` refers to (a module, or the package holding a name)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> tuple[set[str], set[str]]:
    """(dlbench modules, top-level third-party names) that ``module`` imports anywhere."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    own, other = set(), set()

    def add(name: str) -> None:
        if name == "dlbench" or name.startswith("dlbench."):
            target = _resolve(name)
            if target and target != module:
                own.add(target)
        else:
            other.add(name.split(".")[0])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        elif isinstance(node, ast.Call):
            func = node.func
            called = getattr(func, "attr", None) or getattr(func, "id", None)
            if called in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                add(node.args[0].value)
    return own, other


GRAPH = {m: imports_of(m)[0] for m in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan's algorithm)."""
    index, low, stack, on_stack, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_walker_sees_function_level_and_importlib_imports(tmp_path):
    # The checks below are only as good as the walker: it must see what a lazy import hides.
    own, other = imports_of("dlbench.engine.executors.processes")
    assert "dlbench.solvers.deep.runtime" in own  # imported inside a method
    assert "dlbench.engine.executors.registry" in own
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules():
    assert _cycles(GRAPH) == []


def test_no_import_cycle_between_folders():
    folders: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        folders.setdefault(folder_of(module), set()).update(
            folder_of(t) for t in targets if folder_of(t) != folder_of(module))
    assert _cycles(folders) == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if folder_of(m) in ALLOWED))
def test_imports_point_one_way(module):
    folder = folder_of(module)
    own, other = imports_of(module)
    wrong = sorted(t for t in own if folder_of(t) != folder and folder_of(t) not in ALLOWED[folder])
    assert not wrong, f"{module} ({folder}/) may not import {wrong}"
    libraries = sorted(other & FORBIDDEN_LIBRARIES.get(folder, set()))
    assert not libraries, f"{module} ({folder}/) may not import {libraries}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines (limit {MAX_LINES}): split it by concept"


def test_the_package_root_is_small_and_every_sub_package_says_what_it_owns():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_FILES, top
    packages = [p for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE]
    assert len({p.parent for p in packages if p.parent.parent == PACKAGE}) >= 4
    for init in packages:
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "own" in doc.lower(), f"{init.relative_to(PACKAGE.parent)} needs a docstring saying what it owns"


def test_the_run_is_split_into_planner_folder_and_events():
    """Planning is pure, one module owns the run folder's files, the engine emits events and never prints."""
    for module in ("dlbench.engine.planner", "dlbench.core.folder", "dlbench.engine.events", "dlbench.engine.runner"):
        assert module in MODULES, module
    planner_own, planner_other = imports_of("dlbench.engine.planner")
    assert not planner_own & {"dlbench.core.store", "dlbench.core.folder", "dlbench.engine.progress"}
    assert not planner_other & {"os", "time", "json", "sqlite3", "rich", "pathlib"}
    events_own, _ = imports_of("dlbench.engine.events")
    assert not events_own, events_own
    runner_own, runner_other = imports_of("dlbench.engine.runner")
    assert "rich" not in runner_other and "dlbench.engine.progress" not in runner_own
    assert "json" not in runner_other  # run.json is read and written by core.folder only
    for module in MODULES:
        if module != "dlbench.core.folder":
            text = MODULES[module].read_text(encoding="utf-8")
            assert '"run.json"' not in text and '"results.db"' not in text, f"{module} spells a run folder file name"
