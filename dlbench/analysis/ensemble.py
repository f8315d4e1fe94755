"""A cross-family ensemble from stored predictions: greedy selection with replacement.

Owns Caruana et al. (2004) ensemble selection over the validation probabilities of the solvers
of one cell group (task, training size, seed): start empty, add (with replacement) the member
that most improves validation accuracy (ties: lower log loss, then name), keep the best
prefix; weights are how often each member was picked. Its honest validation score is
cross-fitted, as single solvers' are: weights chosen on one half of the validation split are
scored on the other, both ways. The chosen weights are then applied once to the members' test
probabilities. Pure functions over arrays; it does not store rows or save models.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from dlbench.data.splits import stratified_split

#: Selection rounds (Caruana et al. use a few dozen; more only repeats the best members).
ROUNDS = 25


def probabilities(arrays: Mapping[str, Any], part: str, n_classes: int) -> np.ndarray | None:
    """A cell's stored ``<part>_proba``, or one-hot rows of ``<part>_pred`` for solvers without probabilities."""
    proba = arrays.get(f"{part}_proba")
    if proba is not None:
        return np.asarray(proba, dtype=np.float64)
    pred = arrays.get(f"{part}_pred")
    if pred is None:
        return None
    return np.eye(n_classes)[np.asarray(pred, dtype=int)]


def combine(probas: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """The weighted mean of members' probabilities (one function, so export and run agree exactly)."""
    total = np.zeros_like(np.asarray(probas[0], dtype=np.float64))
    for proba, weight in zip(probas, weights):
        total += weight * np.asarray(proba, dtype=np.float64)
    return total / float(sum(weights))


def select(val: Mapping[str, np.ndarray], y: np.ndarray, rounds: int = ROUNDS) -> dict[str, float]:
    """Member -> weight (summing to 1) chosen greedily on ``val`` probabilities against codes ``y``."""
    names = sorted(val)
    y = np.asarray(y, dtype=int)
    total, counts, history = np.zeros_like(val[names[0]], dtype=np.float64), dict.fromkeys(names, 0), []
    for step in range(1, rounds + 1):
        def score(name, step=step):
            mean = (total + val[name]) / step
            acc = float(np.mean(mean.argmax(axis=1) == y))
            loss = float(-np.mean(np.log(np.clip(mean[np.arange(len(y)), y], 1e-12, None))))
            return (-acc, loss, name)

        neg_acc, loss, pick = min(score(name) for name in names)
        total += val[pick]
        counts[pick] += 1
        history.append(((neg_acc, loss), dict(counts)))
    best = min(range(len(history)), key=lambda i: (history[i][0], i))  # the shortest best prefix
    chosen = {k: v for k, v in history[best][1].items() if v}
    n = sum(chosen.values())
    return {k: v / n for k, v in sorted(chosen.items())}


def accuracy(val: Mapping[str, np.ndarray], weights: Mapping[str, float], y: np.ndarray, idx=None) -> float:
    members = list(weights)
    mean = combine([val[m] if idx is None else val[m][idx] for m in members], [weights[m] for m in members])
    truth = np.asarray(y, dtype=int) if idx is None else np.asarray(y, dtype=int)[idx]
    return float(np.mean(mean.argmax(axis=1) == truth))


def crossfit_score(val: Mapping[str, np.ndarray], y: np.ndarray, seed: int) -> float:
    """Validation accuracy of "select an ensemble", scored on examples not used to select it."""
    y = np.asarray(y, dtype=int)
    half_a, half_b = stratified_split(y, 0.5, seed=seed)
    if len(half_a) == 0 or len(half_b) == 0:
        return accuracy(val, select(val, y), y)
    on_a = select({k: v[half_a] for k, v in val.items()}, y[half_a])
    on_b = select({k: v[half_b] for k, v in val.items()}, y[half_b])
    return (accuracy(val, on_a, y, half_b) * len(half_b) + accuracy(val, on_b, y, half_a) * len(half_a)) / len(y)


def build(members: Mapping[str, Mapping[str, Any]], n_classes: int, seed: int) -> dict[str, Any] | None:
    """The ensemble of one cell group from each member's stored arrays, or ``None`` (fewer than 2 usable).

    Returns ``weights``, ``val_score`` (cross-fitted), ``selection_score`` (the maximised one),
    ``test_pred`` and ``test_proba``.
    """
    val, test, truth = {}, {}, None
    for name, arrays in sorted(members.items()):
        v, t = probabilities(arrays, "val", n_classes), probabilities(arrays, "test", n_classes)
        if v is None or t is None or "val_true" not in arrays:
            continue
        if truth is None:
            truth = np.asarray(arrays["val_true"], dtype=int)
        if len(v) != len(truth) or not np.array_equal(np.asarray(arrays["val_true"], dtype=int), truth):
            continue  # another validation split: not comparable
        val[name], test[name] = v, t
    if len(val) < 2:
        return None
    weights = select(val, truth)
    proba = combine([test[m] for m in weights], list(weights.values()))
    return {"weights": weights, "val_score": crossfit_score(val, truth, seed),
            "selection_score": accuracy(val, weights, truth), "test_proba": proba.astype(np.float32),
            "test_pred": proba.argmax(axis=1).astype(np.int16)}
