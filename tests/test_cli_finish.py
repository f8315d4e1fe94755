"""The CLI's finishing touches: compare two real runs, --open, the file:// link, lists that fit 80 columns."""

from __future__ import annotations

import csv

import pytest

from dlbench.cli import main


def _run_dir(out):
    return next(p for p in out.iterdir() if p.is_dir())


@pytest.mark.slow
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
    assert {r["solver"] for r in rows} == {"majority", "logreg", "ensemble"}
    other = tmp_path / "other"
    proc = cli("run", "breast-cancer", "--solvers", "majority", "--sizes", "40", "--seeds", "1", "--trials", "1", "--out", other,
               cwd=tmp_path)
    assert proc.returncode == 0
    proc = cli("compare", _run_dir(tmp_path / "a"), _run_dir(other), "--out", tmp_path / "cmp2", cwd=tmp_path)
    assert proc.returncode == 2 and "shares no task" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_the_last_line_says_what_trained_the_deep_solvers(tmp_path, cli):
    proc = cli("run", "wine", "--solvers", "majority,mlp", "--sizes", "40", "--seeds", "1", "--trials", "1",
               "--export", "none", "--out", tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("report: file://") and last.endswith("(deep solvers trained on cpu)"), last
    with (_run_dir(tmp_path) / "results.csv").open(encoding="utf-8") as fh:
        assert {r["solver"]: r["device"] for r in csv.DictReader(fh)} == {"majority": "cpu", "mlp": "cpu", "ensemble": "cpu"}
    page = (_run_dir(tmp_path) / "index.html").read_text(encoding="utf-8")
    assert "deep solvers trained on cpu" in page


def test_open_shows_the_report_in_a_browser(tmp_path, monkeypatch):
    import logging

    opened = []
    monkeypatch.setattr("webbrowser.open", lambda uri: opened.append(uri) or True)
    logger = logging.getLogger("dlbench")  # main() installs the CLI's warning handler: undo it afterwards
    monkeypatch.setattr(logger, "handlers", list(logger.handlers))
    monkeypatch.setattr(logger, "propagate", logger.propagate)
    monkeypatch.setattr(logger, "level", logger.level)
    with pytest.raises(SystemExit) as stop:
        main(["run", "wine", "--solvers", "majority", "--sizes", "40", "--seeds", "1", "--trials", "1",
              "--executor", "local", "--out", str(tmp_path), "--open"])
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


@pytest.mark.slow
def test_resume_takes_a_new_budget_and_refuses_other_changes(tmp_path, cli):
    out = tmp_path / "out"
    assert cli("run", "wine", "--solvers", "majority", "--sizes", "40", "--seeds", "1", "--trials", "1",
               "--out", out, cwd=tmp_path).returncode == 0
    run_dir = _run_dir(out)
    proc = cli("run", "--resume", run_dir, "--trials", "3", cwd=tmp_path)
    assert proc.returncode == 2 and "--resume keeps the run's own --trials" in proc.stderr
    proc = cli("run", "--resume", run_dir, "--budget", "10m", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    import json

    assert json.loads((run_dir / "run.json").read_text())["config"]["budget"] == 600


def test_your_own_train_csv_takes_its_folders_name(tmp_path, cli):
    folder = tmp_path / "churn"
    folder.mkdir()
    lines = ["x,y,label"] + [f"{i % 7},{i % 3},{'a' if i % 2 else 'b'}" for i in range(60)]
    (folder / "train.csv").write_text("\n".join(lines) + "\n")
    proc = cli("info", folder / "train.csv", "--target", "label", "--json", cwd=tmp_path)
    assert proc.returncode == 0 and '"name": "churn"' in proc.stdout
    proc = cli("info", folder / "train.csv", "--target", "label", "--name", "customers", "--json", cwd=tmp_path)
    assert '"name": "customers"' in proc.stdout
