"""``fit_curve``: weighted least squares, multi-start, vectorised bootstrap, for one curve.

The loop over a table's curves (``fit``, ``fit_frame``, ``fit_columns``) is in
:mod:`rlscale.fitting.columns`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rlscale.errors import RlscaleError
from rlscale.estimate import Estimate
from rlscale.fitting._chi2 import chi2_sf
from rlscale.fitting._solve import FullFit, fit_full
from rlscale.fitting.bootstrap import (BootstrapDraws, binomial_weights, draw, percentile_ci,
                                       slope_at_score)
from rlscale.fitting.result import FitResult
from rlscale.forms import FORMS, Form, get_form

#: Forms tried by ``form="auto"``. ``scalerl`` is left out: in log10 C it is the same family as
#: ``logistic`` (k = B·ln10, x0 = log10 C_mid), so it would tie on AIC.
AUTO_CANDIDATES = ("loglinear", "logistic", "powerlaw", "exp_powerlaw")

FAILED_WARN = 0.10      # warn when more than this share of resamples fail to converge
FAILED_UNIDENTIFIABLE = 0.50
COND_UNIDENTIFIABLE = 1e7   # condition number of the column-scaled Jacobian at the optimum
CI_SPAN_UNIDENTIFIABLE = 0.9  # a CI covering this share of a bounded parameter's range
IRLS_ROUNDS = 2  # reweighting rounds (binomial variance from the fitted p) when n is known
LACK_OF_FIT_P = 1e-3  # Pearson chi-square p-value below which the binomial model is rejected
#: Most resample-points (resamples x points) refitted at once: bounds the bootstrap's memory
#: (arrays of this size times the parameter count) on curves with very many points.
BOOT_ELEMENTS = 2_000_000


@dataclass
class _Stage:
    form: Form
    full: FullFit
    lo: np.ndarray
    hi: np.ndarray
    aic: float
    bic: float
    cond: float


def _check_inputs(compute, score, n, curve: str):
    try:
        c = np.asarray(compute, dtype=float).ravel()
        s = np.asarray(score, dtype=float).ravel()
    except (TypeError, ValueError):
        raise RlscaleError(f"curve '{curve}': compute and score must be numbers") from None
    if c.size != s.size:
        raise RlscaleError(f"curve '{curve}': compute has {c.size} values but score has {s.size}")
    if c.size == 0:
        raise RlscaleError(f"curve '{curve}': no points to fit")
    if not np.all(np.isfinite(c)) or np.any(c <= 0):
        raise RlscaleError(f"curve '{curve}': compute must be finite and > 0")
    if not np.all(np.isfinite(s)) or np.any((s < 0) | (s > 1)):
        raise RlscaleError(f"curve '{curve}': score must be finite and in [0, 1] "
                           "(divide percentages by 100)")
    notes = []
    if n is not None:
        try:
            nn = np.asarray(n, dtype=float).ravel()
        except (TypeError, ValueError):
            raise RlscaleError(f"curve '{curve}': n must be numbers") from None
        if nn.size != c.size:
            raise RlscaleError(f"curve '{curve}': n has {nn.size} values but score has {s.size}")
        known = np.isfinite(nn)
        if np.any(nn[known] < 1):
            raise RlscaleError(f"curve '{curve}': n (graded attempts) must be >= 1")
        if known.all():
            n = nn
        else:
            if known.any():
                notes.append("n is known for only some points: fitted unweighted with pairs "
                             "bootstrap, as if n were unknown")
            n = None
    return c, s, n, notes


def _stage(form: Form, x, y, w, n=None) -> _Stage:
    lo, hi = form.internal_bounds(x, y)
    rounds = IRLS_ROUNDS if n is not None else 0
    full = fit_full(form, x, y, w, lo, hi, form.starts(x, y), polish=rounds == 0)
    # with n known, iteratively reweight: variances from the fitted p, not the observed one
    # (observed-p weights favour points that happen to lie near 0 or 1 and bias the slope)
    for r in range(rounds):
        if not np.isfinite(full.cost):
            break
        w = binomial_weights(form.evaluate(x, form.to_public(full.theta)), n)
        refit = fit_full(form, x, y, w, lo, hi, form.to_public(full.theta)[None, :],
                         polish=r == rounds - 1)
        if np.isfinite(refit.cost):
            full = refit
    N, P = len(x), form.n_params
    if n is not None:     # binomial variances known: chi-square
        nll2 = full.cost
    elif N > P:           # unknown noise level: Gaussian likelihood with sigma profiled out
        nll2 = N * math.log(max(full.cost / N, 1e-300))
    else:                 # an exact fit with no noise estimate: no likelihood to compare
        nll2 = math.nan
    J = full.jac
    if np.all(np.isfinite(J)):
        norms = np.linalg.norm(J, axis=0)
        if np.any(norms == 0):
            cond = math.inf
        else:
            sv = np.linalg.svd(J / norms, compute_uv=False)
            cond = math.inf if sv[-1] <= 0 else float(sv[0] / sv[-1])
    else:
        cond = math.inf
    return _Stage(form, full, lo, hi, nll2 + 2 * P, nll2 + P * math.log(N), cond)


def _auto(x, y, w, n, curve: str) -> tuple[str, str]:
    distinct = np.unique(x).size
    stages, skipped = {}, []
    for name in AUTO_CANDIDATES:
        form = FORMS[name]
        if distinct < form.min_points:
            skipped.append(f"{name} (needs {form.min_points})")
            continue
        st = _stage(form, x, y, w, n)
        if not (np.isfinite(st.full.cost) and st.cond < COND_UNIDENTIFIABLE):
            skipped.append(f"{name} (not identifiable on these data)")
        elif not np.isfinite(st.aic):
            skipped.append(f"{name} (exact fit: no residual degrees of freedom and no n, so no "
                           "AIC)")
        else:
            stages[name] = st
    if not stages:
        return "loglinear", ("auto: chose loglinear, the simplest form, because no form could "
                             f"be compared by AIC; not considered: {', '.join(skipped)}")
    ranked = sorted(stages, key=lambda k: stages[k].aic)
    best = ranked[0]
    msg = f"auto: chose {best} by AIC ({stages[best].aic:.1f})"
    if len(ranked) > 1:
        msg += f", ΔAIC={stages[ranked[1]].aic - stages[best].aic:.1f} vs {ranked[1]}"
        by_bic = min(stages, key=lambda k: stages[k].bic)
        msg += "; BIC agrees" if by_bic == best else f"; BIC prefers {by_bic}"
    if skipped:
        msg += f"; not considered: {', '.join(skipped)}"
    return best, msg


def fit_curve(compute, score, n=None, form: str = "loglinear", *, curve: str = "curve",
              axis: str | None = None, compute_unit: str = "relative", bootstrap: int = 1000,
              seed: int | None = 0, rng: np.random.Generator | None = None,
              min_compute: float | None = None, max_compute: float | None = None,
              at_score: float | None = None, level: float = 0.95,
              progress: Callable[[int, int], None] | None = None) -> FitResult:
    """Fit one curve ``score(compute)`` with bootstrap confidence intervals.

    Parameters
    ----------
    compute, score : array_like
        Compute (> 0, any unit) and score (in [0, 1]) per point.
    n : array_like, optional
        Graded attempts behind each score. When given, the fit is weighted by the inverse
        binomial variance and the bootstrap is parametric binomial; otherwise unweighted with
        pairs resampling.
    form : str
        A name in :data:`rlscale.forms.FORMS`, or ``"auto"`` (lowest AIC among the forms the
        data can support; the reason is added to ``warnings``).
    curve, axis, compute_unit : str
        Labels carried into the result.
    bootstrap : int
        Number of resamples (0 for none).
    seed, rng
        Randomness: ``rng`` if given, else ``numpy.random.default_rng(seed)``.
    min_compute, max_compute : float, optional
        Fit window: points outside it are left out.
    at_score : float, optional
        Score at which to state the slope per decade; default the middle of the observed
        score range.
    level : float
        Confidence level of the percentile intervals.
    progress : callable, optional
        Called as ``progress(done, total)`` resamples while a long bootstrap runs in batches.

    Returns
    -------
    FitResult

    Raises
    ------
    RlscaleError
        Bad inputs, an unknown form, or fewer points than the form needs.
    """
    inp = _prepare(compute, score, n, curve, level, bootstrap, at_score, min_compute,
                   max_compute)
    rng = rng if rng is not None else np.random.default_rng(seed)
    return _fit_checked(inp, form, curve=curve, axis=axis, compute_unit=compute_unit, rng=rng,
                        progress=progress)


@dataclass
class _Inputs:
    """A curve's checked inputs: the points inside the fit window sorted by compute, their
    log10 compute and weights, the options, and notes on the inputs."""
    c: np.ndarray
    s: np.ndarray
    n: np.ndarray | None
    x: np.ndarray
    w: np.ndarray
    window: str
    level: float
    n_boot: int
    at_score: float | None
    notes: list[str]


def _prepare(compute, score, n, curve: str, level, bootstrap, at_score, min_compute,
             max_compute) -> _Inputs:
    """Every check of :func:`fit_curve`'s inputs and options (one line naming the curve and
    the rule), then the fit window."""
    c, s, n, notes = _check_inputs(compute, score, n, curve)
    level, n_boot, at_score = _check_options(level, bootstrap, at_score)
    c, s, n, window = _window(c, s, n, min_compute, max_compute, curve)
    x = np.log10(c)
    w = binomial_weights(s, n) if n is not None else np.ones_like(x)
    return _Inputs(c, s, n, x, w, window, level, n_boot, at_score, notes)


def _fit_checked(inp: _Inputs, form: str, *, curve: str, axis, compute_unit: str, rng,
                 progress) -> FitResult:
    """:func:`fit_curve` on checked inputs: the full-data fit, its checks, the bootstrap."""
    c, s, n, x, level = inp.c, inp.s, inp.n, inp.x, inp.level
    warnings = list(inp.notes)
    f, form, why = _choose_form(form, x, s, inp.w, n, curve, inp.window)
    warnings += why
    st = _stage(f, x, s, inp.w, n)
    warnings += _fit_checks(st, x, s, inp.w, n, np.unique(x).size)
    n_boot, n_model, w, more = _resampling(st, x, n, inp.w, inp.n_boot)
    warnings += more
    draws = _draw_bounded(f, x, s, n_model, w, st, n_boot, rng, progress)
    warnings += _bootstrap_checks(draws, c.size)
    params, more = _param_estimates(st, draws.params, level)
    warnings += more
    at_score = 0.5 * (float(s.min()) + float(s.max())) if inp.at_score is None else inp.at_score
    (slope, boot_slopes), at_compute, more = _slope(st, draws.params, x, at_score, level)
    warnings += more
    N, P = c.size, f.n_params
    return FitResult(
        curve=curve, axis=axis, compute_unit=compute_unit, form=form, params=params,
        slope_per_decade=slope, at_score=float(at_score), at_compute=at_compute,
        n_points=int(N), compute_min=float(c.min()), compute_max=float(c.max()),
        score_min=float(s.min()), score_max=float(s.max()), aic=st.aic, bic=st.bic,
        identifiable=not any(w_.startswith("not identifiable") for w_ in warnings),
        warnings=warnings, boot_params=draws.params, boot_slopes=boot_slopes, level=level,
        weighted=n is not None, dof=int(N - P),
        bootstrap={"method": draws.method, "requested": draws.requested,
                   "succeeded": int(len(draws.params)),
                   "failed": draws.failed + draws.degenerate},
    )


def _choose_form(form: str, x, s, w, n, curve: str, window: str) -> tuple[Form, str, list[str]]:
    """The form to fit and its name (``auto`` resolved by AIC, its reason as a warning),
    refused when the curve has fewer distinct compute values than the form needs."""
    why = []
    if form == "auto":
        form, reason = _auto(x, s, w, n, curve)
        why.append(reason)
    f = get_form(form)
    distinct = np.unique(x).size
    if distinct < f.min_points:
        raise RlscaleError(f"curve '{curve}': form '{form}' needs at least {f.min_points} points "
                           f"with distinct compute, got {distinct}{window}")
    return f, form, why


def _resampling(st: _Stage, x, n, w, n_boot: int):
    """How to resample: ``(n_boot, n for a parametric bootstrap or None, weights, warnings)``.

    No resamples when there is no noise estimate; points instead of the binomial model when
    the form fails the lack-of-fit test.
    """
    f, warnings = st.form, []
    N, P = x.size, f.n_params
    if n is None and N <= P:
        if n_boot:
            warnings.append(f"no confidence interval: {N} points for {P} parameters leave no "
                            "residual degrees of freedom and no sample sizes n were given, so "
                            "there is no noise estimate to resample")
        return 0, n, w, warnings
    if n is not None and n_boot and N - P >= 3:
        # A parametric bootstrap resamples from the fitted curve, so it only knows binomial
        # noise: when the form misses the data's shape it gives too narrow an interval (one
        # that may not even contain the estimate). Resampling points stays valid then.
        pearson, dof = float(st.full.cost), N - P
        p_fit = chi2_sf(pearson, dof)
        if p_fit < LACK_OF_FIT_P:
            warnings.append(
                f"lack of fit: Pearson chi-square {pearson:.4g} on {dof} degrees of freedom "
                f"(p = {p_fit:.2g}): the '{f.name}' form does not describe these data within "
                "binomial noise, so the interval comes from resampling points instead; "
                "compare other forms with --form auto")
            w = binomial_weights(f.evaluate(x, f.to_public(st.full.theta)), n)
            return n_boot, None, w, warnings
    return n_boot, n, w, warnings


def _slope(st: _Stage, boot, x, at_score: float, level: float):
    """The slope per decade at ``at_score`` with its percentile interval:
    ``((Estimate, bootstrap slopes), compute where it is stated, warnings)``."""
    f = st.form
    xlo, xhi = float(x.min()), float(x.max())
    slope, xs, clamped = slope_at_score(f, f.to_public(st.full.theta)[None, :], at_score, xlo,
                                        xhi)
    warnings = []
    if clamped[0]:
        warnings.append(f"the fitted curve does not reach score {at_score:.3g} inside the "
                        f"observed compute range: slope stated at compute {10 ** xs[0]:.4g}")
    boot_slopes = (slope_at_score(f, boot, at_score, xlo, xhi)[0] if len(boot)
                   else np.empty(0))
    slo, shi = percentile_ci(boot_slopes, level)
    return ((Estimate(float(slope[0]), slo, shi, level), boot_slopes), float(10 ** xs[0]),
            warnings)


def _draw_bounded(f: Form, x, s, n, w, st: _Stage, n_boot: int, rng,
                  progress: Callable[[int, int], None] | None = None) -> BootstrapDraws:
    """:func:`draw` in batches of at most :data:`BOOT_ELEMENTS` resample-points, so memory
    stays bounded on long curves (one batch, the same draws, whenever it fits)."""
    per = max(1, BOOT_ELEMENTS // max(1, x.size))
    if n_boot <= per:
        return draw(f, x, s, n, w, st.full.theta, st.lo, st.hi, n_boot, rng, IRLS_ROUNDS)
    parts = []
    for done in range(0, n_boot, per):
        if progress:
            progress(done, n_boot)
        parts.append(draw(f, x, s, n, w, st.full.theta, st.lo, st.hi, min(per, n_boot - done),
                          rng, IRLS_ROUNDS))
    return BootstrapDraws(parts[0].method, n_boot, np.concatenate([p.params for p in parts]),
                          sum(p.failed for p in parts), sum(p.degenerate for p in parts))


def _check_options(level, bootstrap, at_score):
    try:
        level, n_boot = float(level), int(bootstrap)
        at_score = None if at_score is None else float(at_score)
    except (TypeError, ValueError):
        raise RlscaleError("level, bootstrap and at_score must be numbers") from None
    if not 0 < level < 1:
        raise RlscaleError(f"level must be in (0, 1), got {level}")
    if n_boot < 0:
        raise RlscaleError(f"bootstrap must be >= 0, got {bootstrap}")
    if at_score is not None and not (math.isfinite(at_score) and 0 <= at_score <= 1):
        raise RlscaleError(f"at_score must be in [0, 1], got {at_score}")
    return level, n_boot, at_score


def _window(c, s, n, min_compute, max_compute, curve: str):
    """Keep the points inside the fit window, sorted by compute."""
    keep = np.ones(c.size, bool)
    if min_compute is not None:
        keep &= c >= min_compute
    if max_compute is not None:
        keep &= c <= max_compute
    window = "" if keep.all() else f" inside the fit window [{min_compute}, {max_compute}]"
    order = np.argsort(c[keep], kind="stable")
    if order.size == 0:
        raise RlscaleError(f"curve '{curve}': no points{window}")
    n = None if n is None else n[keep][order]
    return c[keep][order], s[keep][order], n, window


def _fit_checks(st: _Stage, x, s, w, n, distinct: int) -> list[str]:
    """Identifiability of the full-data fit (see docs/methods.md §5)."""
    name = st.form.name
    if not np.isfinite(st.full.cost):
        return [f"not identifiable: the {name} fit did not converge from any start"]
    if st.cond >= COND_UNIDENTIFIABLE:
        return [f"not identifiable: the {name} parameters are not pinned down by these data "
                f"(Jacobian condition number {st.cond:.2g}); try a simpler form"]
    if st.form.n_params > 2 and distinct > 2:
        line = _stage(FORMS["loglinear"], x, s, w, n)
        if st.aic >= line.aic:
            return [f"not identifiable: the data show no curvature - a straight line in log10 "
                    f"compute fits as well (AIC {line.aic:.1f} vs {st.aic:.1f} for {name}), so "
                    f"the extra {name} parameters are set by their bounds, not by the data; "
                    "use loglinear"]
    return []


def _bootstrap_checks(draws, N: int) -> list[str]:
    out = []
    if draws.method == "pairs" and N < 8:
        out.append(f"pairs bootstrap on only {N} points: intervals are rough")
    if draws.degenerate:
        out.append(f"{draws.degenerate} of {draws.requested} pairs resamples had too few "
                   "distinct compute values to fit and were dropped")
    usable = draws.requested - draws.degenerate
    if usable > 0:
        frac = draws.failed / usable
        if frac > FAILED_UNIDENTIFIABLE:
            out.append(f"not identifiable: {draws.failed} of {usable} bootstrap refits did not "
                       "converge")
        elif frac > FAILED_WARN:
            out.append(f"{draws.failed} of {usable} bootstrap refits did not converge; "
                       "intervals use the rest")
    return out


def _param_estimates(st: _Stage, boot, level: float) -> tuple[dict, list[str]]:
    """Parameter estimates with percentile intervals; flags bound hits and unpinned params."""
    f, theta = st.form, st.full.theta
    hat = f.to_public(theta)
    boot_int = f.to_internal(boot) if len(boot) else boot
    params, warnings = {}, []
    for i, name in enumerate(f.param_names):
        lo, hi = percentile_ci(boot[:, i], level) if len(boot) else (math.nan, math.nan)
        params[name] = Estimate(float(hat[i]), lo, hi, level)
        width = st.hi[i] - st.lo[i]
        if not (np.isfinite(width) and width > 0):
            continue
        if min(theta[i] - st.lo[i], st.hi[i] - theta[i]) < 1e-6 * width:
            warnings.append(f"parameter '{name}' is at the edge of its allowed range "
                            f"({hat[i]:.4g})")
        if len(boot) >= 2:
            ilo, ihi = percentile_ci(boot_int[:, i], level)
            if ihi - ilo > CI_SPAN_UNIDENTIFIABLE * width:
                warnings.append(f"not identifiable: the interval of '{name}' spans most of its "
                                "allowed range")
    return params, warnings
