"""dlbench's built-in tasks (installed as ``dlbench_tasks``).

They register through the ``dlbench.tasks`` entry-point group, exactly as a third-party
plugin does. Every module keeps its top level light: data libraries load inside ``load()``.
"""
