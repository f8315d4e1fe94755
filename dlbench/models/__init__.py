"""Models to take away: exported solvers, their cards, and predicting with them.

Owns the model folder (``RUN/models/<task>/<solver>/``: the fitted solver in formats that run
no code when loaded, a ``model.json`` card and a ``README.md``), choosing which cells of a run
are exported, checking a folder before loading it, turning new raw inputs (a table, texts,
images) into what the model was trained on, and :func:`~dlbench.models.loaded.load_model`.
It does not train or score anything (``engine``) and does not write the report (``report``).
"""
