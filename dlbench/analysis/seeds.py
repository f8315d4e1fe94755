"""Comparisons of setups with seeds as the unit: what varies when another training subset is drawn.

Owns the tests of claims about *setups* (solvers as ways to train a model, families, model
sizes, runs), whose variance is the variation between training subsets: the paired t-test over
per-seed differences, Welch's t-test over two runs' seeds, and the moderated paired t-test
(Smyth 2004) that lets a page's comparisons share what they know about that variance. Claims
about two trained models on one test set are ``stats``' paired tests over test examples.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from scipy import stats

from dlbench.analysis.stats import LEVEL

#: Spreads below this (relative to the difference) are no spread: the seeds trained the same models.
_TOL = 1e-9

def seed_comparison(scores_a: Sequence[float], scores_b: Sequence[float], paired: bool = True,
                    level: float = LEVEL) -> dict[str, Any]:
    """Compare two *setups* (solvers as methods, families, model sizes, runs) by their per-seed scores.

    A setup is a way to train a model, so a claim about it must count how much its score moves
    when another training subset (and solver seed) is drawn. The unit here is the seed: each
    score is one trained model's accuracy on the whole test set.

    Parameters
    ----------
    scores_a, scores_b : sequence of float
        One score per seed. ``paired``: entry ``i`` of both comes from the same seed, so the
        same training subset (a paired t-test on the differences, ``seeds - 1`` degrees of
        freedom). Otherwise the seeds are unrelated (two runs): Welch's t-test.
    level : float
        Confidence level of the interval of the difference.

    Returns
    -------
    dict
        ``diff`` (mean of A minus mean of B), ``low``/``high`` (t interval), ``p`` (two-sided),
        ``test``, ``n_seeds`` (the smaller side), and ``reason`` when no test is possible:
        fewer than two seeds on a side, or seeds that did not vary (every seed gave the same
        difference, as when every seed trained the same models: no training variance to count,
        ``p`` is None then too).

    Examples
    --------
    >>> r = seed_comparison([0.91, 0.93, 0.92], [0.90, 0.91, 0.90])
    >>> round(r["diff"], 3), r["test"], r["p"] < 0.05
    (0.017, 'paired t over 3 seeds', True)
    """
    a, b = np.asarray(scores_a, dtype=float), np.asarray(scores_b, dtype=float)
    if paired and a.shape != b.shape:
        raise ValueError(f"paired scores need one per seed on both sides, got {a.size} and {b.size}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    diff = float(a.mean() - b.mean()) if a.size and b.size else None
    out: dict[str, Any] = {"diff": diff, "low": None, "high": None, "p": None, "test": None,
                           "n_seeds": int(min(a.size, b.size)), "reason": None}
    if min(a.size, b.size) < 2:
        out["reason"] = "one seed: the variation between training subsets cannot be measured"
        return out
    if paired:
        d = a - b
        se, df = float(d.std(ddof=1)) / math.sqrt(d.size), d.size - 1
        out["test"] = f"paired t over {d.size} seeds"
    else:
        va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
        se = math.sqrt(va + vb)
        df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1)) if se > 0 else 1.0
        out["test"] = f"Welch t over {a.size} and {b.size} seeds"
    if se <= _TOL * max(1.0, abs(diff)):
        out["reason"] = "every seed gave the same difference: the seeds show no training variance"
        return out
    t = stats.t.ppf(0.5 + level / 2.0, df)
    out.update(low=float(diff - t * se), high=float(diff + t * se), p=float(2 * stats.t.sf(abs(diff) / se, df)))
    return out


def _trigamma_inverse(x: float) -> float:
    """The y with trigamma(y) = x (Smyth 2004's Newton iteration)."""
    from scipy.special import polygamma

    if x > 1e7:
        return 1.0 / math.sqrt(x)
    if x < 1e-6:
        return 1.0 / x
    y = 0.5 + 1.0 / x
    for _ in range(50):
        tri = float(polygamma(1, y))
        step = tri * (1.0 - tri / x) / float(polygamma(2, y))
        y += step
        if -step / y < 1e-8:
            break
    return y


def moderated_paired_t(diffs: Sequence[Sequence[float]]) -> list[dict[str, Any] | None]:
    """Paired t-tests over seeds for many comparisons at once, each variance shrunk towards theirs all.

    With 3 seeds a paired t-test has 2 degrees of freedom: a 7-point gap measured with a spread
    of 1 point is not significant after a page's Holm correction. The variances of a page's
    comparisons tell each other how much seeds move a difference, so this is the moderated
    t-test of Smyth (2004, limma): their spread gives a prior (``d0`` degrees of freedom around
    a typical variance ``s0²``), each comparison's variance is averaged with it, and the test
    has its own degrees of freedom plus ``d0``. When the variances differ much more than chance
    allows, ``d0`` is near 0 and each test is the plain paired t-test.

    ``diffs``: the per-seed differences of each comparison (2+ seeds, some variation). Returns
    per comparison ``diff``, ``low``/``high`` (95% t interval), ``p``, ``df`` and ``test``;
    None for one that cannot be tested (fewer than two seeds, no variation).
    """
    from scipy.special import digamma, polygamma

    arrays = [np.asarray(d, dtype=float) for d in diffs]
    usable = [i for i, d in enumerate(arrays) if d.size >= 2 and d.std(ddof=1) > _TOL]
    out: list[dict[str, Any] | None] = [None] * len(arrays)
    if not usable:
        return out
    s2 = np.array([arrays[i].var(ddof=1) for i in usable])
    df = np.array([arrays[i].size - 1 for i in usable], dtype=float)
    d0, s02 = 0.0, 0.0
    if len(usable) >= 3:  # the prior by moments of log s² (Smyth's fitFDist)
        e = np.log(s2) - digamma(df / 2) + np.log(df / 2)
        excess = float(np.var(e, ddof=1) - np.mean(polygamma(1, df / 2)))
        d0 = 2 * _trigamma_inverse(excess) if excess > 0 else math.inf
        s02 = float(np.exp(np.mean(e) + (digamma(d0 / 2) - np.log(d0 / 2) if math.isfinite(d0) else 0.0)))
        d0 = min(d0, 1e6)
    for k, i in enumerate(usable):
        d = arrays[i]
        shrunk = (d0 * s02 + df[k] * s2[k]) / (d0 + df[k])
        se, dof = math.sqrt(shrunk / d.size), df[k] + d0
        mean, t = float(d.mean()), float(stats.t.ppf(0.5 + LEVEL / 2.0, dof))
        out[i] = {"diff": mean, "low": mean - t * se, "high": mean + t * se,
                  "p": float(2 * stats.t.sf(abs(mean) / se, dof)), "df": float(dof),
                  "test": f"moderated paired t over {d.size} seeds"}
    return out
