"""The nearest class template for images and series: the mean example of each class, matched by distance.

Owns one solver. It learns no weights beyond one template per class.
"""

from __future__ import annotations

import numpy as np

from dlbench.core.solver import Solver
from dlbench.solvers.rule.common import encode_labels


class NearestTemplate(Solver):
    """Nearest class template: the mean training image (or series) of each class, and the closest one wins.

    Owns the templates (pixels scaled to [0, 1]; series as they are) and the Euclidean distance to them;
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
    modalities = ("image", "signal")
    description = "Mean image or series per class as its template; predicts the nearest template (Euclidean)."

    def __init__(self, temperature: float = 1.0):
        self.temperature = temperature

    def fit(self, X, y) -> "NearestTemplate":
        self.scale_ = 255.0 if self._check_modality(X) == "image" else 1.0
        self.classes_, codes, _ = encode_labels(y)
        pixels = np.asarray(X).reshape(len(X), -1)
        self.templates_ = np.stack([pixels[codes == k].mean(axis=0, dtype=np.float64) / self.scale_
                                    for k in range(len(self.classes_))])
        return self

    def predict_proba(self, X) -> np.ndarray:
        self._check_modality(X)
        pixels = np.asarray(X).reshape(len(X), -1)
        sq_templates = (self.templates_ ** 2).sum(axis=1)
        out = []
        for start in range(0, len(pixels), 4096):
            chunk = pixels[start:start + 4096].astype(np.float64) / self.scale_
            d2 = (chunk ** 2).sum(axis=1, keepdims=True) - 2 * chunk @ self.templates_.T + sq_templates
            logits = -np.sqrt(np.maximum(d2, 0.0)) / self.temperature
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            out.append(e / e.sum(axis=1, keepdims=True))
        return np.concatenate(out) if out else np.empty((0, len(self.classes_)))

    def model_size(self):
        return {"n_params": int(self.templates_.size), "model_bytes": self.templates_.nbytes}

