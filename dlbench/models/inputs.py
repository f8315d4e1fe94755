"""New raw inputs, checked against what a model was trained on, and read from files.

Owns the input schema of a model card (a table's columns and their kinds, an image shape, or
text, or a series length and channel count), turning raw inputs given to ``predict`` (a DataFrame with its columns in any order, a
list of strings, an image array) into exactly the form the training inputs had, and reading
new data files for ``dlbench predict``: a CSV, a text file (one example per line), a folder
of images, or for series a ``.ts``, an ``.npz`` (array ``X``) or a CSV with one series a row. Rows are never dropped or reordered. It does not own the model or its predictions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dlbench.core.errors import UsageError
from dlbench.core.task import column_kinds


#: Most categories of a column a card lists (to warn about unseen ones); more are not listed.
MAX_LISTED_CATEGORIES = 200


def input_schema(dataset, task_params: dict | None = None) -> dict[str, Any]:
    """What the training inputs were: the card's ``inputs``.

    Beyond names and shapes it keeps what new inputs are checked against: a numeric column's
    range and a categorical column's values (up to :data:`MAX_LISTED_CATEGORIES`), and for
    images the dtype and ``bright_low``, the 1st percentile of each training image's brightest
    pixel.
    """
    params = task_params or {}
    if dataset.modality == "tabular":
        X = dataset.X_train
        kinds = column_kinds(X)
        columns = []
        for c in X.columns:
            column = {"name": str(c), "kind": kinds[str(c)], "dtype": str(X[c].dtype)}
            values = X[c].dropna()
            if column["kind"] == "numeric" and len(values):
                finite = values[np.isfinite(values.to_numpy(dtype=float))]
                if len(finite):
                    column["min"], column["max"] = float(finite.min()), float(finite.max())
            elif column["kind"] == "categorical":
                seen = sorted(set(values.astype(str)))
                if len(seen) <= MAX_LISTED_CATEGORIES:
                    column["categories"] = seen
            columns.append(column)
        schema = {"columns": columns}
        if params.get("target"):
            schema["target"] = params["target"]
        return {"modality": "tabular", **schema}
    if dataset.modality == "image":
        images = np.asarray(dataset.X_train)
        brightest = images.reshape(len(images), -1).max(axis=1) if len(images) else np.zeros(1)
        return {"modality": "image", "shape": [int(d) for d in images.shape[1:]], "dtype": "uint8",
                "bright_low": int(np.percentile(brightest, 1))}
    if dataset.modality == "signal":
        series = np.asarray(dataset.X_train)
        return {"modality": "signal", "length": int(series.shape[1]), "channels": int(series.shape[2]),
                "dtype": "float32", "target": params.get("target")}
    return {"modality": "text", "text_column": params.get("text_column"), "target": params.get("target")}


def prepare(X, schema: dict[str, Any], notes: list[str] | None = None, warnings: list[str] | None = None):
    """``X`` in the form the model was trained on, or a one-line :class:`UsageError` naming what is wrong.

    ``notes`` collects what was ignored (extra columns, the target column); ``warnings`` what
    is predicted but unlike the training data (table values outside its range, unseen
    categories): normal data for a table, so said rather than refused.
    """
    modality = schema["modality"]
    if modality == "tabular":
        return _table(X, schema, notes if notes is not None else [], warnings if warnings is not None else [])
    if modality == "text":
        if isinstance(X, str):
            raise UsageError("give a list of texts, not one string")
        values = np.asarray(list(X), dtype=object)
        if values.ndim != 1:
            raise UsageError(f"texts must be a flat list of strings, got an array of shape {values.shape}")
        return np.array(["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in values],
                        dtype=object)
    if modality == "signal":
        return _series(X, schema)
    return _images(np.asarray(X), schema)


def _series(X, schema: dict[str, Any]) -> np.ndarray:
    """Series as in training, ``float32 (N, T, C)``: a 2-D array is one channel, series of another
    length (or a list of series of different lengths) are resampled as the training data was."""
    from dlbench.data.signals import as_series

    length, channels = int(schema["length"]), int(schema["channels"])
    expected = f"(N, {length}, {channels})"
    if isinstance(X, np.ndarray) and X.dtype != object and X.dtype.kind not in "biuf":
        raise UsageError(f"series must be numbers {expected} as in training, got {X.dtype}")
    if isinstance(X, np.ndarray) and X.ndim == 2 and channels > 1:
        raise UsageError(f"series must be an array {expected} as in training, got {X.shape}: give the "
                         f"{channels} channels on the last axis")
    series = as_series(X, length, where="the series")
    if series.shape[2] != channels:
        raise UsageError(f"series must be an array {expected} as in training, got {series.shape}: "
                         f"give {channels} channel{'' if channels == 1 else 's'}")
    return series


def _images(images: np.ndarray, schema: dict[str, Any]) -> np.ndarray:
    """Images exactly as in training (``uint8``, the same shape and value scale), or a one-line refusal."""
    shape = tuple(schema["shape"])
    expected = f"(N, {', '.join(map(str, shape))})"
    if images.dtype != np.uint8:
        if images.dtype.kind not in "biuf":
            raise UsageError(f"images must be a numeric uint8 array {expected} as in training, got {images.dtype}")
        seen = (f"values {_number(np.nanmin(images))} to {_number(np.nanmax(images))}" if images.size else "no values")
        raise UsageError(f"images must be uint8 pixel values 0-255 as in training, got {images.dtype} with {seen}: "
                         "scale them to 0-255 and cast with .astype(np.uint8)")
    if images.ndim == len(shape) and images.shape[1:] == shape[:-1] and shape[-1] == 1:
        images = images[..., None]  # grey images without their channel axis, as dlbench.run also takes them
    if images.ndim != len(shape) + 1 or images.shape[1:] != shape:
        raise UsageError(f"images must be an array of shape {expected} as in training, got {images.shape}: "
                         "resize them (`dlbench predict` on a folder of image files does it for you)")
    low = schema.get("bright_low")
    top = int(images.max()) if images.size else 0
    if low and 0 < top and top * 4 < low:
        raise UsageError(f"these images' brightest pixel is {top}, but nearly every training image reaches {low} or "
                         "more: give pixel values on the training scale, 0-255")
    return images


def _number(value) -> str:
    return f"{float(value):g}"


def _table(X, schema: dict[str, Any], notes: list[str], warnings: list[str]):
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
            X[name] = values = values.mask(np.isinf(values.to_numpy(dtype=float)))
            if "min" in column:
                outside = values[(values < column["min"]) | (values > column["max"])]
                if len(outside):
                    warnings.append(f"column {name!r}: {_count(len(outside), 'value')} outside the training range "
                                    f"{_number(column['min'])} to {_number(column['max'])} (e.g. "
                                    f"{_number(outside.iloc[0])}, row {int(outside.index[0]) + 1}): the model "
                                    "extrapolates there")
        else:
            present = values.notna()
            X[name] = values.astype(object).where(~present, values.astype(str))
            if "categories" in column:
                unseen = sorted(set(X[name][present].astype(str)) - set(column["categories"]))
                if unseen:
                    warnings.append(f"column {name!r}: {_count(len(unseen), 'category', 'categories')} never seen in "
                                    f"training ({', '.join(map(repr, unseen[:3]))}{', ...' if len(unseen) > 3 else ''})"
                                    ": the model treats them as unknown")
    return X


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


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
    if modality == "signal":
        return _read_series(path, schema, notes), None
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


def _read_series(path: Path, schema: dict[str, Any], notes: list[str] | None):
    """Series from a ``.ts`` file, an ``.npz`` (array ``X``) or a CSV of one series a row (the
    training target column, if there, is ignored)."""
    from dlbench.data import byod, signals

    if path.is_dir():
        raise UsageError(f"{path} is a folder, but the model takes series: give a .ts, .npz or CSV file")
    suffix = path.suffix.lower()
    if suffix == ".ts":
        return signals.read_ts(path)[0]
    if suffix == ".npz":
        arrays = signals.read_npz(path)
        if "X" not in arrays:
            raise UsageError(f"{path} has no array X (it holds {', '.join(sorted(arrays)) or 'nothing'}): save the "
                             "series as numpy.savez(path, X=series)")
        return arrays["X"]
    frame = byod.read_table(path)
    target = schema.get("target")
    if target in frame.columns:
        frame = frame.drop(columns=[target])
        if notes is not None:
            notes.append(f"ignored the column {target!r}: it is the target the model predicts")
    return signals.numbers(frame, path, "give one series of numbers a row")


def _read_images(path: Path, schema: dict[str, Any]):
    from dlbench.data import byod

    height, width, channels = schema["shape"]
    if path.is_file() and path.suffix.lower() not in byod.IMAGE_SUFFIXES:
        raise UsageError(f"{path} is not an image file: this model takes images, a folder of image files or one "
                         "image here, or a uint8 array (N, " + ", ".join(map(str, schema["shape"]))
                         + ") from Python with dlbench.load_model(...).predict(X)")
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
