"""TensorBoard event files: scalars by tag, read with the ``tensorboard`` package's reader.

PATH is one ``events.out.tfevents.*`` file or a directory. Every directory holding event files
is one run (TRL writes ``runs/<date>_<host>/``, a ``SummaryWriter`` its ``log_dir``); event files
of one run are read in name order and must continue each other's steps, or the directory mixes
runs. A directory of several runs gives one curve per run. The TRL/verl tags (``train/num_tokens``,
``perf/total_num_tokens``, ...) become compute as in :mod:`rlscale.importers.trl` and
:mod:`rlscale.importers.verl`; TRL's ``args`` text summary gives the completions per step.
Needs the ``tensorboard`` extra (no TensorFlow).
"""

from __future__ import annotations

import json
from pathlib import Path

from rlscale.errors import MissingExtraError, RlscaleError
from rlscale.importers._common import Imported, Options, ScalarLog, build_rl_rows

PATTERN = "events.out.tfevents*"


def _accumulator():
    try:
        from tensorboard.backend.event_processing import event_accumulator
    except ImportError:
        raise MissingExtraError("tensorboard", "tensorboard") from None
    return event_accumulator


def _runs(path: Path) -> dict[Path, list[Path]]:
    if path.is_file():
        if not path.name.startswith("events.out.tfevents"):
            raise RlscaleError("not a TensorBoard event file (its name does not start with "
                               "events.out.tfevents)", file=str(path))
        return {path.parent: [path]}
    if not path.is_dir():
        raise RlscaleError("file not found", file=str(path))
    runs: dict[Path, list[Path]] = {}
    for f in sorted(path.rglob(PATTERN)):
        if f.is_file():
            runs.setdefault(f.parent, []).append(f)
    if not runs:
        raise RlscaleError("no TensorBoard event files (events.out.tfevents.*) here",
                           file=str(path))
    return runs


def _completions_per_step(acc, ea) -> int | None:
    """per_device_train_batch_size x gradient_accumulation_steps from Hugging Face's ``args``."""
    if "args/text_summary" not in acc.Tags().get(ea.TENSORS, []):
        return None
    try:
        from tensorboard.util import tensor_util

        raw = tensor_util.make_ndarray(acc.Tensors("args/text_summary")[0].tensor_proto)
        args = json.loads(raw.reshape(-1)[0].decode("utf-8"))
        n = int(args["per_device_train_batch_size"]) * int(args["gradient_accumulation_steps"])
    except Exception:  # an args summary of another shape: fall back to the user's flag
        return None
    return n if n > 0 else None


def _read_file(f: Path, log: ScalarLog, ea) -> None:
    acc = ea.EventAccumulator(str(f), size_guidance={ea.SCALARS: 0, ea.TENSORS: 10})
    try:
        acc.Reload()
        tags = acc.Tags().get(ea.SCALARS, [])
        events = {tag: acc.Scalars(tag) for tag in tags}
    except Exception as exc:  # the reader raises DataLossError, OSError, protobuf errors...
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise RlscaleError(f"not a readable TensorBoard event file: {first}", file=str(f)) from None
    for tag, points in events.items():
        before = log.metrics.get(tag)
        if before and points and points[0].step <= before[-1][0]:
            raise RlscaleError(f"mixed runs in one directory: tag '{tag}' starts again at step "
                               f"{points[0].step} in {f.name} (give one run's directory)",
                               file=str(f.parent))
        for event in points:
            log.add(tag, event.step, event.value)
    n = _completions_per_step(acc, ea)
    if n:
        log.meta["completions_per_step"] = n


def read_logs(path: str | Path) -> list[ScalarLog]:
    """One :class:`ScalarLog` per run under ``path``."""
    ea = _accumulator()
    root = Path(path)
    logs = []
    for run_dir, files in _runs(root).items():
        source = str(run_dir) if root.is_dir() else str(root)  # what the user named
        log = ScalarLog(source=source, kind="tensorboard", run=run_dir.name)
        for f in files:
            _read_file(f, log, ea)
        logs.append(log)
    return logs


def read(path: str | Path, opts: Options) -> Imported:
    logs = read_logs(path)
    if len(logs) > 1 and opts.curve:
        raise RlscaleError(f"{len(logs)} runs here ({', '.join(log.run for log in logs[:5])}): "
                           "--curve names one curve; give one run's directory", file=str(path))
    parts = [build_rl_rows(log, opts) for log in logs]
    if len(parts) == 1:
        return parts[0]
    import pandas as pd

    from rlscale.data import read_frame

    frame = read_frame(pd.concat([p.frame for p in parts], ignore_index=True), source_name=str(path))
    warns = list(dict.fromkeys(w for p in parts for w in p.warnings))
    return Imported(frame, warns, sorted({m for p in parts for m in p.metrics}))


def list_metrics(path: str | Path) -> list[str]:
    return sorted({name for log in read_logs(path) for name in log.metrics})
