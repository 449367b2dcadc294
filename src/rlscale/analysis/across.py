"""The pattern across sources: the catalog's declared RL/inference pairs, each with its slope
ratio, and their pooled ratio beside the essay's 0.5.

The pairs are the ones ``catalog.toml`` declares (same model family and benchmark, both curves
observed); a pair that shares a curve with an earlier one is not independent and is not pooled
twice (:func:`rlscale.convert.pooled.pool_declared_pairs`). Only pairs whose curves the report
fitted are compared, so the section follows the report's inputs, seed and form.
"""

from __future__ import annotations

import math
from typing import Any

#: The essay's own figure: "about half as steeply" (its 10x RL ≈ 3x inference).
ESSAY_RATIO = 0.5


def _ratio(est) -> dict[str, float | None]:
    def f(x):
        return float(x) if x is not None and math.isfinite(x) else None

    return {"value": f(est.value), "ci_low": f(est.ci_low), "ci_high": f(est.ci_high)}


def across_sources(fits, *, level: float = 0.95) -> dict[str, Any] | None:
    """The section's JSON-ready record, or None when no declared pair was fitted."""
    from rlscale.convert.pooled import pool_declared_pairs
    from rlscale.data.catalog import declared_pairs

    declared = {f"{p.rl} vs {p.inference}": p for p in declared_pairs()}
    if not any(p.rl in fits and p.inference in fits for p in declared.values()):
        return None
    comparisons, pooled = pool_declared_pairs(fits, level=level)
    excluded = dict(pooled.excluded)
    rows = []
    for label, cmp in comparisons.items():
        pair = declared[label]
        row = {"label": label, "rl": pair.rl, "inference": pair.inference, "group": pair.group,
               "note": pair.note, "pooled": label in pooled.included,
               "left_out": excluded.get(label)}
        row["slope_ratio"] = None if isinstance(cmp, str) else _ratio(cmp.slope_ratio)
        rows.append(row)
    curves_used: set[str] = set()
    independent = 0
    for row in rows:  # a pair is independent evidence only with curves no earlier pair used
        if row["slope_ratio"] is None:
            continue
        if not {row["rl"], row["inference"]} & curves_used:
            independent += 1
        curves_used |= {row["rl"], row["inference"]}
    return {"pairs": rows, "independent_pairs": independent, "pooled": pooled.to_dict(),
            "essay_ratio": ESSAY_RATIO, "sentence": _sentence(rows, independent, pooled, level)}


def _sentence(rows: list[dict], independent: int, pooled, level: float) -> str:
    compared = [r for r in rows if r["slope_ratio"] is not None]
    text = (f"The catalog supports {len(compared)} RL/inference pair"
            f"{'s' if len(compared) != 1 else ''} within one model family and benchmark, "
            f"{independent} of them independent.")
    value = pooled.value if math.isfinite(pooled.value) else None
    if value is not None and math.isfinite(pooled.ci_low) and math.isfinite(pooled.ci_high):
        text += (f" Pooled slope ratio {value:.2f} ({level:.0%} interval {pooled.ci_low:.2f} to "
                 f"{pooled.ci_high:.2f}, {pooled.method}) beside the essay's {ESSAY_RATIO}.")
    else:
        text += (f" No pooled interval: no pair has a sampling interval (their curves are stated "
                 f"points without a sample size), so the pattern cannot yet be set beside the "
                 f"essay's {ESSAY_RATIO} with an uncertainty.")
    return text
