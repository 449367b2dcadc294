"""The report figures' shared style: palette, markers, rcParams, log axes (tick labels from
:mod:`rlscale.fmt`), and literal (inert) text for data strings. Imported by :mod:`rlscale.report.figures` and
:mod:`rlscale.report.econ_figures`."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit: figures are only ever written to files

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator  # noqa: E402

from rlscale.fmt import power_of_ten  # noqa: E402

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

#: Smallest text drawn in any figure (points, at the figure's drawn size: 8 pt = 10.7 CSS px).
#: The page never shows a figure below 86% of that size, so figure text stays >= 9 CSS px.
MIN_FONT_PT = 8.0

STYLE = {
    "text.parse_math": False,  # data strings ($, \\frac) are drawn literally, never as mathtext
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


def _log_axis(ax, which: str = "x", formatter=None, minor: bool = False) -> None:
    """A log10 axis with a tick per decade; minor ticks (at 2x and 5x) only when asked, since
    every tick is a costly artist and decades are what the reader compares."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis.set_major_locator(LogLocator(base=10, numticks=12))
    axis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0), numticks=12) if minor
                           else NullLocator())
    axis.set_minor_formatter(NullFormatter())
    axis.set_major_formatter(FuncFormatter(formatter or power_of_ten))


def _literal(text: Any) -> str:
    """A data string safe to draw: control characters shown as ``\\xNN`` (a NUL would make
    the SVG invalid XML)."""
    return "".join(ch if ch.isprintable() or ch == " " else f"\\x{ord(ch):02x}"
                   for ch in str(text))


def _short(text: str, width: int = 38) -> str:
    text = _literal(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _any_ci(ests) -> bool:
    return any(e.get("ci_low") is not None and e.get("ci_high") is not None for e in ests)
