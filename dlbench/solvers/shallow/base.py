"""The shared scikit-learn wrapper of the shallow family: features by modality, then an estimator.

Owns :class:`SklearnSolver` (the feature pipeline from ``solvers.features``, fitting,
probabilities, the size report) and the counting helpers for model sizes. It does not own
any particular estimator: those are the sibling modules.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from dlbench.core.solver import Solver
from dlbench.solvers.features import IMAGE_FEATURES, features_for


class SklearnSolver(Solver):
    """A scikit-learn pipeline: the modality's features, then :meth:`_estimator`.

    Owns the feature parameters every shallow solver takes (``features`` for images;
    ``word_ngrams``, ``char_ngrams``, ``vocabulary_size`` for text; ``series_features`` for series:
    ``raw`` values, ``summary`` statistics or ``minirocket`` features, ``auto`` being the class's
    :attr:`default_series_features`; see :func:`~dlbench.solvers.features.features_for`) and ``seed``. Labels are encoded as
    ``0..K-1`` before fitting, so ``predict_proba`` columns follow ``classes_`` for every
    estimator. Estimators without ``predict_proba`` (the SVMs) return the softmax of their
    decision function: scores whose argmax is the prediction, not calibrated probabilities.
    Subclasses add their own parameters (passing the rest on with ``**kwargs``) and define
    :meth:`_estimator`, :meth:`_count_params` and, calling ``super()``, :meth:`search_space`.
    """

    family = "shallow"
    modalities = ("tabular", "image", "text", "signal")
    #: The series features of ``series_features="auto"``: raw values for distance and linear
    #: models, summary statistics for trees (a split on one time step means little).
    default_series_features: ClassVar[str] = "raw"
    #: Standardise numeric columns (tree models do not need it).
    scale_features: ClassVar[bool] = True
    #: Tabular features as a dense array, never sparse (for learners that need it).
    dense_features: ClassVar[bool] = False
    modality_params = {"features": ("image",), "word_ngrams": ("text",), "char_ngrams": ("text",),
                       "vocabulary_size": ("text",), "series_features": ("signal",)}

    def __init__(self, features: str = "pixels", word_ngrams: int = 2, char_ngrams: int = 5,
                 vocabulary_size: int = 50000, series_features: str = "auto", seed: int = 0):
        self.features = features
        self.series_features = series_features
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
        elif modality == "signal":
            hp.Choice("series_features", ["raw", "summary"])

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
            series_features=self.default_series_features if self.series_features == "auto" else self.series_features,
            seed=self.seed,
        )
        self.pipeline_ = Pipeline([("features", features), ("model", self._estimator(modality, len(codes)))])
        self.pipeline_.fit(X, codes)
        return self

    VOCABULARY_FILE: ClassVar[str] = "vocabulary.json"

    def save_parts(self, folder):
        """Text vocabularies as one JSON file: skops would write each of their terms as an object
        of its own (tens of MB and seconds per model); the rest goes to skops."""
        import copy
        import json
        import os

        from sklearn.pipeline import Pipeline

        features = self.pipeline_.named_steps["features"]
        parts = dict(getattr(features, "transformer_list", []))
        vocabularies = {name: t.vocabulary_ for name, t in parts.items() if hasattr(t, "vocabulary_")}
        if not vocabularies:
            return self, {}
        with open(os.path.join(folder, self.VOCABULARY_FILE), "w", encoding="utf-8") as fh:
            json.dump({name: {term: int(i) for term, i in v.items()} for name, v in vocabularies.items()}, fh)
        stripped = []
        for name, transformer in features.transformer_list:
            if name in vocabularies:
                transformer = copy.copy(transformer)
                del transformer.vocabulary_
            stripped.append((name, transformer))
        rest, rest_features = copy.copy(self), copy.copy(features)
        rest_features.transformer_list = stripped
        rest.pipeline_ = Pipeline([("features", rest_features), *self.pipeline_.steps[1:]])
        return rest, {self.VOCABULARY_FILE: "json"}

    def load_parts(self, folder):
        import json
        import os

        path = os.path.join(folder, self.VOCABULARY_FILE)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                vocabularies = json.load(fh)
            for name, transformer in self.pipeline_.named_steps["features"].transformer_list:
                if name in vocabularies:
                    transformer.vocabulary_ = vocabularies[name]
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


def tree_nodes(trees) -> int:
    return int(sum(tree.tree_.node_count for tree in trees))


def stored_values(matrix) -> int:
    """Rows x columns of a dense matrix, the non-zeros of a sparse one."""
    return int(matrix.nnz if hasattr(matrix, "nnz") else np.prod(matrix.shape))

