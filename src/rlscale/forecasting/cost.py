"""The cost of a target score: the forecast compute gap in FLOPs, GPU-hours, energy and money.

The gap is the compute multiplier ``k = C(S) / C_max`` from the largest observed compute to the
compute that reaches the target S. It is costed with :mod:`rlscale.econ`, the same functions
``rlscale cost`` calls:

* **RL** (one-off): ``training_cost(P, r, k_rl, ...)`` — RL compute grows k_rl-fold from a
  fraction r of pre-training compute P; reported also as a multiple of P.
* **inference** (recurring): ``deployment_cost(multiplier=m, ..., days=365)`` — generated tokens
  per query grow m-fold; the extra per query and per year at the stated volume.
* **break-even**: ``breakeven(..., rl_scale=k_rl, slope_ratio=ρ)``.

The curve's own axis gives one multiplier directly (k_rl = k for an RL curve, m = k for an
inference curve); the other route's multiplier for the same gain is the exchange rate
``m = k_rl^ρ`` (ρ = RL slope / inference slope: ``--slope-ratio``, the scenario's
``exchange.slope_ratio``, or the pooled fit of catalog:essay as in ``rlscale cost breakeven``).
Interval ends are the same arithmetic at the ends of the compute interval (ρ held at its value).
"""

from __future__ import annotations

import math
from typing import Any

from rlscale.errors import RlscaleError
from rlscale.estimate import Estimate

DAYS_PER_YEAR = 365.0  # the inference route is costed per (calendar) year of deployment
KEYS = ("training.pretrain_flops", "training.rl_fraction", "hardware.profile",
        "hardware.peak_flops", "hardware.utilisation", "hardware.watts", "hardware.pue",
        "hardware.usd_per_gpu_hour", "deployment.output_tokens_per_query",
        "deployment.input_tokens_per_query", "deployment.queries_per_day",
        "deployment.active_params", "deployment.horizon_days",
        "deployment.usd_per_million_tokens")


def cost_assumptions(scenario=None, slope_ratio: float | None = None):
    """Resolve the economics (defaults, then ``scenario``, then ``slope_ratio``) up front."""
    from rlscale.econ.assumptions import resolve

    if slope_ratio is not None and not (math.isfinite(slope_ratio) and slope_ratio > 0):
        raise RlscaleError(f"--slope-ratio {slope_ratio!r}: must be > 0")
    return resolve(scenario, {"exchange.slope_ratio": slope_ratio},
                   labels={"exchange.slope_ratio": "--slope-ratio"})


def _ratio(a) -> tuple[float, str]:
    ratio = a.value("exchange.slope_ratio")
    if ratio is not None:
        return float(ratio), a["exchange.slope_ratio"].source
    from rlscale.econ.evidence import slope_evidence

    return float(slope_evidence().pooled_ratio), "fitted: o1 + o1->o3 RL vs o1 inference"


def _rl_route(a, k: float) -> dict[str, float]:
    from rlscale.econ import training_cost

    p, r = a.value("training.pretrain_flops"), a.value("training.rl_fraction")
    if not k > 1:
        return dict.fromkeys(("total_multiplier", "rl_flops_added", "rl_multiple_of_pretraining",
                              "gpu_hours_added", "energy_kwh_added"), 0.0) | {"usd_added": 0.0}
    if not math.isfinite(k):
        return dict.fromkeys(("total_multiplier", "rl_flops_added", "rl_multiple_of_pretraining",
                              "gpu_hours_added", "energy_kwh_added", "usd_added"), math.inf)
    hw = {x: a.value(f"hardware.{x}") for x in ("peak_flops", "utilisation", "watts", "pue")}
    c = training_cost(p, r, k, **hw, usd_per_gpu_hour=a.value("hardware.usd_per_gpu_hour"))
    return {"total_multiplier": c["total_multiplier"], "rl_flops_added": c["rl_flops_added"],
            "rl_multiple_of_pretraining": c["rl_flops_added"] / p,
            "gpu_hours_added": c["gpu_hours_added"], "energy_kwh_added": c["energy_kwh_added"],
            "usd_added": c["usd_added"]}


def _inference_route(a, m: float) -> dict[str, float | None]:
    from rlscale.econ import deployment_cost, energy_kwh, gpu_hours

    names = ("extra_flops_per_query", "extra_flops_per_year", "extra_gpu_hours_per_year",
             "extra_energy_kwh_per_year", "extra_usd_per_query", "extra_usd_per_year")
    if not m > 1:
        return dict.fromkeys(names, 0.0)
    if not math.isfinite(m):
        return dict.fromkeys(names, math.inf)
    d = deployment_cost(multiplier=m, output_tokens=a.value("deployment.output_tokens_per_query"),
                        input_tokens=a.value("deployment.input_tokens_per_query"),
                        queries_per_day=a.value("deployment.queries_per_day"),
                        active_params=a.value("deployment.active_params"), days=DAYS_PER_YEAR,
                        usd_per_million_tokens=a.value("deployment.usd_per_million_tokens"))
    per_year = d["flops_per_period_after"] - d["flops_per_period_before"]
    gh = gpu_hours(per_year, a.value("hardware.peak_flops"), a.value("hardware.utilisation"))
    usd_q = (None if d["usd_per_query_after"] is None
             else d["usd_per_query_after"] - d["usd_per_query_before"])
    usd_y = (None if d["usd_per_period_after"] is None
             else d["usd_per_period_after"] - d["usd_per_period_before"])
    return {"extra_flops_per_query": d["flops_per_query_after"] - d["flops_per_query_before"],
            "extra_flops_per_year": per_year, "extra_gpu_hours_per_year": gh,
            "extra_energy_kwh_per_year": energy_kwh(gh, a.value("hardware.watts"),
                                                    a.value("hardware.pue")),
            "extra_usd_per_query": usd_q, "extra_usd_per_year": usd_y}


def _breakeven(a, k_rl: float, ratio: float) -> dict[str, Any]:
    from rlscale.econ import breakeven

    if not (k_rl > 1 and math.isfinite(k_rl)):
        v = 0.0 if not k_rl > 1 else math.inf
        return {"breakeven_queries": v, "breakeven_queries_per_day": v, "cheaper": None}
    b = breakeven(pretrain_flops=a.value("training.pretrain_flops"),
                  rl_fraction=a.value("training.rl_fraction"), rl_scale=k_rl,
                  slope_ratio=ratio, output_tokens=a.value("deployment.output_tokens_per_query"),
                  active_params=a.value("deployment.active_params"),
                  queries_per_day=a.value("deployment.queries_per_day"),
                  horizon_days=a.value("deployment.horizon_days"))
    return {"breakeven_queries": b["breakeven_queries"],
            "breakeven_queries_per_day": b["breakeven_queries_per_day"], "cheaper": b["cheaper"]}


def _estimates(rows: list[dict | None]) -> dict[str, Any]:
    """Combine the value / low / high evaluations key by key into Estimate dicts.

    A ``None`` row is an interval end that could not be computed (no bootstrap draws).
    """
    first = next(r for r in rows if r is not None)
    out: dict[str, Any] = {}
    for key in first:
        vals = [math.nan if r is None else r[key] for r in rows]
        if any(v is None or isinstance(v, str) for v in vals):
            out[key] = vals[0]
            continue
        ends = [v for v in vals[1:] if not math.isnan(v)]
        lo, hi = (min(ends), max(ends)) if len(ends) == 2 else (math.nan, math.nan)
        out[key] = Estimate(vals[0], lo, hi).to_dict()
    return out


def _each(fn, ks, *args) -> list[dict | None]:
    return [None if math.isnan(k) else fn(*args[:1], k, *args[1:]) for k in ks]


def target_cost(res, assumptions) -> dict[str, Any]:
    """The cost of the gap from the largest observed compute to ``res``'s target score."""
    from rlscale.convert import exchange

    a = assumptions
    ratio, source = _ratio(a)
    doc: dict[str, Any] = {"axis": res.axis, "from_compute": res.compute_max,
                           "slope_ratio": ratio, "slope_ratio_source": source,
                           "days_per_year": DAYS_PER_YEAR,
                           "assumptions": [a[k].to_dict() for k in KEYS]}
    if not res.reachable:
        doc["note"] = "the target is out of reach under this fit: no cost to state"
        return doc
    e = res.compute
    ks = [x / res.compute_max for x in (e.value, e.ci_low, e.ci_high)]
    ex = lambda f, t: [(exchange(k, ratio=ratio, from_=f, to=t) if 0 < k < math.inf else k)
                       for k in ks]  # noqa: E731
    k_rl, m = (ks, ex("rl", "inference")) if res.axis == "rl" else (ex("inference", "rl"), ks)
    doc["compute_multiplier"] = Estimate(*ks).to_dict()
    doc["rl"] = {"rl_scale": Estimate(*k_rl).to_dict(), **_estimates(_each(_rl_route, k_rl, a))}
    doc["inference"] = {"multiplier": Estimate(*m).to_dict(),
                        "queries_per_day": a.value("deployment.queries_per_day"),
                        **_estimates(_each(_inference_route, m, a))}
    doc["breakeven"] = {"horizon_days": a.value("deployment.horizon_days"),
                        **_estimates(_each(_breakeven, k_rl, a, ratio))}
    if ks[0] <= 1:
        doc["note"] = "the target is already reached inside the observed compute range"
    return doc
