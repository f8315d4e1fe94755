"""Hand-designed features for the shallow family, one recipe per modality.

Owns the unfitted scikit-learn transformers: one-hot/impute/scale for tables, TF-IDF word and
character n-grams for text, scaled raw pixels for images. Solvers put a learner after them.
"""

from __future__ import annotations

import numpy as np

from dlbench.task import column_kinds


def _as_strings(X):
    """Categorical values as strings, missing ones as ``<missing>``."""
    return X.astype(object).where(X.notna(), "<missing>").astype(str)


def tabular_features(X, scale: bool = True):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    kinds = column_kinds(X)
    numeric = [c for c in X.columns if kinds[str(c)] == "numeric"]
    categorical = [c for c in X.columns if kinds[str(c)] == "categorical"]
    numeric_steps = [SimpleImputer(strategy="median", keep_empty_features=True)]
    if scale:
        numeric_steps.append(StandardScaler())
    return ColumnTransformer(
        [
            ("numeric", make_pipeline(*numeric_steps), numeric),
            (
                "categorical",
                make_pipeline(
                    FunctionTransformer(_as_strings),
                    OneHotEncoder(handle_unknown="ignore", min_frequency=2),
                ),
                categorical,
            ),
        ],
        sparse_threshold=0.3,
    )


def text_features(max_features: int = 50000):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_features=max_features)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                      max_features=max_features)),
        ]
    )


def _flatten_pixels(X):
    return np.asarray(X, dtype=np.float32).reshape(len(X), -1) / 255.0


def pixel_features():
    from sklearn.preprocessing import FunctionTransformer

    return FunctionTransformer(_flatten_pixels)


def features_for(modality: str, X):
    """The default feature recipe for ``modality`` (``X`` gives a table its column types)."""
    if modality == "tabular":
        return tabular_features(X)
    if modality == "text":
        return text_features()
    return pixel_features()
