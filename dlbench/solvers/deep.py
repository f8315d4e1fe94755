"""Deep-learning solvers: Keras 3 models that learn their own features.

Owns the shared training loop (:class:`KerasSolver`: seeding, thread settings, a validation
split carved from the training data for early stopping, a cosine learning-rate schedule, the
``tf.data`` input pipeline, the size report with FLOPs), the shared text front end
(:class:`TextSolver`) and one network builder per solver. It does not own tuning or timing.
Keras and TensorFlow are imported inside functions only.
"""

from __future__ import annotations

import functools
import math
import os
import socket
import sys
import tempfile
import threading
import warnings

import numpy as np

from dlbench.errors import SolverUnavailable
from dlbench.solvers.base import Solver
from dlbench.solvers.features import _as_strings
from dlbench.splits import stratified_split, take
from dlbench.task import column_kinds

#: Set to 1 to forbid downloads of pretrained weights (tests, air-gapped machines).
OFFLINE_ENV = "DLBENCH_OFFLINE"


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


def _set_threads(n_threads: int | None) -> None:
    """Cap TensorFlow's thread pools; only possible before its runtime starts in this process."""
    if not n_threads:
        return
    import tensorflow as tf

    threading_config = tf.config.threading
    if threading_config.get_intra_op_parallelism_threads() == n_threads == (
        threading_config.get_inter_op_parallelism_threads()
    ):
        return
    try:
        threading_config.set_intra_op_parallelism_threads(n_threads)
        threading_config.set_inter_op_parallelism_threads(n_threads)
    except RuntimeError:
        warnings.warn(
            f"n_threads={n_threads} ignored: TensorFlow already started its thread pools in this "
            "process (set it in a fresh process, before any other TensorFlow work)",
            RuntimeWarning, stacklevel=3,
        )


# ---------------------------------------------------------------------------------------------
# FLOPs per example
# ---------------------------------------------------------------------------------------------

def keras_flops(model) -> int | None:
    """Floating-point operations for one example's forward pass, counted from the layers.

    Multiply-adds count 2: ``Dense`` ``2·in·out`` per position, convolutions
    ``2·kernel size·output positions`` (grouped, depthwise and separable ones too), recurrent
    layers ``2·gates·units·(in + units)`` per time step (both directions of ``Bidirectional``),
    ``MultiHeadAttention`` its four projections plus the two attention matrix products.
    Elementwise work (biases, activations, normalization, pooling, residual additions, the
    softmax) is left out: under a few percent for these models. Layers without weights and
    embedding lookups cost 0. ``None`` when the model holds a weighted layer of another kind,
    rather than a wrong number. Walking the layers is instant and exact for every layer used
    here; TensorFlow's profiler on a traced, frozen graph sees a recurrent layer's loop body
    only once (75 FLOPs instead of 600 for ``LSTM(3)`` over 5 steps of 2 features).
    """
    keras = _keras()
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            flops = keras_flops(layer)
        elif not layer.weights or isinstance(layer, _cost_free_layers()):
            continue
        else:
            flops = _layer_flops(keras, layer)
        if flops is None:
            return None
        total += flops
    return int(total)


@functools.cache
def _cost_free_layers() -> tuple[type, ...]:
    layers = _keras().layers
    return (layers.Embedding, layers.Normalization, layers.BatchNormalization,
            layers.LayerNormalization, layers.GroupNormalization, _position_embedding_class())


def _layer_flops(keras, layer) -> int | None:
    layers = keras.layers
    shapes = [t.shape for t in keras.tree.flatten(layer.input)]
    out_shape = keras.tree.flatten(layer.output)[0].shape
    if isinstance(layer, layers.Dense):
        return 2 * _size(layer.kernel) * math.prod(shapes[0][1:-1])
    if isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.Conv3D,
                          layers.DepthwiseConv1D, layers.DepthwiseConv2D)):
        kernel = layer.kernel if hasattr(layer, "kernel") else layer.depthwise_kernel
        return 2 * _size(kernel) * _positions(layer, out_shape)
    if isinstance(layer, (layers.SeparableConv1D, layers.SeparableConv2D)):
        size = _size(layer.depthwise_kernel) + _size(layer.pointwise_kernel)
        return 2 * size * _positions(layer, out_shape)
    if isinstance(layer, layers.Bidirectional):
        steps, n_in = math.prod(shapes[0][1:-1]), shapes[0][-1]
        parts = [_rnn_flops(layers, rnn, steps, n_in) for rnn in (layer.forward_layer, layer.backward_layer)]
        return None if None in parts else sum(parts)
    if isinstance(layer, layers.RNN):
        return _rnn_flops(layers, layer, math.prod(shapes[0][1:-1]), shapes[0][-1])
    if isinstance(layer, layers.MultiHeadAttention):
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) > 2 and len(shapes[2]) == len(value) else value
        t_q, t_k = math.prod(query[1:-1]), math.prod(value[1:-1])
        heads, d_k, d_v = layer.num_heads, layer.key_dim, layer.value_dim or layer.key_dim
        projections = t_q * query[-1] * d_k + t_k * key[-1] * d_k + t_k * value[-1] * d_v
        attention = t_q * t_k * (d_k + d_v)
        output = t_q * d_v * out_shape[-1]
        return 2 * heads * (projections + attention + output)
    return None


def _size(variable) -> int:
    return math.prod(variable.shape)


def _positions(layer, shape) -> int:
    """Spatial positions of a convolution's output (batch and channel axes left out)."""
    return math.prod(shape[2:] if layer.data_format == "channels_first" else shape[1:-1])


def _rnn_flops(layers, rnn, steps: int, n_in: int) -> int | None:
    gates = {layers.LSTM: 4, layers.GRU: 3, layers.SimpleRNN: 1}.get(type(rnn))
    if gates is None:
        return None
    return 2 * gates * rnn.units * (n_in + rnn.units) * steps


# ---------------------------------------------------------------------------------------------
# The training loop
# ---------------------------------------------------------------------------------------------

class KerasSolver(Solver):
    """Trains the network from :meth:`_build` with Adam, early stopping and a cosine schedule.

    A stratified ``validation_fraction`` of the training data is held out for early stopping
    (best weights restored); the test set is never seen. Subclasses implement
    ``_build(X, n_classes)``, returning an uncompiled model whose preprocessing layers are
    already adapted to ``X``, and may override ``_inputs(X)`` to turn ``X`` into what the model
    takes. ``n_threads`` caps TensorFlow's thread pools (``None``: TensorFlow decides).
    """

    family = "deep"
    epoch_param = "epochs"
    #: The values of ``units`` the tuner tries.
    units_choices: tuple[int, ...] = (32, 64, 128, 256)

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
        _set_threads(self.n_threads)
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
        if self.n_threads:
            options = tf.data.Options()
            options.threading.private_threadpool_size = self.n_threads
            data = data.with_options(options)
        return data.batch(self.batch_size if codes is not None else 512)

    def predict_proba(self, X) -> np.ndarray:
        return np.asarray(self.model_.predict(self._dataset(X), verbose=0))

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


# ---------------------------------------------------------------------------------------------
# Tables and images
# ---------------------------------------------------------------------------------------------

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
    """A small convolutional network with light augmentation.

    One convolution of ``filters`` and two of ``2 * filters``, each block max-pooled, then a
    dense layer on the flattened maps: it learns several times faster than global pooling
    here. Augmentation: random shifts, plus small rotations and zooms for images of at least
    28 pixels a side (on 8×8 digits those destroy more than they add).
    """

    name = "cnn"
    modalities = ("image",)
    description = "Conv blocks (32, 2×64 filters) + dense layer; shift (and rotation/zoom) augmentation."

    def __init__(self, filters: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        hp.Choice("filters", [16, 32, 64])

    def _build(self, X, n_classes: int):
        keras = _keras()
        layers = keras.layers
        inputs = keras.Input(shape=X.shape[1:])
        x = layers.Rescaling(1 / 255)(inputs)
        x = layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=self.seed)(x)
        if min(X.shape[1:3]) >= 28:
            x = layers.RandomRotation(0.03, fill_mode="constant", seed=self.seed)(x)
            x = layers.RandomZoom(0.08, fill_mode="constant", seed=self.seed)(x)
        for filters, n_convs in ((self.filters, 1), (2 * self.filters, 2)):
            for _ in range(n_convs):
                x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            if min(x.shape[1], x.shape[2]) >= 4:
                x = layers.MaxPooling2D()(x)
        x = layers.Dense(self.units, activation="relu")(layers.Flatten()(x))
        return keras.Model(inputs, self._head(x, n_classes))


#: ImageNet weights of MobileNetV2 (alpha 1.0) exist for these input sizes only.
_MOBILENET_SIZES = (96, 128, 160, 192, 224)
_MOBILENET_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
#: Seconds to wait for a connection before declaring the weights unreachable.
_PROBE_SECONDS = 5.0


class Transfer(KerasSolver):
    """A frozen MobileNetV2 backbone with ImageNet weights and a new dense head.

    Images are resized to ``image_size`` (MobileNetV2's smallest, 96, by default), grey ones
    repeated to RGB. The backbone is frozen and has no augmentation in front of it, so its
    features are computed once per fit and only the head trains on them: the same model as
    end-to-end training, many times faster. ``weights`` is ``"imagenet"`` (downloaded once by
    Keras into ``$KERAS_HOME/models``, default ``~/.keras``), a path to a weights file, or
    ``None`` (random weights, for tests). When the weights cannot be had, ``fit`` raises
    :class:`~dlbench.errors.SolverUnavailable` within seconds.
    """

    name = "transfer"
    modalities = ("image",)
    description = "Frozen MobileNetV2 (ImageNet weights, 96 px) + dense head; skipped offline without cached weights."

    def __init__(self, weights: str | None = "imagenet", image_size: int = 96, **kwargs):
        super().__init__(**kwargs)
        self.weights = weights
        self.image_size = image_size

    def fit(self, X, y) -> "Transfer":
        if self.image_size not in _MOBILENET_SIZES:
            raise ValueError(f"image_size must be one of {_MOBILENET_SIZES}, not {self.image_size}")
        self._check_modality(X)
        self.weights_path_ = self._fetch_weights() if self.weights == "imagenet" else self.weights
        return super().fit(X, y)

    def _fetch_weights(self) -> str:
        """The cached ImageNet weights file, downloaded if missing; SolverUnavailable if it cannot be."""
        fname = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{self.image_size}_no_top.h5"
        home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
        path = os.path.join(home, "models", fname)
        if os.path.exists(path):
            return path
        url = _MOBILENET_URL + fname
        if os.environ.get(OFFLINE_ENV, "") not in ("", "0"):
            raise SolverUnavailable(
                f"{OFFLINE_ENV} is set and the MobileNetV2 ImageNet weights are not cached: "
                f"download {url} to {path}"
            )
        keras = _keras()
        try:
            _probe(url, _PROBE_SECONDS)
            timeout = socket.getdefaulttimeout()
            socket.setdefaulttimeout(30)  # Keras' download has no timeout of its own
            try:
                return keras.utils.get_file(fname, url, cache_dir=home, cache_subdir="models")
            finally:
                socket.setdefaulttimeout(timeout)
        except Exception as exc:  # noqa: BLE001 - any download failure means "not available here"
            reason = " ".join(str(exc).split())
            raise SolverUnavailable(
                f"cannot download the MobileNetV2 ImageNet weights ({reason}): connect to the "
                f"internet once (Keras caches them), or download {url} to {path}"
            ) from None

    def _build(self, X, n_classes: int):
        keras = _keras()
        layers = keras.layers
        inputs = keras.Input(shape=X.shape[1:])
        x = layers.Resizing(self.image_size, self.image_size)(inputs)
        if X.shape[-1] == 1:
            x = layers.Concatenate()([x, x, x])
        x = layers.Rescaling(1 / 127.5, offset=-1)(x)  # MobileNetV2 expects [-1, 1]
        base = keras.applications.MobileNetV2(
            input_shape=(self.image_size, self.image_size, 3), include_top=False,
            weights=self.weights_path_, pooling="avg",
        )
        base.trainable = False
        self.backbone_ = keras.Model(inputs, base(x, training=False))
        features = keras.Input(shape=self.backbone_.output.shape[1:])
        x = layers.Dense(self.units, activation="relu")(layers.Dropout(self.dropout)(features))
        return keras.Model(features, self._head(x, n_classes))

    def _inputs(self, X):
        import tensorflow as tf

        images = tf.data.Dataset.from_tensor_slices(X).batch(64)
        return self.backbone_.predict(images, verbose=0)

    def _network(self):
        keras = _keras()
        return keras.Model(self.backbone_.inputs, self.model_(self.backbone_.output))


def _probe(url: str, timeout: float) -> None:
    """Raise ``OSError`` unless a TCP connection to ``url``'s host (or the HTTPS proxy) opens in time.

    Runs in a daemon thread, so a slow DNS lookup cannot hold the caller past ``timeout``.
    """
    import urllib.parse
    import urllib.request

    target = urllib.parse.urlsplit(urllib.request.getproxies().get("https") or url)
    address = (target.hostname, target.port or (443 if target.scheme == "https" else 80))
    errors: list[OSError] = []

    def connect():
        try:
            socket.create_connection(address, timeout=timeout).close()
        except OSError as exc:
            errors.append(exc)

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise OSError(f"no connection to {address[0]} within {timeout:g} s")
    if errors:
        raise errors[0]


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------

class TextSolver(KerasSolver):
    """The text front end shared by the text networks: ``TextVectorization`` + ``Embedding``.

    The vocabulary (at most ``max_tokens``) is learned from the training texts; sequences are
    cut or padded to ``sequence_length`` tokens, by default (``None``) the 95th percentile of
    the training texts' lengths, between 8 and 256.
    """

    modalities = ("text",)

    def __init__(self, max_tokens: int = 20000, sequence_length: int | None = None,
                 embedding_dim: int = 64, **kwargs):
        super().__init__(**kwargs)
        self.max_tokens = max_tokens
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        hp.Choice("embedding_dim", [32, 64, 128])

    def _inputs(self, X):
        return np.asarray(X, dtype=str)[:, None]

    def _embed(self, X, mask_zero: bool = False):
        """``(string input, token embeddings)``, the vectorizer adapted to the texts ``X``."""
        keras = _keras()
        layers = keras.layers
        texts = self._inputs(X)
        length = self.sequence_length
        if length is None:
            length = int(np.clip(np.ceil(np.percentile([len(t.split()) for t in texts[:, 0]], 95)), 8, 256))
        self.sequence_length_ = length
        vectorize = layers.TextVectorization(max_tokens=self.max_tokens, output_sequence_length=length)
        vectorize.adapt(texts)
        inputs = keras.Input(shape=(1,), dtype="string")
        embedding = layers.Embedding(vectorize.vocabulary_size(), self.embedding_dim, mask_zero=mask_zero)
        return inputs, embedding(vectorize(inputs))


class TextCNN(TextSolver):
    """Learned word embeddings and a 1-D convolution over the token sequence."""

    name = "text-cnn"
    description = "TextVectorization + embedding + 1-D CNN with global max pooling."

    def _build(self, X, n_classes: int):
        keras = _keras()
        layers = keras.layers
        inputs, x = self._embed(X)
        x = layers.Conv1D(self.units, 5, padding="same", activation="relu")(x)
        x = layers.GlobalMaxPooling1D()(x)
        x = layers.Dense(self.units // 2, activation="relu")(x)
        return keras.Model(inputs, self._head(x, n_classes))


class BiLSTM(TextSolver):
    """A bidirectional LSTM over word embeddings, padding masked, states averaged over time."""

    name = "bilstm"
    description = "TextVectorization + embedding + bidirectional LSTM + average pooling."
    units_choices = (16, 32, 64, 128)

    def __init__(self, units: int = 64, **kwargs):
        super().__init__(units=units, **kwargs)

    def _build(self, X, n_classes: int):
        keras = _keras()
        layers = keras.layers
        inputs, x = self._embed(X, mask_zero=True)
        x = layers.Bidirectional(layers.LSTM(self.units))(x)
        return keras.Model(inputs, self._head(x, n_classes))


class Transformer(TextSolver):
    """A small Transformer encoder: token + learned position embeddings, ``num_blocks`` blocks.

    Each block is post-norm: self-attention (``num_heads`` heads), dropout, residual, layer
    norm; then a ReLU feed-forward of width ``units``, dropout, residual, layer norm.
    Padding is masked in the attention and in the final average pooling.
    """

    name = "transformer"
    description = "TextVectorization + token/position embeddings + Transformer encoder + average pooling."

    def __init__(self, num_heads: int = 2, num_blocks: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.num_blocks = num_blocks

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        hp.Choice("num_heads", [1, 2, 4])
        hp.Int("num_blocks", 1, 2)

    def _build(self, X, n_classes: int):
        keras = _keras()
        layers = keras.layers
        inputs, x = self._embed(X)
        x = _position_embedding_class()(self.sequence_length_, self.embedding_dim)(x)
        for _ in range(self.num_blocks):
            attention = layers.MultiHeadAttention(
                self.num_heads, self.embedding_dim // self.num_heads, dropout=self.dropout
            )(x, x)
            x = layers.LayerNormalization()(layers.Add()([x, layers.Dropout(self.dropout)(attention)]))
            ff = layers.Dense(self.units, activation="relu")(x)
            ff = layers.Dense(self.embedding_dim)(ff)
            x = layers.LayerNormalization()(layers.Add()([x, layers.Dropout(self.dropout)(ff)]))
        x = layers.GlobalAveragePooling1D()(x)
        return keras.Model(inputs, self._head(x, n_classes))


@functools.cache
def _position_embedding_class():
    """``PositionEmbedding``: adds a learned vector per position (defined once Keras is imported)."""
    keras = _keras()

    @keras.saving.register_keras_serializable(package="dlbench")
    class PositionEmbedding(keras.layers.Layer):
        def __init__(self, sequence_length: int, output_dim: int, **kwargs):
            super().__init__(**kwargs)
            self.sequence_length, self.output_dim = sequence_length, output_dim
            self.supports_masking = True

        def build(self, input_shape):
            self.positions = self.add_weight(
                shape=(self.sequence_length, self.output_dim), initializer="glorot_uniform", name="positions"
            )

        def call(self, inputs):
            return inputs + keras.ops.cast(self.positions[: keras.ops.shape(inputs)[1]], inputs.dtype)

        def get_config(self):
            return {**super().get_config(), "sequence_length": self.sequence_length, "output_dim": self.output_dim}

    return PositionEmbedding
