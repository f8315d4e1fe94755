"""keras-tuner's overhead per trial, against a plain fit of the same model.

For a shallow and a deep solver, times N plain ``fit`` + validation calls with the same
hyperparameter values the oracle proposes, then the same N trials through dlbench's tuning
path (oracle bookkeeping, and optionally a forked child per trial). Prints seconds per trial.

    python benchmarks/tuner_overhead.py [--trials 10] [--task breast-cancer]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


from dlbench.core.registry import discover
from dlbench.solvers.deep.runtime import quiet_import
from dlbench.data.splits import stratified_split, take
from dlbench.engine.tuning import TuneConfig, fit_and_score, tune


def measure(solver_name: str, task: str, trials: int) -> dict[str, float]:
    registry = discover()
    solver_cls = registry.get("solver", solver_name)
    dataset = registry.get("task", task)().load()
    X, y = dataset.X_train, dataset.y_train
    defaults = solver_cls().get_params(deep=False)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        # Forked first: a process that has run TensorFlow operations must not fork.
        for label, isolate in (("forked", True), ("in-process", False)):
            start = time.perf_counter()
            tuned = tune(solver_cls, defaults, X, y, modality=dataset.modality, config=TuneConfig(trials=trials),
                         seed=0, workdir=Path(tmp), name=f"{solver_name}-{label}", isolate=isolate)
            results[f"tuning path, {label}"] = (time.perf_counter() - start) / len(tuned.trials)
        # The plain loop: the very same configurations, fitted and scored directly.
        fit_idx, val_idx = stratified_split(y, 0.2, seed=0)
        data = (take(X, fit_idx), y[fit_idx], take(X, val_idx), y[val_idx])
        start = time.perf_counter()
        for trial in tuned.trials:
            fit_and_score(solver_cls, trial.params, *data)
        results["plain fit + score"] = (time.perf_counter() - start) / len(tuned.trials)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--task", default="breast-cancer")
    parser.add_argument("--solvers", default="logreg,mlp")
    args = parser.parse_args()
    quiet_import("keras_tuner")
    for solver in args.solvers.split(","):
        timings = measure(solver, args.task, args.trials)
        plain = timings["plain fit + score"]
        print(f"{solver} on {args.task}, {args.trials} trials:")
        for label, seconds in timings.items():
            extra = "" if label.startswith("plain") else f"  (+{seconds - plain:.3f} s per trial)"
            print(f"  {label:28s} {seconds:7.3f} s per trial{extra}")


if __name__ == "__main__":
    main()
