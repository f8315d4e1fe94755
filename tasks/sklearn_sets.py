"""Tasks from the datasets bundled with scikit-learn (offline)."""

from __future__ import annotations

from dlbench import Dataset, Task
from dlbench.data.splits import stratified_split, take


def _split(modality: str, X, y) -> Dataset:
    train, test = stratified_split(y, test_fraction=0.25)
    return Dataset(take(X, train), y[train], take(X, test), y[test], modality=modality)


class Digits(Task):
    name = "digits"
    modality = "image"
    description = "Handwritten digits 0-9 as 8x8 grey images (UCI optdigits test part)."
    source = "scikit-learn load_digits; E. Alpaydin, C. Kaynak, UCI ML Repository (1998)"
    license = "CC BY 4.0"
    n_examples = 1797
    n_classes = 10

    def load(self) -> Dataset:
        import numpy as np
        from sklearn.datasets import load_digits

        bunch = load_digits()
        # Pixel values are 0..16: scale to the 0..255 uint8 range every image solver expects.
        images = np.round(bunch.images * (255 / 16)).astype(np.uint8)[..., None]
        return _split(self.modality, images, bunch.target)


class _SklearnTable(Task):
    modality = "tabular"
    loader = ""

    def load(self) -> Dataset:
        import sklearn.datasets

        frame = getattr(sklearn.datasets, self.loader)(as_frame=True)
        names = list(frame.target_names)
        y = frame.target.map(lambda i: names[int(i)]).to_numpy()
        return _split(self.modality, frame.data, y)


class BreastCancer(_SklearnTable):
    name = "breast-cancer"
    loader = "load_breast_cancer"
    description = "Malignant or benign breast mass from 30 cell-nucleus measurements (Wisconsin)."
    source = "scikit-learn load_breast_cancer; W. Wolberg et al., UCI ML Repository (1995)"
    license = "CC BY 4.0"
    n_examples = 569
    n_classes = 2


class Wine(_SklearnTable):
    name = "wine"
    loader = "load_wine"
    description = "Cultivar of Italian wines from 13 chemical measurements."
    source = "scikit-learn load_wine; M. Forina et al., UCI ML Repository (1991)"
    license = "CC BY 4.0"
    n_examples = 178
    n_classes = 3
