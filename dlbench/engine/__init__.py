"""Running the grid: the run configuration, the plan of cells, one cell (tune, refit, score), isolation, executors and the runner.

Owns computing results and storing them as they finish. It reads tasks and solvers (through
the registry) and writes the store in ``core``. It never imports ``analysis`` or ``report``:
the CLI passes in the callback that writes the report.
"""
