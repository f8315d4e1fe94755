"""A task's findings and a run's: what ``findings.analyse`` returns, made of the ``records``.

Owns :class:`TaskFindings` (every finding about one task, the fields the page's part for it,
``summary.csv`` and the terminal read) and :class:`Findings` (every task's, the ranks across
tasks, what trained the deep solvers), with the typed access a notebook wants:
``found.task("wine").winner``, ``found.lines()``, ``found.to_dict()``. It computes no finding
(``findings``, ``shaping``) and renders nothing (``report``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from dlbench.analysis.records import (Across, Best, BoardRow, Capacity, CardRow, Cheapest, Claims, ClassShare,
                                      Confusion, Crossover, EnsembleGain, FamilyBest, FamilyCrossover, PairedTest,
                                      Pareto, ProblemGroup, Record, ScalingRow)

if TYPE_CHECKING:  # only for the annotations: these modules import nothing from here
    from dlbench.analysis.extrapolation import Extrapolation
    from dlbench.analysis.scaling import Curve


@dataclass
class TaskFindings(Record):
    """Every finding about one task: what the page's part for it, summary.csv and the terminal say."""

    task: str
    meta: dict[str, Any]  # the task's entry in run.json (modality, description...)
    sizes: list[int]  # training sizes with a finished cell, ascending
    families: dict[str, str]  # solver -> family
    smallest: int | None  # the smallest and largest of ``sizes`` (None without a finished cell)
    largest: int | None
    board: list[BoardRow]  # the leaderboard at the largest size, by validation score
    curves: dict[str, Curve]  # solver -> measured learning curve
    fits: dict[str, Extrapolation]  # solver -> bounded extrapolation
    target: float | None  # the target score the examples needed are counted for
    target_rule: str  # how it was chosen
    bests_small: dict[str, FamilyBest]  # family -> best at the smallest size
    bests_large: dict[str, FamilyBest]  # family -> best at the largest size
    audit: dict[str, Any] | None  # the data audit from run.json
    problems: list[dict[str, Any]]  # cells that did not finish (stored rows)
    seeds: int  # seeds that ran
    stopped: str | None  # why the run stopped early, if it did
    planned: int | None  # cells planned for the task
    stored: int  # cells of the grid stored (ensembles aside)
    best: Best | None = None  # the chosen solver (``winner``), None without one
    family_best: dict[str, str] = field(default_factory=dict)  # family -> its best solver at the largest size
    scaling: dict[str, ScalingRow] = field(default_factory=dict)  # solver -> fitted curve (two or more sizes)
    confusion: Confusion | None = None  # the best solver's, at the largest size
    pareto: Pareto | None = None  # accuracy against cost at the largest size
    best_single: str | None = None  # the winner, or the best single solver when an ensemble wins
    claims: Claims = field(default_factory=Claims)
    untested: int = 0  # comparisons without stored predictions to pair
    tests: list[PairedTest] = field(default_factory=list)  # the best against each other solver
    tied_with_best: list[str] = field(default_factory=list)  # solvers the tests cannot tell from the best
    cheapest_tied: Cheapest | None = None
    ensemble_gain: EnsembleGain | None = None
    solver_crossovers: dict[str, dict[str, Crossover]] = field(default_factory=dict)  # solver -> family -> vs best
    crossovers: list[FamilyCrossover] = field(default_factory=list)  # between the families' bests
    warnings: list[str] = field(default_factory=list)  # test examples in training, failed cells, a stopped run
    limitations: list[str] = field(default_factory=list)  # what the data cannot support, said once
    headline: list[str] = field(default_factory=list)  # the headline sentences
    headline_more: list[str] = field(default_factory=list)  # those the answer card does not already say
    card: list[CardRow] = field(default_factory=list)  # the answer card
    problem_groups: list[ProblemGroup] = field(default_factory=list)  # ``problems`` by solver, status and reason
    audit_classes: list[ClassShare] = field(default_factory=list)  # the audit's classes in training and test
    capacity: Capacity | None = None  # the model-size study (``--scales``), None without one

    @property
    def winner(self) -> str | None:
        """The chosen solver's name (None without a finished cell)."""
        return self.best.solver if self.best else None

    @property
    def at_largest(self) -> list[BoardRow]:
        """The leaderboard rows at the largest size."""
        return [r for r in self.board if r.train_size == self.largest]

    def row(self, solver: str) -> BoardRow | None:
        """``solver``'s leaderboard row, if it has one."""
        return next((r for r in self.board if r.solver == solver), None)

    @property
    def scaling_rows(self) -> list[ScalingRow]:
        """The scaling table's rows by family (rule, shallow, deep, ensemble), then name."""
        from dlbench.analysis.tables import FAMILY_ORDER

        order = sorted(self.scaling, key=lambda s: (FAMILY_ORDER.get(self.families.get(s), 9), s))
        return [self.scaling[s] for s in order]

    def lines(self) -> list[str]:
        """The headline as terminal lines, prefixed with the task (warnings first, notes last)."""
        return ([f"{self.task}: warning: {w}" for w in self.warnings]
                + [f"{self.task}: {s}" for s in self.headline]
                + [f"{self.task}: model size: {s}" for s in (self.capacity.sentences if self.capacity else [])]
                + [f"{self.task}: note: {w}" for w in self.limitations])


@dataclass
class Findings(Record):
    """The findings of a run: every task's (sorted by name), the ranks across tasks (two or more
    tasks) and what trained the deep solvers."""

    tasks: list[TaskFindings] = field(default_factory=list)
    across: Across | None = None
    devices: list[str] = field(default_factory=list)

    def task(self, name: str) -> TaskFindings:
        """The findings of the task ``name`` (KeyError naming the tasks there are)."""
        for t in self.tasks:
            if t.task == name:
                return t
        raise KeyError(f"no task {name!r} in these findings; they have: {', '.join(self.names) or 'none'}")

    @property
    def names(self) -> list[str]:
        """The tasks' names, sorted."""
        return [t.task for t in self.tasks]

    def __iter__(self) -> Iterator[TaskFindings]:
        return iter(self.tasks)

    def lines(self) -> list[str]:
        """Every task's headline as terminal lines (:meth:`TaskFindings.lines`)."""
        return [line for t in self.tasks for line in t.lines()]
