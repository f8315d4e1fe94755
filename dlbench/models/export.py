"""Exporting a run's models: which cells, copied where, with which card, checked how.

Owns ``--export`` (``none``, ``winner``, ``families``: the winner and the best of each family,
``all``: every solver at the largest size), picking the cell of each exported solver (its
seed with the best validation score at the task's largest size, among the seeds whose fitted
solver was kept), writing ``RUN/models/<task>/<solver>/`` with its card, checking that the
folder predicts the task's test set exactly as the cell did, and ``RUN/models/index.json``.
A solver that cannot be saved without pickle is listed with the reason; the run goes on. It
does not fit anything: cells keep their fitted solvers (``engine.cell``).
"""

from __future__ import annotations

import json
import math
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from dlbench.core.folder import RunFolder
from dlbench.analysis import tables, winners
from dlbench.analysis.stats import wilson_interval
from dlbench.core import schema
from dlbench.core.errors import InputWarning
from dlbench.core.solver import ENSEMBLE
from dlbench.core.store import write_atomic
from dlbench.models import card as cards
from dlbench.models import files
from dlbench.models.inputs import input_schema
from dlbench.models.loaded import LoadedModel, solver_from



def _roles(cells, task: str, mode: str) -> dict[str, list[str]]:
    """Solver -> its roles (``winner`` first) under ``mode``."""
    if mode == "none":
        return {}
    chosen = winners.chosen_models(cells, task)
    if mode == "winner":
        chosen = {k: v for k, v in chosen.items() if k == "winner"}
    out: dict[str, list[str]] = {}
    for role, solver in chosen.items():
        out.setdefault(solver, []).append(role)
    if mode in ("families", "all") and chosen:
        largest = tables.sizes_of(cells, task)[-1]
        scored = tables.selection_scores(cells, task, largest)
        if ENSEMBLE in scored:
            out.setdefault(ENSEMBLE, []).append(ENSEMBLE)
        for solver in sorted(scored) if mode == "all" else ():
            out.setdefault(solver, ["exported"])
    return out


def _pick_cell(cells, task: str, solver: str, run_dir: Path) -> dict[str, Any] | None:
    """The ok row at the largest size whose kept solver is best by validation (ties: lowest seed)."""
    largest = tables.sizes_of(cells, task)[-1]
    mine = tables.ok_cells(cells[(cells["task"] == task) & (cells["solver"] == solver) &
                                 (cells["train_size"] == largest)])
    rows = mine.to_dict("records")
    if not rows:
        return None
    kept = [r for r in rows if files.staged_dir(run_dir, task, solver, r["seed"]).is_dir()] or rows

    def key(r):
        v = r.get("val_score")
        return (-(v if v is not None and not math.isnan(v) else -1.0), r["seed"])

    return min(kept, key=key)


def export_run(run_dir: Path, rows: list[dict], predictions: dict, datasets: dict, run_info: dict,
               mode: str, solver_classes: dict[str, type], final: bool, on_model=lambda name: None) -> list[dict]:
    """Export the models of every task in ``datasets`` under ``mode``; the entries of ``index.json``.

    ``final``: the run is complete, so the kept solvers of cells not exported are deleted.
    """
    run_dir = Path(run_dir)
    entries: list[dict] = []
    rows, predictions = schema.reference_rows(rows), schema.reference_predictions(predictions)
    if not rows or mode == "none":
        return entries
    cells = tables.frame(rows)
    params_of = {t["name"]: t.get("params") or {} for t in run_info.get("tasks", [])}
    for task in sorted(datasets):
        if not (cells["task"] == task).any():
            continue
        for solver, roles in sorted(_roles(cells, task, mode).items(), key=lambda kv: "winner" not in kv[1]):
            row = _pick_cell(cells, task, solver, run_dir)
            if row is None:
                continue
            on_model(f"{task} · {solver}")
            entries.append(_export_one(run_dir, row, roles, predictions, datasets[task], params_of.get(task, {}),
                                       solver_classes, run_info.get("run_id", run_dir.name)))
    if entries:
        index = RunFolder(run_dir).model_index
        index.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(index, json.dumps(entries, indent=2))
    if final:
        shutil.rmtree(run_dir / files.MODELS_DIR / files.STAGED_DIR, ignore_errors=True)
    return entries


def _export_one(run_dir: Path, row: dict, roles: list[str], predictions: dict, dataset, task_params: dict,
                solver_classes: dict[str, type], run_id: str) -> dict[str, Any]:
    task, solver, seed = row["task"], row["solver"], int(row["seed"])
    dest = files.model_dir(run_dir, task, solver)
    entry = {"task": task, "solver": solver, "roles": roles, "seed": seed, "train_size": int(row["train_size"]),
             "accuracy": row.get("accuracy"), "path": str(dest.relative_to(run_dir)), "saved": False, "reason": None}
    params = row.get("best_params") or {}
    params = json.loads(params) if isinstance(params, str) else params
    ensemble = row["family"] == ENSEMBLE
    parts = params.get("members", {}) if ensemble else {solver: None}  # solver -> weight
    stages = {m: files.staged_dir(run_dir, task, m, seed) for m in parts}
    for member, stage in stages.items():
        reason = None
        if not stage.is_dir():
            reason = (f"its fitted solver was not kept: only cells at the task's full training size keep theirs "
                      f"(this one has n={entry['train_size']:,}), unless the run had --export none")
        elif (stage / files.UNSAVED_FILE).is_file():
            reason = (stage / files.UNSAVED_FILE).read_text(encoding="utf-8").strip()
        elif member not in solver_classes:
            reason = f"the solver {member!r} is not installed here"
        if reason is not None:
            if (dest / cards.CARD_FILE).is_file():  # exported before (a resumed run): keep it
                old = cards.read(dest)
                if (old["seed"], old["train_size"]) == (seed, entry["train_size"]):
                    return {**entry, "saved": True, "reproduced": old.get("reproduced")}
            return {**entry, "reason": reason if not ensemble else f"its member {member} cannot be exported: {reason}"}
    shutil.rmtree(dest, ignore_errors=True)
    formats, members = {}, []
    for member, stage in stages.items():
        sub = f"members/{files.slug(member)}" if ensemble else ""
        shutil.copytree(stage, dest / sub if sub else dest, dirs_exist_ok=True)
        own = json.loads((stage / files.FORMATS_FILE).read_text(encoding="utf-8"))
        (dest / sub / files.FORMATS_FILE).unlink()
        formats.update({f"{sub}/{name}" if sub else name: fmt for name, fmt in own.items()})
        cls = solver_classes[member]
        members.append({"solver": member, "weight": parts[member], "folder": sub,
                        "solver_class": f"{cls.__module__}.{cls.__qualname__}"})
    arrays = predictions.get((task, solver, int(row["train_size"]), seed), {})
    val, n_val = row.get("val_score"), len(arrays.get("val_true", ())) or _val_examples(predictions, row, parts)
    low, high = wilson_interval(int(round(val * n_val)), n_val) if n_val and val is not None else (None, None)
    card = cards.build(
        roles=roles, row=row, solver_cls=solver_classes.get(solver) if not ensemble else None, params={},
        inputs=input_schema(dataset, task_params), classes=list(dataset.classes),
        label_type=dataset.label_type or "str", files=formats,
        digests=files.checksums(dest, formats),
        validation={"accuracy": val, "low": low, "high": high, "examples": n_val}, run_id=run_id, notes=[],
    )
    if ensemble:
        card["members"] = members
    try:
        loaded = LoadedModel(dest, card, solver_from(dest, card))
    except Exception as exc:  # noqa: BLE001 - saved but not loadable: not exported, and said why
        shutil.rmtree(dest, ignore_errors=True)
        return {**entry, "reason": f"saved, but it cannot be loaded back ({' '.join(str(exc).split())[:200]})"}
    # The parameters it was fitted with (the refit's: all n examples, the epochs found), not the tuned ones.
    card["params"] = cards.applicable_params(loaded.solver.get_params(deep=False), solver_classes.get(solver),
                                             dataset.modality)
    card["reproduced"] = _reproduces(loaded, dataset, arrays)
    if card["reproduced"] is False:
        card["notes"].append("predicting the test set with the exported files did not give the cell's predictions")
    write_atomic(dest / cards.CARD_FILE, json.dumps(card, indent=2, default=str))
    write_atomic(dest / "README.md", cards.readme(card))
    return {**entry, "saved": True, "reproduced": card["reproduced"]}


def _val_examples(predictions: dict, row: dict, members) -> int:
    """Validation examples of an ensemble: those of its members (one shared split)."""
    for member in members:
        arrays = predictions.get((row["task"], member, int(row["train_size"]), int(row["seed"])), {})
        if "val_true" in arrays:
            return len(arrays["val_true"])
    return 0


def _reproduces(model: LoadedModel, dataset, arrays: dict) -> bool | None:
    """Whether the exported files predict the test set exactly as the cell did (None: nothing to compare)."""
    if "test_pred" not in arrays:
        return None
    stored = np.asarray(dataset.classes)[np.asarray(arrays["test_pred"], dtype=int)]
    with warnings.catch_warnings():  # the task's own test rows may lie outside the training range: not news here
        warnings.simplefilter("ignore", InputWarning)
        return bool(np.array_equal(model.predict_names(dataset.X_test), stored))
