"""The report's figures, drawn with matplotlib (Agg) from a results dict only.

Every function takes the JSON-ready results of :func:`rlscale.analysis.analyse` (as read back
from ``results.json``) and returns a matplotlib ``Figure``; nothing here fits or converts. One
style for all: the Okabe-Ito colour-blind-safe palette, and markers and line styles that vary
with the colour so the figures stay readable in grayscale.
"""


from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from rlscale.fmt import estimate, multiplier_tick
from rlscale.report._style import (  # noqa: F401 - STYLE is read by the writer
    AXIS_COMPUTE, AXIS_TITLES, MAX_CURVES_PER_PANEL, MAX_RATIO_ROWS, PALETTE, RASTERIZE_ABOVE,
    STYLE, _any_ci, _log_axis, _new_figure, _short, _style)
from rlscale.report.decomposition_figure import figure_spec as decomposition_spec
from rlscale.report.econ_figures import breakeven_chart, economics_chart, exchange_chart
from rlscale.runformat import parse_inference_curve


# --------------------------------------------------------------------------- twin chart

def twin_curves(results: dict, input_label: str | list[str] | None = None) -> dict[str, list[str]]:
    """Curves drawn in each panel of the twin chart for one input (all inputs if ``None``).

    When some curves of a panel are in compared pairs, only those are drawn (headline pair
    first); otherwise every curve, up to :data:`MAX_CURVES_PER_PANEL` per panel.
    """
    labels = [input_label] if isinstance(input_label, str) else input_label
    curves = [c for c in results["curves"] if labels is None or c["input"] in labels]
    paired = []
    for cmp in results["comparisons"]:
        paired += [cmp["rl"], cmp["inference"]]
    head = results["headline"]
    order = [x for x in (head.get("rl"), head.get("inference")) if x] + paired
    rank = {c: i for i, c in reversed(list(enumerate(order)))}
    out = {}
    for axis in ("rl", "inference"):
        ids = [c["curve"] for c in curves if c["axis"] == axis]
        if any(c in rank for c in ids):  # the pairs say which curves matter (e.g. a lab run)
            ids = [c for c in ids if c in rank]
        ids.sort(key=lambda c: rank.get(c, len(order)))
        out[axis] = ids[:MAX_CURVES_PER_PANEL]
    return out




def curve_styles(curves: list[str]) -> dict[str, dict[str, Any]]:
    """Colour, marker and line style per curve, in order.

    Lab inference curves (ids from :func:`rlscale.runformat.inference_curve`) share a colour
    and marker per strategy, with a dotted line at the first checkpoint drawn and a solid one
    at the last, so "same strategy, before and after RL" reads at a glance. Other curves take the next style.
    """
    out: dict[str, dict[str, Any]] = {}
    strategies: dict[str, int] = {}
    steps: dict[str, list[int]] = {}
    for c in curves:
        m = parse_inference_curve(c)
        if m:
            steps.setdefault(m.strategy, []).append(m.step)
    k = 0
    for c in curves:
        m = parse_inference_curve(c)
        if not m:
            out[c] = _style(k)
            k += 1
            continue
        if m.strategy not in strategies:
            strategies[m.strategy] = k
            k += 1
        st = _style(strategies[m.strategy])
        if m.step == min(steps[m.strategy]) and len(set(steps[m.strategy])) > 1:
            st["linestyle"] = ":"
        elif m.step == max(steps[m.strategy]):
            st["linestyle"] = "-"
        out[c] = st
    return out


def _compute_label(axis: str, units: set[str]) -> str:
    unit = " / ".join(sorted(units)) or "relative"
    unit = {"flop": "FLOP", "relative": "relative units", "gpu_hours": "GPU-hours"}.get(unit, unit)
    return f"{AXIS_COMPUTE[axis]} ({unit}, log scale)"


def twin_chart(results: dict, input_label: str | None = None, *,
               only_drawn: bool = False) -> Figure:
    """RL-scaling (left) and inference-scaling (right): shared score axis, log compute axes.

    Points carry 95 % Wilson error bars where the sample size ``n`` is known; fitted curves
    carry their bootstrap confidence band; legend entries give the slope per decade. Both
    panels span the same number of decades, so the slopes can be compared by eye.
    ``input_label`` may be a list of inputs; ``only_drawn`` leaves out an empty panel.
    """
    panels = twin_curves(results, input_label)
    obs_by_curve: dict[str, list[dict]] = {}
    for o in results["observations"]:
        obs_by_curve.setdefault(o["curve"], []).append(o)
    fits = {f["curve"]: f for f in results["fits"]}
    info = {c["curve"]: c for c in results["curves"]}
    level = results["settings"]["level"]

    axes_drawn = [a for a in ("rl", "inference") if panels[a]] if only_drawn else ["rl", "inference"]
    axes_drawn = axes_drawn or ["rl", "inference"]
    n_legend = max([len(panels[a]) for a in axes_drawn] + [1])
    fig, axes = _new_figure(10.0 if len(axes_drawn) == 2 else 6.4, 4.4 + 0.3 * n_legend,
                            ncols=len(axes_drawn), sharey=True, squeeze=False)
    axes = axes[0]
    styles = curve_styles([c for a in axes_drawn for c in panels[a]])
    spans = []
    for ax, axis in zip(axes, axes_drawn):
        ids = panels[axis]
        units = {info[c]["compute_unit"] for c in ids}
        many = sum(len(obs_by_curve.get(c, [])) for c in ids) > RASTERIZE_ABOVE
        for curve in ids:
            _draw_curve(ax, curve, obs_by_curve.get(curve, []), fits.get(curve), styles[curve],
                        many)
        _log_axis(ax, "x", multiplier_tick if units <= {"relative", "samples"} else None, minor=True)
        xs = [o["compute"] for c in ids for o in obs_by_curve.get(c, [])]
        spans.append((math.log10(min(xs)), math.log10(max(xs))) if xs else None)
        ax.set_xlabel(_compute_label(axis, units))
        ax.set_title(AXIS_TITLES[axis], loc="left")
        if not ids:
            ax.text(0.5, 0.5, f"no {AXIS_TITLES[axis].lower()} curve in this data",
                    transform=ax.transAxes, ha="center", va="center", color="#666666")
            ax.set_xlim(1, 100)
        else:
            ci = _any_ci(fits[c]["slope_per_decade"] for c in ids if c in fits)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=1,
                      title="slope: points per 10x compute" + (f" [{level:.0%} CI]" if ci else ""),
                      title_fontsize=8.5, alignment="left")
    # Same number of decades per panel width, so the steepness of the two lines compares honestly.
    width = max([hi - lo for lo, hi in filter(None, spans)] + [1.0]) + 0.3
    for ax, span in zip(axes, spans):
        if span is not None:
            mid = (span[0] + span[1]) / 2
            ax.set_xlim(10 ** (mid - width / 2), 10 ** (mid + width / 2))
    axes[0].set_ylabel("score (% of benchmark solved)")
    axes[0].yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    lo = min((o["score"] for c in panels["rl"] + panels["inference"]
              for o in obs_by_curve.get(c, [])), default=0.0)
    hi = max((o["score"] for c in panels["rl"] + panels["inference"]
              for o in obs_by_curve.get(c, [])), default=1.0)
    axes[0].set_ylim(max(0.0, lo - 0.1), min(1.0, hi + 0.1) if hi < 0.95 else 1.02)
    return fig


def _draw_curve(ax, curve: str, obs: list[dict], fit: dict | None, st: dict,
                many: bool = False) -> None:
    """Points (+ Wilson error bars), fitted line and band of one curve. ``many``: the panel
    holds so many points that they are drawn small, rasterized, and without error bars."""
    x = np.array([o["compute"] for o in obs], dtype=float)
    y = np.array([o["score"] for o in obs], dtype=float)
    lo = np.array([np.nan if o["err_low"] is None else o["err_low"] for o in obs], dtype=float)
    hi = np.array([np.nan if o["err_high"] is None else o["err_high"] for o in obs], dtype=float)
    label = _short(curve, 30)
    if fit is not None:
        label += f": {estimate(fit['slope_per_decade'], 100, digits=1)}"
    if fit is not None and len(fit["grid"]["compute"]) > 1:
        g = fit["grid"]
        gx = np.array(g["compute"], dtype=float)
        band_lo = np.array([np.nan if v is None else v for v in g["low"]], dtype=float)
        band_hi = np.array([np.nan if v is None else v for v in g["high"]], dtype=float)
        if np.isfinite(band_lo).any():
            ax.fill_between(gx, band_lo, band_hi, color=st["color"], alpha=0.16, linewidth=0)
        ax.plot(gx, np.array(g["score"], dtype=float), color=st["color"],
                linestyle=st["linestyle"], linewidth=2.4 if many else 2.0, label=label,
                zorder=4 if many else 2)  # over a cloud of points, the fit must stay visible
        label = None
    has_err = np.isfinite(lo) & np.isfinite(hi)
    if has_err.any() and not many:
        yerr = np.vstack([np.clip(y - lo, 0, None), np.clip(hi - y, 0, None)])[:, has_err]
        ax.errorbar(x[has_err], y[has_err], yerr=yerr, fmt="none", ecolor=st["color"],
                    elinewidth=0.9, capsize=2.5, alpha=0.8)
    ax.scatter(x, y, marker=st["marker"], s=12 if many else 34, color=st["color"],
               edgecolors="white", linewidths=0.6, zorder=3, label=label,
               alpha=0.3 if many else 1.0, rasterized=many)


# --------------------------------------------------------------------------- slope ratios

def slope_ratio_chart(results: dict) -> Figure:
    """Every RL/inference slope ratio with its interval, against the essay's 0.5 and parity."""
    head = results["headline"].get("index")
    first = [results["comparisons"][head]] if head is not None else []
    cmps = first + [c for k, c in enumerate(results["comparisons"])
                    if k != head and c["slope_ratio"]["value"] is not None]
    shown = len(cmps)
    cmps = cmps[:MAX_RATIO_ROWS]
    level = results["settings"]["level"]
    fig, ax = _new_figure(8.0, 1.6 + 0.42 * max(len(cmps), 1))
    labels = []
    for k, c in enumerate(cmps):
        r = c["slope_ratio"]
        y = len(cmps) - 1 - k
        is_head = results["comparisons"].index(c) == head
        color = PALETTE[0] if is_head else "#555555"
        if r["ci_low"] is not None and r["ci_high"] is not None:
            ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=color, linewidth=2.2,
                    solid_capstyle="butt")
        ax.plot(r["value"], y, marker="D" if is_head else "o", color=color, markersize=7,
                linestyle="none")
        labels.append(f"{_short(c['rl'], 24)}  vs  {_short(c['inference'], 24)}")
    ax.set_yticks(range(len(cmps)), labels[::-1])
    ax.axvline(0.5, color="black", linestyle="--", linewidth=1)
    ax.axvline(1.0, color="black", linestyle=":", linewidth=1)
    ymax = max(len(cmps) - 0.5, 0.5)
    ax.set_ylim(-0.7, ymax + 0.45)
    ax.text(0.5, ymax + 0.2, " essay: 0.5", fontsize=8, va="center", ha="left")
    ax.text(1.0, ymax + 0.2, " parity: 1", fontsize=8, va="center", ha="left")
    xs = [v for c in cmps for v in (c["slope_ratio"]["value"], c["slope_ratio"]["ci_low"],
                                      c["slope_ratio"]["ci_high"]) if v is not None]
    ax.set_xlim(min(xs + [0.0]) - 0.05, max(xs + [1.2]) + 0.1)
    bars = f"; bars: {level:.0%} interval" if _any_ci(c["slope_ratio"] for c in cmps) else ""
    ax.set_xlabel(f"slope ratio (RL points per 10x ÷ inference points per 10x{bars})")
    ax.grid(axis="y", visible=False)
    if shown > len(cmps):
        ax.set_title(f"first {len(cmps)} of {shown} pairs (all are in the table)", loc="left",
                     fontsize=9, fontweight="normal")
    if not cmps:
        ax.text(0.5, 0.5, "no RL/inference pair could be compared", transform=ax.transAxes,
                ha="center", va="center", color="#666666")
    return fig


def _twin_caption(results: dict, labels) -> str:
    """Says what the chart of inputs *labels* draws: error bars and bands only where they
    exist, and the sampling of points when results.json holds a sample of the rows."""
    mine = {c["curve"] for c in results["curves"] if c["input"] in labels}
    errs = any(o.get("err_low") is not None for o in results["observations"]
               if o["curve"] in mine)
    bands = any(v is not None for f in results["fits"] if f["curve"] in mine
                for v in f.get("grid", {}).get("low", []))
    text = ("Observed points" + (" (95% Wilson error bars where the sample size is known)"
                                 if errs else " (no error bars: no sample sizes)")
            + (", fitted curves with bootstrap confidence bands" if bands
               else ", fitted curves (no confidence band: no bootstrap interval)")
            + "; the legend gives the slope in score points per 10x compute.")
    total, shown = results.get("observations_total", 0), len(results["observations"])
    if total > shown:
        text += (f" Points drawn: an evenly spaced sample of {shown:,} of the {total:,} "
                 "observations (every observation was fitted).")
    return text


def figure_specs(results: dict) -> list[dict[str, Any]]:
    """The figures this results dict supports: name, title, caption and the drawing function."""
    specs = []
    inputs = [i["label"] for i in results["inputs"]]
    axes_of = {i: {c["axis"] for c in results["curves"] if c["input"] == i} for i in inputs}
    with_rl = [i for i in inputs if "rl" in axes_of[i]]
    inference_only = [i for i in inputs if axes_of[i] == {"inference"}]
    for k, label in enumerate(with_rl):
        specs.append({"name": "twin" if k == 0 else f"twin-{k + 1}",
                      "title": f"RL-scaling vs inference-scaling: {label}",
                      "caption": _twin_caption(results, [label])
                                 + " Both panels span the same number of decades.",
                      "draw": (lambda res, lab=label: twin_chart(res, lab))})
    if inference_only:
        title = ("Inference-scaling in other published results" if with_rl
                 else "Inference-scaling")
        specs.append({"name": "inference", "title": f"{title}: {', '.join(inference_only)}",
                      "caption": _twin_caption(results, inference_only)
                                 + " No RL curve in these inputs, so no slope ratio.",
                      "draw": (lambda res, labs=tuple(inference_only):
                               twin_chart(res, list(labs), only_drawn=True))})
    if results["comparisons"]:
        specs.append({"name": "slope-ratios", "title": "Slope ratio for every RL/inference pair",
                      "caption": "RL slope divided by inference slope (both per decade of their own "
                                 "compute). 0.5 is the essay's estimate; 1 would mean RL scales as "
                                 "well as inference.", "draw": slope_ratio_chart})
    if (results.get("forecast") or {}).get("curves"):
        from rlscale.report.forecast_figure import forecast_figure

        fc = results["forecast"]
        specs.append({"name": "forecast", "title": "Forecast: the headline curves beyond their data",
                      "caption": f"Each curve of the headline pair extended "
                                 f"{fc['extend_decades']:g} decade(s) beyond its data with its "
                                 f"{fc['level']:.0%} prediction band (form {fc['form']}): solid "
                                 "over a light band inside the fitted range, dashed over a "
                                 "hatched band beyond it (an extrapolation); dotted lines mark "
                                 "where the data end.",
                      "draw": (lambda res: forecast_figure(res["forecast"]))})
    specs += [decomposition_spec()] if results.get("decomposition") else []
    if results.get("exchange"):
        specs.append({"name": "exchange", "title": "Exchange rate between compute axes",
                      "caption": "The inference (and, through the stated chain, pre-training) "
                                 "multiplier that an RL scale-up is worth at the headline slope "
                                 "ratio" + ("; the band is its interval."
                                            if _any_ci([results["exchange"]["slope_ratio"]])
                                            else " (no interval: the ratio has none)."),
                      "draw": exchange_chart})
    if results.get("economics"):
        specs.append({"name": "economics", "title": "What RL scale-ups cost in total training",
                      "caption": "Total training compute (pre-training + RL) relative to today, as "
                                 "RL is scaled up from 1%, 10% or 100% of pre-training compute.",
                      "draw": economics_chart})
    if results.get("economics") and results["economics"].get("breakeven"):
        specs.append({"name": "breakeven", "title": "Train or think longer?",
                      "caption": "Below the break-even volume, buying the capability gain with "
                                 "more inference is cheaper; above it, the one-off RL scale-up is. "
                                 "Assumptions (with citations) are listed under Economics.",
                      "draw": breakeven_chart})
    return specs
