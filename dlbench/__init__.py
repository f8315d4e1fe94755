"""dlbench: rules vs. shallow ML vs. deep learning, side by side, on any classification task.

From Python: :func:`run` (a task name, a path or data in memory) returns a ``RunResult``;
:func:`resume`, :func:`load_run`, :func:`compare` and :func:`load_model` read runs and models
back (see :mod:`dlbench.api`). For plugin authors: :class:`Task`, :class:`Dataset`,
:class:`Solver`, :class:`UsageError`, :class:`SolverUnavailable` and :class:`InputWarning`.
Importing this package stays light: no TensorFlow, Keras, keras-tuner, scikit-learn or
XGBoost is imported until a solver runs.
"""

from dlbench.core.errors import InputWarning, SolverUnavailable, UsageError
from dlbench.core.solver import Solver
from dlbench.core.task import Dataset, Task

__version__ = "0.1.0"
__all__ = ["Dataset", "InputWarning", "Solver", "SolverUnavailable", "Task", "UsageError", "__version__", "compare",
           "load_model", "load_run", "resume", "run"]


def __getattr__(name: str):
    """``run``, ``resume``, ``load_run`` and ``compare`` come from :mod:`dlbench.api`, imported on first use."""
    if name in ("run", "resume", "load_run", "compare"):
        from dlbench import api

        return getattr(api, name)
    raise AttributeError(f"module 'dlbench' has no attribute {name!r}")


def load_model(path, task=None):
    """The model exported in ``path`` (a model folder, or a run folder: its winner, of ``task`` if several).

    Returns an object with ``predict``, ``predict_proba`` and ``classes_`` taking raw inputs: a
    DataFrame, a list of texts or a ``uint8`` image array. See :mod:`dlbench.models.loaded`.
    """
    from dlbench.models.loaded import load_model as load

    return load(path, task)
