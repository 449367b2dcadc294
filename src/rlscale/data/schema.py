"""The observation table: its columns, allowed values and validation.

Every source (CSV, JSON, Parquet, catalog, lab run, DataFrame) becomes raw columns of Python
values first; :func:`validate_columns` checks them all and builds the one validated frame that
fits, comparisons and reports read. Validation reports the *first* offending data row (1-based,
header not counted) as ``RlscaleError("<file>, row <k>, column '<col>': <rule>")``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, Sequence

from rlscale.errors import RlscaleError

REQUIRED_COLUMNS = ("curve", "axis", "compute", "score")
OPTIONAL_COLUMNS = ("compute_unit", "n", "benchmark", "model", "source", "provenance", "note")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
TEXT_COLUMNS = ("benchmark", "model", "source", "note")

AXES = ("rl", "inference", "pretrain")
COMPUTE_UNITS = ("flop", "relative", "tokens", "samples", "gpu_hours", "usd", "steps")
PROVENANCES = ("table", "text", "chart", "derived", "measured")
SCORE_SCALES = ("unit", "percent")
DEFAULT_COMPUTE_UNIT = "relative"

# Control characters (C0, DEL, C1) that no text cell may hold: NUL makes SVG and XML invalid, ESC,
# CR and BEL drive terminals. Free-text columns may hold tab and newline; ids may not.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_IN_ID = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _is_missing(value: Any) -> bool:
    if value is None or type(value).__name__ in ("NAType", "NaTType"):  # pandas NA / NaT
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and value.strip() == "":
        return True
    # numpy nan scalars and other objects that are not equal to themselves
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def _as_text(value: Any) -> str | None:
    """Text form of a cell, or None when it cannot be text (lists, dicts)."""
    if _is_missing(value):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a curve id 1.0 read from JSON is "1"
    if isinstance(value, (int, float)):
        return repr(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return _as_text(value.item())
    return None


def _as_number(value: Any) -> float | None:
    """A float, or None when the cell is not a number (booleans are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):  # Decimal: Parquet decimal columns
        try:
            return float(value)
        except OverflowError:  # an integer too large for a float
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            return None
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        item = value.item()
        return None if isinstance(item, (str, bytes)) else _as_number(item)
    return None


def _show(value: Any) -> str:
    """A cell as it may appear inside a one-line error: printable, at most 40 characters."""
    text = _as_text(value)
    if text is None:
        text = type(value).__name__
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text if len(text) <= 40 else text[:37] + "..."


class _FirstError:
    """Keeps the error with the smallest (row, column position) seen so far."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.best: tuple[int, int, str, str] | None = None

    def add(self, row: int, column: str, rule: str) -> None:
        key = (row, COLUMNS.index(column) if column in COLUMNS else len(COLUMNS), column, rule)
        if self.best is None or key[:2] < self.best[:2]:
            self.best = key

    def raise_if_any(self) -> None:
        if self.best is not None:
            row, _, column, rule = self.best
            raise RlscaleError(rule, file=self.source, row=row, column=column)


def _text_column(values: Sequence[Any] | None, column: str, errors: _FirstError,
                 n_rows: int = 0) -> list[str]:
    if values is None:  # column absent
        return [""] * n_rows
    if all(type(v) is str for v in values):  # fast path: CSV text
        out = [v.strip() for v in values]
    else:
        out = []
        for i, value in enumerate(values):
            text = _as_text(value)
            if text is None:
                errors.add(i + 1, column, f"expected text, got a {type(value).__name__}")
                text = ""
            out.append(text)
    _check_controls(out, column, errors)
    return out


def _check_controls(texts: list[str], column: str, errors: _FirstError) -> None:
    """No control characters in text cells (tab and newline allowed in free-text columns)."""
    pattern = _CONTROL_IN_TEXT if column in TEXT_COLUMNS else _CONTROL_IN_ID
    if not pattern.search("".join(texts)):
        return  # fast path: one scan of the whole column
    for i, text in enumerate(texts):
        found = pattern.search(text)
        if found:
            ch = found.group()
            errors.add(i + 1, column, f"holds the control character {repr(ch)[1:-1]} "
                                      f"(U+{ord(ch):04X}); remove it")
            return


def _choice_column(values: Sequence[Any] | None, column: str, allowed: tuple[str, ...],
                   default: str, errors: _FirstError, n_rows: int = 0) -> list[str]:
    out = []
    for i, text in enumerate(_text_column(values, column, errors, n_rows)):
        text = text.lower() if text else default
        if text and text not in allowed:
            errors.add(i + 1, column, f"unknown {column} '{_show(text)}' (use one of: "
                                      f"{', '.join(allowed)})")
        out.append(text)
    return out


def _fast_numbers(values: Sequence[Any]) -> list[float] | None:
    """All cells parsed at once when they are all clean finite numbers, else None."""
    import numpy as np

    kinds = {type(v) for v in values}
    if not (kinds <= {str} or kinds <= {float, int}):
        return None
    try:
        arr = np.asarray(values, dtype=float)
    except (ValueError, TypeError, OverflowError):
        return None
    return arr.tolist() if np.isfinite(arr).all() else None


def _number_column(values: Sequence[Any] | None, column: str, errors: _FirstError, *,
                   required: bool, n_rows: int = 0) -> list[float]:
    if values is None:  # column absent
        return [math.nan] * n_rows
    fast = _fast_numbers(values)
    if fast is not None:
        return fast
    out = []
    for i, value in enumerate(values):
        if _is_missing(value):
            if required and isinstance(value, float):  # NaN/inf in a frame or JSON
                errors.add(i + 1, column, f"{column} must be a finite number, got nan")
            elif required:
                errors.add(i + 1, column, f"{column} is missing")
            out.append(math.nan)
            continue
        number = _as_number(value)
        if number is None:
            errors.add(i + 1, column, f"{column} '{_show(value)}' is not a number")
            number = math.nan
        elif not math.isfinite(number):
            errors.add(i + 1, column, f"{column} must be a finite number, got {_show(value)}")
        out.append(number)
    return out


def _check_scores(scores: list[float], score_scale: str, errors: _FirstError) -> list[float]:
    if score_scale == "percent":
        scores = [s / 100.0 for s in scores]
    for i, s in enumerate(scores):
        if math.isfinite(s) and not 0.0 <= s <= 1.0:
            if score_scale == "percent":
                rule = (f"score {s * 100:g} is outside [0, 100] (scores were read as "
                        "percentages because of --score-scale percent)")
            else:
                rule = (f"score {s:g} is outside [0, 1]; use --score-scale percent for "
                        "percentages (score_scale='percent' in Python)")
            errors.add(i + 1, "score", rule)
    return scores


def _check_curves(curve: list[str], axis: list[str], compute: list[float], unit: list[str],
                  source: str) -> None:
    """Per-curve rules: no duplicate (curve, compute), one axis and one compute unit per curve."""
    if len(set(zip(curve, compute))) == len(curve) and (
            len(set(zip(curve, axis))) == len(set(curve)) == len(set(zip(curve, unit)))):
        return  # fast path; otherwise the loop below finds the first offending row
    errors = _FirstError(source)
    first_row: dict[str, int] = {}
    seen: dict[tuple[str, float], int] = {}
    for i, cid in enumerate(curve):
        row = i + 1
        if cid not in first_row:
            first_row[cid] = i
        j = first_row[cid]
        if axis[i] != axis[j]:
            errors.add(row, "axis", f"curve '{_show(cid)}' mixes axes: '{axis[j]}' at row "
                                    f"{j + 1}, '{axis[i]}' here (one axis per curve)")
        if unit[i] != unit[j]:
            errors.add(row, "compute_unit", f"curve '{_show(cid)}' mixes compute units: "
                                            f"'{unit[j]}' at row {j + 1}, '{unit[i]}' here")
        key = (cid, compute[i])
        if key in seen:
            errors.add(row, "compute", f"duplicate compute {compute[i]:g} for curve "
                                       f"'{_show(cid)}' (also row {seen[key]})")
        else:
            seen[key] = row
        errors.raise_if_any()  # rows are scanned in order: the first one found is the first row


def validate_columns(columns: dict[str, Sequence[Any]], *, source: str,
                     score_scale: str = "unit"):
    """Validate raw columns (name -> values in row order) and build the observation frame.

    Parameters
    ----------
    columns : dict
        Column name -> list of raw cell values (strings from CSV, JSON values, ...), all the same
        length. Names are matched after stripping whitespace.
    source : str
        How to name the input in error messages (a path, ``catalog:ID`` or ``DataFrame``).
    score_scale : {"unit", "percent"}
        ``"percent"`` divides scores by 100 before the [0, 1] check.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` in that order, then the unknown extra columns; sorted by curve
        then compute.

    Raises
    ------
    RlscaleError
        For the first offending data row (1-based), naming the column and the rule.
    """
    import pandas as pd

    data = check_columns(columns, source=source, score_scale=score_scale)
    frame = pd.DataFrame(data)
    return frame.astype({"compute": "float64", "score": "float64", "n": "float64"})


def _named_columns(columns: dict[str, Sequence[Any]], source: str
                   ) -> tuple[list[str], dict[str, Sequence[Any]]]:
    """Header rules: names stripped and known names matched case-insensitively, none empty or
    repeated, every required column present."""
    names = [str(c).strip() for c in columns]
    # known columns match whatever their case ("Score" is score) unless both spellings exist
    names = [n.lower() if n.lower() in COLUMNS and n.lower() not in names else n for n in names]
    for pos, name in enumerate(names):
        if name == "":
            raise RlscaleError(f"the header has an empty column name at position {pos + 1} "
                               "(a saved pandas index? write with index=False)", file=source)
        if names.count(name) > 1:
            raise RlscaleError(f"column '{_show(name)}' appears more than once in the header",
                               file=source)
    raw = dict(zip(names, columns.values()))
    for name in REQUIRED_COLUMNS:
        if name not in raw:
            raise RlscaleError(f"missing required column '{name}' (required: "
                               f"{', '.join(REQUIRED_COLUMNS)}; found: "
                               f"{', '.join(_show(n) for n in names) or 'none'})",
                               file=source)
    return names, raw


def check_columns(columns: dict[str, Sequence[Any]], *, source: str,
                  score_scale: str = "unit") -> dict[str, list[Any]]:
    """The rules of :func:`validate_columns` without pandas: validated columns as lists.

    Same errors, same normalised values, same order (sorted by curve then compute, stably) and
    the same column order as the frame :func:`validate_columns` builds from them. The fast
    path of ``rlscale fit`` uses it to fit without importing pandas.
    """
    if score_scale not in SCORE_SCALES:
        raise RlscaleError(f"unknown score scale '{score_scale}' (use unit or percent)")
    names, raw = _named_columns(columns, source)
    n_rows = len(raw["curve"])
    if n_rows == 0:
        raise RlscaleError("no data rows (only a header)", file=source)
    errors = _FirstError(source)

    curve = _text_column(raw["curve"], "curve", errors)
    for i, cid in enumerate(curve):
        if cid == "":
            errors.add(i + 1, "curve", "curve id is empty")
    axis = _choice_column(raw["axis"], "axis", AXES, "", errors)
    for i, a in enumerate(axis):
        if a == "":
            errors.add(i + 1, "axis", f"axis is missing (use one of: {', '.join(AXES)})")
    compute = _number_column(raw["compute"], "compute", errors, required=True)
    for i, c in enumerate(compute):
        if math.isfinite(c) and c <= 0:
            errors.add(i + 1, "compute", f"compute must be > 0 (it is plotted on a log axis), "
                                         f"got {c:g}")
    score = _check_scores(_number_column(raw["score"], "score", errors, required=True),
                          score_scale, errors)
    unit = _choice_column(raw.get("compute_unit"), "compute_unit", COMPUTE_UNITS,
                          DEFAULT_COMPUTE_UNIT, errors, n_rows)
    n = _number_column(raw.get("n"), "n", errors, required=False, n_rows=n_rows)
    for i, v in enumerate(n):
        if math.isfinite(v) and v <= 0:
            errors.add(i + 1, "n", f"n (graded attempts behind the score) must be a positive "
                                   f"number, got {v:g}")
    provenance = _choice_column(raw.get("provenance"), "provenance", PROVENANCES, "",
                                errors, n_rows)
    text = {name: _text_column(raw.get(name), name, errors, n_rows) for name in TEXT_COLUMNS}
    errors.raise_if_any()
    _check_curves(curve, axis, compute, unit, source)

    data: dict[str, list[Any]] = {
        "curve": curve, "axis": axis, "compute": compute, "score": score, "compute_unit": unit,
        "n": n, "benchmark": text["benchmark"], "model": text["model"], "source": text["source"],
        "provenance": provenance, "note": text["note"],
    }
    for name in names:
        if name not in COLUMNS:
            data[name] = _extra_column(list(raw[name]))
    order = sorted(range(n_rows), key=lambda i: (curve[i], compute[i]))  # stable, as pandas'
    if order != list(range(n_rows)):
        data = {name: [values[i] for i in order] for name, values in data.items()}
    return data


def _extra_column(values: list[Any]) -> list[Any]:
    """Unknown columns are kept; strings that all parse as numbers become numbers."""
    if values and all(isinstance(v, str) for v in values):
        present = [v for v in values if v.strip() != ""]
        parsed = [_as_number(v) for v in present]
        if present and all(p is not None for p in parsed):
            return [_as_number(v) if v.strip() != "" else math.nan for v in values]
    return values
