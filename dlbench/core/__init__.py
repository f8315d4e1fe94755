"""The contracts everything else builds on: Task, Dataset, Solver, errors, the registry, the row schema and the results store.

Owns what plugins implement and what every stage reads and writes, and scikit-learn's
estimator protocol for solvers (``estimator``). It imports no other dlbench folder and nothing
heavy at import (no scikit-learn, TensorFlow or Keras; scikit-learn only inside the estimator
methods that need it: the tags, a ``NotFittedError``). It does not own data loading, solving,
running, analysis or reports.
"""
