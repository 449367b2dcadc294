"""Check the catalog's data files: ``rlscale catalog validate``.

Every problem is one line naming the file, the row (data rows count from 1) or the entry, the
field and the rule. The rules:

- every ``[[entry]]`` of ``catalog.toml`` has an id, kind, file, title, citation, description,
  a ``compute_axis`` (the compute unit of all its rows), a ``locator`` (table / figure / section)
  and a ``url`` or ``arxiv`` id;
- every observation row passes the observation schema (:mod:`rlscale.data.schema`) and has a
  ``source``, a ``note`` (the quoted sentence or the table's row label) and a ``locator``;
- provenance is ``table``, ``text`` or ``derived``: never ``chart`` (nothing read off a chart
  by eye), never empty;
- every parametric row has its form's parameters as numbers, a provenance and a locator;
- every ``[[pairs]]`` names an existing RL curve and an existing inference curve, neither with
  a ``derived`` row (a restated curve is not an independent observation), with a ``group``.
"""

from __future__ import annotations

import csv
import io
import math
import tomllib
from pathlib import Path

from rlscale.errors import RlscaleError

ALLOWED_PROVENANCE = ("table", "text", "derived")
ENTRY_KEYS = ("id", "kind", "file", "title", "citation", "description", "compute_axis", "locator")
PARAMETRIC_FORMS = {"scalerl": ("C_mid", "B", "A")}


def _packaged_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("rlscale.data.catalog")))


def _check_entry_keys(raw: dict, pos: int, problems: list[str]) -> None:
    name = f"catalog.toml, entry {raw.get('id', f'#{pos}')!r}"
    for key in ENTRY_KEYS:
        if not str(raw.get(key, "")).strip():
            problems.append(f"{name}: field '{key}' is missing or empty")
    if not (str(raw.get("url", "")).strip() or str(raw.get("arxiv", "")).strip()):
        problems.append(f"{name}: needs a 'url' or an 'arxiv' id")
    if raw.get("kind") not in ("observations", "parametric"):
        problems.append(f"{name}: field 'kind' must be observations or parametric, "
                        f"got {raw.get('kind')!r}")


def _check_row_common(row: dict, where: str, problems: list[str]) -> None:
    prov = (row.get("provenance") or "").strip().lower()
    if prov == "chart":
        problems.append(f"{where}, column 'provenance': 'chart' is not allowed (no number read "
                        "off a chart by eye)")
    elif prov not in ALLOWED_PROVENANCE:
        problems.append(f"{where}, column 'provenance': must be one of "
                        f"{', '.join(ALLOWED_PROVENANCE)}, got {prov or 'nothing'!r}")
    for col, rule in (("locator", "where in the source (table / figure / section)"),
                      ("note", "the quoted sentence or the table's row label"),
                      ("source", "the citation")):
        if not (row.get(col) or "").strip():
            problems.append(f"{where}, column '{col}': missing ({rule})")


def _check_observations(raw: dict, text: str, curves: dict, problems: list[str]) -> None:
    from rlscale.data.io import read_csv_text

    fname = raw["file"]
    try:
        read_csv_text(text, source_name=fname)
    except RlscaleError as exc:
        problems.append(str(exc))
    axis_unit = str(raw.get("compute_axis", "")).strip()
    for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=1):
        where = f"{fname}, row {i}"
        _check_row_common(row, where, problems)
        unit = (row.get("compute_unit") or "").strip() or "relative"
        if axis_unit and unit != axis_unit:
            problems.append(f"{where}, column 'compute_unit': '{unit}' differs from the entry's "
                            f"compute_axis '{axis_unit}' (one compute axis per source)")
        info = curves.setdefault((row.get("curve") or "").strip(),
                                 {"axes": set(), "derived": False, "file": fname})
        info["axes"].add((row.get("axis") or "").strip().lower())
        info["derived"] |= (row.get("provenance") or "").strip().lower() == "derived"


def _check_parametric(raw: dict, text: str, curves: dict, problems: list[str]) -> None:
    fname = raw["file"]
    for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=1):
        where = f"{fname}, row {i}"
        _check_row_common(row, where, problems)
        params = PARAMETRIC_FORMS.get((row.get("form") or "").strip())
        if params is None:
            problems.append(f"{where}, column 'form': unknown form {row.get('form')!r} (use one "
                            f"of: {', '.join(PARAMETRIC_FORMS)})")
            continue
        for p in params:
            try:
                ok = math.isfinite(float(row.get(p) or "nan"))
            except ValueError:
                ok = False
            if not ok:
                problems.append(f"{where}, column '{p}': must be a finite number")
        curves.setdefault((row.get("curve") or "").strip(),
                          {"axes": {(row.get("axis") or "").strip().lower()}, "derived": False,
                           "file": fname, "parametric": True})


def _check_pairs(pairs: list, curves: dict, problems: list[str]) -> None:
    seen = set()
    for k, pair in enumerate(pairs, start=1):
        name = f"catalog.toml, pair {k} ({pair.get('rl')!r} vs {pair.get('inference')!r})"
        if not str(pair.get("group", "")).strip():
            problems.append(f"{name}: field 'group' (model family and benchmark) is missing")
        key = (pair.get("rl"), pair.get("inference"))
        if key in seen:
            problems.append(f"{name}: declared twice")
        seen.add(key)
        for role in ("rl", "inference"):
            cid = pair.get(role)
            info = curves.get(cid)
            if info is None:
                problems.append(f"{name}: {role} curve {cid!r} is in no catalog file")
            elif info.get("parametric"):
                problems.append(f"{name}: {role} curve {cid!r} is a fitted parametric curve, "
                                "not observations")
            elif info["axes"] != {role}:
                problems.append(f"{name}: {role} curve {cid!r} has axis "
                                f"{', '.join(sorted(info['axes']))}, not {role}")
            elif info["derived"]:
                problems.append(f"{name}: {role} curve {cid!r} has derived rows (a restated "
                                "curve is not an independent observation)")


def validate_catalog(directory: str | Path | None = None) -> list[str]:
    """Every problem of the catalog in *directory* (default: the built-in one), one line each.

    The directory holds ``catalog.toml`` and the files its entries name. An empty list means
    the catalog passes every rule in this module's docstring.
    """
    root = Path(directory) if directory is not None else _packaged_dir()
    toml_path = root / "catalog.toml"
    try:
        doc = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return [f"{toml_path}: cannot be read as TOML ({exc})"]
    problems: list[str] = []
    curves: dict[str, dict] = {}
    ids: set[str] = set()
    for pos, raw in enumerate(doc.get("entry", []), start=1):
        _check_entry_keys(raw, pos, problems)
        if raw.get("id") in ids:
            problems.append(f"catalog.toml, entry {raw.get('id')!r}: id used twice")
        ids.add(raw.get("id"))
        if not raw.get("file"):
            continue
        try:
            text = (root / raw["file"]).read_text(encoding="utf-8")
        except OSError:
            problems.append(f"catalog.toml, entry {raw.get('id')!r}: file {raw['file']!r} "
                            "cannot be read")
            continue
        check = _check_parametric if raw.get("kind") == "parametric" else _check_observations
        check(raw, text, curves, problems)
    _check_pairs(doc.get("pairs", []), curves, problems)
    return problems


__all__ = ["ALLOWED_PROVENANCE", "validate_catalog"]
