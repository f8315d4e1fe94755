"""Instance- and probability-based models: k-nearest neighbours and naive Bayes.

Owns two solvers and their search spaces.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from dlbench.solvers.shallow.base import SklearnSolver, stored_values


def _inverse_distance(distances, power: float):
    return 1.0 / np.maximum(distances, 1e-12) ** power


class KNN(SklearnSolver):
    """k nearest neighbours: Euclidean on tables and images, cosine on TF-IDF text.

    Neighbours vote with weight 1 / distance ** ``weight_power`` (0: one vote each, 1: sklearn's
    ``weights="distance"``). ``n_neighbors`` is clipped to the number of training examples.
    """

    name = "knn"
    cost_growth = 1.0  # prediction: each test example against all n training examples
    description = "k nearest neighbours on scaled/one-hot columns, TF-IDF n-grams (cosine), pixels or HOG."

    def __init__(self, n_neighbors: int = 5, weight_power: float = 0.0, **kwargs):
        self.n_neighbors = n_neighbors
        self.weight_power = weight_power
        super().__init__(**kwargs)

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        hp.Int("n_neighbors", 1, 50, sampling="log")
        hp.Float("weight_power", 0.0, 3.0)

    def _estimator(self, modality, n_samples):
        from sklearn.neighbors import KNeighborsClassifier

        weights = partial(_inverse_distance, power=self.weight_power) if self.weight_power else "uniform"
        return KNeighborsClassifier(n_neighbors=min(self.n_neighbors, n_samples), weights=weights,
                                    metric="cosine" if modality == "text" else "minkowski")

    def _count_params(self, model) -> int:
        return stored_values(model._fit_X)  # the training matrix kNN keeps


class NaiveBayes(SklearnSolver):
    """Gaussian naive Bayes on dense tables and images; complement naive Bayes on TF-IDF text.

    ``var_smoothing`` applies to the Gaussian model, ``alpha`` (additive smoothing) to text.
    """

    name = "naive-bayes"
    description = "Gaussian naive Bayes on columns, pixels or HOG; complement naive Bayes on TF-IDF n-grams."
    dense_features = True

    def __init__(self, var_smoothing: float = 1e-9, alpha: float = 1.0, **kwargs):
        self.var_smoothing = var_smoothing
        self.alpha = alpha
        super().__init__(**kwargs)

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        if modality == "text":
            hp.Float("alpha", 1e-3, 10.0, sampling="log")
        else:
            hp.Float("var_smoothing", 1e-12, 1.0, sampling="log")

    def _estimator(self, modality, n_samples):
        from sklearn.naive_bayes import ComplementNB, GaussianNB

        return ComplementNB(alpha=self.alpha) if modality == "text" else GaussianNB(var_smoothing=self.var_smoothing)

    def _count_params(self, model) -> int:
        stats = ("feature_log_prob_", "class_log_prior_") if hasattr(model, "feature_log_prob_") \
            else ("theta_", "var_", "class_prior_")
        return int(sum(getattr(model, name).size for name in stats))

