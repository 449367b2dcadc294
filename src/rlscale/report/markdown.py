"""``report.md``: the report's findings in Markdown, for a README, an issue or a memo."""

from __future__ import annotations

from typing import Any

from rlscale.report.html import est, has_ci, mult, num, pairs_note, pct, sample_note


#: Characters that start Markdown inline syntax (links, images, emphasis, code, HTML, tables,
#: headings, strike-through): a backslash makes each a literal character (CommonMark 2.4).
_MD_SPECIAL = set("\\`*_{}[]()#+!|~")
_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _md(text: Any) -> str:
    """A data string as inert Markdown text: Markdown specials backslash-escaped, ``<``, ``>``,
    ``&`` as HTML entities, newlines as spaces and control characters as ``\\xNN``, so a curve id
    ``![t](https://evil.example/p.png)`` shows as those characters, never as an image."""
    out = []
    for ch in "" if text is None else str(text):
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch in "\r\n\t":
            out.append(" ")
        elif not ch.isprintable():
            out.append(f"\\\\x{ord(ch):02x}")
        else:
            out.append(ch)
    text = "".join(out)
    return "\\" + text if text[:1] in ("-", "=") else text  # no list item or heading underline


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return out + [""]


def render_markdown(results: dict, figures: list[dict]) -> str:
    """Headline, figures (as links to the PNGs), comparisons, fits, exchange, claims, caveats."""
    level = f"{results['settings']['level']:.0%}"
    lines = ["# How well does RL scale compared with inference?", "",
             _md(results["headline"]["sentence"]), ""]
    for f in figures:
        lines += [f"![{_md(f['title'])}]({f['name']}.png)", "", f"*{_md(f['caption'])}*", ""]
    lines += _across(results.get("across_sources")) + _backtests(results.get("forecast"))
    lines += ["## Slope ratios", ""]
    cmps = results["comparisons"]
    ci = f" [{level}]" if any(has_ci(c["slope_ratio"]) for c in cmps) else ""
    fieller = any(has_ci(c["slope_ratio_fieller"]) for c in cmps)
    lines += _table(["RL curve", "inference curve", f"slope ratio{ci}"]
                    + ([f"Fieller [{level}]"] if fieller else []),
                    [[c["rl"], c["inference"], est(c["slope_ratio"])]
                     + ([est(c["slope_ratio_fieller"])] if fieller else []) for c in cmps])
    lines += [_md(pairs_note(results)), ""]
    lines += ["## Fits", ""]
    fci = f" [{level}]" if any(has_ci(f["slope_per_decade"]) for f in results["fits"]) else ""
    lines += _table(["curve", "axis", "points", "compute range", f"slope per 10x{fci}"],
                    [[f["curve"], f["axis"], f["n_points"],
                      f"{num(f['compute_min'])} – {num(f['compute_max'])} {f['compute_unit']}",
                      est(f["slope_per_decade"], 100, 1)] for f in results["fits"]])
    lines += _three_way_lines(results.get("three_way"))
    lines += _decomposition_lines(results.get("decomposition"))
    ex = results.get("exchange")
    if ex:
        lines += ["## Exchange rates", "",
                  f"At slope ratio {est(ex['slope_ratio'])}; pre-training via "
                  f"{ex['pretrain_inference_oom']} inference OOM per pre-training OOM "
                  f"({_md(ex['pretrain_citation'])}).", ""]
        lines += _table(["RL scale-up", "inference equivalent", "pre-training equivalent"],
                        [[mult(r["rl_factor"]), mult(r["inference_factor"]),
                          mult(r["pretrain_factor"])] for r in ex["rl_rows"]])
    lines += _economics_lines(results)
    lines += ["## Data", ""]
    if results.get("observations_total", 0) > len(results["observations"]):
        lines += [_md(sample_note(results)), ""]
    lines += _table(["curve", "axis", "points", "benchmark", "model", "source", "provenance"],
                    [[c["curve"], c["axis"], c["n_points"], c["benchmark"], c["model"],
                      c["source"], c["provenance"]] for c in results["curves"]])
    lines += ["## Methods and caveats", ""]
    lines += [f"- {_md(c)}" for c in results["caveats"]] + [""]
    if results["warnings"]:
        lines += ["Warnings:", ""] + [f"- {_md(w)}" for w in results["warnings"]] + [""]
    s = results["settings"]
    lines += [f"*rlscale {results['rlscale_version']}, form `{s['form']}`, {s['bootstrap']} "
              f"bootstrap resamples, seed {s['seed']}, {results['created']}. Every number is in "
              "`results.json`.*", ""]
    return "\n".join(lines)


def _economics_lines(results: dict) -> list[str]:
    """The economics (multipliers, break-even) and claims-ledger sections."""
    lines: list[str] = []
    econ = results.get("economics")
    if econ:
        lines += ["## Economics", ""]
        lines += _table(["RL fraction of pre-training", "RL scale-up", "total training multiplier"],
                        [[pct(r["rl_fraction"]), mult(r["scale_up"]), mult(r["total_multiplier"])]
                         for r in econ["table"]])
        be = econ.get("breakeven")
        if be:
            lines += [f"Train or think longer: at slope ratio {num(be['slope_ratio'])} "
                      f"({_md(be.get('slope_ratio_source', ''))}, the ratio the claims use), the RL "
                      f"scale-up costs a one-off {num(be['rl_flops_one_off'])} FLOP and buys the "
                      f"gain of {mult(be['inference_multiplier'])} inference "
                      f"({num(be['extra_flops_per_query'])} extra FLOP per query); it pays for "
                      f"itself after {num(be['breakeven_queries'])} queries "
                      f"({num(be['breakeven_queries_per_day'])} per day over the horizon). "
                      "Assumptions: " + "; ".join(f"{_md(a['name'])} = {num(a['value'])} "
                                                  f"{_md(a['unit'])}"
                                                  for a in be["assumptions"]) + ".", ""]
    claims = results.get("claims")
    if claims:
        lines += ["## Claims ledger", ""]
        ev = results.get("evidence")
        if ev:
            lines += [f"From this report's slope evidence: working slope ratio "
                      f"{num(ev['working_ratio'])} ({_md(ev['working_source'])}).", ""]
        lines += _table(["#", "claim", "essay", "recomputed", "verdict"],
                        [[c.get("number"), c.get("quote"), c.get("essay_text"),
                          f"{num(c.get('computed_value'))} {c.get('unit', '')}".strip(),
                          c.get("verdict")] for c in claims])
    return lines


def _across(section: dict | None) -> list[str]:
    """The pattern across sources: the catalog's declared pairs and their pooled ratio."""
    if not section:
        return []
    rows = [[p["label"], p["group"], est(p["slope_ratio"]) if p["slope_ratio"] else "—",
             "yes" if p["pooled"] else (p["left_out"] or "no")] for p in section["pairs"]]
    k = section["pooled"]["k"]
    rows.append([f"pooled over {k} pair{'' if k == 1 else 's'}", section["pooled"].get("method", ""),
                 est(section["pooled"]) if k else "— (no pair has an interval)", ""])
    rows.append(["the essay's figure", "o1 / AIME, read from charts", str(section["essay_ratio"]),
                 ""])
    return (["## The pattern across sources", "", _md(section["sentence"]), ""]
            + _table(["pair", "family and benchmark", "slope ratio", "pooled?"], rows) + [""])


def _backtests(section: dict | None) -> list[str]:
    """Backtests of the forecast, for curves with enough points to hold some back."""
    rows = (section or {}).get("backtests") or []
    if not rows:
        return []
    body = [[r["curve"], "not backtested", "", "", r["skipped"]] if "skipped" in r else
            [r["curve"], r["form"], f"{r['n_train']} / {r['n_test']}", pct(r["coverage"]),
             num(r["mean_abs_error"])] for r in rows]
    return (["## Backtests of the forecast", ""]
            + _table(["curve", "form", "trained on / held out", "coverage", "mean abs. error"],
                     body) + [""])


def _three_way_lines(doc: dict | None) -> list[str]:
    """The three-way exchange table (a lab run with a pre-training curve), else nothing."""
    if not doc:
        return []
    essay = doc["essay"]
    lines = ["## Three-way exchange", "",
             _md(f"Orders of magnitude of each axis's compute per order of magnitude of "
                 f"inference compute ({doc['curves']['inference']}) for the same gain; the "
                 f"essay's chain: {essay['chain']}."), ""]
    rows = [[axis, doc["curves"][axis], est(doc[key]), f"{essay[key]:.2g}"]
            for axis, key in (("pretrain", "pretrain_oom_per_inference_oom"),
                              ("rl", "rl_oom_per_inference_oom"))]
    lines += _table(["axis", "curve", "OOM per inference OOM", "essay"], rows)
    return lines + [f"- {_md(n)}" for n in doc.get("notes", [])] + ([""] if doc.get("notes") else [])


def _decomposition_lines(doc: dict | None) -> list[str]:
    """The thinking decomposition (a lab run with a think curve), else nothing."""
    if not doc:
        return []
    typ = doc["typical_length"]
    rows = [["typical chain length, base (tokens)", est(typ["base"])],
            ["typical chain length, final (tokens)", est(typ["final"])],
            ["RL at a fixed length (fixed_length_gain)", est(doc["fixed_length_gain"], 1.0, 3)],
            ["using longer chains (longer_chain_gain)", est(doc["longer_chain_gain"], 1.0, 3)],
            ["chain length ratio (final / base)", est(doc["chain_length_ratio"])]]
    lines = ["## Thinking decomposition", "",
             _md(f"The final checkpoint's (step {doc.get('final_step')}) thinking gain over the "
                 "base model, split as in the essay's first figure."), ""]
    lines += _table(["quantity", "value [interval]"], rows)
    notes = doc.get("notes", []) + ([doc["assumptions"]] if doc.get("assumptions") else [])
    return lines + [f"- {_md(n)}" for n in notes] + ([""] if notes else [])
