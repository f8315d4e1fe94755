"""Rule-based solvers: hand-designed programs that learn at most a few counts, thresholds or rules.

Owns the rule family for tables and images (the text rules live in ``text_rules``): the
majority baseline, Holte's OneR, a RIPPER rule list, the task's own hand-written rules and
the nearest class template, plus the small helpers they share (label encoding, smoothed
class distributions, first-matching-rule lookup). Heavy libraries are imported inside methods.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

from dlbench.solvers.base import Solver
from dlbench.task import MODALITIES

#: Slots of a OneR feature: 0 = missing value, 1 = "other" (unseen or pooled small bins), 2.. = bins.
_MISSING, _OTHER, _FIRST_BIN = 0, 1, 2


def encode_labels(y):
    """``(classes, codes, prior)``: sorted class names, each label's index, class frequencies."""
    classes, codes, counts = np.unique(np.asarray(y), return_inverse=True, return_counts=True)
    return classes, codes.ravel(), counts / counts.sum()


def as_strings(values):
    """A column of categories as strings (numpy object array), a missing value as ``<missing>``."""
    return values.astype(object).where(values.notna(), "<missing>").astype(str).to_numpy(dtype=object)


def smoothed(counts, prior):
    """Class distributions from class counts, shrunk towards ``prior`` by one pseudo-example.

    The m-estimate with m = 1: a row with data keeps its majority class (ties go to the more
    frequent class overall), an empty row becomes the prior.
    """
    counts = np.asarray(counts, dtype=float)
    return (counts + prior) / (counts.sum(axis=-1, keepdims=True) + 1.0)


def first_match(hits):
    """Index of the first rule that fires per row of ``hits`` (n, R), ``R`` (the default) if none."""
    hits = np.column_stack([np.asarray(hits, dtype=bool).reshape(len(hits), -1), np.ones(len(hits), bool)])
    return hits.argmax(axis=1)


def leaf_table(leaf, codes, n_leaves, prior):
    """Smoothed class distribution of the training examples that reach each leaf of a rule list."""
    counts = np.zeros((n_leaves, len(prior)))
    np.add.at(counts, (leaf, codes), 1)
    return smoothed(counts, prior)


@contextlib.contextmanager
def _quiet():
    """Silence warnings, also those printed through ``warnings.showwarning`` (as wittgenstein does)."""
    with warnings.catch_warnings(record=True):  # record=True routes showwarning into a list
        warnings.simplefilter("ignore")
        yield


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
    modalities = ("tabular", "image", "text")
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
    ``n_bins`` equal intensity bins. Bins holding less than ``min_bin_fraction`` of the
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
    modalities = ("tabular", "image")
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
        from dlbench.task import column_kinds

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

    def fit(self, X, y) -> "OneR":
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
        if self.encoder_[0] == "image":
            codes = self._encode(np.asarray(X).reshape(len(X), -1)[:, self.feature_], self.encoder_)
        else:
            codes = self._encode(X[self.feature_], self.encoder_)
        return self.table_[codes]

    def model_size(self):
        return {**super().model_size(), "n_params": self.n_rules_}


class Ripper(Solver):
    """A learned rule list: Cohen's RIPPER (1995) as implemented by ``wittgenstein``.

    Owns the multi-class decision list around wittgenstein's binary learner, the way JRip
    does it: classes are taken from the rarest to the most frequent; for each class a
    RIPPER rule set separates it from the classes not yet handled, whose examples stay; the
    most frequent class is the default. An example is labelled by the first rule set that
    covers it, with the smoothed class distribution of the training examples that rule set
    caught as its probabilities. Tables are used as they are (wittgenstein bins numeric
    columns itself, ``n_discretize_bins``; a missing categorical value is the value
    ``<missing>``); a text becomes the presence of the ``max_tokens`` most frequent tokens.

    Caps, to keep it fast (wittgenstein is pure pandas): at most ``max_rows`` training
    examples, a stratified subset chosen with ``seed``; more rows than that are not used.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"x": list(range(20))})
    >>> Ripper().fit(X, ["low"] * 10 + ["high"] * 10).predict(pd.DataFrame({"x": [1, 18]})).tolist()
    ['low', 'high']
    """

    name = "ripper"
    family = "rule"
    modalities = ("tabular", "text")
    description = "RIPPER rule list (wittgenstein), one rule set per class from the rarest; at most 2,000 rows."

    def __init__(self, k: int = 2, prune_size: float = 0.33, n_discretize_bins: int = 10,
                 max_rows: int = 2000, max_tokens: int = 200, seed: int = 0):
        self.k = k
        self.prune_size = prune_size
        self.n_discretize_bins = n_discretize_bins
        self.max_rows = max_rows
        self.max_tokens = max_tokens
        self.seed = seed

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        hp.Int("k", 0, 2)
        hp.Float("prune_size", 0.2, 0.5)
        if modality == "tabular":
            hp.Int("n_discretize_bins", 3, 12)
        else:
            hp.Int("max_tokens", 50, 400, step=50)

    def _frame(self, X):
        """The DataFrame wittgenstein sees: string column names, missing categories as a value."""
        import pandas as pd

        if self.vocabulary_ is not None:
            from dlbench.solvers.text_rules import token_matrix

            presence = token_matrix(X, self.vocabulary_)[0].toarray().astype(str)
            return pd.DataFrame(presence, columns=[f"has {t}" for t in self.vocabulary_])
        from dlbench.task import column_kinds

        kinds = column_kinds(X)
        frame = X.reset_index(drop=True).copy()
        for col in frame.columns:
            if kinds[str(col)] == "categorical":
                frame[col] = as_strings(frame[col])
        frame.columns = [str(c) for c in frame.columns]
        return frame

    def _leaves(self, frame) -> np.ndarray:
        hits = [np.asarray(model.predict(frame), dtype=bool) for _, model in self.rule_sets_]
        return first_match(np.column_stack(hits) if hits else np.zeros((len(frame), 0), bool))

    def fit(self, X, y) -> "Ripper":
        import wittgenstein

        from dlbench.splits import take

        y = np.asarray(y)
        if len(y) > self.max_rows:
            from dlbench.splits import nested_order

            keep = np.sort(nested_order(y.astype(str), self.seed)[: self.max_rows])
            X, y = take(X, keep), y[keep]
        self.vocabulary_ = None
        if self._check_modality(X) == "text":
            from dlbench.solvers.text_rules import token_matrix

            self.vocabulary_ = token_matrix(X, max_tokens=self.max_tokens)[1]
        frame = self._frame(X)
        self.classes_, codes, prior = encode_labels(y)
        order = np.lexsort((self.classes_, np.bincount(codes)))  # rarest first, ties by name
        self.rule_sets_, remaining = [], np.ones(len(y), bool)
        with _quiet():  # wittgenstein warns when a class gets no rules
            for c in order[:-1]:
                model = wittgenstein.RIPPER(k=self.k, prune_size=self.prune_size,
                                            n_discretize_bins=self.n_discretize_bins, random_state=self.seed)
                model.fit(frame[remaining].reset_index(drop=True), codes[remaining] == c, pos_class=True)
                self.rule_sets_.append((self.classes_[c], model))
                remaining &= codes != c
            self.table_ = leaf_table(self._leaves(frame), codes, len(self.rule_sets_) + 1, prior)
        return self

    def predict_proba(self, X) -> np.ndarray:
        with _quiet():
            return self.table_[self._leaves(self._frame(X))]

    def model_size(self):
        n_conds = sum(len(rule.conds) for _, model in self.rule_sets_ for rule in model.ruleset_.rules)
        return {**super().model_size(), "n_params": n_conds}


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


class NearestTemplate(Solver):
    """Nearest class template: the mean training image of each class, and the closest one wins.

    Owns the templates (pixels scaled to [0, 1]) and the Euclidean distance to them;
    probabilities are a softmax of the negative distances divided by ``temperature``.
    ``temperature`` changes the probabilities only, never the predicted class, so it is not
    tuned (tuning scores accuracy).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((4, 2, 2, 1), np.uint8); X[2:] = 255
    >>> NearestTemplate().fit(X, ["dark", "dark", "light", "light"]).predict(X[1:3]).tolist()
    ['dark', 'light']
    """

    name = "nearest-template"
    family = "rule"
    modalities = ("image",)
    description = "Mean image per class as its template; predicts the nearest template (Euclidean)."

    def __init__(self, temperature: float = 1.0):
        self.temperature = temperature

    def fit(self, X, y) -> "NearestTemplate":
        self._check_modality(X)
        self.classes_, codes, _ = encode_labels(y)
        pixels = np.asarray(X).reshape(len(X), -1)
        self.templates_ = np.stack([pixels[codes == k].mean(axis=0, dtype=np.float64) / 255.0
                                    for k in range(len(self.classes_))])
        return self

    def predict_proba(self, X) -> np.ndarray:
        self._check_modality(X)
        pixels = np.asarray(X).reshape(len(X), -1)
        sq_templates = (self.templates_ ** 2).sum(axis=1)
        out = []
        for start in range(0, len(pixels), 4096):
            chunk = pixels[start:start + 4096].astype(np.float64) / 255.0
            d2 = (chunk ** 2).sum(axis=1, keepdims=True) - 2 * chunk @ self.templates_.T + sq_templates
            logits = -np.sqrt(np.maximum(d2, 0.0)) / self.temperature
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            out.append(e / e.sum(axis=1, keepdims=True))
        return np.concatenate(out) if out else np.empty((0, len(self.classes_)))

    def model_size(self):
        return {"n_params": int(self.templates_.size), "model_bytes": self.templates_.nbytes}
