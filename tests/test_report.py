"""The HTML report, summary.csv and headline from fabricated rows (fast: no training).

Rows are written through the real ResultsStore and a run.json, then ``report.rebuild`` reads them
back as ``dlbench report RUN_DIR`` would. Curves have the classic shapes: rules flat, shallow
models plateauing, deep models still growing, so the crossover and the fits are predictable.
"""

from __future__ import annotations

import csv
import dataclasses
import html.parser
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from dlbench.analysis import findings as summary
from dlbench.analysis import records, scaling, tables
from dlbench.analysis.task_findings import Findings, TaskFindings
from dlbench.analysis.summary import SUMMARY_COLUMNS
from dlbench.report import figures, style
from dlbench.report import html as report
from dlbench.core.store import ResultsStore

XSS = '<script>alert(1)</script>'
XSS2 = '"><img src=x onerror=alert(1)>'

FAMILY_CURVES = {  # error(n) = a * n**-b + c, the truth the fabricated scores scatter around
    "rule": (0.0, 0.5, 0.45),
    "shallow": (1.2, 0.5, 0.11),
    "deep": (4.0, 0.55, 0.02),
    "ensemble": (4.0, 0.55, 0.0),
}


def _score(family: str, n: int, rng, shift: float = 0.0) -> float:
    a, b, c = FAMILY_CURVES[family]
    return float(np.clip(1 - (a * n ** -b + c) - shift + rng.normal(0, 0.006), 0, 1))


def cell_row(task, solver, family, size, seed, accuracy, classes, status="ok", error=None, **extra):
    n_classes = len(classes)
    n_test = 400
    share = accuracy if accuracy is not None and accuracy == accuracy else 0.0
    confusion = np.full((n_classes, n_classes), 0, dtype=int)
    per_class = n_test // n_classes
    for i in range(n_classes):
        right = int(round(per_class * share))
        confusion[i, i] = right
        confusion[i, (i + 1) % n_classes] = per_class - right
    row = {
        "task": task, "modality": "tabular", "solver": solver, "family": family, "train_size": size, "seed": seed,
        "status": status, "n_test": n_test, "classes": list(classes), "finished_at": "2026-01-01T00:00:00+00:00",
        "error": error,
    }
    if status == "ok":
        row.update(
            accuracy=accuracy, macro_f1=max(0.0, accuracy - 0.02), default_accuracy=max(0.0, accuracy - 0.01),
            val_score=min(1.0, accuracy + 0.01), fit_seconds={"rule": 0.001, "shallow": 0.2, "deep": 4.0, "ensemble": 6.0}[family]
            * (1 + size / 1000), fit_cpu_seconds=0.1, tune_seconds=1.0, trials=3, predict_seconds=0.01,
            predict_seconds_per_1k={"rule": 1e-4, "shallow": 2e-3, "deep": 0.05, "ensemble": 0.06}[family],
            peak_memory_mb=50.0, n_params={"rule": 2, "shallow": 300, "deep": 20000, "ensemble": 20302}[family],
            model_bytes={"rule": 50, "shallow": 3000, "deep": 200000, "ensemble": 203050}[family], best_params={"C": 1.0},
            confusion=confusion.tolist(),
        )
    row.update(extra)
    return row


def fake_predictions(accuracy: float, n_test: int, n_classes: int, order) -> dict:
    """Test predictions with the given accuracy: the "easiest" examples (first in ``order``) are right,
    so a more accurate solver is right on a superset and paired tests see real differences."""
    y_true = np.arange(n_test) % n_classes
    right = np.zeros(n_test, bool)
    right[order[: int(round(accuracy * n_test))]] = True
    return {"test_true": y_true, "test_pred": np.where(right, y_true, (y_true + 1) % n_classes)}


def fabricate(run_dir: Path, tasks=("blobs", "spam"), solvers=None, sizes=(50, 200, 800, 3200), seeds=3,
              classes=("a", "b", "c"), problems=True, audit=True) -> Path:
    """A run folder with results.db and run.json holding realistic fabricated cells."""
    solvers = solvers or {"majority": "rule", "one-r": "rule", "logreg": "shallow", "random-forest": "shallow",
                          "mlp": "deep", "cnn": "deep"}
    rng = np.random.default_rng(0)
    run_dir.mkdir(parents=True, exist_ok=True)
    with ResultsStore(run_dir / "results.db") as store:
        for task in tasks:
            order = rng.permutation(400)
            for seed in range(seeds):
                for size in sizes:
                    for k, (solver, family) in enumerate(sorted(solvers.items())):
                        shift = 0.01 * (k % 3)
                        row = cell_row(task, solver, family, size, seed, _score(family, size, rng, shift), classes)
                        store.add(row, (), fake_predictions(row["accuracy"], 400, len(classes), order))
        if problems:
            task = tasks[0]
            store.add(cell_row(task, "broken", "shallow", sizes[-1], 0, None, classes, status="failed",
                               error=f"ValueError: bad input {XSS}"))
            store.add(cell_row(task, "slow", "deep", sizes[-1], 0, None, classes, status="timeout",
                               error="cell took longer than 60 s"))
            store.add(cell_row(task, "later", "deep", sizes[0], 0, None, classes, status="skipped",
                               error="not run: the run's --budget was used up"))
    info = {
        "run_id": run_dir.name, "started": "2026-01-01T00:00:00+00:00", "command": "dlbench run fabricated",
        "config": {"tasks": list(tasks), "seeds": seeds, "sizes": list(sizes)},
        "sizes": {t: list(sizes) for t in tasks},
        "tasks": [{"name": t, "modality": "tabular", "description": f"fabricated {t}"} for t in tasks],
        "environment": {"python": "3.11", "cpu_count": 2, "packages": {"numpy": "2.0", "tensorflow": None}},
    }
    if audit:
        info["audit"] = {t: {"modality": "text", "n_train": 1000, "n_test": 400,
                             "train_counts": {c: 1000 // len(classes) for c in classes},
                             "test_counts": {c: 400 // len(classes) for c in classes},
                             "n_duplicates_in_train": 12, "n_conflicting_in_train": 1,
                             "n_test_in_train": 7 if t == tasks[-1] else 0, "n_test_in_train_other_label": 0,
                             "duplicate_examples": [{"train_index": 5, "first_train_index": 1, "label": classes[0],
                                                     "example": XSS2}],
                             "test_in_train_examples": [{"test_index": 3, "train_index": 9, "test_label": classes[0],
                                                         "train_label": classes[0], "example": XSS}]
                             if t == tasks[-1] else []}
                         for t in tasks}
    (run_dir / "run.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return run_dir


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    run_dir = fabricate(tmp_path_factory.mktemp("runs") / "run-1")
    path = report.rebuild(run_dir)
    return run_dir, path.read_text(encoding="utf-8")


# -- the numbers ---------------------------------------------------------------------------------

def test_area_under_the_curve_is_the_mean_score_over_log_n():
    flat = scaling.Curve(sizes=[50, 500], means=[0.8, 0.8])
    assert scaling.area_under_curve(flat) == pytest.approx(0.8)
    rising = scaling.Curve(sizes=[10, 100, 1000], means=[0.5, 0.7, 0.9])
    assert scaling.area_under_curve(rising) == pytest.approx(0.7)
    assert scaling.area_under_curve(scaling.Curve(sizes=[10], means=[0.5])) is None


def test_crossover_needs_significance_on_both_sides():
    sizes, diffs = [100, 300, 1000], [-0.2, 0.0, 0.2]
    r = scaling.crossover(sizes, ["behind", "tied", "ahead"], diffs)
    assert r["kind"] == "overtakes" and (r["low"], r["high"]) == (100, 1000)
    assert r["n"] == pytest.approx(300)  # the mean difference is zero at 300
    assert scaling.crossover(sizes, ["ahead", "tied", "behind"], diffs[::-1])["kind"] == "overtaken"
    # Behind, then only tied: no crossover is claimed, whatever the means say.
    assert scaling.crossover(sizes, ["behind", "tied", "tied"], diffs)["kind"] == "behind"
    assert scaling.crossover(sizes, ["tied"] * 3, diffs)["kind"] == "tied"
    assert scaling.crossover([], [], [])["kind"] == "none"


def test_ranks_across_tasks_use_friedman_and_draw_no_diagram_without_rejection():
    scores = {"t1": {"a": 0.9, "b": 0.8, "c": 0.7}, "t2": {"a": 0.95, "b": 0.7, "c": 0.8}}
    fr = summary.ranks_across(scores)
    assert fr.average["a"] == 1.0 and fr.p is not None and fr.cd > 0
    assert not fr.rejects and "does not reject" in fr.reason
    assert summary.ranks_across({"t1": {"a": 0.9, "b": 0.8}, "t2": {"a": 0.9, "b": 0.7}}).p is None


def test_headline_names_the_validation_winner_and_the_crossover(tmp_path):
    run_dir = fabricate(tmp_path / "run", tasks=("blobs",), problems=False, audit=False)
    with ResultsStore(run_dir / "results.db") as store:
        rows, predictions = store.rows(), store.predictions()
    lines = summary.headline_lines(rows, json.loads((run_dir / "run.json").read_text()), predictions)
    text = "\n".join(lines)
    assert lines[0].startswith("blobs: Best by validation score: ")
    assert "(deep learning)" in lines[0]
    assert re.search(r"Deep learning \(\w+\) overtakes shallow ML \(\S+\) at about [\d,]+ training examples: "
                     r"significantly behind at n=200, significantly ahead at n=(800|3,200) \(moderated paired "
                     r"t-tests over the seeds", text), text
    assert "No extrapolation: the simplest curve form needs at least 5 measured sizes" in text  # 4 sizes here
    assert "between the measured sizes 800 and 3,200" in text and "(measured)" not in text


def test_best_is_chosen_by_validation_not_test(tmp_path):
    rows = []
    for seed in range(2):
        for size in (100, 1000):
            rows.append(cell_row("t", "honest", "shallow", size, seed, 0.80, ["x", "y"], val_score=0.95))
            rows.append(cell_row("t", "lucky", "deep", size, seed, 0.90, ["x", "y"], val_score=0.70))
    found = summary.analyse(rows, {}).task("t")
    assert found.best.solver == "honest" and found.winner == "honest"
    assert found.best.test == pytest.approx(0.80)


#: The findings' fields a report, the terminal and the API read (the keys of the dict they once were).
TASK_FIELDS = {
    "task", "meta", "sizes", "families", "smallest", "largest", "board", "curves", "fits", "target", "target_rule",
    "bests_small", "bests_large", "audit", "problems", "seeds", "stopped", "planned", "stored", "best",
    "family_best", "scaling", "confusion", "pareto", "best_single", "claims", "untested", "tests", "tied_with_best",
    "cheapest_tied", "ensemble_gain", "solver_crossovers", "crossovers", "warnings", "limitations", "headline",
    "headline_more", "capacity", "card", "problem_groups", "audit_classes",
}


def test_analyse_returns_typed_findings_with_the_documented_fields(built):
    run_dir, _ = built
    with ResultsStore(run_dir / "results.db") as store:
        rows, predictions = store.rows(), store.predictions()
    found = summary.analyse(rows, json.loads((run_dir / "run.json").read_text(encoding="utf-8")), predictions)
    assert isinstance(found, Findings) and found.names == ["blobs", "spam"] and list(found) == found.tasks
    t = found.task("spam")
    assert isinstance(t, TaskFindings) and t is found.tasks[1] and t.task == "spam"
    assert {f.name for f in dataclasses.fields(TaskFindings)} == TASK_FIELDS
    for f in dataclasses.fields(TaskFindings):  # each field says what it means: a type, most a comment too
        assert f.type, f.name
    assert isinstance(t.best, records.Best) and t.winner == t.best.solver and t.best.family in ("rule", "shallow", "deep")
    assert all(isinstance(r, records.BoardRow) for r in t.board) and t.row(t.winner).solver == t.winner
    assert all(r.train_size == t.largest for r in t.at_largest)
    assert all(isinstance(x, records.PairedTest) and x.verdict in ("ahead", "behind", "tied", "untested")
               for x in t.tests) and {x.solver for x in t.tests} == {r.solver for r in t.board} - {t.winner}
    assert t.crossovers and all(isinstance(c, records.FamilyCrossover) and c.sentence for c in t.crossovers)
    assert all(isinstance(c, records.Crossover) for by_family in t.solver_crossovers.values() for c in by_family.values())
    assert all(isinstance(r, records.ScalingRow) and isinstance(r.need, records.Need) for r in t.scaling.values())
    assert [r.solver for r in t.scaling_rows] == sorted(t.scaling, key=lambda s: (tables.FAMILY_ORDER[t.families[s]], s))
    assert isinstance(t.pareto, records.Pareto) and isinstance(t.confusion, records.Confusion)
    assert [r.label for r in t.confusion.rows] == t.confusion.classes
    assert isinstance(t.claims, records.Claims) and t.claims.setup + t.claims.models > 0
    assert t.card and all(isinstance(c, records.CardRow) for c in t.card) and sum(c.winner for c in t.card) == 1
    failing = next(x for x in found if x.problems)
    assert failing.problem_groups and all(isinstance(g, records.ProblemGroup) for g in failing.problem_groups)
    assert sum(g.count for g in failing.problem_groups) == len(failing.problems)
    assert all(x.problem_groups == [] for x in found if not x.problems)
    assert t.audit_classes and all(isinstance(c, records.ClassShare) for c in t.audit_classes)
    assert isinstance(found.across, records.Across) and found.across.tasks == ["blobs", "spam"]
    assert summary.lines_of(found) == found.lines() == found.task("blobs").lines() + t.lines()
    assert found.lines()[0].startswith("blobs: ")
    with pytest.raises(KeyError, match="blobs, spam"):
        found.task("nope")


def test_findings_to_dict_is_json_with_nan_as_null(built):
    run_dir, _ = built
    with ResultsStore(run_dir / "results.db") as store:
        rows, predictions = store.rows(), store.predictions()
    found = summary.analyse(rows, json.loads((run_dir / "run.json").read_text(encoding="utf-8")), predictions)
    t = found.task("blobs")
    t.board[0].val_score, t.best.high, t.target = float("nan"), float("inf"), float("nan")
    data = found.to_dict()
    text = json.dumps(data, allow_nan=False)  # fails on a NaN or an infinity
    assert json.loads(text) == data  # JSON-able through and through: plain lists, dicts with string keys
    blobs = data["tasks"][0]
    assert blobs["task"] == "blobs" and set(blobs) == TASK_FIELDS
    assert blobs["board"][0]["val_score"] is None and blobs["best"]["high"] is None and blobs["target"] is None
    assert blobs["best"]["solver"] == t.winner and blobs["board"][0]["solver"] == t.board[0].solver
    assert blobs["crossovers"][0]["sentence"] == t.crossovers[0].sentence
    assert set(blobs["fits"]) == set(t.fits) and blobs["curves"][t.winner]["sizes"] == t.curves[t.winner].sizes
    assert data["across"]["tasks"] == ["blobs", "spam"] and data["devices"] == found.devices
    assert t.to_dict() == blobs and t.best.to_dict() == blobs["best"]
    assert records.clean({"a": [float("nan"), (1, float("-inf"))], 2: np.float64(0.5),
                          "draws": np.array([[0.1, np.nan]])}) == {"a": [None, [1, None]], "2": 0.5, "draws": [[0.1, None]]}


# -- the page ------------------------------------------------------------------------------------

class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)


def test_report_has_every_part(built):
    run_dir, page = built
    for part in ("Learning curves", "Scaling laws", "Crossovers", "Accuracy against compute", "Leaderboard",
                 "Paired tests", "Confusion matrix of the best solver", "Data audit", "Cells that did not finish",
                 "Across tasks", "Friedman test", "Run, versions and machine", "McNemar", "Holm"):
        assert part in page, part
    assert page.count("<svg") >= 2 * 2  # curves and compute per task (4 sizes: no fitted curve extrapolates)
    assert "No fitted curve may extrapolate (the run measured 4 sizes; the simplest form needs 5)" in page
    assert "Warning:</strong> 7 of 400 test examples also occur exactly in the training data" in page
    assert "cell took longer than 60 s" in page and "timeout" in page
    assert re.search(r"<th>results\.db</th><td>[\d.]+ (kB|MB)</td>", page)  # its size, with the run's facts


def test_user_strings_are_escaped_everywhere(tmp_path):
    run_dir = fabricate(tmp_path / "xss", tasks=(f"task{XSS}", f"t2{XSS2}"),
                        solvers={f"sol{XSS}": "rule", f"sol{XSS2}": "shallow", "mlp": "deep"},
                        classes=(f"c{XSS}", f"d{XSS2}"))
    page = report.rebuild(run_dir).read_text(encoding="utf-8")
    assert XSS not in page and XSS2 not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parser = _Tags()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not [a for a in parser.attrs if a[1].lower().startswith("on")]
    # SVG text from matplotlib is escaped too (legend labels carry the solver names)
    svg_text = " ".join(re.findall(r"<text[^>]*>(.*?)</text>", page, flags=re.S))
    assert "sol&lt;script&gt;" in svg_text


def test_figure_colours_match_the_css():
    css = (Path(report.__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    for family, colour in figures.COLORS.items():
        assert f"--{family}: {colour};" in css


def test_no_external_urls(built):
    _, page = built
    parser = _Tags()
    parser.feed(page)
    for tag, name, value in parser.attrs:
        if name in ("src", "href", "xlink:href", "action", "poster", "data"):
            assert value.startswith("#"), (tag, name, value)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", page)
    assert "@import" not in page


def test_rebuild_is_byte_identical(built):
    run_dir, page = built
    again = report.rebuild(run_dir).read_text(encoding="utf-8")
    assert again == page


def test_summary_csv(built):
    run_dir, _ = built
    with (run_dir / "summary.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == SUMMARY_COLUMNS
    assert len(rows) == 2 * 6 + 0  # broken/slow/later never finished: no curve, no row
    mlp = next(r for r in rows if r["task"] == "blobs" and r["solver"] == "mlp")
    assert mlp["fit_form"] == "" and mlp["extrapolates"] == "False"  # 4 sizes: no extrapolation
    assert "4 measured sizes" in mlp["extrapolation_note"] and mlp["pred_score_10x"] == mlp["pred_score_10x_low"] == ""
    assert "pred_score_100x" not in mlp and mlp["n_for_target_source"] in ("measured", "between", "unknown")
    assert float(mlp["score_low_at_n_max"]) < float(mlp["score_at_n_max"]) < float(mlp["score_high_at_n_max"])
    assert mlp["crossover_vs_shallow_kind"] in ("overtakes", "behind")  # "behind": ahead at 3,200 is not significant
    # over 3 seeds after Holm's correction over the two tasks' claims
    if mlp["crossover_vs_shallow_kind"] == "overtakes":
        assert 200 <= float(mlp["crossover_vs_shallow_n"]) <= 3200
    assert 0 < float(mlp["auc_log_n"]) < 1


def test_degenerate_runs_still_render(tmp_path):
    # one size (no fit), one seed (no band), one task, NaN values, a task where every cell failed
    rows = [cell_row("single", s, f, 300, 0, acc, ["x", "y"]) for s, f, acc in
            (("majority", "rule", 0.5), ("logreg", "shallow", 0.8), ("mlp", "deep", float("nan")))]
    rows[1]["predict_seconds_per_1k"] = None
    rows[1]["n_params"] = float("nan")
    rows.append(cell_row("dead", "mlp", "deep", 100, 0, None, ["x", "y"], status="failed", error="boom"))
    run_dir = tmp_path / "degenerate"
    run_dir.mkdir()
    with ResultsStore(run_dir / "results.db") as store:
        for row in rows:
            store.add(row)
    page = report.rebuild(run_dir).read_text(encoding="utf-8")
    assert "Only one training size was measured (n=300)" in page
    assert "No extrapolation" in page and "No fitted curve may extrapolate" in page
    assert "No solver finished with a validation score on this task." in page
    assert "boom" in page and "nan" not in page.lower().replace("nanum", "")


@pytest.mark.slow
def test_report_reads_results_only(built):
    """Rebuilding a report imports no solver, task, runner or ML library (``dlbench`` itself
    re-exports the light ``Solver`` base class, which is allowed)."""
    import subprocess
    import sys

    run_dir, _ = built
    code = ("import sys; from dlbench.report.html import rebuild; rebuild(sys.argv[1]); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'keras_tuner', 'xgboost', "
            "'sklearn', 'dlbench_tasks') or m in ('dlbench.engine.runner', 'dlbench.engine.cell', 'dlbench.core.registry') "
            "or (m.startswith('dlbench.solvers.') and m != 'dlbench.core.solver')]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code, str(run_dir)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_report_size_for_a_big_run(tmp_path):
    solvers = {f"r{i}": "rule" for i in range(4)} | {f"s{i}": "shallow" for i in range(9)} | \
        {f"d{i}": "deep" for i in range(7)}
    run_dir = fabricate(tmp_path / "big", tasks=("a", "b", "c"), solvers=solvers, sizes=(100, 1000, 10000),
                        classes=tuple("0123456789"))
    path = report.rebuild(run_dir)
    assert path.stat().st_size < 2 * 1024 * 1024
    assert math.isfinite(path.stat().st_size)


def test_the_header_names_what_trained_the_deep_solvers(tmp_path):
    run_dir = fabricate(tmp_path / "gpu", tasks=("blobs",), sizes=(50, 200), seeds=1, problems=False, audit=False)
    with ResultsStore(run_dir / "results.db") as store:
        rows = store.rows()
    for r in rows:
        r["device"] = "gpu:0 (Fake GPU)" if r["family"] == "deep" else "cpu"
    html, _, found = report.render(rows, json.loads((run_dir / "run.json").read_text(encoding="utf-8")))
    assert found.devices == ["gpu:0 (Fake GPU)"]
    assert "deep solvers trained on gpu:0 (Fake GPU)" in html
    no_deep = [r for r in rows if r["family"] != "deep"]
    assert summary.analyse(no_deep, {}).devices == []
    assert "deep solvers trained on" not in report.render(no_deep, {})[0]


# -- the answer at a glance ----------------------------------------------------------------------

LONG_ERROR = ("the MobileNetV2 ImageNet weights are not available (cannot download weights.h5 from "
              "https://storage.example.org/keras-applications/mobilenet_v2/weights.h5 (offline?): connect to the "
              "internet once, or download https://storage.example.org/keras-applications/mobilenet_v2/weights.h5)")


def _answer_rows(page: str) -> list[str]:
    table = re.search(r'<table class="answer">(.*?)</table>', page, flags=re.S).group(1)
    return re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", table, flags=re.S)


def test_answer_card_leads_with_single_solvers_then_the_ensemble(tmp_path):
    solvers = {"majority": "rule", "logreg": "shallow", "random-forest": "shallow", "mlp": "deep", "cnn": "deep",
               "ensemble": "ensemble"}
    run_dir = fabricate(tmp_path / "ens", tasks=("blobs",), solvers=solvers, problems=False)
    page = report.rebuild(run_dir).read_text(encoding="utf-8")
    rows = _answer_rows(page)
    families = [re.search(r'class="family (\w+)"', r).group(1) for r in rows]
    assert sorted(families[:-1]) == ["deep", "rule", "shallow"] and families[-1] == "ensemble"
    assert "best single" in rows[0] or "winner" in rows[0]  # the best single solver leads
    gain = re.search(r"<strong>Ensemble:</strong>(.*?)</p>", page, flags=re.S).group(1)
    assert "points over" in gain and "× the fit time of" in gain
    assert re.search(r"(tied|ahead|behind)", gain)
    cheapest = re.search(r"<strong>Cheapest tied with the best:</strong>(.*?)</p>", page, flags=re.S).group(1)
    assert "to fit" in cheapest and "per 1,000 predictions" in cheapest


def test_pareto_tag_marks_only_the_fit_time_front(built):
    run_dir, page = built
    with ResultsStore(run_dir / "results.db") as store:
        rows = store.rows()
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    found = summary.analyse(rows, info)
    for i, task in enumerate(found.tasks):
        at = [r for r in task.board if r.train_size == task.largest and r.accuracy is not None]
        front, best = [], -math.inf
        for r in sorted(at, key=lambda r: (r.fit_seconds, -r.accuracy, r.solver)):
            if r.accuracy > best:
                front.append(r.solver)
                best = r.accuracy
        assert task.pareto.front == front
        board = re.search(rf'id="task-{i + 1}-leaderboard">(.*?)</details>', page, flags=re.S).group(1)
        tagged = {re.sub(r"<.*", "", row).strip() for row in re.findall(r"<tr[^>]*>\s*<td>([^\n]*Pareto</span>)",
                                                                     board)}
        assert tagged == set(front)


def test_a_skipped_solvers_error_is_said_once_with_a_fold(tmp_path):
    run_dir = fabricate(tmp_path / "skip", tasks=("blobs",))
    with ResultsStore(run_dir / "results.db") as store:
        for size in (50, 200, 800):
            store.add(cell_row("blobs", "transfer", "deep", size, 0, None, ("a", "b", "c"), status="skipped",
                               error=LONG_ERROR))
    page = report.rebuild(run_dir).read_text(encoding="utf-8")
    assert page.count("https://storage.example.org") == 2  # the full text, once, holds the URL twice
    assert page.count("the MobileNetV2 ImageNet weights are not available") == 1 + 1 + 3  # short, fold, all cells
    problems = page[page.index("Cells that did not finish"):page.index("Leaderboard at the largest size")]
    assert '<details class="error"><summary>details</summary>' in problems
    assert problems.count("storage.example.org") == 2


def test_figure_text_is_at_least_11_px_at_800_px(built):
    _, page = built
    for size in ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
                 "legend.fontsize"):
        assert figures.RC[size] >= figures.FONT_PT
    svgs = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert svgs
    for svg in svgs:
        width_pt = float(re.search(r'width="([\d.]+)pt"', svg).group(1))
        sizes = [float(v) for v in re.findall(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([\d.]+)px", svg)]
        assert sizes, "SVG text should carry its font size"
        scale = style.NARROW_PX / width_pt  # every figure spans the column at 800 px
        assert min(sizes) * scale >= style.MIN_TEXT_PX, (min(sizes), width_pt)


def test_the_cells_a_budget_left_out_are_one_group_whatever_the_solver():
    from dlbench.analysis.shaping import problem_groups
    from dlbench.core.schema import BUDGET_SPENT

    problems = [{"solver": s, "status": "skipped", "error": BUDGET_SPENT, "train_size": n, "seed": 0}
                for s in ("a", "b", "c", "d") for n in (100, 1000)]
    problems.append({"solver": "a", "status": "timeout", "error": "cell stopped", "train_size": 1000, "seed": 0})
    groups = problem_groups(problems)
    assert [(g.solver, g.status, g.count, g.sizes) for g in groups] == [
        ("a", "timeout", 1, [1000]), ("4 solvers", "skipped", 8, [100, 1000])]
