"""Where cells run: one module per executor, each registering itself by name.

Owns the executor registry. A new executor is one module in this folder that defines a class
with ``run(jobs, on_start, on_result, deadline)`` (see ``local`` for the smallest one; taking
``jobs`` one at a time with :meth:`~dlbench.engine.executors.job.Pending.next` lets the runner
choose the next cell from what the finished ones measured) and
decorates it with ``@register("name")``; the module is found and imported when the registry is
first asked, and ``--executor name`` selects it. It does not own cells (``engine.cell``) or the
order they run in (``engine.runner``).
"""

from __future__ import annotations

import importlib
import pkgutil

from dlbench.engine.executors.registry import REGISTRY, register

__all__ = ["get", "names", "register"]


def _load_builtin() -> None:
    # Each module registers itself on import; a module that fails to import would be a bug here.
    for info in pkgutil.iter_modules(__path__):
        if info.name not in ("registry", "job"):
            importlib.import_module(f"{__name__}.{info.name}")


def names() -> list[str]:
    """Registered executor names, the default (``processes``) first."""
    _load_builtin()
    return sorted(REGISTRY, key=lambda n: (n != "processes", n))


def get(name: str) -> type:
    _load_builtin()
    return REGISTRY[name]
