"""The headline sentence: one plain sentence stating a slope ratio, its interval and what it means.

The one place this sentence is written. ``rlscale compare`` prints it for its pair
(:meth:`rlscale.convert.compare.Comparison.headline`), and ``rlscale report`` (its page,
``report.md`` and terminal summary) for the headline pair. A ratio whose interval reaches zero,
or a ratio that is not positive (RL did not raise the score), gets words and no exchange rate:
never a negative or unbounded "orders of magnitude".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

NO_PAIR = ("No RL curve could be compared with an inference curve: the data needs at least one "
           "fitted curve on each axis.")


def _num(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _ids(cmp: Mapping[str, Any]) -> tuple[str, str]:
    """(RL id, inference id) of a report comparison record or a ``Comparison.to_dict()``."""
    if "rl" in cmp:
        return cmp["rl"], cmp["inference"]
    return cmp["curves"]["rl"]["curve"], cmp["curves"]["inference"]["curve"]


def _subject(cmp: Mapping[str, Any], curves: Mapping[str, Mapping] | None) -> str:
    """``"For <model> on <benchmark>: "`` when curve facts are given, else nothing."""
    if curves is None:
        return ""
    rl_id, _ = _ids(cmp)
    rl = curves.get(rl_id, {})
    what = f"{rl.get('model') or rl_id}" + (f" on {rl['benchmark']}" if rl.get("benchmark") else "")
    return f"For {what}: "


def _meaning(value: float | None, lo: float | None, hi: float | None, equivalents) -> str:
    """What the ratio says in orders of magnitude, or why it says nothing."""
    if value is None:
        return "."
    if lo is not None and hi is not None and lo <= 0 < hi:
        return (": the interval includes zero, so these data cannot tell the RL slope from flat "
                "and give no exchange rate.")
    if value <= 0:
        return (": RL compute did not raise the score in these data, so there is no exchange "
                "rate to state.")
    from rlscale.fmt import multiplier

    text = (f": one order of magnitude of inference compute is worth {1 / value:.2g} orders of "
            "magnitude of RL compute")
    ten = next((e for e in equivalents or [] if e.get("inference_factor") == 10), None)
    if ten is not None and _num(ten.get("rl_factor")) is not None:
        text += f" (10x inference ≈ {multiplier(ten['rl_factor'])}x RL)"
    return text + "."


def headline_sentence(cmp: Mapping[str, Any] | None, curves: Mapping[str, Mapping] | None = None,
                      level: float = 0.95, all_comparisons: Sequence[Mapping] | None = None,
                      score_scale: str = "unit") -> str:
    """One sentence: the slope ratio of *cmp*, its interval (or that there is none), and what it
    means in orders of magnitude.

    Parameters
    ----------
    cmp : mapping or None
        ``Comparison.to_dict()``, or a report comparison record (the same plus ``rl`` and
        ``inference`` ids). None: no pair could be compared.
    curves : mapping of curve id -> dict, optional
        Curve facts (``model``, ``benchmark``): the sentence then starts by naming what was
        measured.
    level : float
        Confidence level of the interval.
    all_comparisons : sequence, optional
        Every compared pair: the sentence adds their range and how many are independent.
    score_scale : {"unit", "percent"}
        How the score at which the slopes are taken is written.
    """
    from rlscale.fmt import score

    if cmp is None:
        return NO_PAIR
    r = cmp["slope_ratio"]
    value, lo, hi = _num(r.get("value")), _num(r.get("ci_low")), _num(r.get("ci_high"))
    if lo is not None and hi is not None:
        interval = f"{level:.0%} CI {lo:.2f} to {hi:.2f}"
    else:
        interval = "no sampling interval: see the warnings"
    at = _num(cmp.get("at_score"))
    at_text = (f" at score {score(at, score_scale, digits=2 if score_scale == 'unit' else 3)}"
               if at is not None else "")
    shown = "n/a" if value is None else f"{value:.2f}"
    return (f"{_subject(cmp, curves)}RL slope / inference slope = {shown} ({interval}){at_text}"
            f"{_meaning(value, lo, hi, cmp.get('equivalents'))}{_spread(all_comparisons or [])}")


def _spread(comparisons: Sequence[Mapping]) -> str:
    values = [v for v in (_num(c["slope_ratio"].get("value")) for c in comparisons)
              if v is not None]
    if len(values) < 2:
        return ""
    dependent = sum(1 for c in comparisons if c.get("independent") is False)
    text = (f" Across all {len(values)} RL/inference pairs the ratio ranges from "
            f"{min(values):.2f} to {max(values):.2f}")
    if dependent:
        text += (f"; {len(comparisons) - dependent} of the {len(comparisons)} pairs are "
                 "independent (the rest include a curve derived from other numbers)")
    return text + "."
