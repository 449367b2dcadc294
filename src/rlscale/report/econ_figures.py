"""The report's exchange-rate and economics figures (from a results dict only)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from rlscale.fmt import multiplier_tick
from rlscale.report._style import EXCHANGE_LABEL_AT, _log_axis, _new_figure, _style


# --------------------------------------------------------------------------- exchange rates

def exchange_chart(results: dict) -> Figure:
    """What an RL scale-up is worth in inference and (via the chain) pre-training multiples."""
    ex = results["exchange"]
    r = ex["slope_ratio"]
    w_pre = ex["pretrain_inference_oom"]
    x = np.logspace(0, 6, 121)
    fig, ax = _new_figure(7.6, 4.8)
    st_inf, st_pre = _style(0), _style(2)
    if r["ci_low"] is not None and r["ci_high"] is not None:
        ax.fill_between(x, x ** max(r["ci_low"], 0), x ** r["ci_high"], color=st_inf["color"],
                        alpha=0.16, linewidth=0)
    ax.plot(x, x ** r["value"], color=st_inf["color"], linewidth=2.2,
            label=f"inference multiplier (slope ratio {r['value']:.2f})")
    ax.plot(x, x ** (r["value"] / w_pre), color=st_pre["color"], linestyle="--", linewidth=2.0,
            label=f"pre-training multiplier (÷ {w_pre:g} inference OOM per pre-training OOM)")
    ax.plot(x, x, color="#888888", linestyle=":", linewidth=1.2,
            label="equal orders of magnitude (slope ratio 1)")
    for k, m in enumerate(ex["essay_marks"]):
        ax.plot(m["rl_factor"], m["inference_factor"], marker="D", color="black", markersize=7,
                linestyle="none", zorder=4, label="essay's stated pairs" if k == 0 else None)
        ax.annotate(m["label"], (m["rl_factor"], m["inference_factor"]),
                    xytext=EXCHANGE_LABEL_AT[k % len(EXCHANGE_LABEL_AT)], textcoords="axes fraction",
                    fontsize=8.5, ha="left", va="center",
                    arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.8,
                                "shrinkB": 5})
    _log_axis(ax, "x", multiplier_tick)
    _log_axis(ax, "y", multiplier_tick)
    ax.set_xlim(1, 1e6)
    ax.set_ylim(1, 1e6)
    ax.set_xlabel("RL-training compute multiplier (scale-up of RL compute)")
    ax.set_ylabel("equivalent multiplier of inference or pre-training compute")
    ax.legend(loc="upper left")
    return fig


# --------------------------------------------------------------------------- economics

def economics_chart(results: dict) -> Figure:
    """Total training compute multiplier vs RL scale-up, for several starting RL fractions."""
    econ = results["economics"]
    x = np.array(econ["scale_up"], dtype=float)
    fig, ax = _new_figure(7.6, 4.6)
    for k, curve in enumerate(econ["curves"]):
        st = _style(k)
        y = np.array([np.nan if v is None else v for v in curve["total_multiplier"]], dtype=float)
        ax.plot(x, y, color=st["color"], linestyle=st["linestyle"], linewidth=2.0,
                label=f"RL starts at {curve['rl_fraction']:.0%} of pre-training")
        ax.plot(x[::10], y[::10], marker=st["marker"], color=st["color"], linestyle="none",
                markersize=5)
    ax.plot(x, x, color="#888888", linestyle=":", linewidth=1.2, label="all training scales (y = x)")
    ax.plot(10, 5.5, marker="D", color="black", markersize=7, linestyle="none",
            label="essay: 10x RL at parity → 5.5x total")
    _log_axis(ax, "x", multiplier_tick)
    _log_axis(ax, "y", multiplier_tick)
    ax.set_xlim(1, x.max())
    ax.set_ylim(0.9, x.max() * 1.5)
    ax.set_xlabel("cumulative RL-training compute scale-up")
    ax.set_ylabel("total training compute (pre-training + RL) multiplier")
    ax.legend(loc="upper left")
    return fig


def _count(x: float) -> str:
    """4.8 million, 12 billion, 3,400: counts in words a reader can say."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if x >= size:
            return f"{x / size:.2g} {word}"
    return f"{x:,.0f}"


def breakeven_chart(results: dict) -> Figure:
    """Train or think longer: one-off RL cost vs the extra inference it replaces, by volume."""
    be = results["economics"]["breakeven"]
    values = {a["name"]: a["value"] for a in be["assumptions"]}
    horizon = values["deployment.horizon_days"]
    q = np.logspace(2, 10, 81)
    fig, ax = _new_figure(7.6, 4.6)
    st_rl, st_inf = _style(0), _style(1)
    ax.plot(q, np.full_like(q, be["rl_flops_one_off"]), color=st_rl["color"], linewidth=2.2,
            label=f"RL scale-up {values['training.rl_scale']:g}x: one-off training FLOP")
    ax.plot(q, be["extra_flops_per_query"] * q * horizon, color=st_inf["color"], linestyle="--",
            linewidth=2.2, label=f"same gain by {be['inference_multiplier']:.3g}x inference: "
                                 f"extra FLOP over {horizon:g} days")
    qb = be["breakeven_queries_per_day"]
    if q[0] <= qb <= q[-1]:
        ax.axvline(qb, color="black", linestyle=":", linewidth=1.2)
        ax.annotate(f"break-even ≈ {_count(qb)} queries/day", (qb, be["rl_flops_one_off"]),
                    xytext=(0.62, 0.12), textcoords="axes fraction", fontsize=8.5, ha="left",
                    arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.8})
    _log_axis(ax, "x")
    _log_axis(ax, "y")
    ax.set_xlabel("deployment volume (queries per day, log scale)")
    ax.set_ylabel("compute (FLOP, log scale)")
    ax.legend(loc="upper left")
    return fig
