"""Comparing runs: did a change of code, configuration or machine make any cell better, worse or slower?

Owns the numbers behind ``dlbench compare``: for every cell ``(task, solver, train_size)`` present
in any run, each run's mean test accuracy over its seeds with its 95% interval (``Evidence``), its
mean fit and tuning time, and for every run after the first (the *baseline*) the difference in
accuracy against the baseline with a test, a Holm-corrected verdict ``better``/``worse``/``tied``
and the time ratios; the differences in configuration, package versions and machine; and the
headline counts. It also lays the result out as the rows of ``compare.csv`` (:data:`COLUMNS`).

The test of a difference:

- **paired** when both runs stored test predictions for the cell, their test labels
  (``test_true``) are identical and ``run.json`` does not record different fingerprints of the
  task's data: each example's correctness is averaged over each run's own
  seeds and ``stats.paired_comparison`` gets the two correctness matrices (McNemar's exact test
  with one seed each, a sign-flip permutation test otherwise; paired-bootstrap interval). When
  the runs have different numbers of seeds, each matrix is repeated up to the least common
  multiple of the two counts, which leaves every example's mean correctness exactly unchanged,
  so the test still sees one difference per example;
- **unpaired** otherwise (different test data, or a run without stored predictions): the
  difference of the two means with the MOVER interval (Newcombe's hybrid score method, built
  from each run's own 95% interval: Wilson with one seed, the seeds-and-examples bootstrap with
  several) and a two-sided normal-approximation p-value whose standard errors are those
  intervals' half-widths divided by 1.96 (the runs are treated as independent).

Two runs are two *setups*, so when both ran two or more seeds of a cell the claim counts the
variation between training subsets: Welch's t-test over the two runs' per-seed test scores
replaces the example-level test (a different ``--seed`` is then tied, as it should be, up to
the test's 5% level). With one seed on a side only two trained models were compared: a
significant difference is ``needs seeds``, never ``better``/``worse``.

Every comparison of the page of one kind (setups, trained models; all tasks, all runs against
the baseline) is Holm-corrected together; a corrected p below 0.05 is ``better``/``worse``,
anything else ``tied``. It reads rows,
predictions and ``run.json`` contents handed to it: it never opens files and renders nothing
(``report.compare`` does both).
"""

from __future__ import annotations

import json
import math
import zlib
from typing import Any

import numpy as np

from dlbench.analysis import stats
from dlbench.analysis.seeds import seed_comparison
from dlbench.analysis.evidence import Evidence
from dlbench.analysis.sentences import short_error
from dlbench.core import schema
from dlbench.core.errors import UsageError

#: The columns of ``compare.csv``.
COLUMNS = ["task", "solver", "family", "train_size", "run", "seeds", "accuracy", "accuracy_low", "accuracy_high",
           "baseline", "diff", "diff_low", "diff_high", "test", "p", "p_holm", "verdict", "fit_seconds_ratio",
           "tune_seconds_ratio", "note"]
#: ``run.json`` configuration entries whose differences are listed, in this order.
CONFIG_KEYS = ("preset", "seeds", "seed", "trials", "tuner", "tune_time", "trial_timeout", "cell_timeout", "budget",
               "sizes", "families", "solvers", "executor", "workers", "threads")
#: How many significant changes the headline names per run.
LARGEST = 5

_FAMILY_ORDER = {"rule": 0, "shallow": 1, "deep": 2}
_VERDICT = {"ahead": "better", "behind": "worse", "tied": "tied"}
#: The verdict of a difference between two runs' single trained models: it says nothing of the runs.
NEEDS_SEEDS = "needs seeds"
_Z = 1.959963984540054  # the 97.5% normal quantile


def _seed_of(*parts: Any) -> int:
    return zlib.crc32(repr(parts).encode()) or 1


def _mean(values) -> float | None:
    vals = [float(v) for v in values if v is not None and isinstance(v, (int, float)) and math.isfinite(v)]
    return float(np.mean(vals)) if vals else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b is not None and b > 0 else None


class _Run:
    """One run's rows, evidence and test labels, indexed by cell ``(task, solver, train_size)``."""

    def __init__(self, run: dict[str, Any]):
        self.name = str(run["name"])
        self.info = run.get("info") or {}
        self.rows: dict[tuple, list[dict[str, Any]]] = {}
        for r in schema.reference_rows(run.get("rows") or []):
            if r.get("task") is None or r.get("solver") is None or r.get("train_size") is None:
                continue
            self.rows.setdefault((str(r["task"]), str(r["solver"]), int(r["train_size"])), []).append(r)
        predictions = schema.reference_predictions(run.get("predictions"))
        self.truth: dict[tuple, dict[int, np.ndarray]] = {}
        for (task, solver, size, seed), arrays in predictions.items():
            if "test_true" in arrays and "test_pred" in arrays:
                labels = self.truth.setdefault((str(task), str(solver), int(size)), {})
                labels[int(seed)] = np.asarray(arrays["test_true"])
        pairs = {k: (v["test_true"], v["test_pred"]) for k, v in predictions.items()
                 if "test_true" in v and "test_pred" in v}
        self.evidence = Evidence(pairs, [r for rows in self.rows.values() for r in rows])
        self.tasks = sorted({key[0] for key in self.rows})
        prints = self.info.get("fingerprints")
        self.fingerprints = {str(k): str(v) for k, v in prints.items()} if isinstance(prints, dict) else {}

    def cell(self, key: tuple) -> dict[str, Any]:
        """This run's side of one cell: status, seeds, mean accuracy with its interval, mean times."""
        rows = self.rows.get(key, [])
        if not rows:
            return {"run": self.name, "present": False, "status": None, "seeds": 0, "scores": [], "accuracy": None,
                    "low": None,
                    "high": None, "method": None, "fit_seconds": None, "tune_seconds": None, "error": None}
        ok = [r for r in rows if r.get("status") == "ok"]
        interval = self.evidence.interval(*key)
        statuses = sorted({str(r.get("status")) for r in rows})
        errors = [str(r["error"]) for r in rows if r.get("error") and r.get("status") != "ok"]
        return {"run": self.name, "present": True, "status": "ok" if ok else "/".join(statuses),
                "scores": [float(r["accuracy"]) for r in ok if _mean([r.get("accuracy")]) is not None],
                "seeds": interval["seeds"], "accuracy": interval["mean"], "low": interval["low"],
                "high": interval["high"], "method": interval["method"],
                "fit_seconds": _mean(r.get("fit_seconds") for r in ok),
                "tune_seconds": _mean(r.get("tune_seconds") for r in ok),
                "error": errors[0] if errors and not ok else None}

    def labels(self, key: tuple) -> np.ndarray | None:
        """The cell's test labels when every seed stored the same ones, else None."""
        by_seed = self.truth.get(key) or {}
        arrays = [by_seed[s] for s in sorted(by_seed)]
        if not arrays or any(a.shape != arrays[0].shape or not np.array_equal(a, arrays[0]) for a in arrays[1:]):
            return None
        return arrays[0]


def _same_data(task: str, run: _Run, base: _Run) -> bool:
    """False when both runs recorded a fingerprint of the task's data and they differ."""
    a, b = run.fingerprints.get(task), base.fingerprints.get(task)
    return a is None or b is None or a == b


def _paired(key: tuple, run: _Run, base: _Run) -> dict[str, Any] | None:
    """``run - base`` on the shared test examples, or None when the cell cannot be paired."""
    if not _same_data(key[0], run, base):
        return None
    mine, theirs = run.labels(key), base.labels(key)
    if mine is None or theirs is None or mine.shape != theirs.shape or not np.array_equal(mine, theirs):
        return None
    ca, cb = run.evidence.correct(*key), base.evidence.correct(*key)
    if not ca or not cb:
        return None
    a = np.vstack([ca[s] for s in sorted(ca)])
    b = np.vstack([cb[s] for s in sorted(cb)])
    common = math.lcm(a.shape[0], b.shape[0])  # same per-example means, matrices of one shape
    a, b = np.tile(a, (common // a.shape[0], 1)), np.tile(b, (common // b.shape[0], 1))
    result = stats.paired_comparison(a, b, seed=_seed_of(*key, run.name, base.name))
    return {"test": "paired", "method": result["test"], "diff": result["diff"], "low": result["low"],
            "high": result["high"], "p": result["p"], "discordant": result["discordant"],
            "run_better": result["a_better"], "baseline_better": result["b_better"]}


def _unpaired(mine: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Difference of two independent means: MOVER interval from their intervals, normal-approximation p."""
    d = mine["accuracy"] - base["accuracy"]
    low = d - math.hypot(mine["accuracy"] - mine["low"], base["high"] - base["accuracy"])
    high = d + math.hypot(mine["high"] - mine["accuracy"], base["accuracy"] - base["low"])
    se = math.hypot(mine["high"] - mine["low"], base["high"] - base["low"]) / (2 * _Z)
    p = math.erfc(abs(d) / se / math.sqrt(2)) if se > 0 else (1.0 if d == 0 else 0.0)
    return {"test": "unpaired", "method": "normal approximation, MOVER interval", "diff": d, "low": min(low, d),
            "high": max(high, d), "p": min(1.0, p), "discordant": None, "run_better": None, "baseline_better": None}


def _compare_cell(key: tuple, run: _Run, mine: dict[str, Any], base: _Run, theirs: dict[str, Any]) -> dict[str, Any]:
    out = {"run": run.name, "baseline": base.name, "test": None, "method": None, "diff": None, "low": None,
           "high": None, "p": None, "p_holm": None, "verdict": None, "discordant": None, "run_better": None,
           "baseline_better": None, "note": None,
           "fit_seconds_ratio": _ratio(mine["fit_seconds"], theirs["fit_seconds"]),
           "tune_seconds_ratio": _ratio(mine["tune_seconds"], theirs["tune_seconds"])}
    if not mine["present"] or not theirs["present"]:
        out["note"] = f"not in {run.name if not mine['present'] else base.name}"
        return out
    missing = [(side, name) for side, name in ((mine, run.name), (theirs, base.name)) if side["accuracy"] is None]
    if missing:
        out["note"] = "; ".join(f"no test score in {name} ({side['status']}"
                                f"{': ' + short_error(side['error']) if side['error'] else ''})"
                                for side, name in missing)
        return out
    result = _paired(key, run, base)
    if result is None:
        if mine["low"] is None or theirs["low"] is None:
            return {**out, "note": "no interval"}
        result = _unpaired(mine, theirs)
        if not _same_data(key[0], run, base):
            reason = "the task's data differ (fingerprints in run.json)"
        elif run.labels(key) is not None and base.labels(key) is not None:
            reason = "test labels differ"
        else:
            reason = "no stored predictions in " + ", ".join(r.name for r in (base, run) if r.labels(key) is None)
        out["note"] = f"unpaired: {reason}"
    out.update(result)
    return _as_setups(out, mine["scores"], theirs["scores"])


def _as_setups(out: dict[str, Any], mine: list[float], theirs: list[float]) -> dict[str, Any]:
    """Two runs are two setups: with 2+ seeds each, the test counts the variation between training subsets.

    Then Welch's t-test over the two runs' per-seed scores replaces the example-level test
    (``kind`` ``setup``). Otherwise the example-level test stays (``kind`` ``models``): with one
    seed on a side it compares two trained models and ``needs_seeds`` is set (never *better*
    or *worse*); when every seed of both runs gave the same score, the seeds trained the same
    models, and a difference between them is a difference between the runs.
    """
    setup = seed_comparison(mine, theirs, paired=False)
    if setup["p"] is not None:
        note = f"over test examples: {out['diff']:+.4f}, p={out['p']:.2g}"
        out.update(kind="setup", test="seeds", method=setup["test"], diff=setup["diff"], low=setup["low"],
                   high=setup["high"], p=setup["p"], note="; ".join(n for n in (out["note"], note) if n))
        return out
    out.update(kind="models", needs_seeds=setup["n_seeds"] < 2)
    reason = ("one seed: a difference between runs needs seeds (--seeds 3)" if out["needs_seeds"] else
              "every seed gave the same score: tested over test examples")
    out["note"] = "; ".join(n for n in (out["note"], reason) if n)
    return out


def _config_table(runs: list[_Run]) -> list[dict[str, Any]]:
    """Configuration, sizes, data fingerprints, package versions and machine of every run, and whether they differ."""
    def text(value: Any, missing: str = "") -> str:
        if value is None:
            return missing
        return value if isinstance(value, str) else json.dumps(value, default=str)

    entries: list[tuple[str, str, list[str]]] = []
    configs = [r.info.get("config") or {} for r in runs]
    for key in CONFIG_KEYS:
        if any(key in c for c in configs):
            entries.append(("config", key, [text(c.get(key), "default") for c in configs]))
    sizes = [r.info.get("sizes") or {} for r in runs]
    for task in sorted({t for s in sizes for t in s}):
        entries.append(("sizes", f"sizes: {task}", [", ".join(map(str, s[task])) if task in s else "not run"
                                                     for s in sizes]))
    prints = [r.fingerprints for r in runs]
    for task in sorted({t for p in prints for t in p}):
        entries.append(("data", f"data: {task}", [p[task][:12] if task in p else "not recorded" for p in prints]))
    envs = [r.info.get("environment") or {} for r in runs]
    packages = [e.get("packages") or {} for e in envs]
    for name in sorted({p for pk in packages for p in pk}):
        entries.append(("package", name, [text(pk.get(name), "not installed") if name in pk else "not recorded"
                                          for pk in packages]))
    for key in sorted({k for e in envs for k in e if k != "packages"}):
        entries.append(("machine", key, [text(e.get(key)) for e in envs]))
    return [{"group": g, "key": k, "values": v, "differs": len(set(v)) > 1} for g, k, v in entries]


def _order(key: tuple, family: str | None) -> tuple:
    task, solver, size = key
    return task, size, _FAMILY_ORDER.get(family, 9), solver


def compare_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Compare every run against the first (the baseline), cell by cell.

    Each run is ``{"name", "rows", "predictions", "info"}``: its result rows, its stored
    predictions (``ResultsStore.predictions()``) and its ``run.json``. Raises ``UsageError`` for
    fewer than two runs, two runs of the same name, or a run sharing no task with the baseline.

    Returns ``runs`` (per run: name, run id, tasks, cells, total wall time and its ratio to the
    baseline), ``baseline``, ``config`` (see :func:`_config_table`), ``tasks`` (per task: its cells
    in the order task, size, family, solver), ``cells`` (all of them; each with ``sides``, one per
    run, and ``comparisons``, one per run after the baseline), ``headline`` (per run after the
    baseline: verdict counts and the largest significant changes), ``only`` (cells in one run only)
    and ``n_comparisons`` (how many tests the Holm correction covers).
    """
    if len(runs) < 2:
        raise UsageError("compare needs at least two run folders: dlbench compare RUN_A RUN_B [RUN_C...]")
    prepared = [_Run(r) for r in runs]
    names = [r.name for r in prepared]
    if len(set(names)) != len(names):
        raise UsageError(f"two runs are called {min(n for n in names if names.count(n) > 1)!r}: give each "
                         "run once")
    base = prepared[0]
    for run in prepared[1:]:
        if not set(run.tasks) & set(base.tasks):
            listing = "; ".join(f"{r.name}: {', '.join(r.tasks) or 'no cells'}" for r in prepared)
            raise UsageError(f"{run.name} shares no task with the baseline {base.name} ({listing}): compare runs "
                             "of the same task")
    keys = {key for run in prepared for key in run.rows}
    families = {key: next((str(r["family"]) for run in prepared for r in run.rows.get(key, []) if r.get("family")),
                          None) for key in keys}
    cells, tested = [], []
    for key in sorted(keys, key=lambda k: _order(k, families[k])):
        sides = [run.cell(key) for run in prepared]
        present = [s["run"] for s in sides if s["present"]]
        comparisons = [_compare_cell(key, run, side, base, sides[0]) for run, side in zip(prepared[1:], sides[1:])]
        only = present[0] if len(present) == 1 else None
        if only:
            for c in comparisons:
                c["note"] = f"only in {only}"
        tested.extend(c for c in comparisons if c["p"] is not None)
        cells.append({"task": key[0], "solver": key[1], "train_size": key[2], "family": families[key],
                      "sides": sides, "comparisons": comparisons, "only_in": only})
    for kind in ("setup", "models"):  # Holm over each kind of claim on the page
        mine = [c for c in tested if c.get("kind") == kind]
        for comparison, p in zip(mine, stats.holm([c["p"] for c in mine])):
            comparison["p_holm"] = p
            verdict = _VERDICT[stats.verdict(comparison, p)]
            comparison["verdict"] = NEEDS_SEEDS if verdict != "tied" and comparison.get("needs_seeds") else verdict
    return {
        "baseline": base.name,
        "runs": _run_summaries(prepared),
        "config": _config_table(prepared),
        "tasks": [{"task": t, "cells": [c for c in cells if c["task"] == t],
                   "in_runs": [r.name for r in prepared if t in r.tasks]}
                  for t in sorted({c["task"] for c in cells})],
        "cells": cells,
        "headline": [_headline(run.name, cells) for run in prepared[1:]],
        "only": [c for c in cells if c["only_in"]],
        "n_comparisons": len(tested),
        "errors": _errors(cells),
    }


def _errors(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each distinct reason a solver did not finish, once per run and solver (not once per size)."""
    seen: dict[tuple, dict[str, Any]] = {}
    for cell in cells:
        for side in cell["sides"]:
            if side["error"]:
                key = (cell["task"], cell["solver"], side["run"], side["error"])
                entry = seen.setdefault(key, {"task": cell["task"], "solver": cell["solver"], "run": side["run"],
                                              "status": side["status"], "error": side["error"],
                                              "short": short_error(side["error"]), "sizes": []})
                entry["sizes"].append(cell["train_size"])
    return list(seen.values())


def _run_summaries(runs: list[_Run]) -> list[dict[str, Any]]:
    out = []
    for i, run in enumerate(runs):
        timings = run.info.get("timings") or {}
        total = timings.get("total") if isinstance(timings, dict) else None
        total = float(total) if isinstance(total, (int, float)) else None
        out.append({"name": run.name, "baseline": i == 0, "run_id": run.info.get("run_id"),
                    "started": run.info.get("started"), "command": run.info.get("command"), "tasks": run.tasks,
                    "cells": len(run.rows),
                    "ok_cells": sum(any(r.get("status") == "ok" for r in rows) for rows in run.rows.values()),
                    "total_seconds": total})
    for summary in out:
        summary["total_ratio"] = None if summary["baseline"] else _ratio(summary["total_seconds"],
                                                                         out[0]["total_seconds"])
    return out


def _headline(name: str, cells: list[dict[str, Any]]) -> dict[str, Any]:
    """Verdict counts of one run against the baseline and its largest significant changes."""
    mine = [(cell, c) for cell in cells for c in cell["comparisons"] if c["run"] == name]
    count = {v: sum(c["verdict"] == v for _, c in mine) for v in ("better", "worse", "tied")}
    count["needs_seeds"] = sum(c["verdict"] == NEEDS_SEEDS for _, c in mine)
    significant = sorted((pair for pair in mine if pair[1]["verdict"] in ("better", "worse")),
                         key=lambda pair: (-abs(pair[1]["diff"]), _order((pair[0]["task"], pair[0]["solver"],
                                                                          pair[0]["train_size"]), pair[0]["family"])))
    ratios = [c["fit_seconds_ratio"] for _, c in mine if c["fit_seconds_ratio"] is not None and c["p"] is not None]
    return {"run": name, **count, "compared": sum(count.values()),
            "fit_ratio_median": float(np.median(ratios)) if ratios else None, "fit_ratio_cells": len(ratios),
            "untested": sum(c["verdict"] is None and not cell["only_in"] and c["note"] and
                            not c["note"].startswith("not in") for cell, c in mine),
            "only_here": sum(cell["only_in"] == name for cell, _ in mine),
            "missing": sum(cell["sides"][0]["present"] and not _side(cell, name)["present"] for cell, _ in mine),
            "largest": [{"task": cell["task"], "solver": cell["solver"], "family": cell["family"],
                         "train_size": cell["train_size"], **c} for cell, c in significant[:LARGEST]]}


def _side(cell: dict[str, Any], name: str) -> dict[str, Any]:
    return next(side for side in cell["sides"] if side["run"] == name)


def csv_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of ``compare.csv`` (:data:`COLUMNS`): one per cell and run that has it.

    The baseline's row holds its score only; every other run's row adds the difference to the
    baseline, its test, p-values, verdict and time ratios.
    """
    out = []
    for cell in result["cells"]:
        by_run = {c["run"]: c for c in cell["comparisons"]}
        for side in cell["sides"]:
            if not side["present"]:
                continue
            row = {**dict.fromkeys(COLUMNS), "task": cell["task"], "solver": cell["solver"], "family": cell["family"],
                   "train_size": cell["train_size"], "run": side["run"], "seeds": side["seeds"],
                   "accuracy": side["accuracy"], "accuracy_low": side["low"], "accuracy_high": side["high"],
                   "baseline": result["baseline"]}
            c = by_run.get(side["run"])
            if c is None:  # the baseline itself
                notes = [f"only in {cell['only_in']}" if cell["only_in"] else None,
                         f"{side['status']}: {side['error']}" if side["error"] else None]
                row["note"] = "; ".join(n for n in notes if n) or None
            else:
                row.update(diff=c["diff"], diff_low=c["low"], diff_high=c["high"], test=c["test"], p=c["p"],
                           p_holm=c["p_holm"], verdict=c["verdict"], fit_seconds_ratio=c["fit_seconds_ratio"],
                           tune_seconds_ratio=c["tune_seconds_ratio"], note=c["note"])
            out.append(row)
    return out
