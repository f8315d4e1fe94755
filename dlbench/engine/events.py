"""What a run tells the outside world while it works: events, and the listener that receives them.

Owns the event types a :class:`~dlbench.engine.runner.Run` emits (a task loading, the cells
planned, a cell started or finished, a note for the user, the models being exported, the run
ended) and :class:`Listener`. The terminal's rich display (``engine.progress``) and a
notebook's progress bar (``dlbench.api``) each render them; the engine never prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Union


@dataclass(frozen=True)
class Loading:
    """A task's data is being loaded and checked (before any cell runs)."""

    task: str


@dataclass(frozen=True)
class Planned:
    """The cells to run, in order (:class:`~dlbench.engine.executors.job.Job`), how many run at once,
    and the run folder they are stored in."""

    jobs: list
    workers: int
    run_dir: Path


@dataclass(frozen=True)
class CellStarted:
    job: Any


@dataclass(frozen=True)
class CellFinished:
    """A cell ended: its stored result row (status ``ok``, ``failed``, ``timeout`` or ``skipped``)."""

    job: Any
    row: dict


@dataclass(frozen=True)
class CellsDone:
    """Every cell that will run has ended (``stopped``: why early, or None)."""

    stopped: str | None


@dataclass(frozen=True)
class Exporting:
    """A model is being saved (``model``: its task and solver)."""

    model: str


@dataclass(frozen=True)
class Note:
    """Something the user should read: ``level`` is ``warning`` or ``note``."""

    level: str
    text: str


@dataclass(frozen=True)
class RunEnded:
    """The run folder is complete (``stopped``: why the run ended early, or None)."""

    run_dir: Path
    stopped: str | None


Event = Union[Loading, Planned, CellStarted, CellFinished, CellsDone, Exporting, Note, RunEnded]
#: Receives every event of a run, in order, in the run's own process.
Listener = Callable[[Event], None]


def ignore(event: Event) -> None:
    """The listener of a run nobody watches."""
