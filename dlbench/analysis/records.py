"""The parts of the findings as types: what the report, the terminal and the API read.

Owns one dataclass per part of a task's findings (a leaderboard row, the chosen solver, a paired
test, a crossover, a scaling row, a line of the answer card, the model-size study...), their
base :class:`Record` with ``to_dict()`` (the JSON-able form), and :func:`clean`, the one place
where NaN becomes None (and :func:`finite`, a number or None). A task's and a run's findings, made of these, are ``task_findings``'.
It computes no finding (``findings``) and renders nothing (``report``); templates read these
fields as ``s.best.solver`` just as they read dict keys. The records are not frozen only so that
``findings`` can fill a task's in two steps (measure, then judge once the page's tests are
decided): read them, never change them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, TypeVar

R = TypeVar("R", bound="Record")


def clean(value: Any) -> Any:
    """``value`` with every NaN and infinity replaced by None (JSON has neither), numpy arrays and
    scalars as Python lists and numbers, tuples and sets as lists and keys as strings (as JSON writes them).
    The one NaN → None clean-up: stored rows, leaderboard rows and :meth:`Record.to_dict` use it."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [clean(v) for v in (sorted(value, key=str) if isinstance(value, (set, frozenset)) else value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return clean(dataclasses.asdict(value))
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return clean(value.tolist())
    return value


def finite(v: Any) -> float | None:
    """``v`` as a finite float, or None (None, NaN, infinities and what is not a number)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def clean_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stored or tabled row with NaN values as None (:func:`clean` of each value)."""
    return {k: clean(v) for k, v in row.items()}


class Record:
    """What every findings record shares: :meth:`to_dict` and :meth:`from_dict`."""

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-able data (``dataclasses.asdict``, then :func:`clean`)."""
        return clean(dataclasses.asdict(self))  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any], **more: Any) -> R:
        """The record from a dict (and ``more``), keeping only the keys that are its fields."""
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in {**data, **more}.items() if k in names})


# -- the parts of a task's findings --------------------------------------------------------------

@dataclass
class BoardRow(Record):
    """One solver at the task's largest size (``tables.leaderboard``), means over its seeds."""

    solver: str
    family: str
    train_size: int
    seeds: int | None = None  # seeds that have a row (any status)
    val_score: float | None = None  # cross-fitted validation score: what the ranking uses
    accuracy: float | None = None  # mean test accuracy
    accuracy_std: float | None = None
    macro_f1: float | None = None
    default_accuracy: float | None = None  # test accuracy with the default hyperparameters
    fit_seconds: float | None = None
    tune_seconds: float | None = None
    trials: float | None = None
    predict_seconds_per_1k: float | None = None
    peak_memory_mb: float | None = None
    n_params: float | None = None
    model_bytes: float | None = None
    flops: float | None = None
    untuned: float | None = None  # > 0: some seed fell back to the defaults
    tuned_on: float | None = None  # fewest examples its configurations were last compared on (subsets at scale)
    status: str = ""  # the statuses of its cells, joined
    ok_seeds: int = 0  # seeds that finished (the interval is over these)
    accuracy_low: float | None = None  # 95% interval of the mean test accuracy
    accuracy_high: float | None = None
    tuning_gain: float | None = None  # accuracy - default_accuracy

    @property
    def cost(self) -> float | None:
        """What the model costs to have and use: fit seconds plus prediction seconds per 1,000 examples."""
        fit, predict = finite(self.fit_seconds), finite(self.predict_seconds_per_1k)
        return None if fit is None or predict is None else fit + predict


@dataclass
class FamilyBest(Record):
    """The best solver of a family at a size, by validation score, with its test score."""

    solver: str
    val: float | None = None
    test: float | None = None


@dataclass
class Best(Record):
    """The chosen solver (the highest validation score at the largest size) and its test accuracy."""

    solver: str
    family: str | None
    size: int | None
    val: float | None = None  # its validation score
    test: float | None = None  # mean test accuracy, with its 95% interval
    low: float | None = None
    high: float | None = None
    seeds: int = 0
    val_crossfit: float | None = None  # validation accuracy of "pick the best by validation", cross-fitted


@dataclass
class PairedTest(Record):
    """A decided comparison ``a - b`` at one size (``evidence.compare`` + ``evidence.decide``).

    In ``TaskFindings.tests`` ``a`` is the best solver and ``solver`` the other one; ``standing``
    is the other against the best. ``kind``: ``setup`` (over seeds) or ``models`` (one seed,
    over test examples); ``verdict``: ``ahead``/``behind``/``tied``/``untested`` (an untested
    comparison has no numbers: they are None)."""

    verdict: str
    solver: str | None = None
    standing: str | None = None
    diff: float | None = None
    low: float | None = None
    high: float | None = None
    p: float | None = None
    p_holm: float | None = None  # Holm-corrected over every claim of its kind on the page
    test: str | None = None  # which test gave p
    kind: str | None = None
    seeds: int | None = None
    size: int | None = None
    discordant: int | None = None  # test examples only one of the two got right
    a_better: float | None = None
    b_better: float | None = None
    needs_seeds: bool | None = None  # one seed: a claim about the models would need seeds for the setups
    seed_diffs: list[float] | None = None


@dataclass
class Crossing(Record):
    """Where two fitted curves cross past the data (``extrapolation.crossing``): ``n`` and its 95%
    interval, ``fraction`` of the refits on resamples that cross within the horizon."""

    n: float | None
    low: float | None
    high: float | None
    fraction: float


@dataclass
class Crossover(Record):
    """Whether solver ``a`` overtakes ``b`` (``scaling.crossover``), seen from ``a``.

    ``kind``: ``overtakes``/``overtaken`` (decided at the measured sizes ``low``/``high``, ``n``
    interpolated), ``ahead``/``behind`` (at every significant size; ``extrapolated`` where the
    fitted curves cross), ``tied`` or ``none`` (never measured at the same size)."""

    kind: str
    source: str | None = None  # measured, or None
    n: float | None = None
    low: float | None = None
    high: float | None = None
    sizes: list[int] = field(default_factory=list)  # the sizes both were measured at
    extrapolated: Crossing | None = None
    diff_last: float | None = None  # mean difference at the largest shared size
    significant: list[int] = field(default_factory=list)  # sizes with a significant difference
    models_at: list[int] = field(default_factory=list)  # sizes whose claim is about two trained models
    needs_seeds: bool = False  # some size was decided with one seed


@dataclass
class FamilyCrossover(Crossover):
    """The crossover of the best solvers of two families (``solver_a`` of ``family_a``), with its sentence."""

    family_a: str = ""
    family_b: str = ""
    solver_a: str = ""
    solver_b: str = ""
    sentence: str = ""


@dataclass
class Need(Record):
    """Training examples needed to reach the target score (``extrapolation.examples_needed``);
    ``source``: measured, between, fitted, unreachable or unknown; ``words`` says it."""

    n: float | None = None
    low: float | None = None
    high: float | None = None  # inf: beyond the horizon
    source: str | None = None
    words: str = ""


@dataclass
class ScalingRow(Record):
    """A solver's fitted learning curve in the scaling table (solvers measured at two or more sizes)."""

    solver: str
    form: str | None
    params: dict[str, float]
    extrapolates: bool
    check: str  # why it extrapolates or not
    ill_behaved: str | None
    held_out: dict[str, float]
    floor: float | None  # the fitted ceiling score, with its interval
    floor_low: float | None
    floor_high: float | None
    pred_10x: float | None  # the predicted score at 10x the largest size, with its interval
    pred_10x_low: float | None
    pred_10x_high: float | None
    need: Need
    auc: float | None  # mean score over log n
    sizes: int
    seeds: int


@dataclass
class Pareto(Record):
    """Pareto fronts at the largest size (highest accuracy for the cost), per cost axis;
    ``front`` the one of ``front_axis`` (fit time), the only one the page tags and draws."""

    axes: dict[str, str]  # cost column -> its words
    fronts: dict[str, list[str]]
    front: list[str]
    front_axis: str


@dataclass
class ConfusionCell(Record):
    value: int
    share: float  # of the row (the true class)
    diag: bool


@dataclass
class ConfusionRow(Record):
    label: str  # the true class
    cells: list[ConfusionCell]
    total: int
    recall: float | None


@dataclass
class Confusion(Record):
    """The best solver's confusion matrix at the largest size, of the seed with the median accuracy;
    ``rows`` the matrix with shares and recall, ``top`` its largest confusions (up to 20)."""

    solver: str
    seed: int
    size: int
    accuracy: float
    seeds: int
    classes: list[str]
    matrix: list[list[int]]
    rows: list[ConfusionRow] = field(default_factory=list)
    top: list[dict[str, Any]] = field(default_factory=list)  # count, true, predicted


@dataclass
class Cheapest(Record):
    """Of the best and the solvers tied with it (ensembles aside), the cheapest to fit and use."""

    solver: str
    family: str
    cost: float
    fit_seconds: float | None
    predict_seconds_per_1k: float | None
    accuracy: float | None


@dataclass
class EnsembleGain(Record):
    """The ensemble against the best single solver at the largest size: gain with its interval and
    verdict, and the ratios of its cost (fit + prediction) and of its fit time."""

    single: str
    diff: float | None
    low: float | None
    high: float | None
    verdict: str
    kind: str | None
    cost_ratio: float | None
    fit_ratio: float | None


@dataclass
class CardRow(Record):
    """One line of the answer card: the best single solver of a family, or an ensemble."""

    solver: str
    family: str | None
    winner: bool
    best_single: bool  # the best single solver where an ensemble wins
    cheapest: bool  # the cheapest tied with the best
    ensemble: bool
    test: float | None
    low: float | None
    high: float | None
    verdict: str | None  # its standing against the winner
    fit_seconds: float | None
    latency: float | None  # prediction seconds per 1,000 examples
    n_params: float | None
    model_bytes: float | None
    untuned: bool


@dataclass
class ProblemGroup(Record):
    """Cells of one solver that did not finish with one status and reason."""

    solver: str | None
    status: str | None
    error: str
    count: int
    sizes: list[int]
    seeds: list[int]


@dataclass
class ClassShare(Record):
    """One class of the data audit: its examples in the training pool and the test set."""

    name: str
    train: int
    train_share: float
    test: int
    test_share: float


@dataclass
class Claims(Record):
    """How many claims of each kind Holm's correction covered (a page's worth)."""

    setup: int = 0
    models: int = 0


@dataclass
class CapacitySolver(Record):
    """One solver of the model-size study: its points (scale, size, mean, low, high, seeds, n_params,
    compute), per size the most accurate and the cheapest tied scale, sentences, and the joint law."""

    solver: str
    family: str
    scales: list[float]
    sizes: list[int]
    points: list[dict[str, Any]]
    compute: str  # the column the frontier counts cost in
    frontier: list[dict[str, Any]]
    sentences: list[str]
    law: dict[str, Any] | None


@dataclass
class Capacity(Record):
    """The model-size study of a task (``--scales``): per solver, and how many comparisons it made."""

    solvers: list[CapacitySolver]
    sentences: list[str]
    tests: int


@dataclass
class Across(Record):
    """Average ranks over tasks of the solvers common to all, the Friedman test and the critical
    difference; the CD diagram is drawn only when Friedman rejects, ``reason`` says why not."""

    tasks: list[str]
    solvers: list[str]
    n_tasks: int
    n_solvers: int
    ranks: dict[str, dict[str, float]] = field(default_factory=dict)  # task -> solver -> rank
    average: dict[str, float] = field(default_factory=dict)
    statistic: float | None = None
    p: float | None = None
    cd: float | None = None
    rejects: bool = False
    reason: str | None = None
