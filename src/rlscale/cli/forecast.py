"""CLI commands ``rlscale forecast`` and ``rlscale backtest``.

    rlscale forecast DATA --curve ID (--to-score S | --at-compute C) [--form NAME|auto] [--json]
    rlscale forecast DATA --curve ID --to-score S --cost [--scenario FILE] [--slope-ratio R]
    rlscale backtest DATA --curve ID [--train-fraction F] [--protocol holdout|scalerl] [--json]

Bad flags are checked before any fitting and give one line and exit code 2; an unreachable
target is a result (exit 0, ``"reachable": false``), not an error.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

DATA_HELP = "Observations: a .csv/.json/.parquet file, catalog:ID, or a lab run directory."
FORM_HELP = ("Curve form: loglinear, logistic, scalerl, powerlaw, exp_powerlaw, or auto (the "
             "AIC-weighted mixture of the forms the data support).")
CurveOpt = Annotated[str, typer.Option("--curve", "-c", metavar="ID", help="Curve id.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap and noise draws.")]
BootstrapOpt = Annotated[int, typer.Option("--bootstrap", "-b", help="Resamples per form.")]
LevelOpt = Annotated[float, typer.Option("--level", help="Level of the prediction interval.")]
MinComputeOpt = Annotated[Optional[float], typer.Option(
    "--min-compute", help="Leave out points below this compute before fitting.")]
ScaleOpt = Annotated[str, typer.Option(
    "--score-scale", help="Scores (and --to-score) are fractions (unit) or percentages.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _print(result, note: str) -> None:
    from rlscale.cli._common import console

    out = console()
    out.print(result)
    out.print(note, highlight=False)


def _print_cost(cost: dict) -> None:
    from rich.table import Table

    from rlscale.cli._common import console

    def fmt(e) -> str:
        from rlscale.cli.cost import _num

        if not isinstance(e, dict):
            return _num(e)
        return f"{_num(e['value'])} [{_num(e['ci_low'])}, {_num(e['ci_high'])}]"

    t = Table(title=f"cost of the gap from compute {cost['from_compute']:g} (slope ratio "
                    f"{cost['slope_ratio']:.3f}: {cost['slope_ratio_source']})",
              title_justify="left")
    for col in ("route", "quantity", "value [interval]"):
        t.add_column(col)
    for route in ("rl", "inference", "breakeven"):
        for key, val in cost.get(route, {}).items():
            t.add_row(route, key, fmt(val))
    out = console()
    out.print(t)
    if "note" in cost:
        out.print(cost["note"], highlight=False)


def forecast_command(
    data: str = typer.Argument(..., metavar="DATA", help=DATA_HELP),
    curve: CurveOpt = ...,
    to_score: Optional[float] = typer.Option(None, "--to-score", metavar="S",
                                             help="Target score: forecast the compute."),
    at_compute: Optional[float] = typer.Option(None, "--at-compute", metavar="C",
                                               help="Compute: forecast the score."),
    form: str = typer.Option("auto", "--form", "-f", help=FORM_HELP),
    n_new: Optional[float] = typer.Option(None, "--n", help="Graded attempts of a new "
                                          "observation (default: the curve's median n)."),
    cost: bool = typer.Option(False, "--cost", help="Cost the gap to --to-score: RL, "
                              "inference and the break-even volume."),
    scenario: Optional[str] = typer.Option(None, "--scenario",
                                           help="Economics scenario TOML (with --cost)."),
    slope_ratio: Optional[float] = typer.Option(None, "--slope-ratio", help="RL slope / "
                                                "inference slope (with --cost)."),
    seed: SeedOpt = 0, bootstrap: BootstrapOpt = 1000, level: LevelOpt = 0.9,
    min_compute: MinComputeOpt = None, score_scale: ScaleOpt = "unit",
    json_output: JsonOpt = False,
) -> None:
    """Forecast the compute that reaches a score (or the score at a compute), with intervals."""
    from rlscale.forecasting import forecast

    res = forecast(data, curve, to_score=to_score, at_compute=at_compute, form=form,
                   bootstrap=bootstrap, seed=seed, level=level, n_new=n_new,
                   min_compute=min_compute, score_scale=score_scale, cost=cost,
                   scenario=scenario, slope_ratio=slope_ratio)
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(res.to_dict())
    _print(res, f"{bootstrap} resamples per form, seed {seed}; --json for machine-readable "
                "output; see docs/forecast.md")
    if res.cost is not None:
        _print_cost(res.cost)


def backtest_command(
    data: str = typer.Argument(..., metavar="DATA", help=DATA_HELP),
    curve: CurveOpt = ...,
    train_fraction: Optional[float] = typer.Option(
        None, "--train-fraction", metavar="F",
        help="holdout: share of the log10-compute span to fit on [default 0.5]."),
    protocol: str = typer.Option("holdout", "--protocol",
                                 help="holdout, or scalerl (fit up to half the largest compute "
                                      "and compare asymptote and midpoint with the full fit)."),
    form: Optional[str] = typer.Option(None, "--form", "-f",
                                       help=FORM_HELP + " [default auto; scalerl for the "
                                                        "scalerl protocol]"),
    seed: SeedOpt = 0, bootstrap: BootstrapOpt = 1000, level: LevelOpt = 0.9,
    min_compute: MinComputeOpt = None, score_scale: ScaleOpt = "unit",
    json_output: JsonOpt = False,
) -> None:
    """Fit on the low-compute part of a curve, predict the rest: errors and coverage."""
    from rlscale.forecasting import backtest

    res = backtest(data, curve, train_fraction=train_fraction, protocol=protocol, form=form,
                   bootstrap=bootstrap, seed=seed, level=level, min_compute=min_compute,
                   score_scale=score_scale)
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(res.to_dict())
    _print(res, f"{bootstrap} resamples per form, seed {seed}; --json for machine-readable "
                "output")


def register(app) -> None:
    """Add ``forecast`` and ``backtest``."""
    app.command("forecast")(forecast_command)
    app.command("backtest")(backtest_command)
