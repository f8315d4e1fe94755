"""Anchors for the signal tasks: aeon's own reference classifiers beside dlbench's, on the same splits.

Two steps, because aeon (the ``signals`` extra) pins pandas and numba below what dlbench's core
resolves to with TensorFlow, so the two usually live in different environments:

1. ``python benchmarks/anchors.py aeon --out anchors_aeon.csv`` (in an environment with
   ``aeon>=1.6``: ``pip install "dlbench[signals]"`` or just ``pip install aeon``) runs aeon's
   MiniRocket, 1-NN DTW (full window), 1-NN Euclidean and catch22 + random forest classifiers, one
   seed, default settings, on the official train/test split of every offline UCR/UEA task dlbench
   ships (the ``.ts`` files in ``tasks/data/ucr``; unequal lengths resampled to the longest
   training length, as dlbench does). It needs nothing from dlbench.
2. ``python benchmarks/anchors.py table --aeon anchors_aeon.csv RUN_DIR...`` puts them beside
   dlbench's full-size test accuracies from the ``results.csv`` of one or more ``dlbench run``
   folders: its MiniRocket-style and 1-NN DTW solvers, the best of each family, and the solver
   its own validation chose (the run's winner: one solver, or the ensemble of several), as a
   Markdown table for the README.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
import time
from pathlib import Path

import numpy as np

UCR = Path(__file__).resolve().parent.parent / "tasks" / "data" / "ucr"
#: dlbench task name -> archive name.
TASKS = {"gunpoint": "GunPoint", "arrowhead": "ArrowHead", "italy-power-demand": "ItalyPowerDemand",
         "osuleaf": "OSULeaf", "basic-motions": "BasicMotions", "japanese-vowels": "JapaneseVowels"}
METHODS = ("minirocket", "1nn-dtw", "1nn-euclidean", "catch22-forest")


def _read_ts(path: Path):
    """Series ``[(C, T_i)]`` and labels of a (gzipped) ``.ts`` file, without aeon's loader."""
    series, labels, in_data = [], [], False
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                in_data = line.lower().startswith("@data")
                continue
            *channels, label = line.split(":")
            series.append(np.array([[float(v) for v in c.split(",")] for c in channels]))
            labels.append(label.strip())
    return series, np.array(labels)


def _equal_length(series, length: int) -> np.ndarray:
    """``(N, C, length)``: each series linearly resampled, as ``dlbench.data.signals`` does."""
    out = np.empty((len(series), series[0].shape[0], length))
    for i, s in enumerate(series):
        old, new = np.linspace(0, 1, s.shape[1]), np.linspace(0, 1, length)
        out[i] = [np.interp(new, old, c) if s.shape[1] > 1 else np.full(length, c[0]) for c in s]
    return out


def _classifiers(seed: int):
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier
    from aeon.classification.feature_based import Catch22Classifier

    return {
        "minirocket": lambda: MiniRocketClassifier(random_state=seed),
        "1nn-dtw": lambda: KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw"),
        "1nn-euclidean": lambda: KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="euclidean"),
        "catch22-forest": lambda: Catch22Classifier(random_state=seed),
    }


def run_aeon(out: Path, tasks, seed: int = 0) -> None:
    import aeon

    rows = []
    makers = _classifiers(seed)
    # aeon compiles its numba kernels on first use: warm them on a tiny problem, outside the timings.
    tiny = np.random.default_rng(0).normal(size=(6, 1, 12))
    for make in makers.values():
        make().fit(tiny, np.array(["a", "b"] * 3)).predict(tiny)
    for task in tasks:
        name = TASKS[task]
        train, y_train = _read_ts(UCR / f"{name}_TRAIN.ts.gz")
        test, y_test = _read_ts(UCR / f"{name}_TEST.ts.gz")
        length = max(s.shape[1] for s in train)
        X_train, X_test = _equal_length(train, length), _equal_length(test, length)
        for method, make in makers.items():
            start = time.perf_counter()
            accuracy = float(np.mean(make().fit(X_train, y_train).predict(X_test) == y_test))
            seconds = time.perf_counter() - start
            rows.append({"task": task, "method": method, "accuracy": round(accuracy, 4),
                         "seconds": round(seconds, 2), "train": len(y_train), "test": len(y_test),
                         "length": length, "channels": X_train.shape[1], "aeon": aeon.__version__})
            print(f"{task:20s} {method:15s} {accuracy:.3f} ({seconds:.1f} s)", flush=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _dlbench_rows(run_dirs):
    """Full-size test accuracy per (task, solver), mean over seeds, from runs' ``results.csv``."""
    scores: dict[tuple[str, str], list[float]] = {}
    families: dict[str, str] = {}
    for run_dir in run_dirs:
        with (Path(run_dir) / "results.csv").open(encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if r.get("status") == "ok" and r.get("accuracy")]
        full = {}
        for r in rows:
            full[r["task"]] = max(full.get(r["task"], 0), int(r["train_size"]))
        for r in rows:
            if int(r["train_size"]) == full[r["task"]]:
                scores.setdefault((r["task"], r["solver"]), []).append(float(r["accuracy"]))
                families[r["solver"]] = r["family"]
    return {key: float(np.mean(v)) for key, v in scores.items()}, families


def _winners(run_dirs) -> dict[str, str]:
    """The solver each run's report names the winner (chosen on validation, not on test)."""
    import json

    winners = {}
    for run_dir in run_dirs:
        for card in Path(run_dir).glob("models/*/*/model.json"):
            data = json.loads(card.read_text(encoding="utf-8"))
            if "winner" in data.get("roles", []):
                winners[data["task"]] = data["solver"]
    return winners


def table(aeon_csv: Path, run_dirs) -> str:
    with aeon_csv.open(encoding="utf-8") as fh:
        anchors = list(csv.DictReader(fh))
    by_task: dict[str, dict] = {}
    for r in anchors:
        by_task.setdefault(r["task"], {"meta": r})[r["method"]] = float(r["accuracy"])
    ours, families = _dlbench_rows(run_dirs)
    winners = _winners(run_dirs)
    lines = ["| task (train/test, length x channels) | aeon MiniRocket | aeon 1-NN DTW | aeon 1-NN Eucl. | "
             "aeon catch22 + forest | dlbench minirocket | dlbench dtw-1nn | best rule | best shallow | best deep | "
             "dlbench's pick (validation) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    def fmt(value):
        return "-" if value is None else f"{value:.3f}"

    picked, reference = [], []
    for task, found in by_task.items():
        meta = found["meta"]
        solver_scores = {s: v for (t, s), v in ours.items() if t == task}
        best = {fam: max((v for s, v in solver_scores.items() if families.get(s) == fam), default=None)
                for fam in ("rule", "shallow", "deep")}
        winner = winners.get(task)
        pick = solver_scores.get(winner) if winner else None
        if pick is not None:
            picked.append(pick)
            reference.append(max(found[m] for m in ("minirocket", "1nn-dtw", "catch22-forest")))
        shape = f"{meta['length']}" + (f" x {meta['channels']}" if meta["channels"] != "1" else "")
        lines.append(f"| {task} ({int(meta['train']):,}/{int(meta['test']):,}, {shape}) | "
                     + " | ".join(fmt(found.get(m)) for m in METHODS) + " | "
                     + f"{fmt(solver_scores.get('minirocket'))} | {fmt(solver_scores.get('dtw-1nn'))} | "
                     + " | ".join(fmt(best[f]) for f in ("rule", "shallow", "deep"))
                     + f" | {fmt(pick)}{f' ({winner})' if winner else ''} |")
    if picked:
        lines.append("")
        lines.append(f"Mean over {len(picked)} tasks: dlbench's pick {np.mean(picked):.3f}, the best of aeon's "
                     f"MiniRocket / 1-NN DTW / catch22 per task {np.mean(reference):.3f}.")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("aeon", help="run aeon's reference classifiers (needs aeon)")
    a.add_argument("--out", type=Path, default=Path("anchors_aeon.csv"))
    a.add_argument("--tasks", default=",".join(TASKS), help="comma-separated dlbench task names")
    a.add_argument("--seed", type=int, default=0)
    t = sub.add_parser("table", help="the Markdown table: aeon's anchors beside dlbench runs")
    t.add_argument("--aeon", type=Path, default=Path("anchors_aeon.csv"))
    t.add_argument("runs", nargs="+", help="dlbench run folders (reports/<run-id>)")
    args = parser.parse_args(argv)
    if args.command == "aeon":
        try:
            import aeon  # noqa: F401
        except ImportError:
            print("anchors.py aeon needs aeon: pip install 'dlbench[signals]' (or pip install aeon) in an "
                  "environment of its own", file=sys.stderr)
            return 2
        unknown = [t for t in args.tasks.split(",") if t not in TASKS]
        if unknown:
            print(f"unknown tasks {unknown}: choose from {', '.join(TASKS)}", file=sys.stderr)
            return 2
        run_aeon(args.out, args.tasks.split(","), args.seed)
        return 0
    print(table(args.aeon, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
