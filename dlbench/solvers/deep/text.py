"""Text networks: the shared TextVectorization + Embedding front end, a 1-D CNN, a BiLSTM, a Transformer.

Owns four classes and the learned position embedding.
"""

from __future__ import annotations

import numpy as np

from dlbench.solvers.deep.base import KerasSolver
from dlbench.solvers.deep.layers import position_embedding_class
from dlbench.solvers.deep.runtime import load_keras


class TextSolver(KerasSolver):
    """The text front end shared by the text networks: ``TextVectorization`` + ``Embedding``.

    The vocabulary (at most ``max_tokens``) is learned from the training texts; sequences are
    cut or padded to ``sequence_length`` tokens, by default (``None``) the 95th percentile of
    the training texts' lengths, between 8 and 256.
    """

    modalities = ("text",)
    size_params = ("units", "embedding_dim")

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
        keras = load_keras()
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
        keras = load_keras()
        layers = keras.layers
        inputs, x = self._embed(X)
        x = layers.Conv1D(self.units, 5, padding="same", activation="relu")(x)
        x = layers.GlobalMaxPooling1D()(x)
        x = layers.Dense(self.units // 2, activation="relu")(x)
        return keras.Model(inputs, self._head(x, n_classes))


class BiLSTM(TextSolver):
    """A bidirectional LSTM over word embeddings, padding masked, states averaged over time."""

    name = "bilstm"
    cost_rank = 2
    description = "TextVectorization + embedding + bidirectional LSTM + average pooling."
    units_choices = (16, 32, 64, 128)

    def __init__(self, units: int = 64, **kwargs):
        super().__init__(units=units, **kwargs)

    def _build(self, X, n_classes: int):
        keras = load_keras()
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
    cost_rank = 2
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
        keras = load_keras()
        layers = keras.layers
        inputs, x = self._embed(X)
        x = position_embedding_class()(self.sequence_length_, self.embedding_dim)(x)
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
