"""The model card: ``model.json`` (read back by ``load_model``) and a short ``README.md``.

Owns what a card says about an exported model (its role, the cell it comes from, the chosen
hyperparameters that apply to the task's inputs, test and validation scores with intervals,
the input schema, class names, library versions, file formats and checksums) and the human
text. It does not choose the model or save its files (``export``, ``files``).
"""

from __future__ import annotations

import json
import platform
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

CARD_FILE = "model.json"
CARD_FORMAT = "dlbench-model/1"
#: Distributions whose versions a card records; the others only when the model's files need them.
ALWAYS = ("dlbench", "numpy", "pandas", "scikit-learn", "skops")
BY_FORMAT = {"keras": ("keras", "tensorflow"), "xgboost-json": ("xgboost",)}
ROLE_TEXT = {"winner": "the winner of the task (best validation score at the largest size)",
             "best-rule": "the best rule-based solver", "best-shallow": "the best shallow-ML solver",
             "best-deep": "the best deep-learning solver", "ensemble": "a cross-family ensemble",
             "exported": "exported on request (--export all)"}


def versions(formats) -> dict[str, str]:
    names = [*ALWAYS, *(d for f in sorted(set(formats)) for d in BY_FORMAT.get(f, ()))]
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def applicable_params(params: dict[str, Any], solver_cls, modality: str) -> dict[str, Any]:
    """The hyperparameters that mean something for ``modality`` (the text options of an image model do not)."""
    limited = getattr(solver_cls, "modality_params", None) or {}
    return {k: v for k, v in sorted(params.items()) if modality in limited.get(k, (modality,))}


def build(*, roles: list[str], row: dict[str, Any], solver_cls, params: dict, inputs: dict, classes: list[str],
          label_type: str, files: dict[str, str], digests: dict[str, str], validation: dict[str, Any], run_id: str,
          notes: list[str]) -> dict[str, Any]:
    return {
        "format": CARD_FORMAT,
        "role": roles[0],
        "roles": roles,
        "task": row["task"], "solver": row["solver"], "family": row["family"],
        "solver_class": f"{solver_cls.__module__}.{solver_cls.__qualname__}" if solver_cls else None,
        "train_size": int(row["train_size"]), "seed": int(row["seed"]),
        "params": applicable_params(params, solver_cls, inputs["modality"]) if solver_cls else params,
        "scores": {
            "test": {"accuracy": row["accuracy"], "low": row.get("accuracy_low"), "high": row.get("accuracy_high"),
                     "macro_f1": row.get("macro_f1"), "examples": int(row["n_test"])},
            "validation": validation,
        },
        "inputs": inputs,
        "classes": list(classes),
        "label_type": label_type,
        "files": {name: {"format": files[name], "sha256": digests[name]} for name in sorted(files)},
        "versions": versions(files.values()),
        "run": run_id,
        "exported": datetime.now().astimezone().isoformat(timespec="seconds"),
        "notes": notes,
    }


def read(folder: Path) -> dict[str, Any]:
    from dlbench.core.errors import UsageError

    path = Path(folder) / CARD_FILE
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{folder} is not a dlbench model folder (no {CARD_FILE}): give RUN/models/<task>/<solver> "
                         "or a run folder") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path} cannot be read ({type(exc).__name__}): export the model again") from None
    if card.get("format") != CARD_FORMAT:
        raise UsageError(f"{path} is not a {CARD_FORMAT} card (format {card.get('format')!r}): export the model again")
    return card


def readme(card: dict[str, Any]) -> str:
    """The card as a page a person reads."""
    test, val = card["scores"]["test"], card["scores"]["validation"]

    def score(s) -> str:
        if s.get("accuracy") is None:
            return "not measured"
        band = f" (95% interval {s['low']:.3f}-{s['high']:.3f})" if s.get("low") is not None else ""
        return f"{s['accuracy']:.3f}{band} on {s['examples']:,} examples"

    params_text = ", ".join(f"{k}={v}" for k, v in card["params"].items() if k != "members")
    members = ", ".join(f"{m['solver']} (weight {m['weight']:.2f})" for m in card.get("members") or [])
    files_text = ", ".join(f"{name} ({f['format']})" for name, f in card["files"].items())
    inputs = card["inputs"]
    if inputs["modality"] == "tabular":
        takes = "a table with the columns " + ", ".join(f"`{c['name']}` ({c['kind']})" for c in inputs["columns"][:30])
    elif inputs["modality"] == "image":
        takes = "images of {}x{} pixels, {} channel(s), values 0-255 (image files are resized)".format(*inputs["shape"])
    elif inputs["modality"] == "signal":
        takes = "series of {} steps, {} channel(s), as a float array (N, T, C) or a .ts/.npz/CSV file (other lengths " \
                "are resampled)".format(inputs["length"], inputs["channels"])
    else:
        takes = "texts, one per example"
    lines = [
        f"# {card['solver']} for {card['task']}",
        "",
        f"{ROLE_TEXT.get(card['role'], card['role'])}; also: {', '.join(card['roles'][1:])}." if len(card["roles"]) > 1
        else f"{ROLE_TEXT.get(card['role'], card['role'])}.",
        "",
        f"- family: {card['family']}; trained on n = {card['train_size']:,} examples, seed {card['seed']} "
        f"(the row of `results.csv` with these values)",
        f"- test accuracy: {score(test)}",
        f"- validation accuracy: {score(val)} (cross-fitted: not the number that was maximised)",
        f"- takes {takes}",
        f"- predicts one of: {', '.join(card['classes'][:20])}",
        f"- members: {members}" if members else f"- hyperparameters: {params_text or 'none'}",
        f"- files: {files_text}; "
        "none runs code when loaded, and each is checked against its SHA-256 in model.json",
        *(f"- note: {n}" for n in card["notes"]),
        "",
        "## Use it",
        "",
        "```",
        "dlbench predict . NEW_DATA --out predictions.csv",
        "```",
        "",
        "```python",
        "import dlbench",
        "model = dlbench.load_model(\".\")",
        f"model.predict(X)        # class labels ({card.get('label_type', 'str')}, as in training)",
        "model.predict_proba(X)  # one column per class, in model.classes_ order",
        "```",
        "",
    ]
    return "\n".join(lines)
