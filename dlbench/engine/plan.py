"""The experiment grid: training-set sizes, seeds, presets and the order cells run in.

Owns turning ``--sizes``/``--seeds``/``--quick``/``--thorough`` into a list of cells, and
their order (:func:`run_order`): smallest size first, so a run stopped early (budget,
Ctrl-C, kill) holds a picture at the small sizes for every solver, and within a size the first
seed before the others; with several seeds the first seed's full-size cells go first, unless
the task is large enough for its cells to depend on the curve. It does not build or run cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlbench.core.errors import UsageError


@dataclass(frozen=True)
class Preset:
    n_sizes: int
    seeds: int
    trials: int
    tune_time: float  # seconds per cell
    tuner: str = "random"


PRESETS = {
    "quick": Preset(n_sizes=3, seeds=1, trials=3, tune_time=30, tuner="hyperband"),
    "default": Preset(n_sizes=5, seeds=3, trials=5, tune_time=60, tuner="hyperband"),
    "thorough": Preset(n_sizes=7, seeds=5, trials=20, tune_time=300, tuner="bayesian"),
}


def parse_sizes(text: str | None) -> list[int | str] | None:
    """``"50,100,full"`` -> ``[50, 100, "full"]``; ``None`` keeps the default ladder.

    Items are positive integers (digits only) or ``full``; repeats are merged, in the order given.
    """
    if text is None or text == "":
        return None
    sizes: list[int | str] = []
    for raw in str(text).split(","):
        item = raw.strip().lower()
        if item == "full":
            size: int | str = "full"
        elif item.isascii() and item.isdigit() and item.lstrip("0"):
            digits = item.lstrip("0")
            size = int(digits) if len(digits) <= 19 else 10**19  # beyond any pool: dropped later
        else:
            what = "an empty item" if not item else repr(raw.strip())
            raise UsageError(f"--sizes {text!r}: {what} is not a positive whole number or 'full'; give "
                             "training-set sizes, comma-separated, e.g. --sizes 50,100,full")
        if size not in sizes:
            sizes.append(size)
    return sizes


def default_ladder(pool: int, n_classes: int, n_sizes: int) -> list[int]:
    """A geometric ladder from about 10 examples per class up to the whole training pool."""
    smallest = min(pool, max(10 * n_classes, 2 * n_classes, 20))
    if n_sizes <= 1 or smallest >= pool:
        return [pool]
    ladder = np.geomspace(smallest, pool, n_sizes)
    return sorted({int(round(n)) for n in ladder[:-1]} | {pool})


def resolve_sizes(sizes: list[int | str] | None, pool: int, n_classes: int, n_sizes: int) -> list[int]:
    """Concrete sizes for one task: ``full`` is the pool; sizes beyond it are dropped."""
    if sizes is None:
        return default_ladder(pool, n_classes, n_sizes)
    concrete = {pool if s == "full" else int(s) for s in sizes}
    too_small = sorted(s for s in concrete if s < n_classes)
    if too_small:
        raise UsageError(f"--sizes {too_small[0]} is smaller than the {n_classes} classes: every subset holds every class")
    kept = sorted(s for s in concrete if s <= pool)
    if not kept:
        raise UsageError(f"every --sizes value exceeds the training pool of {pool} examples: use smaller sizes or 'full'")
    return kept


#: Order of the families within one training size: deep cells take longest, rules are instant.
COST_RANK = {"deep": 0, "shallow": 1, "rule": 2}
#: Which family's full-size cell goes first in each turn of :func:`full_size_first`.
TURN_RANK = {"rule": 0, "shallow": 1, "deep": 2}


def run_order(jobs: list, sizes: dict[str, list[int]], seed: int, seeds: int, curve_first: set[str] = frozenset()) -> list:
    """``jobs`` (each with ``.cell`` and ``.solver_cls``) in the order they run: :func:`stage_order`,
    but with more than one seed the full-size cells of the first, ``seed``, go first
    (:func:`full_size_first`). The costliest cells are then measured early: the time-left
    estimate predicts the other seeds' full-size cells, often half the run, from them.

    Tasks in ``curve_first`` keep :func:`stage_order` (every size's first-seed cells before its
    other seeds): whether their large cells run depends on the curve and the spread of seeds
    measured before them (``engine.admission``).
    """
    ordered = stage_order(jobs, sizes, seed)
    if seeds < 2:
        return ordered
    full, rest = full_size_first([j for j in ordered if j.cell.task not in curve_first], sizes, seed)
    first = {j.cell.key for j in full}
    return full + [j for j in ordered if j.cell.key not in first]


def stage_order(jobs: list, sizes: dict[str, list[int]], seed: int | None = None, seeds_last: bool = False) -> list:
    """Smallest size first; within a size the first ``seed``'s cells first, then the costliest
    family first, so the cores stay busy to the end, then by seed, task (in the order of
    ``sizes``), solver, and the biggest model first. ``seeds_last``: every other seed's cells
    after all of the first seed's."""
    tasks = list(sizes)

    def key(j):
        extra = j.cell.seed != seed
        size = sizes[j.cell.task].index(j.cell.train_size)
        return ((extra, size) if seeds_last else (size, extra)) + (
            COST_RANK.get(j.solver_cls.family, 0), j.cell.seed, tasks.index(j.cell.task), j.cell.solver, -j.cell.scale)

    return sorted(jobs, key=key)


def full_size_first(jobs: list, sizes: dict[str, list[int]], seed: int,
                    default_scale_only: bool = False) -> tuple[list, list]:
    """The full-size jobs of ``seed`` (at the solvers' own size only, if ``default_scale_only``),
    to run first, and the other jobs in their order.

    The families take turns, rules first, and each family's cheap solvers first
    (``cost_rank``): every family has a full-size result early, and the costliest cells still
    start before the small ones that fill the cores at the end.
    """
    full = [j for j in jobs if j.cell.seed == seed and j.cell.train_size == sizes[j.cell.task][-1]
            and (j.cell.scale == 1 or not default_scale_only)]
    turn: dict = {}
    for job in sorted(full, key=lambda j: (j.cell.task, j.solver_cls.family, j.solver_cls.cost_rank,
                                           j.cell.solver, -j.cell.scale)):
        group = (job.cell.task, job.solver_cls.family)
        turn[job.cell.key] = turn.get(group, 0)
        turn[group] = turn.get(group, 0) + 1
    full.sort(key=lambda j: (turn[j.cell.key], TURN_RANK.get(j.solver_cls.family, 3), j.cell.task, j.cell.solver))
    first = {j.cell.key for j in full}
    return full, [j for j in jobs if j.cell.key not in first]


#: The model-size ladder of ``--scaling-study``: a quarter, the solvers' own size, four times.
SCALING_STUDY = (0.25, 1.0, 4.0)
#: Largest ``--scales`` factor: beyond it a 256-unit layer has millions of units.
MAX_SCALE = 64.0


def parse_scales(text: str | None) -> list[float] | None:
    """``"0.25,1,4"`` -> ``[0.25, 1.0, 4.0]`` (sorted, repeats merged); ``None`` keeps ``[1]``.

    Every factor is a positive number up to :data:`MAX_SCALE`, and 1 must be among them: the
    comparisons across families, the ensembles and the exported models use each solver at
    its own size.
    """
    if text is None or text == "":
        return None
    import math

    scales: set[float] = set()
    for raw in str(text).split(","):
        item = raw.strip()
        try:
            value = float(item)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 < value <= MAX_SCALE):
            what = "an empty item" if not item else repr(item)
            raise UsageError(f"--scales {text!r}: {what} is not a positive number up to {MAX_SCALE:g}; give "
                             "model-size factors, comma-separated, e.g. --scales 0.25,1,4")
        scales.add(value)
    if 1.0 not in scales:
        raise UsageError(f"--scales {text!r} leaves out 1, the solvers' own size, which the comparisons across "
                         f"families use: add it, e.g. --scales {','.join(f'{s:g}' for s in sorted(scales | {1.0}))}")
    return sorted(scales)


UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(text: str | None, option: str = "duration") -> float | None:
    """``"90"``, ``"90s"``, ``"10m"``, ``"1.5h"`` -> seconds; ``None``/``""`` -> ``None``.

    Anything else (NaN, infinity, zero, negative, an unknown unit) is a :class:`UsageError`
    that echoes the value; ``option`` (e.g. ``"--budget"``) names it in the message.
    """
    if text is None or text == "":
        return None
    import math

    raw = str(text)
    item = raw.strip().lower()
    value, unit = (item[:-1].strip(), item[-1]) if item[-1:] in UNITS else (item, "s")
    hint = "write a positive number of seconds, or e.g. 90s, 10m or 1.5h"
    try:
        seconds = float(value) * UNITS[unit]
    except (ValueError, OverflowError):
        raise UsageError(f"cannot read the {option} {raw!r}: {hint}") from None
    if not math.isfinite(seconds):
        raise UsageError(f"the {option} {raw!r} is not a finite number: {hint}")
    if seconds <= 0:
        raise UsageError(f"the {option} {raw!r} must be positive: {hint}")
    return seconds
