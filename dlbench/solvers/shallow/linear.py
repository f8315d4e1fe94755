"""Linear and kernel models: logistic regression, a linear SVM and an RBF-kernel SVM.

Owns three solvers and their search spaces.
"""

from __future__ import annotations

from dlbench.solvers.shallow.base import SklearnSolver, stored_values


class _LinearSolver(SklearnSolver):
    """A linear model with inverse regularisation strength ``C``.

    ``width`` is its size axis on tables and images: the model sees ``width`` × as many
    features as the inputs have (:class:`~dlbench.solvers.features.RandomFeatures`; 1: the
    inputs themselves). TF-IDF text has tens of thousands of sparse features already: there
    the width stays 1 and the solver has no size axis.
    """

    size_params = ("width",)

    def __init__(self, C: float = 1.0, max_iter: int = 2000, width: float = 1.0, **kwargs):
        self.C = C
        self.max_iter = max_iter
        self.width = width
        super().__init__(**kwargs)

    @classmethod
    def scales_for(cls, scales, modality):
        return [1.0] if modality == "text" else super().scales_for(scales, modality)

    def _estimator(self, modality, n_samples):
        model = self._linear()
        if self.width == 1 or modality == "text":
            return model
        from sklearn.pipeline import Pipeline

        from dlbench.solvers.features import RandomFeatures

        return Pipeline([("width", RandomFeatures(self.width, self.seed)), ("linear", model)])

    def _linear(self):
        raise NotImplementedError

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        hp.Float("C", 1e-3, 1e3, sampling="log")

    def _count_params(self, model) -> int:
        model = model[-1] if hasattr(model, "steps") else model
        return int(model.coef_.size + model.intercept_.size)


class LogisticRegressionSolver(_LinearSolver):
    """Multinomial logistic regression with L2 penalty on the modality's features."""

    name = "logreg"
    description = "Logistic regression on one-hot/scaled columns, TF-IDF n-grams, pixels or HOG."

    def _linear(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)


class LinearSVM(_LinearSolver):
    """A linear support vector machine (squared hinge loss, one-vs-rest).

    ``predict_proba`` is the softmax of the margins: scores, not calibrated probabilities.
    Calibration (``CalibratedClassifierCV``) would cost several extra fits and needs a few
    examples of every class per fold, which the smallest training subsets do not have.
    """

    name = "linear-svm"
    description = "Linear SVM on one-hot/scaled columns, TF-IDF n-grams, pixels or HOG."

    def _linear(self):
        from sklearn.svm import LinearSVC

        return LinearSVC(C=self.C, max_iter=self.max_iter, random_state=self.seed)


class RBFSVM(SklearnSolver):
    """A kernel SVM with a Gaussian (RBF) kernel; ``gamma="scale"`` is 1 / (features x variance).

    ``predict_proba`` is the softmax of the one-vs-rest decision values: scores, not
    calibrated probabilities (Platt scaling would cost an internal 5-fold fit).
    """

    name = "rbf-svm"
    cost_growth = 1.9  # libsvm's fit: n^1.84 measured on MNIST-1D from 4k to 64k
    cost_rank = 1
    description = "SVM with an RBF kernel on one-hot/scaled columns, TF-IDF n-grams, pixels or HOG."

    def __init__(self, C: float = 1.0, gamma: float | str = "scale", **kwargs):
        self.C = C
        self.gamma = gamma
        super().__init__(**kwargs)

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        hp.Float("C", 1e-2, 1e3, sampling="log")
        hp.Float("gamma", 1e-4, 10.0, sampling="log")

    def _estimator(self, modality, n_samples):
        from sklearn.svm import SVC

        return SVC(C=self.C, gamma=self.gamma, kernel="rbf", random_state=self.seed)

    def _count_params(self, model) -> int:
        return stored_values(model.support_vectors_) + int(model.dual_coef_.size + model.intercept_.size)

