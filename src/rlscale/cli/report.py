"""CLI command: ``rlscale report`` (figures, results.json, report.md and a self-contained page).

Heavy imports (pandas, scipy, matplotlib) happen inside the command, so ``rlscale --help`` stays
fast. Progress goes to stderr (on a terminal, not with ``--json``); stdout gets a short summary
table and the path of index.html, or one JSON document with ``--json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from rlscale.fmt import inert

DEFAULT_OUT = "rlscale-report"
SCORE_SCALES = ("unit", "percent")


def _summary_table(results: dict):
    from rich.table import Table

    from rlscale.report.html import est, has_ci

    cmps = results["comparisons"]
    ci = f" [{results['settings']['level']:.0%}]" if any(has_ci(c["slope_ratio"])
                                                         for c in cmps) else ""
    table = Table(title="RL vs inference: slope ratios", title_justify="left")
    table.add_column("RL curve", overflow="fold")
    table.add_column("inference curve", overflow="fold")
    table.add_column(f"slope ratio{ci}", justify="right")
    table.add_column("RL OOM per inference OOM", justify="right")
    head = results["headline"].get("index")
    for k, c in enumerate(cmps):
        table.add_row(inert(c["rl"]), inert(c["inference"]), est(c["slope_ratio"]),
                      est(c["rl_oom_per_inference_oom"], 1, 1),
                      style="bold" if k == head else None)
    return table


def _print_summary(results: dict, index: Path) -> None:
    from rlscale.cli._common import console, err_console
    from rlscale.report.html import pairs_note

    con, err = console(), err_console()
    con.print(inert(results["headline"]["sentence"]), highlight=False, soft_wrap=True)
    if results["comparisons"]:
        con.print(_summary_table(results))
        con.print(inert(pairs_note(results)), highlight=False, soft_wrap=True)
    if results.get("across_sources"):
        con.print(inert(results["across_sources"]["sentence"]), highlight=False, soft_wrap=True)
    warnings = results["warnings"]
    for w in warnings[:3]:
        err.print(f"warning: {inert(w)}", style="yellow", highlight=False, soft_wrap=True)
    if len(warnings) > 3:
        err.print(f"... and {len(warnings) - 3} more warnings, listed in the report",
                  style="yellow", highlight=False)
    con.print(f"report: {inert(index)}", highlight=False, soft_wrap=True)


def _run(data, out: Path, *, seed, bootstrap, form, score_scale, quiet: bool) -> tuple[dict, Path]:
    """Check the destination, analyse, write; a rich progress bar on a terminal's stderr."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                               TextColumn, TimeElapsedColumn)

    from rlscale.analysis import analyse
    from rlscale.cli._common import err_console
    from rlscale.report import check_destination, write_report

    check_destination(out)  # before any work: a bad -o fails in a second, not after the fits
    err = err_console()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True,
                  disable=quiet or not err.is_terminal) as progress:
        task = progress.add_task("rlscale report", total=None)

        def step(msg: str, done: float | None = None, total: int | None = None) -> None:
            progress.update(task, description=inert(msg), completed=done or 0, total=total)

        results = analyse(data or None, form=form, bootstrap=bootstrap, seed=seed,
                          score_scale=score_scale, progress=step)
        return results, write_report(results, out, progress=step)


def register(app) -> None:
    """Add ``rlscale report`` to *app*."""
    import typer

    @app.command("report")
    def report(
        data: Optional[list[str]] = typer.Argument(  # noqa: UP007 - typer needs Optional
            None, metavar="DATA|RUN_DIR",
            help="Observation files (.csv/.json/.parquet), lab run directories or catalog:ID. "
                 "None: the built-in catalog (the essay's analysis)."),
        out: Path = typer.Option(Path(DEFAULT_OUT), "-o", "--out",
                                 help="Report directory: new, empty, or an earlier rlscale report."),
        open_: bool = typer.Option(False, "--open", help="Open index.html in a web browser."),
        seed: int = typer.Option(0, "--seed", min=0, help="Seed for the bootstrap."),
        bootstrap: int = typer.Option(1000, "--bootstrap", min=0,
                                      help="Bootstrap resamples per fit."),
        form: str = typer.Option("loglinear", "--form",
                                 help="Curve form fitted to every curve (or 'auto')."),
        score_scale: str = typer.Option(
            "unit", "--score-scale",
            help="Scores in the data are fractions in [0, 1] (unit) or percentages (percent)."),
        json_: bool = typer.Option(False, "--json", help="Print one JSON document (no progress)."),
    ) -> None:
        """Analyse data and write a self-contained HTML report with figures and results.json."""
        from rlscale.errors import RlscaleError

        if score_scale not in SCORE_SCALES:
            raise RlscaleError(f"--score-scale must be unit or percent, got {score_scale!r}")
        results, index = _run(data, out, seed=seed, bootstrap=bootstrap, form=form,
                              score_scale=score_scale, quiet=json_)
        if json_:
            from rlscale.cli._common import print_json

            print_json({"index": str(index), "results": str(index.with_name("results.json")),
                        "headline": results["headline"], "warnings": results["warnings"]})
        else:
            _print_summary(results, index)
        if open_:
            import webbrowser

            webbrowser.open(index.as_uri())
