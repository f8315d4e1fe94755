"""Rule-based baselines for tables: the majority class, Holte's OneR and the task's own hand-written rules.

Owns three solvers that learn at most a few counts or thresholds. It does not own RIPPER
(``ripper``), image templates (``templates``) or the text rules (``text``).
"""

from __future__ import annotations

import numpy as np

from dlbench.core.solver import Solver
from dlbench.core.task import MODALITIES
from dlbench.solvers.rule.common import as_strings, encode_labels, smoothed

#: Slots of a OneR feature: 0 = missing value, 1 = "other" (unseen or pooled small bins), 2.. = bins.
_MISSING, _OTHER, _FIRST_BIN = 0, 1, 2


class Majority(Solver):
    """Predicts the most frequent training class for every input (the prior baseline).

    Examples
    --------
    >>> import numpy as np
    >>> Majority().fit(np.array(["a b", "c", "d"]), np.array(["ham", "spam", "ham"])).predict(np.array(["x"]))
    array(['ham'], dtype='<U4')
    """

    name = "majority"
    family = "rule"
    modalities = ("tabular", "image", "text", "signal")
    description = "Always predicts the most frequent class of the training data."

    def fit(self, X, y) -> "Majority":
        self._check_modality(X)
        self.classes_, counts = np.unique(np.asarray(y), return_counts=True)
        self.prior_ = counts / counts.sum()
        return self

    def predict_proba(self, X) -> np.ndarray:
        return np.tile(self.prior_, (len(X), 1))

    def model_size(self):
        return {"n_params": len(self.prior_), "model_bytes": self.prior_.nbytes}


class OneR(Solver):
    """Holte's OneR (1993): the best single-feature rule "if feature in bin b then class c".

    Owns the binning and the choice of the feature. Every feature gets one rule mapping each
    of its values or bins to the majority training class there; the feature whose rule is
    most accurate on the training data wins (the first one on ties). Numeric columns are cut
    at ``n_bins`` training quantiles, categorical columns use their values, a missing value is
    a value of its own. For images every pixel (and channel) is a feature, cut into
    ``n_bins`` equal intensity bins. For series the features are simple statistics of each
    channel (mean, spread, minimum, peak, where the peak is, dominant frequency; see
    :func:`dlbench.data.signals.summary_table`), binned like numeric columns. Bins holding less than ``min_bin_fraction`` of the
    training examples are pooled into one "other" bin, which also takes values never seen in
    training (Holte's small-bucket guard against picking an ID-like column).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"noise": [3, 1, 2, 3, 1, 2], "size": [1.0, 1.2, 0.9, 5.0, 5.3, 4.8]})
    >>> OneR(n_bins=2).fit(X, ["small"] * 3 + ["big"] * 3).feature_
    'size'
    """

    name = "one-r"
    family = "rule"
    modalities = ("tabular", "image", "signal")
    description = "Holte's OneR: the single feature whose binned values best predict the class."

    def __init__(self, n_bins: int = 6, min_bin_fraction: float = 0.01):
        self.n_bins = n_bins
        self.min_bin_fraction = min_bin_fraction

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        hp.Int("n_bins", 2, 16)
        hp.Float("min_bin_fraction", 0.0, 0.05)

    # -- encoding: every feature as integer slots (see _MISSING, _OTHER, _FIRST_BIN) --------

    def _fit_encoders(self, X) -> list:
        if self._check_modality(X) == "image":
            return [("image", int(self.n_bins))]
        from dlbench.core.task import column_kinds

        kinds = column_kinds(X)
        encoders = []
        for col in X.columns:
            values = X[col]
            if kinds[str(col)] == "numeric":
                present = values.to_numpy(dtype=float)
                present = present[~np.isnan(present)]
                q = np.linspace(0, 1, int(self.n_bins) + 1)[1:-1]
                edges = np.unique(np.quantile(present, q)) if len(present) else np.empty(0)
                encoders.append(("numeric", edges))
            else:
                encoders.append(("categorical", np.unique(as_strings(values[values.notna()]))))
        return encoders

    @staticmethod
    def _encode(values, encoder) -> np.ndarray:
        """Slot codes of one column (tabular) or of all pixels (image)."""
        kind, spec = encoder
        if kind == "image":  # values: pixels (n, p)
            return (_FIRST_BIN + values.astype(np.int32) * spec // 256).astype(np.uint8 if spec < 250 else np.int32)
        missing = values.isna().to_numpy()
        if kind == "numeric":
            codes = _FIRST_BIN + np.searchsorted(spec, values.to_numpy(dtype=float), side="right")
        else:
            strings = as_strings(values)
            found = np.searchsorted(spec, strings).clip(0, max(len(spec) - 1, 0))
            known = spec[found] == strings if len(spec) else np.zeros(len(values), bool)
            codes = np.where(known, _FIRST_BIN + found, _OTHER)
        return np.where(missing, _MISSING, codes).astype(np.int32)

    def _codes(self, X, encoders) -> np.ndarray:
        if encoders[0][0] == "image":
            return self._encode(np.asarray(X).reshape(len(X), -1), encoders[0])
        return np.column_stack([self._encode(X[col], enc) for col, enc in zip(X.columns, encoders)])

    @staticmethod
    def _count(codes, y_codes, n_slots, n_classes) -> np.ndarray:
        """Class counts per (feature, slot), in feature chunks of about 2M cells."""
        n, n_features = codes.shape
        counts = np.empty((n_features, n_slots, n_classes))
        step = max(1, 2_000_000 // max(n, 1))
        for start in range(0, n_features, step):
            chunk = codes[:, start:start + step].astype(np.int64)
            width = chunk.shape[1]
            idx = ((np.arange(width) * n_slots + chunk) * n_classes + y_codes[:, None]).ravel()
            counts[start:start + width] = np.bincount(idx, minlength=width * n_slots * n_classes).reshape(
                width, n_slots, n_classes
            )
        return counts

    @staticmethod
    def _statistics(X):
        """Series as a table of per-channel summary statistics; other inputs unchanged."""
        if hasattr(X, "columns") or np.asarray(X).ndim != 3:
            return X
        import pandas as pd

        from dlbench.data.signals import summary_names, summary_table

        X = np.asarray(X)
        return pd.DataFrame(summary_table(X), columns=summary_names(X.shape[2]))

    def fit(self, X, y) -> "OneR":
        self._check_modality(X)
        X = self._statistics(X)
        self.classes_, y_codes, prior = encode_labels(y)
        encoders = self._fit_encoders(X)
        codes = self._codes(X, encoders)
        counts = self._count(codes, y_codes, int(codes.max()) + 1, len(self.classes_))
        small = counts.sum(axis=2) < self.min_bin_fraction * len(y_codes)
        small[:, _OTHER] = True
        pooled = (counts * small[..., None]).sum(axis=1)
        correct = (counts * ~small[..., None]).max(axis=2).sum(axis=1) + pooled.max(axis=1)
        best = int(np.argmax(correct))
        rows = np.where(small[best][:, None], pooled[best], counts[best])
        self.table_ = smoothed(rows, prior)
        self.n_rules_ = int((~small[best]).sum() + (pooled[best].sum() > 0))
        if encoders[0][0] == "image":
            self.feature_, self.encoder_ = best, encoders[0]
        else:
            self.feature_, self.encoder_ = X.columns[best], encoders[best]
        return self

    def predict_proba(self, X) -> np.ndarray:
        X = self._statistics(X)
        if self.encoder_[0] == "image":
            codes = self._encode(np.asarray(X).reshape(len(X), -1)[:, self.feature_], self.encoder_)
        else:
            codes = self._encode(X[self.feature_], self.encoder_)
        return self.table_[codes]

    def model_size(self):
        return {**super().model_size(), "n_params": self.n_rules_}


class TaskRules(Solver):
    """Runs the task's own hand-written rules (``Task.rules``); learns nothing but the class names.

    Owns only the adapter: ``rules(X)`` returns one label per input, ``predict_proba`` is its
    one-hot encoding over the training classes. A label the rules return that is not a
    training class is an error, not a silent miss.

    Examples
    --------
    >>> import numpy as np
    >>> solver = TaskRules(rules=lambda X: np.where(X > 0, "pos", "neg")).fit(np.array([-1, 1]), ["neg", "pos"])
    >>> solver.predict(np.array([3, -2])).tolist()
    ['pos', 'neg']
    """

    name = "task-rules"
    family = "rule"
    modalities = MODALITIES
    description = "The task's own hand-written rules (only for tasks that ship rules)."

    def __init__(self, rules=None):
        self.rules = rules

    @classmethod
    def accepts(cls, task) -> bool:
        return super().accepts(task) and callable(getattr(task, "rules", None))

    @classmethod
    def for_task(cls, task) -> dict:
        return {"rules": task.rules}

    def fit(self, X, y) -> "TaskRules":
        if not callable(self.rules):
            raise ValueError("task-rules needs rules=<callable X -> labels>: the task defines no hand-written rules")
        self.classes_ = np.unique(np.asarray(y).astype(str))
        return self

    def predict_proba(self, X) -> np.ndarray:
        labels = np.asarray(self.rules(X)).astype(str)
        index = np.searchsorted(self.classes_, labels).clip(0, len(self.classes_) - 1)
        unknown = self.classes_[index] != labels
        if unknown.any():
            raise ValueError(f"the task's rules returned labels {sorted(set(labels[unknown]))[:5]} "
                             f"that are not training classes {list(self.classes_)}")
        return np.eye(len(self.classes_))[index]

    def model_size(self):
        return {**super().model_size(), "n_params": 0}

