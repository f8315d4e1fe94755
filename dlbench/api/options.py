"""The options of a run as Python values: checked, and turned into a :class:`RunConfig`.

Owns reading what ``dlbench.run`` and ``dlbench run`` are given (lists or comma-separated
text, durations in seconds or as ``"10m"``, presets) with the same one-line
:class:`~dlbench.core.errors.UsageError` for a bad value whichever way it came, and the
options a resumed run may change. It does not read data or run anything.
"""

from __future__ import annotations

import math
from typing import Any

from dlbench.core.errors import UsageError

PRESETS = ("quick", "default", "thorough")
#: Options that are durations (seconds, or text such as ``"10m"``).
DURATIONS = ("budget", "cell_timeout", "trial_timeout", "tune_time")
#: Options a resumed run may change: limits and where cells run (never what is computed).
RESUMABLE = frozenset({*DURATIONS, "workers", "executor", "scheduler", "export"})


def items(value: Any, option: str) -> list[str] | None:
    """A list option given as a list/tuple or as comma-separated text; None or empty: not given."""
    if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
        return None
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, (list, tuple, set)):
        parts = [str(v) for v in value]
    else:
        raise UsageError(f"{option} must be a list or comma-separated text, not {type(value).__name__}")
    return [p.strip() for p in parts if p.strip()]


def count(value: Any, option: str, least: int = 1) -> int | None:
    """A whole number of at least ``least`` (seeds, trials, workers, threads); None: not given."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UsageError(f"{option} must be a whole number, not {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"{option} must be a whole number, not {value!r}") from None
    if not (math.isfinite(number) and number == int(number) and number >= least):
        raise UsageError(f"{option} must be a whole number of at least {least}, not {value!r}")
    return int(number)


def run_config(*, tasks: list[str], families=None, solvers=None, sizes=None, scales=None, seeds=None, seed=0,
               trials=None, tuner=None, tune_time=None, trial_timeout=None, budget=None, cell_timeout=None,
               discard=True, preset="default", executor=None, workers=None, threads=1, scheduler=None, target_score=None,
               export="families", out="reports", target=None, text_column=None, modality=None, test=None, name=None,
               tasks_dir=None):
    """A :class:`~dlbench.engine.config.RunConfig` from Python values (see ``dlbench.run``)."""
    from dlbench.core.solver import FAMILIES
    from dlbench.engine.config import RunConfig
    from dlbench.engine.plan import parse_duration, parse_scales, parse_sizes

    if preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}: choose from {', '.join(PRESETS)}")
    if target_score is not None:
        try:
            target_score = float(target_score)
        except (TypeError, ValueError):
            target_score = math.nan
        if not (math.isfinite(target_score) and 0 < target_score <= 1):
            raise UsageError("--target-score must be a number between 0 and 1")
    # Text goes to the parsers whole, so that "20,,40" is refused as the command refuses it.
    size_text, scale_text = (v if isinstance(v, str) or v is None else ",".join(map(str, v)) for v in (sizes, scales))
    return RunConfig(
        tasks=tasks, families=items(families, "--families") or list(FAMILIES), solvers=items(solvers, "--solvers") or [],
        out=str(out), seed=count(seed, "--seed", least=0) or 0, target=target, text_column=text_column,
        modality=modality,
        test=test if test is None or isinstance(test, dict) else str(test), name=name, tasks_dir=None if tasks_dir is None else str(tasks_dir),
        preset=preset, sizes=parse_sizes(size_text), scales=parse_scales(scale_text) or [1.0],
        seeds=count(seeds, "--seeds"), trials=count(trials, "--trials"), tuner=tuner,
        **{option: parse_duration(value, f"--{option.replace('_', '-')}") for option, value in
           (("tune_time", tune_time), ("trial_timeout", trial_timeout), ("budget", budget),
            ("cell_timeout", cell_timeout))},
        executor=executor or "processes", workers=count(workers, "--workers"), threads=count(threads, "--threads") or 1,
        scheduler=scheduler, target_score=target_score, export=export, discard=bool(discard),
    )


def resume_overrides(given: dict[str, Any]) -> dict[str, Any]:
    """What a resumed run may change (its limits, where cells run, what is exported), checked.

    Anything else given is a UsageError: a resumed run keeps everything that decides its results.
    """
    from dlbench.engine.plan import parse_duration

    fixed = sorted(k for k in given if k not in RESUMABLE)
    if fixed:
        raise UsageError(f"--resume keeps the run's own {', '.join('--' + n.replace('_', '-') for n in fixed)}: "
                         f"only {', '.join('--' + n.replace('_', '-') for n in sorted(RESUMABLE))} may change")
    out = {k: parse_duration(v, f"--{k.replace('_', '-')}") if k in DURATIONS else v for k, v in given.items()}
    if "workers" in out:
        out["workers"] = count(out["workers"], "--workers")
    return out
