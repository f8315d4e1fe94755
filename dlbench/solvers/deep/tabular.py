"""The multilayer perceptron, for columns (Keras preprocessing layers), pixels and series.

Owns one solver.
"""

from __future__ import annotations

import numpy as np

from dlbench.core.task import column_kinds
from dlbench.solvers.deep.base import KerasSolver
from dlbench.solvers.deep.runtime import load_keras
from dlbench.solvers.features import category_strings, finite_numbers


class MLP(KerasSolver):
    """A multilayer perceptron: Keras preprocessing for columns, flattened pixels, or flattened
    series normalised per channel (it sees no time axis: the baseline the convolutional and
    recurrent networks of ``deep.signal`` are measured against)."""

    name = "mlp"
    modalities = ("tabular", "image", "signal")
    description = "Two hidden ReLU layers with dropout; Normalization/StringLookup layers for columns."

    def _split_columns(self, X):
        kinds = column_kinds(X)
        numeric = [c for c in X.columns if kinds[str(c)] == "numeric"]
        categorical = [c for c in X.columns if kinds[str(c)] == "categorical"]
        return numeric, categorical

    def _inputs(self, X):
        if not hasattr(X, "columns"):
            return X
        inputs = {}
        if self.numeric_:
            values = np.clip(finite_numbers(X[self.numeric_]), -1e15, 1e15).astype(np.float32)  # float32-safe
            inputs["numeric"] = np.where(np.isnan(values), self.fill_, values)
        for i, col in enumerate(self.categorical_):
            inputs[f"cat{i}"] = category_strings(X[col]).to_numpy(dtype=str)[:, None]
        return inputs

    def _build(self, X, n_classes: int):
        keras = load_keras()
        layers = keras.layers
        if hasattr(X, "columns"):
            self.numeric_, self.categorical_ = self._split_columns(X)
            if self.numeric_:
                fill = np.nanmedian(np.clip(finite_numbers(X[self.numeric_]), -1e15, 1e15), axis=0)
                self.fill_ = np.nan_to_num(fill).astype(np.float32)
            arrays = self._inputs(X)
            inputs, encoded = [], []
            if self.numeric_:
                inp = keras.Input(shape=(len(self.numeric_),), name="numeric")
                norm = layers.Normalization()
                norm.adapt(arrays["numeric"])
                inputs.append(inp)
                encoded.append(norm(inp))
            for i in range(len(self.categorical_)):
                inp = keras.Input(shape=(1,), name=f"cat{i}", dtype="string")
                lookup = layers.StringLookup(output_mode="one_hot")
                lookup.adapt(arrays[f"cat{i}"])
                inputs.append(inp)
                encoded.append(lookup(inp))
            x = encoded[0] if len(encoded) == 1 else layers.Concatenate()(encoded)
            model_inputs = {inp.name: inp for inp in inputs}
        elif X.ndim == 3:  # series (N, T, C)
            model_inputs = keras.Input(shape=X.shape[1:])
            norm = layers.Normalization(axis=-1)
            norm.adapt(X)
            x = layers.Flatten()(norm(model_inputs))
        else:
            model_inputs = keras.Input(shape=X.shape[1:])
            x = layers.Flatten()(layers.Rescaling(1 / 255)(model_inputs))
        for width in (self.units, self.units // 2):
            x = layers.Dense(width, activation="relu")(x)
            x = layers.Dropout(self.dropout)(x)
        return keras.Model(model_inputs, self._head(x, n_classes))

