"""What a running grid shows: a labelled progress bar whose time left comes from a cost model of the cells.

Owns :class:`Estimator` (remaining seconds from the cells finished so far: a cost model in
which a cell costs what the solver's finished cells of that size cost, lies on the line
between the sizes around it, or grows from the largest size finished as a power of the
training size) and :class:`RunProgress` (the terminal's rich display of a run's events).
Cells differ in cost by orders of magnitude and the cheap small ones are most of them, so
counting cells, as a plain progress bar does, is several times too optimistic. It does not run
or order cells.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import Any

from rich.markup import escape

from dlbench.engine import events

#: Exponent of cost in training size before a solver or family has finished two sizes.
DEFAULT_EXPONENT = 1.0
#: The least exponent assumed: fixed costs (start-up, tracing, early stopping at small n) hide
#: how a cell's cost grows at the small sizes; once the data dominates it grows at least like
#: the square root of n. Below the smallest size finished, cost shrinks like the square root.
MIN_EXPONENT = 0.5


class Estimator:
    """Remaining wall-clock seconds of a run, from its pending cells and the costs of finished ones.

    ``cells`` are ``(key, solver, family, train_size)`` of every cell to run; ``workers`` run at
    once. Call :meth:`done` with each finished cell's seconds; :meth:`remaining` is the estimate
    (``None`` before any cell finished). Works on recorded timings without a clock.
    """

    def __init__(self, cells: list[tuple[Any, str, str, int]], workers: int = 1):
        self.pending = {key: (solver, family, max(1, int(size))) for key, solver, family, size in cells}
        self.workers = max(1, workers)
        self.seen: dict[str, list[tuple[int, float]]] = defaultdict(list)  # solver -> (size, seconds)
        self.family_of: dict[str, str] = {}
        self.growth: dict[Any, float] = {}  # solver -> the exponent it declares (``Solver.cost_growth``)

    @classmethod
    def of_jobs(cls, jobs: list, workers: int) -> "Estimator":
        """The estimator of a run's planned jobs (:class:`~dlbench.engine.executors.job.Job`), at most
        ``workers`` at once. A solver at another model size costs differently: each scale is a solver
        of its own here."""
        cells = [(job.cell.key, (job.cell.solver, job.cell.scale), job.solver_cls.family, job.cell.train_size)
                 for job in jobs]
        estimator = cls(cells, min(workers, max(1, len(jobs))))
        estimator.growth = {(job.cell.solver, job.cell.scale): growth_of(job.solver_cls) for job in jobs}
        return estimator

    def done(self, key: Any, seconds: float) -> None:
        solver, family, size = self.pending.pop(key, (None, None, None))
        if solver is not None:
            self.learn(solver, family, size, seconds)

    def ended(self, key: Any, began: float | None) -> None:
        """A cell ended: it cost the time since ``began`` (``time.perf_counter()``); None: it was
        skipped before it started, and costs nothing."""
        if began is None:
            self.pending.pop(key, None)
        else:
            self.done(key, time.perf_counter() - began)

    def learn(self, solver: Any, family: str, size: int, seconds: float) -> None:
        """One finished cell's cost."""
        self.seen[solver].append((max(1, int(size)), max(float(seconds), 1e-3)))
        self.family_of[solver] = family

    @staticmethod
    def _slope(groups: list[list[tuple[int, float]]]) -> float | None:
        """One slope of log seconds on log size, each group with its own level (fixed effects)."""
        sxx = sxy = 0.0
        for pts in groups:
            xs = [math.log(n) for n, _ in pts]
            ys = [math.log(t) for _, t in pts]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            sxx += sum((x - mx) ** 2 for x in xs)
            sxy += sum((x - mx) * (y - my) for x, y in zip(xs, ys))
        return sxy / sxx if sxx > 1e-9 else None

    def _exponent(self, family: str | None) -> float:
        """How cost grows with size, pooled over a family's solvers (their two largest sizes)."""
        slope = self._slope([_largest_two(pts) for s, pts in self.seen.items()
                             if family is None or self.family_of.get(s) == family])
        if slope is None:
            return DEFAULT_EXPONENT if family is None else self._exponent(None)
        return slope

    def predict(self, solver: str, family: str, size: int, own_only: bool = False) -> float | None:
        """Predicted seconds of one cell; None before any cell finished.

        The (geometric) mean cost of the solver's cells at ``size`` where some finished (other
        seeds); between two sizes it finished, on the straight line between their costs (a fixed
        part and a part growing with n); below them, shrunk like the square root of n; above
        them, for a solver that declares how its cost grows (:attr:`growth`, ``cost_growth``), a
        fixed part plus a part growing like ``n ** cost_growth`` through its two largest sizes
        (:func:`fixed_plus_growing`), else grown from the largest with its own measured exponent
        (its two largest sizes) or its family's, at least :data:`MIN_EXPONENT` and at most 1.5.
        A solver not seen yet takes its family's costs (or the run's), unless ``own_only``: then None.
        """
        own = self.seen.get(solver) or []
        if not self.seen or (own_only and not own):
            return None
        points = own or [p for s, pts in self.seen.items() if self.family_of.get(s) == family
                         for p in pts] or [p for pts in self.seen.values() for p in pts]
        logs = defaultdict(list)
        for n, t in points:
            logs[n].append(math.log(t))
        cost = {n: math.exp(sum(v) / len(v)) for n, v in logs.items()}
        if size in cost:
            return cost[size]
        sizes = sorted(cost)
        below, above = [n for n in sizes if n < size], [n for n in sizes if n > size]
        if below and above:
            a, b = below[-1], above[0]
            return cost[a] + (cost[b] - cost[a]) * (size - a) / (b - a)
        if above:
            return cost[above[0]] * (size / above[0]) ** MIN_EXPONENT
        ref = below[-1]
        if solver in self.growth:
            return fixed_plus_growing(cost, size, self.growth[solver])
        slope = self._slope([_largest_two(own)]) if len({n for n, _ in own}) >= 2 else None
        b = min(max(self._exponent(family) if slope is None else slope, MIN_EXPONENT), 1.5)
        return cost[ref] * (size / ref) ** b

    def predict_trusted(self, solver: Any, family: str, size: int) -> float | None:
        """:meth:`predict` from the solver's own cells, where that is trustworthy enough to skip a
        cell for: two sizes measured whose costs grew, or a size measured within
        :data:`TRUSTED_REACH` times below ``size``. None otherwise: fixed costs (start-up, tracing)
        dominate small cells, and one tiny cell grown by 800 times says little."""
        own = sorted({n for n, _ in self.seen.get(solver) or []})
        if not own:
            return None
        predicted = self.predict(solver, family, size, own_only=True)
        if size <= own[-1] * TRUSTED_REACH:
            return predicted
        costs = {n: self.predict(solver, family, n, own_only=True) for n in own[-2:]}
        grew = len(own) >= 2 and costs[own[-1]] > costs[own[-2]] * 1.2
        return predicted if grew else None

    def remaining(self, running: dict[Any, float] | None = None) -> float | None:
        """Seconds left; ``running`` maps cells in flight to the seconds they have run already."""
        if not self.seen:
            return None
        running = running or {}
        left = sum(max(0.0, (self.predict(solver, family, size) or 0.0) - running.get(key, 0.0))
                   for key, (solver, family, size) in self.pending.items())
        return left / min(self.workers, max(1, len(self.pending)))


#: Skipped cells the terminal prints as they happen (the seed rule's are many, and only counted).
NEWS = ("stopped at", "predicted to")


#: A cell's cost predicted from a size at most this many times smaller is trusted (see
#: :meth:`Estimator.predict_trusted`).
TRUSTED_REACH = 10


def fixed_plus_growing(cost: dict[int, float], size: int, growth: float) -> float:
    """Seconds at ``size`` of ``a + b * n ** growth`` through the two largest measured sizes of
    ``cost`` (size -> seconds), with ``a, b >= 0``. With one size, or costs that did not grow
    between the two, all of the largest size's cost is taken to grow (an upper bound)."""
    sizes = sorted(cost)
    top = sizes[-1]
    if len(sizes) >= 2:
        low = sizes[-2]
        b = (cost[top] - cost[low]) / (top**growth - low**growth)
        if b > 0:
            a = max(0.0, cost[top] - b * top**growth)
            return a + b * size**growth
    return cost[top] * (size / top) ** growth


def growth_of(solver_cls) -> float:
    """The exponent a solver class declares for how its cells' cost grows with n (1 if it does not)."""
    return float(getattr(solver_cls, "cost_growth", 1.0) or 1.0)


def _largest_two(points: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The points at a solver's two largest sizes: cost growth slows with n (early stopping, plateaus),
    so the recent slope predicts the next size better than the slope over all sizes."""
    sizes = sorted({n for n, _ in points})[-2:]
    return [p for p in points if p[0] in sizes]


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


class RunProgress:
    """The terminal's view of a run (an :class:`~dlbench.engine.events.Listener`): a spinner while
    tasks load and models are exported, a progress bar of the cells with failures as they
    happen, time elapsed and (estimated) time left, and the run's notes."""

    def __init__(self, console):
        self.console = console
        self.progress = None
        self.status = None

    def __call__(self, event: events.Event) -> None:
        if isinstance(event, (events.Loading, events.Exporting)):
            text = f"loading {event.task}" if isinstance(event, events.Loading) else f"exporting {event.model}"
            if self.status is None:
                self.status = self.console.status(text)
                self.status.__enter__()
            self.status.update(text)
            return
        self._stop_status()
        if isinstance(event, events.Planned):
            self._start(event.jobs, event.workers)
        elif isinstance(event, events.CellStarted) and self.progress:
            self._started(event.job)
        elif isinstance(event, events.CellFinished) and self.progress:
            self._finished(event.job, event.row)
        elif isinstance(event, events.CellsDone):
            self._stop_bar(event.stopped)
        elif isinstance(event, events.Note):
            colour = "yellow" if event.level == "warning" else "cyan"
            label = "budget used up" if event.text.startswith("budget used up: ") else event.level
            text = event.text.removeprefix("budget used up: ")
            self.console.print(f"[{colour}]{label}:[/] {escape(text)}")

    def close(self) -> None:
        """Stop whatever still shows (a run that ended by an error)."""
        self._stop_status()
        self._stop_bar("stopped")

    def _stop_status(self) -> None:
        if self.status is not None:
            self.status.__exit__(None, None, None)
            self.status = None

    def _start(self, jobs: list, workers: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.estimator = Estimator.of_jobs(jobs, workers)
        self.started_at: dict[Any, float] = {}
        self.running: list[str] = []
        self.failed = 0
        self.said: set[tuple] = set()  # (solver, reason) of skipped cells already printed
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("[red]{task.fields[failed]} failed[/]"),
                                 TextColumn("elapsed {task.fields[elapsed]} · left ~{task.fields[left]}"),
                                 console=self.console, transient=False)
        self.progress.__enter__()
        self.clock = time.perf_counter()
        self.bar = self.progress.add_task("starting", total=len(jobs), failed=0, elapsed="0:00", left="?")

    def _stop_bar(self, stopped: str | None) -> None:
        if self.progress is not None:
            self._refresh("stopped" if stopped else "done")
            self.progress.__exit__(None, None, None)
            self.progress = None

    def _refresh(self, description: str | None = None, advance: int = 0) -> None:
        now = time.perf_counter()
        in_flight = {k: now - t for k, t in self.started_at.items()}
        self.progress.update(self.bar, advance=advance, failed=self.failed, elapsed=clock(now - self.clock),
                             left=clock(self.estimator.remaining(in_flight)),
                             description=description or (self.running[-1] if self.running else "finishing"))

    def _started(self, job) -> None:
        self.running.append(job.cell.label)
        self.started_at[job.cell.key] = time.perf_counter()
        self._refresh()

    def _finished(self, job, row: dict) -> None:
        self.estimator.ended(job.cell.key, self.started_at.pop(job.cell.key, None))
        if job.cell.label in self.running:
            self.running.remove(job.cell.label)
        if row["status"] in ("failed", "timeout"):
            self.failed += 1
            self.progress.console.print(f"[red]{row['status']}:[/] {escape(job.cell.label)}: "
                                        f"{escape(str(row.get('error')))}")
        elif row["status"] == "skipped" and str(row.get("error")).startswith(NEWS) and \
                (job.cell.solver, row.get("error")) not in self.said:
            self.said.add((job.cell.solver, row.get("error")))
            self.progress.console.print(f"[dim]skipped: {escape(job.cell.label)}: {escape(str(row.get('error')))}[/]")
        self._refresh(advance=1)
