"""The claims ledger's machinery: verdicts, the one verdict rule, tolerances, the registry.

Each claim of the essay is a :class:`ClaimSpec` (static metadata: number, id, title, quote, essay
value, unit, tolerance, verdict rule text) declared with :func:`claim` next to ONE short function
``(Context) -> Result`` that computes rlscale's figure, the span of that figure over the plausible
range of the claim's unstated inputs, the explanation, the assumptions and the sensitivity.

The verdict is never chosen by a claim function: :func:`judge` applies one rule to every claim.

- ``reproduced``: every value over the plausible range of the claim's unstated inputs (or every
  slope ratio the essay's own evidence supports) lies within the essay's rounding;
- ``depends on assumptions``: some values of that range do, others do not;
- ``not reproduced``: none does, i.e. the claim fails at the essay's own inputs whatever values
  the unstated ones take inside their range.

An input is *unstated* (and swept over its ``range`` in ``defaults.toml``) while it keeps its
default; a scenario or flag value is the user's statement and is used as given. Inputs the essay
states itself (its premises) are never swept; a claim with none unstated is an identity given its
premises, for which "depends on assumptions" cannot arise (its rule text says so).

This module imports nothing from the claim modules (no import cycle): they import it, and
:mod:`rlscale.econ.claims` imports them to fill the registry.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from rlscale.fmt import readable

REPRODUCED = "reproduced"
DEPENDS = "depends on assumptions"
NOT_REPRODUCED = "not reproduced"
VERDICTS = (REPRODUCED, DEPENDS, NOT_REPRODUCED)

RULE = ("reproduced if every value over the plausible range of the unstated inputs is within the "
        "tolerance; depends on assumptions if some are; not reproduced if none is")

# ------------------------------------------------------------------ tolerances

SIMPLE_FRACTIONS = (1 / 4, 1 / 3, 1 / 2, 2 / 3, 3 / 4)
_EPS = 1e-12


@dataclass(frozen=True)
class Tolerance:
    """The values the essay's wording accepts: ``[low, high]`` (``high`` open if ``strict``)."""

    low: float
    high: float
    text: str
    strict: bool = False

    def holds(self, x: float) -> bool:
        return self.low - _EPS <= x and (x < self.high if self.strict else x <= self.high + _EPS)

    def coverage(self, lo: float, hi: float) -> str:
        """``"all"`` if [lo, hi] lies inside, ``"none"`` if it misses entirely, else ``"some"``."""
        if self.holds(lo) and self.holds(hi):
            return "all"
        if hi < self.low - _EPS or lo > self.high + _EPS or (self.strict and lo >= self.high):
            return "none"
        return "some"


def fraction(target: float) -> Tolerance:
    """Simple fraction ("half"): the nearest of 1/4, 1/3, 1/2, 2/3, 3/4 must be ``target``."""
    i = SIMPLE_FRACTIONS.index(target)
    lo = (SIMPLE_FRACTIONS[i - 1] + target) / 2 if i else -math.inf
    hi = (SIMPLE_FRACTIONS[i + 1] + target) / 2 if i + 1 < len(SIMPLE_FRACTIONS) else math.inf
    return Tolerance(lo, hi, f"simple fraction: nearest of 1/4, 1/3, 1/2, 2/3, 3/4 must be "
                             f"{target:.3g}, i.e. ratio in [{lo:.3f}, {hi:.3f}]")


def decades(essay: float, half_width: float) -> Tolerance:
    """Within ``half_width`` decades of the essay's figure (0.25: half-OOM grid, 0.5: power of ten)."""
    name = {0.25: "half-OOM grid", 0.5: "power of ten"}.get(half_width, "decades")
    return Tolerance(essay * 10 ** -half_width, essay * 10 ** half_width,
                     f"{name}: within {half_width:g} decades of the essay's figure")


def digits(essay: float, step: float) -> Tolerance:
    """Stated digits ("5.5x"): within half a unit of the last digit."""
    return Tolerance(essay - step / 2, essay + step / 2,
                     f"stated digits: within +/-{step / 2:g} of the essay's figure")


def at_most(bound: float, text: str) -> Tolerance:
    return Tolerance(-math.inf, bound, text)


def below(bound: float, text: str) -> Tolerance:
    return Tolerance(-math.inf, bound, text, strict=True)


def judge(tolerances: Sequence[Tolerance], spans: Sequence[tuple[float, float]]) -> str:
    """THE verdict rule, for a claim of one or more parts (each part: a span and its tolerance).

    Reproduced if every part holds over its whole span; not reproduced if some part holds
    nowhere in its span; otherwise depends on assumptions.
    """
    if len(tolerances) != len(spans):
        raise ValueError("one span per tolerance")
    cover = [t.coverage(min(s), max(s)) for t, s in zip(tolerances, spans)]
    if all(c == "all" for c in cover):
        return REPRODUCED
    if any(c == "none" for c in cover):
        return NOT_REPRODUCED
    return DEPENDS


# ------------------------------------------------------------------ the ledger's records

@dataclass
class Claim:
    """One recomputed claim of the essay (see the module docstring for the verdict rule)."""

    id: str
    number: int
    title: str
    quote: str
    essay_value: float
    essay_text: str
    computed_value: float
    unit: str
    verdict: str
    explanation: str
    tolerance: str
    verdict_rule: str
    short_unit: str = "x"
    computed_range: tuple[float, float] | None = None
    assumptions: list[dict[str, Any]] = field(default_factory=list)
    reproduces_at: dict[str, Any] | None = None
    sensitivity: dict[str, Any] | None = None

    @property
    def computed_text(self) -> str:
        """rlscale's figure formatted like the essay's (``4,330x``, ``0.55``, ``16.2 years``)."""
        return readable(self.computed_value) + self.short_unit

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``id, quote, essay_value, computed_value, unit, assumptions, verdict,
        explanation`` plus ``number, title, essay_text, computed_text, computed_range, tolerance,
        verdict_rule, reproduces_at, sensitivity``."""
        return {"id": self.id, "number": self.number, "title": self.title, "quote": self.quote,
                "computed_text": self.computed_text,
                "essay_value": self.essay_value, "essay_text": self.essay_text,
                "computed_value": self.computed_value, "unit": self.unit,
                "computed_range": list(self.computed_range) if self.computed_range else None,
                "assumptions": self.assumptions, "verdict": self.verdict,
                "explanation": self.explanation, "tolerance": self.tolerance,
                "verdict_rule": self.verdict_rule,
                "reproduces_at": self.reproduces_at, "sensitivity": self.sensitivity}


@dataclass
class Result:
    """What a claim function returns; ``spans`` holds one (low, high) per tolerance part."""

    value: float
    spans: list[tuple[float, float]]
    explanation: str
    assumptions: list[dict[str, Any]]
    sensitivity: dict[str, Any] | None = None
    reproduces_at: dict[str, Any] | None = None


@dataclass(frozen=True)
class ClaimSpec:
    """A claim's static metadata and its one function."""

    number: int
    id: str
    title: str
    quote: str
    essay_value: float
    essay_text: str
    unit: str
    tolerances: tuple[Tolerance, ...]
    rule: str
    compute: Callable[["Context"], Result]
    short_unit: str = "x"

    @property
    def verdict_rule(self) -> str:
        return f"{self.rule} Verdict: {RULE}."

    def evaluate(self, cx: "Context") -> Claim:
        r = self.compute(cx)
        verdict = judge(self.tolerances, r.spans)
        return Claim(id=self.id, number=self.number, title=self.title, quote=self.quote,
                     essay_value=self.essay_value, essay_text=self.essay_text,
                     computed_value=float(r.value), unit=self.unit, verdict=verdict,
                     explanation=r.explanation, short_unit=self.short_unit,
                     tolerance="; ".join(t.text for t in self.tolerances),
                     verdict_rule=self.verdict_rule,
                     computed_range=(float(min(r.spans[0])), float(max(r.spans[0]))),
                     assumptions=r.assumptions, reproduces_at=r.reproduces_at,
                     sensitivity=r.sensitivity)


REGISTRY: dict[int, ClaimSpec] = {}


def claim(*, number: int, id: str, title: str, quote: str, essay_value: float, essay_text: str,
          unit: str, tolerance: Tolerance | tuple[Tolerance, ...], rule: str,
          short_unit: str = "x") -> Callable[[Callable[["Context"], Result]], Callable]:
    """Declare a claim's metadata next to its function and register it."""
    tols = tolerance if isinstance(tolerance, tuple) else (tolerance,)

    def deco(fn: Callable[["Context"], Result]) -> Callable[["Context"], Result]:
        if number in REGISTRY and REGISTRY[number].compute is not fn:
            raise ValueError(f"claim {number} registered twice")
        REGISTRY[number] = ClaimSpec(number, id, title, quote, essay_value, essay_text, unit,
                                     tols, rule, fn, short_unit)
        return fn
    return deco


# ------------------------------------------------------------------ inputs of a claim function

@dataclass
class Context:
    """Everything a claim function reads: assumptions, slope evidence, published figures."""

    a: Any                      # rlscale.econ.assumptions.Assumptions
    ev: Any                     # rlscale.econ.evidence.SlopeEvidence
    published: dict[str, float]

    def value(self, key: str) -> Any:
        return self.a.value(key)

    def points(self, key: str) -> list[float]:
        """Values to sweep for ``key``: low, default, high of its range while it is unstated
        (source ``default`` and a range in defaults.toml); just its value once a user set it."""
        item = self.a[key]
        if item.source == "default" and item.range is not None:
            return sorted({float(item.range[0]), float(item.value), float(item.range[1])})
        return [float(item.value)]

    def swept(self, key: str) -> bool:
        return len(self.points(key)) > 1

    def used(self, *keys: str) -> list[dict[str, Any]]:
        return [self.a[k].to_dict() for k in keys]


def sweep(fn: Callable[..., float], **axes: Iterable[float]) -> tuple[float, float]:
    """(min, max) of ``fn`` over the product of ``axes`` (every function here is monotone in each
    input, so the corners and the default bound its values; continuity fills the span)."""
    names = list(axes)
    vals = [fn(**dict(zip(names, combo))) for combo in itertools.product(*axes.values())]
    return min(vals), max(vals)


def span_text(lo: float, hi: float, unit: str = "x") -> str:
    return f"{readable(lo)}{unit} to {readable(hi)}{unit}" if lo != hi else f"{readable(lo)}{unit}"
