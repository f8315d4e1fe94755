"""scikit-learn's estimator protocol, without importing scikit-learn: the base of every solver.

Owns :class:`Estimator` (parameters from ``__init__``, ``get_params``/``set_params`` with
``deep`` and nested ``name__sub`` keys, ``__repr__``, the fitted check that raises
``sklearn.exceptions.NotFittedError``, ``score`` and the estimator tags) and :data:`METRICS`,
the score of each metric a task may declare. scikit-learn is imported inside the methods that
need it only (the tags, a ``NotFittedError`` being raised), so ``import dlbench`` stays light.
It does not own dlbench's solver metadata or size axis: :mod:`dlbench.core.solver` does.

Why not ``sklearn.base.BaseEstimator``: deriving from it imports scikit-learn with dlbench, and
its ``_get_param_names`` reads the ``__init__`` of the class alone, so a solver passing its
parent's parameters on with ``**kwargs`` (every shallow and deep solver) would lose them.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections import defaultdict
from typing import Any, Callable, ClassVar

import numpy as np

_NAMED = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
#: Methods that read fitted state: in this class and in every subclass that defines them, they
#: raise ``NotFittedError`` before ``fit``, before running any of their own code.
NEEDS_FIT = ("predict", "predict_proba", "predict_log_proba", "decision_function", "model_size", "save_parts")


def accuracy(y_true, y_pred, sample_weight=None) -> float:
    """The (weighted) share of ``y_pred`` equal to ``y_true``, labels compared as strings."""
    right = np.asarray(y_pred).astype(str) == np.asarray(y_true).astype(str)
    return float(np.average(right, weights=sample_weight)) if len(right) else float("nan")


#: The score of each metric a task may declare (``Task.metric``): ``(y_true, y_pred,
#: sample_weight=None) -> float``, higher is better. A new problem type adds its metric here.
METRICS: dict[str, Callable[..., float]] = {"accuracy": accuracy}


def _is_scalar_nan(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, numbers.Integral) and math.isnan(x)


def _changed(value, default) -> bool:
    """Whether a parameter differs from its ``__init__`` default, as scikit-learn's repr decides."""
    if default is inspect.Parameter.empty:
        return True
    if hasattr(value, "get_params") and type(value) is not type(default):
        return True  # no repr of a nested estimator needed
    return repr(value) != repr(default) and not (_is_scalar_nan(value) and _is_scalar_nan(default))


def not_fitted(estimator):
    """The ``sklearn.exceptions.NotFittedError`` for ``estimator``, worded as scikit-learn's."""
    from sklearn.exceptions import NotFittedError

    return NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
                          "appropriate arguments before using this estimator.")


def requires_fit(method):
    """``method`` raising ``NotFittedError`` first when its estimator is not fitted (idempotent)."""
    if getattr(method, "_requires_fit", False):
        return method

    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        if not self.__sklearn_is_fitted__():
            raise not_fitted(self)
        return method(self, *args, **kwargs)

    checked._requires_fit = True
    return checked


class Estimator:
    """A scikit-learn classifier by protocol: what ``BaseEstimator`` and ``ClassifierMixin`` give.

    Parameters are the named arguments of ``__init__``, stored unchanged under their names; a
    subclass may add its own and pass the rest on with ``**kwargs``. Fitted state is the public
    attributes ending in ``_`` that ``fit`` sets: before there is any, the methods in
    :data:`NEEDS_FIT` raise ``NotFittedError``, also where a subclass (a plugin's) overrides them.
    """

    #: The metric :meth:`score` computes (a key of :data:`METRICS`): the task's ``metric`` for
    #: the problem type this estimator solves. Read from the class, so a parameter of the same
    #: name does not change it.
    metric: ClassVar[str] = "accuracy"
    #: What ``sklearn.base.is_classifier`` reads before scikit-learn 1.6 (later: the tags).
    _estimator_type: ClassVar[str] = "classifier"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in NEEDS_FIT:
            method = vars(cls).get(name)
            if inspect.isfunction(method):
                setattr(cls, name, requires_fit(method))

    @classmethod
    def _param_defaults(cls) -> dict[str, Any]:
        """Every parameter's ``__init__`` default (``inspect.Parameter.empty`` if it has none).

        Follows ``**kwargs`` up the classes: a parent's parameters are then its parameters too;
        the class nearest to ``cls`` gives the default.
        """
        defaults: dict[str, Any] = {}
        for klass in cls.__mro__:
            if "__init__" not in vars(klass) or klass is object:
                continue
            params = inspect.signature(klass.__init__).parameters.values()
            for p in params:
                if p.name != "self" and p.kind in _NAMED:
                    defaults.setdefault(p.name, p.default)
            if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
                break
        return defaults

    @classmethod
    def _param_names(cls) -> list[str]:
        return sorted(cls._param_defaults())

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters by name; with ``deep``, also ``name__sub`` for each parameter of a
        parameter that is itself an estimator (has ``get_params``)."""
        out: dict[str, Any] = {}
        for key in self._param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{key}__{k}", v) for k, v in value.get_params().items())
            out[key] = value
        return out

    def set_params(self, **params) -> "Estimator":
        """Set parameters, nested ones as ``name__sub``; ``ValueError`` for an unknown name."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = defaultdict(dict)
        for key, value in params.items():
            key, delim, sub_key = key.partition("__")
            if key not in valid:
                raise ValueError(f"Invalid parameter {key!r} for estimator {self}. "
                                 f"Valid parameters are: {self._param_names()!r}.")
            if delim:
                nested[key][sub_key] = value
            else:
                setattr(self, key, value)
                valid[key] = value
        for key, sub_params in nested.items():
            valid[key].set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        """``Name(param=value, ...)`` with the parameters that differ from their defaults, as
        scikit-learn prints with ``print_changed_only=True``."""
        defaults = self._param_defaults()
        shown = [f"{k}={v!r}" for k, v in self.get_params(deep=False).items() if _changed(v, defaults[k])]
        return f"{type(self).__name__}({', '.join(shown)})"

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once ``fit`` set a public attribute ending in ``_`` (scikit-learn's own rule)."""
        return any(k.endswith("_") and not k.startswith("__") for k in vars(self))

    def __sklearn_tags__(self):
        """A classifier's tags, as ``BaseEstimator`` + ``ClassifierMixin`` give them."""
        from sklearn.utils import ClassifierTags, Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True), transformer_tags=None,
                    regressor_tags=None, classifier_tags=ClassifierTags())

    def score(self, X, y, sample_weight=None) -> float:
        """The task's metric (:attr:`metric`, accuracy) of ``predict(X)`` against ``y``."""
        return METRICS[type(self).metric](y, self.predict(X), sample_weight=sample_weight)
