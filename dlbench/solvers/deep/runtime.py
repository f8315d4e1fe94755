"""Keras and TensorFlow, loaded quietly and once: imports and thread pools.

Owns importing Keras/keras-tuner with TensorFlow's start-up log lines hidden, capping
TensorFlow's threads and the graph optimizer's setting. It owns no model.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import warnings


def load_keras():
    if "keras" not in sys.modules:
        quiet_import("keras")
    import keras

    return keras


def quiet_import(module: str) -> None:
    """Import ``module`` with the C++ log lines TensorFlow prints at load time hidden.

    TensorFlow ignores ``TF_CPP_MIN_LOG_LEVEL`` set after the process started, so stderr's
    file descriptor is pointed at a temporary file during the import and replayed on failure.
    TensorFlow's Python warnings (such as retracing notices when exported models are checked
    one after another) are hidden too; its errors still show.
    """
    import importlib
    import logging

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
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


def training_device() -> str:
    """Where TensorFlow places a model's training: ``cpu``, or the first visible GPU as ``gpu:0 (its name)``."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "cpu"
    try:
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name")
    except (ValueError, RuntimeError):
        name = None
    return f"gpu:0 ({name})" if name else "gpu:0"


def set_threads(n_threads: int | None) -> None:
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


@functools.cache
def skip_graph_rewrites() -> bool:
    """Turn Grappler's graph rewrites off in this process when it has no GPU; whether it did.

    Every Keras fit traces new graphs, and on a CPU Grappler's passes cost about a third of a
    BiLSTM's tracing (0.5 s a fit) while its training steps run no faster without them (text
    networks, the CNN and the MLP, measured on 2 cores). On a GPU the layout and fusion passes
    pay for themselves, so they stay on there.
    """
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return False
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    return True
