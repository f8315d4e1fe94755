"""From a task spec to a task instance: a registered name with options (``circles:noise=0.2``) or a data path.

Owns telling names from paths and parsing task options. It does not load data or plan cells.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from dlbench.core.errors import UsageError
from dlbench.core.registry import Registry
from dlbench.core.task import Task


def _parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def is_data_path(spec: str, task_names) -> bool:
    """Whether ``spec`` names a data file or folder rather than a registered task.

    A registered name wins over a file or folder of the same name in the working directory
    (write ``./digits`` for the folder); anything with a path separator is a path.
    """
    if os.sep in spec or "/" in spec:
        return True
    if spec in task_names or ":" in spec:
        return False
    return Path(spec).suffix != "" or Path(spec).exists()


def resolve_task(spec: str, registry: Registry, *, target: str | None = None, text_column: str | None = None,
                 test: str | None = None, task_name: str | None = None, modality: str | None = None) -> Task:
    """A task instance from a registered name (``circles:noise=0.2``) or a data path."""
    if is_data_path(spec, registry.tasks):
        from dlbench.data.byod import task_from_path

        return task_from_path(spec, target=target, text_column=text_column, test=test, name=task_name,
                              modality=modality)
    given = [opt for opt, value in (("--target", target), ("--text-column", text_column), ("--test", test),
                                    ("--name", task_name), ("--modality", modality)) if value]
    name, _, options = spec.partition(":")
    if given:
        raise UsageError(f"{', '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to your own data files, not to "
                         f"the registered task {spec}: drop {'it' if len(given) == 1 else 'them'} or give a data path")
    cls = registry.get("task", name)
    kwargs = {}
    for item in filter(None, options.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"task option {item!r} must look like key=value, e.g. {name}:noise=0.2")
        kwargs[key.strip()] = _parse_value(value.strip())
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise UsageError(f"bad options for task {name!r} ({exc}); see `dlbench info {name}`") from None
