"""A point estimate with a confidence interval, shared by fits, comparisons and the ledger."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    """A value with a (``level``) confidence interval ``[ci_low, ci_high]``.

    ``ci_low``/``ci_high`` are ``nan`` when no interval could be computed (never silently equal
    to ``value``).
    """

    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    level: float = 0.95

    def to_dict(self) -> dict[str, float | None]:
        """JSON-ready dict; ``nan`` becomes ``None``."""
        def clean(x: float) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {"value": clean(self.value), "ci_low": clean(self.ci_low),
                "ci_high": clean(self.ci_high)}

    def contains(self, x: float) -> bool:
        return self.ci_low <= x <= self.ci_high
