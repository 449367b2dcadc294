"""Exchange rates between compute axes (RL training, inference, pre-training).

Each axis is worth some number of *inference orders of magnitude* per order of magnitude of its
own compute:

* inference: 1 (by definition);
* rl: the slope ratio ``s_RL / s_inference`` (e.g. 0.5 in Ord 2025: 10x RL ≈ 3x inference);
* pretrain: :data:`DEFAULT_PRETRAIN_INFERENCE_OOM`.

A factor F on axis ``from_`` is worth ``10 ** (log10(F) · w[from_] / w[to])`` on axis ``to``.
"""

from __future__ import annotations

import math

from rlscale.data.schema import AXES
from rlscale.errors import RlscaleError

#: Inference orders of magnitude per pre-training order of magnitude (dimensionless, OOM/OOM).
#: 1,000x inference ≈ 100x pre-training, i.e. 3 / 2 = 1.5: Ord 2025, "How Well Does RL Scale?",
#: citing Jones 2021, "Scaling Scaling Laws with Board Games", arXiv:2104.03113 (Sec. IV-C:
#: each 10x of train-time compute eliminates ~15x of test-time compute) and Epoch AI 2023,
#: "Trading Off Compute in Training and Inference" (1–2 OOM of inference ≈ 1 OOM of training).
DEFAULT_PRETRAIN_INFERENCE_OOM = 1.5
PRETRAIN_CITATION = ("Ord 2025 (1,000x inference ≈ 100x pre-training); Jones 2021, "
                     "arXiv:2104.03113; Epoch AI 2023, 'Trading Off Compute in Training and "
                     "Inference'")



def _positive_finite(value, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise RlscaleError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise RlscaleError(f"{what} must be finite and > 0, got {value!r}")
    return v


def oom_weights(ratio: float,
                pretrain_inference_oom: float = DEFAULT_PRETRAIN_INFERENCE_OOM) -> dict:
    """Inference OOMs per own OOM for each axis."""
    return {"inference": 1.0,
            "rl": _positive_finite(ratio, "ratio (RL slope / inference slope)"),
            "pretrain": _positive_finite(pretrain_inference_oom, "pretrain_inference_oom")}


def exchange(factor: float, *, ratio: float, from_: str = "rl", to: str = "inference",
             pretrain_inference_oom: float = DEFAULT_PRETRAIN_INFERENCE_OOM) -> float:
    """Multiplier on axis ``to`` worth the same as ``factor`` times more compute on ``from_``.

    Parameters
    ----------
    factor : float
        Compute multiplier on the ``from_`` axis (> 0).
    ratio : float
        Slope ratio s_RL / s_inference (> 0): inference OOMs per RL OOM.
    from_, to : {"rl", "inference", "pretrain"}
    pretrain_inference_oom : float
        Inference OOMs per pre-training OOM (default 1.5; see
        :data:`DEFAULT_PRETRAIN_INFERENCE_OOM`).

    Returns
    -------
    float

    Examples
    --------
    >>> round(exchange(10, ratio=0.5, from_="rl", to="inference"), 3)
    3.162
    >>> round(exchange(1e6, ratio=0.5, from_="rl", to="pretrain"), 1)
    100.0
    """
    f = _positive_finite(factor, "factor")
    for name, axis in (("from", from_), ("to", to)):
        if axis not in AXES:
            raise RlscaleError(f"unknown {name} axis '{axis}': choose one of {', '.join(AXES)}")
    w = oom_weights(ratio, pretrain_inference_oom)
    exponent = math.log10(f) * w[from_] / w[to]
    if exponent > 308:
        raise RlscaleError(f"the equivalent factor, 10^{exponent:.4g}, is too large to "
                           "represent; use a smaller factor or a larger ratio")
    return float(10.0 ** exponent)


def _exponent(factor: float, ratio: float, from_: str, to: str, pretrain_inference_oom: float):
    w = oom_weights(ratio, pretrain_inference_oom)
    return math.log10(factor) * w[from_] / w[to]


def exchange_interval(factor: float, *, ratio_low: float, ratio_high: float, from_: str = "rl",
                      to: str = "inference",
                      pretrain_inference_oom: float = DEFAULT_PRETRAIN_INFERENCE_OOM
                      ) -> tuple[float, float]:
    """Interval of :func:`exchange` over a slope-ratio interval ``[ratio_low, ratio_high]``.

    The equivalent factor is monotone in the ratio, so its interval is the two ends' values,
    sorted. The one owner of this interval (``compare``'s equivalents, the report's exchange
    table and ``rlscale exchange`` use it).

    Returns
    -------
    (low, high)
        ``(nan, nan)`` when the ratio interval is missing, not finite or reaches 0 or below (no
        exchange rate then: ``1 / ratio`` is unbounded); ``inf`` for an end too large for a float.

    Examples
    --------
    >>> lo, hi = exchange_interval(10, ratio_low=0.4, ratio_high=0.6, from_="inference", to="rl")
    >>> round(lo, 1), round(hi, 1)
    (46.4, 316.2)
    """
    f = _positive_finite(factor, "factor")
    ends = []
    for r in (ratio_low, ratio_high):
        if r is None or not (math.isfinite(r) and r > 0):
            return math.nan, math.nan
        e = _exponent(f, r, from_, to, pretrain_inference_oom)
        ends.append(math.inf if e > 308 else 10.0 ** e)
    return min(ends), max(ends)


#: Inference multipliers for the exchange table (x inference -> equivalent RL, pre-training).
TABLE_INFERENCE_FACTORS = (3, 10, 30, 100, 1_000, 10_000)
#: RL scale-ups for the exchange table.
TABLE_RL_SCALE_UPS = (10, 100, 1_000, 10_000, 100_000, 1_000_000)
#: The essay's two stated exchange pairs (RL multiplier, inference multiplier).
ESSAY_EXCHANGE_MARKS = ({"rl_factor": 10.0, "inference_factor": 3.0, "label": "10x RL ≈ 3x inference"},
                        {"rl_factor": 10_000.0, "inference_factor": 100.0,
                         "label": "10,000x RL ≈ 100x inference"})


def exchange_table(ratio: dict, pretrain_inference_oom: float | None = None) -> dict:
    """Inference multipliers and their RL and pre-training equivalents at a slope ratio.

    *ratio* is ``{"value", "ci_low", "ci_high"}`` (None where unknown); interval columns are
    None where the ratio has no interval. Rows by inference multiplier (``rows``) and by RL
    scale-up (``rl_rows``), plus the essay's stated pairs (``essay_marks``).
    """
    w_pre = (DEFAULT_PRETRAIN_INFERENCE_OOM if pretrain_inference_oom is None
             else pretrain_inference_oom)

    def conv(f, rr, frm, to):
        if rr is None or not rr > 0:
            return None
        try:
            v = exchange(f, ratio=rr, from_=frm, to=to, pretrain_inference_oom=w_pre)
        except RlscaleError:  # too large to represent: no number rather than no report
            return None
        return v if math.isfinite(v) else None

    def interval(f, frm, to):
        lo, hi = exchange_interval(f, ratio_low=ratio["ci_low"], ratio_high=ratio["ci_high"],
                                   from_=frm, to=to, pretrain_inference_oom=w_pre)
        return tuple(v if math.isfinite(v) else None for v in (lo, hi))

    r = ratio["value"]
    rows, rl_rows = [], []
    for f in TABLE_INFERENCE_FACTORS:
        lo, hi = interval(f, "inference", "rl")
        rows.append({"inference_factor": float(f), "rl_factor": conv(f, r, "inference", "rl"),
                     "rl_factor_low": lo, "rl_factor_high": hi,
                     "pretrain_factor": conv(f, 1.0, "inference", "pretrain")})
    for s in TABLE_RL_SCALE_UPS:
        lo, hi = interval(s, "rl", "inference")
        rl_rows.append({"rl_factor": float(s), "inference_factor": conv(s, r, "rl", "inference"),
                        "inference_factor_low": lo, "inference_factor_high": hi,
                        "pretrain_factor": conv(s, r, "rl", "pretrain")})
    return {"slope_ratio": ratio, "pretrain_inference_oom": w_pre,
            "pretrain_citation": PRETRAIN_CITATION, "rows": rows, "rl_rows": rl_rows,
            "essay_marks": [dict(m) for m in ESSAY_EXCHANGE_MARKS]}
