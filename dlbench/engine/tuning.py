"""One tuning path for every family: keras-tuner oracles propose, dlbench fits and scores.

Owns the search of one cell: a stratified validation split carved from the cell's training
subset (the test set is never seen here), the oracle (random search, Bayesian optimisation, or
Hyperband for epoch-based solvers), the trial and time budgets, the record of every trial, and
the honest validation score of the choice. The solver's own defaults are always the first
trial. The configuration with the highest validation accuracy is chosen; the score reported
for it is cross-fitted (choose on one half of the validation split, score on the other, both
ways, averaged), so it is not the number that was maximised. With Hyperband only
configurations trained with the full epoch budget can be chosen: when the best one ran a
bracket's partial budget, it is trained once more with the full budget first.

Large cells use the data as the fidelity instead (successive halving over training-set size,
as Hyperband does over epochs; the same rule for every solver): from :data:`FIDELITY_FROM`
inner training examples on, every candidate is fitted on a nested subset of a ninth (or a
third) of them, the best third go on to three times the data, and the best of those is fitted
on the whole inner training part (:func:`rungs`). Every fit is scored on the same validation
examples. ``--tune-time`` then grows with the data (:func:`tune_seconds`). It does not refit
the choice or touch the test set: that is ``cell``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from dlbench.core.solver import Solver, at_scale, class_probabilities, in_class_order
from dlbench.data.splits import nested_order, stratified_split, take
from dlbench.engine import isolation

#: Inner training examples from which candidates are compared on subsets first (successive
#: halving over data). Below it tuning is unchanged: every candidate sees all of them.
FIDELITY_FROM = 6000
#: Fewest training examples of a subset candidates are compared on (and 20 per class).
MIN_RUNG = 1000
#: Each rung holds this many times the examples of the one before and keeps its best 1/ETA.
ETA = 3


@dataclass
class TuneConfig:
    """The budget every solver gets: the same for all, so the comparison is fair."""

    tuner: str = "random"
    trials: int = 5
    tune_time: float | None = None  # seconds for the whole search of one cell
    trial_timeout: float | None = None  # seconds for one trial
    val_fraction: float = 0.2
    fidelity_from: int | None = field(default_factory=lambda: FIDELITY_FROM)  # None: all the data, at any size


def rungs(fit_size: int, n_classes: int, trials: int, fidelity_from: int | None = FIDELITY_FROM) -> list[int]:
    """The training sizes candidates are fitted on, smallest first; the last is ``fit_size``.

    ``[fit_size]`` (no halving) for a small cell, a search of fewer than 3 configurations or
    ``fidelity_from=None``; else ``fit_size`` divided by 9 and by 3, where that leaves at least
    :data:`MIN_RUNG` (and 20 per class) examples, then ``fit_size``.
    """
    if fidelity_from is None or fit_size < fidelity_from or trials < 3:
        return [fit_size]
    smallest = max(MIN_RUNG, 20 * n_classes)
    return [int(fit_size / ETA**k) for k in (2, 1) if fit_size / ETA**k >= smallest] + [fit_size]


def tune_seconds(config: TuneConfig, fit_size: int) -> float | None:
    """The search time of one cell: ``--tune-time`` up to :data:`FIDELITY_FROM` inner training
    examples, beyond in proportion to them (a fit costs at least that much more), the same for
    every solver."""
    if not config.tune_time:
        return None
    if config.fidelity_from is None:
        return config.tune_time
    return config.tune_time * max(1.0, fit_size / config.fidelity_from)


@dataclass
class Trial:
    trial_id: str
    params: dict[str, Any]  # the full configuration (epochs: its full budget)
    status: str  # ok | failed | timeout
    val_score: float | None = None
    seconds: float = 0.0
    error: str | None = None
    fit_seconds: float | None = None
    predict_seconds: float | None = None
    epochs_trained: int | None = None  # epochs up to the best validation loss (epoch-based solvers)
    budget: int | None = None  # epochs this trial was allowed (a Hyperband bracket's, or the full budget)
    fit_size: int | None = None  # training examples it was fitted on
    pred: np.ndarray | None = field(default=None, repr=False)  # predicted validation labels
    proba: np.ndarray | None = field(default=None, repr=False)  # validation probabilities (task's classes)


@dataclass
class TuneResult:
    best_params: dict[str, Any]
    val_score: float | None  # cross-fitted: not the maximised number
    selection_score: float | None  # the maximised number
    trials: list[Trial] = field(default_factory=list)
    seconds: float = 0.0
    best: Trial | None = None
    default: Trial | None = None
    val_idx: np.ndarray | None = None  # positions of the validation examples in the cell's subset
    tuned_on: int | None = None  # examples two or more configurations were last compared on (None: one only)
    rungs: list[tuple[int, int]] = field(default_factory=list)  # (subset size, configurations fitted) by rung


def predict_once(solver, X, classes=None) -> tuple[np.ndarray, np.ndarray | None, float]:
    """``solver``'s labels for ``X`` (as strings), its probabilities in the order of ``classes``
    (``None`` without ``classes`` or probabilities) and the seconds the labels took.

    A solver whose ``predict`` is the argmax of its probabilities (:meth:`Solver.predict`)
    predicts once, with the same labels ``predict`` gives.
    """
    start = time.perf_counter()
    if classes is not None and type(solver).predict is Solver.predict:
        raw = np.asarray(solver.predict_proba(X))
        pred = np.asarray(solver.classes_)[np.argmax(raw, axis=1)]
        seconds = time.perf_counter() - start
        proba = in_class_order(raw, solver.classes_, list(classes))
    else:
        pred = solver.predict(X)
        seconds = time.perf_counter() - start
        proba = class_probabilities(solver, X, list(classes)) if classes is not None else None
    return np.asarray(pred).astype(str), proba, seconds


def fit_and_score(solver_cls, params, X_fit, y_fit, X_val, y_val, classes=None) -> dict[str, Any]:
    """Fit ``solver_cls(**params)`` on the inner training part; its validation predictions and times.

    With ``classes`` (the task's), also the validation probabilities in that order (for ensembles);
    a solver whose ``predict`` is the argmax of its probabilities predicts once.
    """
    solver = solver_cls(**params)
    start = time.perf_counter()
    solver.fit(X_fit, y_fit)
    fit_seconds = time.perf_counter() - start
    pred, proba, predict_seconds = predict_once(solver, X_val, classes)
    return {"val_score": float(np.mean(pred == np.asarray(y_val).astype(str))), "pred": pred, "proba": proba,
            "fit_seconds": fit_seconds, "predict_seconds": predict_seconds,
            "epochs": getattr(solver, "best_epoch_", None)}


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


def _run_trial(trial_id, solver_cls, params, data, timeout, isolate, budget=None, classes=None) -> Trial:
    start = time.perf_counter()
    run_params = dict(params)
    if budget is not None:
        run_params[solver_cls.epoch_param] = budget
    size = len(data[1])
    try:
        out = isolation.call(fit_and_score, solver_cls, run_params, *data, classes, timeout=timeout,
                             isolate=isolate).value
        return Trial(trial_id, params, "ok", out["val_score"], time.perf_counter() - start, None, out["fit_seconds"],
                     out["predict_seconds"], out["epochs"], budget, size, out["pred"], out["proba"])
    except isolation.Timeout as exc:
        return Trial(trial_id, params, "timeout", None, time.perf_counter() - start, str(exc), budget=budget,
                     fit_size=size)
    except isolation.IsolationError as exc:
        if getattr(exc, "kind", None) == "SolverUnavailable":  # no setting helps: the cell is skipped
            raise
        return Trial(trial_id, params, "failed", None, time.perf_counter() - start, str(exc), budget=budget,
                     fit_size=size)


def _best(trials: list[Trial], score=lambda t: t.val_score) -> Trial | None:
    return max(trials, key=score, default=None)  # max keeps the first of ties: the defaults win ties


def crossfit_score(candidates: list[Trial], y_val: np.ndarray, seed: int) -> float | None:
    """Validation accuracy of "choose the best candidate", estimated on examples not used to choose.

    The validation split is halved (stratified); the candidate best on one half is scored on the
    other, both ways, and the two scores averaged. With one candidate this is its accuracy.
    """
    if not candidates:
        return None
    y_val = np.asarray(y_val).astype(str)
    if len(y_val) < 2:
        return candidates[0].val_score
    half_a, half_b = stratified_split(y_val, 0.5, seed=seed)
    if len(half_a) == 0 or len(half_b) == 0:
        return _best(candidates).val_score

    def acc(t: Trial, idx) -> float:
        return float(np.mean(t.pred[idx] == y_val[idx]))

    best_a = _best(candidates, lambda t: acc(t, half_a))
    best_b = _best(candidates, lambda t: acc(t, half_b))
    return (acc(best_a, half_b) * len(half_b) + acc(best_b, half_a) * len(half_a)) / len(y_val)


def tune(solver_cls, defaults: dict, X, y, *, modality: str, config: TuneConfig, seed: int,
         workdir: Path, name: str, isolate: bool = True, oracle_seed: int = 1, classes=None,
         scale: float = 1.0) -> TuneResult:
    """Search ``solver_cls``'s space on a validation split of ``(X, y)`` within the budget.

    Every configuration (the defaults and each proposal) is taken to model size ``scale``
    (:meth:`~dlbench.core.solver.Solver.at_scale`) before it is fitted, so the chosen
    parameters are the ones fitted. In a large cell (:func:`rungs`) the proposals are fitted on
    a subset first and the best go on to more data (Hyperband's epoch brackets give way to it).

    Trials run in this process unless ``--trial-timeout`` asks for a hard limit (then each runs
    in a forked child that is killed at the limit); the cell around them is isolated either way.
    """
    start = time.perf_counter()
    isolate = isolate and config.trial_timeout is not None
    y = np.asarray(y)
    fit_idx, val_idx = stratified_split(y, config.val_fraction, seed=seed)
    X_fit, y_fit, X_val, y_val = take(X, fit_idx), y[fit_idx], take(X, val_idx), y[val_idx]
    sizes = rungs(len(fit_idx), len(np.unique(y)), config.trials, config.fidelity_from)
    limit = tune_seconds(config, len(fit_idx))
    deadline = start + limit if limit else None
    order = nested_order(y_fit, seed) if len(sizes) > 1 else None

    def data_at(size: int) -> tuple:
        if size >= len(y_fit):
            return X_fit, y_fit, X_val, y_val
        idx = np.sort(order[:size])
        return take(X_fit, idx), y_fit[idx], X_val, y_val

    unscaled, defaults = defaults, at_scale(solver_cls, defaults, scale)
    epoch_brackets = bool(solver_cls.epoch_param) and config.tuner == "hyperband" and len(sizes) == 1
    full = int(defaults[solver_cls.epoch_param]) if epoch_brackets else None

    def time_left() -> float | None:
        limits = [t for t in (config.trial_timeout, deadline and deadline - time.perf_counter()) if t is not None]
        return min(limits) if limits else None

    first = data_at(sizes[0])
    trials = [_run_trial("default", solver_cls, dict(defaults), first, time_left(), isolate, full, classes)]
    hp = search_space(solver_cls, modality) if config.trials > 1 else None
    if hp is not None and hp.space:
        search = config if epoch_brackets or config.tuner != "hyperband" else replace(config, tuner="random")
        oracle = _oracle(search, solver_cls, hp, defaults, oracle_seed, workdir, name)
        while len(trials) < config.trials and (time_left() is None or time_left() > 0):
            proposal = oracle.create_trial("dlbench")
            if proposal.status != "RUNNING":
                break
            values = dict(proposal.hyperparameters.values)
            params = at_scale(solver_cls, {**unscaled, **{k: v for k, v in values.items() if not k.startswith("tuner/")}},
                                         scale)
            budget = int(values["tuner/epochs"]) if "tuner/epochs" in values else full
            trial = _run_trial(proposal.trial_id, solver_cls, params, first, time_left(), isolate, budget, classes)
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
    leader = _best([t for t in trials if t.status == "ok"])
    if leader is not None and leader.budget is not None and leader.budget < full:
        # A bracket's partial budget chose it: train it with the full budget before it can be chosen.
        trials.append(_run_trial(f"{leader.trial_id}-full", solver_cls, leader.params, first, time_left(), isolate,
                                 full, classes))
    eligible = [t for t in trials if t.status == "ok" and (full is None or t.budget == full)]
    fitted = [(sizes[0], len(trials))]
    tuned_on = sizes[0] if sum(t.status == "ok" for t in trials) > 1 else None
    for size in sizes[1:]:  # successive halving over data
        if not eligible or (time_left() is not None and time_left() <= 0):
            break
        keep = sorted(eligible, key=lambda t: -t.val_score)[:max(1, -(-len(eligible) // ETA))]
        data = data_at(size)
        promoted = [_run_trial(f"{t.trial_id}@{size}", solver_cls, t.params, data, time_left(), isolate, None,
                               classes) for t in keep]
        trials.extend(promoted)
        fitted.append((size, len(promoted)))
        ok = [t for t in promoted if t.status == "ok"]
        if not ok:
            break
        eligible = ok
        if len(eligible) > 1:
            tuned_on = size
    best = _best(eligible)
    return TuneResult(
        best_params=best.params if best else dict(defaults),
        val_score=crossfit_score(eligible, y_val, seed),
        selection_score=best.val_score if best else None,
        trials=trials,
        seconds=time.perf_counter() - start,
        best=best,
        default=trials[0] if trials[0].status == "ok" else None,
        val_idx=val_idx,
        tuned_on=tuned_on,
        rungs=fitted if len(sizes) > 1 else [],
    )
