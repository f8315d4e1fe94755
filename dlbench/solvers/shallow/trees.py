"""Tree models: a decision tree, a random forest and XGBoost's gradient-boosted trees.

Owns three solvers and their search spaces; XGBoost is imported inside methods only.
"""

from __future__ import annotations

from pathlib import Path

from dlbench.solvers.shallow.base import SklearnSolver, tree_nodes


class DecisionTree(SklearnSolver):
    """One CART tree, grown until pure or ``max_depth``, then cost-complexity pruned by ``ccp_alpha``.

    ``size`` is its size axis: below 1 the tree is grown again with at most ``size`` × the
    leaves of the tree grown as above (best-first, at least 2). A grown tree is already as
    large as the data lets it be, so a ``size`` above 1 would give the same tree: only the
    scales up to 1 run.
    """

    name = "decision-tree"
    cost_growth = 1.2  # sorting: n log n
    cost_rank = 1
    description = "A decision tree on imputed/one-hot columns, TF-IDF n-grams, pixels or HOG."
    scale_features = False
    default_series_features = "summary"
    size_params = ("size",)

    @classmethod
    def scales_for(cls, scales, modality):
        return [s for s in super().scales_for(scales, modality) if s <= 1]

    def __init__(self, max_depth: int | None = None, min_samples_leaf: int = 1, ccp_alpha: float = 0.0,
                 criterion: str = "gini", size: float = 1.0, **kwargs):
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.ccp_alpha = ccp_alpha
        self.criterion = criterion
        self.size = size
        super().__init__(**kwargs)

    def fit(self, X, y) -> "DecisionTree":
        import numpy as np

        super().fit(X, y)
        if self.size < 1:
            features, model = self.pipeline_.named_steps["features"], self.pipeline_.named_steps["model"]
            model.set_params(max_leaf_nodes=max(2, int(round(model.get_n_leaves() * self.size))))
            model.fit(features.transform(X), np.searchsorted(self.classes_, np.asarray(y)))
        return self

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
        return tree_nodes([model])


class RandomForest(SklearnSolver):
    """Bagged trees, each split choosing among ``max_features`` (a fraction, or ``"sqrt"``) features.

    ``n_estimators`` is the budget Hyperband grows, like epochs.
    """

    name = "random-forest"
    cost_growth = 1.2  # n^1.17 measured on MNIST-1D from 4k to 64k
    cost_rank = 1
    description = "A random forest on imputed/one-hot columns, TF-IDF n-grams, pixels or HOG."
    scale_features = False
    default_series_features = "summary"
    epoch_param = "n_estimators"
    size_params = ("n_estimators",)

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
        return tree_nodes(model.estimators_)


class XGBoost(SklearnSolver):
    """Gradient-boosted trees (XGBoost, ``hist`` method); deterministic for a fixed ``seed``.

    Defaults are XGBoost's own (100 rounds, learning rate 0.3, depth 6). ``n_jobs=-1`` uses
    every core. ``n_estimators`` (boosting rounds) is the budget Hyperband grows, like epochs.
    Tables are given as dense arrays: XGBoost reads a sparse matrix's zeros as missing values,
    which is right for TF-IDF but not for a numeric 0.
    """

    name = "xgboost"
    cost_rank = 1
    description = "Gradient-boosted trees (XGBoost) on imputed/one-hot columns, TF-IDF n-grams, pixels or HOG."
    scale_features = False
    default_series_features = "summary"
    dense_features = True
    epoch_param = "n_estimators"
    size_params = ("n_estimators",)

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

    def save_parts(self, folder):
        """The booster in XGBoost's own JSON format; the feature pipeline goes with the rest."""
        import copy

        from sklearn.pipeline import Pipeline

        self.pipeline_.named_steps["model"].save_model(str(Path(folder) / "xgboost.json"))
        rest, files = super().save_parts(folder)
        rest = copy.copy(rest)
        rest.pipeline_ = Pipeline([*rest.pipeline_.steps[:-1], ("model", "passthrough")])
        return rest, {**files, "xgboost.json": "xgboost-json"}

    def load_parts(self, folder):
        from xgboost import XGBClassifier

        model = XGBClassifier()
        model.load_model(str(Path(folder) / "xgboost.json"))
        self.pipeline_.steps[-1] = ("model", model)
        return super().load_parts(folder)

    def _count_params(self, model) -> int:
        # The text dump has one line per node, splits and leaves alike.
        return sum(len(tree.splitlines()) for tree in model.get_booster().get_dump())

