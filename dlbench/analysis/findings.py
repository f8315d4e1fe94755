"""The findings of a run, per task, as typed data: what the report, the terminal and the API say.

Owns turning tables (``tables``), per-example evidence (``evidence``), bounded curve fits
(``extrapolation``), the winners and their costs (``winners``) and tests (``stats``, ``seeds``)
into findings: the honestly chosen best solver and who is tied with it, the best of each family
at the smallest and largest size, where one family overtakes another (decided over the seeds,
which counts training variance, or with one seed over the test examples, as a claim about two
trained models only; Holm-corrected over every claim of its kind on the page), what may be
extrapolated and with which interval, the best model's confusion matrix and the data-audit
warnings. :func:`analyse` returns a :class:`~dlbench.analysis.task_findings.Findings` (every task's
:class:`~dlbench.analysis.task_findings.TaskFindings`, made of the ``records``: what each field
means is written there). The words are ``sentences``, the tables the page shows ``shaping``'s, the
rows of ``summary.csv`` ``summary``'s. No figures and no HTML here.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from dlbench.analysis import capacity, scaling, sentences, shaping, stats, tables
from dlbench.analysis.evidence import Evidence, crossfit_winner, decide
from dlbench.analysis.extrapolation import Extrapolation, crossing, examples_needed, extrapolate
from dlbench.analysis.records import (Across, Best, BoardRow, Claims, Confusion, ConfusionCell, ConfusionRow, Crossing,
                                      Crossover, FamilyBest, FamilyCrossover, Need, PairedTest, Pareto, ScalingRow,
                                      clean_row, finite)
from dlbench.analysis.task_findings import Findings, TaskFindings
from dlbench.analysis.tables import FAMILY_ORDER
from dlbench.analysis.winners import best_single, cheapest_tied, chosen_models, ensemble_gain, family_bests
from dlbench.core import schema
from dlbench.core.solver import ENSEMBLE

DEFAULT_TARGET_FRACTION = 0.95
#: A verdict seen from the other side of the comparison.
FLIP = {"ahead": "behind", "behind": "ahead", "tied": "tied", "untested": "untested"}



def target_score(run_info: dict[str, Any], highest: float | None) -> tuple[float | None, str]:
    """The target score and how it was chosen: ``config.target_score``, or 95% of the highest mean
    *test* accuracy measured on the task: the same kind of score as the curves it is read off.
    It describes the curves and chooses nothing, so defining it on test scores tunes nothing to them."""
    configured = finite((run_info.get("config") or {}).get("target_score"))
    if configured is not None and 0 < configured <= 1:
        return configured, f"target score {configured:.3f} (set for the run)"
    if highest is None:
        return None, "no target score (no finished cell)"
    value = DEFAULT_TARGET_FRACTION * highest
    return value, (f"target test accuracy {value:.3f} = {DEFAULT_TARGET_FRACTION:.0%} of the highest mean test "
                   f"accuracy measured on this task ({highest:.3f})")


# -- per task -----------------------------------------------------------------------------------

#: The cost whose Pareto front the page tags and draws: fitting is the cost every solver pays.
FRONT_AXIS = "fit_seconds"


def _pareto(board: list[BoardRow]) -> Pareto:
    """Pareto fronts at the largest size: highest accuracy for the cost, per cost axis; ``front`` is
    the one of fit time (:data:`FRONT_AXIS`), the only one the page tags and draws."""
    usable = [r for r in board if finite(r.accuracy) is not None]
    size_key = "n_params" if usable and all(finite(r.n_params) is not None for r in usable) else "model_bytes"
    axes = {"fit_seconds": "fit seconds", "predict_seconds_per_1k": "prediction seconds per 1,000 examples",
            size_key: "parameters" if size_key == "n_params" else "model bytes"}
    fronts = {}
    for key in axes:
        pts = sorted((float(getattr(r, key)), -float(r.accuracy), r.solver)
                     for r in usable if finite(getattr(r, key)) is not None)
        front, best = [], -math.inf
        for _cost, neg_acc, solver in pts:
            if -neg_acc > best:
                front.append(solver)
                best = -neg_acc
        fronts[key] = front
    return Pareto(axes=axes, fronts=fronts, front=fronts.get(FRONT_AXIS, []), front_axis=FRONT_AXIS)


def _confusion(cells, task: str, solver: str | None, size: int | None) -> Confusion | None:
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
    classes = [str(c) for c in classes]
    rows = []
    for i, (label, counts) in enumerate(zip(classes, matrix)):
        total = sum(counts)
        rows.append(ConfusionRow(label, [ConfusionCell(v, v / total if total else 0, j == i) for j, v in enumerate(counts)],
                                 total, counts[i] / total if total else None))
    confusions = sorted(((v, classes[i], classes[j]) for i, r in enumerate(matrix) for j, v in enumerate(r)
                         if i != j and v), key=lambda t: (-t[0], t[1], t[2]))
    return Confusion(solver=solver, seed=int(row["seed"]), size=int(size), accuracy=float(row["accuracy"]),
                     seeds=len(mine), classes=classes, matrix=matrix, rows=rows,
                     top=[{"count": v, "true": a, "predicted": b} for v, a, b in confusions[:20]])


def _extrapolations(curves, evidence: Evidence, task: str, n_test: int | None) -> dict[str, Extrapolation]:
    """Every solver's bounded extrapolation; one resampling seed per task, so their draws pair up."""
    seed = zlib.crc32(task.encode())
    return {s: extrapolate(s, c.by_seed, {n: evidence.correct(task, s, n) for n in c.sizes}, seed=seed, n_test=n_test)
            for s, c in curves.items()}


def _scaling_rows(curves, fits: dict[str, Extrapolation], target) -> dict[str, ScalingRow]:
    """The scaling table: solvers measured at two or more sizes (an ensemble built at one size has no curve)."""
    out = {}
    for solver, curve in curves.items():
        if len(curve.sizes) < 2:
            continue
        x = fits[solver]
        need = (Need(**examples_needed(x, target, dict(zip(curve.sizes, curve.means)))) if target is not None
                else Need(source="unknown", words="no target score"))
        out[solver] = ScalingRow(solver=solver, form=x.form, params=x.params, extrapolates=x.extrapolates,
                                 check=x.reason, ill_behaved=x.ill_behaved, held_out=x.held_out, floor=x.floor,
                                 floor_low=x.floor_low, floor_high=x.floor_high, pred_10x=x.pred_10x,
                                 pred_10x_low=x.pred_10x_low, pred_10x_high=x.pred_10x_high, need=need,
                                 auc=scaling.area_under_curve(curve), sizes=len(curve.sizes), seeds=curve.seeds)
    return out


class _Comparisons:
    """Every comparison one task's part of the page makes; the page decides them (Holm) with its other claims."""

    def __init__(self, evidence: Evidence, task: str):
        self.evidence, self.task, self.made = evidence, task, {}

    def asked(self, a: str, b: str, size: int) -> bool:
        """Whether ``a`` and ``b`` were compared at ``size``, either way round."""
        return (a, b, size) in self.made or (b, a, size) in self.made

    def ask(self, a: str, b: str, size: int) -> None:
        if not self.asked(a, b, size):
            self.made[(a, b, size)] = self.evidence.compare(self.task, a, b, size)

    def comparisons(self) -> list[dict[str, Any] | None]:
        return list(self.made.values())

    def settle(self) -> None:
        """After ``decide``: a comparison that could not be made becomes an ``untested`` one."""
        for key, c in self.made.items():
            if c is None:
                self.made[key] = {"verdict": "untested", **dict.fromkeys(
                    ("p", "p_holm", "diff", "low", "high", "a_better", "b_better", "seeds", "test", "kind", "seed_diffs"))}

    def get(self, a: str, b: str, size: int) -> dict[str, Any]:
        """The comparison ``a - b`` (flipped when it was asked the other way round)."""
        if (a, b, size) in self.made:
            return self.made[(a, b, size)]
        c = dict(self.made[(b, a, size)])
        c["verdict"] = FLIP[c["verdict"]]
        for k in ("diff", "low", "high"):
            c[k] = None if c.get(k) is None else -c[k]
        c["low"], c["high"] = c.get("high"), c.get("low")
        c["a_better"], c["b_better"] = c.get("b_better"), c.get("a_better")
        return c


def _pair_crossover(curves, fits, comparisons: _Comparisons, a: str, b: str) -> Crossover:
    sizes = sorted(set(curves[a].sizes) & set(curves[b].sizes))
    made = [comparisons.get(a, b, n) for n in sizes]
    diffs = [curves[a].mean_at(n) - curves[b].mean_at(n) for n in sizes]

    def beyond() -> Crossing | None:
        crossed = crossing(fits[a], fits[b])
        return None if crossed is None else Crossing(**crossed)

    result = scaling.crossover(sizes, [c["verdict"] for c in made], diffs, beyond)
    return Crossover(**result, models_at=[n for n, c in zip(sizes, made) if c.get("kind") == "models"],  # about two models
                     needs_seeds=any(c.get("needs_seeds") for c in made))


def analyse_task(cells, task: str, run_info: dict[str, Any], evidence: Evidence | None = None,
                 predictions: dict[tuple, dict[str, Any]] | None = None) -> TaskFindings:
    """Every finding about one task alone (see the module docstring); ``predictions`` are the store's arrays.

    Its claims are Holm-corrected among themselves; :func:`analyse` corrects a page's together.
    """
    evidence = evidence or Evidence(rows=cells[cells["task"] == task].to_dict("records"))
    found, pending = _measure(cells, task, run_info, evidence, predictions)
    decide(pending.comparisons.comparisons())
    decide(pending.csv_only.comparisons())
    found.claims = _claims(pending.comparisons.comparisons())
    return _judge(found, pending)


def _claims(comparisons: list[dict[str, Any] | None]) -> Claims:
    """How many claims of each kind Holm's correction covered."""
    return Claims(**{kind: sum(1 for c in comparisons if c and c.get("kind") == kind) for kind in ("setup", "models")})


@dataclass
class _Pending:
    """What a task measured and asked, between :func:`_measure` and :func:`_judge`: the comparisons
    its page states, those only ``summary.csv`` states, the solvers compared with the best and
    each solver's rivals (family -> best of that family)."""

    comparisons: _Comparisons
    csv_only: _Comparisons
    others: list[str] = field(default_factory=list)
    rivals: dict[str, dict[str, str]] = field(default_factory=dict)


def _measure(cells, task: str, run_info: dict[str, Any], evidence: Evidence,
             predictions: dict[tuple, dict[str, Any]] | None) -> tuple[TaskFindings, _Pending]:
    """What one task measured, and the comparisons its sentences need (asked, not yet decided)."""
    families = tables.solver_families(cells, task)
    sizes = tables.sizes_of(cells, task)
    board_rows = [BoardRow.from_dict(r) for r in _records(tables.leaderboard(cells, task, evidence))]
    curves = tables.curves(cells, task, evidence)
    smallest, largest = (sizes[0], sizes[-1]) if sizes else (None, None)
    best_solver = chosen_models(cells, task).get("winner")
    mine = tables.ok_cells(cells[cells["task"] == task])
    n_test = int(mine["n_test"].max()) if "n_test" in mine and mine["n_test"].notna().any() else None
    fits = _extrapolations(curves, evidence, task, n_test)
    highest = max((m for c in curves.values() for m in c.means), default=None)
    target, target_rule = target_score(run_info, finite(highest))

    def bests(size: int) -> dict[str, FamilyBest]:
        return {f: FamilyBest(**b) for f, b in family_bests(cells, task, size, families).items()}

    found = TaskFindings(
        task=task, meta=_task_meta(run_info, task), sizes=sizes, families=families,
        smallest=smallest, largest=largest, board=board_rows, curves=curves, fits=fits,
        target=target, target_rule=target_rule,
        bests_small=bests(smallest) if sizes else {}, bests_large=bests(largest) if sizes else {},
        audit=(run_info.get("audit") or {}).get(task),
        problems=_records(tables.problem_cells(cells, task)),
        seeds=int(tables.ok_cells(cells[cells["task"] == task])["seed"].nunique()),  # seeds that ran
        stopped=run_info.get("stopped"), planned=(run_info.get("planned") or {}).get(task),
        stored=int(((cells["task"] == task) & cells["status"].isin(["ok", "failed"])
                    & (cells["family"] != ENSEMBLE)).sum()),  # the grid's cells: ensembles are derived
    )
    found.best = _best(evidence, cells, task, best_solver, largest, families)
    if found.best is not None:
        found.best.val_crossfit = crossfit_winner(_validation(predictions, task, largest))
    found.family_best = {f: b.solver for f, b in found.bests_large.items()}
    found.scaling = _scaling_rows(curves, fits, target)
    found.confusion = _confusion(cells, task, best_solver, largest)
    found.pareto = _pareto([r for r in board_rows if r.train_size == largest])

    comparisons = _Comparisons(evidence, task)
    others = [s for s in sorted(curves) if s != best_solver and largest in curves[s].sizes]
    for other in others if best_solver else []:
        comparisons.ask(best_solver, other, largest)
    found.best_single = best_single(cells, task, best_solver, largest, families)
    if best_solver and ENSEMBLE in curves and largest in curves[ENSEMBLE].sizes and found.best_single:
        comparisons.ask(ENSEMBLE, found.best_single, largest)
    rivals = {s: {f: b for f, b in found.family_best.items() if f != families.get(s)} for s in curves}
    # The page states the family bests' crossovers; the other solvers' go to summary.csv only, and are
    # corrected among themselves so that they do not weaken the page's own claims.
    csv_only = _Comparisons(evidence, task)
    on_page = set(found.family_best.values())
    for s, by_family in rivals.items():
        for b in by_family.values():
            for n in sorted(set(curves[s].sizes) & set(curves[b].sizes)):
                (comparisons if s in on_page else csv_only).ask(s, b, n)
    return found, _Pending(comparisons, csv_only, others, rivals)


def _judge(found: TaskFindings, pending: _Pending) -> TaskFindings:
    """The verdicts and sentences of a task, once its comparisons are decided."""
    comparisons, csv_only = pending.comparisons, pending.csv_only
    comparisons.settle()
    csv_only.settle()
    best_solver, largest, curves, fits = found.winner, found.largest, found.curves, found.fits
    found.untested = sum(1 for c in comparisons.made.values() if c.get("verdict") == "untested")
    found.tests = [PairedTest.from_dict(c, solver=o, standing=FLIP[c["verdict"]])  # the other against the best
                   for o in pending.others for c in [comparisons.get(best_solver, o, largest)]] if best_solver else []
    found.tied_with_best = [t.solver for t in found.tests if t.verdict in ("tied", "untested")]
    at_largest = found.at_largest
    found.cheapest_tied = cheapest_tied([best_solver, *found.tied_with_best] if best_solver else [], at_largest)
    single = found.best_single
    asked = single is not None and comparisons.asked(ENSEMBLE, single, largest)
    found.ensemble_gain = ensemble_gain(single, comparisons.get(ENSEMBLE, single, largest) if asked else None,
                                        at_largest)
    bests = set(found.family_best.values())
    found.solver_crossovers = {s: {f: _pair_crossover(curves, fits, comparisons if s in bests else csv_only, s, b)
                                   for f, b in by_family.items()} for s, by_family in pending.rivals.items()}
    found.crossovers = _family_crossovers(found)
    found.warnings = _warnings(found)
    found.limitations = sentences.limitations(found)
    found.headline = sentences.headline(found)
    found.headline_more = sentences.headline_more(found)
    found.card = shaping.answer_card(found)
    found.problem_groups = shaping.problem_groups(found.problems)
    found.audit_classes = shaping.audit_classes(found.audit)
    return found


def _records(df) -> list[dict[str, Any]]:
    return [clean_row(r) for r in df.to_dict("records")]


def _task_meta(run_info: dict[str, Any], task: str) -> dict[str, Any]:
    for meta in run_info.get("tasks") or []:
        if isinstance(meta, dict) and meta.get("name") == task:
            return meta
    return {}


def _best(evidence: Evidence, cells, task: str, solver: str | None, size: int | None, families) -> Best | None:
    """The chosen solver's validation score and test accuracy (mean, 95% interval) at ``size``."""
    if solver is None:
        return None
    ci = evidence.interval(task, solver, size)
    return Best(solver=solver, family=families.get(solver), size=size,
                val=tables.selection_scores(cells, task, size).get(solver),
                test=ci["mean"], low=ci["low"], high=ci["high"], seeds=ci["seeds"])


def _family_crossovers(found: TaskFindings) -> list[FamilyCrossover]:
    """For each pair of families, whether the best of one overtakes the best of the other."""
    best = found.family_best
    pairs = []
    present = sorted(best, key=lambda f: -FAMILY_ORDER[f])  # deep, shallow, rule
    for fa, fb in combinations(present, 2):
        a, b = best[fa], best[fb]
        result = found.solver_crossovers[a][fb]
        pairs.append(FamilyCrossover(**vars(result), family_a=fa, family_b=fb, solver_a=a, solver_b=b,
                                     sentence=sentences.crossover_sentence(fa, a, fb, b, result)))
    return pairs


def _warnings(found: TaskFindings) -> list[str]:
    audit = found.audit or {}
    out = []
    leaked = finite(audit.get("n_test_in_train"))
    if leaked:
        n_test = finite(audit.get("n_test")) or sum((audit.get("test_counts") or {}).values()) or None
        of = f" of {int(n_test):,}" if n_test else ""
        out.append(f"{int(leaked):,}{of} test examples also occur exactly in the training data: "
                   "test scores may be optimistic.")
    failed = [p for p in found.problems if p.get("status") in ("failed", "timeout")]
    if failed:
        out.append(f"{len(failed)} cell{'s' if len(failed) != 1 else ''} failed or timed out (listed below).")
    stopped, planned = found.stopped, found.planned
    if stopped:
        finished = found.stored
        missing = f": {planned - finished:,} of {planned:,} planned cells are missing" if planned and \
            planned > finished else ""
        out.append(f"This run was {stopped}{missing}; only measured cells are shown. Finish it with "
                   "`dlbench run --resume RUN_DIR`.")
    return out


# -- the whole run ------------------------------------------------------------------------------

def analyse(rows: list[dict[str, Any]], run_info: dict[str, Any],
            predictions: dict[tuple, dict[str, Any]] | None = None) -> Findings:
    """Findings for every task (sorted by name) and, with several tasks, the ranks across them.

    ``predictions`` are the store's per-cell arrays (``ResultsStore.predictions()``); without
    them intervals come from each cell's accuracy and test size and nothing can be called ahead.
    """
    if not rows:
        return Findings()
    every_scale, all_predictions = rows, predictions
    rows, predictions = schema.reference_rows(rows), schema.reference_predictions(predictions)
    cells = tables.frame(rows)
    pairs = {k: (v["test_true"], v["test_pred"]) for k, v in (predictions or {}).items() if "test_pred" in v}
    evidence = Evidence(pairs, cells.to_dict("records"))
    names = sorted(cells["task"].dropna().unique())
    measured = [_measure(cells, t, run_info, evidence, predictions) for t in names]
    studies = [capacity.ask(every_scale, t, all_predictions) for t in names]
    page = [c for _, pending in measured for c in pending.comparisons.comparisons()]
    page += [c for study in studies if study for c in study.comparisons()]
    decide(page)  # Holm over every claim of each kind on the page: all tasks, learning curves and model sizes
    decide([c for _, pending in measured for c in pending.csv_only.comparisons()])  # summary.csv's other crossovers
    claims = _claims(page)
    tasks = [_judge(found, pending) for found, pending in measured]
    for found, study in zip(tasks, studies):
        found.capacity = study.finish(len([c for c in page if c])) if study else None
        found.claims = claims
    across = None
    if len(tasks) >= 2:
        across = ranks_across({t.task: {r.solver: r.accuracy for r in t.at_largest if finite(r.accuracy) is not None}
                               for t in tasks})
    return Findings(tasks=tasks, across=across, devices=deep_devices(rows))


def deep_devices(rows: list[dict[str, Any]]) -> list[str]:
    """What trained the run's finished deep solvers (``cpu``, a GPU), in order; empty without any."""
    return sorted({r.get("device") or "cpu" for r in rows if r.get("family") == "deep" and r.get("status") == "ok"})


def _validation(predictions, task: str, size: int | None) -> dict[str, dict[int, tuple]]:
    """Solver -> seed -> (true, predicted) validation labels of the chosen configurations at ``size``."""
    out: dict[str, dict[int, tuple]] = {}
    for (t, solver, n, seed), v in (predictions or {}).items():
        if t == task and n == size and "val_pred" in v:
            out.setdefault(solver, {})[int(seed)] = (v["val_true"], v["val_pred"])
    return out


def ranks_across(scores: dict[str, dict[str, float]]) -> Across:
    """Average ranks of the solvers common to every task, the Friedman test and the critical difference.

    The CD diagram is drawn only when Friedman rejects (``rejects``); ``reason`` says why not.
    """
    from scipy.stats import rankdata

    names = sorted(scores)
    common = sorted(set.intersection(*(set(scores[t]) for t in names))) if names else []
    out = Across(tasks=names, solvers=common, n_tasks=len(names), n_solvers=len(common))
    if not common:
        out.reason = "no solver finished on every task"
        return out
    for t in names:
        ranked = rankdata([-scores[t][s] for s in common])
        out.ranks[t] = {s: float(r) for s, r in zip(common, ranked)}
    out.average = {s: sum(out.ranks[t][s] for t in names) / len(names) for s in common}
    if len(common) < 3:
        out.reason = f"{len(common)} solver{'s' if len(common) != 1 else ''} common to all tasks (the test needs 3)"
        return out
    result = stats.friedman_cd([[scores[t][s] for s in common] for t in names])
    out.statistic, out.p, out.cd, out.rejects = result["statistic"], result["p"], result["cd"], result["rejects"]
    if not result["rejects"]:
        out.reason = (f"the Friedman test does not reject equal ranks (p = {result['p']:.3f}), so no pair of "
                         "solvers can be told apart and no critical-difference diagram is drawn")
    return out


def headline_lines(rows: list[dict[str, Any]], run_info: dict[str, Any],
                   predictions: dict[tuple, dict[str, Any]] | None = None) -> list[str]:
    """Headline sentences as plain text, each prefixed with its task (warnings first)."""
    return lines_of(analyse(rows, run_info, predictions))


def lines_of(found: Findings) -> list[str]:
    """The headline of findings already computed (:func:`analyse`), as terminal lines (:meth:`Findings.lines`)."""
    return found.lines()
