"""dlbench: rules vs. shallow ML vs. deep learning, side by side, on any classification task.

The public API for plugin authors is re-exported here: :class:`Task`, :class:`Dataset`,
:class:`Solver` and :class:`UsageError`. Importing this package stays light: no TensorFlow,
Keras, keras-tuner, scikit-learn or XGBoost is imported until a solver runs.
"""

from dlbench.errors import UsageError
from dlbench.solvers.base import Solver
from dlbench.task import Dataset, Task

__version__ = "0.1.0"
__all__ = ["Dataset", "Solver", "Task", "UsageError", "__version__"]
