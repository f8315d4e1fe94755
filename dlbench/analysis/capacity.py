"""The model-size study (``--scales``): accuracy over training examples × model size, per solver.

Owns, for every solver that ran at two or more scales: its points (mean test accuracy with its
95% interval, the measured parameters, training FLOPs and fit CPU seconds at each scale and
size), the test of each scale against scale 1 and against the best scale at each size (over
the seeds with several, Holm-corrected with the page's other claims of its kind), the compute-optimal frontier, the
sentences, and a joint scaling law for deep solvers with enough points. It reads rows and
stored predictions, never solvers or Keras; the learning curves at scale 1 are ``findings``'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlbench.analysis import tables
from dlbench.analysis.evidence import Evidence, decide
from dlbench.analysis.records import Capacity, CapacitySolver
from dlbench.core import schema

#: A joint law needs this many scales and sizes (and a held-out check) before it is shown as trusted.
MIN_JOINT_SCALES = 3
MIN_JOINT_SIZES = 5


def study(rows: list[dict[str, Any]], task: str, predictions: dict[tuple, dict[str, Any]] | None) -> Capacity | None:
    """The model-size findings of ``task`` alone, its tests Holm-corrected among themselves; ``None``
    when no solver ran at two scales. A report page corrects them with its other claims instead
    (:func:`ask`, then ``evidence.decide`` over the page, then :meth:`Study.finish`).
    """
    found = ask(rows, task, predictions)
    if found is None:
        return None
    comparisons = found.comparisons()
    decide(comparisons)
    return found.finish(len(comparisons))


def ask(rows: list[dict[str, Any]], task: str, predictions: dict[tuple, dict[str, Any]] | None) -> Study | None:
    """The points and the (undecided) comparisons of ``task``'s model-size study; ``None`` without one.

    ``rows`` are all of the run's rows (every scale); ``predictions`` the store's arrays, keyed
    by the full cell key.
    """
    mine = [r for r in rows if r.get("task") == task and r.get("family") != "ensemble"]
    cells = tables.ok_cells(tables.frame(mine))
    if cells.empty:
        return None
    cells = cells.assign(scale=cells["scale"].fillna(schema.REFERENCE_SCALE))
    scaled = sorted(s for s, g in cells.groupby("solver") if g["scale"].nunique() >= 2)
    if not scaled:
        return None
    at = schema.KEY.index("scale")
    pairs = {(k[0], (k[1], schema.scale_value(k[at])), *k[at + 1:]): (v["test_true"], v["test_pred"])
             for k, v in (predictions or {}).items() if len(k) == len(schema.KEY) and k[0] == task and "test_pred" in v}
    evidence = Evidence(pairs, [{**r, "solver": (r["solver"], r["scale"])} for r in cells.to_dict("records")])
    solvers = [_solver_points(cells[cells["solver"] == s], s, evidence, task) for s in scaled]
    tests: dict[tuple, dict[str, Any] | None] = {}
    for sv in solvers:
        for n in sv.sizes:
            here = [p for p in sv.points if p["size"] == n]
            best = max(here, key=lambda p: (p["mean"] if p["mean"] is not None else -1.0, -p["scale"]))
            sv.best_at[n] = best["scale"]
            for p in here:
                for ref in {1.0, best["scale"]} - {p["scale"]}:
                    key = (sv.solver, n, p["scale"], ref)
                    if key not in tests and (sv.solver, n, ref, p["scale"]) not in tests:
                        tests[key] = evidence.compare(task, (sv.solver, p["scale"]), (sv.solver, ref), n)
    return Study(solvers, tests)


@dataclass
class Study:
    """A task's model-size points and comparisons, between asking the tests and reading their verdicts."""

    solvers: list[_Solver]
    tests: dict[tuple, dict[str, Any] | None]

    def comparisons(self) -> list[dict[str, Any] | None]:
        """The comparisons to decide (``evidence.decide`` writes each one's verdict into it)."""
        return list(self.tests.values())

    def finish(self, n_tests: int) -> Capacity:
        """The findings, once the comparisons are decided; ``n_tests``: how many claims Holm covered."""
        verdict_of = {k: (c["verdict"] if c else "untested", c) for k, c in self.tests.items()}
        for sv in self.solvers:
            sv.tests = {k[1:]: v for k, v in verdict_of.items() if k[0] == sv.solver}
            sv.frontier = [_frontier_row(sv, n) for n in sv.sizes]
            sv.sentences = _sentences(sv, n_tests)
            sv.law = joint_law(sv) if sv.family == "deep" else None
        return Capacity(solvers=[sv.view() for sv in self.solvers],
                        sentences=[t for sv in self.solvers for t in sv.sentences], tests=len(self.tests))


@dataclass
class _Solver:
    solver: str
    family: str
    scales: list[float]
    sizes: list[int]
    points: list[dict[str, Any]]
    compute: str  # the column the frontier counts cost in
    best_at: dict[int, float] = field(default_factory=dict)
    tests: dict[tuple, tuple[str, dict[str, Any] | None]] = field(default_factory=dict)
    frontier: list[dict[str, Any]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    law: dict[str, Any] | None = None

    def point(self, scale: float, size: int) -> dict[str, Any] | None:
        return next((p for p in self.points if p["scale"] == scale and p["size"] == size), None)

    def test(self, size: int, a: float, b: float) -> tuple[str, dict[str, Any] | None]:
        """Verdict and comparison of scale ``a`` against scale ``b`` at ``size`` (``ahead``: a is better)."""
        if (size, a, b) in self.tests:
            return self.tests[(size, a, b)]
        verdict, comparison = self.tests.get((size, b, a), ("untested", None))
        flipped = {"ahead": "behind", "behind": "ahead"}.get(verdict, verdict)
        if comparison is None:
            return flipped, None
        return flipped, {**comparison, "diff": -comparison["diff"], "low": -comparison["high"],
                         "high": -comparison["low"]}

    def view(self) -> CapacitySolver:
        return CapacitySolver(solver=self.solver, family=self.family, scales=self.scales, sizes=self.sizes,
                              points=self.points, compute=self.compute, frontier=self.frontier,
                              sentences=self.sentences, law=self.law)


def _mean(values) -> float | None:
    values = [float(v) for v in values if v is not None and v == v]
    return float(np.mean(values)) if values else None


def _solver_points(group, solver: str, evidence: Evidence, task: str) -> _Solver:
    points = []
    for (scale, size), g in sorted(group.groupby(["scale", "train_size"])):
        interval = evidence.interval(task, (solver, float(scale)), int(size))
        points.append({"scale": float(scale), "size": int(size), "mean": interval["mean"], "low": interval["low"],
                       "high": interval["high"], "seeds": int(g["seed"].nunique()),
                       "n_params": _mean(g["n_params"]), "train_flops": _mean(g["train_flops"]),
                       "fit_cpu_seconds": _mean(g["fit_cpu_seconds"])})
    compute = "train_flops" if all(p["train_flops"] for p in points) else "fit_cpu_seconds"
    return _Solver(solver, str(group["family"].iloc[0]), sorted({p["scale"] for p in points}),
                   sorted({p["size"] for p in points}), points, compute)


def _frontier_row(sv: _Solver, size: int) -> dict[str, Any]:
    """At ``size``: the most accurate scale, and the cheapest scale not significantly behind it."""
    best = sv.best_at[size]
    candidates = [p for p in sv.points if p["size"] == size
                  and (p["scale"] == best or sv.test(size, p["scale"], best)[0] != "behind")]
    cheapest = min(candidates, key=lambda p: (p[sv.compute] if p[sv.compute] is not None else math.inf, p["scale"]))
    top = sv.point(best, size)
    saving = (top[sv.compute] / cheapest[sv.compute]) if top[sv.compute] and cheapest[sv.compute] else None
    return {"size": size, "best": best, "best_mean": top["mean"], "optimal": cheapest["scale"],
            "optimal_mean": cheapest["mean"], "optimal_compute": cheapest[sv.compute],
            "optimal_params": cheapest["n_params"], "saving": saving,
            "tied_with_best": cheapest["scale"] != best}


def _pts(value: float) -> str:
    """A difference in accuracy points, signed, never ``-0.0``."""
    text = f"{100 * value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def _interval(comparison: dict[str, Any]) -> str:
    return f"interval {_pts(comparison['low'])} to {_pts(comparison['high'])}"


def _sentences(sv: _Solver, n_tests: int) -> list[str]:
    """What the scales say at the largest size all of them reached: the biggest and smallest against 1×."""
    common = [n for n in sv.sizes if all(sv.point(s, n) for s in sv.scales)]
    if not common or 1.0 not in sv.scales:
        return []
    n, out = common[-1], []
    for scale in (sv.scales[-1], sv.scales[0]):
        if scale == 1.0:
            continue
        verdict, c = sv.test(n, scale, 1.0)
        who = f"the {schema.scale_label(scale)} {sv.solver}"
        if c is None:
            out.append(f"At n = {n:,} {who} and the 1× {sv.solver} cannot be told apart (no stored predictions "
                       "to pair): tied.")
        elif verdict == "tied":
            if c["low"] > 0 or c["high"] < 0:  # the interval alone would call it, the corrected test does not
                why = f"the difference is not significant after Holm's correction over the page's {n_tests} claims"
            elif scale > 1:
                why = "data, not model size, is the bottleneck"
            else:
                why = (f"the test cannot tell them apart, so a model {schema.scale_label(scale)} the size may "
                       "serve as well")
            out.append(f"At n = {n:,} {who} is tied with the 1× {sv.solver} ({_pts(c['diff'])} points, "
                       f"{_interval(c)}): {why}.")
        elif c.get("needs_seeds"):  # one seed: two trained models differ, which says nothing of model size
            out.append(f"At n = {n:,} the one trained {schema.scale_label(scale)} {sv.solver} scored "
                       f"{_pts(c['diff'])} points against the 1× one on this test set ({_interval(c)}): whether "
                       "model size matters needs seeds (--seeds 3).")
        elif verdict == "ahead":
            gain = "gains" if scale > 1 else "is ahead by"
            out.append(f"At n = {n:,} {who} {gain} {100 * c['diff']:.1f} points over the 1× {sv.solver} "
                       f"({_interval(c)}).")
        else:
            why = "more capacity than this much data can use" if scale > 1 else "too small for this data"
            out.append(f"At n = {n:,} {who} is {100 * -c['diff']:.1f} points behind the 1× {sv.solver} "
                       f"({_interval(c)}): {why}.")
    return out


# -- the joint law --------------------------------------------------------------------------------

def _joint_error(x, a, alpha, b, beta, c):
    n, p = x
    return a * n ** -alpha + b * p ** -beta + c


def fit_joint(points: list[tuple[float, float, float]]) -> dict[str, Any] | None:
    """Fit ``error = a·(n/n0)^−α + b·(P/P0)^−β + c`` to ``(n, P, error)`` points (n0, P0: the smallest).

    Bounds: ``a, b ≥ 0``, ``0 ≤ α, β ≤ 2``, ``0 ≤ c ≤ 1``. ``None`` when the fit fails.
    """
    import warnings

    from scipy.optimize import curve_fit

    n = np.array([q[0] for q in points], dtype=float)
    P = np.array([q[1] for q in points], dtype=float)
    err = np.array([q[2] for q in points], dtype=float)
    n0, P0 = float(n.min()), float(P.min())
    span = max(float(err.max() - err.min()), 1e-3)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            popt, _ = curve_fit(_joint_error, (n / n0, P / P0), err, p0=(span, 0.5, span / 2, 0.5, max(err.min() * 0.8, 0)),
                                bounds=([0, 0, 0, 0, 0], [np.inf, 2, np.inf, 2, 1]), maxfev=20000)
    except (RuntimeError, ValueError):
        return None
    if not np.all(np.isfinite(popt)):
        return None
    a, alpha, b, beta, c = (float(v) for v in popt)
    return {"a": a, "alpha": alpha, "b": b, "beta": beta, "c": c, "n0": n0, "P0": P0}


def joint_error(law: dict[str, Any], n: float, P: float) -> float:
    return _joint_error((n / law["n0"], P / law["P0"]), law["a"], law["alpha"], law["b"], law["beta"], law["c"])


def joint_law(sv: _Solver) -> dict[str, Any]:
    """The joint law of one deep solver, with its held-out check.

    Fitted to the mean error of every (scale, size) point, ``P`` the measured parameters. The
    check fits the law again without the largest size and must predict every scale's score
    there within its 95% interval; only then may the law be read beyond the data.
    """
    usable = [p for p in sv.points if p["mean"] is not None and p["n_params"]]
    scales, sizes = sorted({p["scale"] for p in usable}), sorted({p["size"] for p in usable})
    out: dict[str, Any] = {"fitted": False, "extrapolates": False}
    if len(scales) < MIN_JOINT_SCALES or len(sizes) < MIN_JOINT_SIZES:
        out["check"] = (f"{len(scales)} scales × {len(sizes)} sizes: a joint law needs at least "
                        f"{MIN_JOINT_SCALES} × {MIN_JOINT_SIZES}")
        return out
    law = fit_joint([(p["size"], p["n_params"], 1 - p["mean"]) for p in usable])
    if law is None:
        return {**out, "check": "the fit failed"}
    out.update(law, fitted=True)
    largest = sizes[-1]
    held = fit_joint([(p["size"], p["n_params"], 1 - p["mean"]) for p in usable if p["size"] != largest])
    if held is None:
        return {**out, "check": f"the fit without n = {largest:,} failed"}
    misses = []
    for p in (q for q in usable if q["size"] == largest):
        predicted = 1 - joint_error(held, largest, p["n_params"])
        if p["low"] is None or not p["low"] <= predicted <= p["high"]:
            misses.append(f"{schema.scale_label(p['scale'])}: predicted {predicted:.3f}, measured "
                          f"{p['low'] if p['low'] is not None else float('nan'):.3f}–"
                          f"{p['high'] if p['high'] is not None else float('nan'):.3f}")
    if misses:
        out["check"] = f"held-out check failed at n = {largest:,} ({'; '.join(misses)})"
    else:
        out["extrapolates"] = True
        out["check"] = (f"held-out check passed: fitted without n = {largest:,}, it predicts every scale's "
                        "score there within its interval")
    return out
