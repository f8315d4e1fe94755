"""A fitted solver as files: saving, checksums, and loading only what was exported.

Owns the on-disk form of one fitted solver: the parts with a format of their own (``.keras``,
XGBoost JSON; see :meth:`~dlbench.core.solver.Solver.save_parts`) plus everything else with
``skops``, which rebuilds objects from a declared list of types instead of unpickling, and
refuses types outside the solver's own packages and the ML libraries. Every file's SHA-256 is
recorded; a folder whose files changed is refused. It does not choose what to export or write
the card (``export``, ``card``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dlbench.core.folder import RunFolder
from dlbench.core.errors import UsageError

STATE_FILE = "solver.skops"
#: ``--export``: no model, the winner of each task, also the best of each family, every solver.
EXPORT_MODES = ("none", "winner", "families", "all")
#: Packages whose types a ``solver.skops`` file may hold (besides the solver's own package).
TRUSTED_PACKAGES = ("dlbench", "dlbench_tasks", "sklearn", "numpy", "scipy", "xgboost", "wittgenstein")
#: Single standard-library types a solver may hold (the function a partial wraps is checked on its own).
TRUSTED_TYPES = ("functools.partial",)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_solver(solver, folder: Path) -> dict[str, str]:
    """Write a fitted ``solver`` into ``folder`` (created): ``{file name: format}``.

    Raises (from skops) when the solver holds something that cannot be saved without pickle,
    e.g. a lambda.
    """
    import skops.io as sio

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rest, files = solver.save_parts(folder)
    sio.dump(rest, folder / STATE_FILE)
    # skops writes what it cannot rebuild (a lambda, say) and fails only on load: find out now.
    sio.load(folder / STATE_FILE, trusted=sio.get_untrusted_types(file=folder / STATE_FILE))
    return {**files, STATE_FILE: "skops"}


def checksums(folder: Path, files) -> dict[str, str]:
    return {name: sha256(Path(folder) / name) for name in files}


def verify(folder: Path, expected: dict[str, str]) -> None:
    """A :class:`UsageError` naming the first file that is missing or changed since export."""
    for name, digest in expected.items():
        path = Path(folder) / name
        if not path.is_file():
            raise UsageError(f"{folder} is missing {name}: copy the whole model folder, or export it again")
        if sha256(path) != digest:
            raise UsageError(f"{path} changed after it was exported (its SHA-256 does not match model.json): "
                             "refusing to load it; export the model again or restore the original file")


def load_solver(folder: Path, expected: dict[str, str], solver_module: str):
    """The fitted solver saved in ``folder``, after checking every file against ``expected``."""
    import skops.io as sio

    folder = Path(folder)
    verify(folder, expected)
    path = folder / STATE_FILE
    untrusted = sio.get_untrusted_types(file=path)
    allowed = {*TRUSTED_PACKAGES, solver_module.split(".")[0]}
    foreign = [t for t in untrusted if t.split(".")[0] not in allowed and t not in TRUSTED_TYPES]
    if foreign:
        raise UsageError(f"{path} holds types from outside the solver's packages ({', '.join(foreign[:3])}): "
                         "refusing to load it")
    return sio.load(path, trusted=untrusted).load_parts(folder)


#: Where a run keeps its exported models, and (hidden) the full-size cells' fitted solvers they come from.
MODELS_DIR = RunFolder.MODELS
STAGED_DIR = ".cells"
#: Written instead of a model when a cell's solver could not be saved, with the reason.
UNSAVED_FILE = "unsaved.txt"
#: A kept solver's ``{file name: format}``, read (and removed) when it is exported.
FORMATS_FILE = "formats.json"


def slug(name: str) -> str:
    """A task or solver name as one safe path component."""
    return "".join(c if c.isalnum() or c in "-_.=" else "_" for c in str(name)).strip(".") or "_"


def staged_dir(run_dir: Path, task: str, solver: str, seed: int) -> Path:
    return Path(run_dir) / MODELS_DIR / STAGED_DIR / slug(task) / slug(solver) / f"seed-{int(seed)}"


def model_dir(run_dir: Path, task: str, solver: str) -> Path:
    return Path(run_dir) / MODELS_DIR / slug(task) / slug(solver)


def stage(solver, folder: Path) -> None:
    """Keep a full-size cell's fitted solver for export; a solver that cannot be saved leaves its reason."""
    import shutil

    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        formats = save_solver(solver, folder)
        (folder / FORMATS_FILE).write_text(json.dumps(formats), encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - any failure to save is a note on the model, never a failed cell
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        (folder / UNSAVED_FILE).write_text(f"cannot be saved without pickle ({reason})\n", encoding="utf-8")
