"""Slope ratio of an RL curve to an inference curve, with bootstrap and Fieller intervals."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from rlscale.convert.exchange import exchange_interval
from rlscale.errors import RlscaleError
from rlscale.estimate import Estimate
from rlscale.fitting.bootstrap import percentile_ci
from rlscale.fitting.result import FitResult
from rlscale.fmt import inert, printable, score, sig
from rlscale.jsonable import clean_json

DEFAULT_FACTORS = (3, 10, 30, 100, 1000)


def _z(level: float) -> float:
    """Two-sided normal quantile of *level*: ``scipy.special.ndtri`` is ``scipy.stats.norm.ppf``
    without importing scipy.stats (about a second of start-up)."""
    from scipy.special import ndtri

    return float(ndtri(0.5 + level / 2))


def fieller_interval(num: float, den: float, var_num: float, var_den: float,
                     cov: float = 0.0, level: float = 0.95) -> tuple[float, float, str]:
    """Fieller's confidence set for the ratio ``num / den`` of two (asymptotically) normal
    estimates.

    The set is ``{ρ : (num − ρ·den)² ≤ z² (var_num − 2ρ·cov + ρ²·var_den)}``, i.e. the ρ with
    ``a ρ² − 2 b ρ + c ≤ 0`` where ``a = den² − z² var_den``, ``b = num·den − z² cov`` and
    ``c = num² − z² var_num``. It is a bounded interval only when ``a > 0`` (the denominator
    differs significantly from 0).

    Returns
    -------
    low, high, kind
        ``kind`` is ``"bounded"``, ``"exclusive"`` (the complement of an interval: two rays,
        returned as ``-inf, inf``) or ``"unbounded"`` (the whole line).
    """
    z = _z(level)
    a = den * den - z * z * var_den
    b = num * den - z * z * cov
    c = num * num - z * z * var_num
    disc = b * b - a * c
    if not all(math.isfinite(v) for v in (a, b, c)):
        return math.nan, math.nan, "unbounded"
    if a > 0 and disc >= 0:
        r = math.sqrt(disc)
        return (b - r) / a, (b + r) / a, "bounded"
    if disc > 0:  # a < 0: two rays
        return -math.inf, math.inf, "exclusive"
    return -math.inf, math.inf, "unbounded"


def _delta_interval(num: float, den: float, var_num: float, var_den: float,
                    level: float) -> tuple[float, float]:
    """Delta-method interval: ρ ± z·|ρ|·sqrt(var_num/num² + var_den/den²), zero covariance."""
    if num == 0 or den == 0:
        return math.nan, math.nan
    rho = num / den
    se = abs(rho) * math.sqrt(var_num / num ** 2 + var_den / den ** 2)
    z = _z(level)
    return rho - z * se, rho + z * se


@dataclass
class Comparison:
    """RL-vs-inference comparison: slope ratio, OOM equivalence and multipliers.

    Attributes
    ----------
    slope_ratio : Estimate
        s_RL / s_inference with a bootstrap percentile interval.
    slope_ratio_fieller : Estimate
        The same ratio with Fieller's interval (bootstrap variances, zero covariance).
    slope_ratio_delta : Estimate
        The same ratio with a delta-method (normal) interval, as a cross-check.
    rl_oom_per_inference_oom : Estimate
        1 / slope_ratio: RL orders of magnitude needed per inference order of magnitude.
    equivalents : list of dict
        ``inference_factor``, ``rl_factor`` (= inference_factor ** (1/ratio)),
        ``rl_factor_ci_low``, ``rl_factor_ci_high``.
    at_score : float
    rl_slope, inference_slope : Estimate
    warnings : list of str
    """

    rl_curve: str
    inference_curve: str
    at_score: float
    rl_slope: Estimate
    inference_slope: Estimate
    slope_ratio: Estimate
    slope_ratio_fieller: Estimate
    rl_oom_per_inference_oom: Estimate
    equivalents: list[dict]
    level: float = 0.95
    warnings: list[str] = field(default_factory=list)
    slope_ratio_delta: Estimate | None = None

    def to_dict(self) -> dict:
        """The JSON schema of ``rlscale compare --json``."""
        return clean_json({
            "slope_ratio": self.slope_ratio.to_dict(),
            "rl_oom_per_inference_oom": self.rl_oom_per_inference_oom.to_dict(),
            "equivalents": self.equivalents,
            "slope_ratio_fieller": self.slope_ratio_fieller.to_dict(),
            "slope_ratio_delta": (self.slope_ratio_delta.to_dict()
                                  if self.slope_ratio_delta is not None else None),
            "at_score": self.at_score,
            "level": self.level,
            "curves": {"rl": {"curve": self.rl_curve, **{"slope_per_decade":
                                                          self.rl_slope.to_dict()}},
                       "inference": {"curve": self.inference_curve,
                                     "slope_per_decade": self.inference_slope.to_dict()}},
            "warnings": list(self.warnings),
        })

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def headline(self, score_scale: str = "unit") -> str:
        """One sentence with the ratio, its interval and what it means in multipliers
        (:func:`rlscale.convert.headline.headline_sentence`, the one owner of that sentence).
        Plain text, not rich markup."""
        from rlscale.convert.headline import headline_sentence

        return headline_sentence(self.to_dict(), level=self.level, score_scale=score_scale)

    def __rich__(self):
        return self.table()

    def table(self, score_scale: str = "unit"):
        """The rich rendering: slopes, ratios and multipliers; the score in *score_scale*."""
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        pct = int(round(self.level * 100))
        t = Table(title=f"{inert(self.rl_curve)} (RL) vs {inert(self.inference_curve)} "
                        f"(inference), slopes at score {score(self.at_score, score_scale)}",
                  title_justify="left")
        t.add_column("quantity")
        t.add_column("value", justify="right")
        t.add_column(f"{pct}% CI", justify="right")

        def row(label, e, scale=1.0, unit=""):
            t.add_row(label, f"{sig(scale * e.value, 3)}{unit}",
                      f"[{sig(scale * e.ci_low, 3)}, {sig(scale * e.ci_high, 3)}]")

        row("RL slope", self.rl_slope, 100, " pp/decade")
        row("inference slope", self.inference_slope, 100, " pp/decade")
        row("slope ratio (bootstrap)", self.slope_ratio)
        row("slope ratio (Fieller)", self.slope_ratio_fieller)
        row("RL OOM per inference OOM", self.rl_oom_per_inference_oom)
        m = Table(title="equivalent multipliers", title_justify="left")
        m.add_column("inference ×", justify="right")
        m.add_column("RL ×", justify="right")
        m.add_column(f"{pct}% CI", justify="right")
        for e in self.equivalents:
            m.add_row(f"{e['inference_factor']:g}", sig(e["rl_factor"], 3),
                      f"[{sig(e['rl_factor_ci_low'], 3)}, {sig(e['rl_factor_ci_high'], 3)}]")
        return Group(t, m, *[Text(f"warning: {printable(w)}", style="yellow")
                             for w in self.warnings])


def _default_score(rl: FitResult, inf: FitResult, warnings: list[str]) -> float:
    lo, hi = max(rl.score_min, inf.score_min), min(rl.score_max, inf.score_max)
    if lo <= hi:
        return 0.5 * (lo + hi)
    warnings.append("the two curves' observed score ranges do not overlap: slopes compared "
                    "at the middle of the combined range, an extrapolation for at least one curve")
    return 0.5 * (min(rl.score_min, inf.score_min) + max(rl.score_max, inf.score_max))


def _root(factor: float, ratio: float) -> float:
    """``factor ** (1/ratio)`` for ratio > 0; ``inf`` instead of an OverflowError."""
    if not ratio > 0:
        return math.nan
    e = math.log10(factor) / ratio
    return math.inf if e > 308 else 10.0 ** e


def compare(rl: FitResult, inference: FitResult, *, level: float = 0.95,
            factors=DEFAULT_FACTORS, at_score: float | None = None, axis: str = "rl") -> Comparison:
    """Compare the slope per decade of an RL curve with that of an inference curve.

    Parameters
    ----------
    rl, inference : FitResult
    level : float
        Confidence level.
    factors : sequence of float
        Inference multipliers for the table of equivalent RL multipliers.
    at_score : float, optional
        Score at which both slopes are taken; default the middle of the overlap of the two
        curves' observed score ranges.
    axis : str
        The first curve's expected axis: ``"rl"``, or ``"pretrain"`` (:mod:`.three_way`).

    Notes
    -----
    The bootstrap interval pairs the i-th resample of one fit with the i-th of the other (the
    fits are independent, so any pairing is a draw from the joint distribution) and takes
    percentiles of the ratio. Fieller's interval uses the two bootstrap variances and zero
    covariance. See ``docs/methods.md``.
    """
    if not 0 < level < 1:
        raise RlscaleError(f"level must be in (0, 1), got {level}")
    warnings: list[str] = []
    for fr, role in ((rl, axis), (inference, "inference")):
        if fr.axis not in (None, role):
            warnings.append(f"curve '{fr.curve}' has axis '{fr.axis}' but is compared as {role}")
        if not fr.identifiable:
            warnings.append(f"curve '{fr.curve}' is not identifiable under its {fr.form} fit")
    if at_score is None:
        at_score = _default_score(rl, inference, warnings)
    (s_rl, d_rl), (s_inf, d_inf) = (_slope_at(fr, at_score, warnings) for fr in (rl, inference))
    s_rl = Estimate(s_rl.value, *percentile_ci(d_rl, level), level)
    s_inf = Estimate(s_inf.value, *percentile_ci(d_inf, level), level)
    value = s_rl.value / s_inf.value if s_inf.value != 0 else math.nan
    if not math.isfinite(value):
        raise RlscaleError(f"curve '{inference.curve}' has zero slope at score {at_score:.3g}: "
                           "the slope ratio is undefined")
    b_lo, b_hi, f_lo, f_hi, d_lo, d_hi = _ratio_intervals(
        rl, inference, s_rl.value, s_inf.value, d_rl, d_inf, level, warnings)
    ratio = Estimate(value, b_lo, b_hi, level)
    fieller = Estimate(value, f_lo, f_hi, level)
    delta = Estimate(value, d_lo, d_hi, level)
    if value > 0:
        inv_lo, inv_hi = ((1 / b_hi, 1 / b_lo) if b_lo > 0 and math.isfinite(b_hi)
                          else (math.nan, math.nan))
        oom = Estimate(1 / value, inv_lo, inv_hi, level)
    else:
        warnings.append("the slope ratio is not positive: RL compute does not buy the same gain "
                        "as inference here, so there are no equivalent multipliers")
        oom = Estimate(math.nan, math.nan, math.nan, level)
    equivalents = _equivalents(value, factors, b_lo, b_hi)
    return Comparison(rl.curve, inference.curve, float(at_score), s_rl, s_inf, ratio, fieller,
                      oom, equivalents, level, warnings, delta)


def _slope_at(fr: FitResult, at_score: float, warnings: list[str]):
    """A fit's slope and bootstrap slopes at *at_score*, warning when the curve does not reach
    that score inside its observed compute range (the slope is then taken at the nearest end)."""
    s, draws, c = fr.slope_at_score(at_score)
    reached = float(fr.form_obj.evaluate(np.log10(c), fr.param_values))
    if abs(reached - at_score) > 1e-6:
        warnings.append(f"curve '{fr.curve}' does not reach score {at_score:.3g} inside its "
                        f"observed compute range: its slope is taken at compute {c:.4g} "
                        f"(score {reached:.3g})")
    return s, draws


def _ratio_intervals(rl: FitResult, inference: FitResult, s_rl: float, s_inf: float, d_rl, d_inf,
                     level: float, warnings: list[str]):
    """Bootstrap, Fieller and delta intervals of the ratio ``s_rl / s_inf``, appending the
    warnings that explain a missing or unbounded one; nan where there is none."""
    m = min(d_rl.size, d_inf.size)
    if m >= 2:
        with np.errstate(all="ignore"):
            ratios = d_rl[:m] / d_inf[:m]
        b_lo, b_hi = percentile_ci(ratios, level)
        var_rl, var_inf = float(np.var(d_rl, ddof=1)), float(np.var(d_inf, ddof=1))
        f_lo, f_hi, kind = fieller_interval(s_rl, s_inf, var_rl, var_inf, 0.0, level)
        d_lo, d_hi = _delta_interval(s_rl, s_inf, var_rl, var_inf, level)
        if kind != "bounded":
            warnings.append(f"Fieller interval is unbounded: the inference slope's {level:.0%} "
                            "interval includes 0, so no finite ratio interval exists")
        if np.mean(d_inf[:m] <= 0) > (1 - level) / 2:
            b_lo = b_hi = math.nan
            warnings.append(f"no bootstrap interval for the slope ratio: the inference slope's "
                            f"{level:.0%} interval reaches 0, so the ratio is unbounded")
        elif b_lo <= 0 <= b_hi:
            warnings.append(f"the slope ratio's {level:.0%} interval includes 0 (the RL slope is "
                            "not clearly positive), so the multipliers have no upper bound")
    else:
        b_lo = b_hi = f_lo = f_hi = d_lo = d_hi = math.nan
        missing = [fr.curve for fr, d in ((rl, d_rl), (inference, d_inf)) if d.size < 2]
        warnings.append(f"no interval for the slope ratio: no bootstrap draws for "
                        f"{', '.join(missing)} (see that fit's warnings)")
    return b_lo, b_hi, f_lo, f_hi, d_lo, d_hi


def _equivalents(value: float, factors, b_lo: float, b_hi: float) -> list[dict]:
    """The RL multiplier worth each inference factor at the ratio, with its interval."""
    equivalents = []
    for fct in factors:
        fct = float(fct)
        if not (math.isfinite(fct) and fct > 0):
            raise RlscaleError(f"inference factor must be finite and > 0, got {fct}")
        rf = _root(fct, value)
        lo, hi = exchange_interval(fct, ratio_low=b_lo, ratio_high=b_hi, from_="inference",
                                   to="rl")
        equivalents.append({"inference_factor": fct, "rl_factor": rf,
                            "rl_factor_ci_low": lo, "rl_factor_ci_high": hi})
    return equivalents
