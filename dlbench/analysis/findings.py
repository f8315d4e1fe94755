"""The findings of a run, per task, as plain data: what the report and the terminal say.

Owns turning tables (``tables``), curve fits (``scaling``) and tests (``stats``) into findings:
the honestly chosen best solver, the best of each family at the smallest and largest size,
where one family overtakes another, the extrapolated picture, the paired tests, the best
model's confusion matrix, the data-audit warnings, the headline sentences and the rows of
``summary.csv``. No figures and no HTML here; every value is a number, a string or a list.
"""

from __future__ import annotations

import json
import math
from itertools import combinations
from typing import Any

from dlbench.analysis import scaling, stats, tables
from dlbench.analysis.tables import FAMILY_LABEL, FAMILY_ORDER

DEFAULT_TARGET_FRACTION = 0.95
FAMILIES = tuple(FAMILY_ORDER)

SUMMARY_COLUMNS = [
    "task", "solver", "family", "n_sizes", "n_min", "n_max", "seeds", "score_at_n_max", "val_score_at_n_max",
    "fit_a", "fit_b", "fit_c", "fit_reliable", "fit_note", "pred_score_10x", "pred_score_100x",
    "target_score", "n_for_target", "n_for_target_source", "auc_log_n",
    *[f"crossover_vs_{f}_{part}" for f in FAMILIES for part in ("kind", "n", "low", "high")],
]


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _fmt(v, digits: int = 3) -> str:
    return "?" if _num(v) is None else f"{float(v):.{digits}f}"


def target_score(run_info: dict[str, Any], highest: float | None) -> tuple[float | None, str]:
    """The target score and how it was chosen: ``config.target_score`` or 95% of the highest mean."""
    configured = _num((run_info.get("config") or {}).get("target_score"))
    if configured is not None and 0 < configured <= 1:
        return configured, f"target score {configured:.3f} (set for the run)"
    if highest is None:
        return None, "no target score (no finished cell)"
    value = DEFAULT_TARGET_FRACTION * highest
    return value, (f"target score {value:.3f} = {DEFAULT_TARGET_FRACTION:.0%} of the highest mean test "
                   f"accuracy measured on this task ({highest:.3f})")


# -- per task -----------------------------------------------------------------------------------

def _family_bests(cells, task: str, size: int, families: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per family, the solver with the best validation score at ``size``, with its test score."""
    val = tables.selection_scores(cells, task, size)
    test = tables.test_scores(cells, task, size)
    times = tables.fit_times(cells, task, size)
    out = {}
    for family in FAMILIES:
        members = [s for s, f in families.items() if f == family]
        best = tables.pick_best(members, val, times)
        if best is not None:
            out[family] = {"solver": best, "val": val.get(best), "test": test.get(best)}
    return out


def _pareto(board: list[dict[str, Any]]) -> dict[str, Any]:
    """Pareto fronts at the largest size: highest accuracy for the cost, per cost axis."""
    usable = [r for r in board if _num(r.get("accuracy")) is not None]
    size_key = "n_params" if usable and all(_num(r.get("n_params")) is not None for r in usable) else "model_bytes"
    axes = {"fit_seconds": "fit seconds", "predict_seconds_per_1k": "prediction seconds per 1,000 examples",
            size_key: "parameters" if size_key == "n_params" else "model bytes"}
    fronts = {}
    for key in axes:
        pts = sorted((float(r[key]), -float(r["accuracy"]), r["solver"])
                     for r in usable if _num(r.get(key)) is not None)
        front, best = [], -math.inf
        for _cost, neg_acc, solver in pts:
            if -neg_acc > best:
                front.append(solver)
                best = -neg_acc
        fronts[key] = front
    return {"axes": axes, "fronts": fronts}


def _confusion(cells, task: str, solver: str | None, size: int | None) -> dict[str, Any] | None:
    """The best solver's confusion matrix at ``size``: the seed with the median accuracy."""
    if solver is None or "confusion" not in cells:
        return None
    mine = tables.ok_cells(cells[(cells["task"] == task) & (cells["solver"] == solver) & (cells["train_size"] == size)])
    mine = mine[mine["confusion"].notna()].sort_values(["accuracy", "seed"])
    if mine.empty:
        return None
    row = mine.iloc[(len(mine) - 1) // 2]
    try:
        matrix = row["confusion"] if isinstance(row["confusion"], list) else json.loads(row["confusion"])
        classes = row.get("classes")
        classes = classes if isinstance(classes, list) else json.loads(classes) if classes else []
    except (TypeError, ValueError):
        return None
    matrix = [[int(v) for v in r] for r in matrix]
    if len(classes) != len(matrix):
        classes = [str(i) for i in range(len(matrix))]
    return {"solver": solver, "seed": int(row["seed"]), "size": int(size), "accuracy": float(row["accuracy"]),
            "seeds": len(mine), "classes": [str(c) for c in classes], "matrix": matrix}


def _paired_tests(cells, task: str, best: str | None, size: int | None, solvers: list[str]) -> list[dict[str, Any]]:
    if best is None:
        return []
    mine = tables.seed_scores(cells, task, best, size)
    tests = []
    for other in solvers:
        if other == best:
            continue
        result = stats.paired_comparison(mine, tables.seed_scores(cells, task, other, size))
        if result["pairs"]:
            tests.append({"solver": other, **result})
    for t, p in zip(tests, stats.holm([t["p"] for t in tests])):
        t["p_holm"] = p
    return tests


def _scaling_rows(curves, fits, target) -> dict[str, dict[str, Any]]:
    out = {}
    for solver, curve in curves.items():
        fit = fits[solver]
        pred = scaling.predictions(fit)
        need = (scaling.n_for_target(curve, fit, target) if target is not None
                else {"n": None, "source": "unknown", "note": ""})
        out[solver] = {"solver": solver, "a": fit.a, "b": fit.b, "c": fit.c, "reliable": fit.reliable,
                       "reason": fit.reason, "pred": pred, "need": need, "auc": scaling.area_under_curve(curve),
                       "sizes": len(curve.sizes), "seeds": curve.seeds}
    return out


def analyse_task(cells, task: str, run_info: dict[str, Any]) -> dict[str, Any]:
    """Every finding about one task (see the module docstring)."""
    families = tables.solver_families(cells, task)
    sizes = tables.sizes_of(cells, task)
    board = tables.leaderboard(cells, task)
    board_rows = _records(board)
    curves = tables.curves(cells, task)
    fits = {s: scaling.fit_power_law(c) for s, c in curves.items()}
    smallest, largest = (sizes[0], sizes[-1]) if sizes else (None, None)
    val_large = tables.selection_scores(cells, task, largest) if sizes else {}
    best_solver = tables.pick_best(sorted(curves), val_large, tables.fit_times(cells, task, largest)) if sizes else None
    highest = max((m for c in curves.values() for m in c.means), default=None)
    target, target_rule = target_score(run_info, highest)

    found: dict[str, Any] = {
        "task": task, "meta": _task_meta(run_info, task), "sizes": sizes, "families": families,
        "smallest": smallest, "largest": largest, "board": board_rows, "curves": curves, "fits": fits,
        "target": target, "target_rule": target_rule,
        "bests_small": _family_bests(cells, task, smallest, families) if sizes else {},
        "bests_large": _family_bests(cells, task, largest, families) if sizes else {},
        "audit": (run_info.get("audit") or {}).get(task),
        "problems": _records(tables.problem_cells(cells, task)),
        "seeds": int(cells[cells["task"] == task]["seed"].nunique()),
    }
    found["best"] = _best(cells, task, best_solver, largest, families)
    found["family_best"] = {f: b["solver"] for f, b in found["bests_large"].items()}
    found["scaling"] = _scaling_rows(curves, fits, target)
    found["crossovers"] = _family_crossovers(found)
    found["solver_crossovers"] = {s: {f: scaling.crossover(curves[s], curves[b], fits[s], fits[b])
                                      for f, b in found["family_best"].items() if f != families.get(s)}
                                  for s in curves}
    found["tests"] = _paired_tests(cells, task, best_solver, largest, sorted(curves))
    found["confusion"] = _confusion(cells, task, best_solver, largest)
    found["pareto"] = _pareto([r for r in board_rows if r["train_size"] == largest])
    found["warnings"] = _warnings(found)
    found["headline"] = _headline(found)
    return found


def _records(df) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in df.to_dict("records")]


def _task_meta(run_info: dict[str, Any], task: str) -> dict[str, Any]:
    for meta in run_info.get("tasks") or []:
        if isinstance(meta, dict) and meta.get("name") == task:
            return meta
    return {}


def _best(cells, task: str, solver: str | None, size: int | None, families) -> dict[str, Any] | None:
    """The chosen solver's validation score and test accuracy (mean, 95% interval) at ``size``."""
    if solver is None:
        return None
    ci = stats.mean_interval(tables.seed_scores(cells, task, solver, size).values(), clip=(0.0, 1.0))
    return {"solver": solver, "family": families.get(solver), "size": size,
            "val": tables.selection_scores(cells, task, size).get(solver),
            "test": ci["mean"], "low": ci["low"], "high": ci["high"], "seeds": ci["n"]}


def _family_crossovers(found) -> list[dict[str, Any]]:
    """For each pair of families, where the best of one overtakes the best of the other."""
    best = found["family_best"]
    pairs = []
    present = sorted(best, key=lambda f: -FAMILY_ORDER[f])  # deep, shallow, rule
    for fa, fb in combinations(present, 2):
        a, b = best[fa], best[fb]
        result = scaling.crossover(found["curves"][a], found["curves"][b], found["fits"][a], found["fits"][b])
        pairs.append({"family_a": fa, "family_b": fb, "solver_a": a, "solver_b": b, **result,
                      "sentence": _crossover_sentence(fa, a, fb, b, result)})
    return pairs


# -- words --------------------------------------------------------------------------------------

def _who(family: str, solver: str) -> str:
    return f"{FAMILY_LABEL.get(family, family)} ({solver})"


def _span(sizes: list[int]) -> str:
    return f"n={sizes[0]:,}" if len(sizes) == 1 else f"n={sizes[0]:,}–{sizes[-1]:,}"


def _crossover_sentence(fa: str, a: str, fb: str, b: str, r: dict[str, Any]) -> str:
    if r["kind"] == "none":
        return f"{_who(fa, a)} and {_who(fb, b)} were never measured at the same size."
    if r["kind"] == "tied":
        return f"{_who(fa, a)} and {_who(fb, b)} score the same at every measured size ({_span(r['sizes'])})."
    lead, lead_s, trail, trail_s = (fa, a, fb, b) if r["kind"] in ("overtakes", "ahead") else (fb, b, fa, a)
    lead_w, trail_w = _who(lead, lead_s), _who(trail, trail_s)
    return _lead_sentence(lead_w, trail_w, FAMILY_LABEL.get(trail, trail), r) + _noise_words(r.get("separation"))


def _lead_sentence(lead_w: str, trail_w: str, trail_family: str, r: dict[str, Any]) -> str:
    lead_w = lead_w[0].upper() + lead_w[1:]
    if r["source"] == "measured":
        return (f"{lead_w} overtakes {trail_w} at about {scaling.fmt_n(r['n'])} training examples "
                f"(between the measured sizes {r['low']:,} and {r['high']:,}).")
    sentence = f"{lead_w} is ahead of {trail_w} at every measured size ({_span(r['sizes'])})"
    ext = r.get("extrapolated")
    if ext is None:
        return sentence + "; no pair of reliable fitted curves to extrapolate."
    if math.isinf(ext["n"]):
        return sentence + (f", and the fitted curves do not cross within {scaling.SEARCH_LIMIT:,}x the data "
                           f"(n={scaling.fmt_n(scaling.SEARCH_LIMIT * r['sizes'][-1])}).")
    interval = _interval_words(ext["low"], ext["high"])
    return sentence + (f"; the fitted curves say {trail_family} would overtake at about "
                       f"{scaling.fmt_n(ext['n'])} examples ({interval}; an extrapolation).")


def _noise_words(sep: dict[str, Any] | None) -> str:
    """A warning when the final difference is within seed noise (the interval includes zero)."""
    if not sep or sep["clear"] is not False:
        return ""
    return (f" But at n={sep['size']:,} the difference ({sep['diff']:+.3f}, 95% interval {sep['low']:+.3f} to "
            f"{sep['high']:+.3f} over {sep['seeds']} seeds) is within seed noise: treat them as tied there.")


def _interval_words(low, high) -> str:
    if low is None:
        return "no interval: a fit has no spare degrees of freedom"
    high_w = f"beyond {scaling.SEARCH_LIMIT:,}x the data" if math.isinf(high) else scaling.fmt_n(high)
    return f"95% interval {scaling.fmt_n(low)} to {high_w}"


def _warnings(found) -> list[str]:
    audit = found.get("audit") or {}
    out = []
    leaked = _num(audit.get("n_test_in_train"))
    if leaked:
        n_test = _num(audit.get("n_test")) or sum((audit.get("test_counts") or {}).values()) or None
        of = f" of {int(n_test):,}" if n_test else ""
        out.append(f"{int(leaked):,}{of} test examples also occur exactly in the training data: "
                   "test scores may be optimistic.")
    failed = [p for p in found["problems"] if p.get("status") in ("failed", "timeout")]
    if failed:
        out.append(f"{len(failed)} cell{'s' if len(failed) != 1 else ''} failed or timed out (listed below).")
    return out


def _best_sentence(found) -> str:
    best = found["best"]
    if best is None:
        return "No solver finished with a validation score on this task."
    ci = ""
    if best["low"] is not None:
        ci = f", 95% interval {best['low']:.3f}–{best['high']:.3f} over {best['seeds']} seeds"
    elif best["seeds"]:
        ci = ", one seed"
    return (f"Best by validation score: {best['solver']} ({FAMILY_LABEL.get(best['family'], best['family'])}), "
            f"validation {_fmt(best['val'])}, test accuracy {_fmt(best['test'])}{ci}, at n={best['size']:,} "
            "training examples.")


def _family_sentence(found) -> str:
    def listing(bests):
        return ", ".join(f"{FAMILY_LABEL[f]} {b['solver']} {_fmt(b['test'])}"
                         for f, b in sorted(bests.items(), key=lambda kv: FAMILY_ORDER[kv[0]]))

    if not found["sizes"]:
        return ""
    if len(found["sizes"]) == 1:
        return (f"Only one training size was measured (n={found['largest']:,}): best of each family by validation "
                f"score, with test accuracy: {listing(found['bests_large'])}.")
    return (f"Best of each family (by validation score; test accuracy shown) at the smallest size, "
            f"n={found['smallest']:,}: {listing(found['bests_small'])}; at the largest, n={found['largest']:,}: "
            f"{listing(found['bests_large'])}.")


def _extrapolation_sentence(found) -> str:
    if len(found["sizes"]) < scaling.MIN_FIT_SIZES:
        return (f"No extrapolation: learning curves need at least {scaling.MIN_FIT_SIZES} sizes "
                f"(this run measured {len(found['sizes'])}).")
    parts, unreliable = {h: [] for h in scaling.HORIZONS}, []
    for _family, solver in sorted(found["family_best"].items(), key=lambda kv: FAMILY_ORDER[kv[0]]):
        row = found["scaling"][solver]
        if not row["reliable"]:
            unreliable.append(f"{solver} ({row['reason']})")
            continue
        for h in scaling.HORIZONS:
            parts[h].append(f"{solver} {_fmt(row['pred'][h])}")
    bits = [f"{h}x the data (n={scaling.fmt_n(h * found['largest'])}): {', '.join(parts[h])}"
            for h in scaling.HORIZONS if parts[h]]
    text = ("Extrapolating the fitted power laws to " + "; to ".join(bits) + ".") if bits else ""
    if unreliable:
        text += (" " if text else "") + "No reliable fit for " + "; ".join(unreliable) + "."
    return text


def _target_sentence(found) -> str:
    if found["target"] is None:
        return ""
    bits = []
    for _family, solver in sorted(found["family_best"].items(), key=lambda kv: FAMILY_ORDER[kv[0]]):
        need = found["scaling"][solver]["need"]
        if need["source"] == "measured":
            bits.append(f"{solver} about {scaling.fmt_n(need['n'])} (measured)")
        elif need["source"] == "fitted":
            bits.append(f"{solver} about {scaling.fmt_n(need['n'])} (extrapolated)")
        elif need["source"] == "unreachable":
            bits.append(f"{solver} out of reach ({need['note']})")
        else:
            bits.append(f"{solver} unknown")
    rule = found["target_rule"]
    return f"Examples needed for the {rule}: " + "; ".join(bits) + "." if bits else ""


def _headline(found) -> list[str]:
    lines = [_best_sentence(found), _family_sentence(found)]
    if found["seeds"] == 1 and found["sizes"]:
        lines.append("One seed per cell: no intervals, so differences of a few points may be noise.")
    lines += [c["sentence"] for c in found["crossovers"]]
    lines += [_extrapolation_sentence(found) if found["sizes"] else "", _target_sentence(found)]
    return [line for line in lines if line]


# -- the whole run ------------------------------------------------------------------------------

def analyse(rows: list[dict[str, Any]], run_info: dict[str, Any]) -> dict[str, Any]:
    """Findings for every task (sorted by name) and, with several tasks, the ranks across them."""
    if not rows:
        return {"tasks": [], "across": None}
    cells = tables.frame(rows)
    tasks = [analyse_task(cells, t, run_info) for t in sorted(cells["task"].dropna().unique())]
    across = None
    if len(tasks) >= 2:
        scores = {t["task"]: {r["solver"]: r["accuracy"] for r in t["board"]
                              if _num(r.get("accuracy")) is not None and r["train_size"] == t["largest"]}
                  for t in tasks}
        across = stats.friedman(scores)
    return {"tasks": tasks, "across": across}


def headline_lines(rows: list[dict[str, Any]], run_info: dict[str, Any]) -> list[str]:
    """Headline sentences as plain text, each prefixed with its task (warnings first)."""
    lines = []
    for t in analyse(rows, run_info)["tasks"]:
        lines += [f"{t['task']}: warning: {w}" for w in t["warnings"]]
        lines += [f"{t['task']}: {s}" for s in t["headline"]]
    return lines


def summary_rows(findings: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (task, solver) for ``summary.csv`` (columns: :data:`SUMMARY_COLUMNS`)."""
    out = []
    for t in findings["tasks"]:
        for solver in sorted(t["curves"], key=lambda s: (FAMILY_ORDER.get(t["families"].get(s), 9), s)):
            curve, sc = t["curves"][solver], t["scaling"][solver]
            row = {
                "task": t["task"], "solver": solver, "family": t["families"].get(solver),
                "n_sizes": len(curve.sizes), "n_min": min(curve.sizes), "n_max": max(curve.sizes),
                "seeds": sc["seeds"], "score_at_n_max": curve.means[-1],
                "val_score_at_n_max": next((r["val_score"] for r in t["board"] if r["solver"] == solver
                                            and r["train_size"] == max(curve.sizes)), None),
                "fit_a": sc["a"], "fit_b": sc["b"], "fit_c": sc["c"], "fit_reliable": sc["reliable"],
                "fit_note": sc["reason"], "pred_score_10x": sc["pred"][10], "pred_score_100x": sc["pred"][100],
                "target_score": t["target"], "n_for_target": sc["need"]["n"],
                "n_for_target_source": sc["need"]["source"], "auc_log_n": sc["auc"],
            }
            for family, result in t["solver_crossovers"].get(solver, {}).items():
                row.update(_crossover_columns(family, result))
            out.append({k: _round(v) for k, v in row.items()})
    return out


def _round(v):
    """Floats to 6 significant digits (the CSV stays readable; no precision that is not there)."""
    return float(f"{v:.6g}") if isinstance(v, float) and math.isfinite(v) else v


def _crossover_columns(family: str, r: dict[str, Any]) -> dict[str, Any]:
    kind, n, low, high = r["kind"], r["n"], r["low"], r["high"]
    ext = r.get("extrapolated")
    if r["source"] is None and ext is not None and not math.isinf(ext["n"]):
        kind = "overtakes-fitted" if r["kind"] == "behind" else "overtaken-fitted"
        n, low, high = ext["n"], ext["low"], ext["high"]
    return {f"crossover_vs_{family}_kind": kind, f"crossover_vs_{family}_n": n,
            f"crossover_vs_{family}_low": low, f"crossover_vs_{family}_high": high}
