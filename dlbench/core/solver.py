"""The solver contract shared by the rule-based, shallow and deep families.

Owns :class:`Solver`: the metadata dlbench lists without importing anything heavy, the size
axis, the tuning hooks, ``predict`` from ``predict_proba`` and the size report. The
scikit-learn estimator protocol it builds on (``get_params``/``set_params``, ``clone``,
``repr``, ``score``, ``NotFittedError``) is :mod:`dlbench.core.estimator`'s. It does not own
tuning, timing or evaluation: those belong to the runner.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar

import numpy as np

from dlbench.core.estimator import Estimator

FAMILIES = ("rule", "shallow", "deep")
#: The solver and family name of the rows dlbench builds from the other solvers' predictions.
ENSEMBLE = "ensemble"


def modality_of(X) -> str:
    """``tabular`` for a DataFrame, ``text`` for 1-D strings, ``image`` for ``(N, H, W, C)``,
    ``signal`` for series ``(N, T, C)``."""
    if hasattr(X, "columns"):
        return "tabular"
    X = np.asarray(X)
    if X.ndim == 1:
        return "text"
    if X.ndim == 4:
        return "image"
    if X.ndim == 3:
        return "signal"
    raise ValueError(f"cannot tell the modality of an input of shape {X.shape}")


def class_probabilities(solver, X, classes) -> np.ndarray | None:
    """``solver``'s probabilities for ``X`` with one column per name in ``classes`` (a class the
    solver never saw in training gets 0); ``None`` when the solver has no probabilities."""
    try:
        raw = solver.predict_proba(X)
    except (NotImplementedError, AttributeError):
        return None
    return in_class_order(raw, solver.classes_, classes)


def in_class_order(raw, solver_classes, classes) -> np.ndarray:
    """Probabilities whose columns follow ``solver_classes`` rearranged into ``classes`` order."""
    raw = np.asarray(raw, dtype=np.float32)
    out = np.zeros((raw.shape[0], len(classes)), dtype=np.float32)
    index = {c: i for i, c in enumerate(classes)}
    for j, c in enumerate(np.asarray(solver_classes).astype(str)):
        out[:, index[c]] = raw[:, j]
    return out


def at_scale(solver_cls, params: dict[str, Any], scale: float) -> dict[str, Any]:
    """``solver_cls.at_scale``; a class not derived from :class:`Solver` has no size axis."""
    scaled = getattr(solver_cls, "at_scale", None)
    return scaled(params, scale) if scaled else dict(params)


def scales_for(solver_cls, scales: list[float], modality: str) -> list[float]:
    """``solver_cls.scales_for``; a class not derived from :class:`Solver` runs at 1× only."""
    scaled = getattr(solver_cls, "scales_for", None)
    return scaled(scales, modality) if scaled else [1.0]


class Solver(Estimator):
    """A classifier of one family for one or more modalities, and a scikit-learn estimator.

    Subclasses set ``name``, ``family``, ``modalities`` and ``description``, take their
    hyperparameters as keyword arguments of ``__init__`` (stored unchanged, nothing else set
    there), and implement ``fit(X, y)`` (returning ``self`` and setting ``classes_``; fitted state
    ends in ``_``) and ``predict_proba(X)``. Import heavy libraries inside methods, never at
    module level.

    What comes for free: ``predict`` (the most probable of ``classes_``) and the size report;
    from :class:`~dlbench.core.estimator.Estimator`, scikit-learn's estimator protocol:
    ``get_params(deep=...)``/``set_params`` (nested ``name__sub`` keys too), so
    ``sklearn.base.clone`` gives an unfitted equal; a ``repr`` with the non-default parameters;
    ``score(X, y)``, the task's metric (accuracy, labels compared as strings) of ``predict``;
    ``sklearn.exceptions.NotFittedError`` from ``predict``, ``predict_proba``, ``model_size`` and
    ``save_parts`` before ``fit``, also where a subclass overrides them; and a classifier's
    estimator tags, so scikit-learn's model selection (``cross_val_score``) takes a solver.
    """

    name: ClassVar[str] = ""
    family: ClassVar[str] = ""
    modalities: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""
    #: The ``__init__`` parameter counting training epochs, for Hyperband (``None``: not epoch-based).
    epoch_param: ClassVar[str | None] = None
    #: Rough fitting cost, for ordering only (0 cheap, 1 a network, 2 a slow network): under
    #: ``--budget`` the cheap solvers of each family get their full-size model first.
    cost_rank: ClassVar[int] = 0
    #: How a cell's seconds grow with its training size n (fit and prediction together): as
    #: ``n ** cost_growth``. It predicts a cell at a size not run yet from the largest size that
    #: ran, so a cell predicted to overrun its limit is skipped, not started.
    cost_growth: ClassVar[float] = 1.0
    #: The capacity parameters ``--scales`` multiplies (widths, trees, boosting rounds); empty: the
    #: solver has no size axis and runs at scale 1 only.
    size_params: ClassVar[tuple[str, ...]] = ()
    #: Parameters that apply to some input modalities only (name -> modalities): a model card
    #: lists a parameter only where it applies.
    modality_params: ClassVar[dict[str, tuple[str, ...]]] = {}

    @classmethod
    def accepts(cls, task) -> bool:
        """Whether this solver applies to ``task`` (a :class:`~dlbench.Task` instance)."""
        return task.modality in cls.modalities

    @classmethod
    def for_task(cls, task) -> dict[str, Any]:
        """Extra ``__init__`` arguments taken from the task (e.g. its hand-written rules)."""
        return {}

    @classmethod
    def refit_params(cls, params: dict[str, Any], epochs: int | None) -> dict[str, Any]:
        """The parameters of the final fit on all n examples of a cell.

        ``params`` is the chosen configuration; ``epochs`` is how many epochs its validation run
        needed (``best_epoch_`` after ``fit``, for solvers that stop early), else ``None``. A solver
        that holds data out of ``fit`` for early stopping returns parameters that use all of it
        instead. Default: the configuration unchanged.
        """
        return dict(params)

    @classmethod
    def scales_for(cls, scales: list[float], modality: str) -> list[float]:
        """The model sizes of ``--scales`` this solver runs at on ``modality`` inputs: all of them
        with a size axis, else only 1."""
        return list(scales) if cls.size_params else [1.0]

    @classmethod
    def at_scale(cls, params: dict[str, Any], scale: float) -> dict[str, Any]:
        """``params`` at model size ``scale``: each of :attr:`size_params` multiplied by it.

        Whole numbers are rounded and kept at least 1; ``None`` (no limit) stays ``None``. The
        runner applies this to every configuration the tuner proposes, so at each scale the
        other hyperparameters are tuned as at scale 1, and to the defaults.
        """
        out = dict(params)
        if scale == 1:
            return out
        for name in cls.size_params:
            value = out.get(name)
            if isinstance(value, bool) or value is None:
                continue
            out[name] = max(1, int(round(value * scale))) if isinstance(value, int) else float(value) * scale
        return out

    @classmethod
    def search_space(cls, hp, modality: str) -> None:
        """Declare the tunable hyperparameters on ``hp`` (a ``keras_tuner.HyperParameters``).

        Names are ``__init__`` parameters; a tuned value is passed through ``set_params``.
        Declare at least one continuous dimension (``hp.Float``) when there is any, so that
        keras-tuner's Hyperband and Bayesian oracles have room to search. Default: nothing
        to tune, the solver runs once with its defaults.
        """

    @classmethod
    def metadata(cls) -> dict[str, Any]:
        return {
            "name": cls.name,
            "family": cls.family,
            "modalities": list(cls.modalities),
            "description": cls.description,
            "cost_growth": cls.cost_growth,
        }

    def fit(self, X, y) -> "Solver":
        raise NotImplementedError

    def predict_proba(self, X) -> np.ndarray:
        raise NotImplementedError

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)
        return np.asarray(self.classes_)[np.argmax(proba, axis=1)]

    def save_parts(self, folder) -> tuple["Solver", dict[str, str]]:
        """Write the fitted parts that have a format of their own (a Keras model, an XGBoost
        booster) into ``folder``: ``(a copy of this solver without them, {file name: format})``.

        The rest is saved with ``skops`` (no pickle). Default: no such parts.
        """
        return self, {}

    def load_parts(self, folder) -> "Solver":
        """Put back what :meth:`save_parts` wrote into ``folder``; returns the whole solver."""
        return self

    def model_size(self) -> dict[str, Any]:
        """``n_params`` and ``model_bytes`` of the fitted model (``None`` where unknown)."""
        try:
            model_bytes = len(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:  # noqa: BLE001 - unpicklable models simply report no size
            model_bytes = None
        return {"n_params": None, "model_bytes": model_bytes}

    def _check_modality(self, X) -> str:
        modality = modality_of(X)
        if modality not in self.modalities:
            raise ValueError(f"solver {self.name!r} does not accept {modality} inputs")
        return modality
