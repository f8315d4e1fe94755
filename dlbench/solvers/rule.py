"""Rule-based solvers: hand-designed programs that learn at most a few counts or thresholds."""

from __future__ import annotations

import numpy as np

from dlbench.solvers.base import Solver


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
