"""Learning-curve arithmetic over measured points: curves, area, crossovers between measured sizes.

Owns :class:`Curve` (a solver's per-size means, bands and per-seed scores), the area under a
curve over log n, where one curve overtakes another as decided by the paired tests at the sizes
both were measured at, and how an estimated size is written. Curves come in as plain numbers
and verdicts; nothing here reads rows, fits curve forms or draws. Beyond the measured sizes it
says nothing itself: a crossing of fitted curves comes from the caller (``extrapolation``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

@dataclass
class Curve:
    """A solver's measured learning curve: per-size means (and bands) plus every seed's point."""

    sizes: list[int]
    means: list[float]
    lows: list[float | None] = field(default_factory=list)
    highs: list[float | None] = field(default_factory=list)
    by_seed: dict[int, dict[int, float]] = field(default_factory=dict)  # size -> {seed: score}

    def mean_at(self, size: int) -> float | None:
        return self.means[self.sizes.index(size)] if size in self.sizes else None

    @property
    def points(self) -> list[tuple[int, float]]:
        """(size, score) of every seed, the data a power law is fitted to."""
        return [(n, v) for n in self.sizes for _, v in sorted(self.by_seed.get(n, {}).items())]

    @property
    def seeds(self) -> int:
        return max((len(v) for v in self.by_seed.values()), default=0)


def fmt_n(n: float | None) -> str:
    """An estimated size in words: ``87``, ``540``, ``150,000`` (2 significant digits from 100 on)."""
    if n is None or not math.isfinite(n):
        return "?"
    if n >= 100:
        digits = int(math.floor(math.log10(n))) - 1
        n = round(n, -digits)
    return f"{int(round(n)):,}"


def _log_interp(n1: float, y1: float, n2: float, y2: float, target: float) -> float:
    """The n between n1 and n2 where the straight line on (log n, y) reaches ``target``."""
    if y2 == y1:
        return n1
    t = (target - y1) / (y2 - y1)
    return math.exp(math.log(n1) + t * (math.log(n2) - math.log(n1)))


def area_under_curve(curve: Curve) -> float | None:
    """Mean score over log n (trapezoids), normalised by the log range: a number in [0, 1]."""
    if len(curve.sizes) < 2:
        return None
    logs = [math.log(n) for n in curve.sizes]
    area = sum((logs[i + 1] - logs[i]) * (curve.means[i] + curve.means[i + 1]) / 2 for i in range(len(logs) - 1))
    return area / (logs[-1] - logs[0])


# -- crossovers ---------------------------------------------------------------------------------

def _sign(x: float, eps: float = 1e-9) -> int:
    return 0 if abs(x) <= eps else (1 if x > 0 else -1)


def crossover(sizes: list[int], verdicts: list[str], diffs: list[float],
              beyond: Callable[[], dict[str, Any] | None] = lambda: None) -> dict[str, Any]:
    """Whether ``a`` overtakes ``b``, decided by the paired test at each size both were measured at.

    ``verdicts`` (``ahead``/``behind``/``tied``/``untested``, seen from ``a``, multiple-testing
    corrected) and mean differences ``diffs`` are given per size in ``sizes`` (ascending).
    ``kind``: ``overtakes`` when ``a`` is significantly behind at a smaller size and
    significantly ahead at a larger one (``overtaken`` the other way round; the last such change
    counts), with ``n`` interpolated on log n where the mean difference changes sign between the
    two sizes ``low``/``high``; ``ahead``/``behind`` when it is significantly ahead (behind) at
    some size and never the other way, in which case ``beyond()`` gives the crossing of their
    fitted curves past the data, if any (``extrapolated``); ``tied`` when no size shows a significant
    difference; ``none`` when they share no measured size.
    """
    out: dict[str, Any] = {"kind": "none" if not sizes else "tied", "source": None, "n": None, "low": None,
                           "high": None, "sizes": list(sizes), "extrapolated": None,
                           "diff_last": diffs[-1] if diffs else None,
                           "significant": [n for n, v in zip(sizes, verdicts) if v in ("ahead", "behind")]}
    marked = [(i, v) for i, v in enumerate(verdicts) if v in ("ahead", "behind")]
    if not marked:
        return out
    change = None
    for (i1, v1), (i2, v2) in zip(marked, marked[1:]):
        if v1 != v2:
            change = (i1, i2, v2)
    if change is not None:
        i1, i2, after = change
        cross = next(((sizes[k], diffs[k], sizes[k + 1], diffs[k + 1]) for k in range(i2 - 1, i1 - 1, -1)
                      if _sign(diffs[k]) != _sign(diffs[k + 1])), None)
        n = _log_interp(*cross, 0.0) if cross else math.sqrt(sizes[i1] * sizes[i2])
        out.update(kind="overtakes" if after == "ahead" else "overtaken", source="measured", n=n,
                   low=sizes[i1], high=sizes[i2])
        return out
    final = marked[-1][1]
    out["kind"] = final
    if marked[-1][0] == len(sizes) - 1:  # still significant at the largest shared size
        out["extrapolated"] = beyond()
    return out
