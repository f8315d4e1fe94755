"""``dlbench compare``: fabricated run folders compared cell by cell (fast: no training).

Each run folder is written through the real ResultsStore with a run.json; the test predictions
are built from masks of which test examples a cell gets right, so the paired tests see exactly
the differences a test intends (a superset of 40 extra right answers, 2 disagreements, none).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from test_report import XSS, XSS2, _Tags, cell_row

from dlbench.analysis.comparison import COLUMNS, compare_runs
from dlbench.core.errors import UsageError
from dlbench.core.store import ResultsStore
from dlbench.report.compare import load_run, write_comparison

N_TEST = 400
CLASSES = ("a", "b", "c")
HOSTILE = "<script>x</script>"


def right_on(k: int, n: int = N_TEST) -> np.ndarray:
    """Right on the first ``k`` test examples: a larger ``k`` is right on a superset."""
    mask = np.zeros(n, bool)
    mask[:k] = True
    return mask


def predictions(mask: np.ndarray, shift: int = 0) -> dict:
    y_true = (np.arange(mask.size) + shift) % len(CLASSES)
    return {"test_true": y_true, "test_pred": np.where(mask, y_true, (y_true + 1) % len(CLASSES))}


def make_run(run_dir: Path, cells: dict, seeds: int = 1, shift: int = 0, store_predictions: bool = True,
             config: dict | None = None, packages: dict | None = None, total: float | None = 100.0,
             fit_scale: float = 1.0, fingerprint: str | None = None) -> Path:
    """``cells``: (task, solver, family, size) -> a correctness mask (the same for every seed) or one per seed."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with ResultsStore(run_dir / "results.db") as store:
        for (task, solver, family, size), masks in cells.items():
            for seed in range(seeds):
                mask = masks[seed] if isinstance(masks, list) else masks
                row = cell_row(task, solver, family, size, seed, float(mask.mean()), CLASSES)
                row["fit_seconds"] = row["fit_seconds"] * fit_scale
                store.add(row, (), predictions(mask, shift) if store_predictions else None)
    tasks = sorted({key[0] for key in cells})
    info = {"run_id": run_dir.name, "started": "2026-01-01T00:00:00+00:00", "command": "dlbench run fabricated",
            "config": {"tasks": tasks, "preset": "default", "seeds": seeds, "trials": 5, "tuner": "random",
                       "sizes": None, "workers": 2, "threads": 1, **(config or {})},
            "sizes": {t: sorted({k[3] for k in cells if k[0] == t}) for t in tasks},
            "environment": {"python": "3.11", "cpu_count": 2,
                            "packages": {"numpy": "2.0", "keras": "3.5", **(packages or {})}}}
    if fingerprint is not None:
        info["fingerprints"] = {t: fingerprint for t in tasks}
    if total is not None:
        info["timings"] = {"total": total}
    (run_dir / "run.json").write_text(json.dumps(info), encoding="utf-8")
    return run_dir


def base_cells() -> dict:
    return {("blobs", "logreg", "shallow", 200): right_on(300),
            ("blobs", "mlp", "deep", 200): right_on(300),
            ("blobs", "knn", "shallow", 200): right_on(300),
            ("blobs", "majority", "rule", 200): right_on(133)}


def comparison_of(result: dict, solver: str, run: str | None = None) -> dict:
    cell = next(c for c in result["cells"] if c["solver"] == solver)
    return next(c for c in cell["comparisons"] if run is None or c["run"] == run)


@pytest.fixture
def two_runs(tmp_path):
    a = make_run(tmp_path / "run-a", base_cells())
    b_cells = base_cells()
    b_cells[("blobs", "logreg", "shallow", 200)] = right_on(340)  # 40 more right, a superset
    disagree = right_on(300)
    disagree[[300, 301]] = True  # 2 disagreements of 400
    b_cells[("blobs", "knn", "shallow", 200)] = disagree
    b_cells[("blobs", "cnn", "deep", 200)] = right_on(350)  # only in B
    b = make_run(tmp_path / "run-b", b_cells, packages={"keras": "3.6"}, total=150.0, fit_scale=2.0)
    return a, b


def test_a_real_improvement_is_better_and_identical_or_nearly_identical_predictions_are_tied(two_runs, tmp_path):
    result = compare_runs([load_run(d) for d in two_runs])
    better = comparison_of(result, "logreg")
    assert better["test"] == "paired" and better["method"] == "McNemar exact"
    assert better["diff"] == pytest.approx(40 / N_TEST)
    assert better["low"] <= better["diff"] <= better["high"] and better["low"] > 0
    assert (better["run_better"], better["baseline_better"]) == (40, 0)
    assert better["p_holm"] < 0.05 and better["verdict"] == "needs seeds"  # one seed: two models, not two runs
    assert better["kind"] == "models" and "needs seeds" in better["note"]
    same = comparison_of(result, "mlp")
    assert same["diff"] == 0 and same["p"] == 1.0 and same["verdict"] == "tied"
    close = comparison_of(result, "knn")
    assert close["discordant"] == 2 and close["p"] > 0.05 and close["verdict"] == "tied"
    headline = result["headline"][0]
    assert (headline["better"], headline["worse"], headline["tied"], headline["needs_seeds"]) == (0, 0, 3, 1)
    assert headline["largest"] == []
    assert better["fit_seconds_ratio"] == pytest.approx(2.0)
    assert result["runs"][1]["total_ratio"] == pytest.approx(1.5)
    differs = {e["key"]: e["values"] for e in result["config"] if e["differs"]}
    assert differs == {"keras": ["3.5", "3.6"]}


def test_a_worse_run_is_worse(tmp_path):
    a = make_run(tmp_path / "a", {("blobs", "logreg", "shallow", 200): right_on(340)}, seeds=3)
    b = make_run(tmp_path / "b", {("blobs", "logreg", "shallow", 200): right_on(300)}, seeds=3)
    c = comparison_of(compare_runs([load_run(a), load_run(b)]), "logreg")
    assert c["verdict"] == "worse" and c["diff"] == pytest.approx(-0.1)
    assert c["kind"] == "models" and "same score" in c["note"]  # every seed gave the same model: over examples


def test_a_cell_in_one_run_only_is_listed(two_runs):
    result = compare_runs([load_run(d) for d in two_runs])
    assert [(c["solver"], c["only_in"]) for c in result["only"]] == [("cnn", "run-b")]
    only = comparison_of(result, "cnn")
    assert only["verdict"] is None and only["note"] == "only in run-b"
    assert result["headline"][0]["only_here"] == 1


def test_unpaired_when_the_test_labels_differ_or_predictions_are_missing(tmp_path):
    cells = {("blobs", "logreg", "shallow", 200): right_on(300)}
    a = make_run(tmp_path / "a", cells, seeds=3)
    b = make_run(tmp_path / "b", {("blobs", "logreg", "shallow", 200): right_on(380)}, shift=1, seeds=3)
    c = comparison_of(compare_runs([load_run(a), load_run(b)]), "logreg")
    assert c["test"] == "unpaired" and "labels differ" in c["note"]
    assert c["low"] < c["diff"] < c["high"] and c["diff"] == pytest.approx(0.2)
    assert c["verdict"] == "better"  # 0.75 vs 0.95 on 400 examples each is clear even unpaired
    d = make_run(tmp_path / "d", cells, store_predictions=False)
    c = comparison_of(compare_runs([load_run(a), load_run(d)]), "logreg")
    assert c["test"] == "unpaired" and "no stored predictions in d" in c["note"]
    assert c["verdict"] == "tied" and c["diff"] == pytest.approx(0.0)
    e = make_run(tmp_path / "e", cells, fingerprint="f" * 64)  # same labels, but the task's data changed
    f = make_run(tmp_path / "f", {("blobs", "logreg", "shallow", 200): right_on(340)}, fingerprint="0" * 64)
    result = compare_runs([load_run(e), load_run(f)])
    c = comparison_of(result, "logreg")
    assert c["test"] == "unpaired" and "data differ" in c["note"]
    assert {x["key"] for x in result["config"] if x["differs"]} == {"data: blobs"}


def test_different_seed_counts_are_still_paired_per_example(tmp_path):
    a = make_run(tmp_path / "a", {("blobs", "logreg", "shallow", 200): right_on(300)}, seeds=1)
    b = make_run(tmp_path / "b", {("blobs", "logreg", "shallow", 200): right_on(340)}, seeds=3,
                 config={"seeds": 3})
    result = compare_runs([load_run(a), load_run(b)])
    c = comparison_of(result, "logreg")
    assert c["test"] == "paired" and c["method"] == "sign-flip permutation"
    assert c["discordant"] == 40 and c["verdict"] == "needs seeds"  # the baseline has one seed
    assert result["cells"][0]["sides"][1]["seeds"] == 3
    assert {e["key"] for e in result["config"] if e["differs"]} == {"seeds"}


def test_holm_covers_every_comparison_of_the_page(tmp_path):
    cells = {("blobs", f"s{i}", "shallow", 200): right_on(300) for i in range(3)}
    a = make_run(tmp_path / "a", cells, seeds=3)
    b = make_run(tmp_path / "b", cells, seeds=3)
    c = make_run(tmp_path / "c", {**cells, ("blobs", "s0", "shallow", 200): right_on(340)}, seeds=3)
    result = compare_runs([load_run(a), load_run(b), load_run(c)])
    assert result["n_comparisons"] == 6
    tested = comparison_of(result, "s0", "c")
    assert tested["p_holm"] == pytest.approx(min(1.0, 6 * tested["p"]))
    assert [h["run"] for h in result["headline"]] == ["b", "c"]
    assert result["headline"][1]["better"] == 1 and result["headline"][0]["better"] == 0
    d = make_run(tmp_path / "d", {("blobs", "s0", "shallow", 200): right_on(300)}, seeds=3)
    partial = compare_runs([load_run(a), load_run(d)])
    assert partial["headline"][0]["missing"] == 2 and partial["headline"][0]["compared"] == 1


def test_bad_input_stops_with_one_line(two_runs, tmp_path):
    a, _ = two_runs
    other = make_run(tmp_path / "other", {("wine", "logreg", "shallow", 50): right_on(300)})
    cases = [
        ([a], "at least two"),
        ([a, tmp_path / "nowhere"], "not a dlbench run folder"),
        ([a, a], "given twice"),
        ([a, tmp_path / "run-b" / ".." / "run-a"], "given twice"),
        ([a, other], "shares no task"),
    ]
    for dirs, words in cases:
        with pytest.raises(UsageError) as err:
            write_comparison(dirs, tmp_path / "out")
        message = str(err.value)
        assert words in message and "\n" not in message
    with pytest.raises(UsageError) as err:
        write_comparison([a, other], tmp_path / "out")
    assert "run-a: blobs" in str(err.value) and "other: wine" in str(err.value)
    assert not (tmp_path / "nowhere").exists()  # a missing folder is not created as an empty run
    assert not (tmp_path / "out").exists()


def test_the_page_and_csv(two_runs, tmp_path):
    a, b = two_runs
    for run_dir in (a, b):  # a hostile solver name, in both runs
        with ResultsStore(run_dir / "results.db") as store:
            store.add(cell_row("blobs", HOSTILE, "rule", 200, 0, 0.5, CLASSES), (), predictions(right_on(200)))
    path = write_comparison([a, b], tmp_path / "out")
    assert path == tmp_path / "out" / "index.html"
    page = path.read_text(encoding="utf-8")
    assert HOSTILE not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<script" not in page.lower() and "http://" not in page and "https://" not in page
    assert "run-a" in page and "run-b" in page and "keras" in page and "3.6" in page
    assert "significantly better" in page and "only in run-b" in page and "<details>" in page
    with open(tmp_path / "out" / "compare.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == COLUMNS
    assert COLUMNS == ["task", "solver", "family", "train_size", "run", "seeds", "accuracy", "accuracy_low",
                       "accuracy_high", "baseline", "diff", "diff_low", "diff_high", "test", "p", "p_holm", "verdict",
                       "fit_seconds_ratio", "tune_seconds_ratio", "note"]
    logreg = [r for r in rows if r["solver"] == "logreg"]
    assert [(r["run"], r["verdict"], r["test"]) for r in logreg] == [("run-a", "", ""),
                                                                      ("run-b", "needs seeds", "paired")]
    assert "needs seeds (<code>--seeds 3</code>)" in page
    assert all(r["baseline"] == "run-a" for r in rows)
    assert [r["note"] for r in rows if r["solver"] == "cnn"] == ["only in run-b"]
    hostile = [r for r in rows if HOSTILE in r["solver"]]
    assert len(hostile) == 2 and hostile[1]["verdict"] == "tied"
    assert write_comparison([a, b], tmp_path / "out").read_text(encoding="utf-8") == page  # deterministic


def test_run_folders_with_the_same_name_are_told_apart(tmp_path):
    cells = {("blobs", "logreg", "shallow", 200): right_on(300)}
    a = make_run(tmp_path / "x" / "run", cells)
    b = make_run(tmp_path / "y" / "run", cells, total=None)
    path = write_comparison([a, b], tmp_path / "out")
    page = path.read_text(encoding="utf-8")
    assert "x/run" in page and "y/run" in page and "not recorded" in page


def test_every_user_string_on_the_page_is_escaped(tmp_path):
    task = f"t{XSS2}"
    cells = {(task, f"s{XSS}", "shallow", 200): right_on(300), (task, "mlp", "deep", 200): right_on(300)}
    a = make_run(tmp_path / f"a{XSS2}", cells, packages={XSS: XSS2}, config={"tuner": XSS})
    b = make_run(tmp_path / "b", cells, packages={XSS: "1"})
    with ResultsStore(b / "results.db") as store:
        store.add(cell_row(task, "mlp", "deep", 200, 0, None, CLASSES, status="failed", error=f"boom {XSS}"))
    page = write_comparison([a, b], tmp_path / "out").read_text(encoding="utf-8")
    assert XSS not in page and XSS2 not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parser = _Tags()
    parser.feed(page)
    assert not {"script", "img", "iframe", "link"} & set(parser.tags)
    assert not [a for a in parser.attrs if a[1].startswith("on") or a[1] == "src"]
    assert "boom &lt;script&gt;" in page  # the failed cell's error is shown, escaped


def _seed_masks(rng, accuracy: float, seeds: int = 3, spread: float = 0.03) -> list:
    """One mask per seed: each seed's model has its own accuracy (training variance) and its own errors."""
    return [rng.random(N_TEST) < min(1.0, max(0.0, rng.normal(accuracy, spread))) for _ in range(seeds)]


def test_two_runs_that_differ_only_in_the_seed_are_tied_by_the_test_over_seeds(tmp_path):
    rng = np.random.default_rng(7)
    cells = lambda: {("blobs", s, "shallow", 200): _seed_masks(rng, 0.8) for s in ("logreg", "knn", "mlp")}
    a = make_run(tmp_path / "a", cells(), seeds=3)
    b = make_run(tmp_path / "b", cells(), seeds=3, config={"seed": 3})
    result = compare_runs([load_run(a), load_run(b)])
    for solver in ("logreg", "knn", "mlp"):
        c = comparison_of(result, solver)
        assert c["kind"] == "setup" and c["test"] == "seeds" and c["method"] == "Welch t over 3 and 3 seeds"
        assert c["verdict"] == "tied" and c["low"] < c["diff"] < c["high"]
        assert "over test examples" in c["note"]  # the example-level numbers stay visible
    assert result["headline"][0]["better"] == result["headline"][0]["worse"] == 0


def test_a_real_difference_between_runs_with_seeds_is_better(tmp_path):
    rng = np.random.default_rng(8)
    a = make_run(tmp_path / "a", {("blobs", "logreg", "shallow", 200): _seed_masks(rng, 0.70, spread=0.01)}, seeds=3)
    b = make_run(tmp_path / "b", {("blobs", "logreg", "shallow", 200): _seed_masks(rng, 0.90, spread=0.01)}, seeds=3)
    c = comparison_of(compare_runs([load_run(a), load_run(b)]), "logreg")
    assert c["kind"] == "setup" and c["verdict"] == "better" and c["low"] > 0
