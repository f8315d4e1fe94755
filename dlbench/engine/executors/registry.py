"""The table of executors by name; ``register`` adds one. Owns nothing else."""

from __future__ import annotations

from typing import Callable

REGISTRY: dict[str, type] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator: make the executor selectable as ``--executor NAME``."""

    def add(cls: type) -> type:
        cls.name = name
        REGISTRY[name] = cls
        return cls

    return add
