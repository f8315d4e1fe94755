"""Rule-based solvers for text: keyword rules mined from the training data, and a sentiment lexicon.

Owns the tokenisation the text rules share (lower-cased words, digits and currency signs,
as token presence) and the two solvers. It does not own TF-IDF features (``features``,
the shallow family) or hand-written task rules (``rule.TaskRules``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

import numpy as np

from dlbench.core.solver import Solver
from dlbench.solvers.rule.common import encode_labels, first_match, leaf_table, smoothed

#: Words and numbers, plus currency signs as tokens of their own ("£", "$", "€").
TOKEN_PATTERN = r"[£$€]|\b\w+\b"


def token_matrix(texts, vocabulary=None, max_tokens: int | None = None):
    """``(presence, vocabulary)``: a sparse 0/1 matrix (texts x tokens) and its tokens.

    With ``vocabulary`` the columns are exactly those tokens, in that order; without, the
    vocabulary is learned from ``texts`` (the ``max_tokens`` most frequent, if given).
    """
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(binary=True, token_pattern=TOKEN_PATTERN, max_features=max_tokens,
                                 vocabulary=None if vocabulary is None else list(vocabulary), dtype=np.int32)
    presence = vectorizer.fit_transform(np.asarray(texts, dtype=object))
    return presence, vectorizer.get_feature_names_out()


class KeywordRules(Solver):
    """An ordered list of mined keyword rules: "if the text contains any of k1..kn then class C".

    Owns the mining. For every class but the most frequent (the default), the keywords are
    the tokens found in at least ``min_support`` of its training texts whose smoothed
    precision P(class | token) is at least ``min_precision``, best ``n_keywords`` first.
    Rules are ordered by their precision on the training texts; a text gets the class of the
    first rule it matches (probabilities: the smoothed class distribution of the training
    texts that rule caught), else the default. The keywords are the model: ``rules_`` lists
    ``(class, keywords)`` in order.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array(["win a free prize", "free entry win", "lunch at noon", "see you at lunch", "ok"])
    >>> KeywordRules(min_support=2, min_precision=0.5).fit(X, ["spam", "spam", "ham", "ham", "ham"]).rules_
    [('spam', ('free', 'win'))]
    """

    name = "keyword-rules"
    family = "rule"
    modalities = ("text",)
    description = "Keyword rules mined from the training texts: 'if it contains any of ... then class'."

    def __init__(self, n_keywords: int = 20, min_support: int = 3, min_precision: float = 0.8):
        self.n_keywords = n_keywords
        self.min_support = min_support
        self.min_precision = min_precision

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        hp.Int("n_keywords", 5, 100, sampling="log")
        hp.Int("min_support", 1, 10)
        hp.Float("min_precision", 0.5, 0.99)

    def fit(self, X, y) -> "KeywordRules":
        self._check_modality(X)
        self.classes_, codes, prior = encode_labels(y)
        presence, vocabulary = token_matrix(X)
        onehot = np.eye(len(self.classes_))[codes]
        support = np.asarray((presence.T @ onehot)).T  # (classes, tokens): texts of the class with the token
        precision = smoothed(support.T, prior).T  # P(class | token)
        default = int(np.argmax(np.bincount(codes)))
        rules = []
        for c in range(len(self.classes_)):
            ok = np.flatnonzero((support[c] >= self.min_support) & (precision[c] >= self.min_precision))
            if c == default or not len(ok):
                continue
            best = ok[np.lexsort((vocabulary[ok], -precision[c, ok], -support[c, ok]))][: int(self.n_keywords)]
            hits = np.asarray(presence[:, best].sum(axis=1)).ravel() > 0
            rules.append((float(np.mean(codes[hits] == c)), np.sum(codes == c), c, tuple(vocabulary[best])))
        rules.sort(key=lambda r: (-r[0], r[1], r[2]))  # most precise first, then the rarer class
        self.rules_ = [(str(self.classes_[c]), keywords) for _, _, c, keywords in rules]
        self.table_ = leaf_table(self._leaves(X), codes, len(self.rules_) + 1, prior)
        return self

    def _leaves(self, X) -> np.ndarray:
        keywords = [k for _, words in self.rules_ for k in words]
        presence = token_matrix(X, keywords)[0] if keywords else None
        hits, start = [], 0
        for _, words in self.rules_:
            hits.append(np.asarray(presence[:, start:start + len(words)].sum(axis=1)).ravel() > 0)
            start += len(words)
        return first_match(np.column_stack(hits) if hits else np.zeros((len(X), 0), bool))

    def predict_proba(self, X) -> np.ndarray:
        self._check_modality(X)
        return self.table_[self._leaves(X)]

    def model_size(self):
        return {**super().model_size(), "n_params": sum(len(words) for _, words in self.rules_)}


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


class Vader(Solver):
    """The VADER sentiment lexicon (Hutto & Gilbert 2014) with one learned threshold.

    Owns the mapping from VADER's compound score in [-1, 1] to the task's ``(negative,
    positive)`` labels: ``fit`` learns only the threshold that classifies the training texts
    best (the one nearest 0 among ties); the probability of ``positive`` is
    ``1 / (1 + exp(-10 (compound - threshold_)))``. Applies to tasks that declare
    ``sentiment``; with ``labels=None`` the two training classes, sorted, are taken as
    ``(negative, positive)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array(["I love it, wonderful!", "great fun", "awful, I hate it", "terrible and boring"])
    >>> Vader(labels=("neg", "pos")).fit(X, ["pos", "pos", "neg", "neg"]).predict(np.array(["what a great day"])).tolist()
    ['pos']
    """

    name = "vader"
    family = "rule"
    modalities = ("text",)
    description = "VADER sentiment lexicon: compound score above a learned threshold is positive."
    #: Only two classes (negative, positive); the contract test skips its 3-class cases.
    binary_only: ClassVar[bool] = True

    def __init__(self, labels: tuple[str, str] | None = None):
        self.labels = labels

    @classmethod
    def accepts(cls, task) -> bool:
        return super().accepts(task) and task.sentiment is not None

    @classmethod
    def for_task(cls, task) -> dict:
        return {"labels": tuple(task.sentiment)}

    @staticmethod
    def compound(X) -> np.ndarray:
        analyzer = _analyzer()
        return np.array([analyzer.polarity_scores(str(text))["compound"] for text in X])

    def fit(self, X, y) -> "Vader":
        self._check_modality(X)
        y = np.asarray(y).astype(str)
        seen = sorted(set(y.tolist()))
        if self.labels is None and len(seen) != 2:
            raise ValueError(f"vader tells two classes apart (negative, positive), but y has {len(seen)}: {seen[:5]}")
        negative, positive = (str(label) for label in (self.labels or seen))
        extra = sorted(set(seen) - {negative, positive})
        if extra:
            raise ValueError(f"vader predicts only {negative!r} or {positive!r}, but y also holds {extra[:5]}")
        self.classes_ = np.array(sorted({negative, positive}))
        self.positive_ = positive
        self.threshold_ = self._best_threshold(self.compound(X), y == positive)
        return self

    @staticmethod
    def _best_threshold(scores, is_positive) -> float:
        """The cut (positive above it) with most training texts right; nearest 0 among ties."""
        order = np.argsort(scores, kind="stable")
        s, pos = scores[order], is_positive[order]
        # Cut i puts the i lowest scores on the negative side: i = 0..n.
        right = np.concatenate([[0], np.cumsum(~pos)]) + pos.sum() - np.concatenate([[0], np.cumsum(pos)])
        cuts = np.concatenate([[-1.01], (s[:-1] + s[1:]) / 2, [1.01]])
        valid = np.concatenate([[True], s[:-1] < s[1:], [True]])
        best = np.flatnonzero(valid & (right == right[valid].max()))
        return float(cuts[best[np.argmin(np.abs(cuts[best]))]])

    def predict_proba(self, X) -> np.ndarray:
        self._check_modality(X)
        p_pos = 1.0 / (1.0 + np.exp(-10.0 * (self.compound(X) - self.threshold_)))
        proba = np.column_stack([1.0 - p_pos, p_pos])
        return proba if self.classes_[1] == self.positive_ else proba[:, ::-1]

    def model_size(self):
        return {**super().model_size(), "n_params": 1}
