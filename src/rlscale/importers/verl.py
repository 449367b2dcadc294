"""verl: the ``file`` logger's JSON lines, ``{"step": N, "data": {"critic/score/mean": ...}}``.

verl's ``trainer.logger=[..., "file"]`` appends one JSON object per training step to
``$VERL_FILE_LOGGER_PATH`` (newer versions add ``"elapsed_seconds"``). The metric is a
validation score when one was logged (``val-core/<data source>/<reward key>/mean@N``), else the
training reward ``critic/score/mean``. Compute: ``perf/total_num_tokens`` (prompt + response
tokens of the step's batch) with ``prompt_length/mean + response_length/mean`` as the sequence
length; the ``timing_s/*`` keys tell which passes ran (old log-probs, KL reference, critic).
"""

from __future__ import annotations

import json
from pathlib import Path

from rlscale.errors import RlscaleError
from rlscale.importers._common import Imported, Options, ScalarLog, build_rl_rows


def _lines(path: Path) -> list[str]:
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RlscaleError("file not found", file=name) from None
    except OSError as exc:
        raise RlscaleError(f"cannot read file: {exc.strerror or exc}", file=name) from None
    try:
        return data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise RlscaleError("not verl JSON lines (not UTF-8 text)", file=name) from None


def read_log(path: str | Path) -> ScalarLog:
    p = Path(path)
    log = ScalarLog(source=str(p), kind="verl", run=p.stem)
    shape = 'verl\'s file logger writes {"step": N, "data": {...}} per line'
    last = None
    for k, line in enumerate(_lines(p), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise RlscaleError(f"line {k} is not JSON ({shape})", file=str(p)) from None
        if not (isinstance(record, dict) and isinstance(record.get("data"), dict)
                and "step" in record):
            raise RlscaleError(f"line {k} is not a verl record ({shape})", file=str(p))
        step = record["step"]
        if isinstance(step, bool) or not isinstance(step, (int, float)):
            raise RlscaleError(f"line {k}: step {step!r} is not a number", file=str(p))
        if last is not None and step <= last:
            raise RlscaleError(f"non-monotonic steps: line {k} has step {step:g} after step "
                               f"{last:g} (two runs appended to one file? import each alone)",
                               file=str(p))
        last = step
        for key, value in record["data"].items():
            log.add(key, step, value)
    return log


def read(path: str | Path, opts: Options) -> Imported:
    return build_rl_rows(read_log(path), opts)


def list_metrics(path: str | Path) -> list[str]:
    return sorted(read_log(path).metrics)
