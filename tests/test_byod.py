"""Bring-your-own-data tasks: CSV tables, text columns, image folders and their error messages."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlbench import Task, UsageError
from dlbench.data.byod import task_from_path
from dlbench.core.task import column_kinds

COLORS = ["red", "green", "blue", None]


def write_table(path, n=24, with_missing_label=True):
    """A small table: a numeric and a categorical column (both with gaps) and a 0/1 label."""
    rows = ["age,color,label"]
    for i in range(n):
        age = "" if i % 7 == 3 else str(20 + i)
        color = COLORS[i % 4] or ""
        rows.append(f"{age},{color},{i % 2}")
    if with_missing_label:
        rows.append("50,red,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def make_images(root, sizes_by_class, mode="L"):
    for label, sizes in sizes_by_class.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for i, (w, h) in enumerate(sizes):
            color = 200 if mode == "L" else (200, 10, 30)
            Image.new(mode, (w, h), color).save(root / label / f"{i}.png")
    return root


def usage_error(path, **kwargs) -> str:
    """The one-line message of the UsageError that ``task_from_path(...).load()`` raises."""
    with pytest.raises(UsageError) as info:
        task_from_path(path, **kwargs).load()
    message = str(info.value)
    assert "\n" not in message
    return message


# --- tables -----------------------------------------------------------------------------------


def test_csv_table_keeps_types_drops_unlabelled_rows_and_splits(tmp_path, caplog):
    task = task_from_path(write_table(tmp_path / "mydata.csv"), target="label")
    assert isinstance(task, Task)
    assert (task.name, task.modality, task.license) == ("mydata", "tabular", "user data")
    assert type(task).metadata()["name"] == "mydata"  # what the runner records
    json.dumps(vars(task))

    with caplog.at_level(logging.WARNING, logger="dlbench"):
        data = task.load()
    assert "dropped 1 row of" in caplog.text
    assert data.classes == ["0", "1"]  # labels as written, not 0.0/1.0
    assert column_kinds(data.X_train) == {"age": "numeric", "color": "categorical"}
    assert not pd.api.types.is_numeric_dtype(data.X_train["color"])
    both = pd.concat([data.X_train, data.X_test])
    assert both["age"].isna().sum() == 3 and both["color"].isna().sum() == 6
    assert (len(data.y_train), len(data.y_test)) == (18, 6)
    assert sorted(data.y_test.tolist()) == ["0", "0", "0", "1", "1", "1"]

    again = task.load()  # the seeded split never changes
    pd.testing.assert_frame_equal(again.X_test, data.X_test)


def test_semicolon_and_tsv_delimiters_are_detected(tmp_path):
    semi = tmp_path / "semi.csv"
    semi.write_text("x;y;label\n" + "".join(f"{i};{i * 2};{'ab'[i % 2]}\n" for i in range(8)))
    assert list(task_from_path(semi, target="label").load().X_train.columns) == ["x", "y"]
    tsv = tmp_path / "tabs.tsv"
    tsv.write_text("x\tlabel\n" + "".join(f"{i}, {i}\t{'ab'[i % 2]}\n" for i in range(8)))
    assert list(task_from_path(tsv, target="label").load().X_train.columns) == ["x"]


def test_text_column_makes_a_text_task(tmp_path):
    path = tmp_path / "sms.csv"
    frame = pd.DataFrame({
        "msg": ["win a prize now", "see you at 5", None, "call me", "free money, click", "lunch?"] * 2,
        "other": range(12),
        "label": ["spam", "ham", "spam", "ham", "spam", "ham"] * 2,
    })
    frame.to_csv(path, index=False)
    task = task_from_path(path, target="label", text_column="msg")
    assert task.modality == "text" and type(task).metadata()["modality"] == "text"
    data = task.load()
    assert data.modality == "text" and data.X_train.ndim == 1 and data.X_train.dtype == object
    texts = np.concatenate([data.X_train, data.X_test]).tolist()
    assert all(isinstance(t, str) for t in texts) and texts.count("") == 2


def test_explicit_test_csv(tmp_path):
    train = write_table(tmp_path / "train.csv", with_missing_label=False)
    test = tmp_path / "test.csv"
    # column order differs and 'color' holds only numbers: still read as categorical text
    test.write_text("label,color,age\n0,1,30\n1,red,\n")
    data = task_from_path(train, target="label", test=test).load()
    assert (len(data.y_train), len(data.y_test)) == (24, 2)
    assert list(data.X_test.columns) == ["age", "color"]
    assert data.X_test["color"].tolist() == ["1", "red"]


def test_loaded_table_works_end_to_end_with_solvers(tmp_path):
    from dlbench.solvers.rule import Majority
    from dlbench.solvers.shallow import LogisticRegressionSolver

    data = task_from_path(write_table(tmp_path / "d.csv"), target="label").load()
    for solver in (LogisticRegressionSolver(), Majority()):
        predictions = solver.fit(data.X_train, data.y_train).predict(data.X_test)
        assert len(predictions) == len(data.y_test)
        assert set(np.asarray(predictions).astype(str)) <= set(data.classes)


# --- image folders ----------------------------------------------------------------------------


def test_image_folder_resizes_skips_corrupt_and_warns(tmp_path, caplog):
    root = make_images(tmp_path / "pets", {"cat": [(10, 12), (20, 16), (30, 20)], "dog": [(12, 10), (14, 14)]})
    (root / "cat" / "bad.png").write_bytes(b"not an image at all")
    (root / "dog" / "notes.txt").write_text("ignored")
    task = task_from_path(root)
    assert (task.name, task.modality) == ("pets", "image")
    with caplog.at_level(logging.WARNING, logger="dlbench"):
        data = task.load()
    assert "skipped 1 unreadable image" in caplog.text and "cat/bad.png" in caplog.text
    X = np.concatenate([data.X_train, data.X_test])
    assert X.dtype == np.uint8 and X.shape == (5, 14, 14, 1)  # median height and width, grey
    assert data.classes == ["cat", "dog"]


def test_image_folder_mixed_modes_become_rgb_and_big_images_are_capped(tmp_path):
    root = make_images(tmp_path / "imgs", {"a": [(100, 300), (90, 200)]}, mode="L")
    make_images(root, {"b": [(120, 250), (80, 220)]}, mode="RGB")
    data = task_from_path(root).load()
    assert data.X_train.shape[1:] == (64, 64, 3)


def test_explicit_test_folder_uses_training_format(tmp_path):
    train = make_images(tmp_path / "train", {"a": [(8, 8)] * 2, "b": [(8, 8)] * 2})
    test = make_images(tmp_path / "test", {"a": [(20, 20)], "b": [(5, 9)]}, mode="RGB")
    data = task_from_path(train, test=test).load()
    assert data.X_train.shape == (4, 8, 8, 1) and data.X_test.shape == (2, 8, 8, 1)


# --- bad input: one line that says what to do ------------------------------------------------


def test_missing_path(tmp_path):
    assert "does not exist" in usage_error(tmp_path / "nope.csv", target="y")


def test_csv_without_target_lists_columns(tmp_path):
    message = usage_error(write_table(tmp_path / "d.csv"))
    assert "give --target COLUMN" in message and "age, color, label" in message


@pytest.mark.parametrize("option", ["target", "text_column"])
def test_unknown_column_suggests_closest(tmp_path, option):
    kwargs = {"target": "label", option: "colour"}
    message = usage_error(write_table(tmp_path / "d.csv"), **kwargs)
    assert "'colour'" in message and "did you mean 'color'" in message and "age, color, label" in message


def test_binary_file(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary\xff\xfe")
    assert "export it as 'CSV UTF-8'" in usage_error(path, target="y")


def test_unparsable_csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,label\n1,x\n2,y,3,4\n3,x\n")
    assert "same number of fields" in usage_error(path, target="label")


@pytest.mark.parametrize("text, expected", [("", "is empty"), ("  \n", "is empty"), ("a,label\n", "no rows")])
def test_empty_csv(tmp_path, text, expected):
    path = tmp_path / "d.csv"
    path.write_text(text)
    assert expected in usage_error(path, target="label")


def test_all_labels_missing(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,label\n1,\n2,\n")
    assert "give every example a class label" in usage_error(path, target="label")


def test_only_one_class(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,label\n1,x\n2,x\n3,x\n")
    assert "only one class" in usage_error(path, target="label")


def test_non_utf8_is_refused_with_position(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("a,label\n1,caf\u00e9\n2,tea\n".encode("latin-1"))
    message = usage_error(path, target="label")
    assert "re-save the file as UTF-8" in message and "line 2" in message and "offset 13" in message


def test_class_with_one_example_is_named(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,label\n1,x\n2,x\n3,y\n4,y\n5,lonely\n")
    message = usage_error(path, target="label")
    assert "'lonely'" in message and "at least 2 examples per class" in message


def test_continuous_target_is_explained(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,price\n" + "".join(f"{i},{i * 1.5}\n" for i in range(40)))
    assert "pick a target with a few classes" in usage_error(path, target="price")


def test_only_target_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("label\nx\ny\n")
    assert "add feature columns" in usage_error(path, target="label")


@pytest.mark.parametrize("layout", ["empty", "flat", "empty-classes"])
def test_folder_without_class_images(tmp_path, layout):
    root = tmp_path / "data"
    root.mkdir()
    if layout == "flat":
        Image.new("L", (4, 4)).save(root / "1.png")
    if layout == "empty-classes":
        (root / "cat").mkdir()
    assert "one sub-folder per class with images inside, e.g. data/cat/1.png" in usage_error(root)


def test_folder_of_unreadable_images(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        (tmp_path / label / "x.png").write_bytes(b"junk")
    assert "check they are valid image files" in usage_error(tmp_path)


def test_image_folder_with_column_options(tmp_path):
    root = make_images(tmp_path / "imgs", {"a": [(4, 4)] * 2, "b": [(4, 4)] * 2})
    assert "drop --target" in usage_error(root, target="label")


def test_test_columns_must_match(tmp_path):
    train = write_table(tmp_path / "train.csv")
    test = tmp_path / "test.csv"
    test.write_text("label,age,size\n0,3,big\n")
    message = usage_error(train, target="label", test=test)
    assert "missing: color" in message and "extra: size" in message and "give both the same columns" in message
    test.write_text("age,color\n3,red\n")
    assert "has no column 'label'" in usage_error(train, target="label", test=test)
    test.write_text("label,color,age\n0,red,old\n")
    assert "numeric" in usage_error(train, target="label", test=test)


def test_test_must_be_same_kind(tmp_path):
    root = make_images(tmp_path / "imgs", {"a": [(4, 4)] * 2, "b": [(4, 4)] * 2})
    assert "same kind of data" in usage_error(root, test=write_table(tmp_path / "t.csv"))


def test_module_top_level_is_light():
    code = "import sys, dlbench.data.byod; print(sorted({'pandas', 'PIL', 'sklearn'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_extra_fields_never_shift_columns(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,label\n1,x,\n2,y,\n3,x,\n4,y,\n")  # trailing delimiters
    data = task_from_path(path, target="label").load()
    assert sorted(data.classes) == ["x", "y"] and list(data.X_train.columns) == ["a"]
