"""Forecasts with prediction intervals: parameter, observation and form uncertainty.

An :class:`Ensemble` holds the fits of one curve under one form or, with ``form="auto"``, under
every candidate form the data can support, each with its AIC weight
``w_f ∝ exp(−ΔAIC_f / 2)``. Every fit carries its bootstrap refits (``FitResult.boot_params``);
the forecast distribution is the AIC-weighted mixture of those draws, so it carries

* parameter uncertainty (the spread of the bootstrap refits),
* form uncertainty (the spread across forms, weighted by AIC), and, for a *score*,
* the sampling noise of a new observation: Binomial(n, p)/n with the curve's n when it is known,
  else Gaussian with the fit's residual standard deviation.

The compute that reaches a target score is solved per draw; a draw whose curve never gets there
(its ceiling is below the target, or it needs more than :data:`MAX_DECADES` beyond the data)
counts as unbounded compute, so it widens the interval rather than vanishing. See
``docs/methods.md`` §9.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np

from rlscale.errors import RlscaleError
from rlscale.fitting.api import AUTO_CANDIDATES, fit_curve
from rlscale.fitting.result import FitResult

#: How far beyond the observed compute range (each way, in decades) a target is searched for.
MAX_DECADES = 30.0
#: Noisy draws per predicted point (bootstrap draws × repeats of the observation noise).
NOISE_DRAWS = 4000
#: log10-compute offset used to read a curve's limit at very large (or small) compute.
FAR = 1000.0


@dataclass
class FormFit:
    """One form's fit inside an :class:`Ensemble`."""

    form: str
    fit: FitResult
    weight: float
    resid_sd: float | None = None   # residual sd of the fit (noise of a new point, n unknown)

    def limits(self) -> tuple[float, float]:
        """The fitted curve's score at far-small and far-large compute."""
        f, p = self.fit.form_obj, self.fit.param_values
        lo = float(f.evaluate(math.log10(self.fit.compute_min) - FAR, p))
        hi = float(f.evaluate(math.log10(self.fit.compute_max) + FAR, p))
        return lo, hi


@dataclass
class Ensemble:
    """The fits a forecast is drawn from (see the module docstring)."""

    curve: str
    axis: str | None
    compute_unit: str
    requested_form: str
    level: float
    fits: list[FormFit]
    compute_min: float
    compute_max: float
    n_median: float | None
    warnings: list[str] = field(default_factory=list)

    @property
    def weighted(self) -> bool:
        return self.n_median is not None


def curve_arrays(data, curve: str, *, score_scale: str = "unit",
                 min_compute: float | None = None):
    """``compute, score, n, axis, compute_unit`` of one curve of an observation table."""
    from rlscale.data import read_observations, select_curves

    source = data if isinstance(data, str) else "data"
    df = select_curves(read_observations(data, score_scale=score_scale), [curve], source=source)
    if min_compute is not None:
        if not (math.isfinite(min_compute) and min_compute > 0):
            raise RlscaleError(f"--min-compute {min_compute!r}: must be > 0")
        df = df[df["compute"] >= min_compute]
        if df.empty:
            raise RlscaleError(f"curve '{curve}': no points at compute >= {min_compute:g}")
    n = df["n"].to_numpy(float)
    n = n if np.isfinite(n).all() else None
    unit = str(df["compute_unit"].iloc[0]) or "relative"
    return (df["compute"].to_numpy(float), df["score"].to_numpy(float), n,
            str(df["axis"].iloc[0]), unit)


def curve_rng(seed: int, curve: str) -> np.random.Generator:
    """The curve's own generator, as :func:`rlscale.fit` seeds it."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(curve.encode())]))


def _resid_sd(fr: FitResult, c, s) -> float | None:
    dof = fr.n_points - len(fr.params)
    if dof <= 0:
        return None
    r = s - fr.form_obj.evaluate(np.log10(c), fr.param_values)
    return float(np.sqrt(np.sum(r * r) / dof))


def fit_ensemble(compute, score, n=None, form: str = "auto", *, curve: str = "curve",
                 axis: str | None = None, compute_unit: str = "relative",
                 bootstrap: int = 1000, rng: np.random.Generator, level: float = 0.9) -> Ensemble:
    """Fit one curve under ``form`` (or every candidate form, ``"auto"``) with bootstrap draws."""
    c, s = np.asarray(compute, float), np.asarray(score, float)
    names = AUTO_CANDIDATES if form == "auto" else (form,)
    fits, skipped = [], []
    for name in names:
        try:
            fr = fit_curve(c, s, n, name, curve=curve, axis=axis, compute_unit=compute_unit,
                           bootstrap=bootstrap, rng=rng, level=level)
        except RlscaleError as exc:
            if form != "auto":
                raise
            skipped.append(f"{name} ({str(exc).split(': ', 1)[-1]})")
            continue
        fits.append(fr)
    warnings = []
    if form == "auto":
        fits, more = _auto_keep(fits, skipped)
        warnings += more
    else:
        warnings += fits[0].warnings
    aic = np.array([fr.aic for fr in fits], float)
    w = np.exp(-(aic - aic.min()) / 2.0) if np.all(np.isfinite(aic)) else np.ones(len(fits))
    w = w / w.sum()
    nn = None if n is None else float(np.median(np.asarray(n, float)))
    members = [FormFit(fr.form, fr, float(wi), None if nn is not None else _resid_sd(fr, c, s))
               for fr, wi in zip(fits, w)]
    return Ensemble(curve, axis, compute_unit, form, level, members, float(c.min()),
                    float(c.max()), nn, warnings)


def _auto_keep(fits: list[FitResult], skipped: list[str]):
    """Forms that enter the AIC mixture: identifiable, with a finite AIC."""
    keep = []
    for fr in fits:
        if not np.isfinite(fr.aic):
            skipped.append(f"{fr.form} (exact fit: no AIC)")
        elif not fr.identifiable:
            skipped.append(f"{fr.form} (not identifiable on these data)")
        else:
            keep.append(fr)
    warnings = []
    if not keep:
        line = [fr for fr in fits if fr.form == "loglinear"]
        if not line:
            raise RlscaleError(f"curve '{fits[0].curve if fits else '?'}': no form could be "
                               f"fitted ({'; '.join(skipped)})")
        keep = line
        warnings.append("auto: no form could be compared by AIC, so the forecast uses "
                        "loglinear alone and carries no form uncertainty")
    if skipped:
        warnings.append(f"auto: left out of the mixture: {', '.join(skipped)}")
    for fr in keep:
        warnings += [f"{fr.form}: {w}" for w in fr.warnings]
    return keep, warnings
