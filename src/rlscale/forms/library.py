"""The built-in curve forms. Each is a function of ``x = log10(C)``.

- ``loglinear``: a + b·x (Ord 2025: the essay's straight lines);
- ``logistic``: floor + (ceil − floor)/(1 + exp(−k(x − x0))) (arXiv:2405.10938, arXiv:2412.04403);
- ``scalerl``: R_0 + (A − R_0)/(1 + (C_mid/C)^B) (arXiv:2510.13786, Eq. 1);
- ``powerlaw``: A − D·C^(−B) (arXiv:2510.13786, App. A.4);
- ``exp_powerlaw``: exp(a·C^b), a < 0 (arXiv:2407.21787, coverage against samples k).

Sigmoids are written with ``tanh`` so that no exponent overflows: 1/(1+e^(−z)) = (1 + tanh(z/2))/2.
"""

from __future__ import annotations

import numpy as np

from rlscale.forms._registry import Form, register_form

LN10 = float(np.log(10.0))


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _linfit(x, y) -> tuple[float, float]:
    """Least-squares ``y = a + b x`` that never fails (b = 0 when x has no spread)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    xm, ym = float(np.mean(x)), float(np.mean(y))
    sxx = float(np.sum((x - xm) ** 2))
    b = float(np.sum((x - xm) * (y - ym)) / sxx) if sxx > 0 else 0.0
    return ym - b * xm, b


def _span(x) -> tuple[float, float, float]:
    lo, hi = float(np.min(x)), float(np.max(x))
    return lo, hi, max(1.0, hi - lo)


@register_form
class LogLinear(Form):
    """Straight line in log10 compute: ``score = a + b·log10(C)``; ``b`` is the slope per decade."""

    name = "loglinear"
    param_names = ("a", "b")
    lower = (-np.inf, -np.inf)
    upper = (np.inf, np.inf)
    min_points = 2
    formula = "score = a + b·log10(C)"
    citation = "Ord 2025, 'How Well Does RL Scale?' (straight lines on log-compute charts)"

    def func(self, x, a, b):
        return a + b * x

    def slope_per_decade(self, x, a, b):
        return b + 0.0 * x

    def guess(self, x, y):
        return np.array(_linfit(x, y))


@register_form
class Logistic(Form):
    """S-curve in log10 compute between ``floor`` and ``ceil``; ``k`` per decade, centre ``x0``."""

    name = "logistic"
    param_names = ("floor", "ceil", "k", "x0")
    lower = (0.0, 0.0, 1e-3, -np.inf)
    upper = (1.0, 1.0, 1e3, np.inf)
    min_points = 5
    log_params = {"k": 1}
    formula = "score = floor + (ceil − floor) / (1 + exp(−k·(log10(C) − x0)))"
    citation = ("Ruan et al. 2024, arXiv:2405.10938; Bhagia et al. 2024, arXiv:2412.04403 "
                "(sigmoid of log compute)")

    def func(self, x, floor, ceil, k, x0):
        return floor + (ceil - floor) * _sigmoid(k * (x - x0))

    def slope_per_decade(self, x, floor, ceil, k, x0):
        u = _sigmoid(k * (x - x0))
        return (ceil - floor) * k * u * (1.0 - u)

    def fit_bounds(self, x, y):
        lo, hi = self.bounds
        xlo, xhi, w = _span(x)
        lo[3], hi[3] = xlo - w, xhi + w
        return lo, hi

    def guess(self, x, y):
        y = np.asarray(y, float)
        ylo, yhi = float(np.min(y)), float(np.max(y))
        pad = 0.1 * max(yhi - ylo, 0.02)
        floor, ceil = max(0.0, ylo - pad), min(1.0, yhi + pad)
        a, b = _linfit(x, y)
        if b < 0:
            floor, ceil = ceil, floor
        mid = 0.5 * (floor + ceil)
        x0 = (mid - a) / b if b != 0 else float(np.mean(x))
        k = 4.0 * abs(b) / max(abs(ceil - floor), 1e-3)
        return self.clip([floor, ceil, max(k, 0.1), x0], x, y)

    def starts(self, x, y):
        g = self.guess(x, y)
        out = [g]
        for q in (0.25, 0.5, 0.75):
            for kf in (0.5, 2.0):
                s = g.copy()
                s[3], s[2] = float(np.quantile(x, q)), g[2] * kf
                out.append(s)
        wide = g.copy()
        wide[0], wide[1] = (0.0, 1.0) if g[1] >= g[0] else (1.0, 0.0)
        out.append(wide)
        return self.clip(np.array(out), x, y)


@register_form
class ScaleRL(Form):
    """ScaleRL's sigmoid in compute (Khatri et al. 2025, arXiv:2510.13786, Eq. 1).

    ``R = R_0 + (A − R_0)/(1 + (C_mid/C)^B)``. In ``x = log10 C`` this is a logistic with
    ``k = B·ln10`` and ``x0 = log10(C_mid)``; ``C_mid`` is in the data's compute unit.
    """

    name = "scalerl"
    param_names = ("R_0", "A", "C_mid", "B")
    lower = (0.0, 0.0, 0.0, 1e-3)
    upper = (1.0, 1.0, np.inf, 1e3)
    min_points = 5
    log_params = {"C_mid": 1, "B": 1}
    formula = "R = R_0 + (A − R_0) / (1 + (C_mid / C)^B)"
    citation = "Khatri et al. 2025, 'The Art of Scaling RL Compute for LLMs', arXiv:2510.13786, Eq. 1"

    def func(self, x, R_0, A, C_mid, B):
        return R_0 + (A - R_0) * _sigmoid(B * LN10 * (x - np.log10(C_mid)))

    def slope_per_decade(self, x, R_0, A, C_mid, B):
        u = _sigmoid(B * LN10 * (x - np.log10(C_mid)))
        return LN10 * (A - R_0) * B * u * (1.0 - u)

    def fit_bounds(self, x, y):
        lo, hi = self.bounds
        xlo, xhi, w = _span(x)
        lo[2], hi[2] = 10.0 ** (xlo - w), 10.0 ** (xhi + w)
        return lo, hi

    def _from_logistic(self, p):
        p = np.atleast_2d(p).copy()
        p[:, 2], p[:, 3] = 10.0 ** p[:, 3], p[:, 2] / LN10
        return p

    def guess(self, x, y):
        return self.clip(self._from_logistic(Logistic().guess(x, y))[0], x, y)

    def starts(self, x, y):
        return self.clip(self._from_logistic(Logistic().starts(x, y)), x, y)


@register_form
class PowerLaw(Form):
    """Power law rising to an asymptote: ``R = A − D·C^(−B)`` (arXiv:2510.13786, App. A.4)."""

    name = "powerlaw"
    param_names = ("A", "D", "B")
    lower = (0.0, 0.0, 1e-4)
    upper = (1.0, np.inf, 10.0)
    min_points = 4
    log_params = {"D": 1, "B": 1}
    formula = "R = A − D·C^(−B)"
    citation = "Khatri et al. 2025, arXiv:2510.13786, App. A.4 (power law with asymptote)"

    def func(self, x, A, D, B):
        return A - D * np.power(10.0, -B * x)

    def slope_per_decade(self, x, A, D, B):
        return LN10 * B * D * np.power(10.0, -B * x)

    def _guess_for(self, A, x, y):
        z = np.log10(np.maximum(A - np.asarray(y, float), 1e-6))
        c, s = _linfit(x, z)
        B = float(np.clip(-s, 1e-3, 5.0)) if s < 0 else 0.1
        logD = float(np.mean(z + B * np.asarray(x, float)))
        return np.array([A, 10.0 ** np.clip(logD, -300, 300), B])

    def guess(self, x, y):
        y = np.asarray(y, float)
        ymax, rng = float(np.max(y)), max(float(np.ptp(y)), 0.02)
        return self.clip(self._guess_for(min(1.0, ymax + 0.1 * rng), x, y), x, y)

    def starts(self, x, y):
        y = np.asarray(y, float)
        ymax, rng = float(np.max(y)), max(float(np.ptp(y)), 0.02)
        As = sorted({min(1.0, ymax + f * rng) for f in (0.02, 0.1, 0.5, 2.0)} | {1.0})
        return self.clip(np.array([self._guess_for(A, x, y) for A in As]), x, y)


@register_form
class ExpPowerLaw(Form):
    """Coverage against samples: ``c = exp(a·C^b)`` with ``a < 0`` (Brown et al. 2024)."""

    name = "exp_powerlaw"
    param_names = ("a", "b")
    lower = (-np.inf, -5.0)
    upper = (0.0, 5.0)
    min_points = 3
    log_params = {"a": -1}
    formula = "c = exp(a·C^b), a < 0"
    citation = "Brown et al. 2024, 'Large Language Monkeys', arXiv:2407.21787"

    def func(self, x, a, b):
        return np.exp(a * np.power(10.0, b * x))

    def slope_per_decade(self, x, a, b):
        t = a * np.power(10.0, b * x)
        return np.exp(t) * t * b * LN10

    def guess(self, x, y):
        yc = np.clip(np.asarray(y, float), 1e-4, 1 - 1e-4)
        c, b = _linfit(x, np.log10(-np.log(yc)))
        b = float(np.clip(b, -5.0, 5.0))
        return self.clip([-(10.0 ** np.clip(c, -300, 300)), b], x, y)

    def starts(self, x, y):
        g = self.guess(x, y)
        out = [g]
        for bf in (0.5, 2.0):
            yc = np.clip(np.asarray(y, float), 1e-4, 1 - 1e-4)
            b = g[1] * bf
            la = float(np.mean(np.log10(-np.log(yc)) - b * np.asarray(x, float)))
            out.append(np.array([-(10.0 ** np.clip(la, -300, 300)), b]))
        return self.clip(np.array(out), x, y)
