"""What pyproject.toml cannot say: find every package of ``dlbench`` and of ``dlbench_tasks``.

The built-in tasks live in the top-level ``tasks/`` folder and install as ``dlbench_tasks``
(``package-dir`` in pyproject.toml), a name automatic discovery cannot give them. Everything
else about the build is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

NOT_CODE = ["*__pycache__*"]

setup(packages=[*find_namespace_packages(include=["dlbench", "dlbench.*"], exclude=NOT_CODE), "dlbench_tasks",
                *(f"dlbench_tasks.{p}" for p in find_namespace_packages(where="tasks", exclude=NOT_CODE))])
