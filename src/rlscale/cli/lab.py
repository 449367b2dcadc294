"""CLI command group ``rlscale lab``: run, resume, show, tasks.

torch is imported only inside ``run``/``resume`` (through :mod:`rlscale.lab.runner`), so this module
and ``rlscale --help`` stay light; without torch those commands print one line naming the extra.
Ctrl-C during ``run``/``resume`` prints one line with the ``rlscale lab resume DIR`` command (the
run directory stays resumable) and exits 130. Text read from files (curve ids, paths) is printed
literally: no rich markup, control characters escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from rlscale.cli._lab_common import _print_done, _require_torch
from rlscale.fmt import printable, score, sig, sig_estimate
from rlscale.lab.presets import HELP as PRESET_HELP
from rlscale.runformat import RL_CURVE


def _resumable(fn, run_dir: Path) -> None:
    """Run *fn*; Ctrl-C becomes one line naming the command that continues the run."""
    import sys

    import typer

    try:
        fn()
    except KeyboardInterrupt:
        print(f"rlscale: interrupted; the run is saved up to its last checkpoint: continue it "
              f"with `rlscale lab resume {printable(run_dir)}`", file=sys.stderr)
        raise typer.Exit(130) from None


def run_command(preset: Optional[str], config: Optional[Path], seed: Optional[int],
                output: Optional[Path]) -> None:
    """``rlscale lab run``: resolve and bound the config (before any work), then run."""
    from rlscale.lab.config import load_config_file, resolve_config

    overrides = load_config_file(config) if config else {}
    cfg = resolve_config(preset, overrides, seed, origin=str(config or "config"))
    _require_torch()
    from rlscale.lab.runner import run

    out = output or Path("lab-runs") / f"{cfg.preset}-seed{cfg.seed}"
    _resumable(lambda: run(cfg, out), out)
    _print_done(out)


def resume_command(run_dir: Path) -> None:
    """``rlscale lab resume``: continue an interrupted run (refused while another holds it)."""
    from rlscale.lab.store import RunDir

    RunDir.open(run_dir)
    _require_torch()
    from rlscale.lab.runner import resume

    _resumable(lambda: resume(run_dir), run_dir)
    _print_done(run_dir)


def show_command(run_dir: Path, as_json: bool) -> None:
    from rlscale.convert.decomposition import show_section
    from rlscale.lab.pretrain_axis import three_way_section
    from rlscale.lab.summary import show_summary

    doc = show_summary(run_dir)
    doc.update(three_way_section(run_dir, doc))   # with the pre-training axis only
    doc.update(show_section(run_dir, doc))        # the thinking decomposition
    if as_json:
        from rlscale.cli._common import print_json

        print_json(doc)
        return
    _print_show(run_dir, doc)
    _print_three_way(doc)
    _print_decomposition(doc)


def _print_decomposition(doc: dict) -> None:
    """The thinking decomposition of a run (rlscale.convert.decomposition)."""
    if not doc.get("decomposition"):
        return
    from rich.text import Text

    from rlscale.cli._common import console
    from rlscale.convert.decomposition import describe

    for line in describe(doc["decomposition"]):
        console().print(Text(printable(line)))


def _print_three_way(doc: dict) -> None:
    """The three-way exchange of a run with the pre-training curve (rlscale.convert.three_way)."""
    if not doc.get("three_way"):
        return
    from rich.text import Text

    from rlscale.cli._common import console
    from rlscale.convert.three_way import describe

    for line in describe(doc["three_way"]):
        console().print(Text(printable(line)))


def tasks_command() -> None:
    import random

    from rlscale.lab.tasks import TASKS

    for name in sorted(TASKS):
        task = TASKS[name]()
        p = task.sample("train", random.Random(0))
        print(f"{name}: {task.description}")
        print(f"  difficulty: {', '.join(map(str, task.difficulties))} "
              f"(default {task.default_difficulty})")
        print(f"  sample prompt:   {p.prompt}")
        print(f"  worked solution: {p.solution}")
        print(f"  answer:          {p.answer}")


def register(app) -> None:
    """Add the ``lab`` command group to *app*."""
    import typer

    lab = typer.Typer(help="The lab: pre-train a small policy, apply RL with every FLOP counted, "
                      "and measure RL and inference scaling curves on this machine.",
                      no_args_is_help=True)
    app.add_typer(lab, name="lab")

    @lab.command("run")
    def run_cmd(
        preset: Optional[str] = typer.Option(None, "--preset", help=PRESET_HELP),
        config: Optional[Path] = typer.Option(None, "--config", help="JSON or TOML config file "
                                              "(sections task, model, pretrain, rl, eval)"),
        seed: Optional[int] = typer.Option(None, "--seed", help="seed (overrides the config)"),
        output: Optional[Path] = typer.Option(None, "-o", "--output",
                                              help="run directory (default lab-runs/<preset>-seed<N>)"),
    ) -> None:
        """Pre-train, run GRPO, evaluate every checkpoint; write a run directory."""
        run_command(preset, config, seed, output)

    @lab.command("resume")
    def resume_cmd(run_dir: Path = typer.Argument(..., help="an interrupted run directory")) -> None:
        """Continue an interrupted run from its last checkpoint (same observations as unbroken)."""
        resume_command(run_dir)

    @lab.command("show")
    def show_cmd(run_dir: Path = typer.Argument(..., help="a lab run directory"),
                 as_json: bool = typer.Option(False, "--json", help="print one JSON document")) -> None:
        """Status, curves, FLOPs by component and the measured slope ratio of a run."""
        show_command(run_dir, as_json)

    @lab.command("tasks")
    def tasks_cmd() -> None:
        """List the tasks with a sample problem and its worked solution."""
        tasks_command()

    from rlscale.cli import lab_sweep  # `lab sweep`, and `lab show` of a sweep directory
    lab_sweep.register(lab)
    from rlscale.cli import lab_trl; lab_trl.register(lab)  # `lab run --engine`, `lab export-verl`


def _print_show(run_dir, doc: dict) -> None:
    from rich.text import Text

    from rlscale.cli._common import console

    con = console()
    con.print(Text(f"{printable(run_dir)}: {doc['status']}", style="bold"))
    sc = doc.get("scores")
    if sc and sc["from"] == RL_CURVE:
        con.print(Text(f"score ({RL_CURVE}'s first and last point): {score(sc['base'])} -> "
                       f"{score(sc['final'])}"))
    elif sc:
        what = f" ({printable(sc['budget'])})" if sc.get("budget") else ""
        after = f", after {sc['final_step']} RL steps" if sc.get("final_step") is not None else ""
        con.print(Text(f"score{what}: base model {score(sc['base'])}, final checkpoint "
                       f"{score(sc['final'])}{after}"))
    con.print(_rows_table("curves", ("curve", "axis", "points", "FLOPs min", "FLOPs max"),
                          [(c["id"], c["axis"], str(c["n_points"]), sig(c["compute_min"], 3),
                            sig(c["compute_max"], 3)) for c in doc["curves"]]))
    con.print(_rows_table("FLOPs by component", ("component", "FLOPs"),
                          [(k, sig(v, 3)) for k, v in doc["flops"].items()]))
    if doc.get("pairings"):
        con.print(_rows_table(f"{RL_CURVE} against each inference curve (slope ratio = RL slope "
                              "/ inference slope)", ("inference curve", "slope ratio [95% CI]",
                                                     "note"),
                              [(r["inference"], sig_estimate(r["slope_ratio"]), _note(r))
                               for r in doc["pairings"]]))
    cmp = doc.get("comparison") or {}
    if cmp.get("inference"):
        con.print(Text(f"headline pair: {RL_CURVE} vs {printable(cmp['inference'])}"))
    if doc.get("headline"):
        con.print(Text(printable(doc["headline"])))
    elif cmp.get("error"):
        con.print(Text(f"slope ratio: not available ({printable(cmp['error'])})"))


def _rows_table(title: str, columns, rows):
    """A rich table of plain strings (file text printed literally, never as markup)."""
    from rich.table import Table
    from rich.text import Text

    rows = [[printable(x) for x in row] for row in rows]
    table = Table(title=title)
    # the first column (a curve id or component) is not wrapped; the others fold if need be
    for i, col in enumerate(columns):
        table.add_column(col, no_wrap=i == 0, overflow="fold")
    for row in rows:
        table.add_row(*(Text(x) for x in row))
    return table


def _note(row: dict) -> str:
    text = "headline; " if row.get("headline") else ""
    if row.get("error"):
        return text + row["error"]
    return text + ("" if row.get("stated") else "no ratio (see the headline)")
