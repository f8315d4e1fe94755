"""dlbench: rules vs. shallow ML vs. deep learning, side by side, on any classification task.

The public API for plugin authors is re-exported here: :class:`Task`, :class:`Dataset`,
:class:`Solver`, :class:`UsageError`, :class:`SolverUnavailable` and :class:`InputWarning`. Importing this package
stays light: no TensorFlow, Keras, keras-tuner, scikit-learn or XGBoost is imported until a
solver runs.
"""

from dlbench.core.errors import InputWarning, SolverUnavailable, UsageError
from dlbench.core.solver import Solver
from dlbench.core.task import Dataset, Task

__version__ = "0.1.0"
__all__ = ["Dataset", "InputWarning", "Solver", "SolverUnavailable", "Task", "UsageError", "__version__", "load_model"]


def load_model(path, task=None):
    """The model exported in ``path`` (a model folder, or a run folder: its winner, of ``task`` if several).

    Returns an object with ``predict``, ``predict_proba`` and ``classes_`` taking raw inputs: a
    DataFrame, a list of texts or a ``uint8`` image array. See :mod:`dlbench.models.loaded`.
    """
    from dlbench.models.loaded import load_model as load

    return load(path, task)
