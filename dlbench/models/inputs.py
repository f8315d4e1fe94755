"""New raw inputs, checked against what a model was trained on, and read from files.

Owns the input schema of a model card (a table's columns and their kinds, an image shape, or
text), turning raw inputs given to ``predict`` (a DataFrame with its columns in any order, a
list of strings, an image array) into exactly the form the training inputs had, and reading
new data files for ``dlbench predict``: a CSV, a text file (one example per line) or a folder
of images. Rows are never dropped or reordered. It does not own the model or its predictions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dlbench.core.errors import UsageError
from dlbench.core.task import column_kinds


def input_schema(dataset, task_params: dict | None = None) -> dict[str, Any]:
    """What the training inputs were: the card's ``inputs``."""
    params = task_params or {}
    if dataset.modality == "tabular":
        X = dataset.X_train
        kinds = column_kinds(X)
        schema = {"columns": [{"name": str(c), "kind": kinds[str(c)], "dtype": str(X[c].dtype)} for c in X.columns]}
        if params.get("target"):
            schema["target"] = params["target"]
        return {"modality": "tabular", **schema}
    if dataset.modality == "image":
        return {"modality": "image", "shape": [int(d) for d in np.asarray(dataset.X_train).shape[1:]],
                "dtype": "uint8"}
    return {"modality": "text", "text_column": params.get("text_column"), "target": params.get("target")}


def prepare(X, schema: dict[str, Any], notes: list[str] | None = None):
    """``X`` in the form the model was trained on, or a one-line :class:`UsageError` naming what is wrong.

    ``notes`` collects what was ignored (extra columns, the target column).
    """
    modality = schema["modality"]
    if modality == "tabular":
        return _table(X, schema, notes if notes is not None else [])
    if modality == "text":
        if isinstance(X, str):
            raise UsageError("give a list of texts, not one string")
        values = np.asarray(list(X), dtype=object)
        if values.ndim != 1:
            raise UsageError(f"texts must be a flat list of strings, got an array of shape {values.shape}")
        return np.array(["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in values],
                        dtype=object)
    images = np.asarray(X)
    shape = tuple(schema["shape"])
    if images.ndim == 3 and shape[-1] == 1:
        images = images[..., None]
    if images.ndim != 4 or images.shape[1:] != shape:
        raise UsageError(f"images must be an array of shape (N, {', '.join(map(str, shape))}) as in training, "
                         f"got {images.shape}: resize them (`dlbench predict` on a folder does it for you)")
    if images.dtype != np.uint8:
        if np.issubdtype(images.dtype, np.floating) and images.size and np.nanmax(images) <= 1.0:
            raise UsageError("images must hold 0-255 pixel values (uint8) as in training, not floats in [0, 1]")
        images = np.clip(images, 0, 255).astype(np.uint8)
    return images


def _table(X, schema: dict[str, Any], notes: list[str]):
    import pandas as pd

    if not hasattr(X, "columns"):
        raise UsageError(f"the model takes a table (a pandas DataFrame with the columns "
                         f"{', '.join(c['name'] for c in schema['columns'][:5])}...), got {type(X).__name__}")
    X = X.copy()
    X.columns = [str(c) for c in X.columns]
    wanted = [c["name"] for c in schema["columns"]]
    missing = [c for c in wanted if c not in X.columns]
    if missing:
        raise UsageError(f"the data has no column {missing[0]!r}" + (f" (nor {len(missing) - 1} other)" if
                         len(missing) > 1 else "") + f": the model needs the columns {', '.join(wanted[:10])}"
                         + ("..." if len(wanted) > 10 else ""))
    extra = [c for c in X.columns if c not in wanted]
    target = schema.get("target")
    if target in extra:
        notes.append(f"ignored the column {target!r}: it is the target the model predicts")
        extra.remove(target)
    if extra:
        notes.append(f"ignored {len(extra)} column{'' if len(extra) == 1 else 's'} the model does not use: "
                     f"{', '.join(map(repr, extra[:5]))}")
    X = X[wanted].reset_index(drop=True)
    for column in schema["columns"]:
        name, values = column["name"], X[column["name"]]
        if column["kind"] == "numeric":
            if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                numbers = pd.to_numeric(values, errors="coerce")
                bad = values[values.notna() & numbers.isna() & (values.astype(str).str.strip() != "")]
                if len(bad):
                    raise UsageError(f"column {name!r} must hold numbers, as in training, but holds "
                                     f"{bad.iloc[0]!r} (row {int(bad.index[0]) + 1}): fix it or leave it empty")
                values = numbers
            X[name] = values.mask(np.isinf(values.to_numpy(dtype=float)))
        else:
            present = values.notna()
            X[name] = values.astype(object).where(~present, values.astype(str))
    return X


def read_inputs(path: Path, schema: dict[str, Any], text_column: str | None = None,
                notes: list[str] | None = None) -> tuple[Any, list[str] | None]:
    """Raw inputs from a file or folder for ``dlbench predict``: ``(inputs, image file names or None)``."""
    from dlbench.data import byod

    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path} does not exist: give a CSV file, a text file or a folder of images")
    modality = schema["modality"]
    if modality == "image":
        return _read_images(path, schema)
    if path.is_dir():
        raise UsageError(f"{path} is a folder, but the model takes {modality} data: give a CSV"
                         + (" or a text file" if modality == "text" else "") + " file")
    if modality == "tabular":
        categorical = [c["name"] for c in schema["columns"] if c["kind"] == "categorical"]
        return byod.read_table(path, categorical), None
    if path.suffix.lower() not in (".csv", ".tsv", ".tab"):  # a plain text file: one example per line
        lines = byod.read_text(path).splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        return lines, None
    column = text_column or schema.get("text_column")
    frame = byod.read_table(path, [column] if column else [])
    if column is None:
        if len(frame.columns) != 1:
            raise UsageError(f"{path} has {len(frame.columns)} columns: name the one holding the text with "
                             "--text-column")
        column = frame.columns[0]
    if column not in frame.columns:
        raise UsageError(f"{path} has no column {column!r} (the text column in training): give --text-column")
    target = schema.get("target")
    if notes is not None and target in frame.columns:
        notes.append(f"ignored the column {target!r}: it is the target the model predicts")
    return frame[column].fillna("").astype(str).tolist(), None


def _read_images(path: Path, schema: dict[str, Any]):
    from dlbench.data import byod

    height, width, channels = schema["shape"]
    if path.is_file():
        files = [path]
    else:
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in byod.IMAGE_SUFFIXES)
    if not files:
        raise UsageError(f"{path} holds no image files ({', '.join(sorted(byod.IMAGE_SUFFIXES))})")
    images = []
    for file in files:
        try:
            images.append(byod.load_image(file, "L" if channels == 1 else "RGB", (width, height)))
        except byod.unreadable_errors() as exc:
            raise UsageError(f"cannot read the image {file} ({type(exc).__name__}): remove it or replace it") from None
    X = np.stack(images)
    names = [f.relative_to(path).as_posix() if path.is_dir() else f.name for f in files]
    return (X[..., None] if X.ndim == 3 else X), names
