"""The built-in solvers: ``rule/``, ``shallow/`` and ``deep/``, one module per model group.

Owns the models and the feature builders they share (``features``). It does not own tuning,
timing, evaluation or where a fit runs (``engine``), nor the Solver contract (``core.solver``).
Every module's top level stays light: scikit-learn, XGBoost, Keras and TensorFlow are imported
inside methods, so listing solvers imports none of them.
"""
