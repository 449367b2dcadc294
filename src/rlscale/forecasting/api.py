"""``rlscale.forecast``: the compute that reaches a score, or the score at a compute."""

from __future__ import annotations

import math
import zlib

import numpy as np

from rlscale.errors import RlscaleError
from rlscale.estimate import Estimate
from rlscale.forecasting.mixture import compute_draws, score_draws
from rlscale.forecasting.predict import MAX_DECADES, Ensemble, curve_arrays, curve_rng, fit_ensemble
from rlscale.forecasting.result import ForecastResult


def check_options(*, to_score=None, at_compute=None, form="auto", level=0.9, n_new=None,
                  score_scale="unit", need_target=True) -> float | None:
    """Validate forecast flags before any work; returns the target score on the unit scale."""
    from rlscale.forms import FORMS

    if form != "auto" and form not in FORMS:
        raise RlscaleError(f"--form: unknown form '{form}' (use one of: "
                           f"{', '.join(sorted(FORMS))}, auto)")
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise RlscaleError(f"--level {level!r}: must be in (0, 1)")
    if score_scale not in ("unit", "percent"):
        raise RlscaleError(f"--score-scale: unknown value '{score_scale}' (use unit or percent)")
    if n_new is not None and not (math.isfinite(n_new) and n_new >= 1):
        raise RlscaleError(f"--n {n_new!r}: graded attempts of a new observation must be >= 1")
    if not need_target:
        return None
    if (to_score is None) == (at_compute is None):
        raise RlscaleError("give exactly one of --to-score S and --at-compute C")
    if at_compute is not None:
        if not (math.isfinite(at_compute) and at_compute > 0):
            raise RlscaleError(f"--at-compute {at_compute!r}: compute must be > 0")
        return None
    scale = 100.0 if score_scale == "percent" else 1.0
    s = to_score / scale
    if not (math.isfinite(s) and 0 <= s <= 1):
        hint = "[0, 100] (percent)" if scale == 100 else "[0, 1] (use --score-scale percent for %)"
        raise RlscaleError(f"--to-score {to_score!r}: a score must be in {hint}")
    return s


def decades_beyond(ens: Ensemble, log10_c: float) -> float | None:
    """How far ``log10_c`` lies outside the observed compute range, in decades (0 inside)."""
    if not math.isfinite(log10_c):
        return None
    lo, hi = math.log10(ens.compute_min), math.log10(ens.compute_max)
    return float(max(0.0, log10_c - hi, lo - log10_c))


def _interval_text(ens: Ensemble, noise: str | None) -> str:
    parts = ["parameters"]
    if len(ens.fits) > 1:
        parts.append("form (AIC mixture)")
    if noise:
        parts.append(noise)
    return " + ".join(parts)


def _unreachable_reason(member, target: float) -> str:
    lo, hi = member.limits()
    top, bottom = max(lo, hi), min(lo, hi)
    if target > top:
        return f"above the fitted ceiling {top:.4g} of the {member.form} fit"
    if target < bottom:
        return f"below the fitted floor {bottom:.4g} of the {member.form} fit"
    return (f"not reached within {MAX_DECADES:g} decades beyond the data under the "
            f"{member.form} fit")


def _bounds(member) -> dict:
    """The fitted curve's limits at large and small compute, where they are scores."""
    lo, hi = member.limits()
    inside = lambda v: v if -1e-9 <= v <= 1 + 1e-9 else None  # noqa: E731
    return {"ceiling": inside(max(lo, hi)), "floor": inside(min(lo, hi))}


def _pow10(x: float) -> float:
    return math.inf if x == math.inf else (0.0 if x == -math.inf else 10.0 ** x)


def _to_compute(ens: Ensemble, target: float):
    value, lo, hi, per_form = compute_draws(ens, target)
    forms, warnings = [], []
    for m, (v, l, h) in zip(ens.fits, per_form):
        reach = math.isfinite(v)
        row = {"form": m.form, "weight": m.weight, "aic": m.fit.aic, "reachable": reach,
               "compute": Estimate(_pow10(v), _pow10(l), _pow10(h)).to_dict(),
               "decades_beyond_data": decades_beyond(ens, v), **_bounds(m)}
        if not reach:
            row["reason"] = _unreachable_reason(m, target)
            warnings.append(f"unreachable under {m.form} (AIC weight {m.weight:.3g}): "
                            f"{row['reason']}")
        forms.append(row)
    reachable = math.isfinite(value)
    if reachable and hi == math.inf:
        warnings.append(f"the upper end of the interval is unbounded: more than "
                        f"{(1 - ens.level) / 2:.0%} of the draws never reach score {target:g}")
    est = Estimate(_pow10(value) if reachable else math.nan, _pow10(lo), _pow10(hi), ens.level)
    return est, reachable, decades_beyond(ens, value), forms, warnings


def _at_compute(ens: Ensemble, compute: float, n_new, rng):
    n = n_new if n_new is not None else ens.n_median
    value, lo, hi, per_form = score_draws(ens, [compute], n_new=n, rng=rng)
    forms = [{"form": m.form, "weight": m.weight, "aic": m.fit.aic, "reachable": True,
              "score": Estimate(float(v[0]), float(l[0]), float(h[0])).to_dict(),
              **_bounds(m)}
             for m, (v, l, h) in zip(ens.fits, per_form)]
    if n is not None:
        noise = f"binomial noise of a new observation (n = {n:g})"
    elif any(m.resid_sd is not None for m in ens.fits):
        noise = "Gaussian noise of a new observation (the fit's residual sd; n unknown)"
    else:
        noise = None
    est = Estimate(float(value[0]), float(lo[0]), float(hi[0]), ens.level)
    return est, forms, noise


def forecast(data, curve: str, *, to_score: float | None = None,
             at_compute: float | None = None, form: str = "auto", bootstrap: int = 1000,
             seed: int = 0, level: float = 0.9, n_new: float | None = None,
             min_compute: float | None = None, score_scale: str = "unit", cost: bool = False,
             scenario=None, slope_ratio: float | None = None) -> ForecastResult:
    """Forecast one curve: the compute that reaches ``to_score``, or the score at ``at_compute``.

    Parameters
    ----------
    data
        Anything :func:`rlscale.read_observations` accepts.
    curve : str
        The curve id.
    to_score, at_compute : float
        Exactly one: a target score (same scale as the data) or a compute (the curve's unit).
    form : str
        A form name, or ``"auto"``: the AIC-weighted mixture of every form the data support.
    bootstrap, seed, level
        Bootstrap refits per form, the seed, and the level of the prediction interval.
    n_new : float, optional
        Graded attempts behind a new observation (score forecasts); default the median n of the
        curve when it is known.
    min_compute : float, optional
        Leave out points below this compute before fitting.
    cost : bool
        Add the cost of the gap to ``to_score`` (see :func:`rlscale.forecasting.cost.target_cost`),
        with assumptions from ``scenario`` and ``slope_ratio``.

    Returns
    -------
    ForecastResult
    """
    target, assumptions = _check_request(to_score, at_compute, form, level, n_new, score_scale,
                                         cost, scenario, slope_ratio)
    c, s, n, axis, unit = curve_arrays(data, curve, score_scale=score_scale,
                                       min_compute=min_compute)
    if cost and axis not in ("rl", "inference"):
        raise RlscaleError(f"--cost: curve '{curve}' is on the '{axis}' axis; costs are for rl "
                           "or inference curves")
    ens = fit_ensemble(c, s, n, form, curve=curve, axis=axis, compute_unit=unit,
                       bootstrap=bootstrap, rng=curve_rng(seed, curve), level=level)
    res = _result(ens, target, at_compute, n_new, seed)
    if cost:
        from rlscale.forecasting.cost import target_cost

        res.cost = target_cost(res, assumptions)
    return res


def _check_request(to_score, at_compute, form, level, n_new, score_scale, cost, scenario,
                   slope_ratio):
    """The checked target score (None for a score forecast) and the cost assumptions (None
    without ``cost``), refused before any data are read."""
    target = check_options(to_score=to_score, at_compute=at_compute, form=form, level=level,
                           n_new=n_new, score_scale=score_scale)
    if cost and target is None:
        raise RlscaleError("--cost needs --to-score: it costs the gap to a target score")
    if not cost:
        return target, None
    from rlscale.forecasting.cost import cost_assumptions

    return target, cost_assumptions(scenario, slope_ratio)


def _result(ens, target, at_compute, n_new, seed: int) -> ForecastResult:
    """The forecast of a fitted ensemble: the compute that reaches ``target``, or (``target``
    None) the score at ``at_compute``; an extrapolation beyond the data is warned about."""
    curve, unit = ens.curve, ens.compute_unit
    warnings = list(ens.warnings)
    common = dict(curve=curve, axis=ens.axis, compute_unit=unit, form=ens.requested_form,
                  level=ens.level, compute_min=ens.compute_min, compute_max=ens.compute_max)
    if target is not None:
        est, reachable, dec, forms, more = _to_compute(ens, target)
        res = ForecastResult(**common, reachable=reachable, decades_beyond_data=dec,
                             forms=forms, warnings=warnings + more,
                             interval=_interval_text(ens, None), target_score=target,
                             compute=est)
    else:
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(
            curve.encode()), 1]))
        est, forms, noise = _at_compute(ens, float(at_compute), n_new, rng)
        res = ForecastResult(**common, reachable=True,
                             decades_beyond_data=decades_beyond(ens, math.log10(at_compute)),
                             forms=forms, warnings=warnings, interval=_interval_text(ens, noise),
                             at_compute=float(at_compute), score=est)
    if res.decades_beyond_data:
        res.warnings.append(f"extrapolation: {res.decades_beyond_data:.3g} decades beyond the "
                            f"observed compute range [{ens.compute_min:.4g}, "
                            f"{ens.compute_max:.4g}] {unit}")
    return res
