"""The signal modality's data: series files (.npz, .ts, CSV), their one-line errors and the UCR tasks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from faults import usage_error
from dlbench import UsageError
from dlbench.core.registry import discover
from dlbench.data.byod import task_from_path
from dlbench.data.signals import as_series, read_ts, write_ts


def sensor_series(n: int, seed: int, length: int = 48, channels: int = 1):
    """Sensor-like series: a noisy baseline, and per class a burst at its own place or a slow wave."""
    rng = np.random.default_rng(seed)
    y = np.array(["idle", "burst", "wave"])[np.arange(n) % 3]
    t = np.linspace(0, 1, length)
    X = rng.normal(0, 0.3, size=(n, length, channels))
    for i, label in enumerate(y):
        shift = rng.uniform(-0.05, 0.05)
        if label == "burst":
            X[i, :, 0] += 2.5 * np.exp(-((t - 0.3 - shift) ** 2) / 0.002)
        elif label == "wave":
            X[i, :, 0] += np.sin(2 * np.pi * 3 * (t + shift))
    return X.astype(np.float32), y


# --- .npz ---------------------------------------------------------------------------------------


def test_npz_series_and_images_and_an_internal_test_set(tmp_path):
    X, y = sensor_series(60, 0, channels=2)
    np.savez(tmp_path / "series.npz", X=X, y=np.arange(60) % 3)
    data = task_from_path(tmp_path / "series.npz").load()
    assert (data.modality, data.X_train.shape[1:], data.X_train.dtype) == ("signal", (48, 2), np.float32)
    assert len(data.y_train) + len(data.y_test) == 60 and data.label_type == "int"
    again = task_from_path(tmp_path / "series.npz").load()
    assert np.array_equal(data.y_test, again.y_test)  # the same seeded split every time

    np.savez(tmp_path / "flat.npz", X=X[:, :, 0].astype(np.float64), y=y, X_test=X[:9, :, 0], y_test=y[:9])
    data = task_from_path(tmp_path / "flat.npz").load()
    assert data.X_train.shape == (60, 48, 1) and data.X_test.shape == (9, 48, 1)

    images = np.random.default_rng(0).integers(0, 255, (40, 8, 8), dtype=np.uint8)
    np.savez(tmp_path / "images.npz", X=images, y=np.array(["a", "b"] * 20))
    np.savez(tmp_path / "images_test.npz", X=images[:6], y=np.array(["a", "b"] * 3))
    data = task_from_path(tmp_path / "images.npz", test=tmp_path / "images_test.npz").load()
    assert (data.modality, data.X_train.shape, data.X_test.shape) == ("image", (40, 8, 8, 1), (6, 8, 8, 1))


@pytest.mark.parametrize("arrays,expected", [
    ({"X": np.zeros((4, 5))}, "has no array y"),
    ({"X": np.zeros((4, 5)), "y": np.arange(3)}, "X has 4 examples but y 3 labels"),
    ({"X": np.zeros(4), "y": np.arange(4)}, "has shape (4,)"),
    ({"X": np.zeros((4, 2, 2, 2, 2)), "y": np.arange(4)}, "has shape (4, 2, 2, 2, 2)"),
    ({"X": np.full((6, 5), np.nan), "y": np.arange(6) % 2}, "NaN or infinite values in 6 series"),
    ({"X": np.array([["a", "b"]] * 4), "y": np.arange(4) % 2}, "must hold numbers"),
    ({"X": np.zeros((6, 5)), "y": np.arange(6) % 2, "X_test": np.zeros((2, 5))}, "has X_test but not y_test"),
])
def test_bad_npz_files_are_one_line_errors(tmp_path, arrays, expected):
    np.savez(tmp_path / "bad.npz", **arrays)
    assert expected in usage_error(tmp_path / "bad.npz")


def test_a_file_that_is_not_npz_and_pickled_arrays_are_refused(tmp_path):
    (tmp_path / "junk.npz").write_text("not a zip", encoding="utf-8")
    assert "cannot read" in usage_error(tmp_path / "junk.npz")
    np.savez(tmp_path / "objects.npz", X=np.array([np.zeros(3), np.zeros(4)], dtype=object), y=np.arange(2))
    assert "pickled" in usage_error(tmp_path / "objects.npz")


# --- .ts and CSV ---------------------------------------------------------------------------------


def test_ts_files_with_unequal_lengths_are_resampled_with_a_note(tmp_path):
    rng = np.random.default_rng(0)
    series = [rng.normal(size=(int(rng.integers(8, 16)), 3)) for _ in range(30)]
    labels = np.array(["a", "b", "c"] * 10)
    write_ts(tmp_path / "train.ts", series, labels)
    write_ts(tmp_path / "test.ts", series[:6], labels[:6])
    X, y, header = read_ts(tmp_path / "train.ts")
    assert len(X) == 30 and header["dimensions"] == "3" and list(y[:3]) == ["a", "b", "c"]
    data = task_from_path(tmp_path / "train.ts", test=tmp_path / "test.ts").load()
    longest = max(len(s) for s in series)
    assert data.X_train.shape == (30, longest, 3) and data.X_test.shape == (6, longest, 3)
    assert any("resampled" in note for note in data.notes)
    np.testing.assert_allclose(data.X_train[0, [0, -1]], series[0][[0, -1]], rtol=1e-5)  # the ends stay


@pytest.mark.parametrize("text,expected", [
    ("1,2,3:a\n", "expected an @-header or @data"),
    ("@problemName x\n", "has no @data line"),
    ("@data\n1,2,x:a\n", "line 2"),
    ("@data\n1,2,3:1,2:a\n", "channels have different lengths"),
    ("@data\n1,?,3:a\n", "missing values"),
    ("@classLabel false\n@data\n1,2,3:4,5,6\n", "no class labels"),
])
def test_bad_ts_files_are_one_line_errors(tmp_path, text, expected):
    (tmp_path / "bad.ts").write_text(text, encoding="utf-8")
    assert expected in usage_error(tmp_path / "bad.ts")


def test_a_csv_with_one_series_a_row(tmp_path):
    X, y = sensor_series(45, 1)
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(48)])
    frame.insert(0, "kind", y)
    frame.to_csv(tmp_path / "rows.csv", index=False)
    data = task_from_path(tmp_path / "rows.csv", target="kind", modality="signal").load()
    assert data.modality == "signal" and data.X_train.shape[1:] == (48, 1)
    frame["t5"] = frame["t5"].astype(object)
    frame.loc[3, "t5"] = "oops"
    frame.to_csv(tmp_path / "bad.csv", index=False)
    assert "'oops', not a number" in usage_error(tmp_path / "bad.csv", target="kind", modality="signal")
    assert "give --target" in usage_error(tmp_path / "rows.csv", modality="signal")


def test_series_of_other_lengths_and_channel_counts(tmp_path):
    assert as_series(np.zeros((2, 5))).shape == (2, 5, 1)
    assert as_series([np.zeros(3), np.ones(6)]).shape == (2, 6, 1)
    assert as_series(np.zeros((2, 5, 2)), 9).shape == (2, 9, 2)
    with pytest.raises(UsageError, match="different channel counts"):
        as_series([np.zeros((3, 1)), np.zeros((3, 2))])


# --- built-in tasks -------------------------------------------------------------------------------


@pytest.mark.parametrize("name,train,test,shape", [
    ("gunpoint", 50, 150, (150, 1)),
    ("italy-power-demand", 67, 1029, (24, 1)),
    ("basic-motions", 40, 40, (100, 6)),
    ("japanese-vowels", 270, 370, (26, 12)),  # the longest training series; test ones are resampled
])
def test_ucr_tasks_keep_the_archive_split(name, train, test, shape):
    task = discover().get("task", name)()
    data = task.load()
    assert (len(data.y_train), len(data.y_test), data.X_train.shape[1:]) == (train, test, shape)
    assert task.modality == "signal" and task.offline


def test_mnist1d_is_a_signal_task_with_its_parameters():
    task = discover().get("task", "mnist1d")(num_samples=500)
    data = task.load()
    assert data.modality == "signal" and data.X_train.shape[1:] == (40, 1) and data.n_classes == 10


def test_the_online_archive_task_is_offline_safe():
    task = discover().get("task", "ucr")
    with pytest.raises(UsageError, match="archive name"):
        task(dataset="../etc")
    with pytest.raises(UsageError):  # DLBENCH_OFFLINE in tests: one line, no network
        task(dataset="ECG200").load()




def test_an_online_archive_task_loads_through_the_downloader_and_cache(tmp_path, monkeypatch):
    import gzip
    import zipfile

    from dlbench_tasks.ucr import DATA

    mirror = tmp_path / "mirror"
    mirror.mkdir()
    with zipfile.ZipFile(mirror / "GunPoint.zip", "w") as zf:  # the archive's layout: NAME/NAME_TRAIN.ts
        for split in ("TRAIN", "TEST"):
            zf.writestr(f"GunPoint/GunPoint_{split}.ts", gzip.decompress((DATA / f"GunPoint_{split}.ts.gz").read_bytes()))
    monkeypatch.setenv("DLBENCH_MIRROR", mirror.as_uri())
    monkeypatch.setenv("DLBENCH_DATA", str(tmp_path / "cache"))
    data = discover().get("task", "ucr")(dataset="GunPoint").load()
    shipped = discover().get("task", "gunpoint")().load()
    np.testing.assert_array_equal(data.X_test, shipped.X_test)
    assert (tmp_path / "cache" / "ucr" / "GunPoint.zip").is_file()
    with pytest.raises(UsageError, match="holds no ECG200_TRAIN.ts"):
        (mirror / "ECG200.zip").write_bytes((mirror / "GunPoint.zip").read_bytes())
        discover().get("task", "ucr")(dataset="ECG200").load()
