"""Shallow ML solvers: hand-designed features (``features``) plus a learned scikit-learn mapping.

Every solver here is a :class:`SklearnSolver`: it shares the feature parameters, label
encoding, probability scores and the feature part of the search space, and says only which
estimator to fit, what to tune and how to count the fitted estimator's parameters:

=============  =====================================================================
model          ``n_params``
=============  =====================================================================
linear         coefficients + intercepts
tree, forest   tree nodes (summed over the trees of a forest or of XGBoost)
RBF SVM        stored support-vector values + dual coefficients + intercepts
kNN            stored training values
naive Bayes    per-class statistics of each feature + class priors
=============  =====================================================================

Stored values are rows x features, or the non-zeros of a sparse (TF-IDF) matrix.
scikit-learn, XGBoost and scikit-image are imported inside methods only: ``dlbench list``
imports this module.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

import numpy as np

from dlbench.solvers.base import Solver
from dlbench.solvers.features import IMAGE_FEATURES, features_for


class SklearnSolver(Solver):
    """A scikit-learn pipeline: the modality's features, then :meth:`_estimator`.

    Owns the feature parameters every shallow solver takes (``features`` for images;
    ``word_ngrams``, ``char_ngrams``, ``vocabulary_size`` for text, see
    :func:`~dlbench.solvers.features.features_for`) and ``seed``. Labels are encoded as
    ``0..K-1`` before fitting, so ``predict_proba`` columns follow ``classes_`` for every
    estimator. Estimators without ``predict_proba`` (the SVMs) return the softmax of their
    decision function: scores whose argmax is the prediction, not calibrated probabilities.
    Subclasses add their own parameters (passing the rest on with ``**kwargs``) and define
    :meth:`_estimator`, :meth:`_count_params` and, calling ``super()``, :meth:`search_space`.
    """

    family = "shallow"
    modalities = ("tabular", "image", "text")
    #: Standardise numeric columns (tree models do not need it).
    scale_features: ClassVar[bool] = True
    #: Tabular features as a dense array, never sparse (for learners that need it).
    dense_features: ClassVar[bool] = False

    def __init__(self, features: str = "pixels", word_ngrams: int = 2, char_ngrams: int = 5,
                 vocabulary_size: int = 50000, seed: int = 0):
        self.features = features
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.vocabulary_size = vocabulary_size
        self.seed = seed

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        """The feature choices; subclasses add their learner's after calling ``super()``."""
        if modality == "image":
            hp.Choice("features", list(IMAGE_FEATURES))
        elif modality == "text":
            hp.Choice("word_ngrams", [1, 2, 3])
            hp.Choice("char_ngrams", [0, 3, 5])

    def _estimator(self, modality: str, n_samples: int):
        """The unfitted scikit-learn estimator for ``n_samples`` training examples of ``modality``."""
        raise NotImplementedError

    def _count_params(self, model) -> int | None:
        return None

    def fit(self, X, y) -> "SklearnSolver":
        from sklearn.pipeline import Pipeline

        modality = self._check_modality(X)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        features = features_for(
            modality, X, scale=self.scale_features, dense=self.dense_features, features=self.features,
            word_ngrams=self.word_ngrams, char_ngrams=self.char_ngrams, vocabulary_size=self.vocabulary_size,
        )
        self.pipeline_ = Pipeline([("features", features), ("model", self._estimator(modality, len(codes)))])
        self.pipeline_.fit(X, codes)
        return self

    def predict_proba(self, X) -> np.ndarray:
        if hasattr(self.pipeline_, "predict_proba"):
            return self.pipeline_.predict_proba(X)
        from scipy.special import softmax

        scores = self.pipeline_.decision_function(X)
        if scores.ndim == 1:  # two classes: one margin, positive for classes_[1]
            scores = np.column_stack([np.zeros_like(scores), scores])
        return softmax(scores, axis=1)

    def model_size(self):
        size = super().model_size()
        size["n_params"] = self._count_params(self.pipeline_.named_steps["model"])
        return size


def _tree_nodes(trees) -> int:
    return int(sum(tree.tree_.node_count for tree in trees))


def _stored_values(matrix) -> int:
    """Rows x columns of a dense matrix, the non-zeros of a sparse one."""
    return int(matrix.nnz if hasattr(matrix, "nnz") else np.prod(matrix.shape))


class _LinearSolver(SklearnSolver):
    """A linear model with inverse regularisation strength ``C``."""

    def __init__(self, C: float = 1.0, max_iter: int = 2000, **kwargs):
        self.C = C
        self.max_iter = max_iter
        super().__init__(**kwargs)

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        hp.Float("C", 1e-3, 1e3, sampling="log")

    def _count_params(self, model) -> int:
        return int(model.coef_.size + model.intercept_.size)


class LogisticRegressionSolver(_LinearSolver):
    """Multinomial logistic regression with L2 penalty on the modality's features."""

    name = "logreg"
    description = "Logistic regression on one-hot/scaled columns, TF-IDF n-grams, pixels or HOG."

    def _estimator(self, modality, n_samples):
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

    def _estimator(self, modality, n_samples):
        from sklearn.svm import LinearSVC

        return LinearSVC(C=self.C, max_iter=self.max_iter, random_state=self.seed)


class RBFSVM(SklearnSolver):
    """A kernel SVM with a Gaussian (RBF) kernel; ``gamma="scale"`` is 1 / (features x variance).

    ``predict_proba`` is the softmax of the one-vs-rest decision values: scores, not
    calibrated probabilities (Platt scaling would cost an internal 5-fold fit).
    """

    name = "rbf-svm"
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
        return _stored_values(model.support_vectors_) + int(model.dual_coef_.size + model.intercept_.size)


class DecisionTree(SklearnSolver):
    """One CART tree, grown until pure or ``max_depth``, then cost-complexity pruned by ``ccp_alpha``."""

    name = "decision-tree"
    description = "A decision tree on imputed/one-hot columns, TF-IDF n-grams, pixels or HOG."
    scale_features = False

    def __init__(self, max_depth: int | None = None, min_samples_leaf: int = 1, ccp_alpha: float = 0.0,
                 criterion: str = "gini", **kwargs):
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.ccp_alpha = ccp_alpha
        self.criterion = criterion
        super().__init__(**kwargs)

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        hp.Float("ccp_alpha", 1e-5, 1e-1, sampling="log")
        hp.Int("min_samples_leaf", 1, 32, sampling="log")
        hp.Choice("criterion", ["gini", "entropy"])

    def _estimator(self, modality, n_samples):
        from sklearn.tree import DecisionTreeClassifier

        return DecisionTreeClassifier(max_depth=self.max_depth, min_samples_leaf=self.min_samples_leaf,
                                      ccp_alpha=self.ccp_alpha, criterion=self.criterion, random_state=self.seed)

    def _count_params(self, model) -> int:
        return _tree_nodes([model])


class RandomForest(SklearnSolver):
    """Bagged trees, each split choosing among ``max_features`` (a fraction, or ``"sqrt"``) features.

    ``n_estimators`` is the budget Hyperband grows, like epochs.
    """

    name = "random-forest"
    description = "A random forest on imputed/one-hot columns, TF-IDF n-grams, pixels or HOG."
    scale_features = False
    epoch_param = "n_estimators"

    def __init__(self, n_estimators: int = 100, max_features: float | str = "sqrt", min_samples_leaf: int = 1,
                 n_jobs: int = -1, **kwargs):
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.n_jobs = n_jobs
        super().__init__(**kwargs)

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        # Text has ~10^5 sparse features: a small fraction already means hundreds per split.
        low, high = (1e-3, 0.1) if modality == "text" else (0.05, 1.0)
        hp.Float("max_features", low, high, sampling="log")
        hp.Int("min_samples_leaf", 1, 16, sampling="log")

    def _estimator(self, modality, n_samples):
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(n_estimators=self.n_estimators, max_features=self.max_features,
                                      min_samples_leaf=self.min_samples_leaf, n_jobs=self.n_jobs,
                                      random_state=self.seed)

    def _count_params(self, model) -> int:
        return _tree_nodes(model.estimators_)


def _inverse_distance(distances, power: float):
    return 1.0 / np.maximum(distances, 1e-12) ** power


class KNN(SklearnSolver):
    """k nearest neighbours: Euclidean on tables and images, cosine on TF-IDF text.

    Neighbours vote with weight 1 / distance ** ``weight_power`` (0: one vote each, 1: sklearn's
    ``weights="distance"``). ``n_neighbors`` is clipped to the number of training examples.
    """

    name = "knn"
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
        return _stored_values(model._fit_X)  # the training matrix kNN keeps


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


class XGBoost(SklearnSolver):
    """Gradient-boosted trees (XGBoost, ``hist`` method); deterministic for a fixed ``seed``.

    Defaults are XGBoost's own (100 rounds, learning rate 0.3, depth 6). ``n_jobs=-1`` uses
    every core. ``n_estimators`` (boosting rounds) is the budget Hyperband grows, like epochs.
    Tables are given as dense arrays: XGBoost reads a sparse matrix's zeros as missing values,
    which is right for TF-IDF but not for a numeric 0.
    """

    name = "xgboost"
    description = "Gradient-boosted trees (XGBoost) on imputed/one-hot columns, TF-IDF n-grams, pixels or HOG."
    scale_features = False
    dense_features = True
    epoch_param = "n_estimators"

    def __init__(self, n_estimators: int = 100, learning_rate: float = 0.3, max_depth: int = 6,
                 subsample: float = 1.0, colsample_bytree: float = 1.0, reg_lambda: float = 1.0,
                 n_jobs: int = -1, **kwargs):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.n_jobs = n_jobs
        super().__init__(**kwargs)

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        hp.Float("learning_rate", 0.01, 0.5, sampling="log")
        hp.Int("max_depth", 2, 10)
        hp.Float("subsample", 0.5, 1.0)
        hp.Float("colsample_bytree", 0.3, 1.0)
        hp.Float("reg_lambda", 1e-3, 10.0, sampling="log")

    def _estimator(self, modality, n_samples):
        from xgboost import XGBClassifier

        return XGBClassifier(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate, max_depth=self.max_depth,
            subsample=self.subsample, colsample_bytree=self.colsample_bytree, reg_lambda=self.reg_lambda,
            tree_method="hist", n_jobs=self.n_jobs, random_state=self.seed, verbosity=0,
        )

    def _count_params(self, model) -> int:
        # The text dump has one line per node, splits and leaves alike.
        return sum(len(tree.splitlines()) for tree in model.get_booster().get_dump())
