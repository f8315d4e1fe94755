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

from faults import usage_error
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


def test_class_with_one_example_is_dropped_with_a_note(tmp_path, caplog):
    path = tmp_path / "d.csv"
    path.write_text("a,label\n1,x\n2,x\n3,y\n4,y\n5,lonely\n")
    with caplog.at_level(logging.WARNING, logger="dlbench"):
        data = task_from_path(path, target="label").load()
    assert data.classes == ["x", "y"] and len(data.y_train) + len(data.y_test) == 4
    assert any("'lonely'" in note and "single example" in note for note in data.notes)
    assert "'lonely'" in caplog.text
    from dlbench.data.audit import audit

    assert audit(data)["notes"] == data.notes


def test_class_with_one_example_is_an_error_when_fewer_than_two_classes_remain(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,label\n1,x\n2,x\n3,x\n5,lonely\n")
    message = usage_error(path, target="label")
    assert "'lonely'" in message and "at least 2 examples per class" in message


def test_class_with_one_example_is_kept_with_an_explicit_test_file(tmp_path):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_text("a,label\n1,x\n2,x\n3,y\n4,y\n5,lonely\n")
    test.write_text("a,label\n9,lonely\n8,x\n7,y\n")
    data = task_from_path(train, target="label", test=test).load()
    assert data.classes == ["lonely", "x", "y"] and data.y_test.tolist() == ["lonely", "x", "y"]


def test_continuous_target_is_explained(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,price\n" + "".join(f"{i},{i * 1.5}\n" for i in range(40)))
    message = usage_error(path, target="price")
    assert "pick a target with a few classes" in message and "regression is not supported yet" in message
    assert "40 distinct values" in message


@pytest.mark.parametrize("n_rows, n_values, refused", [
    (150, 12, False),    # integer classes, several examples each
    (1000, 150, True),   # more than 100 classes, under 10 examples each
    (30000, 150, False),  # many classes but 200 examples each
    (60, 40, True),      # more distinct values than half the rows
    (60, 15, False),
])
def test_too_many_classes_is_refused_as_regression(tmp_path, n_rows, n_values, refused):
    path = tmp_path / "d.csv"
    path.write_text("a,y\n" + "".join(f"{i},{i % n_values}\n" for i in range(n_rows)))
    if refused:
        message = usage_error(path, target="y")
        assert f"{n_values} distinct values" in message and "regression is not supported yet" in message
    else:
        assert task_from_path(path, target="y").load().n_classes == n_values


def test_a_few_fractional_classes_are_fine(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,grade\n" + "".join(f"{i},{1 + (i % 4) / 2}\n" for i in range(40)))
    assert task_from_path(path, target="grade").load().classes == ["1.0", "1.5", "2.0", "2.5"]


@pytest.mark.parametrize("header, repeated", [
    ("x,label,label", "'label' (2 times)"),  # the target twice would leak the label into the features
    ("x,x,label,x", "'x' (3 times)"),
])
def test_duplicated_column_names_are_refused(tmp_path, header, repeated):
    path = tmp_path / "d.csv"
    n = header.count(",") + 1
    path.write_text(header + "\n" + "".join(",".join([str(i % 2)] * n) + "\n" for i in range(8)))
    message = usage_error(path, target="label")
    assert "duplicated column names" in message and repeated in message
    test = tmp_path / "t.csv"
    test.write_text("x,label\n1,1\n0,0\n")
    assert "duplicated column names" in usage_error(test, target="label", test=path)


def dirty_frame(n=60):
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "x": rng.normal(size=n),
        "spiky": np.where(np.arange(n) % 10 == 0, np.inf, rng.normal(size=n)),
        "empty": [None] * n,
        "same": ["k"] * n,
        "also_same": [3] * n,
        "mixed": [str(i) if i % 3 else "abc" for i in range(n)],
        "label": [["a", "b"][i % 2] for i in range(n)],
    })


def test_dirty_table_is_tidied_and_every_change_is_noted(tmp_path, caplog):
    path = tmp_path / "dirty.csv"
    frame = dirty_frame()
    pd.concat([frame, frame.iloc[:5]]).to_csv(path, index=False)  # duplicate rows too
    with caplog.at_level(logging.WARNING, logger="dlbench"):
        data = task_from_path(path, target="label").load()
    assert list(data.X_train.columns) == ["x", "spiky", "mixed"]
    both = pd.concat([data.X_train, data.X_test])
    assert not np.isinf(both["spiky"].to_numpy(dtype=float)).any() and both["spiky"].isna().sum() == 7
    assert column_kinds(data.X_train) == {"x": "numeric", "spiky": "numeric", "mixed": "categorical"}
    assert all(isinstance(v, str) for v in both["mixed"])
    notes = " | ".join(data.notes)
    assert "replaced 7 infinite values with missing" in notes
    assert "dropped 1 empty column of dirty.csv: empty" in notes
    assert "dropped 2 constant columns of dirty.csv: same, also_same" in notes
    assert "mixing numbers and text" in notes and "mixed" in notes
    assert all(note in caplog.text for note in data.notes)
    from dlbench.data.audit import audit

    report = audit(data)
    assert report["notes"] == data.notes and report["n_duplicates_in_train"] >= 1
    json.dumps(report)


def test_dirty_test_file_keeps_every_row_in_order(tmp_path):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    dirty_frame().to_csv(train, index=False)
    test_frame = dirty_frame(9).iloc[::-1]
    test_frame.loc[test_frame.index[0], "x"] = -np.inf
    test_frame.to_csv(test, index=False)
    data = task_from_path(train, target="label", test=test).load()
    assert data.y_test.tolist() == test_frame["label"].tolist() and len(data.X_test) == 9
    assert list(data.X_test.columns) == list(data.X_train.columns) == ["x", "spiky", "mixed"]
    assert data.X_test["x"].isna().iloc[0] and data.X_test["mixed"].tolist() == test_frame["mixed"].tolist()


def test_test_file_rows_without_a_label_are_refused_not_dropped(tmp_path):
    train, test = write_table(tmp_path / "train.csv", with_missing_label=False), tmp_path / "test.csv"
    test.write_text("label,color,age\n0,red,3\n,blue,4\n")
    message = usage_error(train, target="label", test=test)
    assert "1 row of the test file" in message and "data row 2" in message and "never dropped" in message


def test_only_empty_or_constant_features_is_an_error(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"1,,{'xy'[i % 2]}\n" for i in range(10)))
    assert "no usable feature column" in usage_error(path, target="label")


def test_empty_text_column_is_an_error(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("msg,label\n" + "".join(f",{'xy'[i % 2]}\n" for i in range(10)))
    assert "is empty in every row" in usage_error(path, target="label", text_column="msg")


def test_hostile_names_stay_one_line_in_messages(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"=cmd()": [1, 2], "a\nb": [3, 4], "label": ["x", "y"]}).to_csv(path, index=False)
    message = usage_error(path)
    assert "=cmd()" in message and "'a\\nb'" in message


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


# --- Dataset validation (core.task) ------------------------------------------------------------


@pytest.mark.parametrize("bad, n", [([None, "a"], 1), ([np.nan, np.nan], 2), (["", " "], 2), ([pd.NA, "b"], 1)])
def test_missing_training_labels_are_counted(bad, n):
    from dlbench import Dataset

    y = ["a", "b", "a", "b", *bad]
    with pytest.raises(UsageError) as info:
        Dataset(np.zeros((len(y), 2)), y, np.zeros((2, 2)), ["a", "b"], "image")
    message = str(info.value)
    assert f"training labels hold {n} missing value" in message and "give every example a class label" in message


def test_dataset_keeps_its_existing_messages_and_accepts_column_labels():
    from dlbench import Dataset

    X = np.zeros((4, 2))
    with pytest.raises(UsageError, match="only one class"):
        Dataset(X, ["a"] * 4, X[:1], ["a"], "image")
    with pytest.raises(UsageError, match="never occur in the training data"):
        Dataset(X, ["a", "b"] * 2, X[:1], ["c"], "image")
    with pytest.raises(UsageError, match="4 examples but 3 labels"):
        Dataset(X, ["a", "b", "a"], X[:1], ["a"], "image")
    with pytest.raises(UsageError, match="test labels hold 1 missing"):
        Dataset(X, ["a", "b"] * 2, X[:1], [None], "image")
    data = Dataset(X, np.array([[1], [2], [1], [2]]), X[:1], [1], "image")
    assert data.classes == ["1", "2"] and data.notes == []
