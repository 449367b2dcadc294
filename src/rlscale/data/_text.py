"""Text readers shared by the file readers and the built-in catalog: bytes -> text -> columns.

Kept apart from :mod:`rlscale.data.io` so that the catalog (which reads its packaged CSV text)
and io (which reads ``catalog:ID``) do not import each other. Pure Python: no pandas here until
:func:`read_csv_text` validates (``validate_columns`` builds the frame).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from rlscale.data.schema import _show, validate_columns
from rlscale.errors import RlscaleError


def read_csv_text(text: str, *, source_name: str, score_scale: str = "unit"):
    """Validate observations given as CSV text (used for packaged catalog files)."""
    return validate_columns(parse_csv(text, source_name), source=source_name,
                            score_scale=score_scale)


def read_text(path: Path, name: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RlscaleError(f"cannot read file: {exc.strerror or exc}", file=name) from None
    if data.strip() == b"":
        raise RlscaleError("file is empty", file=name)
    if b"\x00" in data:
        raise RlscaleError("unreadable encoding: the file holds NUL bytes (binary, or UTF-16?); "
                           "save it as UTF-8 text", file=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RlscaleError(f"unreadable encoding: not UTF-8 (bad byte at offset {exc.start}); "
                           "save the file as UTF-8", file=name) from None


def _delimiter(text: str, name: str) -> str:
    """',' as a rule; tab for .tsv files, or ';'/tab when the header holds no comma at all."""
    if name.lower().endswith(".tsv"):
        return "\t"
    header = next((line for line in text.splitlines() if line.strip()), "")
    if "," not in header:
        for candidate in (";", "\t"):
            if candidate in header:
                return candidate
    return ","


def parse_csv(text: str, name: str) -> dict[str, list[Any]]:
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True,
                                  delimiter=_delimiter(text, name)))
    except csv.Error as exc:
        raise RlscaleError(f"not valid CSV: {exc}", file=name) from None
    rows = [r for r in records if any(cell.strip() for cell in r)]  # skip blank lines
    if not rows:
        raise RlscaleError("file is empty", file=name)
    header, body = rows[0], rows[1:]
    for k, row in enumerate(body, start=1):
        if len(row) != len(header):
            raise RlscaleError(f"has {len(row)} fields but the header has {len(header)}",
                               file=name, row=k)
    columns: dict[str, list[Any]] = {}
    for pos, label in enumerate(header):
        label = label.strip()
        if label in columns:
            raise RlscaleError(f"column '{_show(label)}' appears more than once in the header",
                               file=name)
        if label == "":
            raise RlscaleError(f"the header has an empty column name at position {pos + 1} "
                               "(a saved pandas index? write with index=False)", file=name)
        columns[label] = [row[pos] for row in body]
    return columns
