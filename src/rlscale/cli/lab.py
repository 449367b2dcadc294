"""CLI command group ``rlscale lab``: run, resume, show, tasks.

torch is imported only inside ``run``/``resume`` (through :mod:`rlscale.lab.runner`), so this module
and ``rlscale --help`` stay light; without torch those commands print one line naming the extra.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from rlscale.runformat import RL_CURVE


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        from rlscale.errors import MissingExtraError

        raise MissingExtraError("torch", "lab") from None


def show_summary(run_dir: str | Path) -> dict:
    """The ``lab show --json`` document of a run directory (status, curves, flops, comparison)."""
    import json

    from rlscale.lab.store import RunDir

    run = RunDir.open(run_dir)
    doc = {"status": run.status(), "curves": [], "flops": {},
           "comparison": {"slope_ratio": None, "error": "no observations yet"}}
    if run.ledger_path.is_file():
        doc["flops"] = json.loads(run.ledger_path.read_text()).get("flops", {})
    if not run.observations_path.is_file():
        return doc
    import pandas as pd

    obs = pd.read_csv(run.observations_path)
    for curve, g in obs.groupby("curve", sort=False):
        doc["curves"].append({"id": curve, "axis": str(g["axis"].iloc[0]), "n_points": int(len(g)),
                              "compute_min": float(g["compute"].min()),
                              "compute_max": float(g["compute"].max())})
    main = run.manifest().get("main_inference_curve")
    doc["main_inference_curve"] = main
    if main and RL_CURVE in set(obs["curve"]):
        doc["comparison"] = _comparison(run.path, main)
    return doc


def _comparison(run_dir: Path, main: str) -> dict:
    from rlscale.errors import RlscaleError

    try:
        from rlscale.convert import compare
        from rlscale.fitting import fit
    except ImportError as exc:  # the analysis core is not installed in this checkout
        return {"slope_ratio": None, "error": f"analysis core unavailable: {exc}"}
    try:
        fits = fit(run_dir, curves=[RL_CURVE, main], form="loglinear", seed=0)
        cmp = compare(fits[RL_CURVE], fits[main])
    except RlscaleError as exc:
        return {"slope_ratio": None, "error": str(exc)}
    return {"slope_ratio": cmp.slope_ratio.to_dict(), "rl": RL_CURVE, "inference": main,
            "rl_slope_per_decade": fits[RL_CURVE].slope_per_decade.to_dict(),
            "inference_slope_per_decade": fits[main].slope_per_decade.to_dict()}


def register(app) -> None:
    """Add the ``lab`` command group to *app*."""
    import typer

    lab = typer.Typer(help="The lab: pre-train a small policy, apply RL with every FLOP counted, "
                      "and measure RL and inference scaling curves on this machine.",
                      no_args_is_help=True)
    app.add_typer(lab, name="lab")

    @lab.command("run")
    def run_cmd(
        preset: Optional[str] = typer.Option(None, "--preset", help="quick | default"),
        config: Optional[Path] = typer.Option(None, "--config", help="JSON or TOML config file "
                                              "(sections task, model, pretrain, rl, eval)"),
        seed: Optional[int] = typer.Option(None, "--seed", help="seed (overrides the config)"),
        output: Optional[Path] = typer.Option(None, "-o", "--output",
                                              help="run directory (default lab-runs/<preset>-seed<N>)"),
    ) -> None:
        """Pre-train, run GRPO, evaluate every checkpoint; write a run directory."""
        from rlscale.lab.config import load_config_file, resolve_config

        overrides = load_config_file(config) if config else {}
        cfg = resolve_config(preset, overrides, seed, origin=str(config or "config"))
        _require_torch()
        from rlscale.lab.runner import run

        out = output or Path("lab-runs") / f"{cfg.preset}-seed{cfg.seed}"
        run(cfg, out)
        _print_done(out)

    @lab.command("resume")
    def resume_cmd(run_dir: Path = typer.Argument(..., help="an interrupted run directory")) -> None:
        """Continue an interrupted run from its last checkpoint (same observations as unbroken)."""
        from rlscale.lab.store import RunDir

        RunDir.open(run_dir)
        _require_torch()
        from rlscale.lab.runner import resume

        resume(run_dir)
        _print_done(run_dir)

    @lab.command("show")
    def show_cmd(run_dir: Path = typer.Argument(..., help="a lab run directory"),
                 as_json: bool = typer.Option(False, "--json", help="print one JSON document")) -> None:
        """Status, curves, FLOPs by component and the measured slope ratio of a run."""
        doc = show_summary(run_dir)
        if as_json:
            from rlscale.cli._common import print_json

            print_json(doc)
            return
        _print_show(run_dir, doc)

    @lab.command("tasks")
    def tasks_cmd() -> None:
        """List the tasks with a sample problem and its worked solution."""
        import random

        from rlscale.cli._common import console
        from rlscale.lab.tasks import TASKS

        con = console()
        for name in sorted(TASKS):
            task = TASKS[name]()
            p = task.sample("train", random.Random(0))
            con.print(f"[bold]{name}[/bold]: {task.description}", highlight=False)
            con.print(f"  difficulty: {', '.join(map(str, task.difficulties))} "
                      f"(default {task.default_difficulty})", highlight=False)
            con.print(f"  sample prompt:   {p.prompt}", highlight=False, markup=False)
            con.print(f"  worked solution: {p.solution}", highlight=False, markup=False)
            con.print(f"  answer:          {p.answer}", highlight=False, markup=False)

    from rlscale.cli import lab_sweep  # `lab sweep`, and `lab show` of a sweep directory
    lab_sweep.register(lab)
    from rlscale.cli import lab_trl; lab_trl.register(lab)  # `lab run --engine`, `lab export-verl`


def _print_done(run_dir) -> None:
    from rlscale.cli._common import err_console

    err_console().print(f"run complete: {run_dir}  (see `rlscale lab show {run_dir}`)")


def _print_show(run_dir, doc: dict) -> None:
    from rich.table import Table

    from rlscale.cli._common import console

    con = console()
    con.print(f"[bold]{run_dir}[/bold]: {doc['status']}")
    table = Table(title="curves")
    for col in ("curve", "axis", "points", "FLOPs min", "FLOPs max"):
        table.add_column(col)
    for c in doc["curves"]:
        table.add_row(c["id"], c["axis"], str(c["n_points"]), f"{c['compute_min']:.3g}",
                      f"{c['compute_max']:.3g}")
    con.print(table)
    flops = Table(title="FLOPs by component")
    flops.add_column("component")
    flops.add_column("FLOPs", justify="right")
    for k, v in doc["flops"].items():
        flops.add_row(k, f"{v:.3g}")
    con.print(flops)
    cmp = doc.get("comparison") or {}
    sr = cmp.get("slope_ratio")
    if sr and sr.get("value") is not None:
        ci = (f"[95% CI {sr['ci_low']:.3g}, {sr['ci_high']:.3g}]"
              if sr.get("ci_low") is not None and sr.get("ci_high") is not None
              else "[95% CI unbounded: an interval of a slope reaches zero]")
        con.print(f"slope ratio ({RL_CURVE} vs {cmp['inference']}): {sr['value']:.3g} {ci}",
                  highlight=False)
    elif cmp.get("error"):
        con.print(f"slope ratio: not available ({cmp['error']})")
