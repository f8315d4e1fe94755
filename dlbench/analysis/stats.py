"""Statistics over stored scores: intervals over seeds, paired tests, ranks across tasks.

Owns the numbers behind every "±" and p-value in the report: the 95% t-interval of a mean over
seeds, the paired comparison of two solvers over seeds (Wilcoxon signed-rank when there are
enough pairs, a plain description when there are not), Holm's correction, and the Friedman test
with the Nemenyi critical difference across tasks. It knows nothing about solvers, figures or HTML.

Why these tests: the stored rows hold one score per (task, solver, size, seed), not predictions
per test example, so McNemar's test or a bootstrap over test examples cannot be computed. The
paired unit is the seed: the same seed gives two solvers the same training subset and the same
test set. With fewer than :data:`MIN_WILCOXON_PAIRS` seeds the exact two-sided Wilcoxon test
cannot reach p < 0.05 (its smallest p-value with 5 pairs is 2/32 = 0.0625), so the report
states "too few seeds" and shows the paired differences instead of a p-value that cannot say
anything.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

#: Paired seeds needed before a Wilcoxon signed-rank p-value is shown (2 / 2**6 < 0.05).
MIN_WILCOXON_PAIRS = 6
LEVEL = 0.95


def _finite(values: Iterable[Any]) -> list[float]:
    out = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f):
            out.append(f)
    return out


def mean_interval(values: Iterable[Any], level: float = LEVEL,
                  clip: tuple[float, float] | None = None) -> dict[str, Any]:
    """Mean and two-sided t-interval over seeds; ``low``/``high`` are None with one value.

    ``clip`` bounds the interval to a score's range, e.g. ``(0, 1)`` for accuracy.

    >>> r = mean_interval([0.8, 0.82, 0.84]); round(r["mean"], 2), r["n"]
    (0.82, 3)
    """
    xs = _finite(values)
    n = len(xs)
    if n == 0:
        return {"mean": None, "low": None, "high": None, "n": 0, "std": None}
    mean = sum(xs) / n
    if n == 1:
        return {"mean": mean, "low": None, "high": None, "n": 1, "std": None}
    from scipy import stats

    std = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * std / math.sqrt(n)
    low, high = mean - half, mean + half
    if clip is not None:
        low, high = max(low, clip[0]), min(high, clip[1])
    return {"mean": mean, "low": low, "high": high, "n": n, "std": std}


def paired_comparison(best: Mapping[int, float], other: Mapping[int, float]) -> dict[str, Any]:
    """Compare two solvers on the seeds both finished: ``best - other`` per seed.

    Returns the number of pairs, the mean difference with its t-interval, wins/ties/losses of
    ``best``, and a two-sided exact Wilcoxon signed-rank p-value when there are at least
    :data:`MIN_WILCOXON_PAIRS` pairs (``test`` says which, ``p`` is None otherwise).
    """
    seeds = sorted(set(best) & set(other))
    diffs = [best[s] - other[s] for s in seeds
             if _finite([best[s]]) and _finite([other[s]])]
    interval = mean_interval(diffs)
    result = {
        "pairs": len(diffs),
        "mean_diff": interval["mean"], "low": interval["low"], "high": interval["high"],
        "wins": sum(d > 0 for d in diffs), "ties": sum(d == 0 for d in diffs),
        "losses": sum(d < 0 for d in diffs),
        "test": None, "p": None,
    }
    if len(diffs) < MIN_WILCOXON_PAIRS:
        result["test"] = f"too few seeds ({len(diffs)} < {MIN_WILCOXON_PAIRS})"
        return result
    result["test"] = "Wilcoxon signed-rank"
    if all(d == 0 for d in diffs):
        result["p"] = 1.0
        return result
    from scipy import stats

    result["p"] = float(stats.wilcoxon(diffs, zero_method="wilcox", alternative="two-sided").pvalue)
    return result


def holm(pvalues: list[float | None]) -> list[float | None]:
    """Holm-Bonferroni adjusted p-values (None entries stay None and are not counted)."""
    indexed = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    m = len(indexed)
    adjusted: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(indexed):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def average_ranks(scores: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    """Rank solvers within each task (1 = highest score, ties share the mean rank).

    ``scores`` maps task -> solver -> score. Only solvers with a score on every task take part.
    Returns the solvers, the tasks, the rank table and the average rank per solver.
    """
    tasks = sorted(scores)
    if not tasks:
        return {"solvers": [], "tasks": [], "ranks": {}, "average": {}}
    common = sorted(set.intersection(*(set(k for k, v in scores[t].items() if _finite([v])) for t in tasks)))
    ranks: dict[str, dict[str, float]] = {}
    for t in tasks:
        ordered = sorted(common, key=lambda s: -scores[t][s])
        table: dict[str, float] = {}
        i = 0
        while i < len(ordered):
            j = i
            while j + 1 < len(ordered) and scores[t][ordered[j + 1]] == scores[t][ordered[i]]:
                j += 1
            for s in ordered[i:j + 1]:
                table[s] = (i + j) / 2 + 1
            i = j + 1
        ranks[t] = table
    average = {s: sum(ranks[t][s] for t in tasks) / len(tasks) for s in common}
    return {"solvers": common, "tasks": tasks, "ranks": ranks, "average": average}


def friedman(scores: Mapping[str, Mapping[str, float]], alpha: float = 0.05) -> dict[str, Any]:
    """Friedman test over tasks and the Nemenyi critical difference of average ranks.

    Needs at least 3 solvers common to all tasks and at least 2 tasks; otherwise ``p`` is None
    and ``reason`` says why.
    """
    ranked = average_ranks(scores)
    k, n = len(ranked["solvers"]), len(ranked["tasks"])
    ranked.update(statistic=None, p=None, cd=None, reason=None, n_tasks=n, n_solvers=k)
    if n < 2:
        ranked["reason"] = "one task only"
        return ranked
    if k < 3:
        ranked["reason"] = f"{k} solver{'s' if k != 1 else ''} common to all tasks (the test needs 3)"
        return ranked
    from scipy import stats

    samples = [[scores[t][s] for t in ranked["tasks"]] for s in ranked["solvers"]]
    if all(len(set(scores[t][s] for s in ranked["solvers"])) == 1 for t in ranked["tasks"]):
        ranked.update(statistic=0.0, p=1.0)
    else:
        result = stats.friedmanchisquare(*samples)
        ranked.update(statistic=float(result.statistic), p=float(result.pvalue))
    q = float(stats.studentized_range.ppf(1 - alpha, k, math.inf)) / math.sqrt(2)
    ranked["cd"] = q * math.sqrt(k * (k + 1) / (6 * n))
    return ranked
