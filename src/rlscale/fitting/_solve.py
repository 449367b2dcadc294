"""Weighted least squares: a multi-start full-data fit and a batched Levenberg–Marquardt
solver that fits thousands of bootstrap resamples at once in numpy.

Both minimise ``sum_i w_i (y_i − f(x_i; θ))²`` over the form's *internal* parameters θ (see
:mod:`rlscale.forms._registry`), inside box bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rlscale.forms import Form


POLISH_ITER = 400      # iterations for the polish of the best start
POLISH_FTOL = 1e-15    # relative cost decrease below which the polish stops


@dataclass
class FullFit:
    theta: np.ndarray          # internal parameters (P,)
    cost: float                # weighted sum of squared residuals
    jac: np.ndarray            # weighted Jacobian (N, P) in internal space at the optimum
    n_starts: int
    success: bool


def _model(form: Form, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return form.evaluate(x, form.to_public(theta))


def _fd_jac(resid, theta, hi) -> np.ndarray:
    r0 = resid(theta)
    J = np.empty((r0.size, theta.size))
    for p in range(theta.size):
        h = 1e-7 * max(1.0, abs(theta[p]))
        h = -h if theta[p] + h > hi[p] else h
        t = theta.copy()
        t[p] += h
        J[:, p] = (resid(t) - r0) / h
    return J


def fit_full(form: Form, x, y, w, lo, hi, starts_public, *, polish: bool = True) -> FullFit:
    """Weighted least squares from several starts; keep the best.

    All starts are run at once by :func:`batched_lm`; with ``polish`` the best is run on alone
    to a much tighter tolerance (``POLISH_FTOL``). A grid of starting points around the
    form's guess guards against local minima, as in ScaleRL App. A.5 and Besiroglu et al. 2024
    (arXiv:2404.10102).
    """
    sw = np.sqrt(w)

    def resid(theta):
        r = sw * (y - _model(form, x, theta))
        return np.where(np.isfinite(r), r, 1e6)

    starts = form.to_internal(np.atleast_2d(starts_public))
    width = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
    starts = np.where(np.isfinite(starts), starts, np.where(np.isfinite(lo), lo, 0.0))
    starts = np.clip(starts, lo + 1e-9 * width, hi - 1e-9 * width)
    # all starts at once with the batched solver, then polish the best
    S = len(starts)
    theta, ok = batched_lm(form, x, np.broadcast_to(y, (S, len(x))),
                           np.broadcast_to(w, (S, len(x))), starts, lo, hi, max_iter=60)
    costs = np.array([np.sum(resid(t) ** 2) for t in theta])
    costs = np.where(np.isfinite(costs), costs, np.inf)
    i = int(np.argmin(costs))
    if not np.isfinite(costs[i]):
        th = np.clip(np.nan_to_num(starts[0]), lo, hi)
        return FullFit(th, float("inf"), np.full((len(x), len(th)), np.nan), S, False)
    th, cost, success = theta[i], float(costs[i]), bool(ok[i])
    if polish:  # the best start alone, run on to a far tighter tolerance
        tp, okp = batched_lm(form, x, y[None, :], w[None, :], th[None, :], lo, hi,
                             max_iter=POLISH_ITER, ftol=POLISH_FTOL)
        cp = float(np.sum(resid(tp[0]) ** 2))
        if np.isfinite(cp) and cp <= cost:
            th, cost, success = tp[0], cp, bool(okp[0])
    with np.errstate(all="ignore"):
        jac = _fd_jac(resid, th, hi)
    return FullFit(th, cost, jac, S, success)


def batched_lm(form: Form, x, y, w, theta0, lo, hi, *, max_iter: int = 80,
               ftol: float = 1e-8):
    """Levenberg–Marquardt on a batch of problems sharing ``x``.

    Parameters
    ----------
    form : Form
    x : ndarray (N,)
        log10 compute, shared by every problem.
    y, w : ndarray (B, N)
        Scores and weights per problem (a weight of 0 drops a point; pairs resampling uses
        the multiplicity of each point as a weight factor).
    theta0 : ndarray (B, P)
        Starting internal parameters (the full-data fit).
    lo, hi : ndarray (P,)
        Internal box bounds; steps are projected onto the box.

    Returns
    -------
    theta : ndarray (B, P)
    converged : ndarray of bool (B,)

    Notes
    -----
    Jacobians are forward differences evaluated for the whole batch at once (P + 1 calls of the
    vectorised form per iteration); the damped normal equations
    ``(JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr`` are solved for all problems in one ``np.linalg.solve``.
    Steps are projected onto the bounds, and a parameter held on a bound by the gradient is
    frozen for that step (an active set), so resamples whose optimum lies on a bound converge.
    Problems leave the working batch as they converge.
    """
    B, P = theta0.shape
    sw = np.sqrt(w)
    theta = np.clip(theta0.astype(float).copy(), lo, hi)
    lam = np.full(B, 1e-3)
    converged = np.zeros(B, bool)
    alive = np.ones(B, bool)

    log_idx, log_sign = form._log_index()

    def resid(th, idx):  # called inside np.errstate(all="ignore") below
        pub = th.copy()
        pub[:, log_idx] = log_sign * np.power(10.0, th[:, log_idx])
        f = form.func(x, *[pub[:, i, None] for i in range(P)])
        return sw[idx] * (y[idx] - f)

    with np.errstate(all="ignore"):
        return _lm_loop(resid, theta, lam, converged, alive, lo, hi, max_iter, ftol, B, P)


def _lm_loop(resid, theta, lam, converged, alive, lo, hi, max_iter, ftol, B, P):
    r = resid(theta, np.arange(B))
    cost = np.sum(r * r, axis=1)
    alive &= np.isfinite(cost)
    eye = np.eye(P)
    for _ in range(max_iter):
        idx = np.flatnonzero(alive & ~converged)
        if idx.size == 0:
            break
        th, rr = theta[idx], r[idx]
        h = 1e-7 * np.maximum(1.0, np.abs(th))
        J = np.empty(rr.shape + (P,))
        for p in range(P):
            step = np.where(th[:, p] + h[:, p] > hi[p], -h[:, p], h[:, p])
            tp = th.copy()
            tp[:, p] += step
            J[:, :, p] = (resid(tp, idx) - rr) / step[:, None]
        J = np.where(np.isfinite(J), J, 0.0)
        Jt = J.transpose(0, 2, 1)
        JtJ = Jt @ J
        g = (Jt @ rr[:, :, None])[:, :, 0]
        # parameters held at a bound by the gradient are frozen for this step (active set)
        active = ((th <= lo) & (g > 0)) | ((th >= hi) & (g < 0))
        free = ~active
        g = np.where(active, 0.0, g)
        JtJ = JtJ * free[:, :, None] * free[:, None, :] + active[:, :, None] * eye
        d = np.diagonal(JtJ, axis1=1, axis2=2)
        dmax = np.max(d, axis=1, keepdims=True)
        d = np.maximum(d, 1e-12 * dmax + 1e-300)
        A = JtJ + lam[idx, None, None] * d[:, :, None] * eye
        try:
            delta = -np.linalg.solve(A, g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            delta = -np.stack([np.linalg.lstsq(a, b, rcond=None)[0] for a, b in zip(A, g)])
        new = np.clip(th + delta, lo, hi)
        rn = resid(new, idx)
        cn = np.sum(rn * rn, axis=1)
        better = np.isfinite(cn) & (cn <= cost[idx])
        rel = (cost[idx] - cn) / np.maximum(cost[idx], 1e-300)
        small_step = np.all(np.abs(new - th) <= 1e-10 * (1.0 + np.abs(th)), axis=1)
        theta[idx[better]] = new[better]
        r[idx[better]] = rn[better]
        cost[idx[better]] = cn[better]
        lam[idx] = np.where(better, lam[idx] / 3.0, lam[idx] * 4.0)
        done = (better & (rel < ftol)) | small_step | (lam[idx] > 1e12) | (cost[idx] < 1e-28)
        converged[idx[done]] = True
    ok = converged & np.all(np.isfinite(theta), axis=1) & np.isfinite(cost)
    return theta, ok
