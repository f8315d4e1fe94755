"""Shallow ML solvers: hand-designed features (``solvers.features``) and a learned scikit-learn or XGBoost model.

Owns the shared wrapper (``base``) and one module per model group. It does not own the
feature builders, tuning or evaluation.
"""

from dlbench.solvers.shallow.base import SklearnSolver
from dlbench.solvers.shallow.linear import RBFSVM, LinearSVM, LogisticRegressionSolver
from dlbench.solvers.shallow.neighbors import KNN, NaiveBayes
from dlbench.solvers.shallow.trees import DecisionTree, RandomForest, XGBoost

__all__ = ["KNN", "RBFSVM", "DecisionTree", "LinearSVM", "LogisticRegressionSolver", "NaiveBayes",
           "RandomForest", "SklearnSolver", "XGBoost"]
