"""The robustness campaign's fast cases (bad options, bad data) pass, run through its own case list.

``benchmarks/campaign.py`` is a script, not a package: it is loaded from its path. Each case
runs the installed ``dlbench`` command in a temporary folder. Cases with an ``owner`` test
behaviour decided outside the data, plan and registry code (the campaign prints it); every
fast case must pass.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "campaign.py"


def _load():
    spec = importlib.util.spec_from_file_location("dlbench_campaign", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


campaign = _load()
FAST = campaign.select(quick=True, only="bad-option,bad-data")
PARAMS = [pytest.param(c, id=f"{c.category}/{c.name}") for c in FAST]


def test_the_case_list_is_well_formed():
    keys = [(c.category, c.name) for c in campaign.CASES]
    assert len(keys) == len(set(keys)) and len(keys) >= 100
    per_category = Counter(c.category for c in campaign.CASES)
    assert set(per_category) == set(campaign.CATEGORIES) and min(per_category.values()) >= 5
    assert {c.expected for c in campaign.CASES} == set(campaign.EXPECTATIONS)


def test_judging_one_line_errors():
    case = campaign.Case("bad-option", "x", "exit2-one-line", lambda ctx: [])
    ctx = campaign.Context(Path("."))
    ok = campaign.Proc(2, "", "warning: a plugin was skipped\nerror: the duration 'nan' is not ...\n")
    assert campaign.judge(case, ctx, ok)[0]
    for bad in (campaign.Proc(2, "", "Usage: dlbench run\n\nError: Invalid value\n"),
                campaign.Proc(1, "", "Traceback (most recent call last):\nValueError: x\n"),
                campaign.Proc(0, "", "")):
        assert not campaign.judge(case, ctx, bad)[0]
    assert campaign.is_traceback(campaign.Proc(1, "", "Traceback (most recent call last):\n"))


@pytest.fixture(scope="module")
def results(request):
    """The selected cases, run two at a time (each is a few dlbench processes)."""
    wanted = [item.callspec.params["case"] for item in request.session.items
              if getattr(item, "module", None) is sys.modules[__name__] and hasattr(item, "callspec")
              and "case" in item.callspec.params]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return {(r.case.category, r.case.name): r for r in pool.map(campaign.run_case, wanted)}


@pytest.mark.parametrize("case", PARAMS)
def test_fast_case_passes(case, results):
    result = results[(case.category, case.name)]
    assert result.passed, result.line()
