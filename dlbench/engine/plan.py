"""The experiment grid: training-set sizes, seeds, presets and the order cells run in.

Owns turning ``--sizes``/``--seeds``/``--quick``/``--thorough`` into a list of cells. Cells
are ordered smallest size first, so a run stopped early (budget, Ctrl-C, kill) still holds a
complete picture at the small sizes for every solver.
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
    "quick": Preset(n_sizes=3, seeds=1, trials=3, tune_time=30),
    "default": Preset(n_sizes=4, seeds=1, trials=5, tune_time=60),
    "thorough": Preset(n_sizes=7, seeds=5, trials=20, tune_time=300, tuner="bayesian"),
}


def parse_sizes(text: str | None) -> list[int | str] | None:
    """``"50,100,full"`` -> ``[50, 100, "full"]``; ``None`` keeps the default ladder."""
    if not text:
        return None
    sizes: list[int | str] = []
    for item in text.split(","):
        item = item.strip().lower()
        if item == "full":
            sizes.append("full")
        elif item.isdigit() and int(item) > 0:
            sizes.append(int(item))
        else:
            raise UsageError(f"--sizes takes positive integers or 'full', comma-separated (e.g. 50,100,full), not {item!r}")
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


def parse_duration(text: str | None) -> float | None:
    """``"90"``, ``"90s"``, ``"10m"``, ``"1.5h"`` -> seconds."""
    if text is None or text == "":
        return None
    units = {"s": 1, "m": 60, "h": 3600}
    value, unit = (text[:-1], text[-1]) if text[-1].lower() in units else (text, "s")
    try:
        seconds = float(value) * units[unit.lower()]
    except ValueError:
        raise UsageError(f"cannot read the duration {text!r}: write e.g. 90s, 10m or 1.5h") from None
    if seconds <= 0:
        raise UsageError(f"the duration {text!r} must be positive")
    return seconds
