"""The headline sentence: one plain sentence stating a slope ratio and its interval.

The one place this sentence is written: ``rlscale report`` (and its page and report.md) uses it,
and ``rlscale compare`` can print it for a single pair from ``Comparison.to_dict()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _fmt(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _ids(cmp: Mapping[str, Any]) -> tuple[str, str]:
    """(RL id, inference id) of a report comparison record or a ``Comparison.to_dict()``."""
    if "rl" in cmp:
        return cmp["rl"], cmp["inference"]
    return cmp["curves"]["rl"]["curve"], cmp["curves"]["inference"]["curve"]


def headline_sentence(cmp: Mapping[str, Any] | None, curves: Mapping[str, Mapping] | None = None,
                      level: float = 0.95, all_comparisons: Sequence[Mapping] | None = None) -> str:
    """One sentence: the slope ratio of *cmp*, its interval (or why there is none), and what it
    means in orders of magnitude.

    Parameters
    ----------
    cmp : mapping or None
        A comparison record (``slope_ratio`` as ``{value, ci_low, ci_high}`` plus ``rl`` and
        ``inference`` ids, or the ``curves`` block of ``Comparison.to_dict()``). None: no pair.
    curves : mapping of curve id -> dict, optional
        Curve facts (``model``, ``benchmark``) naming what was measured; default the RL id.
    level : float
        Confidence level of the interval.
    all_comparisons : sequence, optional
        Every compared pair: the sentence adds their range, and how many are independent
        (records with ``independent`` False restate derived numbers).
    """
    if cmp is None:
        return ("No RL curve could be compared with an inference curve: the data needs at least "
                "one fitted curve on each axis.")
    r = cmp["slope_ratio"]
    rl_id, _ = _ids(cmp)
    rl = (curves or {}).get(rl_id, {})
    what = f"{rl.get('model') or rl_id}" + (f" on {rl['benchmark']}" if rl.get("benchmark") else "")
    value = r["value"]
    if r.get("ci_low") is not None and r.get("ci_high") is not None:
        interval = f" ({level:.0%} interval {_fmt(r['ci_low'])} to {_fmt(r['ci_high'])})"
    else:
        interval = (" (no sampling interval: the curves are stated endpoints without a sample "
                    "size)")
    ooms = 1 / value if value else float("nan")
    return (f"For {what}, each tenfold increase in RL-training compute bought {_fmt(value)} times "
            f"the score gain of a tenfold increase in inference compute{interval}, so matching a "
            f"gain from inference takes about {_fmt(ooms, 1)} times as many orders of magnitude "
            f"of RL.{_spread(all_comparisons or [])}")


def _spread(comparisons: Sequence[Mapping]) -> str:
    values = [c["slope_ratio"]["value"] for c in comparisons
              if c["slope_ratio"]["value"] is not None]
    if len(values) < 2:
        return ""
    dependent = sum(1 for c in comparisons if c.get("independent") is False)
    text = (f" Across all {len(values)} RL/inference pairs the ratio ranges from "
            f"{_fmt(min(values))} to {_fmt(max(values))}")
    if dependent:
        text += (f"; {len(comparisons) - dependent} of the {len(comparisons)} pairs are "
                 "independent (the rest include a curve derived from other numbers)")
    return text + "."
