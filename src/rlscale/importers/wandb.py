"""Weights & Biases: the CSV of a run's history (a step column and metric columns).

Both exports are read: the run history (``run.history()`` / "Export as CSV" of the run's table,
with ``_step``, ``_runtime``, ``_timestamp`` and the logged keys) and a chart panel's CSV
(``Step``, ``<run> - <metric>`` and its ``__MIN``/``__MAX`` columns). The step is the trainer's
``train/global_step`` when the run logged one (Hugging Face and TRL do), else ``_step``.
History rows are sparse: an empty cell is a metric not logged at that row. Columns of more than
one run (``a - reward``, ``b - reward``) are mixed runs.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rlscale.errors import RlscaleError
from rlscale.importers._common import Imported, Options, ScalarLog, build_rl_rows

STEP_COLUMNS = ("train/global_step", "trainer/global_step", "global_step", "_step", "step", "Step")
_SKIP = ("_runtime", "_timestamp", "_wandb")


def _rows(path: Path) -> list[list[str]]:
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RlscaleError("file not found", file=name) from None
    except OSError as exc:
        raise RlscaleError(f"cannot read file: {exc.strerror or exc}", file=name) from None
    if b"\x00" in data:
        raise RlscaleError("not a W&B history CSV (binary data)", file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RlscaleError("not a W&B history CSV (not UTF-8 text)", file=name) from None
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]
    except csv.Error as exc:
        raise RlscaleError(f"not a W&B history CSV: {exc}", file=name) from None
    if not rows:
        raise RlscaleError("file is empty", file=name)
    return rows


def _metric_columns(header: list[str], step_col: str, name: str) -> dict[int, str]:
    """column index -> metric name, with a panel export's ``<run> - `` prefix taken off."""
    cols = {i: h.strip() for i, h in enumerate(header)
            if h.strip() and h.strip() != step_col and not h.strip().startswith(_SKIP)
            and not h.strip().endswith(("__MIN", "__MAX", "epoch")) and h.strip() not in STEP_COLUMNS}
    runs = {h.split(" - ", 1)[0] for h in cols.values() if " - " in h}
    if len(runs) > 1:
        raise RlscaleError(f"mixed runs in one file: columns of runs {', '.join(sorted(runs)[:5])} "
                           "(export one run's history)", file=name)
    return {i: h.split(" - ", 1)[1] if " - " in h else h for i, h in cols.items()}


def read_log(path: str | Path) -> ScalarLog:
    p = Path(path)
    rows = _rows(p)
    header = [h.strip() for h in rows[0]]
    step_col = next((c for c in STEP_COLUMNS if c in header), None)
    if step_col is None:
        raise RlscaleError(f"not a W&B history CSV: no step column (one of "
                           f"{', '.join(STEP_COLUMNS)}; found: {', '.join(header[:10])})",
                           file=str(p))
    cols = _metric_columns(header, step_col, str(p))
    log = ScalarLog(source=str(p), kind="wandb", run=p.stem)
    s = header.index(step_col)
    for k, row in enumerate(rows[1:], start=1):
        if len(row) != len(header):
            raise RlscaleError(f"has {len(row)} fields but the header has {len(header)}",
                               file=str(p), row=k)
        for i, metric in cols.items():
            log.add(metric, row[s], row[i])
    return log


def read(path: str | Path, opts: Options) -> Imported:
    return build_rl_rows(read_log(path), opts)


def list_metrics(path: str | Path) -> list[str]:
    return sorted(read_log(path).metrics)
