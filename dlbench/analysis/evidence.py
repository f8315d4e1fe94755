"""Per-example evidence: which test examples each stored cell got right, and the intervals and paired tests over them.

Owns turning stored predictions into correctness matrices (seeds × test examples, the test set
being the same for every seed of a task), the interval of a solver's accuracy at one size
(Wilson with one seed, a bootstrap over seeds and examples with several) and the comparison of
two solvers on the seeds both finished: of the setups (seeds as the unit) when there are
several seeds, of the two trained models (test examples as the unit) when there is one. A cell whose predictions were not stored
(a run from an older version) still gets an interval from its accuracy and test size, but no
paired test: comparisons with it are ``untested`` and every claim about them says tied.
It does not choose winners or write sentences (``findings``).
"""

from __future__ import annotations

import zlib
from typing import Any, Mapping

import numpy as np

from dlbench.analysis import stats
from dlbench.analysis.seeds import moderated_paired_t, seed_comparison

Key = tuple  # (task, solver, train_size, seed)


def _seed_of(*parts: Any) -> int:
    """A bootstrap seed that depends only on what is compared, so a page is reproducible."""
    return zlib.crc32(repr(parts).encode()) or 1


class Evidence:
    """Correctness of every cell with stored test predictions, looked up by (task, solver, size).

    ``predictions`` maps a cell key to ``(y_true, y_pred)`` code arrays; ``rows`` are the cells'
    result rows (for cells without predictions: their accuracy and ``n_test``).
    """

    def __init__(self, predictions: Mapping[Key, tuple[np.ndarray, np.ndarray]] | None = None,
                 rows: list[dict[str, Any]] | None = None):
        self._correct: dict[tuple, dict[int, np.ndarray]] = {}
        for (task, solver, size, seed), (y_true, y_pred) in (predictions or {}).items():
            self._correct.setdefault((task, solver, int(size)), {})[int(seed)] = \
                np.asarray(y_true) == np.asarray(y_pred)
        self._rows: dict[tuple, dict[int, tuple[float, int]]] = {}
        for r in rows or []:
            acc = r.get("accuracy")
            if r.get("status") == "ok" and acc is not None and acc == acc and r.get("n_test"):
                self._rows.setdefault((r["task"], r["solver"], int(r["train_size"])), {})[int(r["seed"])] = \
                    (float(r["accuracy"]), int(r["n_test"]))

    def correct(self, task: str, solver: str, size: int) -> dict[int, np.ndarray]:
        """Seed -> boolean correctness over the task's test examples."""
        return self._correct.get((task, solver, int(size)), {})

    def interval(self, task: str, solver: str, size: int) -> dict[str, Any]:
        """Mean test accuracy over seeds with its 95% interval (``low``/``high`` None without data)."""
        by_seed = self.correct(task, solver, size)
        if by_seed:
            matrix = np.vstack([by_seed[s] for s in sorted(by_seed)])
            out = stats.accuracy_interval(matrix, seed=_seed_of(task, solver, size))
            return {**out, "seeds": len(by_seed)}
        scores = self._rows.get((task, solver, int(size)), {})
        if not scores:
            return {"mean": None, "low": None, "high": None, "method": None, "n_seeds": 0, "seeds": 0}
        # No stored predictions: pool the seeds' counts (seeds treated as independent draws).
        k = sum(round(acc * n) for acc, n in scores.values())
        n = sum(n for _, n in scores.values())
        low, high = stats.wilson_interval(k, n)
        mean = float(np.mean([acc for acc, _ in scores.values()]))
        return {"mean": mean, "low": min(low, mean), "high": max(high, mean), "method": "wilson-from-rows",
                "n_seeds": len(scores), "seeds": len(scores)}

    def compare(self, task: str, a: str, b: str, size: int) -> dict[str, Any] | None:
        """``a - b`` at ``size`` on the seeds both have predictions for; None without any.

        With two or more seeds this is a claim about two *setups* (``kind`` ``setup``): a paired
        t-test on the per-seed accuracy differences, so the variation between training subsets
        counts (:func:`seeds.seed_comparison`). With one seed, or seeds that all gave the same
        difference (as when every seed trained the same two models), it is a claim about the trained models (``kind`` ``models``): the paired test
        over test examples (:func:`stats.paired_comparison`); ``needs_seeds`` says when a
        setup-level claim would need more seeds. ``a_better``/``b_better`` count the test examples
        only one of them got right (over the seeds' mean correctness) either way.
        """
        ca, cb = self.correct(task, a, size), self.correct(task, b, size)
        seeds = sorted(set(ca) & set(cb))
        if not seeds or any(len(ca[s]) != len(cb[s]) for s in seeds):
            return None
        examples = stats.paired_comparison(np.vstack([ca[s] for s in seeds]), np.vstack([cb[s] for s in seeds]),
                                           seed=_seed_of(task, a, b, size))
        means_a, means_b = [float(ca[s].mean()) for s in seeds], [float(cb[s].mean()) for s in seeds]
        setup = seed_comparison(means_a, means_b)
        common = {"seed_diffs": [x - y for x, y in zip(means_a, means_b)], "seeds": len(seeds),
                  "size": int(size), "discordant": examples["discordant"], "a_better": examples["a_better"],
                  "b_better": examples["b_better"]}
        if setup["p"] is not None:
            return {**common, "kind": "setup", "needs_seeds": False, **{k: setup[k] for k in ("diff", "low", "high",
                                                                                              "p", "test")}}
        return {**common, "kind": "models", "needs_seeds": len(seeds) == 1,
                **{k: examples[k] for k in ("diff", "low", "high", "p", "test")}}


def decide(comparisons: list[dict[str, Any] | None]) -> list[str]:
    """A verdict per comparison (``ahead``/``behind``/``tied``/``untested``), Holm-corrected within each kind.

    Claims about setups (``kind`` ``setup``) and about trained models (``models``) are
    corrected separately, each over every claim of its kind in ``comparisons`` (a page's worth).
    The setup claims' paired t-tests are first moderated together (:func:`seeds.moderated_paired_t`):
    with 3 seeds each has 2 degrees of freedom, and the page's other claims say how much seeds
    move a difference. The corrected p-value is written back into each comparison as ``p_holm``.
    """
    setups = [c for c in comparisons if c and c.get("kind") == "setup" and c.get("seed_diffs")]
    for c, moderated in zip(setups, moderated_paired_t([c["seed_diffs"] for c in setups])):
        if moderated is not None:
            c.update({k: moderated[k] for k in ("diff", "low", "high", "p", "test")})
    adjusted: list[float | None] = [None] * len(comparisons)
    for kind in {c.get("kind") for c in comparisons if c}:
        ps = stats.holm([c["p"] if c and c.get("kind") == kind else None for c in comparisons])
        adjusted = [p if p is not None else q for p, q in zip(ps, adjusted)]
    verdicts = []
    for comparison, p in zip(comparisons, adjusted):
        if comparison is None:
            verdicts.append("untested")
            continue
        comparison["p_holm"] = p
        comparison["verdict"] = stats.verdict(comparison, p)
        verdicts.append(comparison["verdict"])
    return verdicts


def crossfit_winner(validation: Mapping[str, Mapping[int, tuple[np.ndarray, np.ndarray]]]) -> float | None:
    """Validation accuracy of "pick the solver with the best validation score", honestly estimated.

    ``validation`` maps solver -> seed -> (true, predicted) validation labels of the cell's chosen
    configuration; at one size and seed every solver's validation split is the same. The split
    is halved; the solver best on one half is scored on the other, both ways, averaged, and
    then averaged over the seeds every solver has. None with fewer than two solvers.
    """
    if len(validation) < 2:
        return None
    seeds = sorted(set.intersection(*(set(v) for v in validation.values())))
    estimates = []
    for seed in seeds:
        y_true = next(iter(validation.values()))[seed][0]
        if any(len(v[seed][0]) != len(y_true) or np.any(v[seed][0] != y_true) for v in validation.values()):
            continue  # not the same validation examples: nothing to pair
        order = np.random.default_rng(_seed_of("halves", seed)).permutation(len(y_true))
        halves = (order[: len(order) // 2], order[len(order) // 2:])
        if min(len(h) for h in halves) == 0:
            continue
        names = sorted(validation)
        acc = [{s: float(np.mean(validation[s][seed][1][h] == y_true[h])) for s in names} for h in halves]
        chosen = [max(names, key=lambda s: a[s]) for a in acc]  # max keeps the first (by name) of ties
        estimates.append((acc[1][chosen[0]] * len(halves[1]) + acc[0][chosen[1]] * len(halves[0])) / len(y_true))
    return float(np.mean(estimates)) if estimates else None
