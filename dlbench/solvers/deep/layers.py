"""Custom Keras layers of the deep solvers, defined once Keras is imported.

Owns ``PositionEmbedding`` (registered for saving as ``dlbench>PositionEmbedding``). No model.
"""

from __future__ import annotations

import functools

from dlbench.solvers.deep.runtime import load_keras


@functools.cache
def position_embedding_class():
    """``PositionEmbedding``: adds a learned vector per position (defined once Keras is imported)."""
    keras = load_keras()

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

