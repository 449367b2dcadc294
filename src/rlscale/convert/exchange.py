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
