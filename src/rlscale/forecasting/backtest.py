"""``rlscale.backtest``: fit on the low-compute part of a curve and predict the rest.

Protocols:

* ``holdout`` — train on the points whose log10 compute lies in the lowest ``train_fraction`` of
  the curve's log10-compute span; predict every later point with the forecast's prediction
  interval (parameters + form + the held-out point's own binomial noise when n is known).
* ``scalerl`` — as ScaleRL does (Khatri et al. 2025, arXiv:2510.13786, Sec. 2 and Fig. 1: fit
  up to 50k of 100k GPU-hours, extrapolate the rest): train on compute up to half the largest
  compute, and compare the extrapolated asymptote and midpoint with a fit to all the data.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from rlscale.errors import RlscaleError
from rlscale.estimate import Estimate
from rlscale.forecasting.api import check_options
from rlscale.forecasting.mixture import score_draws
from rlscale.forecasting.predict import Ensemble, curve_arrays, curve_rng, fit_ensemble
from rlscale.forecasting.result import BacktestResult

PROTOCOLS = ("holdout", "scalerl")
DEFAULT_TRAIN_FRACTION = 0.5
#: The parameter that is each form's asymptote (large-compute limit), where it has one.
ASYMPTOTE = {"logistic": "ceil", "scalerl": "A", "powerlaw": "A"}
#: The parameter that is each form's midpoint, and how it maps to compute.
MIDPOINT = {"scalerl": ("C_mid", lambda v: v), "logistic": ("x0", lambda v: 10.0 ** v)}


def split(compute, protocol: str, train_fraction: float) -> np.ndarray:
    """Boolean mask of the training points (the rest are held out)."""
    c = np.asarray(compute, float)
    if protocol == "scalerl":
        return c <= 0.5 * c.max() * (1 + 1e-12)
    x = np.log10(c)
    cut = x.min() + train_fraction * (x.max() - x.min())
    return x <= cut + 1e-12


def _check(protocol: str, train_fraction, form: str | None) -> tuple[float, str]:
    if protocol not in PROTOCOLS:
        raise RlscaleError(f"--protocol: unknown value '{protocol}' (use holdout or scalerl)")
    if protocol == "scalerl" and train_fraction is not None:
        raise RlscaleError("--train-fraction does not apply to --protocol scalerl, which fits "
                           "on compute up to half the largest compute")
    f = DEFAULT_TRAIN_FRACTION if train_fraction is None else train_fraction
    if not (isinstance(f, (int, float)) and math.isfinite(f) and 0 < f < 1):
        raise RlscaleError(f"--train-fraction {train_fraction!r}: must be in (0, 1)")
    return float(f), form or ("scalerl" if protocol == "scalerl" else "auto")


def _check_split(curve: str, c, train, form: str, what: str) -> None:
    from rlscale.forms import FORMS

    need = 2 if form == "auto" else FORMS[form].min_points
    distinct = np.unique(c[train]).size
    if distinct < need:
        raise RlscaleError(f"curve '{curve}': {what} leaves {distinct} training point(s) with "
                           f"distinct compute (up to {c[train].max() if train.any() else 0:g}); "
                           f"the {form} form needs at least {need}")
    if train.all():
        raise RlscaleError(f"curve '{curve}': {what} leaves no held-out points to predict")


def _compare(ens: Ensemble, c, s, n, bootstrap: int, rng, protocol: str):
    """Asymptote (and, for scalerl, midpoint) of the train fit vs the full-data fit."""
    from rlscale.fitting import fit_curve

    best = max(ens.fits, key=lambda m: m.weight)
    name = best.form
    if name not in ASYMPTOTE and not (protocol == "scalerl" and name in MIDPOINT):
        return None, None, []
    full = fit_curve(c, s, n, name, curve=ens.curve, bootstrap=bootstrap, rng=rng,
                     level=ens.level)
    pair = lambda a, b: {"extrapolated": a.to_dict(), "full_data": b.to_dict()}  # noqa: E731
    asym = (pair(best.fit.params[ASYMPTOTE[name]], full.params[ASYMPTOTE[name]])
            if name in ASYMPTOTE else None)
    mid = None
    if protocol == "scalerl" and name in MIDPOINT:
        key, to_c = MIDPOINT[name]
        conv = lambda e: Estimate(to_c(e.value), to_c(e.ci_low), to_c(e.ci_high))  # noqa: E731
        mid = pair(conv(best.fit.params[key]), conv(full.params[key]))
    return asym, mid, [f"full-data {name} fit: {w}" for w in full.warnings]


def backtest(data, curve: str, *, train_fraction: float | None = None,
             protocol: str = "holdout", form: str | None = None, bootstrap: int = 1000,
             seed: int = 0, level: float = 0.9, min_compute: float | None = None,
             score_scale: str = "unit") -> BacktestResult:
    """Fit on the low-compute part of ``curve``, predict the held-out points, score the result.

    Parameters
    ----------
    train_fraction : float, optional
        ``holdout`` only: the share of the log10-compute span to train on (default 0.5).
    protocol : ``"holdout"`` or ``"scalerl"``
    form : str, optional
        Default ``"auto"`` (holdout) or ``"scalerl"`` (scalerl protocol).
    bootstrap, seed, level, min_compute, score_scale
        As for :func:`rlscale.forecast`.

    Returns
    -------
    BacktestResult
    """
    frac, form = _check(protocol, train_fraction, form)
    check_options(form=form, level=level, score_scale=score_scale, need_target=False)
    c, s, n, axis, unit = curve_arrays(data, curve, score_scale=score_scale,
                                       min_compute=min_compute)
    train = split(c, protocol, frac)
    what = (f"--train-fraction {frac:g}" if protocol == "holdout"
            else "--protocol scalerl (compute up to half the largest)")
    _check_split(curve, c, train, form, what)
    rng = curve_rng(seed, curve)
    nt = None if n is None else n[train]
    ens = fit_ensemble(c[train], s[train], nt, form, curve=curve, axis=axis, compute_unit=unit,
                       bootstrap=bootstrap, rng=rng, level=level)
    test = ~train
    noise_rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(
        curve.encode()), 2]))
    value, lo, hi, _ = score_draws(ens, c[test], n_new=None if n is None else n[test],
                                   rng=noise_rng)
    points = [{"compute": float(ci), "score": float(si),
               "predicted": Estimate(float(v), float(l), float(h)).to_dict(),
               "error": float(si - v), "covered": bool(l <= si <= h)}
              for ci, si, v, l, h in zip(c[test], s[test], value, lo, hi)]
    asym, mid, more = _compare(ens, c, s, n, bootstrap, rng, protocol)
    return BacktestResult(
        curve=curve, protocol=protocol, form=form, level=level,
        train_max_compute=float(c[train].max()), n_train=int(train.sum()), points=points,
        coverage=float(np.mean([p["covered"] for p in points])),
        mean_abs_error=float(np.mean([abs(p["error"]) for p in points])),
        warnings=list(ens.warnings) + more, compute_unit=unit, asymptote=asym, midpoint=mid,
        extra={"forms": [{"form": m.form, "weight": m.weight} for m in ens.fits]})
