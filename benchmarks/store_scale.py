"""Storage at scale (issue 25, item 7): the size of ``results.db`` and the time of ``dlbench report``
for a large synthetic run.

Fabricates a run folder straight through :class:`~dlbench.core.store.ResultsStore` (no solver is
fitted): by default 10 solvers (2 rule, 4 shallow, 4 deep) x 6 training sizes x 5 seeds = 300
cells of one 10-class task with 20,000 test examples, each with its test predictions and class
probabilities and the validation predictions of its chosen configuration (a fifth of its training
size), plus the ensemble row of each seed at the largest size, and a plausible ``run.json``.
Cells are stored as the runner stores them (probabilities compact except at the task's full
training size). It then prints the size of ``results.db`` and the seconds ``dlbench report``
takes in a fresh process; ``--profile`` writes a cProfile of the report instead. Nothing here
is a test: run it on an otherwise idle machine and report what it prints.

    python benchmarks/store_scale.py --out /tmp/store-scale
    python benchmarks/store_scale.py --out /tmp/store-scale --profile /tmp/report.prof
"""

from __future__ import annotations

import argparse
import inspect
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from dlbench.analysis.stats import wilson_interval
from dlbench.core import schema
from dlbench.core.store import ResultsStore

#: solver -> (family, skill: how much its logits favour the true class at the largest size)
SOLVERS = {"majority": ("rule", 0.0), "one-r": ("rule", 0.6), "logreg": ("shallow", 2.0),
           "knn": ("shallow", 2.2), "random-forest": ("shallow", 2.6), "hist-gb": ("shallow", 2.8),
           "mlp": ("deep", 2.7), "cnn": ("deep", 3.0), "resnet": ("deep", 3.1), "transformer": ("deep", 2.9)}
SIZES = (300, 800, 2000, 5000, 12000, 30000)


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def _predictions(rng, truth: np.ndarray, ease: np.ndarray, skill: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities that favour the true class by ``skill`` (more on the "easy" examples), and their argmax."""
    logits = rng.normal(size=(len(truth), k))
    logits[np.arange(len(truth)), truth] += skill * ease
    proba = _softmax(logits * 1.5)
    return proba, proba.argmax(axis=1)


def _row(task: str, solver: str, family: str, size: int, seed: int, truth, pred, classes, rng) -> dict:
    k, n = len(classes), len(truth)
    confusion = np.bincount(truth.astype(int) * k + pred.astype(int), minlength=k * k).reshape(k, k)
    accuracy = float(np.mean(truth == pred))
    precision = np.diag(confusion) / np.maximum(confusion.sum(axis=0), 1)
    recall = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    low, high = wilson_interval(int(round(accuracy * n)), n)
    cost = {"rule": 0.01, "shallow": 1.0, "deep": 20.0, "ensemble": 45.0}[family] * (1 + size / 5000)
    return schema.cell_row(
        task=task, modality="tabular", solver=solver, family=family, scale=1.0, train_size=size, seed=seed,
        status="ok", accuracy=accuracy, accuracy_low=low, accuracy_high=high, macro_f1=float(f1.mean()),
        default_accuracy=max(0.0, accuracy - 0.01), val_score=min(1.0, accuracy + float(rng.normal(0, 0.01))),
        selection_score=min(1.0, accuracy + 0.02), fit_seconds=cost, fit_cpu_seconds=cost * 1.5,
        tune_seconds=cost * 10, trials=0 if family == "ensemble" else 10, predict_seconds=cost / 50,
        predict_seconds_per_1k=cost / 50 / n * 1000, peak_memory_mb=50.0 + cost, n_params=int(100 * cost),
        model_bytes=int(4000 * cost), device="cpu", n_test=n, best_params={"C": 1.0}, classes=list(classes),
        confusion=confusion.tolist(), finished_at="2026-01-01T00:00:00+00:00")


def fabricate(run_dir: Path, n_test: int = 20_000, n_classes: int = 10, seeds: int = 5,
              sizes: tuple[int, ...] = SIZES, solvers: dict = SOLVERS, task: str = "synthetic") -> Path:
    """Write ``run_dir/results.db`` and ``run_dir/run.json`` for a fabricated run; returns ``run_dir``."""
    rng = np.random.default_rng(0)
    run_dir.mkdir(parents=True, exist_ok=True)
    classes = [f"class-{i}" for i in range(n_classes)]
    truth = np.arange(n_test) % n_classes
    ease = rng.gamma(2.0, 0.5, size=n_test)  # shared difficulty: solvers err on the same examples
    with ResultsStore(run_dir / "results.db") as store:
        compact = "compact" in inspect.signature(store.add).parameters  # the store before issue 25 had none
        for seed in range(seeds):
            for size in sizes:
                grows = np.log(size) / np.log(sizes[-1])
                val_n = max(20, size // 5)
                val_truth = rng.integers(0, n_classes, size=val_n)
                val_ease = rng.gamma(2.0, 0.5, size=val_n)
                members = {}
                for solver, (family, skill) in solvers.items():
                    proba, pred = _predictions(rng, truth, ease, skill * grows, n_classes)
                    val_proba, val_pred = _predictions(rng, val_truth, val_ease, skill * grows, n_classes)
                    arrays = {"test_true": truth, "test_pred": pred, "test_proba": proba,
                              "val_true": val_truth, "val_pred": val_pred, "val_proba": val_proba}
                    full = size == sizes[-1]
                    store.add(_row(task, solver, family, size, seed, truth, pred, classes, rng), [], arrays,
                              **({"compact": not full} if compact else {}))
                    if full:
                        members[solver] = proba
                if members:  # the ensemble of the seed: the mean of the three best members
                    best = sorted(members, key=lambda s: -solvers[s][1])[:3]
                    proba = np.mean([members[s] for s in best], axis=0).astype(np.float32)
                    pred = proba.argmax(axis=1)
                    row = _row(task, "ensemble", "ensemble", sizes[-1], seed, truth, pred, classes, rng)
                    row["best_params"] = {"members": {s: 1 / 3 for s in best}}
                    store.add(row, [], {"test_true": truth, "test_pred": pred, "test_proba": proba},
                              **({"compact": True} if compact else {}))
    info = {
        "run_id": run_dir.name, "started": "2026-01-01T00:00:00+00:00", "command": "dlbench run synthetic (fabricated)",
        "config": {"tasks": [task], "preset": "default", "seeds": seeds, "trials": 10, "tuner": "random",
                   "sizes": list(sizes), "workers": 2, "threads": 1, "export": "none"},
        "sizes": {task: list(sizes)},
        "planned": {task: seeds * len(sizes) * len(solvers)},
        "tasks": [{"name": task, "modality": "tabular", "description": "a fabricated 10-class task", "params": {}}],
        "audit": {task: {"modality": "tabular", "n_train": sizes[-1], "n_test": n_test,
                         "train_counts": {c: sizes[-1] // n_classes for c in classes},
                         "test_counts": {c: n_test // n_classes for c in classes},
                         "n_duplicates_in_train": 0, "n_conflicting_in_train": 0, "n_test_in_train": 0,
                         "n_test_in_train_other_label": 0}},
        "environment": {"python": "3.11", "cpu_count": 2, "packages": {"numpy": np.__version__}},
        "timings": {"total": 3600.0},
        "finished": "2026-01-01T01:00:00+00:00",
    }
    (run_dir / "run.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return run_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="/tmp/store-scale", help="the run folder to (re)create")
    parser.add_argument("--n-test", type=int, default=20_000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of `dlbench report` here")
    parser.add_argument("--keep", action="store_true", help="reuse the folder if it exists (report only)")
    args = parser.parse_args()
    run_dir = Path(args.out)
    if not (args.keep and (run_dir / "results.db").exists()):
        shutil.rmtree(run_dir, ignore_errors=True)
        began = time.perf_counter()
        fabricate(run_dir, args.n_test, args.classes, args.seeds)
        print(f"fabricated in {time.perf_counter() - began:.1f} s")
    import sqlite3

    with sqlite3.connect(run_dir / "results.db") as db:
        cells = db.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
        blobs = db.execute("SELECT SUM(LENGTH(arrays)) FROM predictions").fetchone()[0]
    size = (run_dir / "results.db").stat().st_size
    print(f"cells: {cells}; results.db: {size / 2**20:.1f} MiB ({size / cells / 1024:.0f} KiB a cell; "
          f"prediction blobs {blobs / 2**20:.1f} MiB)")
    command = [sys.executable, "-m", "dlbench", "report", str(run_dir)]
    if args.profile:
        command = [sys.executable, "-m", "cProfile", "-o", args.profile, "-m", "dlbench", "report", str(run_dir)]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
        raise SystemExit(done.returncode)
    print(f"dlbench report: {seconds:.1f} s (fresh process, imports included)")


if __name__ == "__main__":
    main()
