"""One tuning path for every family: keras-tuner oracles propose, dlbench fits and scores.

Owns the search of one cell: a stratified validation split carved from the cell's training
subset (the test set is never seen here), the oracle (random search, Bayesian optimisation, or
Hyperband for epoch-based solvers), the trial and time budgets, and the record of every trial.
The solver's own defaults are always the first trial, so tuning can only match or beat them
on validation data. It does not refit the winner or touch the test set: that is ``cell``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from dlbench.engine import isolation
from dlbench.data.splits import stratified_split, take



@dataclass
class TuneConfig:
    """The budget every solver gets: the same for all, so the comparison is fair."""

    tuner: str = "random"
    trials: int = 5
    tune_time: float | None = None  # seconds for the whole search of one cell
    trial_timeout: float | None = None  # seconds for one trial
    val_fraction: float = 0.2


@dataclass
class Trial:
    trial_id: str
    params: dict[str, Any]
    status: str  # ok | failed | timeout
    val_score: float | None = None
    seconds: float = 0.0
    error: str | None = None


@dataclass
class TuneResult:
    best_params: dict[str, Any]
    val_score: float | None
    trials: list[Trial] = field(default_factory=list)
    seconds: float = 0.0


def fit_and_score(solver_cls, params, X_fit, y_fit, X_val, y_val) -> float:
    """Validation accuracy of ``solver_cls(**params)`` fitted on the inner training part."""
    solver = solver_cls(**params).fit(X_fit, y_fit)
    return float(np.mean(np.asarray(solver.predict(X_val)).astype(str) == np.asarray(y_val).astype(str)))


def search_space(solver_cls, modality: str):
    import keras_tuner as kt

    hp = kt.HyperParameters()
    solver_cls.search_space(hp, modality)
    return hp


def _random(config: "TuneConfig", solver_cls, defaults: dict, common: dict):
    import keras_tuner as kt

    return kt.oracles.RandomSearchOracle(max_trials=config.trials, **common)


def _bayesian(config: "TuneConfig", solver_cls, defaults: dict, common: dict):
    import keras_tuner as kt

    return kt.oracles.BayesianOptimizationOracle(max_trials=config.trials,
                                                 num_initial_points=min(3, config.trials), **common)


def _hyperband(config: "TuneConfig", solver_cls, defaults: dict, common: dict):
    import keras_tuner as kt

    if not solver_cls.epoch_param:  # Hyperband needs epochs; other solvers search at random
        return _random(config, solver_cls, defaults, common)
    return kt.oracles.HyperbandOracle(max_epochs=int(defaults[solver_cls.epoch_param]), factor=3, **common)


#: ``--tuner`` name -> a function building the keras-tuner oracle. A new tuner is one entry here.
TUNERS: dict[str, Callable] = {"random": _random, "bayesian": _bayesian, "hyperband": _hyperband}


def _oracle(config: TuneConfig, solver_cls, hp, defaults: dict, seed: int, workdir: Path, name: str):
    import keras_tuner as kt

    common = dict(
        objective=kt.Objective("val_score", "max"), hyperparameters=hp, seed=seed,
        max_consecutive_failed_trials=max(3, config.trials + 1),
    )
    oracle = TUNERS[config.tuner](config, solver_cls, defaults, common)
    oracle._set_project_dir(str(workdir), name)  # keras-tuner's files stay in the run folder
    oracle.verbose = 0
    return oracle


def _run_trial(trial_id, solver_cls, params, data, timeout, isolate) -> Trial:
    start = time.perf_counter()
    try:
        outcome = isolation.call(fit_and_score, solver_cls, params, *data, timeout=timeout, isolate=isolate)
        return Trial(trial_id, params, "ok", outcome.value, time.perf_counter() - start)
    except isolation.Timeout as exc:
        return Trial(trial_id, params, "timeout", None, time.perf_counter() - start, str(exc))
    except isolation.IsolationError as exc:
        if getattr(exc, "kind", None) == "SolverUnavailable":  # no setting helps: the cell is skipped
            raise
        return Trial(trial_id, params, "failed", None, time.perf_counter() - start, str(exc))


def tune(solver_cls, defaults: dict, X, y, *, modality: str, config: TuneConfig, seed: int,
         workdir: Path, name: str, isolate: bool = True) -> TuneResult:
    """Search ``solver_cls``'s space on a validation split of ``(X, y)`` within the budget."""
    start = time.perf_counter()
    deadline = start + config.tune_time if config.tune_time else None
    y = np.asarray(y)
    fit_idx, val_idx = stratified_split(y, config.val_fraction, seed=seed)
    data = (take(X, fit_idx), y[fit_idx], take(X, val_idx), y[val_idx])

    def time_left() -> float | None:
        limits = [t for t in (config.trial_timeout, deadline and deadline - time.perf_counter()) if t is not None]
        return min(limits) if limits else None

    trials = [_run_trial("default", solver_cls, dict(defaults), data, time_left(), isolate)]
    hp = search_space(solver_cls, modality) if config.trials > 1 else None
    if hp is not None and hp.space:
        oracle = _oracle(config, solver_cls, hp, defaults, seed, workdir, name)
        while len(trials) < config.trials and (time_left() is None or time_left() > 0):
            proposal = oracle.create_trial("dlbench")
            if proposal.status != "RUNNING":
                break
            values = dict(proposal.hyperparameters.values)
            params = {**defaults, **{k: v for k, v in values.items() if not k.startswith("tuner/")}}
            if "tuner/epochs" in values:
                params[solver_cls.epoch_param] = int(values["tuner/epochs"])
            trial = _run_trial(proposal.trial_id, solver_cls, params, data, time_left(), isolate)
            trials.append(trial)
            if trial.status == "ok":
                oracle.update_trial(proposal.trial_id, {"val_score": trial.val_score})
                proposal.status = "COMPLETED"
            else:
                proposal.status, proposal.message = "FAILED", trial.error
            try:
                oracle.end_trial(proposal)
            except RuntimeError:  # keras-tuner's limit of consecutive failures: stop searching
                break
    finished = [t for t in trials if t.status == "ok"]
    best = max(finished, key=lambda t: t.val_score, default=None)  # max keeps the first of ties
    return TuneResult(
        best_params=best.params if best else dict(defaults),
        val_score=best.val_score if best else None,
        trials=trials,
        seconds=time.perf_counter() - start,
    )
