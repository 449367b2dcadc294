"""CLI command: ``rlscale import KIND PATH`` -- another tool's run as an observation table.

    rlscale import trl outputs/run [--metric NAME] [--curve ID] [--axis rl|inference]
                   [--model-config config.json | --params N] [-o OUT.csv|.parquet [--append]]
    rlscale import KIND PATH --list-metrics

KIND is one of trl, tensorboard, wandb, verl, lm-eval (see :mod:`rlscale.importers`). Without
``-o`` the table goes to stdout as CSV. Warnings go to stderr. Everything is checked before
anything is written; a bad input is one line and exit 2.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

KIND_HELP = "Source: trl, tensorboard, wandb, verl or lm-eval."
PATH_HELP = ("trl: trainer_state.json or a run/checkpoint directory; tensorboard: an event file "
             "or a directory of runs; wandb: a history CSV; verl: the file logger's JSON lines; "
             "lm-eval: a directory of results_*.json.")


def _write(frame, out: str, append: bool) -> int:
    """Write (or append to) OUT atomically; returns the rows written in all."""
    from pathlib import Path

    from rlscale.data import read_observations, write_observations
    from rlscale.errors import RlscaleError

    if append and Path(out).exists():
        import pandas as pd

        old = read_observations(out)
        clash = sorted(set(old["curve"]) & set(frame["curve"]))
        if clash:
            raise RlscaleError(f"curve '{clash[0]}' is already in {out} (choose another id "
                               "with --curve)")
        frame = pd.concat([old, frame], ignore_index=True)
    write_observations(frame, out)
    return len(frame)


def _check_flags(kind, axis, per_step, append, out, tokenizer, model_config, params) -> None:
    """Flag combinations that cannot work: one line, before any file is read."""
    from pathlib import Path

    from rlscale.errors import RlscaleError

    if axis is not None and axis not in ("rl", "inference"):
        raise RlscaleError(f"--axis: unknown value '{axis}' (use rl or inference)")
    if per_step is not None and per_step < 1:
        raise RlscaleError(f"--completions-per-step must be >= 1, got {per_step}")
    if append and out is None:
        raise RlscaleError("--append needs -o OUT (the table to add the curve to)")
    if out is not None and Path(out).suffix.lower() not in (".csv", ".parquet", ".json"):
        raise RlscaleError(f"-o {out}: write a .csv, .json or .parquet file")
    if tokenizer is not None and kind != "lm-eval":
        raise RlscaleError("--tokenizer applies to lm-eval only")
    if kind == "lm-eval" and (model_config is not None or params is not None
                              or per_step is not None):
        raise RlscaleError("--model-config, --params and --completions-per-step apply to RL "
                           "logs; lm-eval's compute is the inference budget")


def import_command(
    kind: str = typer.Argument(..., metavar="KIND", help=KIND_HELP),
    path: str = typer.Argument(..., metavar="PATH", help=PATH_HELP),
    metric: Optional[str] = typer.Option(None, "--metric", "-m", help="Metric to use as the "
                                         "score (default: an eval metric, else the training "
                                         "reward; lm-eval: TASK/METRIC,FILTER)."),
    curve: Optional[str] = typer.Option(None, "--curve", "-c", metavar="ID",
                                        help="Curve id (default: KIND-RUN)."),
    axis: Optional[str] = typer.Option(None, "--axis", help="rl or inference (default: rl; "
                                       "lm-eval: inference)."),
    model_config: Optional[str] = typer.Option(None, "--model-config", metavar="CONFIG",
                                               help="The model's Hugging Face config.json: "
                                                    "compute in FLOPs with the lab's formulas."),
    params: Optional[float] = typer.Option(None, "--params", metavar="N",
                                           help="Parameter count: FLOPs as 2N per token per pass "
                                                "(no attention term)."),
    per_step: Optional[int] = typer.Option(None, "--completions-per-step", metavar="N",
                                           help="Completions sampled per optimizer step (TRL; "
                                                "default: from the run's state or args)."),
    tokenizer: Optional[str] = typer.Option(None, "--tokenizer", metavar="TOKENIZER",
                                            help="lm-eval: tokenizer.json to count generated "
                                                 "tokens in the samples files."),
    out: Optional[str] = typer.Option(None, "--output", "-o", metavar="OUT",
                                      help="Write the table here (.csv, .json, .parquet); "
                                           "default: CSV on stdout."),
    append: bool = typer.Option(False, "--append", help="Add the curve to OUT's table."),
    list_metrics: bool = typer.Option(False, "--list-metrics", help="List the metrics in PATH."),
) -> None:
    """Read a TRL, TensorBoard, W&B, verl or lm-eval run into an observation table."""
    from rlscale.errors import RlscaleError
    from rlscale.importers import KINDS, Options, import_run, metrics_of
    from rlscale.importers.flops import compute_model

    if kind not in KINDS:
        raise RlscaleError(f"unknown import kind '{kind}' (use one of: {', '.join(KINDS)})")
    if list_metrics:
        for name in metrics_of(kind, path):
            print(name)
        return
    _check_flags(kind, axis, per_step, append, out, tokenizer, model_config, params)
    opts = Options(metric=metric, curve=curve, axis=axis, compute=compute_model(model_config, params),
                   completions_per_step=per_step)
    extra = {"tokenizer": tokenizer} if kind == "lm-eval" else {}
    result = import_run(kind, path, opts, **extra)
    for warning in result.warnings:
        print(f"rlscale: warning: {warning}", file=sys.stderr)
    frame = result.frame
    if out is None:
        sys.stdout.write(frame.to_csv(index=False, float_format="%.17g"))
        return
    total = _write(frame, out, append)
    first = frame.iloc[0]
    print(f"wrote {len(frame)} rows of curve '{first['curve']}' ({first['axis']}, compute_unit "
          f"{first['compute_unit']}, score = {first['benchmark']}) to {out}"
          + (f" ({total} rows in all)" if total != len(frame) else ""))


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
