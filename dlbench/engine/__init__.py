"""Running the grid: the run configuration, planning, one cell (tune, refit, score), isolation, executors and the runner.

Owns computing results and storing them as they finish, and the events that say so. It reads
tasks and solvers (through the registry), uses ``analysis`` only for what a cell or an
ensemble computes (an interval, the ensemble's selection) and writes the store and run folder
in ``core``. It never imports ``report`` or ``api`` and never prints: listeners render its
events, and the API passes in the callback that writes the report.
"""
