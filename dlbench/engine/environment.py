"""The machine and the package versions a run records in ``run.json``.

Owns reading versions from package metadata (nothing is imported) and the CPU, cores and memory.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any


def environment() -> dict[str, Any]:
    """Package versions (read from metadata, nothing imported) and the machine."""
    packages = {}
    for dist in ("dlbench", "numpy", "pandas", "scikit-learn", "tensorflow", "keras", "keras-tuner", "xgboost"):
        try:
            packages[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            try:
                packages[dist] = metadata.version(f"{dist}-cpu")
            except metadata.PackageNotFoundError:
                packages[dist] = None
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        memory_gb = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": _cpu_model() or platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "memory_gb": memory_gb,
        "packages": packages,
    }


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None
