"""Bad options and bad data: one ``error:`` line and exit code 2, never a traceback, nothing trained.

Each case writes its files into a temporary folder and returns dlbench's arguments; dlbench runs
in this process (:func:`faults.call_main`), as the errors come before any training.
"""

from __future__ import annotations

import pytest

from faults import (IRIS, TINY, Proc, assert_exit2_one_line, assert_failed_row_run_goes_on, assert_ok_no_failed,
                    call_main, images, iris, iris_rows, rows, write_csv)


def run_wine(*args):
    return lambda d: ["run", "wine", *TINY, *args, "--out", d / "out"]


def with_args(args, *extra):
    """``args`` with some of its options replaced by ``extra`` (same option names)."""
    merged, i, names = [], 0, set(extra[::2])
    while i < len(args):
        if args[i] in names:
            i += 2
            continue
        merged.append(args[i])
        i += 1
    return [*merged, *extra]


def run_with(*extra):
    return lambda d: ["run", "wine", *with_args(TINY, *extra), "--out", d / "out"]


def case(name, setup, expected="", marks=()):
    return pytest.param(setup, expected, id=name, marks=marks)


def _out_is_a_file(d):
    (d / "f").write_text("x")
    return ["run", "wine", *TINY, "--out", d / "f"]


BAD_OPTIONS = [
    *[case(f"budget={v}", run_wine("--budget", v), f"--budget {v!r}")
      for v in ("nan", "NaN", "inf", "-inf", "1e400", "-5", "0", "10x", "soon")],
    *[case(f"{option[2:]}={v}", run_wine(option, v), f"{v!r}")
      for option, v in (("--tune-time", "nan"), ("--tune-time", "0"), ("--trial-timeout", "-1s"),
                        ("--cell-timeout", "forever"), ("--cell-timeout", "inf"), ("--trial-timeout", "1.5.2m"))],
    *[case(f"sizes={v}", run_with("--sizes", v), "--sizes") for v in ("0", "-5", "1.5", "20,,40", "lots", ",", "1e3")],
    case("sizes-smaller-than-classes", run_with("--sizes", "2")),
    case("sizes-beyond-pool", run_with("--sizes", "100000")),
    *[case(f"{option[2:]}={v}", run_with(option, v), f"invalid value for '{option}'" if v in ("0", "-1") else option)
      for option, v in (("--seeds", "0"), ("--seeds", "-1"), ("--seed", "-1"), ("--seed", "abc"), ("--trials", "0"),
                        ("--workers", "0"), ("--target-score", "1.5"), ("--target-score", "nan"))],
    case("unknown-solver", run_with("--solvers", "no-such-solver"), "unknown solver 'no-such-solver'"),
    case("unknown-solver-among-known", lambda d: ["run", "digits", "--solvers", "logreg,svn"], "unknown solver 'svn'"),
    case("unknown-family", run_wine("--families", "rules"), "unknown family"),
    case("unknown-family-digits", lambda d: ["run", "digits", "--families", "symbolic"], "unknown family"),
    case("unknown-tuner", run_wine("--tuner", "grid")),
    case("unknown-executor", run_wine("--executor", "threads"), "--executor"),
    case("unknown-task", lambda d: ["run", "digitz", *TINY], "did you mean digits"),
    case("no-solver-left-after-families", run_wine("--families", "deep")),
    case("no-task", lambda d: ["run", *TINY]),
    case("task-and-resume", run_wine("--resume", "somewhere")),
    case("task-option-without-value", lambda d: ["run", "circles:noise", *TINY], "key=value"),
    case("task-option-unknown", lambda d: ["run", "circles:colour=1", *TINY]),
    case("task-option-bad", lambda d: ["run", "circles:radius=2"], "bad options for task 'circles'"),
    case("tasks-dir-missing", lambda d: ["--tasks-dir", d / "nope", "list"], "does not exist"),
    case("info-unknown-task", lambda d: ["info", "wien"]),
    case("info-misspelt-task", lambda d: ["info", "sms-spamm"], "did you mean sms-spam"),
    case("unknown-option", run_wine("--bugdet", "10m"), "no such option '--bugdet'"),
    case("list-unknown-kind", lambda d: ["list", "models"], "invalid value"),
    case("out-is-a-file", _out_is_a_file),
    case("quick-and-thorough", run_wine("--quick", "--thorough"), "not both"),
    case("data-options-on-a-registered-task", run_wine("--target", "label"), "to your own data files"),
    case("scheduler-without-dask", run_wine("--scheduler", "tcp://127.0.0.1:1"), "--executor dask"),
]


@pytest.mark.parametrize("setup, expected", BAD_OPTIONS)
def test_bad_option_is_one_error_line(setup, expected, tmp_path, dlbench_main):
    assert_exit2_one_line(dlbench_main(*setup(tmp_path)), expected)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_repeated_sizes_are_merged(tmp_path, dlbench_main):
    proc = dlbench_main(*run_with("--sizes", "20,20,20")(tmp_path))
    table = assert_ok_no_failed(proc, tmp_path / "out")
    cells = [r for r in table if r["family"] != "ensemble"]  # the grid's cells; the ensemble row is derived
    assert {r["train_size"] for r in table} == {"20"} and len(cells) == 2


# --- bad data --------------------------------------------------------------------------------


def csv_case(name, header, table, *args, test=None, target="label", expected=""):
    def setup(d):
        path = write_csv(d / "data.csv", header, table)
        extra = [] if target is None else ["--target", target]
        if test is not None:
            extra += ["--test", write_csv(d / "test.csv", *test)]
        return ["run", path, *extra, *TINY, *args, "--out", d / "out"]

    return case(name, setup, expected)


def bytes_case(name, data: bytes, expected=""):
    def setup(d):
        (d / "data.csv").write_bytes(data)
        return ["run", d / "data.csv", "--target", "label", *TINY, "--out", d / "out"]

    return case(name, setup, expected)


def _flat_images(d):
    images(d / "tmp", {"x": 4})
    (d / "tmp" / "x").rename(d / "flat")  # images right in the folder, no class sub-folders
    return ["run", d / "flat", *TINY]


def _unreadable_images(d):
    for label in ("cat", "dog"):
        (d / "pets" / label).mkdir(parents=True)
        for i in range(5):
            (d / "pets" / label / f"{i}.png").write_bytes(b"not a png at all")
    return ["run", d / "pets", *TINY]


def _text_file(d, *args):
    (d / "notes.txt").write_text("just some prose\nwith no header\nand no labels at all\n")
    return ["run", d / "notes.txt", *args, *TINY]


def _empty_folder(d):
    (d / "empty").mkdir()
    return ["run", d / "empty", *TINY]


AB = ["a", "b"]
BAD_DATA = [
    csv_case("duplicated-target-column", ["x", "label", "label"], [[i, AB[i % 2], AB[i % 2]] for i in range(40)]),
    csv_case("duplicated-feature-column", ["x", "x", "label"], [[i, -i, AB[i % 2]] for i in range(40)]),
    csv_case("target-column-missing", IRIS, iris_rows(), target="label"),
    csv_case("target-option-missing", IRIS, iris_rows(), target=None),
    csv_case("continuous-target", ["x", "price"], [[i, i * 1.37] for i in range(80)], target="price"),
    csv_case("too-many-classes", ["x", "code"], [[i, i % 150] for i in range(600)], target="code"),
    csv_case("id-like-target", ["x", "id"], [[i, f"row-{i}"] for i in range(60)], target="id"),
    csv_case("one-class", ["x", "label"], [[i, "same"] for i in range(30)]),
    csv_case("all-labels-missing", ["x", "label"], [[i, ""] for i in range(30)]),
    csv_case("only-the-target-column", ["label"], [[AB[i % 2]] for i in range(30)]),
    csv_case("ragged-rows", ["x", "label"], [[1, "a"], [2, "b", 3, 4], [3, "a"], [4, "b"]]),
    csv_case("only-constant-or-empty-features", ["k", "e", "label"], [[1, "", AB[i % 2]] for i in range(30)]),
    csv_case("singletons-leave-one-class", ["x", "label"], [[i, "big"] for i in range(20)] + [[99, "lonely"]]),
    csv_case("text-column-missing", ["msg", "label"], [[f"text {i}", AB[i % 2]] for i in range(30)],
             "--text-column", "message"),
    csv_case("text-column-is-target", ["msg", "label"], [[f"text {i}", AB[i % 2]] for i in range(30)],
             "--text-column", "label"),
    csv_case("text-column-empty", ["msg", "label"], [["", AB[i % 2]] for i in range(30)], "--text-column", "msg"),
    csv_case("test-other-columns", IRIS, iris_rows(), target="species",
             test=(["sepal_length", "petal_length", "colour", "species"], [[5, 1, "red", "setosa"]])),
    csv_case("test-unseen-label", IRIS, iris_rows(), target="species", test=(IRIS, [[5, 3, 1, 0.2, "rose"]])),
    csv_case("test-unlabelled-rows", IRIS, iris_rows(), target="species",
             test=(IRIS, [[5, 3, 1, 0.2, "setosa"], [5, 3, 1, 0.2, ""]])),
    csv_case("test-numeric-column-holds-text", IRIS, iris_rows(), target="species",
             test=(IRIS, [["tall", 3, 1, 0.2, "setosa"]])),
    bytes_case("empty-file", b""),
    bytes_case("blank-lines-only", b"\n \n\n"),
    bytes_case("header-only", b"x,label\n"),
    bytes_case("binary-xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary\xff\xfe" * 20),
    bytes_case("utf16", "x,label\n1,a\n2,b\n".encode("utf-16")),
    bytes_case("latin1", "x,label\n1,caf\xe9\n2,th\xe9\n".encode("latin-1")),
    case("data-path-missing", lambda d: ["run", d / "nope.csv", "--target", "label", *TINY], "nope.csv"),
    case("test-path-missing", lambda d: ["run", iris(d), "--target", "species", "--test", d / "nope.csv", *TINY],
         "nope.csv"),
    case("text-file-without-labels", lambda d: _text_file(d, "--target", "label")),
    case("text-file-without-target-option", lambda d: _text_file(d)),
    case("images-one-class", lambda d: ["run", images(d / "pets", {"cat": 12}), *TINY]),
    case("images-empty-folder", _empty_folder),
    case("images-without-class-folders", _flat_images),
    case("images-with-target-option",
         lambda d: ["run", images(d / "pets", {"cat": 6, "dog": 6}), "--target", "label", *TINY]),
    case("images-all-unreadable", _unreadable_images),
    case("images-test-class-unseen", lambda d: [
        "run", images(d / "train", {"cat": 6, "dog": 6}), "--test", images(d / "test", {"cow": 2}), *TINY]),
    case("csv-train-image-test", lambda d: [
        "run", iris(d), "--target", "species", "--test", images(d / "test", {"a": 2}), *TINY]),
]


@pytest.mark.parametrize("setup, expected", BAD_DATA)
def test_bad_data_is_one_error_line(setup, expected, tmp_path, dlbench_main):
    assert_exit2_one_line(dlbench_main(*setup(tmp_path)), expected)
    assert not rows(tmp_path / "out")


# --- the judge itself --------------------------------------------------------------------------


def test_the_judge_takes_one_error_line_and_nothing_else():
    ok = Proc(2, "", "warning: a plugin was skipped\nerror: the duration 'nan' is not ...\n")
    assert assert_exit2_one_line(ok, "'nan'").startswith("error:")
    for bad in (Proc(2, "", "Usage: dlbench run\n\nError: Invalid value\n"),
                Proc(2, "", "error: one\nerror: two\n"),
                Proc(1, "", "Traceback (most recent call last):\nValueError: x\n"),
                Proc(0, "", ""),
                Proc(2, "", "error: another message\n")):
        with pytest.raises(AssertionError):
            assert_exit2_one_line(bad, "'nan'" if bad.stderr.startswith("error: another") else "")


def test_an_exception_in_process_is_a_traceback_and_exit_1(tmp_path, monkeypatch):
    def boom(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("dlbench.cli.cli.main", boom)
    proc = call_main(["list"], cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "ValueError: a bug" in proc.stderr
    with pytest.raises(AssertionError):
        assert_exit2_one_line(proc)


def test_the_judge_of_a_run_wants_ok_rows_and_no_failed_ones(tmp_path):
    run_dir = tmp_path / "out" / "run"
    write_csv(run_dir / "results.csv", ["solver", "family", "status", "error"],
              [["majority", "rule", "ok", ""], ["raises", "rule", "failed", "boom"]])
    done = Proc(0, "", "")
    assert len(assert_failed_row_run_goes_on(done, tmp_path / "out")) == 2
    with pytest.raises(AssertionError):
        assert_ok_no_failed(done, tmp_path / "out")
    with pytest.raises(AssertionError):
        assert_ok_no_failed(done, tmp_path / "empty")
    with pytest.raises(AssertionError):
        assert_failed_row_run_goes_on(Proc(1, "", ""), tmp_path / "out")
