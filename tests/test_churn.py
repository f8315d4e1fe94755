"""The generated churn task: its Bayes accuracy is what the best possible classifier reaches, and the report draws it."""

from __future__ import annotations

import numpy as np
import pandas as pd

import dlbench
from dlbench_tasks.churn import Churn


def test_the_bayes_classifier_reaches_the_bayes_accuracy():
    task = Churn(n_samples=40_000, seed=3)
    data = task.load()
    _, p, labels, (_, test) = task.draw()
    assert np.array_equal(labels[test], data.y_test)
    realised = np.mean(np.where(p[test] > 0.5, "left", "stayed") == data.y_test)
    se = np.sqrt(data.bayes_accuracy * (1 - data.bayes_accuracy) / len(test))
    assert abs(realised - data.bayes_accuracy) < 4 * se
    assert 0.7 < data.bayes_accuracy < 0.85 and np.mean(data.y_test == "left") < data.bayes_accuracy
    noiseless = Churn(n_samples=40_000, seed=3, label_noise=0.0).load().bayes_accuracy
    assert noiseless > data.bayes_accuracy + 0.02  # label noise lowers the ceiling


def test_the_table_has_what_real_tables_have_and_is_reproducible():
    data = Churn(n_samples=5_000).load()
    X = data.X_train
    missing = X.isna().mean()
    assert 0.05 < missing["age"] < 0.12 and 0.3 < missing["data_gb"] < 0.6 and missing["tenure_months"] == 0
    assert {c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])} == {"plan", "contract", "payment", "region"}
    again = Churn(n_samples=5_000).load()
    assert again.X_train.equals(X) and again.bayes_accuracy == data.bayes_accuracy
    assert len(data.y_test) == 1_250 and len(Churn(n_samples=200_000).draw()[3][1]) == 20_000


def test_the_report_draws_the_bayes_error(tmp_path):
    r = dlbench.run("churn:n_samples=1200", solvers=["majority", "naive-bayes"], sizes=[50, "full"], seeds=1,
                    trials=1, executor="local", out=tmp_path, progress=False)
    assert r.findings.task("churn").audit["bayes_accuracy"] == Churn(n_samples=1200).load().bayes_accuracy
    page = r.report_path.read_text(encoding="utf-8")
    assert "Bayes error" in page and "The dashed line is the Bayes error" in page
    # A run folder from before the Bayes accuracy was audited still rebuilds, without the line.
    from dlbench.core.folder import RunFolder
    from dlbench.report.html import rebuild

    folder = RunFolder(r.path)
    info = folder.read_info()
    for audit in info["audit"].values():
        del audit["bayes_accuracy"]
    folder.write_info(info)
    assert "Bayes error" not in rebuild(r.path).read_text(encoding="utf-8")
