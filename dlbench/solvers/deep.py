"""Deep-learning solvers: Keras 3 models that learn their own features.

Owns the shared training loop (:class:`KerasSolver`: seeding, a validation split carved from
the training data for early stopping, a cosine learning-rate schedule) and one network builder
per solver. Keras and TensorFlow are imported inside methods only.
"""

from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

from dlbench.solvers.base import Solver
from dlbench.solvers.features import _as_strings
from dlbench.splits import stratified_split, take
from dlbench.task import column_kinds


def _keras():
    if "keras" not in sys.modules:
        _quiet_import("keras")
    import keras

    return keras


def _quiet_import(module: str) -> None:
    """Import ``module`` with the C++ log lines TensorFlow prints at load time hidden.

    TensorFlow ignores ``TF_CPP_MIN_LOG_LEVEL`` set after the process started, so stderr's
    file descriptor is pointed at a temporary file during the import and replayed on failure.
    """
    import importlib

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            importlib.import_module(module)
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class KerasSolver(Solver):
    """Trains the network from :meth:`_build` with Adam, early stopping and a cosine schedule.

    A stratified ``validation_fraction`` of the training data is held out for early stopping;
    the test set is never seen. Subclasses implement ``_build(X, n_classes)``, returning an
    uncompiled model whose preprocessing layers are already adapted to ``X``, and may override
    ``_inputs(X)`` to turn ``X`` into what the model takes.
    """

    family = "deep"

    def __init__(
        self,
        epochs: int = 40,
        batch_size: int = 64,
        learning_rate: float = 3e-3,
        dropout: float = 0.2,
        units: int = 128,
        validation_fraction: float = 0.1,
        patience: int = 6,
        seed: int = 0,
    ):
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.dropout = dropout
        self.units = units
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.seed = seed

    def _inputs(self, X):
        return X

    def _build(self, X, n_classes: int):
        raise NotImplementedError

    def _head(self, x, n_classes: int):
        keras = _keras()
        x = keras.layers.Dropout(self.dropout)(x)
        return keras.layers.Dense(n_classes, activation="softmax")(x)

    def fit(self, X, y) -> "KerasSolver":
        keras = _keras()
        self._check_modality(X)
        keras.utils.set_random_seed(self.seed)
        y = np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        fit_idx, val_idx = np.arange(len(y)), None
        if self.validation_fraction and len(y) >= 20:
            fit_idx, val_idx = stratified_split(codes, self.validation_fraction, seed=self.seed)
        X_fit = take(X, fit_idx)
        self.model_ = self._build(X_fit, len(self.classes_))
        steps = max(1, int(np.ceil(len(fit_idx) / self.batch_size))) * self.epochs
        schedule = keras.optimizers.schedules.CosineDecay(self.learning_rate, decay_steps=steps, alpha=0.05)
        self.model_.compile(
            optimizer=keras.optimizers.Adam(schedule),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        callbacks, validation = [], None
        if val_idx is not None:
            validation = self._dataset(take(X, val_idx), codes[val_idx])
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss", patience=self.patience, restore_best_weights=True
                )
            )
        self.history_ = self.model_.fit(
            self._dataset(X_fit, codes[fit_idx], shuffle=True), validation_data=validation,
            epochs=self.epochs, callbacks=callbacks, shuffle=False, verbose=0,
        ).history
        self.epochs_run_ = len(self.history_["loss"])
        return self

    def _dataset(self, X, codes=None, shuffle: bool = False):
        # tf.data rather than numpy arrays: Keras' numpy adapter rejects string inputs.
        import tensorflow as tf

        inputs = self._inputs(X)
        data = tf.data.Dataset.from_tensor_slices(inputs if codes is None else (inputs, codes))
        if shuffle:
            data = data.shuffle(len(codes), seed=self.seed, reshuffle_each_iteration=True)
        return data.batch(self.batch_size if codes is not None else 512)

    def predict_proba(self, X) -> np.ndarray:
        return np.asarray(self.model_.predict(self._dataset(X), verbose=0))

    def model_size(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.keras")
            self.model_.save(path)
            model_bytes = os.path.getsize(path)
        return {"n_params": int(self.model_.count_params()), "model_bytes": model_bytes}


class MLP(KerasSolver):
    """A multilayer perceptron: Keras preprocessing for columns, or flattened pixels."""

    name = "mlp"
    modalities = ("tabular", "image")
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
            values = X[self.numeric_].to_numpy(dtype=np.float32)
            inputs["numeric"] = np.where(np.isnan(values), self.fill_, values)
        for i, col in enumerate(self.categorical_):
            inputs[f"cat{i}"] = _as_strings(X[col]).to_numpy(dtype=str)[:, None]
        return inputs

    def _build(self, X, n_classes: int):
        keras = _keras()
        layers = keras.layers
        if hasattr(X, "columns"):
            self.numeric_, self.categorical_ = self._split_columns(X)
            if self.numeric_:
                fill = np.nanmedian(X[self.numeric_].to_numpy(dtype=np.float32), axis=0)
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
        else:
            model_inputs = keras.Input(shape=X.shape[1:])
            x = layers.Flatten()(layers.Rescaling(1 / 255)(model_inputs))
        for width in (self.units, self.units // 2):
            x = layers.Dense(width, activation="relu")(x)
            x = layers.Dropout(self.dropout)(x)
        return keras.Model(model_inputs, self._head(x, n_classes))


class CNN(KerasSolver):
    """A small convolutional network with light augmentation (random shifts)."""

    name = "cnn"
    modalities = ("image",)
    description = "Two conv blocks (32, 64 filters), random-translation augmentation, global pooling."

    def _build(self, X, n_classes: int):
        keras = _keras()
        layers = keras.layers
        inputs = keras.Input(shape=X.shape[1:])
        x = layers.Rescaling(1 / 255)(inputs)
        x = layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=self.seed)(x)
        for filters in (32, 64):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            if min(x.shape[1], x.shape[2]) >= 4:
                x = layers.MaxPooling2D()(x)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(self.units, activation="relu")(x)
        return keras.Model(inputs, self._head(x, n_classes))


class TextCNN(KerasSolver):
    """Learned word embeddings and a 1-D convolution over the token sequence."""

    name = "text-cnn"
    modalities = ("text",)
    description = "TextVectorization + embedding + 1-D CNN with global max pooling."

    def __init__(self, max_tokens: int = 20000, sequence_length: int = 200, embedding_dim: int = 64, **kwargs):
        super().__init__(**kwargs)
        self.max_tokens = max_tokens
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim

    def _inputs(self, X):
        return np.asarray(X, dtype=str)[:, None]

    def _build(self, X, n_classes: int):
        keras = _keras()
        layers = keras.layers
        vectorize = layers.TextVectorization(
            max_tokens=self.max_tokens, output_sequence_length=self.sequence_length
        )
        vectorize.adapt(self._inputs(X))
        inputs = keras.Input(shape=(1,), dtype="string")
        x = layers.Embedding(self.max_tokens, self.embedding_dim)(vectorize(inputs))
        x = layers.Conv1D(self.units, 5, padding="same", activation="relu")(x)
        x = layers.GlobalMaxPooling1D()(x)
        x = layers.Dense(self.units // 2, activation="relu")(x)
        return keras.Model(inputs, self._head(x, n_classes))
