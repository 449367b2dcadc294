"""Curve fitting with honest uncertainty: weighted least squares from several starts, and a
bootstrap (parametric binomial or pairs) vectorised across resamples. See ``docs/methods.md``.
"""

from __future__ import annotations

from rlscale.fitting.api import AUTO_CANDIDATES, fit_curve
from rlscale.fitting.columns import fit, fit_frame
from rlscale.fitting.result import FitResult, FitResults

__all__ = ["fit", "fit_curve", "fit_frame", "FitResult", "FitResults", "AUTO_CANDIDATES"]
