"""Deployment cost of inference scaling, and the break-even between training and thinking longer.

An inference multiplier ``m`` (e.g. chains of thought 30x longer) multiplies the generated tokens
of every query. With ``i`` prompt tokens (not multiplied) and ``o`` generated tokens, the
per-query cost multiplier is ``(i + m o) / (i + o)``; with no prompt cost it is exactly ``m``.
Cost is counted in FLOPs (``2 N`` per token for ``N`` active parameters, Kaplan et al. 2020)
and, when a price per million tokens is given, in USD.

Break-even ("train or think longer?"): an RL scale-up ``k`` costs a one-off
``P r (k - 1)`` FLOPs and buys the same gain as an inference multiplier
``m = exchange(k, ratio)`` = ``k ** ratio`` (``ratio`` = RL slope / inference slope); the
inference route costs ``(m - 1) o 2N`` extra FLOPs on every query. The break-even volume is
the number of queries at which the two bills are equal.
"""

from __future__ import annotations

import math
from typing import Any

from rlscale.errors import RlscaleError

INFERENCE_FLOPS_PER_PARAM_TOKEN = 2.0  # Kaplan et al. 2020, arXiv:2001.08361 (see defaults.toml)


def _positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        raise RlscaleError(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}, "
                           f"got {value!r}")


def per_query_multiplier(multiplier: float, output_tokens: float, input_tokens: float = 0.0) -> float:
    """Per-query cost multiplier ``(i + m o) / (i + o)`` of an inference multiplier ``m``.

    >>> per_query_multiplier(30, 1000)
    30.0
    >>> per_query_multiplier(30, 1000, input_tokens=1000)
    15.5
    """
    _positive("multiplier", multiplier)
    _positive("output_tokens", output_tokens)
    _positive("input_tokens", input_tokens, allow_zero=True)
    return (input_tokens + multiplier * output_tokens) / (input_tokens + output_tokens)


def deployment_cost(*, multiplier: float, output_tokens: float, input_tokens: float,
                    queries_per_day: float, active_params: float, days: float = 1.0,
                    usd_per_million_tokens: float | None = None) -> dict[str, Any]:
    """Per-query and per-period cost of deploying with inference multiplier ``multiplier``.

    Returns
    -------
    dict
        ``per_query_multiplier``, ``tokens_per_query_before/after``, ``flops_per_query_before/after``,
        ``flops_per_period_before/after`` (over ``days``), and the same in USD when
        ``usd_per_million_tokens`` is given (prompt and generated tokens at the same price).
    """
    _positive("queries_per_day", queries_per_day)
    _positive("active_params", active_params)
    _positive("days", days)
    m = per_query_multiplier(multiplier, output_tokens, input_tokens)
    tok_before = input_tokens + output_tokens
    tok_after = input_tokens + multiplier * output_tokens
    fpt = INFERENCE_FLOPS_PER_PARAM_TOKEN * active_params
    queries = queries_per_day * days
    out: dict[str, Any] = {
        "per_query_multiplier": m,
        "tokens_per_query_before": tok_before,
        "tokens_per_query_after": tok_after,
        "flops_per_query_before": tok_before * fpt,
        "flops_per_query_after": tok_after * fpt,
        "queries_per_period": queries,
        "flops_per_period_before": tok_before * fpt * queries,
        "flops_per_period_after": tok_after * fpt * queries,
        "usd_per_query_before": None, "usd_per_query_after": None,
        "usd_per_period_before": None, "usd_per_period_after": None,
    }
    if usd_per_million_tokens is not None:
        _positive("usd_per_million_tokens", usd_per_million_tokens)
        p = usd_per_million_tokens / 1e6
        out.update(usd_per_query_before=tok_before * p, usd_per_query_after=tok_after * p,
                   usd_per_period_before=tok_before * p * queries,
                   usd_per_period_after=tok_after * p * queries)
    return out


def _check_breakeven(*, rl_fraction: float, rl_scale: float, **positive: float) -> None:
    """Every input of :func:`breakeven` positive (``rl_fraction`` may be 0), ``rl_scale`` > 1."""
    for name, v in positive.items():
        _positive(name, v)
    _positive("rl_fraction", rl_fraction, allow_zero=True)
    _positive("rl_scale", rl_scale)
    if rl_scale <= 1:
        raise RlscaleError(f"rl_scale must be > 1 for a scale-up, got {rl_scale!r}")


def _extra_per_query(rl_scale: float, slope_ratio: float, output_tokens: float,
                     active_params: float) -> float:
    """Extra inference FLOPs per query of the inference scale-up that *rl_scale* is worth."""
    # m - 1 from the exponent (expm1), not by subtraction: a scale-up just above 1 at a small
    # ratio gives m == 1.0 in floating point and an extra cost per query of exactly zero
    extra = math.expm1(math.log(10.0) * math.log10(rl_scale) * slope_ratio)
    per_query = extra * output_tokens * INFERENCE_FLOPS_PER_PARAM_TOKEN * active_params
    if not per_query > 0:  # underflow: tiny ratios, tokens or parameters multiply to 0.0
        raise RlscaleError(f"rl_scale {rl_scale!r} at slope ratio {slope_ratio!r}, "
                           f"{output_tokens!r} output tokens and {active_params!r} active "
                           "parameters make the extra inference cost per query 0 in floating "
                           "point: nothing to break even against")
    return per_query


def breakeven(*, pretrain_flops: float, rl_fraction: float, rl_scale: float, slope_ratio: float,
              output_tokens: float, active_params: float, queries_per_day: float,
              horizon_days: float) -> dict[str, Any]:
    """One-off RL scale-up versus recurring inference scale-up for the same capability gain.

    Parameters
    ----------
    pretrain_flops, rl_fraction, rl_scale : float
        Pre-training FLOPs ``P``, RL fraction ``r`` of ``P``, RL scale-up ``k``.
    slope_ratio : float
        RL slope / inference slope per decade (from :func:`rlscale.compare`); the equivalent
        inference multiplier is ``rlscale.exchange(k, ratio=slope_ratio)``.
    output_tokens, active_params : float
        Generated tokens per query before scaling, active parameters per token.
    queries_per_day, horizon_days : float
        Deployment volume and horizon.

    Returns
    -------
    dict
        ``inference_multiplier``, ``rl_flops_one_off``, ``extra_flops_per_query``,
        ``breakeven_queries``, ``breakeven_days`` (at ``queries_per_day``),
        ``inference_flops_over_horizon``, ``cheaper`` (``"rl"`` or ``"inference"``) and
        ``by_volume`` (the same comparison at volumes 1e3 ... 1e9 queries/day).
    """
    from rlscale.convert import exchange

    _check_breakeven(pretrain_flops=pretrain_flops, rl_scale=rl_scale, slope_ratio=slope_ratio,
                     output_tokens=output_tokens, active_params=active_params,
                     queries_per_day=queries_per_day, horizon_days=horizon_days,
                     rl_fraction=rl_fraction)
    m = float(exchange(rl_scale, ratio=slope_ratio, from_="rl", to="inference"))
    rl_cost = pretrain_flops * rl_fraction * (rl_scale - 1.0)
    per_query = _extra_per_query(rl_scale, slope_ratio, output_tokens, active_params)
    q_star = rl_cost / per_query
    horizon_cost = per_query * queries_per_day * horizon_days

    def verdict(qpd: float) -> str:
        return "rl" if rl_cost < per_query * qpd * horizon_days else "inference"

    return {
        "inference_multiplier": m,
        "rl_flops_one_off": rl_cost,
        "extra_flops_per_query": per_query,
        "breakeven_queries": q_star,
        "breakeven_days": q_star / queries_per_day,
        "breakeven_queries_per_day": q_star / horizon_days,
        "inference_flops_over_horizon": horizon_cost,
        "cheaper": verdict(queries_per_day),
        "by_volume": [{"queries_per_day": 10.0 ** e,
                       "inference_flops_over_horizon": per_query * 10.0 ** e * horizon_days,
                       "cheaper": verdict(10.0 ** e)} for e in range(3, 10)],
    }


DEPLOYMENT_KEYS = tuple(f"deployment.{k}" for k in (
    "inference_multiplier", "output_tokens_per_query", "input_tokens_per_query",
    "queries_per_day", "active_params", "usd_per_million_tokens"))
BREAKEVEN_KEYS = ("training.pretrain_flops", "training.rl_fraction", "training.rl_scale",
                  "deployment.output_tokens_per_query", "deployment.active_params",
                  "deployment.queries_per_day", "deployment.horizon_days")


def deployment_from(assumptions, *, days: float) -> dict:
    """:func:`deployment_cost` over *days* at resolved assumptions, naming the ones used."""
    v = {k.partition(".")[2]: assumptions.value(k) for k in DEPLOYMENT_KEYS}
    res = deployment_cost(multiplier=v["inference_multiplier"],
                          output_tokens=v["output_tokens_per_query"],
                          input_tokens=v["input_tokens_per_query"],
                          queries_per_day=v["queries_per_day"], active_params=v["active_params"],
                          days=days, usd_per_million_tokens=v["usd_per_million_tokens"])
    return dict(res, days=days, assumptions=[assumptions[k].to_dict() for k in DEPLOYMENT_KEYS])


def breakeven_from(assumptions=None, slope_ratio: float | None = None, *,
                   slope_ratio_source: str | None = None, evidence=None) -> dict:
    """Train or think longer: :func:`breakeven` at resolved assumptions and one named ratio.

    The one caller of :func:`breakeven` for ``rlscale cost breakeven`` and the report.

    Parameters
    ----------
    assumptions : Assumptions, optional
        Resolved assumptions (:func:`rlscale.econ.resolve`); default the data-file defaults.
    slope_ratio : float, optional
        RL slope / inference slope. Default: the assumptions' ``exchange.slope_ratio`` (a
        scenario or flag), else the essay evidence's working ratio
        (:func:`rlscale.econ.evidence.slope_evidence` ``.working_ratio``).
    slope_ratio_source : str, optional
        Where a given *slope_ratio* comes from (e.g. "report headline: o1-rl vs o1-inference").
    evidence : SlopeEvidence, optional
        Evidence already computed from the caller's fits (passed to ``slope_evidence``), so the
        working ratio follows the caller's seed and form.

    Returns
    -------
    dict
        :func:`breakeven`'s result plus ``slope_ratio``, ``slope_ratio_source`` and
        ``assumptions`` (each with value, unit, citation and source).
    """
    from rlscale.econ.assumptions import defaults

    a = assumptions if assumptions is not None else defaults()
    source = slope_ratio_source or "given"
    if slope_ratio is None and a.value("exchange.slope_ratio") is not None:
        slope_ratio, source = a.value("exchange.slope_ratio"), a["exchange.slope_ratio"].source
    if slope_ratio is None:
        from rlscale.econ.evidence import slope_evidence

        ev = evidence if evidence is not None else slope_evidence()
        slope_ratio, source = ev.working_ratio, ev.working_source
    res = breakeven(
        pretrain_flops=a.value("training.pretrain_flops"),
        rl_fraction=a.value("training.rl_fraction"), rl_scale=a.value("training.rl_scale"),
        slope_ratio=slope_ratio, output_tokens=a.value("deployment.output_tokens_per_query"),
        active_params=a.value("deployment.active_params"),
        queries_per_day=a.value("deployment.queries_per_day"),
        horizon_days=a.value("deployment.horizon_days"))
    return dict(res, slope_ratio=slope_ratio, slope_ratio_source=source,
                assumptions=[a[k].to_dict() for k in BREAKEVEN_KEYS])
