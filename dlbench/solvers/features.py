"""Hand-designed features for the shallow family, one recipe per modality.

Owns the unfitted scikit-learn transformers behind one entry point, :func:`features_for`:
one-hot/impute/scale for tables, TF-IDF word and character n-grams for text, raw pixels or
HOG descriptors for images, raw values, summary statistics or MiniRocket-style features for
series (:mod:`dlbench.solvers.series`). It does not own the learners put after them (``shallow``).
"""

from __future__ import annotations

import numpy as np

from dlbench.core.task import column_kinds

#: Image feature kinds, the values of the shallow solvers' ``features`` parameter.
IMAGE_FEATURES = ("pixels", "hog")


def category_strings(X):
    """Categorical values as strings, missing ones as ``<missing>``."""
    return X.astype(object).where(X.notna(), "<missing>").astype(str)


#: Magnitudes beyond this are clipped: standardising 1e300 would overflow to infinity.
NUMERIC_LIMIT = 1e100


def finite_numbers(X) -> np.ndarray:
    """Numeric columns as floats: infinities become missing values, huge magnitudes are clipped."""
    values = np.asarray(X, dtype=np.float64)
    values = np.where(np.isinf(values), np.nan, values)
    return np.clip(values, -NUMERIC_LIMIT, NUMERIC_LIMIT)


def tabular_features(X, scale: bool = True, dense: bool = False):
    """Median-imputed (and, with ``scale``, standardised) numbers plus one-hot categories.

    The output is sparse when mostly zeros, unless ``dense`` (for learners that need arrays).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    kinds = column_kinds(X)
    numeric = [c for c in X.columns if kinds[str(c)] == "numeric"]
    categorical = [c for c in X.columns if kinds[str(c)] == "categorical"]
    numeric_steps = [FunctionTransformer(finite_numbers), SimpleImputer(strategy="median", keep_empty_features=True)]
    if scale:
        numeric_steps.append(StandardScaler())
    return ColumnTransformer(
        [
            ("numeric", make_pipeline(*numeric_steps), numeric),
            (
                "categorical",
                make_pipeline(
                    FunctionTransformer(category_strings),
                    OneHotEncoder(handle_unknown="ignore", min_frequency=2),
                ),
                categorical,
            ),
        ],
        sparse_threshold=0.0 if dense else 0.3,
    )


def text_features(word_ngrams: int = 2, char_ngrams: int = 5, vocabulary_size: int = 50000):
    """TF-IDF of word 1..``word_ngrams``-grams and of character 2..``char_ngrams``-grams.

    ``char_ngrams=0`` leaves the character n-grams out; ``vocabulary_size`` caps each vocabulary
    at its most frequent terms. The output is a sparse matrix.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    if word_ngrams < 1 or char_ngrams == 1 or char_ngrams < 0:
        raise ValueError(f"need word_ngrams >= 1 and char_ngrams 0 or >= 2, got {word_ngrams}, {char_ngrams}")
    parts = [("words", TfidfVectorizer(ngram_range=(1, word_ngrams), sublinear_tf=True, max_features=vocabulary_size))]
    if char_ngrams:
        parts.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, char_ngrams), sublinear_tf=True,
                                               max_features=vocabulary_size)))
    return FeatureUnion(parts)


def flatten_pixels(X) -> np.ndarray:
    """``(N, H, W, C)`` uint8 images as ``(N, H*W*C)`` floats in [0, 1]."""
    return np.asarray(X, dtype=np.float32).reshape(len(X), -1) / 255.0


def hog_features(X) -> np.ndarray:
    """Histograms of oriented gradients of ``(N, H, W, C)`` images, grey or colour, as ``(N, D)``.

    Each image is cut into about 4 x 4 cells (at least 2 pixels a side, so 8 x 8 digits get
    2-pixel cells), 9 orientations per cell, normalised over blocks of 2 x 2 cells. For colour
    images each pixel's gradient is taken from the channel where it is strongest.
    """
    from skimage.feature import hog

    X = np.asarray(X)
    _, height, width, channels = X.shape
    cell = (max(2, height // 4), max(2, width // 4))
    block = (max(1, min(2, height // cell[0])), max(1, min(2, width // cell[1])))
    images = X[..., 0] if channels == 1 else X
    channel_axis = None if channels == 1 else -1
    return np.stack([
        hog(image, orientations=9, pixels_per_cell=cell, cells_per_block=block, channel_axis=channel_axis)
        for image in images
    ]).astype(np.float32)


def image_features(features: str = "pixels"):
    """``pixels``: raw pixels scaled to [0, 1]; ``hog``: :func:`hog_features`."""
    from sklearn.preprocessing import FunctionTransformer

    if features not in IMAGE_FEATURES:
        raise ValueError(f"features must be one of {IMAGE_FEATURES}, got {features!r}")
    return FunctionTransformer(flatten_pixels if features == "pixels" else hog_features)


def features_for(modality: str, X, *, scale: bool = True, dense: bool = False, features: str = "pixels",
                 word_ngrams: int = 2, char_ngrams: int = 5, vocabulary_size: int = 50000,
                 series_features: str = "raw", seed: int = 0):
    """The unfitted feature transformer for ``modality``; options of other modalities are ignored.

    ``X`` gives a table its column types. Tables: ``scale`` standardises the numeric columns,
    ``dense`` forbids sparse output. Text: ``word_ngrams``, ``char_ngrams`` and
    ``vocabulary_size`` (see :func:`text_features`). Images: ``features`` is ``pixels`` or ``hog``.
    Series: ``series_features`` is ``raw``, ``summary`` or ``minirocket``, standardised with ``scale``.
    """
    if modality == "tabular":
        return tabular_features(X, scale=scale, dense=dense)
    if modality == "text":
        return text_features(word_ngrams, char_ngrams, vocabulary_size)
    if modality == "image":
        return image_features(features)
    if modality == "signal":
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from dlbench.solvers.series import series_features as series

        steps = [series(series_features, seed=seed)]
        return make_pipeline(*steps, StandardScaler()) if scale else steps[0]
    raise ValueError(f"unknown modality {modality!r}")


class RandomFeatures:
    """A linear model's capacity as a width: ``width`` × the ``d`` input features.

    Below 1, a Gaussian random projection onto ``round(width · d)`` features (at least 1).
    Above 1, the inputs plus ``round((width − 1) · d)`` random ReLU features
    ``max(0, X·W + b)``, a random-features model (Rahimi & Recht, 2007): a linear learner on
    them is a one-hidden-layer network whose first layer is drawn, not learned. ``seed``
    fixes the draw. A scikit-learn transformer; the output is dense.
    """

    def __init__(self, width: float = 1.0, seed: int = 0):
        self.width = width
        self.seed = seed

    def get_params(self, deep: bool = True):
        return {"width": self.width, "seed": self.seed}

    def set_params(self, **params):
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X, y=None):
        d = X.shape[1]
        rng = np.random.default_rng(self.seed)
        if self.width < 1:
            k = max(1, int(round(self.width * d)))
            self.weights_, self.bias_ = rng.normal(0.0, 1.0 / np.sqrt(k), (d, k)), None
        else:
            k = int(round((self.width - 1) * d))
            self.weights_, self.bias_ = rng.normal(0.0, 1.0 / np.sqrt(d), (d, k)), rng.uniform(-1.0, 1.0, k)
        return self

    def transform(self, X):
        projected = np.asarray(X @ self.weights_)
        if self.bias_ is None:
            return projected
        dense = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
        return np.hstack([dense, np.maximum(projected + self.bias_, 0.0)])

    def fit_transform(self, X, y=None):
        return self.fit(X, y).transform(X)
