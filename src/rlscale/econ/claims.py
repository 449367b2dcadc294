"""The claims ledger: every quantitative claim of Ord's "How Well Does RL Scale?", recomputed.

Public API (stable; the report calls it)::

    from rlscale.econ.claims import ledger
    claims = ledger()                      # list[Claim], 16 entries, in essay order
    claims = ledger(scenario="my.toml")    # the same under a scenario's assumptions
    [c.to_dict() for c in claims]          # JSON-ready (the schema of `rlscale claims --json`)

Each :class:`Claim` gives the essay's words and figure, rlscale's figure and its span over the
plausible range of the claim's unstated inputs (``computed_range``), the assumptions used (each
with value, unit, tag, citation and range), the tolerance, the verdict and the rule that gave it
(``verdict_rule``). One rule decides every verdict (:func:`rlscale.econ.claims_base.judge`):

- ``reproduced``: every value over the plausible range of the unstated inputs (or every slope
  ratio the essay's own evidence supports) is within the essay's rounding;
- ``depends on assumptions``: some are, some are not (``reproduces_at`` names where it holds);
- ``not reproduced``: none is: it fails at the essay's own inputs.

Tolerances, chosen from how the essay states each number (never to make a claim pass):

- *simple fraction* ("half"): the nearest of 1/4, 1/3, 1/2, 2/3, 3/4 must be the essay's one;
- *half-OOM grid* ("3x", "100x" as exchange rates): within 0.25 decades (the essay's multipliers
  sit on the 1, 3, 10, 30, 100 grid);
- *power of ten* ("~10,000x", "something like 1,000,000x"): within 0.5 decades;
- *stated digits* ("5.5x", "1.1x", "5 datacenters"): within half a unit of the last digit.

The claims themselves live in :mod:`~rlscale.econ.claims_slopes` (1-6),
:mod:`~rlscale.econ.claims_training` (7-11, 14) and :mod:`~rlscale.econ.claims_physical`
(12, 13, 15, 16), each as metadata next to one function; the machinery in
:mod:`~rlscale.econ.claims_base`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlscale.econ import claims_physical, claims_slopes, claims_training  # noqa: F401 (register)
from rlscale.econ.assumptions import Assumptions, constant, load_data, resolve
from rlscale.econ.claims_base import (DEPENDS, NOT_REPRODUCED, REGISTRY, REPRODUCED, VERDICTS,
                                      Claim, ClaimSpec, Context)
from rlscale.errors import RlscaleError

__all__ = ["Claim", "ClaimSpec", "DEPENDS", "NOT_REPRODUCED", "REPRODUCED", "VERDICTS",
           "context", "ledger", "specs"]


def specs() -> list[ClaimSpec]:
    """The 16 claim specifications in the essay's order."""
    out = [REGISTRY[n] for n in sorted(REGISTRY)]
    assert [s.number for s in out] == list(range(1, 17)), "ledger must hold claims 1..16"
    return out


def published_points() -> dict[str, float]:
    """Every ``published.*`` reference point of defaults.toml, by name."""
    return {f"published.{k}": constant(f"published.{k}") for k in load_data()["published"]}


def context(scenario: str | Path | None = None, *, assumptions: Assumptions | None = None,
            overrides: dict[str, Any] | None = None, evidence=None, fits=None, seed: int = 0,
            form: str = "loglinear", published: dict[str, float] | None = None) -> Context:
    """The inputs of the claim functions (see :func:`ledger` for the parameters)."""
    from rlscale.econ.evidence import slope_evidence

    a = assumptions if assumptions is not None else resolve(scenario, overrides)
    ev = evidence if evidence is not None else slope_evidence(
        a.value("exchange.slope_ratio"), fits=fits, seed=seed, form=form)
    return Context(a, ev, dict(published_points(), **(published or {})))


def ledger(scenario: str | Path | None = None, *, assumptions: Assumptions | None = None,
           overrides: dict[str, Any] | None = None, evidence=None, fits=None, seed: int = 0,
           form: str = "loglinear") -> list[Claim]:
    """Recompute the essay's 16 quantitative claims.

    Parameters
    ----------
    scenario : path, optional
        Scenario TOML file (see :mod:`rlscale.econ.assumptions`).
    assumptions : Assumptions, optional
        Already-resolved assumptions (wins over ``scenario``/``overrides``).
    overrides : dict, optional
        ``{"section.key": value}`` applied after the scenario.
    evidence : SlopeEvidence, optional
        Slope evidence the caller computed (:func:`rlscale.econ.evidence.slope_evidence`); the
        report passes the one it also uses for its break-even, so both use one ratio
        (``evidence.working_ratio``).
    fits : mapping of curve id -> FitResult, optional
        The caller's fits of the essay's curves (passed to ``slope_evidence``).
    seed, form :
        Seed and form for fitting ``catalog:essay`` when neither *evidence* nor *fits* covers it.

    Returns
    -------
    list of Claim
        In the essay's order (``number`` 1..16).
    """
    cx = context(scenario, assumptions=assumptions, overrides=overrides, evidence=evidence,
                 fits=fits, seed=seed, form=form)
    try:
        return [spec.evaluate(cx) for spec in specs()]
    except RlscaleError as exc:
        user_ratio = cx.a["exchange.slope_ratio"]
        if user_ratio.value is None:
            raise
        raise RlscaleError(f"{user_ratio.source}: exchange.slope_ratio = {user_ratio.value!r}: "
                           f"{exc}") from None
