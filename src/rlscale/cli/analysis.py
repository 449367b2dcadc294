"""CLI command group: ``rlscale fit``, ``rlscale compare`` and ``rlscale exchange``.

    rlscale fit DATA [--curve ID]... [--form NAME|auto] [--seed N] [--bootstrap N] [--json]
    rlscale compare DATA [--rl ID --inference ID] [--form NAME] [--json]
    rlscale exchange --ratio R --factor F [--from rl] [--to inference] [--json]
    rlscale exchange DATA --rl ID --inference ID --factor F [--json]

DATA is a CSV/JSON/Parquet file, ``catalog:ID`` or a lab run directory (``compare`` of a run
without ``--rl``/``--inference`` takes the run's default pair, the one ``lab show`` states). Flags are checked before
any file is read; scipy, numpy and pandas are imported inside the commands (``exchange --ratio``
imports none of them) so that ``rlscale --help`` and formula-only commands stay fast.
"""

from __future__ import annotations

import math
from typing import Annotated, List, Optional

import typer

JSON_HELP = "Print one JSON document on stdout instead of tables."
DATA_HELP = "Observations: a .csv/.json/.parquet file, catalog:ID, or a lab run directory."
SCALE_HELP = ("Scores in the data are fractions in [0, 1] (unit) or percentages (percent); "
              "--at-score and printed scores use the same scale.")
LEVEL_HELP = "Confidence level of the intervals, from 0.5 to 0.999."

# Options shared by fit, compare and exchange, declared once (typer reads the Annotated metadata).
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap resampling "
                                                     "(0 to 2**32-1).")]
BootstrapOpt = Annotated[int, typer.Option("--bootstrap", "-b",
                                           help="Number of resamples (0 to 1,000,000).")]
ScoreScaleOpt = Annotated[str, typer.Option("--score-scale", help=SCALE_HELP)]
LevelOpt = Annotated[float, typer.Option("--level", help=LEVEL_HELP)]
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
AXIS_NAMES = {"rl": "RL", "inference": "inference", "pretrain": "pre-training"}
SCORE_SCALES = ("unit", "percent")


def _check_choice(value: str, allowed: tuple[str, ...], flag: str) -> str:
    from rlscale.errors import RlscaleError
    from rlscale.fmt import printable

    if value not in allowed:
        raise RlscaleError(f"{flag}: unknown value '{printable(value)}' (use one of: "
                           f"{', '.join(allowed)})")
    return value


def _check_fit_flags(seed: int, bootstrap: int, level: float, at_score: float | None,
                     score_scale: str) -> float | None:
    """Bounds of the flags every fitting command takes; returns --at-score as a fraction.

    --at-score is read in the data's scale: 0.4 on unit data, 40 with --score-scale percent.
    """
    from rlscale.cli._common import LEVEL_RANGE, check_bootstrap, check_float, check_seed

    _check_choice(score_scale, SCORE_SCALES, "--score-scale")
    check_seed(seed)
    check_bootstrap(bootstrap)
    check_float("--level", level, *LEVEL_RANGE)
    if at_score is None:
        return None
    top = 100.0 if score_scale == "percent" else 1.0
    unit = " (--score-scale percent)" if score_scale == "percent" else (
        " (scores are fractions; give --score-scale percent for percentages)")
    try:
        check_float("--at-score", at_score, 0.0, top)
    except Exception as exc:
        from rlscale.errors import RlscaleError

        raise RlscaleError(f"{exc}{unit}") from None
    return at_score / top


def _load(data: str, curves: list[str], score_scale: str) -> dict[str, list]:
    """Read and validate DATA as columns (no pandas), then keep the asked-for curves (unknown
    ids list the available)."""
    from rlscale.data.io import read_columns, select_columns

    columns = read_columns(data, score_scale=score_scale)
    return select_columns(columns, curves or None, source=data)


def _check_memory(columns: dict[str, list], form: str, bootstrap: int) -> None:
    """Refuse, before fitting, a bootstrap whose arrays would not fit in memory."""
    from collections import Counter

    from rlscale.cli._common import check_bootstrap_memory
    from rlscale.forms import FORMS

    n_params = max((f.n_params for f in FORMS.values()) if form == "auto" or form not in FORMS
                   else (FORMS[form].n_params,))
    biggest = Counter(columns["curve"]).most_common(1)
    if biggest:
        check_bootstrap_memory(bootstrap, biggest[0][1], n_params, curve=biggest[0][0])


def _print_warnings(out, warnings: list[str]) -> None:
    from rich.text import Text

    from rlscale.fmt import printable

    for w in warnings:
        line = Text("warning:", style="yellow")
        line.append(f" {printable(w)}")
        out.print(line, highlight=False)


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
    level: LevelOpt = 0.95,
    score_scale: ScoreScaleOpt = "unit",
    json_output: JsonOpt = False,
) -> None:
    """Fit a curve to each observed curve: parameters and the slope per decade with CIs."""
    from rlscale.cli._common import check_float

    score = _check_fit_flags(seed, bootstrap, level, at_score, score_scale)
    check_float("--min-compute", min_compute, 0.0, lo_open=True)
    check_float("--max-compute", max_compute, 0.0, lo_open=True)
    columns = _load(data, curve or [], score_scale)
    _check_memory(columns, form, bootstrap)
    from rlscale.fitting.columns import fit_columns

    results = fit_columns(columns, curves=list(dict.fromkeys(curve)) if curve else None,
                          form=form, bootstrap=bootstrap, seed=seed, min_compute=min_compute,
                          max_compute=max_compute, at_score=score, level=level)
    if json_output:
        from rlscale.cli._common import print_json

        print_json(results.to_dict())
        return
    from rlscale.cli._common import console

    out = console()
    out.print(results.table(score_scale))
    out.print(f"slopes are in percentage points of score per 10x compute; {bootstrap} "
              f"resamples, seed {seed}; --json for machine-readable output", highlight=False)


def _fit_pair(data: str, rl: str, inference: str, forms: tuple[str, str], seed: int,
              bootstrap: int, at_score: float | None, score_scale: str, level: float = 0.95):
    """Fit the RL and the inference curve (each with its own form) from one table.

    Refuses, with one line, a curve whose ``axis`` column is not the role it is given.
    """
    from rlscale.errors import RlscaleError
    from rlscale.fmt import printable

    if rl == inference:
        raise RlscaleError(f"--rl and --inference name the same curve '{printable(rl)}'")
    columns = _load(data, [rl, inference], score_scale)
    for cid, role in ((rl, "rl"), (inference, "inference")):
        axes = sorted({a for c, a in zip(columns["curve"], columns["axis"]) if c == cid})
        if axes != [role]:
            raise RlscaleError(f"--{role} {printable(cid)}: that curve's axis is "
                               f"'{'/'.join(axes)}', not '{role}' (give an {role} curve, or "
                               "fix its axis column)", file=data)
    for form in set(forms):
        _check_memory(columns, form, bootstrap)
    from rlscale.fitting.columns import fit_columns

    # each curve is seeded from (seed, curve id), so fitting them one at a time is the same
    fits = [fit_columns(columns, curves=[cid], form=form, bootstrap=bootstrap, seed=seed,
                        at_score=at_score, level=level)[cid]
            for cid, form in zip((rl, inference), forms)]
    return fits[0], fits[1]


def _run_pair(data: str, rl: str | None, inference: str | None, score_scale: str):
    """``(rl, inference, scores)``: the curves given, a lab run directory's default pair for
    those not given (:func:`rlscale.runformat.default_pair`, as ``lab show`` and ``report``
    state it), and the run's base and final scores when the RL curve is the run's."""
    from rlscale.analysis.pairs import run_defaults
    from rlscale.errors import RlscaleError
    from rlscale.runformat import RL_CURVE

    run = None
    if rl is None or inference is None or rl == RL_CURVE:
        from rlscale.data.io import read_columns

        names = (list(dict.fromkeys(read_columns(data, score_scale=score_scale)["curve"]))
                 if run_defaults(data, []) is not None else [])
        run = run_defaults(data, names)
    if rl is None or inference is None:
        if run is None:
            raise RlscaleError("give --rl ID and --inference ID (only a lab run directory has a "
                               "default pair)", file=data)
        if run["pair"] is None:
            raise RlscaleError("this run has no default pair (no RL curve, or neither the final "
                               "checkpoint's thinking-budget curve nor the manifest's main "
                               "inference curve): give --rl ID and --inference ID", file=data)
        rl, inference = rl or run["pair"][0], inference or run["pair"][1]
    return rl, inference, (run["scores"] if run and rl == RL_CURVE else None)


def compare_command(
    data: str = typer.Argument(..., metavar="DATA", help=DATA_HELP),
    rl: Optional[str] = typer.Option(None, "--rl", metavar="ID",
                                     help="Curve id of the RL-compute curve (default for a lab "
                                          "run directory: lab-rl)."),
    inference: Optional[str] = typer.Option(None, "--inference", metavar="ID",
                                            help="Curve id of the inference-compute curve "
                                                 "(default for a lab run directory: the final "
                                                 "checkpoint's thinking-budget curve, else the "
                                                 "run's main inference curve)."),
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
    level: LevelOpt = 0.95,
    score_scale: ScoreScaleOpt = "unit",
    json_output: JsonOpt = False,
) -> None:
    """Compare RL and inference slopes: ratio with CI and equivalent compute multipliers."""
    score = _check_fit_flags(seed, bootstrap, level, at_score, score_scale)
    rl, inference, scores = _run_pair(data, rl, inference, score_scale)
    forms = (rl_form or form, inference_form or form)
    fit_rl, fit_inf = _fit_pair(data, rl, inference, forms, seed, bootstrap, score, score_scale,
                                level)
    from rlscale.convert import compare

    result = compare(fit_rl, fit_inf, at_score=score, level=level)
    if json_output:
        from rlscale.cli._common import print_json

        print_json(result.to_dict())
        return
    from rlscale.cli._common import console

    out = console()
    from rlscale.convert.headline import headline_sentence

    out.print(headline_sentence(result.to_dict(), level=level, score_scale=score_scale,
                                scores=scores), highlight=False, markup=False)
    out.print(result.table(score_scale))
    _print_warnings(out, [f"{f.curve}: {w}" for f in (fit_rl, fit_inf) for w in f.warnings])


def exchange_command(
    data: Optional[str] = typer.Argument(None, metavar="[DATA]",
                                         help="Optional: fit the ratio from DATA with --rl and "
                                              "--inference instead of giving --ratio."),
    factor: float = typer.Option(..., "--factor", help="Compute multiplier on the --from axis "
                                                       "(> 0)."),
    ratio: Optional[float] = typer.Option(None, "--ratio",
                                          help="Slope ratio s_RL / s_inference (inference "
                                               "orders of magnitude per RL order of magnitude; "
                                               "> 0)."),
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
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap when fitting DATA "
                                               "(0 to 2**32-1)."),
    bootstrap: int = typer.Option(1000, "--bootstrap", "-b",
                                  help="Resamples when fitting DATA (0 to 1,000,000)."),
    score_scale: ScoreScaleOpt = "unit",
    json_output: JsonOpt = False,
) -> None:
    """Convert a compute multiplier between RL, inference and pre-training."""
    from rlscale.cli._common import check_float
    from rlscale.convert.exchange import (AXES, DEFAULT_PRETRAIN_INFERENCE_OOM, exchange,
                                          exchange_interval)

    _check_choice(from_axis, AXES, "--from")
    _check_choice(to_axis, AXES, "--to")
    check_float("--factor", factor, 0.0, lo_open=True)
    check_float("--ratio", ratio, 0.0, lo_open=True)
    check_float("--pretrain-rate", pretrain_rate, 0.0, lo_open=True)
    rate = DEFAULT_PRETRAIN_INFERENCE_OOM if pretrain_rate is None else pretrain_rate
    ratio, ratio_low, ratio_high, doc = _exchange_ratio(data, ratio, rl, inference, form, seed,
                                                        bootstrap, score_scale)
    value = exchange(factor, ratio=ratio, from_=from_axis, to=to_axis,
                     pretrain_inference_oom=rate)
    low, high = exchange_interval(factor, ratio_low=ratio_low, ratio_high=ratio_high,
                                  from_=from_axis, to=to_axis, pretrain_inference_oom=rate)
    doc = {"factor": factor, "from": from_axis, "to": to_axis, "equivalent_factor": value,
           "ratio": ratio, "pretrain_inference_oom": rate, **doc}
    if math.isfinite(low) and math.isfinite(high):
        doc["equivalent_factor_ci_low"], doc["equivalent_factor_ci_high"] = low, high
    if json_output:
        from rlscale.cli._common import print_json

        print_json(doc)
        return
    _print_exchange(doc)


def _exchange_ratio(data, ratio, rl, inference, form, seed, bootstrap, score_scale):
    """The slope ratio of ``exchange``: given (--ratio) or fitted from DATA (--rl/--inference).

    Returns ``(ratio, ci_low, ci_high, doc)``; *doc* names where the ratio came from.
    """
    from rlscale.errors import RlscaleError

    if data is None:
        if ratio is None:
            raise RlscaleError("give --ratio R, or DATA with --rl ID --inference ID to fit it")
        if rl or inference:
            raise RlscaleError("--rl/--inference need DATA to fit the ratio from")
        return ratio, math.nan, math.nan, {"ratio_source": "given"}
    if ratio is not None:
        raise RlscaleError("give either --ratio or DATA with --rl/--inference, not both")
    if not (rl and inference):
        raise RlscaleError("with DATA, give both --rl ID and --inference ID")
    _check_fit_flags(seed, bootstrap, 0.95, None, score_scale)
    from rlscale.convert import compare

    est = compare(*_fit_pair(data, rl, inference, (form, form), seed, bootstrap, None,
                             score_scale)).slope_ratio
    return est.value, est.ci_low, est.ci_high, {
        "ratio_source": f"fitted: {rl} vs {inference} in {data}", "ratio_ci": est.to_dict()}


def _print_exchange(doc: dict) -> None:
    from rich.table import Table

    from rlscale.cli._common import console
    from rlscale.fmt import inert, multiplier

    out = console()
    line = (f"{multiplier(doc['factor'])}x {AXIS_NAMES[doc['from']]} compute ≈ "
            f"{multiplier(doc['equivalent_factor'])}x {AXIS_NAMES[doc['to']]} compute")
    if "equivalent_factor_ci_low" in doc:
        line += (f" (95% CI {multiplier(doc['equivalent_factor_ci_low'])}x to "
                 f"{multiplier(doc['equivalent_factor_ci_high'])}x)")
    out.print(line, highlight=False)
    table = Table(title_justify="left")
    for name in ("quantity", "value"):
        table.add_column(name)
    table.add_row("slope ratio (inference OOM per RL OOM)", f"{doc['ratio']:.3g}")
    table.add_row("ratio from", inert(doc["ratio_source"]))
    if "pretrain" in (doc["from"], doc["to"]):
        table.add_row("inference OOM per pre-training OOM", f"{doc['pretrain_inference_oom']:g}")
    out.print(table)


def register(app) -> None:
    """Add ``fit``, ``compare`` and ``exchange`` to *app*."""
    app.command("fit")(fit_command)
    app.command("compare")(compare_command)
    app.command("exchange")(exchange_command)
