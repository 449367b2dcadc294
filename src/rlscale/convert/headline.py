"""The headline sentence: one plain sentence stating a slope ratio, its interval and what it means.

The one place this sentence is written. ``rlscale compare`` prints it for its pair
(:meth:`rlscale.convert.compare.Comparison.headline`), and ``rlscale report`` (its page,
``report.md`` and terminal summary) for the headline pair, ``rlscale lab show`` for a run's
default pair. When RL did not raise the score (a lab run's final score <= its base score), when
either slope is not positive or its interval includes zero, or when the ratio is not positive
or its interval includes zero (:func:`no_ratio_reason`), the sentence says so in words and
prints no ratio and no multiplier: never a negative or unbounded "orders of magnitude".
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


def _includes_zero(est: Mapping[str, Any] | None) -> bool | None:
    """True when the estimate is not positive or its interval reaches zero; None if unknown."""
    if not isinstance(est, Mapping) or _num(est.get("value")) is None:
        return None
    lo, hi = _num(est.get("ci_low")), _num(est.get("ci_high"))
    return _num(est["value"]) <= 0 or (lo is not None and hi is not None and lo <= 0 <= hi)


def _slope(cmp: Mapping[str, Any], role: str) -> Mapping[str, Any] | None:
    curves = cmp.get("curves")
    entry = curves.get(role) if isinstance(curves, Mapping) else None
    return entry.get("slope_per_decade") if isinstance(entry, Mapping) else None


def no_ratio_reason(cmp: Mapping[str, Any], scores: Mapping[str, Any] | None = None,
                    level: float = 0.95, score_scale: str = "unit") -> str | None:
    """Why the headline states no slope ratio for *cmp*, as a clause; None when it states one.

    In this order: RL did not raise the score (*scores*: a lab run's ``{"base", "final",
    "final_step", "budget"}``, final <= base); the RL slope, or the inference slope, is not
    positive or its interval includes zero; the ratio is not positive or its interval includes
    zero. A ratio then says nothing an exchange rate could be built on.
    """
    from rlscale.fmt import score

    pct = f"{level:.0%}"
    if scores and _num(scores.get("final")) is not None and _num(scores.get("base")) is not None \
            and scores["final"] <= scores["base"]:
        what = f"{scores['budget']} " if scores.get("budget") else ""
        after = (f"after {scores['final_step']} RL steps" if scores.get("final_step") is not None
                 else "after RL")
        return (f"RL did not raise the score ({what}{score(scores['base'], score_scale)} for the "
                f"base model, {score(scores['final'], score_scale)} {after})")
    for role, name in (("rl", "RL"), ("inference", "inference")):
        if _includes_zero(_slope(cmp, role)):
            return (f"the {name} slope is not positive or its {pct} interval includes zero: "
                    f"these data cannot tell the {name} curve from flat")
    r = cmp["slope_ratio"]
    value, lo, hi = _num(r.get("value")), _num(r.get("ci_low")), _num(r.get("ci_high"))
    if value is not None and value <= 0:
        return "RL compute did not raise the score in these data (the slope ratio is not positive)"
    if lo is not None and hi is not None and lo <= 0 < hi:
        return (f"the slope ratio's {pct} interval includes zero: these data cannot tell the RL "
                "slope from flat")
    return None


def _meaning(value: float | None, equivalents) -> str:
    """What a stated ratio says in orders of magnitude."""
    if value is None:
        return "."
    from rlscale.fmt import multiplier

    text = (f": one order of magnitude of inference compute is worth {1 / value:.2g} orders of "
            "magnitude of RL compute")
    ten = next((e for e in equivalents or [] if e.get("inference_factor") == 10), None)
    if ten is not None and _num(ten.get("rl_factor")) is not None:
        text += f" (10x inference ≈ {multiplier(ten['rl_factor'])}x RL)"
    return text + "."


def headline_sentence(cmp: Mapping[str, Any] | None, curves: Mapping[str, Mapping] | None = None,
                      level: float = 0.95, all_comparisons: Sequence[Mapping] | None = None,
                      score_scale: str = "unit", scores: Mapping[str, Any] | None = None) -> str:
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
    scores : mapping, optional
        A lab run's base and final score (:func:`rlscale.runformat.run_headline`): when RL did
        not raise the score the sentence says so and states no ratio.

    When :func:`no_ratio_reason` gives a reason, the sentence gives it in words and no ratio,
    multiplier or exchange rate (never a negative "orders of magnitude").
    """
    from rlscale.fmt import score

    if cmp is None:
        return NO_PAIR
    spread = _spread(all_comparisons or [], scores, level, _ids(cmp)[0])
    reason = no_ratio_reason(cmp, scores, level, score_scale)
    if reason is not None:
        rl, inf = _ids(cmp)
        subject = _subject(cmp, curves)
        return (f"{subject}{'n' if subject else 'N'}o slope ratio or exchange rate for {rl} "
                f"against {inf}, because {reason}.{spread}")
    r = cmp["slope_ratio"]
    value, lo, hi = _num(r.get("value")), _num(r.get("ci_low")), _num(r.get("ci_high"))
    if lo is not None and hi is not None:
        interval = f"{level:.0%} CI {_ratio(lo)} to {_ratio(hi)}"
    else:
        interval = "no sampling interval: see the warnings"
    at = _num(cmp.get("at_score"))
    at_text = (f" at score {score(at, score_scale, digits=2 if score_scale == 'unit' else 3)}"
               if at is not None else "")
    shown = "n/a" if value is None else _ratio(value)
    return (f"{_subject(cmp, curves)}RL slope / inference slope = {shown} ({interval}){at_text}"
            f"{_meaning(value, cmp.get('equivalents'))}{spread}")


def _ratio(x: float) -> str:
    """A slope ratio in a sentence: two decimals, or ``5.4e16`` style when an interval end is huge
    (an inference slope interval that nearly reaches zero)."""
    from rlscale.fmt import readable

    return f"{x:.2f}" if abs(x) < 1000 else readable(x)


def _spread(comparisons: Sequence[Mapping], scores: Mapping[str, Any] | None,
            level: float, rl: str) -> str:
    """The range of the ratios the pairs state (those :func:`no_ratio_reason` passes; *scores*
    belong to the RL curve *rl*, so they judge only its pairs)."""
    if len(comparisons) < 2:
        return ""
    values = [v for v in (_num(c["slope_ratio"].get("value")) for c in comparisons
                          if no_ratio_reason(c, scores if _ids(c)[0] == rl else None,
                                             level) is None) if v is not None]
    n = len(comparisons)
    if not values:
        return f" None of the {n} RL/inference pairs gives a ratio (see the table of pairs)."
    if len(values) < 2:
        return ""
    which = f"all {n}" if len(values) == n else f"the {len(values)} of {n}"
    text = (f" Across {which} RL/inference pairs that give a ratio, it ranges from "
            f"{_ratio(min(values))} to {_ratio(max(values))}")
    dependent = sum(1 for c in comparisons if c.get("independent") is False)
    if dependent:
        text += (f"; {n - dependent} of the {n} pairs are "
                 "independent (the rest include a curve derived from other numbers)")
    return text + "."
