"""The Keras solvers beyond the generic contract: new networks, FLOPs, search spaces, transfer offline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from dlbench.core.errors import SolverUnavailable
from dlbench.data.splits import stratified_split
from dlbench.solvers.deep import CNN, MLP, BiLSTM, TextCNN, Transfer, Transformer, keras_flops
from dlbench.solvers.deep import runtime
from dlbench.solvers.deep.runtime import load_keras

TINY = {"epochs": 2, "patience": 1, "units": 8}
SIZE_KEYS = {"n_params", "model_bytes", "flops"}


def texts(n=48):
    rng = np.random.default_rng(0)
    y = np.array(["spam", "ham"] * (n // 2))
    words = {"spam": ["win", "free", "prize", "cash"], "ham": ["lunch", "meeting", "see", "you"]}
    X = np.array([" ".join(rng.choice(words[label], size=rng.integers(2, 7))) for label in y], dtype=object)
    X[0] = "?!"  # empty after standardization: every token is padding
    return X, y


def images(n=40, size=8):
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = rng.integers(0, 60, size=(n, size, size, 1), dtype=np.uint8)
    X[y == 1, : size // 2] = 250
    return X, y


@pytest.mark.parametrize("cls", [TextCNN, BiLSTM, Transformer])
def test_text_networks_fit_and_predict(cls):
    X, y = texts()
    solver = cls(**TINY, embedding_dim=8).fit(X, y)
    proba = solver.predict_proba(X)
    assert proba.shape == (len(y), 2) and np.isfinite(proba).all()
    assert np.isfinite(solver.history_["loss"]).all()
    assert 8 <= solver.sequence_length_ <= 256
    size = solver.model_size()
    assert set(size) >= SIZE_KEYS and size["flops"] > 0 and size["n_params"] > 0


def test_early_stopping_keeps_the_epoch_with_the_lowest_held_out_loss():
    X, y = texts(96)
    solver = TextCNN(epochs=6, patience=2, units=8, embedding_dim=8, validation_fraction=0.25).fit(X, y)
    losses = solver.history_["val_loss"]
    assert len(losses) == solver.epochs_run_ and solver.best_epoch_ == int(np.argmin(losses)) + 1
    # The restored weights score the held-out split exactly as the best epoch did.
    _, codes = np.unique(y, return_inverse=True)
    _, val_idx = stratified_split(codes, solver.validation_fraction, seed=solver.seed)
    proba = solver.predict_proba(X[val_idx])[np.arange(len(val_idx)), codes[val_idx]]
    assert -np.mean(np.log(np.clip(proba, 1e-7, 1 - 1e-7))) == pytest.approx(min(losses), rel=1e-5)


@pytest.mark.parametrize("n_threads", [None, 1])
def test_the_input_pipeline_is_not_autotuned(n_threads):
    # tf.data's autotuning thread made every Keras fit wait about a third of its time when all cores were busy.
    X, y = images()
    solver = CNN(**TINY, n_threads=n_threads)
    for data in (solver._dataset(X), solver._dataset(X, y, shuffle=True)):
        assert data.options().autotune.enabled is False
        assert data.options().threading.private_threadpool_size == n_threads


def test_the_training_batch_grows_only_when_an_epoch_would_exceed_max_steps_per_epoch():
    from dlbench.solvers.deep.signal import FCN

    mlp = MLP()
    assert mlp.max_steps_per_epoch == 200 and mlp.batch_size == 64
    assert [mlp._batch_for(n) for n in (20, 5_000, 12_800, 12_801, 72_000)] == [64, 64, 64, 65, 360]
    assert MLP(batch_size=32)._batch_for(6_400) == 32 and MLP(batch_size=32)._batch_for(6_401) == 33
    assert [FCN()._batch_for(n) for n in (400, 3_200, 3_201, 72_000)] == [16, 16, 17, 360]  # as before
    unlimited = MLP()
    unlimited.max_steps_per_epoch = None
    assert unlimited._batch_for(72_000) == 64


def test_training_batches_are_those_of_shuffling_the_examples_themselves():
    # Positions are shuffled and batched, rows gathered per batch: the same batches, epoch after
    # epoch, as shuffling per-example slices of the data with the same seed (the pipeline before).
    import tensorflow as tf

    X, y = images(50)
    rows, codes = np.arange(3, 50, 2), y[3::2]
    solver = MLP(batch_size=8, seed=3)
    load_keras().utils.set_random_seed(3)
    gathered = solver._batches(solver._tensors(X), rows, codes, shuffle=True)
    load_keras().utils.set_random_seed(3)
    sliced = tf.data.Dataset.from_tensor_slices((X[rows], codes)).shuffle(len(rows), seed=3,
                                                                          reshuffle_each_iteration=True).batch(8)
    for _ in range(2):
        pairs = list(zip(gathered, sliced, strict=True))
        for (xa, ya), (xb, yb) in pairs:
            np.testing.assert_array_equal(xa.numpy(), xb.numpy())
            np.testing.assert_array_equal(ya.numpy(), yb.numpy())
    assert [len(b) for b in solver._dataset(np.zeros((1100, 3), np.float32))] == [512, 512, 76]  # predicting


def test_a_fit_turns_the_data_into_tensors_once_and_slices_no_example_apart(monkeypatch):
    import pandas as pd
    import tensorflow as tf

    def refuse(*args, **kwargs):
        raise AssertionError("per-example slices: a second copy of the data, one tensor per example")

    monkeypatch.setattr(tf.data.Dataset, "from_tensor_slices", refuse)
    converted = []

    class Spy(MLP):
        def _tensors(self, X):
            converted.append(len(X))
            return super()._tensors(X)

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.choice(["x", "y"], 60)})
    y = np.where(X["b"] == "x", "p", "q")
    solver = Spy(**TINY).fit(X, y)
    assert converted == [60]  # training and validation batches both gathered from one copy of all rows
    assert "val_loss" in solver.history_
    assert solver.predict_proba(X).shape == (60, 2)


def test_transformer_with_two_blocks_counts_both():
    X, y = texts()
    one = Transformer(**TINY, embedding_dim=8, sequence_length=10).fit(X, y).model_size()
    two = Transformer(**TINY, embedding_dim=8, sequence_length=10, num_blocks=2).fit(X, y).model_size()
    assert two["flops"] > one["flops"] and two["n_params"] > one["n_params"]


def _dense_model(keras):
    inputs = keras.Input((5,))
    hidden = keras.layers.Dense(7, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(keras.layers.Dropout(0.5)(hidden)))


def test_flops_of_known_models():
    keras = load_keras()
    layers = keras.layers
    assert keras_flops(_dense_model(keras)) == 2 * 5 * 7 + 2 * 7 * 3

    def single(layer, shape, *extra):
        inputs = keras.Input(shape)
        return keras_flops(keras.Model(inputs, layer(inputs, *[inputs] * len(extra))))

    assert single(layers.Dense(7), (4, 5)) == 4 * (2 * 5 * 7)  # one Dense per position
    assert single(layers.Conv2D(4, 3, padding="same"), (6, 6, 2)) == 2 * (3 * 3 * 2 * 4) * 36
    assert single(layers.Conv2D(4, 3, strides=2), (7, 7, 2)) == 2 * (3 * 3 * 2 * 4) * 9
    assert single(layers.LSTM(3), (5, 2)) == 2 * 4 * 3 * (2 + 3) * 5
    assert single(layers.Bidirectional(layers.GRU(3)), (5, 2)) == 2 * (2 * 3 * 3 * (2 + 3) * 5)
    # 2 heads of size 4 over 3 tokens of width 6: q/k/v projections, scores, weighted sum, output.
    heads, d, t, w = 2, 4, 3, 6
    expected = 2 * (3 * t * w * heads * d + heads * t * t * 2 * d + t * heads * d * w)
    assert single(layers.MultiHeadAttention(heads, d), (t, w), "value") == expected
    assert single(layers.Conv2DTranspose(2, 3), (4, 4, 1)) is None  # unknown cost: None, not a guess


def test_mobilenet_flops_match_the_published_count():
    # Sandler et al. (2018): MobileNetV2 1.0 at 224 px, 300M multiply-adds.
    keras = load_keras()
    model = keras.applications.MobileNetV2(weights=None)
    assert keras_flops(model) == pytest.approx(2 * 300e6, rel=0.01)


@pytest.mark.parametrize("cls", [MLP, CNN, TextCNN, BiLSTM, Transformer, Transfer])
def test_search_space_names_init_parameters(cls):
    import keras_tuner

    hp = keras_tuner.HyperParameters()
    cls.search_space(hp, cls.modalities[0])
    names = {p.name for p in hp.space}
    assert names <= set(cls().get_params()) and "epochs" not in names
    assert any(isinstance(p, keras_tuner.engine.hyperparameters.Float) for p in hp.space)
    assert cls.epoch_param == "epochs"
    cls().set_params(**hp.values)  # the defaults are valid settings


def _offline(monkeypatch, tmp_path):
    """No network, simulated: the download path runs but every lookup fails."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("DLBENCH_OFFLINE", raising=False)

    def no_network(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)


def test_transfer_is_unavailable_offline_quickly(monkeypatch, tmp_path):
    _offline(monkeypatch, tmp_path)
    X, y = images()
    with pytest.raises(SolverUnavailable) as info:
        Transfer(**TINY).fit(X, y)
    message = str(info.value)
    assert "\n" not in message and "MobileNetV2" in message and str(tmp_path) in message


def test_transfer_does_not_try_to_download_when_told_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("DLBENCH_OFFLINE", "1")

    def forbidden(*args, **kwargs):
        raise AssertionError("no connection may be attempted")

    monkeypatch.setattr(socket, "create_connection", forbidden)
    with pytest.raises(SolverUnavailable, match="DLBENCH_OFFLINE is set"):
        Transfer(**TINY).fit(*images())


def test_transfer_trains_offline_from_cached_weights(monkeypatch, tmp_path):
    import h5py
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

    keras = load_keras()
    # Random weights in the file layout Keras downloads, where Keras caches it.
    models = tmp_path / "models"
    models.mkdir()
    backbone = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None)
    with h5py.File(models / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5", "w") as f:
        save_weights_to_hdf5_group(f, backbone)
    _offline(monkeypatch, tmp_path)
    X, y = images()
    solver = Transfer(**TINY).fit(X, y)
    assert solver.predict_proba(X).shape == (len(y), 2)
    size = solver.model_size()
    assert set(size) >= SIZE_KEYS
    assert size["n_params"] > 2_000_000 and size["flops"] == pytest.approx(2 * 55e6, rel=0.02)


@pytest.mark.slow
def test_n_threads_caps_tensorflow_in_a_fresh_process():
    code = (
        "import numpy as np, tensorflow as tf; from dlbench.solvers.deep import MLP\n"
        "X = np.zeros((30, 4, 4, 1), np.uint8); y = np.arange(30) % 2\n"
        "MLP(epochs=1, units=4, n_threads=1).fit(X, y)\n"
        "print(tf.config.threading.get_intra_op_parallelism_threads(),"
        " tf.config.threading.get_inter_op_parallelism_threads())\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1", "1"]


def test_n_threads_after_start_warns_instead_of_failing():
    load_keras()
    import tensorflow as tf

    tf.constant(1.0) + 1  # the runtime has started
    threads = tf.config.threading.get_intra_op_parallelism_threads()
    with pytest.warns(RuntimeWarning, match="n_threads=7 ignored"):
        runtime.set_threads(7)
    assert tf.config.threading.get_intra_op_parallelism_threads() == threads



def test_training_device_names_the_gpu_tensorflow_would_use(monkeypatch):
    import tensorflow as tf

    from dlbench.solvers.deep.runtime import training_device

    assert training_device() in ("cpu",) or training_device().startswith("gpu:0")
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: ["GPU:0"] if kind == "GPU" else [])
    monkeypatch.setattr(tf.config.experimental, "get_device_details", lambda gpu: {"device_name": "Fake GPU"})
    assert training_device() == "gpu:0 (Fake GPU)"
    monkeypatch.setattr(tf.config.experimental, "get_device_details", lambda gpu: {})
    assert training_device() == "gpu:0"


def test_a_fit_on_much_data_gets_fewer_epochs_and_a_shorter_patience():
    from dlbench.solvers.deep.signal import FCN

    net = FCN()  # 150 epochs, patience 25, at most 1,500,000 examples seen
    assert net._epochs_for(8000) == (150, 25)  # the UCR archive's sizes: unchanged
    assert net._epochs_for(57_600) == (27, 5)  # 150 x 1.5M / (57,600 x 150), rounded up
    assert net._epochs_for(10**7) == (10, 3)  # never fewer than 10 epochs and a patience of 3
    assert FCN(epochs=5)._epochs_for(10**7) == (5, 3)  # nor more epochs than asked for
