"""The training loop every deep solver shares (:class:`KerasSolver`).

Owns seeding, thread settings, the validation split for early stopping, the cosine
learning-rate schedule, the ``tf.data`` input pipeline and the size report. It does not own
any network architecture: those are the sibling modules.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from dlbench.core.solver import Solver
from dlbench.data.splits import stratified_split, take
from dlbench.solvers.deep.flops import keras_flops
from dlbench.solvers.deep.layers import position_embedding_class
from dlbench.solvers.deep.runtime import load_keras, set_threads, skip_graph_rewrites, training_device


#: Fewest epochs and patience a fit capped by :attr:`KerasSolver.max_passes` gets.
MIN_EPOCHS, MIN_PATIENCE = 10, 3


class KerasSolver(Solver):
    """Trains the network from :meth:`_build` with Adam, early stopping and a cosine schedule.

    A stratified ``validation_fraction`` of the training data is held out for early stopping
    (best weights restored); the test set is never seen. The training batch is ``batch_size``
    until an epoch would take more than ``max_steps_per_epoch`` steps, then grows with the data. Subclasses implement
    ``_build(X, n_classes)``, returning an uncompiled model whose preprocessing layers are
    already adapted to ``X``, and may override ``_inputs(X)`` to turn ``X`` into what the model
    takes. ``n_threads`` caps TensorFlow's thread pools (``None``: TensorFlow decides).
    """

    family = "deep"
    cost_growth = 1.0  # an epoch is linear in n; early stopping bounds the epochs
    epoch_param = "epochs"
    cost_rank = 1
    #: ``--scales`` widens the network: its dense units (subclasses add filters, embeddings).
    size_params = ("units",)
    #: The values of ``units`` the tuner tries.
    units_choices: tuple[int, ...] = (32, 64, 128, 256)
    #: An epoch is at most this many steps: beyond ``batch_size`` times it (12,800 training
    #: examples at the default 64) the batch grows with the data, the learning rate stays. An
    #: epoch's cost stays linear in n while the fixed cost of each step stops growing with it: on
    #: 80,000 churn rows the MLP's batches of 400 reached a lower held-out loss than batches of 64
    #: in half the time.
    max_steps_per_epoch: int | None = 200
    #: At most this many examples seen in one fit (epochs x n; ``None``: no cap). A fit on more
    #: data than ``max_passes / epochs`` gets fewer epochs and a shorter patience, in proportion
    #: (at least :data:`MIN_EPOCHS` and :data:`MIN_PATIENCE`): with more data each epoch
    #: teaches more, and a fit's cost stays linear in n with a constant that does not explode.
    max_passes: int | None = None

    def __init__(
        self,
        epochs: int = 40,
        batch_size: int = 64,
        learning_rate: float = 3e-3,
        dropout: float = 0.2,
        units: int = 128,
        validation_fraction: float = 0.1,
        patience: int = 6,
        n_threads: int | None = None,
        seed: int = 0,
    ):
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.dropout = dropout
        self.units = units
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.n_threads = n_threads
        self.seed = seed

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
        hp.Float("dropout", 0.0, 0.5, step=0.1)
        hp.Choice("units", list(cls.units_choices))
        hp.Choice("batch_size", [32, 64, 128])

    @classmethod
    def refit_params(cls, params, epochs):
        """All n examples, for as many epochs as early stopping found best on the validation run."""
        return {**params, "epochs": int(epochs or params["epochs"]), "validation_fraction": 0.0}

    def _inputs(self, X):
        return X

    def _build(self, X, n_classes: int):
        raise NotImplementedError

    def _head(self, x, n_classes: int):
        keras = load_keras()
        x = keras.layers.Dropout(self.dropout)(x)
        return keras.layers.Dense(n_classes, activation="softmax")(x)

    def fit(self, X, y) -> "KerasSolver":
        keras = load_keras()
        self._check_modality(X)
        set_threads(self.n_threads)
        skip_graph_rewrites()
        keras.utils.set_random_seed(self.seed)
        y = np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        fit_idx, val_idx = np.arange(len(y)), None
        if self._validates(len(y)):
            fit_idx, val_idx = stratified_split(codes, self.validation_fraction, seed=self.seed)
        # The preprocessing layers adapt to the training rows only; that copy of them is dropped
        # once the model is built, and every batch is gathered from one tensor copy of all of X.
        self.model_ = self._build(take(X, fit_idx) if val_idx is not None else X, len(self.classes_))
        epochs, patience = self._epochs_for(len(fit_idx))
        steps = max(1, int(np.ceil(len(fit_idx) / self._batch_for(len(fit_idx))))) * epochs
        schedule = keras.optimizers.schedules.CosineDecay(self.learning_rate, decay_steps=steps, alpha=0.05)
        self.model_.compile(
            optimizer=keras.optimizers.Adam(schedule),
            loss="sparse_categorical_crossentropy",
        )
        # No compiled metrics (only the losses are read) and the optimizer built here: variables
        # created lazily inside the first step make TensorFlow trace the training step twice.
        self.model_.optimizer.build(self.model_.trainable_variables)
        tensors = self._tensors(X)
        callbacks = []
        if val_idx is not None:
            callbacks = [self._validation_loss(tensors, val_idx, codes[val_idx]),
                         keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
                                                       restore_best_weights=True)]
        self.history_ = self.model_.fit(
            self._batches(tensors, fit_idx if val_idx is not None else None, codes[fit_idx], shuffle=True),
            epochs=epochs, callbacks=callbacks, shuffle=False, verbose=0,
        ).history
        del tensors, callbacks  # the data's tensor copy is not kept with the fitted model
        self.epochs_run_ = len(self.history_["loss"])
        self.device_ = training_device()
        losses = self.history_.get("val_loss")
        self.best_epoch_ = int(np.argmin(losses)) + 1 if losses else self.epochs_run_
        return self

    def _validation_loss(self, tensors, rows, codes_val):
        """A callback writing the held-out cross-entropy into each epoch's logs as ``val_loss``.

        ``rows`` are the held-out examples' positions in ``tensors`` (from :meth:`_tensors`). It
        scores with the model's prediction graph, which predicting needs anyway, instead of
        Keras' evaluation graph: one graph fewer to trace per fit. It predicts in batches of 512
        and keeps only each example's probability of its own class. Probabilities are clipped to
        [1e-7, 1 - 1e-7] as in Keras' own loss.
        """
        keras = load_keras()
        data, positions = self._batches(tensors, rows), np.arange(len(codes_val))

        def write(epoch, logs):
            own = np.asarray(self.model_.predict(data, verbose=0))[positions, codes_val].astype(np.float64)
            logs["val_loss"] = float(-np.mean(np.log(np.clip(own, 1e-7, 1 - 1e-7))))

        return keras.callbacks.LambdaCallback(on_epoch_end=write)

    def _tensors(self, X):
        """``self._inputs(X)`` as TensorFlow tensors: the one copy of the data a fit's batches come from."""
        import tensorflow as tf

        return tf.nest.map_structure(tf.convert_to_tensor, self._inputs(X))

    def _dataset(self, X, codes=None, shuffle: bool = False):
        """Batches of all of ``X`` (of 512, or training batches of ``(inputs, codes)`` with ``codes``)."""
        return self._batches(self._tensors(X), None, codes, shuffle)

    def _batches(self, tensors, rows=None, codes=None, shuffle: bool = False):
        """A ``tf.data`` pipeline of the rows ``rows`` (default: all) of ``tensors``: batches of 512,
        or with ``codes`` (the labels of those rows) training batches of ``(inputs, codes)``.

        It shuffles and batches positions, and each batch gathers its rows from ``tensors``: the
        data is neither sliced into one tensor per example nor held again in a shuffle buffer, and
        the batches are those that shuffling the examples themselves with the same seed gives.
        """
        import tensorflow as tf

        n = len(codes) if codes is not None else len(rows) if rows is not None else len(tf.nest.flatten(tensors)[0])
        data = tf.data.Dataset.range(n)
        if shuffle:
            data = data.shuffle(n, seed=self.seed, reshuffle_each_iteration=True)
        data = data.batch(self._batch_for(n) if codes is not None else 512)
        picks = tf.constant(rows, dtype=tf.int64) if rows is not None else None
        labels = tf.constant(codes) if codes is not None else None

        def gather(positions):
            at = positions if picks is None else tf.gather(picks, positions)
            inputs = tf.nest.map_structure(lambda t: tf.gather(t, at), tensors)
            return inputs if labels is None else (inputs, tf.gather(labels, positions))

        return self._pipeline(data.map(gather))

    def _validates(self, n: int) -> bool:
        """Whether a fit on ``n`` examples holds some out for early stopping (default: from 20 examples on)."""
        return bool(self.validation_fraction) and n >= 20

    def _epochs_for(self, n: int) -> tuple[int, int]:
        """The epochs and the early-stopping patience of a fit on ``n`` examples (see :attr:`max_passes`)."""
        epochs, patience = int(self.epochs), int(self.patience)
        if not self.max_passes or n * epochs <= self.max_passes:
            return epochs, patience
        share = self.max_passes / (n * epochs)
        return max(min(epochs, MIN_EPOCHS), int(np.ceil(epochs * share))), max(MIN_PATIENCE, int(np.ceil(patience * share)))

    def _batch_for(self, n: int) -> int:
        """The training batch size for ``n`` training examples: ``batch_size``, grown on large data
        so that an epoch is at most ``max_steps_per_epoch`` steps (``None``: never grown)."""
        if not self.max_steps_per_epoch:
            return int(self.batch_size)
        return max(int(self.batch_size), -(-int(n) // self.max_steps_per_epoch))

    def _pipeline(self, data):
        """``data`` on ``n_threads`` threads and without autotuning: its background thread has
        nothing to tune in these pipelines, but it wakes the fit's threads, and with every core
        busy each Keras fit waited about a third of its time."""
        import tensorflow as tf

        options = tf.data.Options()
        options.autotune.enabled = False
        if self.n_threads:
            options.threading.private_threadpool_size = self.n_threads
        return data.with_options(options)

    def predict_proba(self, X) -> np.ndarray:
        return np.asarray(self.model_.predict(self._dataset(X), verbose=0))

    def save_parts(self, folder):
        """Each fitted Keras model (``model_``, a backbone) as a ``.keras`` file, loaded with
        ``safe_mode`` (no Python code in the file is run)."""
        import copy

        keras = load_keras()
        rest, files, native = copy.copy(self), {}, {}
        for attr, value in vars(self).items():
            if isinstance(value, keras.Model):
                name = f"{attr.strip('_')}.keras"
                value.save(os.path.join(folder, name))
                files[name], native[attr] = "keras", name
                delattr(rest, attr)
        rest.keras_files_ = native
        return rest, files

    def load_parts(self, folder):
        keras = load_keras()
        skip_graph_rewrites()  # predicts with the same graphs, so the same numbers, as in the run
        position_embedding_class()  # registers the custom layer before a model that uses it is read
        for attr, name in self.__dict__.pop("keras_files_", {}).items():
            setattr(self, attr, keras.saving.load_model(os.path.join(folder, name), safe_mode=True))
        return self

    def _network(self):
        """The whole fitted network, from raw inputs to class probabilities."""
        return self.model_

    def model_size(self):
        network = self._network()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.keras")
            network.save(path)
            model_bytes = os.path.getsize(path)
        return {"n_params": int(network.count_params()), "model_bytes": model_bytes,
                "flops": keras_flops(network)}

