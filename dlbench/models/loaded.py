"""``dlbench.load_model``: an exported model as an object with ``predict`` and ``predict_proba``.

Owns finding the model folder (a model folder itself, or a run folder: its winner, or the
winner of ``task``), checking its files and loading it, and predicting on raw inputs prepared
exactly as in training. It does not read new data files (``inputs``) or export (``export``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from dlbench.core.errors import InputWarning, UsageError
from dlbench.core.solver import class_probabilities
from dlbench.core.task import typed_labels
from dlbench.models import card as cards
from dlbench.models import files
from dlbench.models.inputs import prepare


class LoadedModel:
    """A fitted model from a model folder: ``predict``, ``predict_proba`` and ``classes_``.

    Inputs are raw, as the task gives them: a DataFrame (columns in any order, extra ones
    ignored), a list of texts, or a ``uint8`` image array ``(N, H, W, C)``, a float series array ``(N, T, C)``; inputs unlike the
    training data's (dtype, value scale, shape) are refused with one line, and table values
    outside the training range are warned about. Labels come back in the type the training
    labels had (integers stay integers). ``notes`` say what the last call ignored or noticed.
    """

    def __init__(self, folder: Path, card: dict[str, Any], solver):
        self.folder, self.card, self.solver = Path(folder), card, solver
        self.label_type = card.get("label_type", "str")
        self.class_names = [str(c) for c in card["classes"]]  # as the report and results.csv name them
        self.classes_ = typed_labels(self.class_names, self.label_type)
        self.notes: list[str] = []

    def _inputs(self, X):
        self.notes, unlike = [], []
        prepared = prepare(X, self.card["inputs"], self.notes, unlike)
        for message in unlike:
            warnings.warn(message, InputWarning, stacklevel=3)
        self.notes += unlike
        return prepared

    def predict(self, X) -> np.ndarray:
        """One label per example, of the training labels' type."""
        return typed_labels(self._names(self._inputs(X)), self.label_type)

    def predict_names(self, X) -> np.ndarray:
        """One label per example, as the class names (strings) the report and ``results.csv`` use."""
        return self._names(self._inputs(X))

    def _names(self, X) -> np.ndarray:
        return np.asarray(self.solver.predict(X)).astype(str)

    def predict_proba(self, X) -> np.ndarray:
        """One column per class, in ``classes_`` order (argmax scores for solvers without probabilities)."""
        X = self._inputs(X)
        proba = class_probabilities(self.solver, X, self.class_names)
        return _one_hot(self._names(X), self.class_names) if proba is None else proba

    def __repr__(self) -> str:
        return f"<dlbench model {self.card['solver']} for {self.card['task']} ({self.card['role']}) at {self.folder}>"


def _one_hot(labels: np.ndarray, names: list[str]) -> np.ndarray:
    """Probabilities of a solver without them: 1 for the predicted class name, 0 elsewhere."""
    return (labels[:, None] == np.asarray(names)[None, :]).astype(np.float32)


def find_model(path: str | Path, task: str | None = None, role: str = "winner") -> Path:
    """The model folder of ``path``: itself, or in a run folder the model of ``role`` (the winner, or
    ``best-<family>``; of ``task`` where the run has several)."""
    path = Path(path)
    if (path / cards.CARD_FILE).is_file():
        return path
    models = path / files.MODELS_DIR
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder: give a run folder or a model folder (RUN/models/<task>/<solver>)")
    if not models.is_dir():
        raise UsageError(f"{path} has no exported model (no {cards.CARD_FILE}, no models/ folder): give a run "
                         "folder that finished with --export, or a model folder")
    found, tasks = {}, set()
    for card_path in sorted(models.glob(f"*/*/{cards.CARD_FILE}")):
        card = cards.read(card_path.parent)
        tasks.add(card["task"])
        if role in card.get("roles", []):
            found[card["task"]] = card_path.parent
    what = "winner" if role == "winner" else f"model of role {role!r} (the best of its family)"
    if task is not None:
        if task not in found:
            raise UsageError(f"{path} has no exported {what} for the task {task!r}; tasks with one: "
                             f"{', '.join(sorted(found)) or 'none'}")
        return found[task]
    if len(found) != 1 or len(tasks) > 1:
        raise UsageError(f"{path} holds " + (f"the models of {len(tasks)} tasks ({', '.join(sorted(tasks))}): "
                         "choose one with --task" if len(tasks) > 1 else f"no exported {what}: give a model folder"))
    return next(iter(found.values()))


class Ensemble:
    """Members' class probabilities averaged with the selection weights, as the run computed them."""

    def __init__(self, members: list[tuple[str, float, Any]], classes):
        self.members, self.classes_ = members, np.asarray(classes)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"members": {name: weight for name, weight, _ in self.members}}

    def predict_proba(self, X) -> np.ndarray:
        from dlbench.analysis.ensemble import combine

        classes, probas = list(self.classes_), []
        for _, _, solver in self.members:
            proba = class_probabilities(solver, X, classes)
            if proba is None:  # as the run did: one-hot rows of the member's predictions
                proba = _one_hot(np.asarray(solver.predict(X)).astype(str), classes)
            probas.append(proba)
        return combine(probas, [weight for _, weight, _ in self.members])

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def solver_from(folder: Path, card: dict[str, Any]):
    """The fitted solver (or ensemble) a card describes, every file checked against its SHA-256."""
    folder = Path(folder)
    expected = {name: f["sha256"] for name, f in card["files"].items()}
    if not card.get("members"):
        return files.load_solver(folder, expected, card["solver_class"].rsplit(".", 1)[0])
    files.verify(folder, expected)
    members = []
    for m in card["members"]:
        prefix = m["folder"].rstrip("/") + "/"
        own = {name[len(prefix):]: digest for name, digest in expected.items() if name.startswith(prefix)}
        members.append((m["solver"], m["weight"],
                        files.load_solver(folder / m["folder"], own, m["solver_class"].rsplit(".", 1)[0])))
    return Ensemble(members, card["classes"])


def load_model(path: str | Path, task: str | None = None, role: str = "winner") -> LoadedModel:
    """The exported model in ``path`` (a model folder, or a run folder: its model of ``role``, of
    ``task`` if several; see :func:`find_model`).

    Every file is checked against the SHA-256 its card recorded; a changed file is refused.
    """
    folder = find_model(path, task, role)
    card = cards.read(folder)
    try:
        solver = solver_from(folder, card)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - a library that cannot read the file: one line, not a traceback
        raise UsageError(f"cannot load the model in {folder} ({type(exc).__name__}: {' '.join(str(exc).split())[:200]}): "
                         f"it was saved with {', '.join(f'{k} {v}' for k, v in card['versions'].items())}") from None
    return LoadedModel(folder, card, solver)
