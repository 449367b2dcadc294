"""The claims ledger: every quantitative claim of Ord's "How Well Does RL Scale?", recomputed.

Public API (stable; the report calls it)::

    from rlscale.econ.claims import ledger
    claims = ledger()                      # list[Claim], 16 entries, in essay order
    claims = ledger(scenario="my.toml")    # the same under a scenario's assumptions
    [c.to_dict() for c in claims]          # JSON-ready (the schema of `rlscale claims --json`)

Each :class:`Claim` gives the essay's words and figure, rlscale's figure, the assumptions used
(each with value, unit, tag and citation), the tolerance applied, and a verdict:

- ``reproduced``: rlscale's figure is within the essay's own rounding (the tolerance is stated);
- ``depends on assumptions``: it holds for some plausible inputs and not others: the claim names
  the input value that reproduces it and the range of results over the plausible inputs;
- ``not reproduced``: it fails for every plausible input (the explanation says why).

Tolerances, chosen from how the essay states each number (never to make a claim pass):

- *simple fraction* ("half"): the nearest of 1/4, 1/3, 1/2, 2/3, 3/4 must be the essay's one;
- *half-OOM grid* ("3x", "100x" as exchange rates): within 0.25 decades (the essay's multipliers
  sit on the 1, 3, 10, 30, 100 grid);
- *power of ten* ("~10,000x", "something like 1,000,000x"): within 0.5 decades;
- *stated digits* ("5.5x", "1.1x", "5 datacenters"): within half a unit of the last digit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlscale.econ.assumptions import Assumptions, citation, constant, resolve
from rlscale.errors import RlscaleError

REPRODUCED = "reproduced"
DEPENDS = "depends on assumptions"
NOT_REPRODUCED = "not reproduced"
VERDICTS = (REPRODUCED, DEPENDS, NOT_REPRODUCED)


@dataclass
class Claim:
    """One recomputed claim of the essay (see the module docstring for the verdict rules)."""

    id: str
    number: int
    quote: str
    essay_value: float
    essay_text: str
    computed_value: float
    unit: str
    verdict: str
    explanation: str
    tolerance: str
    assumptions: list[dict[str, Any]] = field(default_factory=list)
    reproduces_at: dict[str, Any] | None = None
    sensitivity: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        """A short headline for tables."""
        return TITLES.get(self.id, self.id)

    @property
    def computed_text(self) -> str:
        """rlscale's figure formatted like the essay's (``4,330x``, ``0.55``, ``16.2 years``)."""
        return _fmt(self.computed_value) + SHORT_UNITS.get(self.id, "x")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``id, quote, essay_value, computed_value, unit, assumptions, verdict,
        explanation`` plus ``number, title, essay_text, computed_text, tolerance, reproduces_at,
        sensitivity``."""
        return {"id": self.id, "number": self.number, "title": self.title, "quote": self.quote,
                "computed_text": self.computed_text,
                "essay_value": self.essay_value, "essay_text": self.essay_text,
                "computed_value": self.computed_value, "unit": self.unit,
                "assumptions": self.assumptions, "verdict": self.verdict,
                "explanation": self.explanation, "tolerance": self.tolerance,
                "reproduces_at": self.reproduces_at, "sensitivity": self.sensitivity}


TITLES = {
    "slope-ratio": "RL slope is about half the inference slope",
    "rl-10000x-for-20-to-80": "20% -> 80% by RL needs ~10,000x",
    "o3-confirms-10000x": "o1 -> o3: 4 OOM of RL, 26% -> 88%",
    "exchange-rate": "10x RL ~ 3x inference; 10,000x RL ~ 100x",
    "o3-worth-half-oom": "o3's 10x RL ~ half an OOM of inference",
    "gpt-jump-1e6-rl": "A GPT-level jump needs ~1,000,000x RL",
    "first-rl-1.01x": "First reasoning models: ~1.01x training",
    "o1-o3-1.1x": "10x RL from 1.01x -> a 1.1x training bill",
    "parity-5.5x": "At RL/pre-training parity 10x RL -> 5.5x",
    "1e6-so-far-2x": "1,000,000x RL so far for <= 2x the bill",
    "next-1e6-cost": "The next 1,000,000x RL -> ~1,000,000x bill",
    "grok4-datacenters": "Grok 4 x 1e6: 5 datacenters per GPU",
    "grok4-electricity": "... and 5 years of world electricity",
    "cot-30x-cost": "30x longer chains -> 30x cost per query",
    "information-per-flop": "RL: < 1/10,000 the information per FLOP",
    "pretrain-1e25": "Frontier pre-training ~1e25 FLOP",
}
SHORT_UNITS = {"slope-ratio": "", "o3-worth-half-oom": " OOM", "grok4-datacenters": " per GPU",
               "grok4-electricity": " years", "information-per-flop": "", "pretrain-1e25": " FLOP"}


# ------------------------------------------------------------------ tolerances

SIMPLE_FRACTIONS = (1 / 4, 1 / 3, 1 / 2, 2 / 3, 3 / 4)


def nearest_fraction(x: float) -> float:
    return min(SIMPLE_FRACTIONS, key=lambda f: abs(x - f))


def within_decades(computed: float, essay: float, half_width: float) -> bool:
    return abs(math.log10(computed) - math.log10(essay)) <= half_width + 1e-12


def within_digits(computed: float, essay: float, unit_of_last_digit: float) -> bool:
    return abs(computed - essay) <= unit_of_last_digit / 2 + 1e-12


HALF_OOM = "half-OOM grid: within 0.25 decades of the essay's figure"
POWER_OF_TEN = "power of ten: within 0.5 decades of the essay's figure"


def _digits(step: float) -> str:
    return f"stated digits: within +/-{step / 2:g} of the essay's figure"


def _fmt(x: float) -> str:
    """Readable number: 3 significant figures, commas below 1e6, '4.8e5' style above."""
    if x == 0 or not math.isfinite(x):
        return str(x)
    if abs(x) >= 1e6 or abs(x) < 1e-3:
        mant, exp = f"{x:.1e}".split("e")
        return f"{mant}e{int(exp)}"
    if abs(x) >= 100:
        digits = 3 - int(math.floor(math.log10(abs(x)))) - 1
        return f"{round(x, digits):,.0f}"
    return f"{x:.3g}"


# ------------------------------------------------------------------ helpers

def _used(a: Assumptions, *keys: str) -> list[dict[str, Any]]:
    return [a[k].to_dict() for k in keys]


def _published(name: str) -> dict[str, Any]:
    """A published reference point of defaults.toml, in the shape of an assumption."""
    from rlscale.econ.assumptions import load_data

    section, _, key = name.partition(".")
    rec = load_data()[section][key]
    return {"name": name, "value": constant(name), "unit": rec["unit"], "tag": rec["tag"],
            "citation": citation(name), "source": "published (defaults.toml)", "range": None}


# ------------------------------------------------------------------ the ledger

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
        report passes the one it also uses for its break-even, so both use one ratio.
    fits : mapping of curve id -> FitResult, optional
        The caller's fits of the essay's curves (passed to ``slope_evidence``).
    seed, form :
        Seed and form for fitting ``catalog:essay`` when neither *evidence* nor *fits* covers it.

    Returns
    -------
    list of Claim
        In the essay's order (``number`` 1..16).
    """
    from rlscale.econ.claims_physical import physical_claims
    from rlscale.econ.claims_slopes import slope_claims
    from rlscale.econ.claims_training import training_claims
    from rlscale.econ.evidence import slope_evidence

    a = assumptions if assumptions is not None else resolve(scenario, overrides)
    ev = evidence if evidence is not None else slope_evidence(
        a.value("exchange.slope_ratio"), fits=fits, seed=seed, form=form)
    try:
        claims = slope_claims(a, ev) + training_claims(a, ev) + physical_claims(a, ev)
    except RlscaleError as exc:
        user_ratio = a["exchange.slope_ratio"]
        if user_ratio.value is None:
            raise
        raise RlscaleError(f"{user_ratio.source}: exchange.slope_ratio = {user_ratio.value!r}: "
                           f"{exc}") from None
    claims.sort(key=lambda c: c.number)
    assert [c.number for c in claims] == list(range(1, 17)), "ledger must hold claims 1..16"
    return claims
