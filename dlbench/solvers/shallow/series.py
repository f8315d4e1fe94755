"""Shallow solvers made for series: MiniRocket-style features with a linear classifier, and 1-NN DTW.

Owns two solvers. The features and the distance are :mod:`dlbench.solvers.series`'s; the other
shallow solvers take series too (raw values or summary statistics, ``series_features``).
"""

from __future__ import annotations

import numpy as np

from dlbench.core.errors import SolverUnavailable
from dlbench.core.solver import Solver
from dlbench.solvers.shallow.base import SklearnSolver


class MiniRocket(SklearnSolver):
    """MiniRocket-style random convolutional features, standardised, then a ridge classifier.

    As in Dempster et al. (2021): about ``n_features`` PPV features
    (:class:`~dlbench.solvers.series.MiniRocketFeatures`) and a ridge classifier whose penalty
    is chosen by leave-one-out cross-validation among 10 values from 1e-3 to 1e3 (the paper's
    choice up to about 10,000 examples); above ``ridge_max_examples`` a logistic regression fitted
    by SGD takes its place, as the paper recommends for large data. ``predict_proba`` is the
    softmax of the ridge scores: scores whose argmax is the prediction, not calibrated
    probabilities. ``n_features`` is the size axis.
    """

    name = "minirocket"
    modalities = ("signal",)
    cost_rank = 1
    size_params = ("n_features",)
    description = "MiniRocket-style random convolution features (about 10,000) + ridge classifier (Dempster 2021)."

    def __init__(self, n_features: int = 10000, ridge_max_examples: int = 10000, **kwargs):
        self.n_features = n_features
        self.ridge_max_examples = ridge_max_examples
        super().__init__(**kwargs)

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        hp.Choice("n_features", [2500, 5000, 10000])

    def fit(self, X, y) -> "MiniRocket":
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        from dlbench.solvers.series import MiniRocketFeatures

        self._check_modality(X)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        features = Pipeline([("minirocket", MiniRocketFeatures(self.n_features, self.seed)),
                             ("scale", StandardScaler())])
        self.pipeline_ = Pipeline([("features", features), ("model", self._estimator("signal", len(codes)))])
        self.pipeline_.fit(np.asarray(X, dtype=np.float32), codes)
        return self

    def _estimator(self, modality, n_samples):
        if n_samples <= self.ridge_max_examples:
            from sklearn.linear_model import RidgeClassifierCV

            return RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(loss="log_loss", alpha=1e-4, random_state=self.seed)

    def predict_proba(self, X) -> np.ndarray:
        return super().predict_proba(np.asarray(X, dtype=np.float32))

    def _count_params(self, model) -> int:
        return int(model.coef_.size + np.size(model.intercept_))


class DTW1NN(Solver):
    """1-nearest-neighbour with dynamic time warping, the UCR archive's classic baseline.

    Dependent multichannel DTW (:func:`~dlbench.solvers.series.dtw_distances`) with a Sakoe-Chiba
    band of ``window`` times the length (1: none, as aeon's default and the archive's "DTW full
    window" column). Its cost grows with the training-set size times the length squared for
    every predicted series, so ``fit`` predicts it: when predicting one series would take more
    than ``max_cells`` DTW matrix cells (about a second each 4e7 here), ``fit`` raises
    :class:`~dlbench.core.errors.SolverUnavailable` and the cell is skipped with that reason,
    never started (80,000 training series of 40 steps: 1.3e8 cells per series). Probabilities are
    a softmax over the negative distance to each class's nearest series, scaled by their median:
    the argmax is the nearest neighbour's class.
    """

    name = "dtw-1nn"
    cost_growth = 2.0  # tuning compares validation series with the training ones (quadratic in n), then n x the test set
    family = "shallow"
    modalities = ("signal",)
    cost_rank = 1
    description = "1-nearest neighbour with DTW (full window by default); skipped when its predicted cost is too high."

    def __init__(self, window: float = 1.0, max_cells: float = 5e7):
        self.window = window
        self.max_cells = max_cells

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        hp.Choice("window", [0.05, 0.1, 0.2, 1.0])

    def fit(self, X, y) -> "DTW1NN":
        from dlbench.solvers.series import dtw_cells

        self._check_modality(X)
        X = np.asarray(X, dtype=np.float32)
        cells = dtw_cells(len(X), X.shape[1], self.window)
        if cells > self.max_cells:
            raise SolverUnavailable(
                f"1-NN DTW would compute {cells:.2g} DTW cells per predicted series ({len(X):,} training series x "
                f"{X.shape[1]} steps x a band of {cells // max(len(X) * X.shape[1], 1)}), over its cap of "
                f"{self.max_cells:.2g}: skipped, not started (a smaller training size or window fits)")
        self.classes_, self.codes_ = np.unique(np.asarray(y), return_inverse=True)
        self.X_ = X
        return self

    def predict_proba(self, X) -> np.ndarray:
        from dlbench.solvers.series import dtw_distances

        X = np.asarray(X, dtype=np.float32)
        distances = dtw_distances(X, self.X_, self.window)
        per_class = np.stack([distances[:, self.codes_ == k].min(axis=1) for k in range(len(self.classes_))], axis=1)
        scale = float(np.median(per_class)) or 1.0
        logits = -per_class / scale
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def model_size(self):
        return {"n_params": int(self.X_.size), "model_bytes": int(self.X_.nbytes)}
