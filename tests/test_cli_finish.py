"""The CLI's finishing touches: compare two real runs, --open, the file:// link, lists that fit 80 columns."""

from __future__ import annotations

import csv

import pytest

from dlbench.cli import main


def _run_dir(out):
    return next(p for p in out.iterdir() if p.is_dir())


def test_compare_two_runs_of_one_task_with_different_trials(tmp_path, cli):
    for name, trials in (("a", "1"), ("b", "3")):
        proc = cli("run", "wine", "--solvers", "majority,logreg", "--sizes", "40,80", "--seeds", "1", "--trials", trials,
                   "--out", tmp_path / name, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip().splitlines()[-1].startswith("report: file://")
    proc = cli("compare", _run_dir(tmp_path / "a"), _run_dir(tmp_path / "b"), "--out", tmp_path / "cmp", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "cmp" / "index.html").read_text(encoding="utf-8")
    assert "trials" in page and "dlbench comparison" in page
    with (tmp_path / "cmp" / "compare.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["solver"] for r in rows} == {"majority", "logreg"}
    other = tmp_path / "other"
    proc = cli("run", "breast-cancer", "--solvers", "majority", "--sizes", "40", "--seeds", "1", "--trials", "1", "--out", other,
               cwd=tmp_path)
    assert proc.returncode == 0
    proc = cli("compare", _run_dir(tmp_path / "a"), _run_dir(other), "--out", tmp_path / "cmp2", cwd=tmp_path)
    assert proc.returncode == 2 and "shares no task" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_open_shows_the_report_in_a_browser(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda uri: opened.append(uri) or True)
    with pytest.raises(SystemExit) as stop:
        main(["run", "wine", "--solvers", "majority", "--sizes", "40", "--seeds", "1", "--trials", "1", "--executor", "local",
              "--out", str(tmp_path), "--open"])
    assert stop.value.code == 0
    assert len(opened) == 1 and opened[0].startswith("file://") and opened[0].endswith("/index.html")


@pytest.mark.parametrize("kind", ["tasks", "solvers"])
def test_list_fits_80_columns_with_every_name_whole(tmp_path, cli, kind):
    proc = cli("list", kind, cwd=tmp_path, env={"COLUMNS": "80"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    names = [line.split()[0] for line in lines[2:] if line.strip()]
    import json

    listed = json.loads(cli("list", kind, "--json", cwd=tmp_path).stdout)
    assert sorted(names) == sorted(item["name"] for item in listed)  # every name, whole, one line each


def test_messages_name_lists_without_python_reprs(tmp_path, cli):
    proc = cli("run", "wine", "--families", "shalow", "--out", tmp_path, cwd=tmp_path)
    assert proc.returncode == 2
    assert "shalow" in proc.stderr and "['" not in proc.stderr
