"""The essay's slope evidence, computed through the analysis core (never hard-coded).

``catalog:essay`` holds the essay's stated endpoints as two-point curves. Each is fitted with the
``loglinear`` form (:func:`rlscale.fit`), each RL curve is compared with the o1 inference curve
(:func:`rlscale.compare`), and exchange rates come from :func:`rlscale.exchange`.

Two-point curves have exact slopes and no confidence interval: the core returns NaN intervals
and a warning, which :class:`SlopeEvidence` carries along so the ledger can say so.

The *working ratio* for the essay's derived claims ("the evidence from o1 and o3 suggests we need
about twice as many orders of magnitude") pools both RL curves: the span-weighted mean of their
slope ratios, i.e. (total score gained) / (total decades of RL) / (inference slope). With the
essay's endpoints that is (0.33 + 0.62) / (2 + 4) / 0.30 = 0.528. It is THE ratio of every
downstream claim of the ledger (4, 5, 6 and claim 12's chain) and of the break-even
(``rlscale cost breakeven``, the report): read it as ``ev.working_ratio`` with ``ev.working_source``.

The *supported range* (``ev.working_range``) is the span of ratios the essay's own evidence gives:
the o1 ratio (0.55), the o1->o3 ratio (0.517) and the ends of their bootstrap intervals where the
core gives one. The ledger judges the downstream claims over that whole range. A scenario may
replace the working ratio (``[exchange] slope_ratio = ...``); the range is then that one value,
the user's statement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

INFERENCE_CURVE = "o1-inference"
RL_CURVES = ("o1-rl", "o1-o3-rl")
CHECK_INFERENCE_CURVE = "sonnet37-inference"


@dataclass(frozen=True)
class SlopeEvidence:
    """Slopes (score per decade), spans (decades) and slope ratios from the essay catalog."""

    slopes: dict[str, float]
    spans: dict[str, float]
    ratios: dict[str, float]            # RL curve -> slope ratio vs o1-inference
    ratio_cis: dict[str, tuple[float, float]]   # bootstrap CI of each ratio (NaN when none)
    pooled_ratio: float                 # span-weighted over RL_CURVES
    working_ratio: float                # pooled_ratio, or the scenario's exchange.slope_ratio
    working_source: str
    ci_available: bool
    warnings: list[str] = field(default_factory=list)
    working_range: tuple[float, float] = (math.nan, math.nan)
    range_source: str = ""

    def gain(self, curve: str) -> float:
        """Score gained over the curve's span (slope x decades)."""
        return self.slopes[curve] * self.spans[curve]


ESSAY_CURVES = (*RL_CURVES, INFERENCE_CURVE, CHECK_INFERENCE_CURVE)


def slope_evidence(slope_ratio: float | None = None, *, fits=None, seed: int = 0,
                   form: str = "loglinear") -> SlopeEvidence:
    """Compare each of the essay's RL curves with ``o1-inference``, from the caller's fits.

    Parameters
    ----------
    slope_ratio : float, optional
        A user-given ratio that replaces the pooled ratio as the working ratio.
    fits : mapping of curve id -> FitResult, optional
        Fits the caller already made (e.g. the report's, with its seed and form). Used when it
        holds every curve of :data:`ESSAY_CURVES`; otherwise ``catalog:essay`` is fitted here.
    seed, form :
        Seed and form for that fit of ``catalog:essay`` when *fits* does not cover it.
    """
    import rlscale

    if fits is None or not all(c in fits for c in ESSAY_CURVES):
        fits = rlscale.fit("catalog:essay", curves=list(ESSAY_CURVES), form=form, seed=seed)
    fits = {c: fits[c] for c in ESSAY_CURVES}
    slopes = {c: float(f.slope_per_decade.value) for c, f in fits.items()}
    spans = {c: math.log10(f.compute_max / f.compute_min) for c, f in fits.items()}
    warnings: list[str] = []
    ratios: dict[str, float] = {}
    cis: dict[str, tuple[float, float]] = {}
    ci = True
    for rl in RL_CURVES:
        cmp = rlscale.compare(fits[rl], fits[INFERENCE_CURVE])
        ratios[rl] = float(cmp.slope_ratio.value)
        cis[rl] = (float(cmp.slope_ratio.ci_low), float(cmp.slope_ratio.ci_high))
        ci = ci and math.isfinite(cmp.slope_ratio.ci_low)
        warnings.extend(f"{rl} vs {INFERENCE_CURVE}: {w}" for w in cmp.warnings)
    for f in fits.values():
        warnings.extend(f"{f.curve}: {w}" for w in f.warnings)
    pooled = sum(ratios[c] * spans[c] for c in RL_CURVES) / sum(spans[c] for c in RL_CURVES)
    if slope_ratio is not None:
        working, source = float(slope_ratio), "scenario/flag exchange.slope_ratio"
        rng, rng_source = (working, working), "the user's ratio (stated, not swept)"
    else:
        working, source = pooled, "pooled o1 + o1->o3 RL evidence (catalog:essay, span-weighted)"
        ends = [x for c in RL_CURVES for x in (ratios[c], *cis[c]) if math.isfinite(x)]
        rng = (min(ends), max(ends))
        rng_source = ("the ratios of the o1 and o1->o3 RL curves" +
                      (" and their 95% bootstrap intervals" if ci else
                       " (two-point curves: no interval)"))
    return SlopeEvidence(slopes, spans, ratios, cis, pooled, working, source, ci, warnings,
                         rng, rng_source)
