"""The findings in words: the headline sentences of a task, each backed by a table on the same page.

Owns wording only: every sentence is built from a finding computed in ``findings`` (verdicts of
paired tests, crossovers, fits that passed the extrapolation check), so no sentence can say
more than its table. A difference the tests do not support is called *tied*. It computes
nothing itself.
"""

from __future__ import annotations

import math
from typing import Any

from dlbench.analysis import scaling
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


def crossover_sentence(fa: str, a: str, fb: str, b: str, r: dict[str, Any]) -> str:
    """One crossover in words, seen from ``a`` (family ``fa``) against ``b``."""
    pair = f"{_who(fa, a)} and {_who(fb, b)}"
    pair = pair[0].upper() + pair[1:]
    if r["kind"] == "none":
        return f"{pair} were never measured at the same size."
    if r["kind"] == "tied":
        return (f"{pair} are tied at every measured size ({_span(r['sizes'])}): "
                "no difference there is significant on the paired test over test examples.")
    lead, lead_s, trail, trail_s = (fa, a, fb, b) if r["kind"] in ("overtakes", "ahead") else (fb, b, fa, a)
    lead_w, trail_w = _who(lead, lead_s), _who(trail, trail_s)
    if r.get("needs_seeds"):  # one seed: two trained models were compared, not the families
        return _models_sentence(lead_w, trail_w, r)
    lead_w = lead_w[0].upper() + lead_w[1:]
    if r["source"] == "measured":
        return (f"{lead_w} overtakes {trail_w} at about {scaling.fmt_n(r['n'])} training examples: "
                f"significantly behind at n={r['low']:,}, significantly ahead at n={r['high']:,}"
                f"{_over(r)}.")
    tied = [n for n in r["sizes"] if n not in r["significant"]]
    sentence = f"{lead_w} is significantly ahead of {trail_w} at {_sizes(r['significant'])}"
    sentence += f" and tied at {_sizes(tied)}" if tied else ""
    sentence += _over(r)
    ext = r.get("extrapolated")
    if ext is None:
        return sentence + "."
    if math.isinf(ext["n"]):
        return sentence + (f"; the fitted curves do not cross within {scaling.SEARCH_LIMIT:,}x the data "
                           f"(n={scaling.fmt_n(scaling.SEARCH_LIMIT * r['sizes'][-1])}).")
    return sentence + (f"; the fitted curves say {FAMILY_LABEL.get(trail, trail)} would overtake at about "
                       f"{scaling.fmt_n(ext['n'])} examples ({_interval_words(ext['low'], ext['high'])}; "
                       "an extrapolation).")


def _over(r: dict[str, Any]) -> str:
    """Which test a crossover's verdicts rest on: over seeds, except where the seeds trained the same models."""
    same = [n for n in r.get("models_at", []) if n in r["sizes"]]
    if not same:
        return " (paired t-tests over the seeds)"
    return (f" (paired t-tests over the seeds; at {_sizes(same)} every seed gave the same difference, as when "
            "each trained the same two models, so the test there is over test examples)")


def _models_sentence(lead_w: str, trail_w: str, r: dict[str, Any]) -> str:
    """A crossover measured with one seed: about the two trained models on this test set, never the families."""
    if r["source"] == "measured":
        where = (f"its model is behind at n={r['low']:,} and ahead at n={r['high']:,}")
    else:
        where = f"its model is ahead at {_sizes(r['significant'])}"
    return (f"On this test set, {lead_w}'s trained model beats {trail_w}'s: {where} (paired test over test "
            "examples, one seed). Whether the families differ needs seeds: run with --seeds 3.")


def _interval_words(low, high) -> str:
    if low is None:
        return "no interval: a fit has no spare degrees of freedom"
    high_w = f"beyond {scaling.SEARCH_LIMIT:,}x the data" if math.isinf(high) else scaling.fmt_n(high)
    return f"95% interval {scaling.fmt_n(low)} to {high_w}"


def best_sentence(found) -> str:
    best = found["best"]
    if best is None:
        return "No solver finished with a validation score on this task."
    ci = ""
    if best["low"] is not None:
        over = f"over {best['seeds']} seeds and the test examples" if best["seeds"] > 1 else "over the test examples"
        ci = f" (95% interval {best['low']:.3f}–{best['high']:.3f} {over})"
    tied = found.get("tied_with_best") or []
    test = "paired test over test examples" if best["seeds"] <= 1 else "paired t-test over the seeds"
    ties = f"; tied with it on the {test}: {', '.join(tied)}" if tied else ""
    honest = best.get("val_crossfit")
    picked = f" ({fmt(honest)} for the choice among solvers, cross-fitted)" if honest is not None else ""
    return (f"Best by validation score: {best['solver']} ({FAMILY_LABEL.get(best['family'], best['family'])}), "
            f"validation {fmt(best['val'])}{picked}, test accuracy {fmt(best['test'])}{ci}, at n={best['size']:,} "
            f"training examples{ties}.")


def family_sentence(found) -> str:
    def listing(bests):
        return ", ".join(f"{FAMILY_LABEL[f]} {b['solver']} {fmt(b['test'])}"
                         for f, b in sorted(bests.items(), key=lambda kv: FAMILY_ORDER[kv[0]]))

    if not found["sizes"]:
        return ""
    if len(found["sizes"]) == 1:
        return (f"Only one training size was measured (n={found['largest']:,}): best of each family by validation "
                f"score, with test accuracy: {listing(found['bests_large'])}.")
    return (f"Best of each family (by validation score; test accuracy shown) at the smallest size, "
            f"n={found['smallest']:,}: {listing(found['bests_small'])}; at the largest, n={found['largest']:,}: "
            f"{listing(found['bests_large'])}.")


def extrapolation_sentence(found) -> str:
    if len(found["sizes"]) < scaling.MIN_EXTRAPOLATION_SIZES:
        return (f"No extrapolation: that needs at least {scaling.MIN_EXTRAPOLATION_SIZES} measured sizes and a "
                f"passed held-out check (this run measured {len(found['sizes'])}).")
    parts, refused = {h: [] for h in scaling.HORIZONS}, []
    for _family, solver in sorted(found["family_best"].items(), key=lambda kv: FAMILY_ORDER[kv[0]]):
        row = found["scaling"][solver]
        if not row["extrapolates"]:
            refused.append(f"{solver} ({row['check']})")
            continue
        for h in scaling.HORIZONS:
            parts[h].append(f"{solver} {fmt(row['pred'][h])}")
    bits = [f"{h}x the data (n={scaling.fmt_n(h * found['largest'])}): {', '.join(parts[h])}"
            for h in scaling.HORIZONS if parts[h]]
    text = ("Extrapolating the fitted power laws to " + "; to ".join(bits) + ".") if bits else ""
    if refused:
        text += (" " if text else "") + "No extrapolation for " + "; ".join(refused) + "."
    return text


def target_sentence(found) -> str:
    if found["target"] is None:
        return ""
    bits = []
    for _family, solver in sorted(found["family_best"].items(), key=lambda kv: FAMILY_ORDER[kv[0]]):
        need = found["scaling"][solver]["need"]
        if need["source"] == "measured":
            bits.append(f"{solver} about {scaling.fmt_n(need['n'])} (measured)")
        elif need["source"] == "fitted":
            bits.append(f"{solver} about {scaling.fmt_n(need['n'])} (extrapolated)")
        elif need["source"] == "unreachable":
            bits.append(f"{solver} out of reach ({need['note']})")
        else:
            bits.append(f"{solver} not reached at the measured sizes")
    return f"Examples needed for the {found['target_rule']}: " + "; ".join(bits) + "." if bits else ""


def headline(found) -> list[str]:
    lines = [best_sentence(found), family_sentence(found)]
    lines += [c["sentence"] for c in found["crossovers"]]
    lines += [extrapolation_sentence(found) if found["sizes"] else "", target_sentence(found)]
    return [line for line in lines if line]


def limitations(found) -> list[str]:
    """What the data of this task cannot support, said once (not once per table row)."""
    out = []
    if found["seeds"] == 1 and found["sizes"]:
        out.append("One seed per cell: intervals and paired tests are over the test examples only; they do not "
                   "include the variation from drawing another training subset, so they compare trained models, "
                   "not solvers or families (run with --seeds 3 for that).")
    untuned = [r["solver"] for r in found["board"] if (r.get("untuned") or 0) > 0]
    if untuned:
        out.append(f"Defaults only, untuned (the --budget ran out first; `dlbench run --resume` tunes them): "
                   f"{', '.join(untuned)}. Their validation scores were not maximised over trials: they understate "
                   "what these solvers can do when tuned.")
    if found["untested"]:
        out.append(f"{found['untested']} comparison{'s' if found['untested'] != 1 else ''} had no stored "
                   "per-example predictions (a run from an older version): called tied.")
    return out
