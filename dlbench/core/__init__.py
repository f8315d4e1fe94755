"""The contracts everything else builds on: Task, Dataset, Solver, errors, the registry, the row schema and the results store.

Owns what plugins implement and what every stage reads and writes. It imports no other
dlbench folder and nothing heavy (no scikit-learn, TensorFlow or Keras). It does not own data
loading, solving, running, analysis or reports.
"""
