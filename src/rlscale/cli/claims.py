"""CLI command ``rlscale claims``: the essay's 16 quantitative claims, recomputed and judged.

    rlscale claims                       # referee's report: table, then one note per claim
    rlscale claims --json                # {"claims": [{"id", "quote", "essay_value", ...}]}
    rlscale claims --scenario my.toml    # the same under your assumptions
    rlscale claims --id grok4-electricity --id slope-ratio
    rlscale claims --seed 7 --form loglinear   # seed and form of the catalog:essay fits
"""

from __future__ import annotations

from typing import List, Optional

import typer

VERDICT_STYLE = {"reproduced": "green", "depends on assumptions": "yellow",
                 "not reproduced": "red"}


def claims(
    scenario: Optional[str] = typer.Option(None, "--scenario", help="Scenario TOML file naming assumptions (see docs/economics.md)."),
    ids: Optional[List[str]] = typer.Option(None, "--id", help="Only this claim id (repeatable)."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON document on stdout instead of the report."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the catalog:essay fits behind the slope claims."),
    form: str = typer.Option("loglinear", "--form", "-f", help="Curve form of the catalog:essay fits (the essay's two-point curves admit only loglinear)."),
) -> None:
    """Recompute every quantitative claim of Ord's essay and give each a verdict."""
    from rlscale.econ.claims import context, ledger
    from rlscale.errors import RlscaleError

    cx = context(scenario, seed=seed, form=form)
    result = ledger(assumptions=cx.a, evidence=cx.ev)
    if ids:
        known = {c.id for c in result}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise RlscaleError(f"--id {unknown[0]!r}: unknown claim id (known: "
                               f"{', '.join(c.id for c in result)})")
        result = [c for c in result if c.id in ids]
    if json_output:
        from rlscale.cli._common import print_json

        return print_json({"claims": [c.to_dict() for c in result],
                           "scenario": scenario, "verdicts": _counts(result),
                           "working_ratio": _working_ratio(cx.ev), "seed": seed, "form": form})
    _render(result, scenario, cx.ev)


def _working_ratio(ev) -> dict:
    """THE slope ratio of the downstream claims and the break-even, named once."""
    return {"value": ev.working_ratio, "source": ev.working_source,
            "range": list(ev.working_range), "range_source": ev.range_source}


def _counts(result) -> dict[str, int]:
    from rlscale.econ.claims import VERDICTS

    return {v: sum(c.verdict == v for c in result) for v in VERDICTS}


def _render(result, scenario: Optional[str], ev) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from rlscale import fmt
    from rlscale.cli._common import console
    from rlscale.econ.claims_base import RULE

    out = console()
    title = "Claims of 'How Well Does RL Scale?' (Ord, 2025), recomputed by rlscale"
    if scenario:
        title += f" under scenario {escape(fmt.printable(scenario))}"
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("claim", overflow="fold", min_width=20)
    table.add_column("essay", overflow="fold", min_width=8, max_width=15)
    table.add_column("rlscale", justify="right", no_wrap=True)
    table.add_column("verdict", overflow="fold", min_width=11, max_width=12)
    for c in result:
        style = VERDICT_STYLE[c.verdict]
        table.add_row(str(c.number), Text(c.title), Text(c.essay_text), Text(c.computed_text),
                      Text(c.verdict, style=style))
    out.print(table)
    counts = _counts(result)
    out.print(", ".join(f"{n} {v}" for v, n in counts.items()), highlight=False)
    lo, hi = ev.working_range
    out.print(Text(f"Verdict rule: {RULE}."))
    out.print(Text(f"Slope ratio of claims 4-6 (and claim 12's chain) and of `rlscale cost "
                   f"breakeven`: {ev.working_ratio:.3f} ({ev.working_source}); judged over "
                   f"{lo:.3f}-{hi:.3f} ({ev.range_source})."))
    out.print()
    out.print("[bold]Referee's notes[/bold]")
    for c in result:
        out.print()
        head = Text(f"{c.number}. {c.title} ", style="bold")
        head.append(f"[{c.verdict}]", style=VERDICT_STYLE[c.verdict])
        out.print(head)
        out.print(_indent(Text(f'"{c.quote}"', style="italic")))
        out.print(_indent(Text(c.explanation)))
        out.print(_indent(Text(f"tolerance: {c.tolerance}")))
        out.print(_indent(Text(f"rule: {c.verdict_rule.removesuffix(f' Verdict: {RULE}.')}")))
        if c.reproduces_at:
            out.print(_indent(Text(f"reproduces at: {_where(c.reproduces_at)}")))
        names = fmt.printable("; ".join(f"{a['name']} = {fmt.value(a['value'])} "
                                        f"({a.get('tag', '')}, {a['source']})"
                                        for a in c.assumptions))
        out.print(_indent(Text(f"inputs: {names}", style="dim")))
    out.print()
    out.print("Tags: E stated by the source, S secondary / vendor spec, D derived, A rlscale's "
              "illustrative assumption. Sources of every default: rlscale cost --show-defaults.",
              highlight=False)


def _where(r: dict) -> str:
    if "value" in r:
        return f"{r['assumption']} = {r['value']:.4g}"
    return f"{r['assumption']} in [{r['low']:.4g}, {r['high']:.4g}]"


def _indent(text):
    from rich.padding import Padding

    return Padding(text, (0, 0, 0, 3))


def register(app) -> None:
    """Add the ``claims`` command to *app*."""
    app.command("claims")(claims)
