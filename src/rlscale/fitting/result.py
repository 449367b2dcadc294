"""Fit results: :class:`FitResult` (one curve) and :class:`FitResults` (several, by curve id)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from rlscale.estimate import Estimate
from rlscale.jsonable import clean_json
from rlscale.fitting.bootstrap import percentile_ci, slope_at_score
from rlscale.forms import FORMS




@dataclass
class FitResult:
    """A fitted curve with bootstrap confidence intervals.

    Attributes
    ----------
    curve, axis, compute_unit, form : str
    params : dict of str to Estimate
        Fitted parameters in their natural units with percentile intervals.
    slope_per_decade : Estimate
        d score / d log10(C) at ``at_score`` (score units per decade: 0.15 = 15 points per 10x).
    at_score, at_compute : float
        The score at which the slope is stated, and the compute where the fitted curve reaches it
        (clamped to the observed compute range).
    n_points : int
    compute_min, compute_max, score_min, score_max : float
        Observed ranges (inside the fit window).
    aic, bic : float
    identifiable : bool
        False when the data cannot pin down the form's parameters; see ``warnings``.
    warnings : list of str
    boot_params : ndarray (B, P)
        Public parameters of the bootstrap resamples that converged.
    boot_slopes : ndarray (B,)
        Slope per decade at ``at_score`` for each of those resamples.
    level : float
        Confidence level of the intervals.
    bootstrap : dict
        ``method`` (``parametric binomial``, ``pairs`` or ``none``), ``requested``,
        ``succeeded``, ``failed``.
    """

    curve: str
    axis: str | None
    compute_unit: str
    form: str
    params: dict[str, Estimate]
    slope_per_decade: Estimate
    at_score: float
    at_compute: float
    n_points: int
    compute_min: float
    compute_max: float
    score_min: float
    score_max: float
    aic: float
    bic: float
    identifiable: bool
    warnings: list[str]
    boot_params: np.ndarray
    boot_slopes: np.ndarray
    level: float = 0.95
    bootstrap: dict = field(default_factory=dict)
    weighted: bool = False
    dof: int = 0

    # ---------------------------------------------------------------------------------------
    @property
    def form_obj(self):
        return FORMS[self.form]

    @property
    def param_values(self) -> np.ndarray:
        return np.array([e.value for e in self.params.values()], float)

    def _flag_extrapolation(self, compute: np.ndarray, what: str) -> None:
        c = np.asarray(compute, float)
        outside = (c < self.compute_min * (1 - 1e-9)) | (c > self.compute_max * (1 + 1e-9))
        if np.any(outside):
            msg = (f"extrapolation: {what} at compute outside the observed range "
                   f"[{self.compute_min:.4g}, {self.compute_max:.4g}] {self.compute_unit}")
            if msg not in self.warnings:
                self.warnings.append(msg)

    def _x(self, compute) -> np.ndarray:
        c = np.asarray(compute, float)
        if np.any(~np.isfinite(c)) or np.any(c <= 0):
            from rlscale.errors import RlscaleError
            raise RlscaleError(f"curve '{self.curve}': compute must be finite and > 0")
        return np.log10(c)

    def eval(self, compute) -> np.ndarray:
        """Fitted score at ``compute`` (flags extrapolation in ``warnings``)."""
        x = self._x(compute)
        self._flag_extrapolation(compute, "evaluated")
        return self.form_obj.evaluate(x, self.param_values)

    def band(self, compute, level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Pointwise percentile band of the fitted curve over the bootstrap resamples."""
        level = self.level if level is None else level
        x = np.atleast_1d(self._x(compute))
        self._flag_extrapolation(compute, "band evaluated")
        if len(self.boot_params) < 2:
            nan = np.full(x.shape, np.nan)
            return nan, nan.copy()
        curves = self.form_obj.evaluate(x, self.boot_params[:, None, :])
        alpha = (1 - level) / 2
        lo, hi = np.nanquantile(curves, [alpha, 1 - alpha], axis=0)
        return lo, hi

    def slope_at(self, compute: float) -> Estimate:
        """Slope per decade at a given compute, with a bootstrap interval."""
        x = float(self._x(compute))
        self._flag_extrapolation(compute, "slope evaluated")
        value = float(self.form_obj.evaluate_slope(x, self.param_values))
        lo, hi = (percentile_ci(self.form_obj.evaluate_slope(x, self.boot_params), self.level)
                  if len(self.boot_params) else (math.nan, math.nan))
        return Estimate(value, lo, hi, self.level)

    def slope_at_score(self, score: float) -> tuple[Estimate, np.ndarray, float]:
        """Slope per decade where the fitted curve reaches ``score`` (clamped to the data).

        Returns the estimate, the per-resample slope draws, and the compute used.
        """
        form = self.form_obj
        xlo, xhi = math.log10(self.compute_min), math.log10(self.compute_max)
        s, x, _ = slope_at_score(form, self.param_values[None, :], score, xlo, xhi)
        draws = (slope_at_score(form, self.boot_params, score, xlo, xhi)[0]
                 if len(self.boot_params) else np.empty(0))
        lo, hi = percentile_ci(draws, self.level)
        return Estimate(float(s[0]), lo, hi, self.level), draws, float(10 ** x[0])

    # ---------------------------------------------------------------------------------------
    def grid(self, points: int = 96, level: float | None = None) -> dict:
        """The fitted curve and its band on *points* log-spaced computes over the observed
        range: ``{"compute", "score", "low", "high"}`` lists (band NaN without resamples)."""
        lo, hi = float(self.compute_min), float(self.compute_max)
        c = np.logspace(math.log10(lo), math.log10(hi), points) if hi > lo else np.array([lo])
        band_lo, band_hi = self.band(c, level=level)
        return {"compute": c, "score": np.asarray(self.eval(c), float), "low": band_lo,
                "high": band_hi}

    def to_dict(self, grid: int | None = None) -> dict:
        """The JSON schema of ``rlscale fit --json`` (one element of ``fits``).

        ``grid``: also store the fitted curve and band on that many points (key ``grid``, as
        the report draws them; see :meth:`grid`).
        """
        extra = {} if not grid else {"grid": {k: v.tolist() for k, v in
                                              self.grid(grid).items()}}
        return clean_json({
            "curve": self.curve,
            "form": self.form,
            "params": {k: v.to_dict() for k, v in self.params.items()},
            "slope_per_decade": self.slope_per_decade.to_dict(),
            "n_points": int(self.n_points),
            "warnings": list(self.warnings),
            "axis": self.axis,
            "compute_unit": self.compute_unit,
            "at_score": float(self.at_score),
            "at_compute": float(self.at_compute),
            "compute_min": float(self.compute_min),
            "compute_max": float(self.compute_max),
            "aic": float(self.aic),
            "bic": float(self.bic),
            "identifiable": bool(self.identifiable),
            "level": float(self.level),
            "bootstrap": dict(self.bootstrap),
            **extra,
        })

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def _rows(self) -> list[dict]:
        base = {"curve": self.curve, "form": self.form, "axis": self.axis,
                "compute_unit": self.compute_unit, "n_points": self.n_points,
                "at_score": self.at_score, "at_compute": self.at_compute,
                "identifiable": self.identifiable}
        rows = [dict(base, quantity="slope_per_decade", value=self.slope_per_decade.value,
                     ci_low=self.slope_per_decade.ci_low, ci_high=self.slope_per_decade.ci_high)]
        for name, e in self.params.items():
            rows.append(dict(base, quantity=name, value=e.value, ci_low=e.ci_low,
                             ci_high=e.ci_high))
        return rows

    def to_frame(self):
        """Tidy pandas frame: one row per quantity (slope, then each parameter)."""
        import pandas as pd

        return pd.DataFrame(self._rows())

    def __rich__(self):
        return self.table()

    def table(self, score_scale: str = "unit"):
        """The rich rendering: parameters and slope with CIs; the score in *score_scale*."""
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        from rlscale.fmt import inert, printable, score, sig

        pct = int(round(self.level * 100))
        title = (f"{inert(self.curve)}: {self.form} fit ({inert(self.axis or 'axis ?')}, "
                 f"{self.n_points} points, {self.bootstrap.get('method', 'none')} bootstrap)")
        t = Table(title=title, title_justify="left")
        t.add_column("quantity")
        t.add_column("value", justify="right")
        t.add_column(f"{pct}% CI", justify="right")
        s = self.slope_per_decade
        t.add_row(f"slope at score {score(self.at_score, score_scale)} (C={self.at_compute:.3g} "
                  f"{self.compute_unit})",
                  f"{sig(100 * s.value, 3)} pp/decade",
                  f"[{sig(100 * s.ci_low, 3)}, {sig(100 * s.ci_high, 3)}]")
        for name, e in self.params.items():
            t.add_row(name, sig(e.value), f"[{sig(e.ci_low)}, {sig(e.ci_high)}]")
        parts = [t]
        if not self.identifiable:
            parts.append(Text("not identifiable: treat these numbers as unreliable", style="bold red"))
        parts += [Text(f"warning: {printable(w)}", style="yellow") for w in self.warnings]
        return Group(*parts)


class FitResults:
    """Fits by curve id, in input order. Iterating yields :class:`FitResult` objects."""

    def __init__(self, results: list[FitResult], errors: dict[str, str] | None = None):
        self._by_id = {r.curve: r for r in results}
        #: Curves that could not be fitted (``fit_frame(..., on_error="collect")``): id -> why.
        self.errors: dict[str, str] = dict(errors or {})

    def __getitem__(self, curve: str) -> FitResult:
        try:
            return self._by_id[curve]
        except KeyError:
            from rlscale.errors import RlscaleError
            raise RlscaleError(f"no fit for curve '{curve}'; fitted: "
                               f"{', '.join(self._by_id) or '(none)'}") from None

    def __iter__(self) -> Iterator[FitResult]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, curve: object) -> bool:
        return curve in self._by_id

    def keys(self):
        return self._by_id.keys()

    def values(self):
        return self._by_id.values()

    def items(self):
        return self._by_id.items()

    def to_dict(self) -> dict:
        """``{"fits": [...]}``: the schema of ``rlscale fit --json``."""
        return {"fits": [r.to_dict() for r in self]}

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def to_frame(self):
        import pandas as pd

        rows = [row for r in self for row in r._rows()]
        cols = ["curve", "form", "axis", "compute_unit", "quantity", "value", "ci_low",
                "ci_high", "at_score", "at_compute", "n_points", "identifiable"]
        return pd.DataFrame(rows, columns=cols)

    def __rich__(self):
        return self.table()

    def table(self, score_scale: str = "unit"):
        from rich.console import Group

        return Group(*[r.table(score_scale) for r in self])

    def __repr__(self) -> str:
        return f"FitResults({list(self._by_id)})"
