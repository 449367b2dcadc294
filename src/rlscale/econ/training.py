"""Training-cost model: what an RL scale-up does to the total training bill.

Pre-training costs ``P``; RL costs a fraction ``r`` of ``P``; scaling RL up ``k``-fold moves the
total from ``P (1 + r)`` to ``P (1 + k r)``, so the total-training multiplier is

    M(r, k) = (1 + k r) / (1 + r)

(the essay's "with RL at parity (r = 1), a further 10x of RL raises total training 5.5x").
All functions are pure arithmetic on floats; hardware and prices enter only in
:func:`training_cost`, through :mod:`rlscale.econ.physical`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from rlscale.econ.physical import energy_kwh, gpu_hours
from rlscale.errors import RlscaleError


def _check(name: str, value: float, *, positive: bool = True) -> None:
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        rule = "> 0" if positive else ">= 0"
        raise RlscaleError(f"{name} must be a finite number {rule}, got {value!r}")


def training_multiplier(rl_fraction: float, rl_scale: float) -> float:
    """Total-training-compute multiplier of an RL scale-up: ``(1 + k r) / (1 + r)``.

    Parameters
    ----------
    rl_fraction : float
        RL compute before the scale-up, as a fraction ``r`` of pre-training compute (>= 0).
    rl_scale : float
        The RL scale-up ``k`` (> 0; 10 means 10x more RL compute).

    Returns
    -------
    float
        New total training compute / old total training compute.

    Examples
    --------
    >>> training_multiplier(1.0, 10)     # RL at parity with pre-training
    5.5
    >>> round(training_multiplier(0.01, 10), 3)
    1.089
    """
    _check("rl_fraction", rl_fraction, positive=False)
    _check("rl_scale", rl_scale)
    return (1.0 + rl_scale * rl_fraction) / (1.0 + rl_fraction)


@dataclass(frozen=True)
class PathStep:
    """One scale-up step of an RL path: fractions before/after and the multipliers it costs."""

    step: int
    rl_fraction_before: float
    rl_fraction_after: float
    step_multiplier: float          # total training after / before this step
    cumulative_multiplier: float    # total training after this step / at the start of the path
    total_vs_pretrain: float        # total training after this step / pre-training compute

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def path_multiplier(rl_fraction: float, steps: int, step: float = 10.0) -> list[PathStep]:
    """Multipliers along a path of ``steps`` successive ``step``-fold RL scale-ups.

    Pre-training stays fixed; each step multiplies RL compute by ``step``. The cumulative
    multiplier telescopes to ``(1 + r step**steps) / (1 + r)``.

    Examples
    --------
    >>> [round(s.step_multiplier, 3) for s in path_multiplier(0.01, 3)]
    [1.089, 1.818, 5.5]
    """
    _check("rl_fraction", rl_fraction, positive=False)
    _check("step", step)
    if steps < 0:
        raise RlscaleError(f"steps must be >= 0, got {steps}")
    out, r, cum = [], rl_fraction, 1.0
    for i in range(1, steps + 1):
        m = training_multiplier(r, step)
        cum *= m
        out.append(PathStep(i, r, r * step, m, cum, 1.0 + r * step))
        r *= step
    return out


def max_rl_scale(rl_fraction: float, budget_multiplier: float) -> float:
    """Largest RL scale-up ``k`` whose total-training multiplier stays within ``budget_multiplier``.

    Solves ``(1 + k r) / (1 + r) = M`` for ``k = (M (1 + r) - 1) / r``; infinite when ``r = 0``.

    Examples
    --------
    >>> max_rl_scale(1.0, 5.5)
    10.0
    """
    _check("rl_fraction", rl_fraction, positive=False)
    _check("budget_multiplier", budget_multiplier)
    if budget_multiplier < 1:
        raise RlscaleError(f"budget_multiplier must be >= 1 (a total-cost multiplier), "
                           f"got {budget_multiplier!r}")
    if rl_fraction == 0:
        return math.inf
    return (budget_multiplier * (1.0 + rl_fraction) - 1.0) / rl_fraction


def training_cost(pretrain_flops: float, rl_fraction: float, rl_scale: float, *,
                  peak_flops: float, utilisation: float, watts: float, pue: float,
                  usd_per_gpu_hour: float | None = None) -> dict[str, float | None]:
    """FLOPs, GPU-hours, energy and (optionally) money of a training run before/after the RL scale-up.

    Parameters
    ----------
    pretrain_flops : float
        Pre-training compute ``P`` (FLOP).
    rl_fraction, rl_scale : float
        As in :func:`training_multiplier`.
    peak_flops, utilisation, watts, pue : float
        Hardware: dense peak FLOP/s per GPU, achieved fraction of peak, watts per GPU,
        facility power usage effectiveness.
    usd_per_gpu_hour : float, optional
        Price of a GPU-hour; money is ``None`` without it.

    Returns
    -------
    dict
        ``total_multiplier``, ``flops_before``, ``flops_after``, ``rl_flops_added``,
        ``gpu_hours_after``, ``gpu_hours_added``, ``energy_kwh_added``, ``usd_added``.
    """
    _check("pretrain_flops", pretrain_flops)
    before = pretrain_flops * (1.0 + rl_fraction)
    after = pretrain_flops * (1.0 + rl_scale * rl_fraction)
    added = after - before
    gh_after = gpu_hours(after, peak_flops, utilisation)
    gh_added = gpu_hours(added, peak_flops, utilisation) if added > 0 else 0.0
    return {
        "total_multiplier": training_multiplier(rl_fraction, rl_scale),
        "flops_before": before,
        "flops_after": after,
        "rl_flops_added": added,
        "gpu_hours_after": gh_after,
        "gpu_hours_added": gh_added,
        "energy_kwh_added": energy_kwh(gh_added, watts, pue),
        "usd_added": None if usd_per_gpu_hour is None else gh_added * usd_per_gpu_hour,
    }


TRAINING_KEYS = ("training.rl_fraction", "training.rl_scale", "training.pretrain_flops",
                 "hardware.profile", "hardware.peak_flops", "hardware.utilisation",
                 "hardware.watts", "hardware.pue", "hardware.usd_per_gpu_hour")


def training_from(assumptions, *, steps: int = 0, budget: float | None = None) -> dict:
    """The training-cost model at resolved :class:`~rlscale.econ.Assumptions`.

    Returns the ``rlscale cost training --json`` document: the multiplier and its formula,
    the cost (:func:`training_cost`), a path of *steps* successive scale-ups, the largest
    scale-up within *budget* (a total-cost multiplier), and the assumptions used.
    """
    from rlscale.econ.physical import hardware_from

    a = assumptions
    r, k, p = (a.value(f"training.{x}") for x in ("rl_fraction", "rl_scale", "pretrain_flops"))
    cost = training_cost(p, r, k, **hardware_from(a),
                         usd_per_gpu_hour=a.value("hardware.usd_per_gpu_hour"))
    path = [s.to_dict() for s in path_multiplier(r, steps, k)] if steps else []
    best = max_rl_scale(r, budget) if budget is not None else None
    return {"total_multiplier": cost["total_multiplier"], "rl_fraction": r, "rl_scale": k,
            "rl_fraction_after": r * k, "total_vs_pretrain_before": 1 + r,
            "total_vs_pretrain_after": 1 + r * k, "formula": "(1 + k*r) / (1 + r)",
            "cost": cost, "path": path, "budget_multiplier": budget, "max_rl_scale": best,
            "assumptions": [a[x].to_dict() for x in TRAINING_KEYS]}
