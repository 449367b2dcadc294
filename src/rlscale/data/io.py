"""Readers and writers for the observation table (CSV, JSON, Parquet, catalog, lab runs).

Each reader turns its input into raw columns and hands them to
:func:`rlscale.data.schema.validate_columns`, so every source obeys the same rules and produces
the same one-line errors. pandas and pyarrow are imported inside the functions.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from rlscale.data._text import parse_csv, read_csv_text, read_text
from rlscale.data.schema import COLUMNS, _show, check_columns, validate_columns
from rlscale.errors import RlscaleError

from rlscale.runformat import MANIFEST as RUN_MANIFEST, OBSERVATIONS as RUN_OBSERVATIONS
from rlscale.runformat import SWEEP_MANIFEST
CATALOG_PREFIX = "catalog:"
_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".json": "json", ".parquet": "parquet",
               ".pq": "parquet"}


def read_observations(source: Any, *, score_scale: str = "unit"):
    """Read and validate an observation table.

    Parameters
    ----------
    source : str, os.PathLike or pandas.DataFrame
        A ``.csv``, ``.json`` (a list of records or ``{"observations": [...]}``) or ``.parquet``
        file; ``"catalog:ID"`` for a built-in catalog entry; a lab run directory (holding
        its manifest and observation table, named in :mod:`rlscale.runformat`); ``"KIND:PATH"`` for a run of another
        tool (``trl:``, ``tensorboard:``, ``wandb:``, ``verl:``, ``lm-eval:``, see
        :mod:`rlscale.importers`); or a DataFrame.
    score_scale : {"unit", "percent"}
        ``"percent"`` reads scores given in percent (0-100) and divides them by 100.

    Returns
    -------
    pandas.DataFrame
        Columns ``curve, axis, compute, score, compute_unit, n, benchmark, model, source,
        provenance, note`` then any extra columns, sorted by curve then compute.

    Raises
    ------
    RlscaleError
        One line naming the file, the first offending data row (1-based), the column and the
        rule broken.

    Examples
    --------
    >>> obs = read_observations("catalog:essay")
    >>> sorted(obs["curve"].unique())
    ['o1-inference', 'o1-o3-rl', 'o1-rl', 'sonnet37-inference']
    """
    if _is_dataframe(source):
        return read_frame(source, source_name="DataFrame", score_scale=score_scale)
    columns, name = _raw_columns(source, score_scale)
    return validate_columns(columns, source=name, score_scale=score_scale)


def read_columns(source: Any, *, score_scale: str = "unit") -> dict[str, list[Any]]:
    """:func:`read_observations` without pandas: the validated table as ``{column: list}``.

    Same sources (except DataFrames), same rules and errors, same row and column order. For
    code that does not need a DataFrame (``rlscale fit`` reads its file this way).
    """
    if _is_dataframe(source):
        return read_observations(source, score_scale=score_scale).to_dict(orient="list")
    columns, name = _raw_columns(source, score_scale)
    return check_columns(columns, source=name, score_scale=score_scale)


def _raw_columns(source: Any, score_scale: str) -> tuple[dict[str, list[Any]], str]:
    """The raw (unvalidated) columns of a path, ``catalog:ID`` or run directory, and its name."""
    if isinstance(source, str) and source.startswith(CATALOG_PREFIX):
        from rlscale.data import catalog

        return catalog.raw_observations(source[len(CATALOG_PREFIX):], score_scale=score_scale)
    if isinstance(source, str):  # KIND:PATH of an importer (trl:, tensorboard:, ...): lazy
        from rlscale.importers import read_source, split_source

        if split_source(source) is not None:
            frame = read_source(source, score_scale=score_scale)
            return {c: frame[c].tolist() for c in frame.columns}, source
    if not isinstance(source, (str, os.PathLike)):
        raise RlscaleError(f"cannot read observations from a {type(source).__name__} (give a "
                           "path, 'catalog:ID' or a pandas DataFrame)")
    path = Path(source)
    name = str(source)
    if path.is_dir():
        return _read_run_dir(path)
    if not path.exists():
        raise RlscaleError("file not found", file=name)
    kind = _EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        raise RlscaleError(f"unknown file type '{path.suffix or '(none)'}' (use .csv, .tsv, .json "
                           "or .parquet)", file=name)
    reader = {"csv": _read_csv_file, "json": _read_json_file, "parquet": _read_parquet_file}[kind]
    return reader(path, name), name


def read_frame(frame, *, source_name: str = "DataFrame", score_scale: str = "unit"):
    """Validate an in-memory DataFrame as an observation table (see :func:`read_observations`)."""
    names = [str(c).strip() for c in frame.columns]
    for name in names:
        if names.count(name) > 1:
            raise RlscaleError(f"column '{_show(name)}' appears more than once",
                               file=source_name)
    columns = {name: frame.iloc[:, i].tolist() for i, name in enumerate(names)}
    return validate_columns(columns, source=source_name, score_scale=score_scale)


def _is_dataframe(obj: Any) -> bool:
    # Avoid importing pandas just to check: a DataFrame's class lives in pandas.
    module = type(obj).__module__
    return (module == "pandas" or module.startswith("pandas.")) and type(obj).__name__ == "DataFrame"


def _read_run_dir(path: Path) -> tuple[dict[str, list[Any]], str]:
    manifest, observations = path / RUN_MANIFEST, path / RUN_OBSERVATIONS
    if not manifest.is_file() and (path / SWEEP_MANIFEST).is_file():
        manifest = path / SWEEP_MANIFEST  # a lab sweep directory: its aggregate over the trials
    if not manifest.is_file():
        raise RlscaleError(f"is a directory but not an rlscale run directory (no {RUN_MANIFEST}); "
                           "give a data file, 'catalog:ID' or a lab run directory", file=str(path))
    if not observations.is_file():
        status = "unknown"
        try:
            status = json.loads(manifest.read_text(encoding="utf-8")).get("status", status)
        except (OSError, ValueError, AttributeError):
            pass
        raise RlscaleError(f"run directory has no {RUN_OBSERVATIONS} yet (run status: {status})",
                           file=str(path))
    name = str(observations)
    return _read_csv_file(observations, name), name


def _read_csv_file(path: Path, name: str) -> dict[str, list[Any]]:
    return parse_csv(read_text(path, name), name)


def _read_json_file(path: Path, name: str) -> dict[str, list[Any]]:
    text = read_text(path, name)
    try:
        doc = json.loads(text)
    except ValueError as exc:
        msg = getattr(exc, "msg", str(exc))
        where = (f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else "")
        raise RlscaleError(f"malformed JSON: {msg}{where}", file=name) from None
    except RecursionError:
        raise RlscaleError("malformed JSON: nested too deeply (an observation file is a list of "
                           "flat records)", file=name) from None
    if isinstance(doc, dict) and "observations" in doc:
        doc = doc["observations"]
    if not isinstance(doc, list):
        raise RlscaleError("expected a JSON list of records or {\"observations\": [...]}",
                           file=name)
    if not doc:
        raise RlscaleError("no data rows (empty list of observations)", file=name)
    names: list[str] = []
    for k, record in enumerate(doc, start=1):
        if not isinstance(record, dict):
            raise RlscaleError(f"expected a JSON object, got {type(record).__name__}",
                               file=name, row=k)
        names.extend(key for key in record if key not in names)
    return {key: [record.get(key) for record in doc] for key in names}


def _read_parquet_file(path: Path, name: str) -> dict[str, list[Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a core dependency
        from rlscale.errors import MissingExtraError

        raise MissingExtraError("pyarrow", "parquet") from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types (ArrowInvalid, OSError, ...)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RlscaleError(f"not a readable Parquet file: {first}", file=name) from None
    if table.num_rows == 0 and table.num_columns == 0:
        raise RlscaleError("file is empty", file=name)
    return {str(col): table.column(col).to_pylist() for col in table.column_names}


def write_observations(df, path: str | os.PathLike) -> Path:
    """Validate *df* and write it atomically (temp file + ``os.replace``).

    The format follows the extension: ``.csv`` (default), ``.json`` (list of records) or
    ``.parquet``. Returns the path written. A file that was written reads back unchanged with
    :func:`read_observations`.
    """
    frame = read_frame(df, source_name="DataFrame to write")
    path = Path(path)
    kind = _EXTENSIONS.get(path.suffix.lower(), "csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if kind == "json":
            Path(tmp).write_text(frame.to_json(orient="records", indent=1), encoding="utf-8")
        elif kind == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, float_format="%.17g")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def select_curves(df, curves=None, *, source: str = "data"):
    """Rows of the given curve ids, in the order asked for.

    Raises
    ------
    RlscaleError
        For an id not in *df*, listing the available ids.
    """
    if not curves:
        return df
    _check_curve_ids(list(dict.fromkeys(df["curve"])), curves, source)
    import pandas as pd

    parts = [df[df["curve"] == cid] for cid in dict.fromkeys(curves)]
    return pd.concat(parts, ignore_index=True)[list(df.columns)]


def select_columns(columns: dict[str, list[Any]], curves=None, *,
                   source: str = "data") -> dict[str, list[Any]]:
    """:func:`select_curves` for a column table (:func:`read_columns`): same order, same errors."""
    if not curves:
        return columns
    _check_curve_ids(list(dict.fromkeys(columns["curve"])), curves, source)
    rows: dict[str, list[int]] = {}
    for i, cid in enumerate(columns["curve"]):
        rows.setdefault(cid, []).append(i)
    order = [i for cid in dict.fromkeys(curves) for i in rows[cid]]
    return {name: [values[i] for i in order] for name, values in columns.items()}


def _check_curve_ids(available: list[str], curves, source: str) -> None:
    for cid in curves:
        if cid not in available:
            shown = ", ".join(_show(a) for a in available[:20])
            more = f", ... ({len(available) - 20} more)" if len(available) > 20 else ""
            raise RlscaleError(f"no curve '{_show(cid)}' (available: {shown}{more})",
                               file=source)


__all__ = ["COLUMNS", "read_columns", "read_csv_text", "read_frame", "read_observations",
           "select_columns", "select_curves", "write_observations"]
