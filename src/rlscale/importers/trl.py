"""TRL runs: ``trainer_state.json`` (its ``log_history``), of a run or of a ``checkpoint-N/``.

PATH is a ``trainer_state.json``, a ``checkpoint-N/`` directory, or a run's output directory
(its own ``trainer_state.json``, else that of its last checkpoint; every checkpoint's history
must be the start of the one read, or the directory mixes runs). The metric per step is an eval
metric when the run logged one (``eval_*``), else the training reward. Token counts come from
TRL's cumulative ``num_tokens`` (prompt + completion tokens of every sampled completion); the
completions per step default to the state's ``train_batch_size`` (one process, no gradient
accumulation; say otherwise with ``--completions-per-step``). Reading needs no TRL install.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rlscale.errors import RlscaleError
from rlscale.importers._common import Imported, Options, ScalarLog, build_rl_rows

STATE = "trainer_state.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
_SKIP = ("step", "epoch")  # bookkeeping that train and eval entries of one step both carry


def _load_state(path: Path) -> dict[str, Any]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RlscaleError("not a TRL trainer_state.json (not UTF-8 text)", file=name) from None
    except OSError as exc:
        raise RlscaleError(f"cannot read file: {exc.strerror or exc}", file=name) from None
    try:
        state = json.loads(text)
    except ValueError:
        raise RlscaleError("not a TRL trainer_state.json (not JSON)", file=name) from None
    if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
        raise RlscaleError("not a TRL trainer_state.json (no 'log_history' list)", file=name)
    return state


def _checkpoints(directory: Path) -> list[Path]:
    found = []
    for child in directory.iterdir():
        m = _CHECKPOINT.match(child.name)
        if m and (child / STATE).is_file():
            found.append((int(m.group(1)), child / STATE))
    return [p for _, p in sorted(found)]


def _locate(path: Path) -> tuple[Path, list[Path], str]:
    """(state file to read, other states that must agree with it, run name)."""
    if path.is_file():
        run = path.parent.parent if _CHECKPOINT.match(path.parent.name) else path.parent
        return path, [], run.name
    if not path.is_dir():
        raise RlscaleError("file not found", file=str(path))
    checkpoints = _checkpoints(path)
    if (path / STATE).is_file():
        run = path.parent if _CHECKPOINT.match(path.name) else path
        return path / STATE, checkpoints, run.name
    if checkpoints:
        return checkpoints[-1], checkpoints[:-1], path.name
    raise RlscaleError(f"no {STATE} here nor in a checkpoint-N/ directory (not a TRL run "
                       "directory)", file=str(path))


def read_log(path: str | Path) -> ScalarLog:
    """The run's scalars as a :class:`ScalarLog` (see the module doc)."""
    state_path, others, run = _locate(Path(path))
    state = _load_state(state_path)
    history = state["log_history"]
    for other in others:
        earlier = _load_state(other)["log_history"]
        if history[:len(earlier)] != earlier:
            raise RlscaleError(f"mixed runs in one directory: the log history of "
                               f"{other.parent.name} is not the start of {state_path}'s",
                               file=str(path))
    log = ScalarLog(source=str(path), kind="trl", run=run)
    for k, entry in enumerate(history, start=1):
        if not isinstance(entry, dict):
            raise RlscaleError(f"log_history entry {k} is not an object", file=str(state_path))
        step = entry.get("step")
        for key, value in entry.items():
            if key not in _SKIP:
                log.add(key, step, value)
    batch = state.get("train_batch_size")
    if isinstance(batch, int) and not isinstance(batch, bool) and batch > 0:
        log.meta["completions_per_step"] = batch
    return log


def read(path: str | Path, opts: Options) -> Imported:
    return build_rl_rows(read_log(path), opts)


def list_metrics(path: str | Path) -> list[str]:
    return sorted(read_log(path).metrics)
