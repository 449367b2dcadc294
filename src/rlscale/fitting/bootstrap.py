"""Vectorised bootstrap of a curve fit, and the slope per decade at a stated score.

Two resampling schemes (see ``docs/methods.md``):

* **parametric binomial** when the number of graded attempts ``n`` behind each score is known:
  draw ``k* ~ Binomial(n, f(x; θ̂))`` at every point, set ``y* = k*/n`` and recompute the
  binomial weights from ``y*`` exactly as for the real data;
* **pairs** (case resampling) when ``n`` is unknown: draw N points with replacement; a point
  drawn m times enters the weighted least squares with weight m·w.

All B resamples are refitted together by :func:`rlscale.fitting._solve.batched_lm`, starting
from the full-data fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rlscale.fitting._solve import batched_lm
from rlscale.forms import Form


def binomial_weights(score, n) -> np.ndarray:
    """Inverse binomial variance ``n / (p̃(1 − p̃))`` with ``p̃ = (k + 0.5)/(n + 1)``, ``k = score·n``.

    Shrinking p towards 1/2 keeps the weight finite at scores of exactly 0 or 1. ``score`` is
    the observed score for the first pass and the fitted score in the reweighting rounds.
    """
    n = np.asarray(n, float)
    p = (np.clip(np.asarray(score, float), 0.0, 1.0) * n + 0.5) / (n + 1.0)
    return n / (p * (1.0 - p))


@dataclass
class BootstrapDraws:
    method: str                 # "parametric binomial" | "pairs" | "none"
    requested: int
    params: np.ndarray          # (B_ok, P) public parameters of the resamples that converged
    failed: int                 # resamples that did not converge (or gave non-finite values)
    degenerate: int             # pairs resamples with too few distinct compute values to fit


def draw(form: Form, x, y, n, w, theta_hat, lo, hi, n_boot: int,
         rng: np.random.Generator, irls_rounds: int = 2) -> BootstrapDraws:
    """Resample and refit ``n_boot`` times; returns the converged resamples' parameters."""
    N, P = len(x), len(theta_hat)
    if n_boot <= 0:
        return BootstrapDraws("none", 0, np.empty((0, P)), 0, 0)
    if n is not None:
        method = "parametric binomial"
        p_hat = np.clip(form.evaluate(x, form.to_public(theta_hat)), 0.0, 1.0)
        p_hat = np.where(np.isfinite(p_hat), p_hat, 0.5)
        n_int = np.maximum(np.rint(n).astype(np.int64), 1)
        yb = rng.binomial(n_int, p_hat, size=(n_boot, N)) / n_int
        wb = binomial_weights(yb, n_int)
        usable = np.ones(n_boot, bool)
    else:
        method = "pairs"
        idx = rng.integers(0, N, size=(n_boot, N))
        counts = np.zeros((n_boot, N))
        np.add.at(counts, (np.repeat(np.arange(n_boot), N), idx.ravel()), 1.0)
        yb = np.broadcast_to(y, (n_boot, N))
        wb = counts * w
        # distinct compute values present in each resample
        # (sorted per resample: memory B x N, not N x distinct as a one-hot product would be)
        _, ux = np.unique(x, return_inverse=True)
        ranks = np.sort(ux[idx], axis=1)
        distinct = 1 + np.count_nonzero(np.diff(ranks, axis=1), axis=1)
        usable = distinct >= max(P, 2)
    theta0 = np.broadcast_to(theta_hat, (n_boot, P))
    yb, wb = np.ascontiguousarray(yb[usable]), wb[usable]
    theta, ok = batched_lm(form, x, yb, wb, theta0[usable], lo, hi)
    if n is not None:  # the same reweighting rounds as the full-data fit
        for _ in range(irls_rounds):
            wb = binomial_weights(form.evaluate(x, form.to_public(theta)[:, None, :]), n_int)
            wb = np.where(np.isfinite(wb), wb, 0.0)
            theta, ok2 = batched_lm(form, x, yb, wb, theta, lo, hi)
            ok &= ok2
    params = form.to_public(theta[ok])
    finite = np.all(np.isfinite(params), axis=1)
    return BootstrapDraws(method, n_boot, params[finite],
                          int(usable.sum() - finite.sum()), int((~usable).sum()))


def x_at_score(form: Form, params, score: float, xlo: float, xhi: float):
    """Solve ``f(x; params) = score`` for x in ``[xlo, xhi]`` for each row of ``params`` (B, P).

    Vectorised bisection (60 halvings). Where the curve does not reach ``score`` inside the
    interval, x is clamped to the end whose value is nearest ``score``.

    Returns
    -------
    x : ndarray (B,)
    clamped : ndarray of bool (B,)
    """
    params = np.atleast_2d(np.asarray(params, float))
    B = params.shape[0]
    a, b = np.full(B, float(xlo)), np.full(B, float(xhi))
    fa = form.evaluate(a, params) - score
    fb = form.evaluate(b, params) - score
    bracket = np.isfinite(fa) & np.isfinite(fb) & (np.sign(fa) != np.sign(fb))
    bracket |= (fa == 0) | (fb == 0)
    for _ in range(60):
        m = 0.5 * (a + b)
        fm = form.evaluate(m, params) - score
        left = np.sign(fm) == np.sign(fa)
        a, fa = np.where(left, m, a), np.where(left, fm, fa)
        b = np.where(left, b, m)
    root = 0.5 * (a + b)
    nearest = np.where(np.abs(form.evaluate(np.full(B, float(xlo)), params) - score)
                       <= np.abs(form.evaluate(np.full(B, float(xhi)), params) - score),
                       float(xlo), float(xhi))
    return np.where(bracket, root, nearest), ~bracket


def slope_at_score(form: Form, params, score: float, xlo: float, xhi: float):
    """Slope per decade where each curve reaches ``score`` (clamped to ``[xlo, xhi]``)."""
    x, clamped = x_at_score(form, params, score, xlo, xhi)
    return form.evaluate_slope(x, np.atleast_2d(params)), x, clamped


def percentile_ci(draws, level: float) -> tuple[float, float]:
    """Percentile interval of the finite draws; ``nan`` when there are fewer than 2."""
    d = np.asarray(draws, float)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(d, [alpha, 1.0 - alpha])
    return float(lo), float(hi)
