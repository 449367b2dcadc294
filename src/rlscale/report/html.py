"""Render the self-contained HTML page and the Markdown summary from a results dict.

Jinja2 runs with autoescape on, so every string from the data (curve ids, sources, notes) is
shown as text. Data handed to the page's JavaScript goes in a ``<script type="application/json">``
block with ``<``, ``>`` and ``&`` written as ``\\u003c`` etc., so no string can close that block.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from rlscale.fmt import compact as num  # the report's names for rlscale.fmt's formatters
from rlscale.fmt import compact_multiplier as mult
from rlscale.fmt import estimate as est
from rlscale.fmt import percent as pct

TEMPLATES = Path(__file__).with_name("templates")
#: Observation rows shown in the HTML table (results.json holds up to
#: rlscale.analysis.MAX_OBSERVATION_RECORDS of them).
MAX_OBSERVATION_ROWS = 300


# --------------------------------------------------------------------------- number formats

def has_ci(d: Any) -> bool:
    return isinstance(d, dict) and d.get("ci_low") is not None and d.get("ci_high") is not None


def pairs_note(results: dict) -> str:
    """How many RL/inference pairs the report compares, and how many are independent."""
    head = results["headline"]
    n = head.get("pairs", len(results["comparisons"]))
    k = head.get("independent_pairs", n)
    text = (f"{n} RL/inference pair{'s' if n != 1 else ''} compared (each RL curve with each "
            f"inference curve of the same input), {k} of them independent")
    if k < n:
        text += (" (a pair that includes a curve whose every point is derived from other "
                 "numbers is not counted as independent evidence)")
    if results.get("across_sources"):
        text += ("; the pairs the catalog supports within one model family and benchmark are "
                 "under \"The pattern across sources\"")
    return text + "."


def sample_note(results: dict) -> str:
    """Says that results.json (and the figures) hold a sample of the observation rows."""
    return (f"results.json holds an evenly spaced sample of {len(results['observations']):,} of "
            f"the {results['observations_total']:,} observation rows (each curve's first and "
            "last point kept); every row was fitted, and the figures draw this sample.")


def _cell(v: Any) -> str:
    if isinstance(v, dict) and "value" in v:
        return est(v, 1.0, 3)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return num(v)
    if isinstance(v, (list, tuple)):
        return "; ".join(_cell(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_cell(x)}" for k, x in v.items())
    return "" if v is None else str(v)


def generic_table(rows: Any) -> Markup:
    """A list of dicts (claims ledger, break-even table) as an escaped HTML table."""
    if isinstance(rows, dict):
        rows = rows.get("rows", [rows])
    rows = [r for r in rows if isinstance(r, dict)]
    if not rows:
        return Markup("")
    cols = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(r.get(c)))}</td>" for c in cols) + "</tr>"
                   for r in rows)
    return Markup(f'<div class="tablewrap"><table><thead><tr>{head}</tr></thead>'
                  f"<tbody>{body}</tbody></table></div>")


def script_json(doc: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left."""
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


# --------------------------------------------------------------------------- pages

def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=False)
    env.filters.update(num=num, mult=mult, pct=pct, est=est)
    env.globals.update(generic_table=generic_table, has_ci=has_ci)
    return env


def render_html(results: dict, figures: list[dict]) -> str:
    """The report page: headline, figures (inline base64 SVG), tables, calculator, caveats.

    Parameters
    ----------
    results : dict
        Results of :func:`rlscale.analysis.analyse` (as in ``results.json``).
    figures : list of dict
        ``name, title, caption, svg_base64, width, height`` for each figure, in order.
    """
    env = _environment()
    head = None
    head_fits = {}
    fits = {f["curve"]: f for f in results["fits"]}
    if results["headline"].get("index") is not None:
        head = results["headline"]
        head_fits = {"rl": fits[head["rl"]], "inference": fits[head["inference"]]}
    ex = results.get("exchange")
    ex_10 = next((row["inference_factor"] for row in ex["rl_rows"] if row["rl_factor"] == 10),
                 None) if ex else None
    # the calculator starts from the headline ratio only where the headline states one
    ratio = (results["headline"]["slope_ratio"]["value"]
             if results["headline"].get("stated", True) else None)
    pretrain_w = ex["pretrain_inference_oom"] if ex else 1.5
    obs_rows = results["observations"][:MAX_OBSERVATION_ROWS]
    level = results["settings"]["level"]
    econ = results.get("economics") or {}
    fractions = [c["rl_fraction"] for c in econ.get("curves", [])]
    by_scale: dict[float, dict[float, Any]] = {}
    for row in econ.get("table", []):
        by_scale.setdefault(row["scale_up"], {})[row["rl_fraction"]] = row["total_multiplier"]
    econ_rows = [(s, [by_scale[s].get(f) for f in fractions]) for s in by_scale]
    be = econ.get("breakeven") or {}
    be_values = {a["name"]: a["value"] for a in be.get("assumptions", [])}
    cmps = results["comparisons"]
    template = env.get_template("report.html.j2")
    return template.render(
        ci_ratio=any(has_ci(c["slope_ratio"]) for c in cmps),
        ci_fieller=any(has_ci(c["slope_ratio_fieller"]) for c in cmps),
        ci_fits=any(has_ci(f["slope_per_decade"]) for f in results["fits"]),
        ci_params=any(has_ci(v) for f in results["fits"] for v in f["params"].values()),
        ci_obs=any(o.get("err_low") is not None for o in results["observations"]),
        pairs_text=pairs_note(results),
        sample_text=(sample_note(results) if results.get("observations_total", 0)
                     > len(results["observations"]) else ""),
        econ_fractions=fractions, econ_rows=econ_rows, be_values=be_values,
        r=results, head=head, head_fits=head_fits, ex_10=ex_10, figures=figures,
        level_pct=f"{level:.0%}", obs_rows=obs_rows,
        obs_hidden=len(results["observations"]) > len(obs_rows),
        obs_total=results.get("observations_total", len(results["observations"])),
        inputs_text=", ".join(i["label"] for i in results["inputs"]),
        calc_ratio=f"{ratio:.3g}" if ratio else "0.5", pretrain_w=pretrain_w,
        css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        js=Markup((TEMPLATES / "calculator.js").read_text(encoding="utf-8")),
        data_json=script_json({"slope_ratio": ratio, "pretrain_inference_oom": pretrain_w,
                               "headline": results["headline"]}),
    )
