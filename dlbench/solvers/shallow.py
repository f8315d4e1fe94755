"""Shallow ML solvers: hand-designed features (``features``) plus a learned scikit-learn mapping."""

from __future__ import annotations

import numpy as np

from dlbench.solvers.base import Solver
from dlbench.solvers.features import features_for


class SklearnSolver(Solver):
    """A scikit-learn pipeline: the modality's features, then :meth:`_estimator`.

    Subclasses only say which estimator to fit and how to count its parameters.
    """

    family = "shallow"
    modalities = ("tabular", "image", "text")

    def _estimator(self):
        raise NotImplementedError

    def fit(self, X, y) -> "SklearnSolver":
        from sklearn.pipeline import Pipeline

        modality = self._check_modality(X)
        self.pipeline_ = Pipeline([("features", features_for(modality, X)), ("model", self._estimator())])
        self.pipeline_.fit(X, np.asarray(y))
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.pipeline_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        return self.pipeline_.predict(X)

    def _count_params(self, model) -> int | None:
        return None

    def model_size(self):
        size = super().model_size()
        size["n_params"] = self._count_params(self.pipeline_.named_steps["model"])
        return size


class LogisticRegressionSolver(SklearnSolver):
    """Multinomial logistic regression with L2 penalty on the modality's features."""

    name = "logreg"
    description = "Logistic regression on one-hot/scaled columns, TF-IDF n-grams or pixels."

    def __init__(self, C: float = 1.0, max_iter: int = 2000, seed: int = 0):
        self.C = C
        self.max_iter = max_iter
        self.seed = seed

    def _estimator(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)

    def _count_params(self, model) -> int:
        return int(model.coef_.size + model.intercept_.size)
