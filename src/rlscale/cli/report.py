"""CLI command: ``rlscale report`` (figures, results.json, report.md and a self-contained page).

Heavy imports (pandas, scipy, matplotlib) happen inside the command, so ``rlscale --help`` stays
fast. Progress goes to stderr; stdout gets a short summary table and the path of index.html.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

DEFAULT_OUT = "rlscale-report"


def _summary_table(results: dict):
    from rich.table import Table

    from rlscale.report.html import est

    level = f"{results['settings']['level']:.0%}"
    table = Table(title="RL vs inference: slope ratios", title_justify="left")
    table.add_column("RL curve", overflow="fold")
    table.add_column("inference curve", overflow="fold")
    table.add_column(f"slope ratio [{level}]", justify="right")
    table.add_column("RL OOM per inference OOM", justify="right")
    head = results["headline"].get("index")
    for k, c in enumerate(results["comparisons"]):
        table.add_row(c["rl"], c["inference"], est(c["slope_ratio"]),
                      est(c["rl_oom_per_inference_oom"], 1, 1),
                      style="bold" if k == head else None)
    return table


def register(app) -> None:
    """Add ``rlscale report`` to *app*."""
    import typer

    @app.command("report")
    def report(
        data: Optional[list[str]] = typer.Argument(  # noqa: UP007 - typer needs Optional
            None, metavar="DATA|RUN_DIR",
            help="Observation files (.csv/.json/.parquet), lab run directories or catalog:ID. "
                 "None: the built-in catalog (the essay's analysis)."),
        out: Path = typer.Option(Path(DEFAULT_OUT), "-o", "--out", help="Report directory."),
        open_: bool = typer.Option(False, "--open", help="Open index.html in a web browser."),
        seed: int = typer.Option(0, "--seed", help="Seed for the bootstrap."),
        bootstrap: int = typer.Option(1000, "--bootstrap", min=0,
                                      help="Bootstrap resamples per fit."),
        form: str = typer.Option("loglinear", "--form",
                                 help="Curve form fitted to every curve (or 'auto')."),
        percent: bool = typer.Option(False, "--percent", help="Scores are given in percent."),
    ) -> None:
        """Analyse data and write a self-contained HTML report with figures and results.json."""
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from rlscale.cli._common import console, err_console
        from rlscale.pipeline import analyse
        from rlscale.report import check_destination, write_report

        check_destination(out)
        err = err_console()
        # Only on a terminal: a redirected stderr gets no progress frames (and no stray blank
        # line before a one-line error).
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task("rlscale report", total=None)

            def step(msg: str) -> None:
                progress.update(task, description=msg)

            results = analyse(data or None, form=form, bootstrap=bootstrap, seed=seed,
                              score_scale="percent" if percent else "unit", progress=step)
            index = write_report(results, out, progress=step)
        con = console()
        con.print(results["headline"]["sentence"], highlight=False, soft_wrap=True)
        if results["comparisons"]:
            con.print(_summary_table(results))
        warnings = results["warnings"]
        for w in warnings[:3]:
            err.print(f"warning: {w}", style="yellow", highlight=False, soft_wrap=True)
        if len(warnings) > 3:
            err.print(f"... and {len(warnings) - 3} more warnings, listed in the report",
                                style="yellow", highlight=False)
        con.print(f"report: {index}", highlight=False, soft_wrap=True)
        if open_:
            import webbrowser

            webbrowser.open(index.as_uri())
