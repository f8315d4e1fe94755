"""Dirty data and hostile names: the run finishes without failed cells, and the report escapes every name.

Each case is a tiny run (two cheap solvers, one size, one seed) of dlbench in this process
(:func:`faults.call_main`) on a file written for it.
"""

from __future__ import annotations

import csv

import pytest

from faults import IRIS, TINY, assert_ok_no_failed, images, iris_rows, run_dirs, write_csv

AB = ["a", "b"]


def _write(d, file, header, table, delimiter=None, raw=None):
    path = d / file
    if raw is not None:
        path.write_bytes(raw)
    elif delimiter:
        path.write_text("\n".join(delimiter.join(map(str, r)) for r in [header, *table]) + "\n", encoding="utf-8")
    else:
        write_csv(path, header, table)
    return path


def dirty(name, header, table, *args, target="label", test=None, n_test=None, file="data.csv", delimiter=None,
          raw=None, marks=()):
    def setup(d):
        extra = ["--test", write_csv(d / "test.csv", *test)] if test else []
        return ["run", _write(d, file, header, table, delimiter, raw), "--target", target, *extra, *TINY, *args,
                "--out", d / "out"]

    return pytest.param(setup, n_test, id=name, marks=marks)


def _images_dirty(d):
    root = images(d / "pets", {"cat": 16, "dog": 16}, size=(10, 12))
    images(root, {"cat": 3}, size=(16, 9), mode="RGB")  # overwrites 0..2 with colour images of another size
    (root / "cat" / "broken.png").write_bytes(b"junk")
    (root / "dog" / "readme.txt").write_text("not an image")
    (root / "empty-class").mkdir()
    return ["run", root, *TINY, "--out", d / "out"]


def _raw(table, sep=",", end="\n", prefix=""):
    return (prefix + end.join(sep.join(map(str, r)) for r in table) + end).encode()


DIRTY = [
    dirty("infinities", IRIS, [[("inf" if i % 7 == 0 else r[0]), ("-inf" if i % 11 == 0 else r[1]), *r[2:]]
                               for i, r in enumerate(iris_rows(90))], target="species"),
    dirty("empty-columns", [*IRIS, "blank1", "blank2"], [[*r, "", ""] for r in iris_rows(90)], target="species"),
    dirty("constant-columns", [*IRIS, "k", "one"], [[*r, "same", 1] for r in iris_rows(90)], target="species"),
    dirty("mixed-type-column", [*IRIS, "mixed"],
          [[*r, (i if i % 3 else "n/a")] for i, r in enumerate(iris_rows(90))], target="species"),
    dirty("duplicate-rows", IRIS, iris_rows(60) + iris_rows(60), target="species"),
    dirty("rare-class-with-one-example", IRIS, iris_rows(90) + [[9, 9, 9, 9, "unicorn"]], target="species"),
    dirty("some-labels-missing", IRIS, iris_rows(90) + [[1, 2, 3, 4, ""]] * 3, target="species"),
    dirty("missing-feature-values", IRIS, [[("" if (i + j) % 5 == 0 else v) for j, v in enumerate(r[:4])] + [r[4]]
                                           for i, r in enumerate(iris_rows(90))], target="species"),
    dirty("numbers-as-labels", ["x", "y", "label"], [[i % 10 + (i % 2) * 5, i % 3, i % 2] for i in range(80)]),
    dirty("bool-column", ["x", "flag", "label"], [[i, ["True", "False"][i % 2], AB[i % 2]] for i in range(80)]),
    dirty("id-column", ["id", *IRIS], [[f"id-{i}", *r] for i, r in enumerate(iris_rows(90))], target="species"),
    dirty("huge-values", IRIS, [[r[0] * 1e300, *r[1:]] for r in iris_rows(90)], target="species"),
    dirty("many-columns", [f"c{j}" for j in range(150)] + ["label"],
          [[(i * j) % 7 + (i % 2) for j in range(150)] + [AB[i % 2]] for i in range(60)]),
    dirty("semicolons", IRIS, iris_rows(90), target="species", delimiter=";"),
    dirty("tabs-in-a-tsv", IRIS, iris_rows(90), target="species", delimiter="\t", file="data.tsv"),
    dirty("trailing-delimiters", IRIS, [], target="species",
          raw=("\n".join(",".join(map(str, r)) + "," for r in [IRIS, *iris_rows(90)]) + "\n").encode()),
    dirty("utf8-bom-and-crlf", IRIS, [], target="species", raw=_raw([IRIS, *iris_rows(90)], end="\r\n", prefix="\ufeff")),
    dirty("quoted-commas-and-newlines", ["note", *IRIS],
          [[f"a, b\nline {i % 4}", *r] for i, r in enumerate(iris_rows(90))], target="species"),
    dirty("whitespace-around-values", IRIS, [[f" {v} " for v in r[:4]] + [r[4]] for r in iris_rows(90)],
          target="species"),
    dirty("text-with-missing-texts", ["msg", "label"],
          [["" if i % 9 == 0 else f"{['win cash now', 'see you at lunch'][i % 2]} {i}", ["spam", "ham"][i % 2]]
           for i in range(80)], "--text-column", "msg"),
    dirty("test-file-dirty-and-reordered", IRIS, iris_rows(90), target="species", n_test=9,
          test=(IRIS[::-1], [[r[4], r[3], r[2], "inf" if i == 0 else r[1], r[0]]
                             for i, r in enumerate(iris_rows(9, 5))])),
    dirty("rare-class-kept-with-test-file", IRIS, iris_rows(90) + [[9, 9, 9, 9, "unicorn"]], target="species",
          test=(IRIS, iris_rows(9, 5) + [[9, 9, 9, 9, "unicorn"]]), n_test=10),
    dirty("every-shallow-and-rule-solver-on-dirty-data", [*IRIS, "blank", "k", "mixed"],
          [[("inf" if i % 13 == 0 else r[0]), *r[1:], "", "same", (i if i % 3 else "?")]
           for i, r in enumerate(iris_rows(120) + iris_rows(30, 1))] + [[1, 1, 1, 1, "unicorn", "", "same", 1]],
          "--solvers", "", "--families", "rule,shallow", "--sizes", "30", target="species", marks=pytest.mark.slow),
    pytest.param(_images_dirty, None, id="images-unreadable-mixed-sizes-and-modes"),
]


@pytest.mark.parametrize("setup, n_test", DIRTY)
def test_dirty_data_runs_without_failed_cells(setup, n_test, tmp_path, dlbench_main):
    table = assert_ok_no_failed(dlbench_main(*setup(tmp_path)), tmp_path / "out")
    if n_test is not None:  # no test row was dropped
        assert {r["n_test"] for r in table} == {str(n_test)}


# --- hostile names -----------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
FORMULA_LABELS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


def assert_escaped(out) -> None:
    """Every report page exists and holds no ``<script``: each name in it was escaped."""
    for run_dir in run_dirs(out):
        page = run_dir / "index.html"
        assert page.exists(), f"no index.html in {run_dir}"
        assert "<script" not in page.read_text(encoding="utf-8", errors="replace").lower(), "unescaped <script>"


def assert_csv_safe(out) -> None:
    """No exported CSV cell starts like a spreadsheet formula (=, +, @, or - before a non-number)."""
    bad = []
    for run_dir in run_dirs(out):
        for name in ("results.csv", "trials.csv", "summary.csv"):
            if (run_dir / name).exists():
                with (run_dir / name).open(encoding="utf-8", newline="") as fh:
                    for row in csv.reader(fh):
                        bad += [f"{name}: {c[:20]!r}" for c in row if c and (c[0] in "=+@" or (
                                c[0] == "-" and c[1:2] not in ("", ".") and not c[1:2].isdigit()))]
    assert not bad, f"formula-like CSV cells: {', '.join(bad[:3])}"


def hostile(name, header, table, target, file="data.csv", csv_safe=False):
    def setup(d):
        return ["run", write_csv(d / file, header, table), "--target", target, *TINY, "--out", d / "out"]

    return pytest.param(setup, csv_safe, id=name)


def _hostile_text(d):
    table = [[f"{SCRIPT} =cmd() message {i} {['free cash', 'lunch at 1'][i % 2]}", [SCRIPT, "=ham"][i % 2]]
             for i in range(80)]
    return ["run", write_csv(d / "sms.csv", ["<i>text</i>", "=label"], table), "--target", "=label",
            "--text-column", "<i>text</i>", *TINY, "--out", d / "out"]


def _hostile_images(d):
    root = images(d / "imgs", {"<script>cat</script>": 12, "=dog": 12, "ünïcode 猫": 12})
    return ["run", root, *TINY, "--out", d / "out"]


HOSTILE = [
    hostile("formula-column-names", ["=HYPERLINK(\"x\")", "+1", "-1", "@a", "species"],
            [r[:4] + [r[4]] for r in iris_rows(90)], "species"),
    hostile("formula-class-labels", IRIS, iris_rows(120, labels=FORMULA_LABELS), "species"),
    hostile("script-column-name", [SCRIPT, *IRIS[1:]], iris_rows(90), "species"),
    hostile("script-class-label", IRIS, iris_rows(90, labels=(SCRIPT, "ok", "<b>bold</b>")), "species"),
    hostile("script-target-name", [*IRIS[:4], SCRIPT], iris_rows(90), SCRIPT),
    hostile("quotes-in-names", ['say "hi"', "it's", *IRIS[2:]], iris_rows(90, labels=('"q"', "'s'", "`b`")),
            "species"),
    hostile("newlines-in-names", ["two\nlines", *IRIS[1:]], iris_rows(90, labels=("a\nb", "c\r\nd", "e")),
            "species"),
    hostile("unicode-names", ["größe 数据", "🌸 petal", "مرحبا", *IRIS[3:]],
            iris_rows(90, labels=("ñandú", "中文", "😀")), "species"),
    hostile("very-long-names", ["x" * 2000, *IRIS[1:]], iris_rows(90, labels=("L" * 1000, "M" * 1000, "s")),
            "species"),
    hostile("path-with-spaces-and-unicode", IRIS, iris_rows(90), "species", file="my data ünï 数据/train set é.csv"),
    hostile("script-in-file-name", IRIS, iris_rows(90), "species", file="<script>x</script>.csv"),
    hostile("formula-file-name-in-csv-exports", IRIS, iris_rows(90), "species", file="=1+2.csv", csv_safe=True),
    hostile("formula-labels-in-csv-exports", IRIS, iris_rows(120, labels=FORMULA_LABELS), "species", csv_safe=True),
    pytest.param(_hostile_text, False, id="script-in-text-and-labels"),
    pytest.param(_hostile_images, False, id="script-in-image-class-folders"),
]


@pytest.mark.parametrize("setup, csv_safe", HOSTILE)
def test_hostile_names_run_and_are_escaped(setup, csv_safe, tmp_path, dlbench_main):
    assert_ok_no_failed(dlbench_main(*setup(tmp_path)), tmp_path / "out")
    assert_escaped(tmp_path / "out")
    if csv_safe:
        assert_csv_safe(tmp_path / "out")
