"""Seeded stratified splits: the fixed test split of a task and nested training subsets.

Pure numpy, so a split depends only on the labels and the seed, never on a library version.
"""

from __future__ import annotations

import numpy as np

#: The seed of every task's held-out split: it never changes between runs.
TEST_SPLIT_SEED = 20240607


def _class_orders(y: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {label: rng.permutation(np.flatnonzero(y == label)) for label in np.unique(y)}


def stratified_split(y, test_fraction: float = 0.25, seed: int = TEST_SPLIT_SEED):
    """Indices ``(train, test)`` with each class split in the same proportion.

    A class with at least two examples keeps at least one on each side.
    """
    y = np.asarray(y).astype(str)
    rng = np.random.default_rng(seed)
    train, test = [], []
    for idx in _class_orders(y, rng).values():
        n_test = int(round(test_fraction * len(idx)))
        if len(idx) >= 2:
            n_test = min(max(n_test, 1), len(idx) - 1)
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def nested_order(y, seed: int) -> np.ndarray:
    """A permutation of ``range(len(y))`` whose every prefix is as stratified as possible.

    The first ``n`` indices form the size-``n`` training subset, so for one seed a smaller
    subset is always inside a larger one. Classes are interleaved in proportion to their
    frequency, and the first ``n_classes`` indices hold one example of every class.
    """
    y = np.asarray(y).astype(str)
    rng = np.random.default_rng(seed)
    orders = _class_orders(y, rng)
    # Position of each example within its class, scaled to [0, 1): sorting by it interleaves
    # classes proportionally; a random tie-break keeps the class order unbiased.
    keys = np.empty(len(y))
    for idx in orders.values():
        keys[idx] = np.arange(len(idx)) / len(idx)
    firsts = np.array([idx[0] for idx in orders.values()])
    keys[firsts] = -1.0
    return np.lexsort((rng.random(len(y)), keys))


def take(X, idx):
    """Rows ``idx`` of a DataFrame or array."""
    if hasattr(X, "iloc"):
        return X.iloc[idx].reset_index(drop=True)
    return X[idx]
