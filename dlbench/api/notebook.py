"""A run's progress in a Jupyter notebook: a notebook progress bar instead of the terminal's display.

Owns :class:`NotebookProgress` (an :class:`~dlbench.engine.events.Listener` drawing a
tqdm bar: a widget where ipywidgets is installed, text otherwise) and telling whether
the code runs inside a notebook kernel. It does not run anything.
"""

from __future__ import annotations

import sys
import time

from dlbench.engine import events
from dlbench.engine.progress import Estimator, clock


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (a notebook or JupyterLab, not a terminal IPython)."""
    shell = sys.modules.get("IPython") and getattr(sys.modules["IPython"], "get_ipython", lambda: None)()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class NotebookProgress:
    """Cells done out of all, failures, the cell running and the time left, as a notebook bar.

    Notes (warnings, a budget used up) are printed under it.
    """

    def __init__(self):
        self.bar = None

    def __call__(self, event: events.Event) -> None:
        if isinstance(event, events.Planned):
            try:  # a widget where Jupyter's widgets are installed, a text bar otherwise
                import ipywidgets  # noqa: F401
                from tqdm.notebook import tqdm
            except ImportError:
                from tqdm import tqdm

            self.estimator = Estimator.of_jobs(event.jobs, event.workers)
            self.started: dict = {}
            self.failed = 0
            self.bar = tqdm(total=len(event.jobs), desc="dlbench", unit="cell", dynamic_ncols=True)
        elif isinstance(event, events.CellStarted) and self.bar is not None:
            self.started[event.job.cell.key] = time.perf_counter()
            self.bar.set_description(event.job.cell.label, refresh=False)
            self._refresh()
        elif isinstance(event, events.CellFinished) and self.bar is not None:
            self.estimator.ended(event.job.cell.key, self.started.pop(event.job.cell.key, None))
            if event.row["status"] in ("failed", "timeout"):
                self.failed += 1
                self.bar.write(f"{event.row['status']}: {event.job.cell.label}: {event.row.get('error')}")
            self.bar.update(1)
            self._refresh()
        elif isinstance(event, events.CellsDone):
            self.close()
        elif isinstance(event, events.Note):
            print(f"{event.level}: {event.text}", file=sys.stderr)

    def _refresh(self) -> None:
        now = time.perf_counter()
        left = self.estimator.remaining({k: now - t for k, t in self.started.items()})
        self.bar.set_postfix_str(f"{self.failed} failed · left ~{clock(left)}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
