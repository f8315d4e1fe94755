"""Errors that reach the user as one line (exit code 2), as opposed to bugs (tracebacks)."""


class UsageError(Exception):
    """Bad input from the user: the message says what is wrong and what to do about it."""


class InputWarning(UserWarning):
    """New inputs a model will predict, but unlike its training data (e.g. values outside the training range)."""


class SolverUnavailable(Exception):
    """A solver cannot run here (e.g. pretrained weights cannot be downloaded offline).

    The cell is recorded as ``skipped`` with this message as its reason, not as ``failed``.
    """
