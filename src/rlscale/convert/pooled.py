"""Pool slope ratios from several RL-vs-inference pairs into one estimate with an interval.

Method: DerSimonian–Laird random effects on the log of each ratio.

- Why log: a slope ratio is a positive scale factor (RL orders of magnitude per inference order
  of magnitude, inverted); its intervals (bootstrap percentile, Fieller) are asymmetric on the
  ratio scale and close to symmetric on the log scale, so ``y_i = ln(ratio_i)`` with
  ``se_i = (ln hi_i − ln lo_i) / (2 z_i)`` (``z_i`` from that interval's own level) is the
  normal approximation DerSimonian–Laird needs.
- Why random effects: the pairs come from different models, benchmarks and compute axes; a
  single true ratio shared by all of them (fixed effect) is not plausible, so the between-pair
  variance ``tau²`` is estimated (method of moments) and added to each pair's variance.
- The pooled value and interval are ``exp(mu)`` and ``exp(mu ± z·se(mu))``.

Pairs are reported, never pooled silently, when they cannot enter: no interval, an interval
that reaches 0 or below (no log), a non-positive ratio, or a curve already used by an earlier
pair (two pairs sharing a curve are not independent). With one pair the pooled estimate is that
pair's; with two or three the DerSimonian–Laird interval is known to be too narrow when
``tau²`` is poorly estimated — the result says how many pairs it rests on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from rlscale.errors import RlscaleError
from rlscale.estimate import Estimate

METHOD = "DerSimonian-Laird random effects on log(slope ratio)"


@dataclass(frozen=True)
class PooledEstimate(Estimate):
    """An :class:`~rlscale.estimate.Estimate` of the pooled ratio, with how it was formed.

    ``included``: labels of the pooled pairs; ``excluded``: ``(label, reason)`` for each pair
    left out; ``tau2``: between-pair variance of the log ratio; ``q``: Cochran's Q.
    """

    included: tuple[str, ...] = ()
    excluded: tuple[tuple[str, str], ...] = ()
    tau2: float = math.nan
    q: float = math.nan
    method: str = METHOD
    weights: tuple[float, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        from rlscale.jsonable import clean_json

        return clean_json({**super().to_dict(), "level": self.level, "method": self.method,
                           "k": len(self.included), "included": list(self.included),
                           "weights": list(self.weights),
                           "excluded": [{"pair": p, "reason": r} for p, r in self.excluded],
                           "tau2": self.tau2, "q": self.q})


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


def _items(comparisons) -> list[tuple[str, Estimate, tuple[str, ...]]]:
    """(label, ratio estimate, curve ids) for Comparisons, or a mapping label -> Estimate."""
    if isinstance(comparisons, Mapping):
        pairs: Iterable = comparisons.items()
    else:
        pairs = ((None, c) for c in comparisons)
    out = []
    for label, item in pairs:
        if isinstance(item, Estimate):
            out.append((str(label), item, ()))
        elif hasattr(item, "slope_ratio"):
            name = label or f"{item.rl_curve} vs {item.inference_curve}"
            out.append((str(name), item.slope_ratio, (item.rl_curve, item.inference_curve)))
        else:
            raise RlscaleError(f"pool_slope_ratios takes Comparison objects or a mapping of "
                               f"label -> Estimate, got a {type(item).__name__}")
    return out


def _log_point(est: Estimate) -> tuple[float, float] | str:
    """(log ratio, its standard error), or why the pair cannot enter."""
    v, lo, hi = est.value, est.ci_low, est.ci_high
    if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
        return f"ratio {v!r} is not a finite positive number"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "no interval (n unknown or no bootstrap draws): reported, not pooled"
    if lo <= 0:
        return "its interval reaches 0 or below, so it has no log-scale standard error"
    if not lo <= v <= hi or hi <= lo:
        return f"interval [{lo:g}, {hi:g}] does not bracket the ratio {v:g}"
    return math.log(v), (math.log(hi) - math.log(lo)) / (2 * _z(est.level))


def pool_slope_ratios(comparisons, level: float = 0.95) -> PooledEstimate:
    """Pooled slope ratio (RL slope / inference slope) over independent pairs.

    Parameters
    ----------
    comparisons : sequence of Comparison, or mapping label -> Comparison or Estimate
        Each pair's ratio with its interval (``Comparison.slope_ratio``, the bootstrap
        percentile interval).
    level : float
        Level of the pooled interval.

    Returns
    -------
    PooledEstimate
        ``value`` and ``[ci_low, ci_high]`` of the pooled ratio (``nan`` when no pair has an
        interval), with the included pairs, the excluded ones and why, ``tau2`` and ``q``.
    """
    if not 0 < level < 1:
        raise RlscaleError(f"level must be in (0, 1), got {level}")
    used: dict[str, str] = {}
    keep, excluded = [], []
    for label, est, curves in _items(comparisons):
        shared = [c for c in curves if c in used]
        if shared:
            excluded.append((label, f"shares curve '{shared[0]}' with '{used[shared[0]]}' "
                                    "(not independent)"))
            continue
        point = _log_point(est)
        if isinstance(point, str):
            excluded.append((label, point))
            continue
        keep.append((label, *point))
        for c in curves:
            used[c] = label
    if not keep:
        return PooledEstimate(math.nan, math.nan, math.nan, level, excluded=tuple(excluded))
    y = [k[1] for k in keep]
    v = [max(k[2], 1e-12) ** 2 for k in keep]
    w = [1 / vi for vi in v]
    mu_fixed = sum(wi * yi for wi, yi in zip(w, y)) / sum(w)
    q = sum(wi * (yi - mu_fixed) ** 2 for wi, yi in zip(w, y))
    c = sum(w) - sum(wi * wi for wi in w) / sum(w)
    tau2 = max(0.0, (q - (len(keep) - 1)) / c) if c > 0 else 0.0
    w_star = [1 / (vi + tau2) for vi in v]
    mu = sum(wi * yi for wi, yi in zip(w_star, y)) / sum(w_star)
    se = math.sqrt(1 / sum(w_star))
    z = _z(level)
    total = sum(w_star)
    return PooledEstimate(math.exp(mu), math.exp(mu - z * se), math.exp(mu + z * se), level,
                          included=tuple(k[0] for k in keep), excluded=tuple(excluded),
                          tau2=tau2, q=q, weights=tuple(wi / total for wi in w_star))


def pool_declared_pairs(fits, *, level: float = 0.95):
    """Compare and pool the pairs ``catalog.toml`` declares, using the caller's *fits*.

    *fits* maps curve id -> FitResult (e.g. ``rlscale.fit([...])`` over the catalog entries the
    pairs use). Returns ``(comparisons, pooled)``: ``comparisons`` maps each declared pair's
    label (``"RL vs INFERENCE"``) to its Comparison, or to the reason it could not be compared
    (a curve not in *fits*); ``pooled`` is :func:`pool_slope_ratios` over the compared ones.
    """
    from rlscale.convert.compare import compare
    from rlscale.data.catalog import declared_pairs

    comparisons: dict[str, Any] = {}
    for pair in declared_pairs():
        label = f"{pair.rl} vs {pair.inference}"
        missing = [c for c in (pair.rl, pair.inference) if c not in fits]
        comparisons[label] = (f"not fitted: {', '.join(missing)}" if missing
                              else compare(fits[pair.rl], fits[pair.inference], level=level))
    compared = {k: v for k, v in comparisons.items() if not isinstance(v, str)}
    pooled = pool_slope_ratios(list(compared.values()), level=level)
    skipped = tuple((k, v) for k, v in comparisons.items() if isinstance(v, str))
    if skipped:
        from dataclasses import replace

        pooled = replace(pooled, excluded=pooled.excluded + skipped)
    return comparisons, pooled


__all__ = ["METHOD", "PooledEstimate", "pool_declared_pairs", "pool_slope_ratios"]
