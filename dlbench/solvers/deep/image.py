"""Image networks: a small CNN with augmentation, and transfer learning from MobileNetV2.

Owns two solvers and fetching the pretrained weights (through ``data.download``).
"""

from __future__ import annotations

import os

from dlbench.core.errors import SolverUnavailable, UsageError
from dlbench.data.download import OFFLINE_ENV, fetch, offline
from dlbench.solvers.deep.base import KerasSolver
from dlbench.solvers.deep.runtime import load_keras


class CNN(KerasSolver):
    """A small convolutional network with light augmentation.

    One convolution of ``filters`` and two of ``2 * filters``, each block max-pooled, then a
    dense layer on the flattened maps: it learns several times faster than global pooling
    here. Augmentation: random shifts, plus small rotations and zooms for images of at least
    28 pixels a side (on 8×8 digits those destroy more than they add).
    """

    name = "cnn"
    modalities = ("image",)
    size_params = ("filters", "units")
    description = "Conv blocks (32, 2×64 filters) + dense layer; shift (and rotation/zoom) augmentation."

    def __init__(self, filters: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        super().search_space(hp, modality)
        hp.Choice("filters", [16, 32, 64])

    def _build(self, X, n_classes: int):
        keras = load_keras()
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


class Transfer(KerasSolver):
    """A frozen MobileNetV2 backbone with ImageNet weights and a new dense head.

    Images are resized to ``image_size`` (MobileNetV2's smallest, 96, by default), grey ones
    repeated to RGB. The backbone is frozen and has no augmentation in front of it, so its
    features are computed once per fit and only the head trains on them: the same model as
    end-to-end training, many times faster. ``weights`` is ``"imagenet"`` (a copy Keras cached
    in ``$KERAS_HOME/models``, default ``~/.keras``, else downloaded once by
    :func:`dlbench.data.download.fetch` into ``<data cache>/keras-applications``), a path to a
    weights file, or ``None`` (random weights, for tests). When the weights cannot be had
    (``DLBENCH_OFFLINE``, no network), ``fit`` raises
    :class:`~dlbench.core.errors.SolverUnavailable`: the cell is skipped, not failed.
    """

    name = "transfer"
    cost_rank = 2
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
        """The ImageNet weights file, downloaded if missing; SolverUnavailable if it cannot be."""
        fname = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{self.image_size}_no_top.h5"
        home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
        keras_copy = os.path.join(home, "models", fname)
        if os.path.exists(keras_copy):
            return keras_copy
        url = _MOBILENET_URL + fname
        try:
            return str(fetch(url, fname, sha256=None, subdir="keras-applications"))  # no published hash
        except UsageError as exc:  # offline, refused, timed out, cut short, HTTP error, cache not writable
            problem = getattr(exc, "problem", str(exc))
            once = f"unset {OFFLINE_ENV} to download them" if offline() else "connect to the internet once"
            raise SolverUnavailable(
                f"the MobileNetV2 ImageNet weights are not available ({problem}): "
                f"{once}, or download {url} to {keras_copy}"
            ) from None

    def _build(self, X, n_classes: int):
        keras = load_keras()
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

        images = self._pipeline(tf.data.Dataset.from_tensor_slices(X)).batch(64)
        return self.backbone_.predict(images, verbose=0)

    def _network(self):
        keras = load_keras()
        return keras.Model(self.backbone_.inputs, self.model_(self.backbone_.output))

