"""A learned rule list (RIPPER, through ``wittgenstein``) for tables and texts.

Owns the one-vs-rest rule lists and their first-match lookup. It does not own the text
tokenisation (``text.token_matrix``).
"""

from __future__ import annotations

import numpy as np

from dlbench.core.solver import Solver
from dlbench.solvers.rule.common import (
    as_strings,
    encode_labels,
    first_match,
    leaf_table,
    quiet,
)


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
    cost_growth = 1.5  # RIPPER grows and prunes rules over all examples: n log^2 n
    cost_rank = 1
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
        """The DataFrame wittgenstein sees: string column names, missing categories as a value.

        Categories are of ``object`` dtype, not pandas' string dtype: pandas keeps every string
        column in a block of its own, and wittgenstein filters the whole frame once per candidate
        condition, so a text's hundreds of token columns made each fit hundreds of times slower.
        """
        import pandas as pd

        if self.vocabulary_ is not None:
            from dlbench.solvers.rule.text import token_matrix

            presence = token_matrix(X, self.vocabulary_)[0].toarray().astype(str)
            return pd.DataFrame(presence, columns=[f"has {t}" for t in self.vocabulary_], dtype=object)
        from dlbench.core.task import column_kinds

        kinds = column_kinds(X)
        frame = X.reset_index(drop=True).copy()
        categorical = [col for col in frame.columns if kinds[str(col)] == "categorical"]
        for col in categorical:
            frame[col] = as_strings(frame[col])
        frame.columns = [str(c) for c in frame.columns]
        return frame.astype({str(col): object for col in categorical})

    def _leaves(self, frame) -> np.ndarray:
        hits = [np.asarray(model.predict(frame), dtype=bool) for _, model in self.rule_sets_]
        return first_match(np.column_stack(hits) if hits else np.zeros((len(frame), 0), bool))

    def fit(self, X, y) -> "Ripper":
        import wittgenstein

        from dlbench.data.splits import take

        y = np.asarray(y)
        if len(y) > self.max_rows:
            from dlbench.data.splits import nested_order

            keep = np.sort(nested_order(y.astype(str), self.seed)[: self.max_rows])
            X, y = take(X, keep), y[keep]
        self.vocabulary_ = None
        if self._check_modality(X) == "text":
            from dlbench.solvers.rule.text import token_matrix

            self.vocabulary_ = token_matrix(X, max_tokens=self.max_tokens)[1]
        frame = self._frame(X)
        self.classes_, codes, prior = encode_labels(y)
        order = np.lexsort((self.classes_, np.bincount(codes)))  # rarest first, ties by name
        self.rule_sets_, remaining = [], np.ones(len(y), bool)
        with quiet():  # wittgenstein warns when a class gets no rules
            for c in order[:-1]:
                model = wittgenstein.RIPPER(k=self.k, prune_size=self.prune_size,
                                            n_discretize_bins=self.n_discretize_bins, random_state=self.seed)
                model.fit(frame[remaining].reset_index(drop=True), codes[remaining] == c, pos_class=True)
                self.rule_sets_.append((self.classes_[c], model))
                remaining &= codes != c
            self.table_ = leaf_table(self._leaves(frame), codes, len(self.rule_sets_) + 1, prior)
        return self

    def predict_proba(self, X) -> np.ndarray:
        with quiet():
            return self.table_[self._leaves(self._frame(X))]

    def model_size(self):
        n_conds = sum(len(rule.conds) for _, model in self.rule_sets_ for rule in model.ruleset_.rules)
        return {**super().model_size(), "n_params": n_conds}

