"""``rlscale lab sweep SWEEP.toml``: a grid of lab runs on Ray; ``lab show SWEEP_DIR`` for its result.

:func:`register` adds the ``sweep`` command to the ``lab`` group and lets ``lab show`` read a
sweep directory: it wraps the ``show`` command's function so that a directory holding a sweep
manifest (:data:`rlscale.runformat.SWEEP_MANIFEST`) gets :func:`sweep_summary` and any other path
the lab's own summary. ray and torch are imported only when a sweep runs.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Optional

from rlscale import runformat as rf
from rlscale.fmt import sig_estimate


def is_sweep_dir(path) -> bool:
    p = Path(path)
    return (p / rf.SWEEP_MANIFEST).is_file() and not (p / rf.MANIFEST).is_file()


def _score_of(run_dir: Path, key: str) -> float | None:
    import json

    try:
        doc = json.loads((run_dir / rf.MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return (doc.get(key) or {}).get("score")


def _ratio(source, rl: str, inference: str) -> dict:
    from rlscale.convert import compare
    from rlscale.errors import RlscaleError
    from rlscale.fitting import fit

    try:
        fits = fit(source, curves=[rl, inference], form="loglinear", seed=0)
        return {"value": compare(fits[rl], fits[inference]).slope_ratio.to_dict(), "error": None}
    except RlscaleError as exc:
        return {"value": None, "error": str(exc)}


def _configuration(sweep_dir: Path, conf: str, trials: list[dict], main: str | None) -> dict:
    from rlscale.lab.sweep_table import seed_interval

    mine = [t for t in trials if t["configuration"] == conf]
    seeds = []
    for t in mine:
        run_dir = sweep_dir / rf.SWEEP_TRIALS / t["name"]
        seeds.append({"seed": t["seed"], "trial": t["name"], "base_score": _score_of(run_dir, "base_score"),
                      "final_score": _score_of(run_dir, "final_score")})
    doc: dict = {"configuration": conf, "seeds": seeds}
    for key in ("base_score", "final_score"):
        vals = [s[key] for s in seeds if s[key] is not None]
        doc[key] = seed_interval(vals) if len(vals) == len(seeds) and vals else None
    if main and (sweep_dir / rf.OBSERVATIONS).is_file():
        doc["rl_curve"] = rf.sweep_curve(conf, rf.RL_CURVE)
        doc["inference_curve"] = rf.sweep_curve(conf, main)
        doc["slope_ratio"] = _ratio(sweep_dir, doc["rl_curve"], doc["inference_curve"])
        by_seed = sweep_dir / rf.SWEEP_BY_SEED
        for s in seeds:
            s["slope_ratio"] = _ratio(by_seed, rf.sweep_curve(conf, rf.RL_CURVE, s["seed"]),
                                      rf.sweep_curve(conf, main, s["seed"]))
    return doc


def sweep_summary(sweep_dir) -> dict:
    """The ``lab show --json`` document of a sweep directory: status, trials, and per
    configuration the base and final scores over seeds and the slope ratio of the mean curves."""
    import json

    from rlscale.lab.sweep import read_manifest, trial_status

    sweep_dir = Path(sweep_dir)
    manifest = read_manifest(sweep_dir)
    trials = manifest.get("trials", [])
    status = {t["name"]: trial_status(sweep_dir / rf.SWEEP_TRIALS / t["name"]) for t in trials}
    main = None
    for t in trials:
        try:
            doc = json.loads((sweep_dir / rf.SWEEP_TRIALS / t["name"] / rf.MANIFEST).read_text())
        except (OSError, ValueError):
            continue
        main = doc.get("main_inference_curve") or main
    return {"kind": "sweep", "status": manifest.get("status"),
            "trials_complete": sum(s == "complete" for s in status.values()),
            "trials": [{**t, "status": status[t["name"]]} for t in trials],
            "main_inference_curve": main,
            "wall_seconds_last_session": manifest.get("wall_seconds_last_session"),
            "configurations": [_configuration(sweep_dir, c, trials, main)
                               for c in manifest.get("configurations", [])]}


def _pct(v) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100 * v:.1f} %"


def _spread(doc) -> str:
    if not doc:
        return "-"
    if doc["seeds"] < 2:
        return _pct(doc["mean"])
    return f"{_pct(doc['mean'])} [{_pct(doc['low'])}, {_pct(doc['high'])}]"


def _ratio_text(r) -> str:
    return sig_estimate((r or {}).get("value"), missing="-", no_interval="unbounded")


def print_sweep(sweep_dir, doc: dict) -> None:
    from rich.table import Table

    from rlscale.cli._common import console

    con = console()
    con.print(f"[bold]{sweep_dir}[/bold]: sweep {doc['status']}, {doc['trials_complete']}/"
              f"{len(doc['trials'])} trials complete", highlight=False)
    table = Table(title="configurations (mean over seeds, 95 % t-interval over seeds)")
    for col in ("configuration", "seeds", "base score", "final score", "slope ratio"):
        table.add_column(col)
    for c in doc["configurations"]:
        table.add_row(c["configuration"], str(len(c["seeds"])), _spread(c["base_score"]),
                      _spread(c["final_score"]), _ratio_text(c.get("slope_ratio")))
        for s in c["seeds"]:
            table.add_row(f"  seed {s['seed']}", "", _pct(s["base_score"]), _pct(s["final_score"]),
                          _ratio_text(s.get("slope_ratio")))
    con.print(table)
    if doc.get("main_inference_curve"):
        con.print(f"slope ratio: {rf.RL_CURVE} vs {doc['main_inference_curve']} (loglinear fits)",
                  highlight=False)


def _wrap_show(lab) -> None:
    """Let ``lab show`` take a sweep directory (the lab's summary for any other path)."""
    for info in lab.registered_commands:
        if info.name == "show" and info.callback is not None:
            original = info.callback

            @functools.wraps(original)
            def show(run_dir: Path, as_json: bool = False, _original=original) -> None:
                if not is_sweep_dir(run_dir):
                    return _original(run_dir=run_dir, as_json=as_json)
                doc = sweep_summary(run_dir)
                if as_json:
                    from rlscale.cli._common import print_json

                    print_json(doc)
                else:
                    print_sweep(run_dir, doc)

            info.callback = show


def register(lab) -> None:
    """Add ``sweep`` to the ``lab`` command group (and sweep directories to ``lab show``)."""
    import typer

    @lab.command("sweep")
    def sweep_cmd(
        sweep_file: Path = typer.Argument(..., help="sweep file (TOML: seeds, [base], [grid], "
                                          "[resources]); see docs/lab-sweeps.md"),
        output: Optional[Path] = typer.Option(None, "-o", "--output",
                                              help="sweep directory (default lab-sweeps/<file name>)"),
        address: Optional[str] = typer.Option(None, "--address", help="an existing Ray cluster "
                                              "(e.g. HEAD_IP:6379 or 'auto'); default: a local Ray"),
        cpus: Optional[int] = typer.Option(None, "--cpus", help="CPU cores of the local Ray "
                                           "(default: all of this machine's)"),
    ) -> None:
        """Run a grid of lab runs (seeds x configurations) as Ray Tune trials; aggregate them."""
        from rlscale.cli._common import err_console
        from rlscale.lab.sweep import run_sweep

        out = output or Path("lab-sweeps") / sweep_file.stem
        rerun = f"rlscale lab sweep {sweep_file} -o {out}"
        try:
            outcome = run_sweep(sweep_file, out, address=address, num_cpus=cpus)
        except KeyboardInterrupt:
            err_console().print(f"sweep interrupted: rerun `{rerun}` to run the unfinished trials",
                                highlight=False)
            raise typer.Exit(130) from None
        con = err_console()
        if outcome.complete:
            con.print(f"sweep complete: {out} ({outcome.total} trials, {outcome.wall_seconds:.0f} s; "
                      f"see `rlscale lab show {out}`)", highlight=False)
            return
        left = outcome.total - len(outcome.completed) - len(outcome.skipped)
        failed = (f" ({len(outcome.failed)} failed, tracebacks in {out / rf.SWEEP_FAILURES})"
                  if outcome.failed else "")
        con.print(f"sweep incomplete: {left} of {outcome.total} trials unfinished{failed}; "
                  f"rerun `{rerun}` to run them", highlight=False)
        raise typer.Exit(1)

    _wrap_show(lab)
