"""The stored predictions: class codes exact and small, probabilities float32 or compact float16,
stores written before compact cells still read, and ensembles built from exact cells unchanged."""

from __future__ import annotations

import io
import sqlite3

import numpy as np
import pytest

from dlbench.analysis import ensemble
from dlbench.core.schema import CellKey, cell_row
from dlbench.core.store import ResultsStore


def _arrays(n: int = 500, k: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * 3
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    truth = rng.integers(0, k, n)
    val = rng.normal(size=(n // 5, k))
    return {"test_true": truth, "test_pred": proba.argmax(axis=1), "test_proba": proba.astype(np.float32),
            "val_true": rng.integers(0, k, n // 5), "val_pred": val.argmax(axis=1),
            "val_proba": (np.exp(val) / np.exp(val).sum(axis=1, keepdims=True)).astype(np.float32)}


def _row(solver: str = "logreg", size: int = 100, seed: int = 0) -> dict:
    return cell_row(task="t", solver=solver, family="shallow", train_size=size, seed=seed, status="ok", accuracy=0.5)


def _blob(path, solver: str = "logreg") -> dict[str, np.ndarray]:
    """The arrays as written in the database, before the store widens anything."""
    with sqlite3.connect(path) as db:
        blob = db.execute("SELECT arrays FROM predictions WHERE solver = ?", (solver,)).fetchone()[0]
    with np.load(io.BytesIO(blob)) as data:
        return {k: data[k] for k in data.files}


@pytest.mark.parametrize("compact", [False, True])
def test_codes_round_trip_exactly_and_probabilities_within_their_precision(tmp_path, compact):
    arrays = _arrays()
    with ResultsStore(tmp_path / "results.db") as store:
        store.add(_row(), [], arrays, compact=compact)
        back = store.predictions()[CellKey("t", "logreg", 1.0, 100, 0)]
    assert set(back) == set(arrays)
    for name in ("test_true", "test_pred", "val_true", "val_pred"):
        assert np.array_equal(back[name], arrays[name]) and back[name].dtype == np.int8
    for name in ("test_proba", "val_proba"):
        assert back[name].dtype == np.float32  # compact cells are widened on reading
        if compact:
            np.testing.assert_allclose(back[name], arrays[name], rtol=2 ** -11, atol=2 ** -25)
            assert not np.array_equal(back[name], arrays[name])  # really rounded: float16 was stored
        else:
            assert np.array_equal(back[name], arrays[name])
    stored = _blob(tmp_path / "results.db")
    assert stored["test_proba"].dtype == (np.float16 if compact else np.float32)


def test_compact_cells_take_about_half_the_bytes(tmp_path):
    arrays = _arrays(n=5000)
    sizes = {}
    for compact in (False, True):
        with ResultsStore(tmp_path / f"{compact}.db") as store:
            store.add(_row(), [], arrays, compact=compact)
        with sqlite3.connect(tmp_path / f"{compact}.db") as db:
            sizes[compact] = db.execute("SELECT LENGTH(arrays) FROM predictions").fetchone()[0]
    assert sizes[True] < 0.6 * sizes[False]


def test_codes_take_the_smallest_integer_type_that_holds_the_classes(tmp_path):
    arrays = _arrays(n=300, k=300)
    with ResultsStore(tmp_path / "results.db") as store:
        store.add(_row(), [], arrays)
        store.add(_row("two"), [], {"test_true": np.array([0, 1, 1]), "test_pred": np.array([1, 1, 0])})
        back = store.predictions()
    assert _blob(tmp_path / "results.db")["test_true"].dtype == np.int16  # 300 classes: not int8
    assert np.array_equal(back[CellKey("t", "logreg", 1.0, 100, 0)]["test_pred"], arrays["test_pred"])
    assert _blob(tmp_path / "results.db", "two")["test_pred"].dtype == np.int8


def test_a_store_written_before_compact_cells_reads_as_it_always_did(tmp_path):
    arrays = _arrays()
    old = {k: (v.astype(np.float32) if k.endswith("proba") else v.astype(np.int16)) for k, v in arrays.items()}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **old)  # the blob of the store before issue 25
    with ResultsStore(tmp_path / "results.db") as store:
        store.add(_row(), [], None)
    with sqlite3.connect(tmp_path / "results.db") as db:
        db.execute("INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?)", ("t", "logreg", 1.0, 100, 0, buffer.getvalue()))
    with ResultsStore(tmp_path / "results.db", must_exist=True) as store:
        back = store.predictions()[CellKey("t", "logreg", 1.0, 100, 0)]
        codes_only = store.predictions(probabilities=False)[CellKey("t", "logreg", 1.0, 100, 0)]
    for name, value in old.items():
        assert back[name].dtype == value.dtype and np.array_equal(back[name], value)
    assert set(codes_only) == {"test_true", "test_pred", "val_true", "val_pred"}


def test_the_report_reads_codes_only_and_the_store_knows_its_size(tmp_path):
    with ResultsStore(tmp_path / "results.db") as store:
        store.add(_row(), [], _arrays(), compact=True)
        codes = store.predictions(probabilities=False)[CellKey("t", "logreg", 1.0, 100, 0)]
        assert set(codes) == {"test_true", "test_pred", "val_true", "val_pred"}
        assert store.size_bytes == (tmp_path / "results.db").stat().st_size > 0


def test_an_ensemble_of_exact_cells_predicts_what_its_members_probabilities_give(tmp_path):
    """Full-size cells keep float32: the ensemble built from the store is the one built from the
    members' own probabilities, which is what an exported ensemble recomputes."""
    members = {f"m{i}": _arrays(n=2000, k=3, seed=i) for i in range(3)}
    truth = members["m0"]
    for arrays in members.values():  # one test set and one validation split
        arrays.update(test_true=truth["test_true"], val_true=truth["val_true"])
    with ResultsStore(tmp_path / "results.db") as store:
        for name, arrays in members.items():
            store.add(_row(name, 1000), [], arrays, compact=False)
        stored = {k.solver: v for k, v in store.predictions().items()}
    built, direct = ensemble.build(stored, 3, seed=0), ensemble.build(members, 3, seed=0)
    assert built["weights"] == direct["weights"] and built["val_score"] == direct["val_score"]
    assert np.array_equal(built["test_pred"], direct["test_pred"])
    assert np.array_equal(built["test_proba"], direct["test_proba"])
    recomputed = ensemble.combine([members[m]["test_proba"] for m in direct["weights"]], list(direct["weights"].values()))
    assert np.array_equal(built["test_pred"], recomputed.argmax(axis=1))
