"""The report's forecast panel: each curve extended beyond its data with its prediction band.

Draws only the JSON-ready section of :func:`rlscale.forecasting.section.forecast_section` (as
read back from ``results.json``); nothing here fits. Inside the fitted range the forecast is a
solid line over a light band; beyond the data it is a dashed line over a hatched band, with a
dotted vertical line where the data end. Artists carry ``gid`` labels (``fitted-<curve>``,
``extrapolated-<curve>``, ``band-fitted-<curve>``, ``band-extrapolated-<curve>``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from rlscale.report._style import MAX_CURVES_PER_PANEL, PALETTE, STYLE, _literal, _log_axis


def _draw_curve(ax, entry: dict[str, Any], color: str) -> None:
    g = entry["grid"]
    c = np.asarray(g["compute"], float)
    nan = lambda v: np.asarray([math.nan if x is None else x for x in v], float)  # noqa: E731
    value, low, high = nan(g["value"]), nan(g["low"]), nan(g["high"])
    cut = entry["fit_max_compute"]
    inside, beyond = c <= cut * (1 + 1e-9), c >= cut * (1 - 1e-9)
    cid = entry["curve"]
    ax.fill_between(c[inside], low[inside], high[inside], color=color, alpha=0.18, lw=0,
                    gid=f"band-fitted-{cid}")
    ax.fill_between(c[beyond], low[beyond], high[beyond], facecolor="none", edgecolor=color,
                    hatch="///", alpha=0.6, lw=0, gid=f"band-extrapolated-{cid}")
    ax.plot(c[inside], value[inside], color=color, lw=1.8, ls="-", gid=f"fitted-{cid}",
            label=f"{_literal(cid)} (fitted range)")
    ax.plot(c[beyond], value[beyond], color=color, lw=1.8, ls="--", gid=f"extrapolated-{cid}",
            label=f"{_literal(cid)} (forecast)")
    obs = entry["observed"]
    ax.scatter(obs["compute"], obs["score"], color=color, s=14, zorder=3,
               gid=f"observed-{cid}")
    ax.axvline(cut, color=color, ls=":", lw=0.9, gid=f"data-end-{cid}")


def forecast_figure(section: dict[str, Any]) -> Figure:
    """One panel per axis (RL, inference, ...) with every curve's forecast and band.

    Parameters
    ----------
    section : dict
        The output of :func:`rlscale.forecasting.section.forecast_section`.
    """
    import matplotlib

    entries = section.get("curves", [])
    axes_names = list(dict.fromkeys(e.get("axis") or "?" for e in entries)) or ["?"]
    level = int(round(100 * section.get("level", 0.9)))
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(5.2 * len(axes_names), 4.0), layout="constrained")
        axs = np.atleast_1d(fig.subplots(1, len(axes_names), squeeze=False)[0])
        for ax, name in zip(axs, axes_names):
            mine = [e for e in entries if (e.get("axis") or "?") == name]
            for i, e in enumerate(mine[:MAX_CURVES_PER_PANEL]):
                _draw_curve(ax, e, PALETTE[i % len(PALETTE)])
            unit = mine[0]["compute_unit"] if mine else ""
            ax.set_xscale("log")
            _log_axis(ax, "x")  # the report's own tick labels (its figures draw no mathtext)
            ax.set_xlabel(f"{name} compute ({unit})")
            ax.set_ylabel("score")
            ax.set_title(f"Forecast: {name} ({level}% prediction band)")
            lo, hi = ax.get_ylim()  # a score lives in [0, 1]: a line form's forecast past 1 is
            ax.set_ylim(max(lo, -0.02), min(hi, 1.02))  # cut at the ceiling, not drawn above it
            if mine:
                ax.legend(loc="best")
        return fig
