"""Whether a planned cell starts: its predicted cost, its solver's own learning curve and the seed rule.

Owns :class:`Admission`, asked just before each cell would start, with the rows finished so
far. A cell that does not start is stored as ``skipped`` with the reason, never silently:

1. **Cost.** Its predicted seconds (the time-left model, :class:`~dlbench.engine.progress.Estimator`,
   from the solver's own finished cells: a fixed part plus a part growing like ``n ** cost_growth``,
   the exponent every solver declares, through its two largest sizes; only where that is
   trustworthy, :meth:`~dlbench.engine.progress.Estimator.predict_trusted`) exceed the cell limit: ``--cell-timeout``, else a share
   (:data:`BUDGET_SHARE`) of ``--budget``, else :data:`DEFAULT_CELL_LIMIT`; or they exceed
   what is left of the ``--budget``.
2. **Its learning curve** (LCCV, Mohr & van Rijn 2022). Learning curves are assumed to rise
   ever more slowly, so the straight line through the 95% upper bound of the solver's score at
   its largest measured size and the 95% lower bound at the size before is an optimistic bound
   at any larger size. When that bound stays below the leader's 95% lower bound (the best other
   solver at its largest measured size), the solver stops there for good. The best solver of
   each family at the family's largest measured size is never stopped: whether a family
   overtakes another is the question. ``--no-discard`` turns this off.
3. **The seed rule.** All seeds run until a solver's training variance is measured. An extra
   seed at size n runs while the variance between seeds (measured at n, else at the largest
   smaller size with two seeds) divided by the seeds already run is at least
   :data:`SEED_SHARE` of the test-sampling variance p(1 - p) / n_test, which more seeds do not
   reduce: a score's variance is ``test + train / seeds``, so seeds stop where the second part
   is small. The best solver of each family at the largest size always gets two seeds.

Rules 2 and 3 apply from :data:`SAVE_FROM` training examples on: smaller cells are cheap, and
there the training subset changes the model most, so every seed of every solver runs.

It reads rows (dicts with the result columns), never the store or a solver.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from dlbench.engine.plan import TURN_RANK
from dlbench.engine.progress import Estimator, clock, growth_of

#: The cell limit without ``--cell-timeout`` or ``--budget``: an RBF SVM at 500,000 examples
#: is skipped with its predicted cost, not left to run for a day.
DEFAULT_CELL_LIMIT = 3600.0
#: With ``--budget`` and no ``--cell-timeout``, a cell may take at most this share of it.
BUDGET_SHARE = 0.5
#: An extra seed runs while the training variance of the mean is at least this share of the
#: test-sampling variance.
SEED_SHARE = 0.25
#: Training size from which a solver may be stopped by its curve and seeds left out.
SAVE_FROM = 5000
Z = 1.959964


@dataclass
class Point:
    """One solver's measured score at one size: the mean over seeds and its 95% interval."""

    size: int
    mean: float
    low: float
    high: float
    seeds: int
    train_var: float | None  # variance between seeds (None with one seed)
    test_var: float


def point(size: int, scores: list[float], n_test: int) -> Point:
    mean = sum(scores) / len(scores)
    train_var = sum((s - mean) ** 2 for s in scores) / (len(scores) - 1) if len(scores) > 1 else None
    test_var = mean * (1 - mean) / max(1, n_test)
    sd = math.sqrt(test_var + (train_var or 0.0) / len(scores))
    return Point(size, mean, max(0.0, mean - Z * sd), min(1.0, mean + Z * sd), len(scores), train_var, test_var)


def optimistic_bound(curve: list[Point], size: int) -> float | None:
    """The highest score a concave learning curve through ``curve``'s last two intervals reaches
    at ``size``; None with fewer than two sizes measured."""
    if len(curve) < 2:
        return None
    before, last = curve[-2], curve[-1]
    slope = max(0.0, (last.high - before.low) / (last.size - before.size))
    return min(1.0, last.high + slope * (size - last.size))


@dataclass
class Admission:
    """Decides, cell by cell, whether a planned cell starts (see the module's rules).

    ``sizes``: each task's training sizes; ``first_seed``: the seed whose cells trace the curve;
    ``limit``: seconds a cell may take; ``discard``: False turns rules 2 and 3 off.
    """

    sizes: dict[str, list[int]]
    first_seed: int
    limit: float | None = DEFAULT_CELL_LIMIT
    discard: bool = True
    estimator: Estimator = field(default_factory=lambda: Estimator([]))
    stopped: dict[tuple, str] = field(default_factory=dict)  # (task, solver, scale) -> why it stopped
    scores: dict[tuple, dict[int, dict[int, float]]] = field(default_factory=lambda: defaultdict(dict))
    n_test: dict[str, int] = field(default_factory=dict)
    family: dict[str, str] = field(default_factory=dict)
    over_budget: list = field(default_factory=list)  # jobs refused for the time left of the budget
    turns: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))  # (task, family) -> full-size cells started
    too_costly: dict[tuple, int] = field(default_factory=dict)  # (task, solver, scale) -> smallest size over the limit

    def done(self, row: dict, seconds: float | None = None) -> None:
        """Take a finished cell's row (and the seconds it took, for the cost model); ensemble rows
        (a resumed run's) are not cells and lead nothing."""
        if row.get("family") == "ensemble":
            return
        solver, scale = row["solver"], float(row.get("scale") or 1.0)
        self.family[solver] = row.get("family") or ""
        if seconds is not None and row.get("status") == "ok":
            self.estimator.learn((solver, scale), self.family[solver], int(row["train_size"]), seconds)
        if row.get("status") == "ok" and row.get("accuracy") is not None:
            curve = self.scores[(row["task"], solver, scale)]
            curve.setdefault(int(row["train_size"]), {})[int(row["seed"])] = float(row["accuracy"])
            self.n_test[row["task"]] = int(row.get("n_test") or 0)

    def curve(self, task: str, solver: str, scale: float, below: int | None = None) -> list[Point]:
        """A solver's measured points, smallest size first (only those below ``below``)."""
        by_size = self.scores.get((task, solver, scale), {})
        return [point(n, list(by_size[n].values()), self.n_test.get(task, 0))
                for n in sorted(by_size) if below is None or n < below]

    def reason(self, job, time_left: float | None = None) -> str | None:
        """Why ``job`` should not start (one line), or None to start it. ``time_left``: seconds
        left of the ``--budget``."""
        cell = job.cell
        key = (cell.task, cell.solver, float(cell.scale))
        self.family[cell.solver] = job.solver_cls.family
        checks = (lambda: self._stopped(key, cell), lambda: self._cost(job, time_left), lambda: self._seed(key, cell))
        why = next((why for why in (check() for check in checks) if why), None)
        if why is None and self._full_first(cell):
            self.turns[(cell.task, job.solver_cls.family)] += 1
        return why

    def _full_first(self, cell) -> bool:
        return cell.seed == self.first_seed and cell.at_full_size(self.sizes.get(cell.task, [None])[-1])

    def choose(self, pending: list) -> int:
        """Which pending job starts next (an index into ``pending``), under a ``--budget``.

        While the plan's next job is a full-size cell of the first seed, the family of the task
        with the fewest full-size cells started so far takes its turn (rules, shallow, deep on
        ties), with its most promising solver: the best score at its largest size measured so
        far (the budget's pilot sizes). Otherwise the plan's order holds.
        """
        if not pending or not self._full_first(pending[0].cell):
            return 0
        task = pending[0].cell.task
        options = [(i, j) for i, j in enumerate(pending) if j.cell.task == task and self._full_first(j.cell)]

        def promise(item) -> tuple:
            i, job = item
            curve = self.curve(task, job.cell.solver, 1.0)
            return (self.turns[(task, job.solver_cls.family)], TURN_RANK.get(job.solver_cls.family, 3),
                    -(curve[-1].mean if curve else -1.0), i)

        return min(options, key=promise)[0]

    def _cost(self, job, time_left: float | None) -> str | None:
        cell, solver_cls = job.cell, job.solver_cls
        solver = (cell.solver, float(cell.scale))
        growth = self.estimator.growth.setdefault(solver, growth_of(solver_cls))
        key = (cell.task, cell.solver, float(cell.scale))
        if key in self.too_costly and cell.train_size > self.too_costly[key]:
            return (f"predicted to overrun the cell limit of {clock(self.limit)} at n = {self.too_costly[key]:,} "
                    "already: raise --cell-timeout to run it")
        predicted = self.estimator.predict_trusted(solver, solver_cls.family, cell.train_size)
        if predicted is None:
            return None
        if self.limit is not None and predicted > self.limit:
            self.too_costly[key] = min(cell.train_size, self.too_costly.get(key, cell.train_size))
            return (f"predicted to take {clock(predicted)}, more than the cell limit of {clock(self.limit)} (its cost "
                    f"grows like n^{growth:g}): raise --cell-timeout to run it")
        if time_left is not None and predicted > time_left:
            self.over_budget.append(job)
            return (f"not run: predicted to take {clock(predicted)}, more than the {clock(time_left)} left of the "
                    "--budget (run again with --resume to finish)")
        return None

    def _stopped(self, key: tuple, cell) -> str | None:
        if key in self.stopped:
            return self.stopped[key]
        if not self.discard or cell.train_size < SAVE_FROM:
            return None
        task, solver, scale = key
        curve = self.curve(task, solver, scale, below=cell.train_size)
        bound = optimistic_bound(curve, cell.train_size)
        if bound is None or self._family_best(task, solver, scale, cell.train_size):
            return None
        leader = self._leader(task, solver, scale, cell.train_size)
        if leader is None or bound >= leader[1]:
            return None
        name, low, size = leader
        self.stopped[key] = (f"stopped at n = {cell.train_size:,}: its 95% upper bound there, {bound:.3f}, is below "
                             f"{name}'s {low:.3f} (95% lower bound at n = {size:,}); --no-discard runs it")
        return self.stopped[key]

    def _leader(self, task: str, solver: str, scale: float, size: int) -> tuple[str, float, int] | None:
        """The other solver with the highest 95% lower bound at its largest size below ``size``."""
        best = None
        for (t, other, s), _ in self.scores.items():
            if t != task or s != scale or other == solver:
                continue
            curve = self.curve(task, other, scale, below=size)
            if curve and (best is None or curve[-1].low > best[1]):
                best = (other, curve[-1].low, curve[-1].size)
        return best

    def _family_best(self, task: str, solver: str, scale: float, size: int) -> bool:
        """Whether ``solver`` is the best of its family at the family's largest size below ``size``."""
        family = self.family.get(solver)
        means: dict[int, dict[str, float]] = defaultdict(dict)
        for (t, other, s), _ in self.scores.items():
            if t == task and s == scale and self.family.get(other) == family:
                for p in self.curve(task, other, scale, below=size):
                    means[p.size][other] = p.mean
        if not means:
            return True
        last = means[max(means)]
        return max(last, key=last.get) == solver

    def _seed(self, key: tuple, cell) -> str | None:
        if cell.seed == self.first_seed or not self.discard or cell.train_size < SAVE_FROM:
            return None
        task, solver, scale = key
        by_size = self.scores.get(key, {})
        ran = by_size.get(cell.train_size, {})
        largest = self.sizes.get(task, [cell.train_size])[-1]
        if cell.train_size == largest and len(ran) < 2 and self._family_best(task, solver, scale, largest + 1):
            return None  # the family's best at the largest size: at least two seeds
        curve = self.curve(task, solver, scale, below=cell.train_size + 1)
        measured = [p for p in curve if p.train_var is not None]
        if not measured or not ran:
            return None
        at = measured[-1]
        test_var = curve[-1].test_var
        share = at.train_var / len(ran) / test_var if test_var > 0 else math.inf
        if share >= SEED_SHARE:
            return None
        return (f"seed not needed at n = {cell.train_size:,}: the variance between seeds (sd {math.sqrt(at.train_var):.4f} at "
                f"n = {at.size:,}) over {len(ran)} seed{'s' if len(ran) > 1 else ''} is under {SEED_SHARE:.0%} of the "
                f"test-sampling variance (sd {math.sqrt(test_var):.4f})")
