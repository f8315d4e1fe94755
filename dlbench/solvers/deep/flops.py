"""FLOPs per example of a Keras model, counted layer by layer.

Owns the cost model of each weighted layer kind. It does not build or train models.
"""

from __future__ import annotations

import functools
import math

from dlbench.solvers.deep.layers import position_embedding_class
from dlbench.solvers.deep.runtime import load_keras


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
    keras = load_keras()
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
    layers = load_keras().layers
    return (layers.Embedding, layers.Normalization, layers.BatchNormalization,
            layers.LayerNormalization, layers.GroupNormalization, position_embedding_class())


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

