"""The report's thinking-decomposition figure, in the style of the essay's first figure.

Draws only the JSON-ready ``decomposition`` section (:mod:`rlscale.convert.decomposition`, as read
back from ``results.json``): the base model's and the final checkpoint's thinking-budget curves
on one log axis of thinking tokens, each point with its standard error, the typical chain lengths
as dotted lines and the two gains as arrows: "RL at a fixed length" (base to final at the base
model's length) and "longer chains" (along the final curve from the base length to its own).
Artists carry ``gid`` labels (``curve-base``, ``curve-final``, ``arrow-fixed``, ``arrow-longer``).
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from rlscale.report._style import _log_axis, _new_figure, _style


def _arrow(ax, start, end, color: str, label: str, gid: str) -> None:
    note = ax.annotate("", xy=end, xytext=start,
                       arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 2.0,
                                   "shrinkA": 0, "shrinkB": 0})
    note.arrow_patch.set_gid(gid)
    ax.plot([], [], color=color, linewidth=2.0, label=label)      # a legend entry for the arrow


def decomposition_figure(doc: dict[str, Any]) -> Figure:
    """Base and final thinking-budget curves with the two gains drawn as arrows."""
    fig, ax = _new_figure(7.6, 4.8)
    names = {"base": f"base model (step {doc.get('base_step')})",
             "final": f"final checkpoint (step {doc.get('final_step')})"}
    lengths = {k: (doc["typical_length"][k] or {}).get("value") for k in names}
    for i, who in enumerate(("base", "final")):
        pts = doc["curves"][who]
        st = _style(i)
        ax.errorbar([p["budget"] for p in pts], [p["score"] for p in pts],
                    yerr=[p["stderr"] or 0.0 for p in pts], color=st["color"], marker=st["marker"],
                    linestyle=st["linestyle"], capsize=2, linewidth=1.6, gid=f"curve-{who}",
                    label=names[who])
        if lengths[who]:
            ax.axvline(lengths[who], color=st["color"], linestyle=":", linewidth=0.9,
                       label=f"typical length, {who}: {lengths[who]:g} tokens")
    lb, lf = lengths["base"], lengths["final"]
    at = doc.get("scores_at") or {}
    sb, sf_b, sf_f = (at.get("base_at_base_length"), at.get("final_at_base_length"),
                      at.get("final_at_final_length"))
    if None not in (sb, sf_b):
        _arrow(ax, (lb, sb), (lb, sf_b), "#009E73", "RL at a fixed length", "arrow-fixed")
    if None not in (sf_b, sf_f) and lf != lb:
        _arrow(ax, (lb, sf_b), (lf, sf_f), "#D55E00", "using longer chains", "arrow-longer")
    _log_axis(ax, "x")
    ax.set_xlabel("thinking budget (tokens, log scale)")
    ax.set_ylabel("score (pass@1 after thinking)")
    ax.legend(loc="upper left")
    return fig


def figure_spec() -> dict[str, Any]:
    """The report's spec of this figure (:func:`rlscale.report.figures.figure_specs`)."""
    return {"name": "decomposition",
            "title": "Thinking gain: RL at a fixed length vs longer chains",
            "caption": "The base model's and the final checkpoint's thinking-budget curves "
                       "(± one standard error); dotted lines: each model's typical chain length "
                       "(median tokens at the largest budget); arrows: the gain at the base "
                       "model's length and the gain from the final model's longer chains (see "
                       "the Thinking decomposition table).",
            "draw": (lambda res: decomposition_figure(res["decomposition"]))}
