"""The curve-form base class and the registry decorator.

A form is a pure, vectorised function of ``x = log10(C)`` with named, bounded parameters. All
array arguments broadcast elementwise, so ``func(x, *params)`` works with ``x`` of shape ``(N,)``
and each parameter of shape ``(B, 1)`` (giving ``(B, N)``: one curve per bootstrap resample), or
with ``x`` and every parameter of shape ``(B,)`` (one point per curve).

Fitting happens in an *internal* parameter space: parameters listed in ``log_params`` are fitted
as ``log10(sign * value)`` (a compute scale such as ``C_mid`` spans many orders of magnitude, and a
positive rate must stay positive); all others as they are.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

FORMS: dict[str, "Form"] = {}


class Form:
    """A curve form: ``score = func(log10(C), *params)``.

    Subclasses set the class attributes and implement :meth:`func`, :meth:`slope_per_decade` and
    :meth:`guess`; :func:`register_form` instantiates and registers them in :data:`FORMS`.

    Attributes
    ----------
    name : str
        Registry key (``loglinear``, ``logistic``, ...).
    param_names : tuple of str
        Parameter names in the order ``func`` takes them.
    bounds : tuple of ndarray
        ``(lower, upper)`` bounds on the parameters in their natural (public) units.
    min_points : int
        Fewest distinct compute values a fit of this form accepts.
    log_params : dict
        ``{name: sign}`` for parameters fitted as ``log10(sign * value)``.
    formula, citation : str
        Human-readable definition and its source.
    """

    name: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()
    lower: ClassVar[tuple[float, ...]] = ()
    upper: ClassVar[tuple[float, ...]] = ()
    min_points: ClassVar[int] = 2
    log_params: ClassVar[dict[str, int]] = {}
    formula: ClassVar[str] = ""
    citation: ClassVar[str] = ""

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.lower, float), np.asarray(self.upper, float)

    @property
    def n_params(self) -> int:
        return len(self.param_names)

    # --- to be implemented by each form -------------------------------------------------------
    def func(self, log10_c, *params):  # pragma: no cover - abstract
        raise NotImplementedError

    def slope_per_decade(self, log10_c, *params):  # pragma: no cover - abstract
        """d score / d log10(C), analytic."""
        raise NotImplementedError

    def guess(self, log10_c, score) -> np.ndarray:  # pragma: no cover - abstract
        """A starting point (public units) from the data, inside :meth:`fit_bounds`."""
        raise NotImplementedError

    # --- defaults that forms may refine ---------------------------------------------------------
    def fit_bounds(self, log10_c, score) -> tuple[np.ndarray, np.ndarray]:
        """Bounds used when fitting these data (public units): the static bounds by default.

        Forms with a location parameter narrow it to the observed compute range widened on
        each side, so that a fit cannot run off to a point with no data near it.
        """
        return self.bounds

    def starts(self, log10_c, score) -> np.ndarray:
        """Multi-start grid ``(S, P)`` (public units): the guess and variations around it."""
        return np.atleast_2d(self.guess(log10_c, score))

    # --- internal (fitting) parameter space ----------------------------------------------------
    def _log_index(self) -> tuple[np.ndarray, np.ndarray]:
        idx = [i for i, name in enumerate(self.param_names) if name in self.log_params]
        signs = [float(self.log_params[self.param_names[i]]) for i in idx]
        return np.array(idx, dtype=int), np.array(signs)

    def to_internal(self, params) -> np.ndarray:
        """Map public parameters ``(..., P)`` to the space the optimiser works in."""
        p = np.array(params, dtype=float, copy=True)
        idx, signs = self._log_index()
        if idx.size:
            with np.errstate(divide="ignore", invalid="ignore"):
                p[..., idx] = np.log10(signs * p[..., idx])
        return p

    def to_public(self, theta) -> np.ndarray:
        """Inverse of :meth:`to_internal`."""
        p = np.array(theta, dtype=float, copy=True)
        idx, signs = self._log_index()
        if idx.size:
            with np.errstate(over="ignore"):
                p[..., idx] = signs * np.power(10.0, p[..., idx])
        return p

    def internal_bounds(self, log10_c, score) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.fit_bounds(log10_c, score)
        ilo, ihi = self.to_internal(lo), self.to_internal(hi)
        # a negative sign flips the order (log10(-a) is largest where a is most negative)
        return np.minimum(ilo, ihi), np.maximum(ilo, ihi)

    def clip(self, params, log10_c, score) -> np.ndarray:
        """Clip public parameters into :meth:`fit_bounds` (for guesses)."""
        lo, hi = self.fit_bounds(log10_c, score)
        p = np.asarray(params, float)
        p = np.where(np.isfinite(p), p, np.where(np.isfinite(lo), lo, 0.0))
        return np.clip(p, lo, hi)

    def evaluate(self, log10_c, params) -> np.ndarray:
        """``func`` with a parameter array ``(..., P)`` instead of separate arguments."""
        params = np.asarray(params, float)
        with np.errstate(all="ignore"):
            return self.func(log10_c, *[params[..., i] for i in range(params.shape[-1])])

    def evaluate_slope(self, log10_c, params) -> np.ndarray:
        params = np.asarray(params, float)
        with np.errstate(all="ignore"):
            return self.slope_per_decade(log10_c,
                                         *[params[..., i] for i in range(params.shape[-1])])

    def __repr__(self) -> str:
        return f"Form({self.name!r}, params={self.param_names})"


def register_form(cls: type[Form]) -> type[Form]:
    """Class decorator: instantiate ``cls`` and add it to :data:`FORMS` under ``cls.name``."""
    if not cls.name or cls.name in FORMS:
        raise ValueError(f"form name {cls.name!r} is empty or already registered")
    if not (len(cls.param_names) == len(cls.lower) == len(cls.upper)):
        raise ValueError(f"form {cls.name!r}: param_names and bounds differ in length")
    FORMS[cls.name] = cls()
    return cls
