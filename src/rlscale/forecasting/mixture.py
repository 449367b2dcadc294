"""Weighted draws from an :class:`~rlscale.forecasting.predict.Ensemble`: scores and compute.

Quantiles are taken of the AIC-weighted pool of every form's bootstrap draws (each form's draws
share its weight equally). Quantiles use the inverted weighted CDF (no interpolation), so draws
of unbounded compute (``±inf``) are handled exactly.
"""

from __future__ import annotations

import math

import numpy as np

from rlscale.fitting.bootstrap import x_at_score
from rlscale.forecasting.predict import MAX_DECADES, NOISE_DRAWS, Ensemble, FormFit


def weighted_quantiles(values, weights, qs) -> np.ndarray:
    """Quantiles ``qs`` of each column of ``values`` (D, J) under draw weights ``weights`` (D,).

    NaN draws are left out. A column with fewer than two usable draws gives NaN.
    """
    v = np.asarray(values, float)
    v = v[:, None] if v.ndim == 1 else v
    w = np.broadcast_to(np.asarray(weights, float)[:, None], v.shape)
    w = np.where(np.isnan(v), 0.0, w)
    order = np.argsort(np.where(np.isnan(v), np.inf, v), axis=0, kind="stable")
    vs, ws = np.take_along_axis(v, order, 0), np.take_along_axis(w, order, 0)
    total = ws.sum(axis=0)
    cdf = np.cumsum(ws, axis=0) / np.where(total > 0, total, 1.0)
    out = np.empty((len(qs), v.shape[1]))
    for i, q in enumerate(qs):
        idx = np.minimum(np.sum(cdf < q - 1e-12, axis=0), v.shape[0] - 1)
        out[i] = np.take_along_axis(vs, idx[None, :], 0)[0]
    usable = np.sum(w > 0, axis=0) >= 2
    out[:, ~usable] = np.nan
    return out


def _alpha(level: float) -> tuple[float, float]:
    a = (1.0 - level) / 2.0
    return a, 1.0 - a


def _noisy(member: FormFit, S: np.ndarray, n_new, rng: np.random.Generator) -> np.ndarray:
    """Observation noise around curve draws ``S`` (B, J): (K·B, J) noisy scores."""
    B, J = S.shape
    K = max(1, math.ceil(NOISE_DRAWS / max(B, 1)))
    p = np.clip(np.where(np.isfinite(S), S, np.nan), 0.0, 1.0)
    if n_new is not None:
        n_int = np.maximum(np.rint(np.broadcast_to(n_new, (J,))).astype(np.int64), 1)
        nanmask = np.isnan(p)
        k = rng.binomial(np.broadcast_to(n_int, (K, B, J)),
                         np.broadcast_to(np.where(nanmask, 0.5, p), (K, B, J)))
        y = np.where(nanmask, np.nan, k / n_int)
    elif member.resid_sd is not None:
        y = np.clip(p + rng.normal(0.0, member.resid_sd, (K, B, J)), 0.0, 1.0)
    else:
        y = np.broadcast_to(p, (K, B, J))
    return y.reshape(K * B, J)


def score_draws(ens: Ensemble, compute, *, n_new=None, noise: bool = True,
                rng: np.random.Generator | None = None):
    """Forecast scores at ``compute`` (J,).

    Returns
    -------
    value, low, high : ndarray (J,)
        The point forecast (the fitted curve of a single form; the weighted median of the
        mixture for ``auto``) and the interval at ``ens.level``.
    per_form : list of (value, low, high)
        The same for each form on its own.
    """
    x = np.log10(np.atleast_1d(np.asarray(compute, float)))
    qs = _alpha(ens.level)
    pooled_v, pooled_w, clean_v, clean_w, per_form = [], [], [], [], []
    for m in ens.fits:
        f, boot = m.fit.form_obj, m.fit.boot_params
        central = f.evaluate(x, m.fit.param_values)
        if len(boot) < 2:
            per_form.append((central, np.full_like(x, np.nan), np.full_like(x, np.nan)))
            clean_v.append(central[None, :])
            clean_w.append(np.array([m.weight]))
            continue
        S = f.evaluate(x, boot[:, None, :])
        Y = _noisy(m, S, n_new, rng) if noise else S
        lo, hi = weighted_quantiles(Y, np.ones(len(Y)), qs)
        per_form.append((central, lo, hi))
        pooled_v.append(Y)
        pooled_w.append(np.full(len(Y), m.weight / len(Y)))
        clean_v.append(S)
        clean_w.append(np.full(len(S), m.weight / len(S)))
    if len(ens.fits) == 1:
        return (*per_form[0], per_form)
    value = weighted_quantiles(np.vstack(clean_v), np.concatenate(clean_w), [0.5])[0]
    if pooled_v:
        lo, hi = weighted_quantiles(np.vstack(pooled_v), np.concatenate(pooled_w), qs)
    else:
        lo = hi = np.full_like(x, np.nan)
    return value, lo, hi, per_form


def solve_log_compute(member: FormFit, params, target: float) -> np.ndarray:
    """log10 compute where each curve (rows of ``params``) reaches ``target``.

    Searched from :data:`MAX_DECADES` below the data to as far above it; a curve that does not
    get there is ``+inf`` when the target lies towards large compute (above its ceiling) and
    ``-inf`` when towards small compute.
    """
    f = member.fit.form_obj
    params = np.atleast_2d(np.asarray(params, float))
    a = math.log10(member.fit.compute_min) - MAX_DECADES
    b = math.log10(member.fit.compute_max) + MAX_DECADES
    x, clamped = x_at_score(f, params, target, a, b)
    fa = f.evaluate(np.full(len(params), a), params)
    fb = f.evaluate(np.full(len(params), b), params)
    side = np.where(np.abs(target - fb) <= np.abs(target - fa), np.inf, -np.inf)
    x = np.where(clamped, side, x)
    return np.where(np.all(np.isfinite(params), axis=1), x, np.nan)


def compute_draws(ens: Ensemble, target: float):
    """log10 compute that reaches ``target``: ``(value, low, high, per_form)`` as for scores.

    ``per_form`` holds ``(value, low, high)`` in log10 compute for each form.
    """
    qs = _alpha(ens.level)
    pooled_v, pooled_w, per_form = [], [], []
    for m in ens.fits:
        central = float(solve_log_compute(m, m.fit.param_values, target)[0])
        boot = m.fit.boot_params
        if len(boot) < 2:
            per_form.append((central, math.nan, math.nan))
            pooled_v.append(np.array([central]))
            pooled_w.append(np.array([m.weight]))
            continue
        X = solve_log_compute(m, boot, target)
        lo, hi = weighted_quantiles(X, np.ones(len(X)), qs)[:, 0]
        per_form.append((central, float(lo), float(hi)))
        pooled_v.append(X)
        pooled_w.append(np.full(len(X), m.weight / len(X)))
    if len(ens.fits) == 1:
        return (*per_form[0], per_form)
    v, w = np.concatenate(pooled_v), np.concatenate(pooled_w)
    value, lo, hi = weighted_quantiles(v, w, [0.5, *qs])[:, 0]
    return float(value), float(lo), float(hi), per_form
