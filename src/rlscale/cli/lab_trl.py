"""``rlscale lab run --engine trl`` and ``rlscale lab export-verl CONFIG``.

:func:`register` gives the ``lab run`` command an ``--engine native|trl`` option (it sets the config
key ``engine``, over the config file's) and adds ``export-verl``, which prints the verl overrides of
a lab config (:func:`rlscale.lab.engines.options.verl_overrides`), one ``key=value`` per line, ready
for ``python -m verl.trainer.main_ppo $(cat overrides.txt)``. TRL and torch are imported only when a
run starts; a missing one is one line naming the extra.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import Optional

ENGINE_HELP = "RL engine: native (the lab's GRPO) | trl (TRL's GRPOTrainer); sets config key 'engine'"


def _with_engine(original):
    """*original* (the ``lab run`` callback) with an ``--engine`` option in front of it."""
    import typer

    from rlscale.lab.engines import ENGINES

    @functools.wraps(original)
    def run(*args, engine: Optional[str] = None, **kwargs):
        if engine is None:
            config = kwargs.get("config")
            if config and _file_engine(config) == "trl":   # a missing extra before any work
                from rlscale.lab.engines import require_trl

                require_trl()
            return original(*args, **kwargs)
        if engine not in ENGINES:
            from rlscale.errors import RlscaleError

            raise RlscaleError(f"--engine: {engine!r} is not one of {list(ENGINES)}")
        return _run_with_engine(engine, **kwargs)

    params = list(inspect.signature(original).parameters.values())
    params.append(inspect.Parameter("engine", inspect.Parameter.KEYWORD_ONLY,
                                    default=typer.Option(None, "--engine", help=ENGINE_HELP),
                                    annotation=Optional[str]))
    run.__signature__ = inspect.Signature(params)
    return run


def _file_engine(config) -> str | None:
    from rlscale.lab.config import load_config_file

    doc = load_config_file(config)
    return doc.get("engine") if isinstance(doc, dict) else None


def _run_with_engine(engine: str, *, preset=None, config=None, seed=None, output=None) -> None:
    """``lab run`` with ``engine`` set over the config file's value."""
    from rlscale.cli._lab_common import _print_done, _require_torch
    from rlscale.lab.config import load_config_file, resolve_config

    overrides = load_config_file(config) if config else {}
    overrides["engine"] = engine
    cfg = resolve_config(preset, overrides, seed, origin=str(config or "config"))
    _require_torch()
    if engine != "native":
        from rlscale.lab.engines import require_trl

        require_trl()
    from rlscale.lab.runner import run

    tag = "" if engine == "native" else f"-{engine}"
    out = output or Path("lab-runs") / f"{cfg.preset}{tag}-seed{cfg.seed}"
    run(cfg, out)
    _print_done(out)


def export_verl(config: Path, preset: Optional[str] = None) -> list[str]:
    """The verl overrides of the lab config file *config* (max response length from the task)."""
    from rlscale.lab.config import load_config_file, resolve_config
    from rlscale.lab.engines.options import verl_overrides

    cfg = resolve_config(preset, load_config_file(config), None, origin=str(config))
    return verl_overrides(cfg, completion_tokens(cfg))


def completion_tokens(cfg) -> int:
    """``rl.max_completion_length``, or the runner's rule from the task when it is 0."""
    if cfg.rl.max_completion_length:
        return cfg.rl.max_completion_length
    from rlscale.lab.bounds import sequence_lengths
    from rlscale.lab.tasks import get_task

    return sequence_lengths(get_task(cfg.task.name, cfg.task.difficulty), cfg)[0]


def register(lab) -> None:
    """Add ``--engine`` to ``lab run`` and the ``export-verl`` command to the ``lab`` group."""
    import typer

    from rlscale.lab.presets import HELP as PRESET_HELP

    for info in lab.registered_commands:
        if info.name == "run" and info.callback is not None:
            info.callback = _with_engine(info.callback)

    @lab.command("export-verl")
    def export_verl_cmd(
        config: Path = typer.Argument(..., help="a lab config file (JSON or TOML)"),
        preset: Optional[str] = typer.Option(None, "--preset", help=PRESET_HELP),
        output: Optional[Path] = typer.Option(None, "-o", "--output",
                                              help="write the overrides to this file"),
    ) -> None:
        """Print the verl (main_ppo, GRPO) overrides of a lab config, one key=value a line."""
        lines = export_verl(config, preset)
        text = "\n".join(lines) + "\n"
        if output is None:
            typer.echo(text, nl=False)
            return
        from rlscale.lab.store import atomic_write_bytes

        atomic_write_bytes(output, text.encode())
        from rlscale.cli._common import err_console

        err_console().print(f"{len(lines)} verl overrides written to {output}", highlight=False)
