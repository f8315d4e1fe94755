"""dlbench: rules vs. shallow ML vs. deep learning, side by side, on any classification task.

The public API for plugin authors is re-exported here: :class:`Task`, :class:`Dataset`,
:class:`Solver`, :class:`UsageError` and :class:`SolverUnavailable`. Importing this package
stays light: no TensorFlow, Keras, keras-tuner, scikit-learn or XGBoost is imported until a
solver runs.
"""

from dlbench.core.errors import SolverUnavailable, UsageError
from dlbench.core.solver import Solver
from dlbench.core.task import Dataset, Task

__version__ = "0.1.0"
__all__ = ["Dataset", "Solver", "SolverUnavailable", "Task", "UsageError", "__version__"]
