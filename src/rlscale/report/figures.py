"""The report's figures, drawn with matplotlib (Agg) from a results dict only.

Every function takes the JSON-ready results of :func:`rlscale.pipeline.analyse` (as read back
from ``results.json``) and returns a matplotlib ``Figure``; nothing here fits or converts. One
style for all: the Okabe-Ito colour-blind-safe palette, and markers and line styles that vary
with the colour so the figures stay readable in grayscale.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit: figures are only ever written to files

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from rlscale.runformat import parse_inference_curve  # noqa: E402
from matplotlib.ticker import (  # noqa: E402
    FuncFormatter,
    LogLocator,
    NullFormatter,
    NullLocator,
    PercentFormatter,
)

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
#: deficiency. Its yellow is left out (too faint on white); black comes last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1)), (0, (1, 2)))
#: Most curves drawn in one panel; the rest stay in the tables and results.json.
MAX_CURVES_PER_PANEL = 8
#: Most RL/inference pairs drawn in the slope-ratio chart (the rest stay in the table).
MAX_RATIO_ROWS = 24
#: Above this many points in a panel the scatter is rasterized inside the SVG (keeps the file
#: small and quick to draw) and drawn without error bars.
RASTERIZE_ABOVE = 1500
#: Where the essay's exchange pairs are labelled (axes fraction): clear of the lines and legend.
EXCHANGE_LABEL_AT = ((0.06, 0.40), (0.60, 0.14))

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.which": "major",
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "svg.fonttype": "path",  # text as outlines: identical rendering on every machine
    "savefig.dpi": 150,
}

AXIS_TITLES = {"rl": "RL-scaling", "inference": "Inference-scaling", "pretrain": "Pre-training"}
AXIS_COMPUTE = {"rl": "RL-training compute", "inference": "inference compute",
                "pretrain": "pre-training compute"}


def _style(i: int) -> dict[str, Any]:
    return {"color": PALETTE[i % len(PALETTE)], "marker": MARKERS[i % len(MARKERS)],
            "linestyle": LINESTYLES[i % len(LINESTYLES)]}


def _new_figure(width: float, height: float, ncols: int = 1, **kw) -> tuple[Figure, Any]:
    with plt.rc_context(STYLE):
        fig = Figure(figsize=(width, height), layout="constrained")
        fig.get_layout_engine().set(w_pad=0.08, h_pad=0.06)  # inches: keep edge labels whole
        axes = fig.subplots(1, ncols, **kw)
    return fig, axes


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(x: float, _pos: Any = None) -> str:
    """Tick label 10⁵ in Unicode superscripts (mathtext is slow to lay out and to render)."""
    if x <= 0:
        return ""
    return "10" + str(int(round(math.log10(x)))).translate(_SUPERSCRIPT)


def _multiplier(x: float, _pos: Any = None) -> str:
    """Tick label for a multiplier: 1x, 10x, 1,000x, 10⁵x."""
    if x <= 0:
        return ""
    if x >= 1e5 or x < 1e-2:
        return _power_of_ten(x) + "x"
    return f"{x:,.0f}x" if x >= 1 else f"{x:g}x"


def _log_axis(ax, which: str = "x", formatter=None, minor: bool = False) -> None:
    """A log10 axis with a tick per decade; minor ticks (at 2x and 5x) only when asked, since
    every tick is a costly artist and decades are what the reader compares."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis.set_major_locator(LogLocator(base=10, numticks=12))
    axis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0), numticks=12) if minor
                           else NullLocator())
    axis.set_minor_formatter(NullFormatter())
    axis.set_major_formatter(FuncFormatter(formatter or _power_of_ten))


def _fmt_est(est: dict, scale: float = 1.0, digits: int = 1) -> str:
    v = est.get("value")
    if v is None:
        return "n/a"
    text = f"{v * scale:.{digits}f}"
    lo, hi = est.get("ci_low"), est.get("ci_high")
    if lo is not None and hi is not None:
        text += f" [{lo * scale:.{digits}f}, {hi * scale:.{digits}f}]"
    return text


def _short(text: str, width: int = 38) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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

    Lab inference curves (``lab-inf-<strategy>-step<N>``) share a colour and marker per
    strategy, with a dotted line at the first checkpoint drawn and a solid one at the last, so
    "same strategy, before and after RL" reads at a glance. Other curves take the next style.
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
        _log_axis(ax, "x", _multiplier if units <= {"relative", "samples"} else None, minor=True)
        xs = [o["compute"] for c in ids for o in obs_by_curve.get(c, [])]
        spans.append((math.log10(min(xs)), math.log10(max(xs))) if xs else None)
        ax.set_xlabel(_compute_label(axis, units))
        ax.set_title(AXIS_TITLES[axis], loc="left")
        if not ids:
            ax.text(0.5, 0.5, f"no {AXIS_TITLES[axis].lower()} curve in this data",
                    transform=ax.transAxes, ha="center", va="center", color="#666666")
            ax.set_xlim(1, 100)
        else:
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=1,
                      title=f"slope: points per 10x compute [{level:.0%} CI]",
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
        label += f": {_fmt_est(fit['slope_per_decade'], 100)}"
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
    ax.set_xlabel("slope ratio (RL points per 10x ÷ inference points per 10x; "
                  f"bars: {level:.0%} interval)")
    ax.grid(axis="y", visible=False)
    if shown > len(cmps):
        ax.set_title(f"first {len(cmps)} of {shown} pairs (all are in the table)", loc="left",
                     fontsize=9, fontweight="normal")
    if not cmps:
        ax.text(0.5, 0.5, "no RL/inference pair could be compared", transform=ax.transAxes,
                ha="center", va="center", color="#666666")
    return fig


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
    _log_axis(ax, "x", _multiplier)
    _log_axis(ax, "y", _multiplier)
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
    _log_axis(ax, "x", _multiplier)
    _log_axis(ax, "y", _multiplier)
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


def figure_specs(results: dict) -> list[dict[str, Any]]:
    """The figures this results dict supports: name, title, caption and the drawing function."""
    specs = []
    inputs = [i["label"] for i in results["inputs"]]
    axes_of = {i: {c["axis"] for c in results["curves"] if c["input"] == i} for i in inputs}
    with_rl = [i for i in inputs if "rl" in axes_of[i]]
    inference_only = [i for i in inputs if axes_of[i] == {"inference"}]
    caption = ("Observed points (95% Wilson error bars where the sample size is known), fitted "
               "curves with bootstrap confidence bands; the legend gives the slope in score points "
               "per 10x compute.")
    for k, label in enumerate(with_rl):
        specs.append({"name": "twin" if k == 0 else f"twin-{k + 1}",
                      "title": f"RL-scaling vs inference-scaling: {label}",
                      "caption": caption + " Both panels span the same number of decades.",
                      "draw": (lambda res, lab=label: twin_chart(res, lab))})
    if inference_only:
        title = ("Inference-scaling in other published results" if with_rl
                 else "Inference-scaling")
        specs.append({"name": "inference", "title": f"{title}: {', '.join(inference_only)}",
                      "caption": caption + " No RL curve in these inputs, so no slope ratio.",
                      "draw": (lambda res, labs=tuple(inference_only):
                               twin_chart(res, list(labs), only_drawn=True))})
    if results["comparisons"]:
        specs.append({"name": "slope-ratios", "title": "Slope ratio for every RL/inference pair",
                      "caption": "RL slope divided by inference slope (both per decade of their own "
                                 "compute). 0.5 is the essay's estimate; 1 would mean RL scales as "
                                 "well as inference.", "draw": slope_ratio_chart})
    if results.get("exchange"):
        specs.append({"name": "exchange", "title": "Exchange rate between compute axes",
                      "caption": "The inference (and, through the stated chain, pre-training) "
                                 "multiplier that an RL scale-up is worth at the headline slope "
                                 "ratio; the band is its interval.", "draw": exchange_chart})
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
