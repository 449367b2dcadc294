"""Bring your own runs: read TRL, TensorBoard, W&B, verl and lm-evaluation-harness results.

Each source has one module; :data:`KINDS` maps the ``KIND`` of ``KIND:PATH`` (accepted wherever
DATA is) and of ``rlscale import KIND PATH`` to it. Importing this package loads nothing heavy:
a reader imports its library (``tensorboard``, ``tokenizers``) only when it runs, and a missing
one raises :class:`rlscale.errors.MissingExtraError` naming the extra to install.

    import rlscale
    obs = rlscale.read_observations("trl:outputs/my-grpo-run")      # tokens on the compute axis
    from rlscale.importers import import_run, Options
    result = import_run("verl", "metrics.jsonl", Options())         # .frame, .warnings, .metrics
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from rlscale.errors import RlscaleError
from rlscale.importers._common import Imported, Options

KINDS = {
    "trl": "rlscale.importers.trl",
    "tensorboard": "rlscale.importers.tensorboard",
    "wandb": "rlscale.importers.wandb",
    "verl": "rlscale.importers.verl",
    "lm-eval": "rlscale.importers.lmeval",
}
"""KIND -> module with ``read(path, opts) -> Imported`` and ``list_metrics(path)``."""


def split_source(source: str) -> tuple[str, str] | None:
    """``("trl", "PATH")`` for ``"trl:PATH"``; None when the prefix is not an importer KIND."""
    kind, sep, path = source.partition(":")
    if sep and kind in KINDS:
        return kind, path
    return None


def import_run(kind: str, path: str | Path, opts: Options | None = None, **kwargs) -> Imported:
    """Read ``path`` with the importer of ``kind`` into an observation table."""
    if kind not in KINDS:
        raise RlscaleError(f"unknown import kind '{kind}' (use one of: {', '.join(KINDS)})")
    if str(path).strip() == "":
        raise RlscaleError(f"{kind}: give a path after '{kind}:'")
    module = importlib.import_module(KINDS[kind])
    return module.read(path, opts or Options(), **kwargs)


def metrics_of(kind: str, path: str | Path) -> list[str]:
    """The metrics ``path`` holds (what ``--metric`` may name), sorted."""
    if kind not in KINDS:
        raise RlscaleError(f"unknown import kind '{kind}' (use one of: {', '.join(KINDS)})")
    return importlib.import_module(KINDS[kind]).list_metrics(path)


def read_source(source: str, *, score_scale: str = "unit"):
    """The observation frame of a ``KIND:PATH`` DATA argument (defaults; warnings on stderr)."""
    kind, path = split_source(source) or ("", source)
    if score_scale != "unit":
        raise RlscaleError(f"{source}: --score-scale {score_scale} does not apply to an imported "
                           "run (its scores are read as fractions in [0, 1])")
    result = import_run(kind, path)
    for warning in result.warnings:
        print(f"rlscale: warning: {source}: {warning}", file=sys.stderr)
    return result.frame


__all__ = ["KINDS", "Imported", "Options", "import_run", "metrics_of", "read_source",
           "split_source"]
