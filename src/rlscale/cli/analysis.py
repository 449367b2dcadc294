"""CLI command group: ``rlscale fit``, ``rlscale compare`` and ``rlscale exchange``.

    rlscale fit DATA [--curve ID]... [--form NAME|auto] [--seed N] [--bootstrap N] [--json]
    rlscale compare DATA --rl ID --inference ID [--form NAME] [--json]
    rlscale exchange --ratio R --factor F [--from rl] [--to inference] [--json]
    rlscale exchange DATA --rl ID --inference ID --factor F [--json]

DATA is a CSV/JSON/Parquet file, ``catalog:ID`` or a lab run directory. scipy, numpy and pandas
are imported inside the commands so that ``rlscale --help`` stays fast.
"""

from __future__ import annotations

import math
from typing import Annotated, List, Optional

import typer

JSON_HELP = "Print one JSON document on stdout instead of tables."
DATA_HELP = "Observations: a .csv/.json/.parquet file, catalog:ID, or a lab run directory."
SCALE_HELP = "Scores in the data are fractions in [0, 1] (unit) or percentages (percent)."

# Options shared by fit, compare and exchange, declared once (typer reads the Annotated metadata).
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap resampling.")]
BootstrapOpt = Annotated[int, typer.Option("--bootstrap", "-b", help="Number of resamples.")]
ScoreScaleOpt = Annotated[str, typer.Option("--score-scale", help=SCALE_HELP)]
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
AXES = ("rl", "inference", "pretrain")
AXIS_NAMES = {"rl": "RL", "inference": "inference", "pretrain": "pre-training"}


def _check_choice(value: str, allowed: tuple[str, ...], flag: str) -> str:
    from rlscale.errors import RlscaleError

    if value not in allowed:
        raise RlscaleError(f"{flag}: unknown value '{value}' (use one of: {', '.join(allowed)})")
    return value


def _load(data: str, curves: list[str], score_scale: str):
    """Read and validate DATA, then keep the asked-for curves (unknown ids list the available)."""
    from rlscale.data import read_observations, select_curves

    _check_choice(score_scale, ("unit", "percent"), "--score-scale")
    obs = read_observations(data, score_scale=score_scale)
    return select_curves(obs, curves or None, source=data)


def _at_score(at_score: float | None, score_scale: str) -> float | None:
    """--at-score is given in the same scale as the data's scores."""
    if at_score is None:
        return None
    return at_score / 100.0 if score_scale == "percent" else at_score


def _multiplier(x: float) -> str:
    """A compute multiplier for people: 3.16, 100, 31,623, 1e+12."""
    if not math.isfinite(x):
        return "n/a"
    if x < 1000:
        return f"{x:.3g}"
    if x < 1e7:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _print_warnings(out, warnings: list[str]) -> None:
    for w in warnings:
        out.print(f"[yellow]warning:[/yellow] {w}", highlight=False)


def fit_command(
    data: str = typer.Argument(..., metavar="DATA", help=DATA_HELP),
    curve: Optional[List[str]] = typer.Option(None, "--curve", "-c", metavar="ID",
                                              help="Curve id to fit (repeatable; default all)."),
    form: str = typer.Option("loglinear", "--form", "-f",
                             help="Curve form: loglinear, logistic, scalerl, powerlaw, "
                                  "exp_powerlaw, or auto (lowest AIC)."),
    seed: SeedOpt = 0,
    bootstrap: BootstrapOpt = 1000,
    min_compute: Optional[float] = typer.Option(None, "--min-compute",
                                                help="Leave out points below this compute."),
    max_compute: Optional[float] = typer.Option(None, "--max-compute",
                                                help="Leave out points above this compute."),
    at_score: Optional[float] = typer.Option(None, "--at-score",
                                             help="Score at which to state the slope per decade "
                                                  "(same scale as the data; default: middle of "
                                                  "the observed range)."),
    score_scale: ScoreScaleOpt = "unit",
    json_output: JsonOpt = False,
) -> None:
    """Fit a curve to each observed curve: parameters and the slope per decade with CIs."""
    from rlscale.fitting import fit

    obs = _load(data, curve or [], score_scale)
    results = fit(obs, curves=curve or None, form=form, bootstrap=bootstrap, seed=seed,
                  min_compute=min_compute, max_compute=max_compute,
                  at_score=_at_score(at_score, score_scale))
    if json_output:
        from rlscale.cli._common import print_json

        print_json(results.to_dict())
        return
    from rlscale.cli._common import console

    out = console()
    out.print(results)
    out.print(f"slopes are in percentage points of score per 10x compute; {bootstrap} "
              f"resamples, seed {seed}; --json for machine-readable output", highlight=False)


def _fit_pair(data: str, rl: str, inference: str, forms: tuple[str, str], seed: int,
              bootstrap: int, at_score: float | None, score_scale: str):
    """Fit the RL and the inference curve (each with its own form) from one table."""
    from rlscale.errors import RlscaleError
    from rlscale.fitting import fit

    if rl == inference:
        raise RlscaleError(f"--rl and --inference name the same curve '{rl}'")
    obs = _load(data, [rl, inference], score_scale)
    # fit() seeds each curve from (seed, curve id), so fitting them one at a time is the same
    fits = [fit(obs, curves=[cid], form=form, bootstrap=bootstrap, seed=seed,
                at_score=at_score)[cid] for cid, form in zip((rl, inference), forms)]
    return fits[0], fits[1]


def compare_command(
    data: str = typer.Argument(..., metavar="DATA", help=DATA_HELP),
    rl: str = typer.Option(..., "--rl", metavar="ID", help="Curve id of the RL-compute curve."),
    inference: str = typer.Option(..., "--inference", metavar="ID",
                                  help="Curve id of the inference-compute curve."),
    form: str = typer.Option("loglinear", "--form", "-f", help="Curve form for both fits."),
    rl_form: Optional[str] = typer.Option(None, "--rl-form", help="Form of the RL fit only "
                                                                  "(default: --form)."),
    inference_form: Optional[str] = typer.Option(None, "--inference-form",
                                                 help="Form of the inference fit only "
                                                      "(default: --form)."),
    seed: SeedOpt = 0,
    bootstrap: BootstrapOpt = 1000,
    at_score: Optional[float] = typer.Option(None, "--at-score",
                                             help="Score at which both slopes are taken (same "
                                                  "scale as the data; default: middle of the "
                                                  "overlap of the two score ranges)."),
    score_scale: ScoreScaleOpt = "unit",
    json_output: JsonOpt = False,
) -> None:
    """Compare RL and inference slopes: ratio with CI and equivalent compute multipliers."""
    from rlscale.convert import compare

    score = _at_score(at_score, score_scale)
    forms = (rl_form or form, inference_form or form)
    fit_rl, fit_inf = _fit_pair(data, rl, inference, forms, seed, bootstrap, score, score_scale)
    result = compare(fit_rl, fit_inf, at_score=score)
    if json_output:
        from rlscale.cli._common import print_json

        print_json(result.to_dict())
        return
    from rlscale.cli._common import console

    out = console()
    out.print(_headline(result), highlight=False)
    out.print(result)
    _print_warnings(out, [f"{f.curve}: {w}" for f in (fit_rl, fit_inf) for w in f.warnings])


def _headline(result) -> str:
    """One sentence with the ratio, its interval and what it means in multipliers."""
    r = result.slope_ratio
    pct = int(round(result.level * 100))
    if math.isfinite(r.ci_low) and math.isfinite(r.ci_high):
        ci = f"{pct}% CI {r.ci_low:.2f} to {r.ci_high:.2f}"
    else:
        ci = "no interval: see the warnings"
    text = (f"RL slope / inference slope = {r.value:.2f} ({ci}) at score "
            f"{result.at_score:.2f}")
    if math.isfinite(r.ci_low) and r.ci_low <= 0 < r.ci_high:
        # a ratio that may be zero gives no usable exchange rate (1/ratio is unbounded)
        return text + (": the interval includes zero, so these data cannot tell the RL slope "
                       "from flat and give no exchange rate.")
    if r.value > 0:
        ten = next((e for e in result.equivalents if e["inference_factor"] == 10), None)
        text += (f": one order of magnitude of inference compute is worth "
                 f"{1 / r.value:.2g} orders of magnitude of RL compute")
        if ten is not None:
            text += f" (10x inference ≈ {_multiplier(ten['rl_factor'])}x RL)"
    return text + "."


def exchange_command(
    data: Optional[str] = typer.Argument(None, metavar="[DATA]",
                                         help="Optional: fit the ratio from DATA with --rl and "
                                              "--inference instead of giving --ratio."),
    factor: float = typer.Option(..., "--factor", help="Compute multiplier on the --from axis."),
    ratio: Optional[float] = typer.Option(None, "--ratio",
                                          help="Slope ratio s_RL / s_inference (inference "
                                               "orders of magnitude per RL order of magnitude)."),
    from_axis: str = typer.Option("rl", "--from", help="Axis of --factor: rl, inference, "
                                                        "pretrain."),
    to_axis: str = typer.Option("inference", "--to", help="Axis to express it on."),
    pretrain_rate: Optional[float] = typer.Option(
        None, "--pretrain-rate",
        help="Inference orders of magnitude per pre-training order of magnitude (default 1.5: "
             "1,000x inference ≈ 100x pre-training, Jones 2021 arXiv:2104.03113; Epoch AI 2023)."),
    rl: Optional[str] = typer.Option(None, "--rl", metavar="ID", help="RL curve id in DATA."),
    inference: Optional[str] = typer.Option(None, "--inference", metavar="ID",
                                            help="Inference curve id in DATA."),
    form: str = typer.Option("loglinear", "--form", "-f", help="Curve form when fitting DATA."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap when fitting DATA."),
    bootstrap: int = typer.Option(1000, "--bootstrap", "-b", help="Resamples when fitting DATA."),
    score_scale: ScoreScaleOpt = "unit",
    json_output: JsonOpt = False,
) -> None:
    """Convert a compute multiplier between RL, inference and pre-training."""
    from rlscale.convert import DEFAULT_PRETRAIN_INFERENCE_OOM, exchange
    from rlscale.errors import RlscaleError

    _check_choice(from_axis, AXES, "--from")
    _check_choice(to_axis, AXES, "--to")
    rate = DEFAULT_PRETRAIN_INFERENCE_OOM if pretrain_rate is None else pretrain_rate
    doc: dict = {}
    if data is None:
        if ratio is None:
            raise RlscaleError("give --ratio R, or DATA with --rl ID --inference ID to fit it")
        if rl or inference:
            raise RlscaleError("--rl/--inference need DATA to fit the ratio from")
        ratio_low = ratio_high = math.nan
        doc["ratio_source"] = "given"
    else:
        if ratio is not None:
            raise RlscaleError("give either --ratio or DATA with --rl/--inference, not both")
        if not (rl and inference):
            raise RlscaleError("with DATA, give both --rl ID and --inference ID")
        from rlscale.convert import compare

        cmp = compare(*_fit_pair(data, rl, inference, (form, form), seed, bootstrap, None,
                                 score_scale))
        ratio, ratio_low, ratio_high = (cmp.slope_ratio.value, cmp.slope_ratio.ci_low,
                                        cmp.slope_ratio.ci_high)
        doc["ratio_source"] = f"fitted: {rl} vs {inference} in {data}"
        doc["ratio_ci"] = cmp.slope_ratio.to_dict()
    value = exchange(factor, ratio=ratio, from_=from_axis, to=to_axis,
                     pretrain_inference_oom=rate)
    ends = [exchange(factor, ratio=r, from_=from_axis, to=to_axis, pretrain_inference_oom=rate)
            for r in (ratio_low, ratio_high) if math.isfinite(r) and r > 0]
    doc = {"factor": factor, "from": from_axis, "to": to_axis, "equivalent_factor": value,
           "ratio": ratio, "pretrain_inference_oom": rate, **doc}
    if len(ends) == 2:
        doc["equivalent_factor_ci_low"], doc["equivalent_factor_ci_high"] = min(ends), max(ends)
    if json_output:
        from rlscale.cli._common import print_json

        print_json(doc)
        return
    _print_exchange(doc)


def _print_exchange(doc: dict) -> None:
    from rich.table import Table

    from rlscale.cli._common import console

    out = console()
    line = (f"{_multiplier(doc['factor'])}x {AXIS_NAMES[doc['from']]} compute ≈ "
            f"{_multiplier(doc['equivalent_factor'])}x {AXIS_NAMES[doc['to']]} compute")
    if "equivalent_factor_ci_low" in doc:
        line += (f" (95% CI {_multiplier(doc['equivalent_factor_ci_low'])}x to "
                 f"{_multiplier(doc['equivalent_factor_ci_high'])}x)")
    out.print(line, highlight=False)
    table = Table(title_justify="left")
    for name in ("quantity", "value"):
        table.add_column(name)
    table.add_row("slope ratio (inference OOM per RL OOM)", f"{doc['ratio']:.3g}")
    table.add_row("ratio from", doc["ratio_source"])
    if "pretrain" in (doc["from"], doc["to"]):
        table.add_row("inference OOM per pre-training OOM", f"{doc['pretrain_inference_oom']:g}")
    out.print(table)


def register(app) -> None:
    """Add ``fit``, ``compare`` and ``exchange`` to *app*."""
    app.command("fit")(fit_command)
    app.command("compare")(compare_command)
    app.command("exchange")(exchange_command)
