"""Built-in solvers: one module per family (``rule``, ``shallow``, ``deep``) plus the shared ``base``."""
