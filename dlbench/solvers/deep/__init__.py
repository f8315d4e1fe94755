"""Deep-learning solvers: Keras 3 networks that learn their own features.

Owns the shared training loop (``base``), the quiet Keras runtime (``runtime``), FLOP counting
(``flops``), custom layers and one module per input kind. Keras and TensorFlow are imported
inside functions only. It does not own tuning or timing.
"""

from dlbench.solvers.deep.base import KerasSolver
from dlbench.solvers.deep.flops import keras_flops
from dlbench.solvers.deep.image import CNN, Transfer
from dlbench.solvers.deep.tabular import MLP
from dlbench.solvers.deep.text import BiLSTM, TextCNN, TextSolver, Transformer

__all__ = ["CNN", "MLP", "BiLSTM", "KerasSolver", "TextCNN", "TextSolver", "Transfer", "Transformer", "keras_flops"]
