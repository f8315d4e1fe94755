"""Finding tasks and solvers: entry points plus a local folder of task files.

Owns discovery, name clashes and the "did you mean" message for an unknown name. Loading a
plugin imports only its module, whose top level must stay light (see :class:`~dlbench.Task`);
a plugin that fails to import (an exception, ``sys.exit``, a syntax error: anything but Ctrl-C)
is kept as a broken entry with its one-line error, and the others work: the CLI lists them,
and the first lookup warns about them once. It does not instantiate tasks or load data.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import logging
import os
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

from dlbench.core.errors import UsageError
from dlbench.core.solver import ENSEMBLE, Solver
from dlbench.core.task import Task

GROUPS = {"task": "dlbench.tasks", "solver": "dlbench.solvers"}
BASES = {"task": Task, "solver": Solver}
TASKS_DIR_ENV = "DLBENCH_TASKS_DIR"
DEFAULT_TASKS_DIR = "tasks"
MAX_ERROR_CHARS = 300

log = logging.getLogger("dlbench")
#: Broken plugins already warned about in this process (forked workers inherit it).
_warned: set[tuple[str, str]] = set()


def describe_error(exc: BaseException) -> str:
    """``Type: message`` on one line, cut to MAX_ERROR_CHARS (a plugin's error is shown to users)."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    if isinstance(exc, SystemExit):
        text = f"SystemExit: called sys.exit({exc.code!r}) while being imported"
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


@contextlib.contextmanager
def _guarded():
    """Run plugin code with its prints sent to stderr (``list --json`` stays valid JSON)."""
    with contextlib.redirect_stdout(sys.stderr):
        yield


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
        """The class registered as ``name``; a :class:`UsageError` says why one is missing.

        A broken plugin that could have provided ``name`` (same name, or a task file whose
        name matches up to ``-``/``_``) is named with its error. Otherwise the other broken
        plugins are warned about once, as the run goes on without them.
        """
        table = self._table(kind)
        for plugin in self.broken if name not in table else ():
            if (plugin.kind == kind or _is_file(plugin)) and _same(plugin.name, name):
                raise UsageError(f"{kind} {name!r} failed to load from {plugin.source}: {plugin.error}; "
                                 "fix or remove that plugin")
        if name in table:
            self.warn_broken()
            return table[name].obj
        close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"run `dlbench list {kind}s` to see them"
        files = [p for p in self.broken if _is_file(p)]  # one of them may have defined it
        if files:
            failed = "; ".join(f"{p.source}: {p.error}" for p in files[:3])
            more = f"; and {len(files) - 3} more" if len(files) > 3 else ""
            hint += f" (task files that failed to load, which may define it: {failed}{more})"
        raise UsageError(f"unknown {kind} {name!r}: {hint}")

    def warn_broken(self) -> None:
        """One warning per broken plugin and process: it is skipped, the rest works."""
        for plugin in self.broken:
            key = (plugin.source, plugin.error or "")
            if key not in _warned:
                _warned.add(key)
                log.warning("skipped the %s plugin %r from %s, which failed to load: %s",
                            plugin.kind, plugin.name, plugin.source, plugin.error)


def _is_file(plugin: Plugin) -> bool:
    return plugin.source.startswith("file ")  # a task file may define tasks and solvers of any name


def _same(a: str, b: str) -> bool:
    return a.replace("-", "_").lower() == b.replace("-", "_").lower()


def tasks_dir_from(option: str | os.PathLike | None) -> Path:
    """The local task folder: the option, else ``$DLBENCH_TASKS_DIR``, else ``./tasks``."""
    return Path(option or os.environ.get(TASKS_DIR_ENV) or DEFAULT_TASKS_DIR)


def _builtin_tasks_dirs() -> set[Path]:
    # In a source checkout ./tasks/ *is* the built-in package: it registers through entry
    # points already, so scanning it as a local folder would register every task twice.
    spec = importlib.util.find_spec("dlbench_tasks")
    return {Path(p).resolve() for p in (spec.submodule_search_locations or [])} if spec else set()


def _is_builtin_tasks(folder: Path) -> bool:
    """Whether ``folder`` is the built-in tasks: the installed package, or the ``tasks/`` of a
    dlbench source checkout (another copy of it, when dlbench is installed from elsewhere)."""
    if folder.resolve() in _builtin_tasks_dirs():
        return True
    project = folder.parent / "pyproject.toml"
    return ((folder / "__init__.py").is_file() and (folder.parent / "dlbench" / "__init__.py").is_file()
            and project.is_file() and 'name = "dlbench"' in project.read_text(encoding="utf-8", errors="replace"))


#: Names of rows dlbench builds itself; no plugin solver may take them.
RESERVED_SOLVER_NAMES = (ENSEMBLE,)


def _from_object(kind: str, name: str, source: str, obj) -> Plugin:
    base = BASES[kind]
    if not (isinstance(obj, type) and issubclass(obj, base)):
        return Plugin(name, kind, source, error=f"{obj!r} is not a subclass of dlbench.{base.__name__}")
    if not obj.name:
        obj.name = name
    elif obj.name != name:
        return Plugin(name, kind, source, error=f"registered as {name!r} but the class is named {obj.name!r}")
    if kind == "solver" and name in RESERVED_SOLVER_NAMES:
        return Plugin(name, kind, source, error=f"{name!r} is reserved (the rows dlbench derives from other "
                                                "solvers' predictions): rename the solver")
    return Plugin(name, kind, source, obj=obj)


def _load_entry_points(registry: Registry) -> None:
    for kind, group in GROUPS.items():
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            dist = getattr(ep.dist, "name", None) or "?"
            source = f"entry point {ep.value} (package {dist})"
            try:
                with _guarded():
                    obj = ep.load()
                plugin = _from_object(kind, ep.name, source, obj)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - any plugin bug is reported, not raised
                plugin = Plugin(ep.name, kind, source, error=describe_error(exc))
            registry.add(plugin)


def _load_file(path: Path) -> list[Plugin]:
    module_name = f"dlbench_local_{path.stem.replace('-', '_')}"
    source = f"file {path}"
    try:
        with _guarded():
            spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
            found = []
            for value in list(vars(module).values()):
                if not isinstance(value, type) or value.__module__ != module_name or not getattr(value, "name", ""):
                    continue
                for kind, base in BASES.items():
                    if issubclass(value, base) and value is not base:
                        found.append(_from_object(kind, value.name, source, value))
    except KeyboardInterrupt:
        sys.modules.pop(module_name, None)
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends too: the run goes on
        sys.modules.pop(module_name, None)
        return [Plugin(path.stem, "task", source, error=describe_error(exc))]
    return found


def discover(tasks_dir: str | os.PathLike | None = None) -> Registry:
    """All tasks and solvers: entry points first, then ``*.py`` files in the task folder."""
    registry = Registry()
    _load_entry_points(registry)
    folder = tasks_dir_from(tasks_dir)
    if folder.is_dir() and not _is_builtin_tasks(folder):
        for path in sorted(folder.glob("*.py")):
            if not path.name.startswith("_"):
                for plugin in _load_file(path):
                    registry.add(plugin)
    return registry
