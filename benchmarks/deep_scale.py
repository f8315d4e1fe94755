"""Deep solvers at scale (issue 25, item 6): one fit of each Keras solver at given training sizes.

Each fit runs in a fresh process (so ``n_threads`` takes effect and its peak memory is its own)
on the first ``n`` training examples of a task, with the solver's defaults except ``epochs``
(a cap; early stopping usually ends sooner) and ``n_threads``. It prints, per fit: the training
batch and steps per epoch the solver chose, epochs run and the best epoch, the fit's wall
seconds, the seconds of the first epoch (tracing included) and the median of the later ones,
the resident memory before the fit (Python, TensorFlow and the data loaded) and the peak during
it (``ru_maxrss``), and the test accuracy. Nothing here is a test: run it on an otherwise idle
machine and report what it prints.

    python benchmarks/deep_scale.py --task mnist1d --solvers fcn,resnet1d,mlp --sizes 8000,32000,80000
    python benchmarks/deep_scale.py --task churn --solvers mlp --sizes 8000,32000,80000
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def load(task: str, largest: int):
    """``(X_train, y_train, X_test, y_test)`` of ``task`` with at least ``largest`` training examples."""
    if task == "mnist1d":
        from dlbench_tasks.synthetic import MNIST1D

        data = MNIST1D(num_samples=int(largest / 0.8) + 1).load()  # the generator keeps 80% for training
    elif task == "churn":
        from dlbench_tasks.churn import Churn

        data = Churn(n_samples=max(200_000, int(largest / 0.9) + 1)).load()
    else:
        raise SystemExit(f"unknown task {task!r}: mnist1d or churn")
    return data.X_train, data.y_train, data.X_test[:10_000], data.y_test[:10_000]


def child(args) -> None:
    """One fit, in this process: prints one JSON line."""
    import numpy as np

    from dlbench.solvers import deep
    from dlbench.solvers.deep import signal

    with open(args.data, "rb") as fh:
        X, y, X_test, y_test = pickle.load(fh)
    X, y = X[: args.n], y[: args.n]
    keras = __import__("keras")
    epoch_seconds: list[float] = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.began = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self.began)

    fit = keras.Model.fit

    def timed_fit(self, *a, callbacks=None, **kw):  # the timer first: it leaves out the validation loss
        return fit(self, *a, callbacks=[Timer(), *(callbacks or [])], **kw)

    keras.Model.fit = timed_fit
    classes = {c.name: c for m in (deep, signal) for c in vars(m).values() if isinstance(c, type) and getattr(c, "name", None)}
    solver = classes[args.solver](epochs=args.epochs, n_threads=args.threads)
    rss_before = _rss_mb()
    began = time.perf_counter()
    solver.fit(X, y)
    seconds = time.perf_counter() - began
    peak = _peak_mb()
    accuracy = float(np.mean(solver.predict(X_test) == np.asarray(y_test)))
    n_fit = len(y) - (int(round(len(y) * solver.validation_fraction)) if solver._validates(len(y)) else 0)
    batch = solver._batch_for(n_fit)
    print(json.dumps({
        "solver": args.solver, "n": args.n, "batch": batch, "steps": -(-n_fit // batch),
        "epochs": solver.epochs_run_, "best": solver.best_epoch_, "fit_s": round(seconds, 1),
        "first_epoch_s": round(epoch_seconds[0], 2),
        "epoch_s": round(statistics.median(epoch_seconds[1:] or epoch_seconds), 2),
        "rss_before_mb": round(rss_before), "peak_mb": round(peak), "test_acc": round(accuracy, 4),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="mnist1d", choices=("mnist1d", "churn"))
    parser.add_argument("--solvers", default="fcn,resnet1d,mlp")
    parser.add_argument("--sizes", default="8000,32000,80000")
    parser.add_argument("--epochs", type=int, default=30, help="the cap on epochs (default 30)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--solver", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.pkl"
        with data.open("wb") as fh:
            pickle.dump(load(args.task, max(sizes)), fh, protocol=pickle.HIGHEST_PROTOCOL)
        for solver in args.solvers.split(","):
            for n in sizes:
                proc = subprocess.run(
                    [sys.executable, __file__, "--child", "--data", str(data), "--solver", solver, "--n", str(n),
                     "--epochs", str(args.epochs), "--threads", str(args.threads)],
                    capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
                )
                lines = proc.stdout.strip().splitlines()
                if proc.returncode or not lines:
                    print(json.dumps({"solver": solver, "n": n, "error": (proc.stderr.strip().splitlines() or ["?"])[-1]}))
                else:
                    print(json.dumps({"task": args.task, **json.loads(lines[-1])}), flush=True)


if __name__ == "__main__":
    main()
