"""Exported models: the card, ``dlbench predict``, ``dlbench.load_model`` and their bad inputs.

The central promise: predicting the task's own test inputs with an exported folder gives the
cell's reported test accuracy exactly, also once the folder is copied elsewhere and the run's
store is gone; nothing is read back from stored predictions.
"""

from __future__ import annotations

import csv
import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

import dlbench
from dlbench.models import files

SOLVERS = "majority,ripper,logreg,xgboost,mlp"


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age": rng.normal(40, 10, n).round(1),
        "color": rng.choice(["red", "green", "blue", None], n),
        "score": np.where(rng.random(n) < 0.15, np.nan, rng.normal(size=n)),
        "city": rng.choice(["north", "south", "east"], n),
    })
    frame["label"] = np.where(((frame.age > 40) & (frame.color != "red")) | (frame.score > 1), "yes", "no")
    return frame


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from conftest import run_cli

    root = tmp_path_factory.mktemp("models")
    _table(240, 0).to_csv(root / "train.csv", index=False)
    _table(90, 1).to_csv(root / "test.csv", index=False)
    proc = run_cli("run", root / "train.csv", "--target", "label", "--test", root / "test.csv", "--solvers", SOLVERS,
                   "--sizes", "60,full", "--seeds", "1", "--trials", "2", "--out", root / "out", cwd=root)
    assert proc.returncode == 0, proc.stderr
    run_dir = next((root / "out").iterdir())
    return root, run_dir


def _cards(run_dir):
    return {c["solver"]: c for c in (json.loads(p.read_text()) for p in run_dir.glob("models/*/*/model.json"))}


def _row(run_dir, card):
    with (run_dir / "results.csv").open(encoding="utf-8") as fh:
        return next(r for r in csv.DictReader(fh) if r["solver"] == card["solver"]
                    and int(r["train_size"]) == card["train_size"] and int(r["seed"]) == card["seed"])


def test_the_winner_and_the_best_of_each_family_are_exported_with_their_cards(run):
    _, run_dir = run
    cards = _cards(run_dir)
    roles = {role: c["solver"] for c in cards.values() for role in c["roles"]}
    assert set(roles) == {"winner", "best-rule", "best-shallow", "best-deep", "ensemble"}
    assert not (run_dir / "models" / files.STAGED_DIR).exists()  # a complete run keeps only what it exported
    for card in cards.values():
        row = _row(run_dir, card)
        assert card["train_size"] == 240 and card["family"] == row["family"]
        assert card["scores"]["test"]["accuracy"] == pytest.approx(float(row["accuracy"]), abs=1e-12)
        assert card["scores"]["test"]["low"] <= card["scores"]["test"]["accuracy"] <= card["scores"]["test"]["high"]
        assert card["reproduced"] is True
        assert [c["name"] for c in card["inputs"]["columns"]] == ["age", "color", "score", "city"]
        assert card["classes"] == ["no", "yes"]
        assert all(len(f["sha256"]) == 64 for f in card["files"].values())
        assert not {"features", "word_ngrams", "char_ngrams"} & set(card["params"])  # text/image options: not for a table
        assert (files.model_dir(run_dir, card["task"], card["solver"]) / "README.md").read_text().startswith("# ")
    assert {f["format"] for c in cards.values() for f in c["files"].values()} >= {"skops", "keras", "xgboost-json"}


def test_the_ensemble_is_a_scored_row_and_a_model_like_any_other(run):
    _, run_dir = run
    card = _cards(run_dir)["ensemble"]
    row = _row(run_dir, card)
    weights = json.loads(row["best_params"])["members"]
    assert row["family"] == "ensemble" and row["status"] == "ok" and float(row["val_score"]) > 0
    assert set(weights) <= set(SOLVERS.split(",")) and abs(sum(weights.values()) - 1) < 1e-9
    assert [m["solver"] for m in card["members"]] == sorted(weights) and card["reproduced"] is True


def test_full_size_cells_store_exact_probabilities_and_the_others_compact_ones(run):
    """Ensembles are built from full-size cells' stored probabilities: those stay float32, as the
    exported members compute them; smaller cells' and the ensemble's own are float16."""
    import io
    import sqlite3

    _, run_dir = run
    with sqlite3.connect(run_dir / "results.db") as db:
        blobs = db.execute("SELECT solver, train_size, arrays FROM predictions").fetchall()
    kinds = set()
    for solver, size, blob in blobs:
        with np.load(io.BytesIO(blob)) as data:
            assert data["test_true"].dtype == data["test_pred"].dtype == np.int8  # two classes
            if "test_proba" in data.files:
                exact = size == 240 and solver != "ensemble"
                assert data["test_proba"].dtype == (np.float32 if exact else np.float16), (solver, size)
                kinds.add(exact)
    assert kinds == {True, False}
    info = json.loads((run_dir / "run.json").read_text())
    assert info["results_db_bytes"] == (run_dir / "results.db").stat().st_size


def test_predict_on_the_test_rows_reproduces_the_reported_accuracy_after_the_store_is_gone(run, tmp_path, cli):
    root, run_dir = run
    test = pd.read_csv(root / "test.csv")
    new = test.drop(columns=["label"])[["city", "score", "age", "color"]].assign(note="ignored")
    new.to_csv(tmp_path / "new.csv", index=False)
    winner = next(c for c in _cards(run_dir).values() if "winner" in c["roles"])
    copy = tmp_path / "elsewhere" / "model"
    shutil.copytree(files.model_dir(run_dir, winner["task"], winner["solver"]), copy)
    moved = run_dir.with_name(run_dir.name + "-moved")
    run_dir.rename(moved)  # no store, no stored predictions
    try:
        proc = cli("predict", copy, tmp_path / "new.csv", "--out", tmp_path / "p.csv", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "'note'" in proc.stderr  # the extra column is ignored with a note
        out = pd.read_csv(tmp_path / "p.csv")
        assert list(out.columns) == ["prediction", "proba_no", "proba_yes"] and len(out) == len(test)
        assert (out["prediction"] == test["label"]).mean() == winner["scores"]["test"]["accuracy"]
        model = dlbench.load_model(copy)
        assert list(model.classes_) == ["no", "yes"]
        assert np.array_equal(model.predict(new), out["prediction"].to_numpy())
        np.testing.assert_allclose(model.predict_proba(new).sum(axis=1), 1.0, atol=1e-5)
    finally:
        moved.rename(run_dir)


def test_load_model_from_the_run_folder_is_its_winner_and_every_export_reproduces_its_cell(run):
    root, run_dir = run
    test = pd.read_csv(root / "test.csv")
    assert "winner" in dlbench.load_model(run_dir).card["roles"]
    for solver, card in _cards(run_dir).items():
        model = dlbench.load_model(files.model_dir(run_dir, card["task"], solver))
        assert np.mean(model.predict(test) == test["label"].to_numpy()) == card["scores"]["test"]["accuracy"]
        assert any("'label'" in n for n in model.notes)  # the target column is ignored, and said so


def test_unseen_categories_and_missing_values_are_handled_as_in_training(run, tmp_path, cli):
    _, run_dir = run
    odd = pd.DataFrame({"age": [30.0, None, 55.5], "color": ["purple", None, "red"], "score": [None, 2.0, 0.1],
                        "city": ["nowhere", "north", None]})
    odd.to_csv(tmp_path / "odd.csv", index=False)
    proc = cli("predict", run_dir, tmp_path / "odd.csv", "--out", tmp_path / "p.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert set(pd.read_csv(tmp_path / "p.csv")["prediction"]) <= {"yes", "no"}


@pytest.mark.parametrize("content,expected", [
    ("", "is empty"),
    ("age,color,score\n30,red,1.0\n", "no column 'city'"),
    ("age,color,score,city\nold,red,1.0,north\n", "column 'age' must hold numbers"),
])
def test_bad_new_data_is_one_line_with_exit_code_2(run, tmp_path, cli, content, expected):
    _, run_dir = run
    (tmp_path / "bad.csv").write_text(content, encoding="utf-8")
    proc = cli("predict", run_dir, tmp_path / "bad.csv", cwd=tmp_path)
    assert proc.returncode == 2 and expected in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_a_changed_model_file_is_refused(run, tmp_path, cli):
    root, run_dir = run
    copy = tmp_path / "model"
    shutil.copytree(next(run_dir.glob("models/*/*/model.json")).parent, copy)
    with (copy / files.STATE_FILE).open("ab") as fh:
        fh.write(b"\0")
    proc = cli("predict", copy, root / "test.csv", cwd=tmp_path)
    assert proc.returncode == 2 and "changed after it was exported" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = cli("predict", tmp_path, root / "test.csv", cwd=tmp_path)  # not a model or run folder
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.slow
def test_export_modes_and_images_and_texts(tmp_path, cli):
    from PIL import Image

    out = tmp_path / "out"
    proc = cli("run", "digits", "--solvers", "majority,nearest-template,logreg", "--sizes", "40,80", "--seeds", "1",
               "--trials", "1", "--export", "all", "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run_dir = next(out.iterdir())
    assert sorted(p.name for p in (run_dir / "models" / "digits").iterdir()) == ["ensemble", "logreg",
                                                                               "majority", "nearest-template"]
    folder = tmp_path / "images"
    folder.mkdir()
    from sklearn.datasets import load_digits

    digits = load_digits()
    for i in range(5):
        Image.fromarray((digits.images[i] * 255 / 16).astype(np.uint8)).save(folder / f"{i}.png")
    proc = cli("predict", run_dir, folder, "--out", tmp_path / "p.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "p.csv")
    assert list(table["file"]) == [f"{i}.png" for i in range(5)] and table.shape[1] == 2 + 10

    proc = cli("run", "sms-spam", "--solvers", "keyword-rules,naive-bayes", "--sizes", "50,100", "--seeds", "1",
               "--trials", "1", "--export", "winner", "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text_run = max(out.iterdir(), key=lambda p: p.stat().st_mtime)
    assert len(list(text_run.glob("models/*/*/model.json"))) == 1
    (tmp_path / "texts.txt").write_text("WIN a FREE prize now, call 0800\nsee you at lunch?\n", encoding="utf-8")
    proc = cli("predict", text_run, tmp_path / "texts.txt", "--out", tmp_path / "t.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(pd.read_csv(tmp_path / "t.csv")) == 2

    proc = cli("run", "wine", "--solvers", "majority", "--sizes", "30", "--seeds", "1", "--trials", "1",
               "--export", "none", "--out", tmp_path / "none", cwd=tmp_path)
    assert proc.returncode == 0 and not list((tmp_path / "none").glob("*/models")), proc.stderr


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    from conftest import run_cli

    root = tmp_path_factory.mktemp("digits-models")
    proc = run_cli("run", "digits", "--solvers", "majority,nearest-template,logreg", "--sizes", "100,full", "--seeds",
                   "1", "--trials", "1", "--out", root, cwd=root)
    assert proc.returncode == 0, proc.stderr
    return next(root.iterdir())


def _digits_test_split():
    from sklearn.datasets import load_digits

    from dlbench.data.splits import stratified_split

    digits = load_digits()
    _, test = stratified_split(digits.target, test_fraction=0.25)
    return digits, test


def test_digits_labels_come_back_as_integers_that_reproduce_the_test_accuracy(digits_run):
    from dlbench_tasks.sklearn_sets import Digits

    digits, test = _digits_test_split()
    X_test = Digits().load().X_test
    for folder in sorted(p.parent for p in digits_run.glob("models/digits/*/model.json")):
        model = dlbench.load_model(folder)
        predicted = model.predict(X_test)
        assert predicted.dtype.kind == "i" and model.classes_.dtype.kind == "i"
        assert np.mean(predicted == digits.target[test]) == model.card["scores"]["test"]["accuracy"]


@pytest.mark.parametrize("make,expected", [
    (lambda d: d.images, "got float64 with values 0 to 16: scale them to 0-255"),  # scikit-learn's own images
    (lambda d: d.images[..., None] / 16, "got float64 with values 0 to 1"),
    (lambda d: d.images.astype(np.uint8)[..., None], "brightest pixel is 16"),  # uint8, but on the 0-16 scale
    (lambda d: np.round(d.images * 255 / 16).astype(np.uint8)[:, :4], "of shape (N, 8, 8, 1) as in training, got"),
    (lambda d: np.round(d.data * 255 / 16).astype(np.uint8), "of shape (N, 8, 8, 1) as in training, got (1797, 64)"),
])
def test_images_unlike_the_training_images_are_refused_with_one_line(digits_run, make, expected):
    digits, _ = _digits_test_split()
    model = dlbench.load_model(digits_run)
    with pytest.raises(dlbench.UsageError) as error:
        model.predict(make(digits))
    assert expected in str(error.value) and "\n" not in str(error.value)


def test_grey_images_without_their_channel_axis_predict_as_with_it(digits_run):
    digits, _ = _digits_test_split()
    model = dlbench.load_model(digits_run)
    images = np.round(digits.images * 255 / 16).astype(np.uint8)
    assert np.array_equal(model.predict(images), model.predict(images[..., None]))


def test_predicting_a_csv_with_an_image_model_says_what_an_image_model_takes(digits_run, tmp_path, cli):
    (tmp_path / "digits20.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    proc = cli("predict", digits_run, tmp_path / "digits20.csv", cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "is not an image file" in proc.stderr and "folder of image files" in proc.stderr
    assert "load_model(...).predict(X)" in proc.stderr


def test_table_values_outside_the_training_range_are_warned_about_not_refused(run, tmp_path, cli):
    root, run_dir = run
    test = pd.read_csv(root / "test.csv").head(5)
    test.loc[0, "age"] = 400.0
    test.loc[1, "city"] = "atlantis"
    model = dlbench.load_model(run_dir)
    with pytest.warns(dlbench.InputWarning) as caught:
        predicted = model.predict(test)
    messages = [str(w.message) for w in caught]
    assert len(predicted) == 5 and set(predicted) <= {"yes", "no"}
    assert any("'age'" in m and "outside the training range" in m and "400" in m for m in messages)
    assert any("'city'" in m and "'atlantis'" in m for m in messages)
    test.to_csv(tmp_path / "odd.csv", index=False)
    proc = cli("predict", run_dir, tmp_path / "odd.csv", "--out", tmp_path / "p.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "note: column 'age': 1 value outside the training range" in proc.stderr
    assert "Warning" not in proc.stderr  # said once, as a note, not also as a Python warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(pd.read_csv(root / "test.csv").head(5).assign(age=40.0))  # in range: nothing to say


def test_labels_keep_the_type_they_had_and_strings_that_would_change_stay_strings():
    from dlbench.core.task import typed_labels

    def labels(y):
        return dlbench.Dataset(np.zeros((4, 1, 1, 1), np.uint8), y, np.zeros((2, 1, 1, 1), np.uint8), y[:2],
                               "image").label_type

    assert labels(np.array([3, 1, 3, 1])) == "int" and labels([3, 1, 3, 1]) == "int"
    assert labels(np.array([0.5, 1.0, 0.5, 1.0])) == "float"
    assert labels(np.array([True, False, True, False])) == "bool"
    assert labels(pd.Series(["a", "b", "a", "b"])) == "str" and labels(pd.Series([1, 2, 1, 2])) == "int"
    assert typed_labels(["0", "10", "2"], "int").tolist() == [0, 10, 2]
    assert typed_labels(["0.5", "1.0"], "float").tolist() == [0.5, 1.0]
    assert typed_labels(["True", "False"], "bool").tolist() == [True, False]
    assert typed_labels(["01", "2"], "int").tolist() == ["01", "2"]  # int("01") would not give "01" back
    assert typed_labels(["a"], "int").tolist() == ["a"] and typed_labels(["7"], "str").tolist() == ["7"]
