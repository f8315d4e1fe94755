"""The findings in words: the headline sentences of a task, each backed by a table on the same page.

Owns wording only: every sentence is built from a finding computed in ``findings`` (verdicts of
paired tests, crossovers, fits that passed the extrapolation check), so no sentence can say
more than its table. A difference the tests do not support is called *tied*. It computes
nothing itself.
"""

from __future__ import annotations

import math

from dlbench.analysis import scaling
from dlbench.analysis.extrapolation import MAX_HORIZON, MIN_SIZES, printable
from dlbench.analysis.records import Cheapest, Crossover
from dlbench.analysis.task_findings import TaskFindings
from dlbench.analysis.tables import FAMILY_LABEL, FAMILY_ORDER


def fmt(v, digits: int = 3) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "?"
    return f"{f:.{digits}f}" if math.isfinite(f) else "?"


def _who(family: str, solver: str) -> str:
    return f"{FAMILY_LABEL.get(family, family)} ({solver})"


def _sizes(sizes: list[int]) -> str:
    if not sizes:
        return ""
    return f"n={sizes[0]:,}" if len(sizes) == 1 else "n=" + ", ".join(f"{n:,}" for n in sizes)


def _span(sizes: list[int]) -> str:
    return f"n={sizes[0]:,}" if len(sizes) == 1 else f"n={sizes[0]:,}–{sizes[-1]:,}"


def crossover_sentence(fa: str, a: str, fb: str, b: str, r: Crossover) -> str:
    """One crossover in words, seen from ``a`` (family ``fa``) against ``b``."""
    pair = f"{_who(fa, a)} and {_who(fb, b)}"
    pair = pair[0].upper() + pair[1:]
    if r.kind == "none":
        return f"{pair} were never measured at the same size."
    if r.kind == "tied":
        test = ("the paired test over test examples (one seed)" if r.needs_seeds
                else "the moderated paired t-tests over the seeds, after Holm's correction")
        return f"{pair} are tied at every measured size ({_span(r.sizes)}): no difference there is significant on {test}."
    lead, lead_s, trail, trail_s = (fa, a, fb, b) if r.kind in ("overtakes", "ahead") else (fb, b, fa, a)
    lead_w, trail_w = _who(lead, lead_s), _who(trail, trail_s)
    if r.needs_seeds:  # one seed: two trained models were compared, not the families
        return _models_sentence(lead_w, trail_w, r)
    lead_w = lead_w[0].upper() + lead_w[1:]
    if r.source == "measured":
        return (f"{lead_w} overtakes {trail_w} at about {scaling.fmt_n(r.n)} training examples: "
                f"significantly behind at n={r.low:,}, significantly ahead at n={r.high:,}"
                f"{_over(r)}.")
    tied = [n for n in r.sizes if n not in r.significant]
    sentence = f"{lead_w} is significantly ahead of {trail_w} at {_sizes(r.significant)}"
    sentence += f" and tied at {_sizes(tied)}" if tied else ""
    sentence += _over(r)
    ext = r.extrapolated
    if ext is None:
        return sentence + "."
    horizon = f"{MAX_HORIZON}x the data (n={scaling.fmt_n(MAX_HORIZON * r.sizes[-1])})"
    if ext.n is None or math.isinf(ext.n):
        some = f"; {ext.fraction:.0%} of the refits on resamples do" if ext.fraction >= 0.025 else ""
        return sentence + f"; the fitted curves do not cross within {horizon}{some}."
    return sentence + (f"; the fitted curves say {FAMILY_LABEL.get(trail, trail)} would overtake at about "
                       f"{scaling.fmt_n(ext.n)} examples ({_interval_words(ext.low, ext.high)}; "
                       "an extrapolation).")


def _over(r: Crossover) -> str:
    """Which test a crossover's verdicts rest on: over seeds, except where the seeds trained the same models."""
    same = [n for n in r.models_at if n in r.sizes]
    if not same:
        return " (moderated paired t-tests over the seeds)"
    return (f" (moderated paired t-tests over the seeds; at {_sizes(same)} every seed gave the same difference, as when "
            "each trained the same two models, so the test there is over test examples)")


def _models_sentence(lead_w: str, trail_w: str, r: Crossover) -> str:
    """A crossover measured with one seed: about the two trained models on this test set, never the families."""
    if r.source == "measured":
        where = (f"its model is behind at n={r.low:,} and ahead at n={r.high:,}")
    else:
        where = f"its model is ahead at {_sizes(r.significant)}"
    return (f"On this test set, {lead_w}'s trained model beats {trail_w}'s: {where} (paired test over test "
            "examples, one seed). Whether the families differ needs seeds: run with --seeds 3.")


def _interval_words(low, high) -> str:
    high_w = f"beyond {MAX_HORIZON}x the data" if math.isinf(high) else scaling.fmt_n(high)
    return f"95% interval {scaling.fmt_n(low)} to {high_w}"


def best_sentence(found: TaskFindings) -> str:
    best = found.best
    if best is None:
        return "No solver finished with a validation score on this task."
    ci = ""
    if best.low is not None:
        over = f"over {best.seeds} seeds and the test examples" if best.seeds > 1 else "over the test examples"
        ci = f" (95% interval {best.low:.3f}–{best.high:.3f} {over})"
    tied = found.tied_with_best
    test = "paired test over test examples" if best.seeds <= 1 else "moderated paired t-test over the seeds"
    ties = f"; tied with it on the {test}: {', '.join(tied)}" if tied else ""
    honest = best.val_crossfit
    picked = f" ({fmt(honest)} for the choice among solvers, cross-fitted)" if honest is not None else ""
    return (f"Best by validation score: {best.solver} ({FAMILY_LABEL.get(best.family, best.family)}), "
            f"validation {fmt(best.val)}{picked}, test accuracy {fmt(best.test)}{ci}, at n={best.size:,} "
            f"training examples{ties}.")


def _cost_words(c: Cheapest) -> str:
    return f"{c.fit_seconds:.3g} s to fit, {c.predict_seconds_per_1k:.3g} s per 1,000 predictions"


def cost_sentence(found: TaskFindings) -> str:
    """The cheapest solver tied with the best, and what the ensemble adds over the best single solver, at what cost."""
    best, cheap, gain = found.best, found.cheapest_tied, found.ensemble_gain
    out = []
    if best is not None and cheap is not None:
        if cheap.solver == best.solver:
            out.append(f"{cheap.solver} is also the cheapest of the solvers tied with the best "
                       f"({_cost_words(cheap)}).")
        else:
            out.append(f"The cheapest solver tied with the best: {cheap.solver} ({_cost_words(cheap)}).")
    if gain is not None and gain.diff is not None:
        band = f"95% interval {100 * gain.low:+.1f} to {100 * gain.high:+.1f}; " if gain.low is not None else ""
        verdict = "tied, untested" if gain.verdict == "untested" else gain.verdict
        cost = f", at {gain.cost_ratio:.3g}× its cost (fit + prediction time)" if gain.cost_ratio else ""
        out.append(f"The ensemble against {gain.single}, the best single solver: {100 * gain.diff:+.1f} points "
                   f"({band}{verdict}){cost}.")
    return " ".join(out)


def family_sentence(found: TaskFindings) -> str:
    def listing(bests):
        return ", ".join(f"{FAMILY_LABEL[f]} {b.solver} {fmt(b.test)}"
                         for f, b in sorted(bests.items(), key=lambda kv: FAMILY_ORDER[kv[0]]))

    if not found.sizes:
        return ""
    if len(found.sizes) == 1:
        return (f"Only one training size was measured (n={found.largest:,}): best of each family by validation "
                f"score, with test accuracy: {listing(found.bests_large)}.")
    return (f"Best of each family (by validation score; test accuracy shown) at the smallest size, "
            f"n={found.smallest:,}: {listing(found.bests_small)}; at the largest, n={found.largest:,}: "
            f"{listing(found.bests_large)}.")


def extrapolation_sentence(found: TaskFindings) -> str:
    """The best of each family at 10x the data, each with its 95% interval, or why there is nothing to say."""
    if len(found.sizes) < MIN_SIZES:
        return (f"No extrapolation: the simplest curve form needs at least {MIN_SIZES} measured sizes "
                f"(this run measured {len(found.sizes)}).")
    parts, refused = [], []
    for _family, solver in sorted(found.family_best.items(), key=lambda kv: FAMILY_ORDER[kv[0]]):
        row = found.scaling.get(solver)
        if row is None:
            continue
        if not row.extrapolates:
            refused.append(f"{solver} ({row.check})")
            continue
        parts.append(f"{solver} {printable(row.pred_10x)} (95% interval {_band(row.pred_10x_low, row.pred_10x_high)})")
    text = ""
    if parts:
        text = (f"Extrapolating each fitted learning curve to {MAX_HORIZON}x the data "
                f"(n={scaling.fmt_n(MAX_HORIZON * found.largest)}): {', '.join(parts)}.")
    if refused:
        text += (" " if text else "") + "No extrapolation for " + "; ".join(refused) + "."
    return text


def _band(low: float, high: float) -> str:
    """A predicted score's interval in words, never printing 0.999 or more."""
    high_w = printable(high)
    return f"{printable(low)} to above 0.99" if high_w.startswith(">") else f"{printable(low)}–{high_w}"


def target_sentence(found: TaskFindings) -> str:
    if found.target is None:
        return ""
    bits = [f"{solver} {found.scaling[solver].need.words}"
            for _family, solver in sorted(found.family_best.items(), key=lambda kv: FAMILY_ORDER[kv[0]])
            if solver in found.scaling]
    return f"Examples needed for the {found.target_rule}: " + "; ".join(bits) + "." if bits else ""


def headline(found: TaskFindings) -> list[str]:
    """The task's answer in sentences (the terminal prints them): the best, the family bests, the costs, then
    :func:`headline_more`."""
    lines = [best_sentence(found), family_sentence(found) if len(found.sizes) > 1 else "", cost_sentence(found)]
    return [line for line in lines if line] + headline_more(found)


def headline_more(found: TaskFindings) -> list[str]:
    """What the report's answer card does not show: that one size was measured, crossovers, extrapolation,
    examples for the target."""
    lines = [family_sentence(found) if len(found.sizes) == 1 else ""]
    lines += [c.sentence for c in found.crossovers]
    lines += [extrapolation_sentence(found) if found.sizes else "", target_sentence(found)]
    return [line for line in lines if line]


#: A skipped or failed cell's reason in one line: at most this many characters.
SHORT_ERROR = 110


def short_error(text: str | None) -> str:
    """An error's first line, cut before its parenthesised detail (URLs, paths) and at :data:`SHORT_ERROR`."""
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    head = line.split(" (", 1)[0]
    line = head if len(head) >= 20 else line
    return line if len(line) <= SHORT_ERROR else line[:SHORT_ERROR - 1].rstrip() + "…"


def limitations(found: TaskFindings) -> list[str]:
    """What the data of this task cannot support, said once (not once per table row)."""
    out = []
    if found.seeds == 1 and found.sizes:
        out.append("One seed per cell: intervals and paired tests are over the test examples only; they do not "
                   "include the variation from drawing another training subset, so they compare trained models, "
                   "not solvers or families (run with --seeds 3 for that).")
    untuned = [r.solver for r in found.board if (r.untuned or 0) > 0]
    if untuned:
        out.append(f"Defaults only, untuned (the --budget ran out first; `dlbench run --resume` tunes them): "
                   f"{', '.join(untuned)}. Their validation scores were not maximised over trials: they understate "
                   "what these solvers can do when tuned.")
    odd = [f"{s}: {row.ill_behaved}" for s, row in sorted(found.scaling.items()) if row.ill_behaved]
    if odd:
        out.append("Ill-behaved learning curves, not extrapolated (paired tests over seeds and test examples): "
                   + "; ".join(odd) + ".")
    if found.untested:
        out.append(f"{found.untested} comparison{'s' if found.untested != 1 else ''} had no stored "
                   "per-example predictions (a run from an older version): called tied.")
    return out
