"""A real Jupyter notebook drives dlbench: TensorFlow imported first, then ``dlbench.run`` on a DataFrame.

The kernel is the test's own Python (ipykernel); the run uses the default executor, which forks
worker processes from a kernel that has already imported TensorFlow and used it. The notebook
reads the leaderboard, predicts with the winner, reads the run back and shows it.
"""

from __future__ import annotations

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = [
    "import tensorflow as tf\nprint(float(tf.reduce_sum(tf.ones((2, 2)))))",
    "import dlbench\nfrom sklearn.datasets import load_wine\ndf = load_wine(as_frame=True).frame",
    "r = dlbench.run(df, target='target', name='wine-nb', solvers=['majority', 'logreg', 'mlp'], "
    "sizes=[60, 'full'], seeds=1, trials=1, out=OUT)",
    "board = r.leaderboard()\nprint(board.to_string())",
    "pred = r.winner.predict(df.drop(columns='target'))\nprint('accuracy', (pred == df['target']).mean(), pred.dtype)",
    "again = dlbench.load_run(r.path)\nassert again.leaderboard().equals(board)\nagain",
]


def test_a_notebook_runs_a_benchmark(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"OUT = {str(tmp_path / 'out')!r}")] + \
        [nbformat.v4.new_code_cell(c) for c in CELLS]
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError (with the cell's traceback) if any cell fails

    def text(i: int) -> str:
        return "".join(o.get("text", "") for o in nb.cells[i].outputs if o["output_type"] == "stream")

    assert "4.0" in text(1)
    run_output = text(3)
    assert "SystemExit" not in run_output and "Traceback" not in run_output
    assert "3/3" in run_output or "6/6" in run_output  # the progress bar reached every cell
    assert "mlp" in text(4) and "logreg" in text(4)
    accuracy, dtype = text(5).split()[1:3]
    assert float(accuracy) > 0.8 and dtype.startswith("int")
    shown = nb.cells[6].outputs[0]["data"]
    assert "text/html" in shown and "wine-nb" in shown["text/html"]
