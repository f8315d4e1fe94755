"""Finding tasks and solvers: entry points plus a local folder of task files.

Owns discovery, name clashes and the "did you mean" message for an unknown name. Loading a
plugin imports only its module, whose top level must stay light (see :class:`~dlbench.Task`);
a plugin that fails to import is kept as a broken entry with its error, and the others work.
It does not instantiate tasks or load data.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

from dlbench.core.errors import UsageError
from dlbench.core.solver import Solver
from dlbench.core.task import Task

GROUPS = {"task": "dlbench.tasks", "solver": "dlbench.solvers"}
BASES = {"task": Task, "solver": Solver}
TASKS_DIR_ENV = "DLBENCH_TASKS_DIR"
DEFAULT_TASKS_DIR = "tasks"


@dataclass
class Plugin:
    """One registered task or solver class, or the error that kept it from loading."""

    name: str
    kind: str
    source: str
    obj: type | None = None
    error: str | None = None


@dataclass
class Registry:
    tasks: dict[str, Plugin] = field(default_factory=dict)
    solvers: dict[str, Plugin] = field(default_factory=dict)
    broken: list[Plugin] = field(default_factory=list)

    def _table(self, kind: str) -> dict[str, Plugin]:
        return self.tasks if kind == "task" else self.solvers

    def add(self, plugin: Plugin) -> None:
        if plugin.error is not None:
            self.broken.append(plugin)
            return
        table = self._table(plugin.kind)
        other = table.get(plugin.name)
        if other is not None and other.obj is not plugin.obj:
            raise UsageError(
                f"two {plugin.kind}s are named {plugin.name!r}: {other.source} and {plugin.source}; "
                "rename or remove one of them"
            )
        table[plugin.name] = plugin

    def get(self, kind: str, name: str) -> type:
        table = self._table(kind)
        if name in table:
            return table[name].obj
        for plugin in self.broken:
            if plugin.kind == kind and plugin.name == name:
                raise UsageError(f"{kind} {name!r} failed to load from {plugin.source}: {plugin.error}")
        close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"run `dlbench list {kind}s` to see them"
        raise UsageError(f"unknown {kind} {name!r}: {hint}")


def tasks_dir_from(option: str | os.PathLike | None) -> Path:
    """The local task folder: the option, else ``$DLBENCH_TASKS_DIR``, else ``./tasks``."""
    return Path(option or os.environ.get(TASKS_DIR_ENV) or DEFAULT_TASKS_DIR)


def _builtin_tasks_dirs() -> set[Path]:
    # In a source checkout ./tasks/ *is* the built-in package: it registers through entry
    # points already, so scanning it as a local folder would register every task twice.
    spec = importlib.util.find_spec("dlbench_tasks")
    return {Path(p).resolve() for p in (spec.submodule_search_locations or [])} if spec else set()


def _from_object(kind: str, name: str, source: str, obj) -> Plugin:
    base = BASES[kind]
    if not (isinstance(obj, type) and issubclass(obj, base)):
        return Plugin(name, kind, source, error=f"{obj!r} is not a subclass of dlbench.{base.__name__}")
    if not obj.name:
        obj.name = name
    elif obj.name != name:
        return Plugin(name, kind, source, error=f"registered as {name!r} but the class is named {obj.name!r}")
    return Plugin(name, kind, source, obj=obj)


def _load_entry_points(registry: Registry) -> None:
    for kind, group in GROUPS.items():
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            dist = getattr(ep.dist, "name", None) or "?"
            source = f"entry point {ep.value} (package {dist})"
            try:
                obj = ep.load()
            except Exception as exc:  # noqa: BLE001 - any plugin bug is reported, not raised
                registry.add(Plugin(ep.name, kind, source, error=f"{type(exc).__name__}: {exc}"))
                continue
            registry.add(_from_object(kind, ep.name, source, obj))


def _load_file(path: Path) -> list[Plugin]:
    module_name = f"dlbench_local_{path.stem.replace('-', '_')}"
    source = f"file {path}"
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001
        sys.modules.pop(module_name, None)
        return [Plugin(path.stem, "task", source, error=f"{type(exc).__name__}: {exc}")]
    found = []
    for value in vars(module).values():
        if not isinstance(value, type) or value.__module__ != module_name or not getattr(value, "name", ""):
            continue
        for kind, base in BASES.items():
            if issubclass(value, base) and value is not base:
                found.append(_from_object(kind, value.name, source, value))
    return found


def discover(tasks_dir: str | os.PathLike | None = None) -> Registry:
    """All tasks and solvers: entry points first, then ``*.py`` files in the task folder."""
    registry = Registry()
    _load_entry_points(registry)
    folder = tasks_dir_from(tasks_dir)
    if folder.is_dir() and folder.resolve() not in _builtin_tasks_dirs():
        for path in sorted(folder.glob("*.py")):
            if not path.name.startswith("_"):
                for plugin in _load_file(path):
                    registry.add(plugin)
    return registry
