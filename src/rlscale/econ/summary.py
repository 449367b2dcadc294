"""The report's economics: slope evidence, total-training multipliers, break-even, claims.

One slope evidence per report (:func:`report_evidence`): from the report's own fits of
``catalog:essay`` when the report analyses it, else from a fit of ``catalog:essay`` with the
report's seed and form. Its *working ratio* (named by ``working_source``) drives both the
break-even and the claims ledger, the ratio ``rlscale cost breakeven`` and ``rlscale claims``
use, so the report's economics never mixes two ratios.
"""

from __future__ import annotations

import math
from typing import Any

#: Starting RL compute as a fraction of pre-training compute (essay: ~1% for o1, parity for Grok 4).
RL_FRACTIONS = (0.01, 0.1, 1.0)
#: Scale-ups tabled per RL fraction.
TABLE_SCALE_UPS = (10, 100, 1_000, 1_000_000)
FORMULA = ("total training multiplier = (1 + scale-up × RL fraction) / (1 + RL fraction)"
           " (pre-training fixed; rlscale.econ.training.training_multiplier)")


def _finite(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def report_evidence(fits=None, *, seed: int = 0, form: str = "loglinear"):
    """The :class:`~rlscale.econ.evidence.SlopeEvidence` of one report, and notes about it.

    *fits*: the report's fits when its inputs include ``catalog:essay`` (None otherwise, and
    ``catalog:essay`` is fitted here with *seed* and *form*). The essay's curves are two stated
    endpoints each, so only two-parameter forms fit them: when *form* cannot, the evidence is
    fitted with ``loglinear`` instead and the note says so (the report still uses *form* for
    its own curves).
    """
    from rlscale.econ.assumptions import defaults
    from rlscale.econ.evidence import slope_evidence
    from rlscale.errors import RlscaleError

    user_ratio = defaults().value("exchange.slope_ratio")
    try:
        return slope_evidence(user_ratio, fits=fits, seed=seed, form=form), []
    except RlscaleError as exc:
        if form == "loglinear":
            raise
        note = (f"claims and break-even: the essay's curves cannot be fitted with form '{form}' "
                f"({exc}), so their slope evidence uses loglinear")
        return slope_evidence(user_ratio, seed=seed, form="loglinear"), [note]


def evidence_record(ev) -> dict[str, Any]:
    """The evidence as stored in results.json: each ratio, the pooled and the working one."""
    return {"working_ratio": _finite(ev.working_ratio), "working_source": ev.working_source,
            "pooled_ratio": _finite(ev.pooled_ratio),
            "ratios": {k: _finite(v) for k, v in ev.ratios.items()},
            "ci_available": bool(ev.ci_available)}


def economics(ev) -> dict[str, Any]:
    """Total-training multipliers by RL fraction, and the break-even at ``ev.working_ratio``."""
    import numpy as np

    from rlscale.econ.training import training_multiplier

    scale_ups = [float(s) for s in np.logspace(0, 6, 61)]
    curves = [{"rl_fraction": frac,
               "total_multiplier": [_finite(training_multiplier(frac, s)) for s in scale_ups]}
              for frac in RL_FRACTIONS]
    table = [{"rl_fraction": frac, "scale_up": float(s),
              "total_multiplier": _finite(training_multiplier(frac, float(s)))}
             for frac in RL_FRACTIONS for s in TABLE_SCALE_UPS]
    return {"scale_up": scale_ups, "curves": curves, "table": table, "formula": FORMULA,
            "breakeven": breakeven_at(ev.working_ratio, ev.working_source)}


def breakeven_at(ratio: float, source: str) -> dict[str, Any] | None:
    """Train or think longer at *ratio* (named by *source*) with the default assumptions, through
    :func:`rlscale.econ.deployment.breakeven_from` (the one caller of ``breakeven``, which
    ``rlscale cost breakeven`` uses too); None without a usable ratio."""
    from rlscale.econ.deployment import breakeven_from

    if not (ratio is not None and math.isfinite(ratio) and ratio > 0):
        return None
    return breakeven_from(slope_ratio=float(ratio), slope_ratio_source=source)


def claims(ev) -> list[dict[str, Any]]:
    """The claims ledger computed from *ev* (the same evidence as the break-even)."""
    from rlscale.econ.claims import ledger

    return [c.to_dict() for c in ledger(evidence=ev)]
