"""The built-in catalog of published scaling figures, usable anywhere a file is as ``catalog:ID``.

The data files beside this module are the single source: ``catalog.toml`` lists the entries with
their citations, each entry's CSV holds its rows (observations in the schema of
:mod:`rlscale.data.schema`, or parametric curves). Every number comes from
``/work/shared/reference/published-data.md``: stated in a source's text or table, never read off
a chart, never invented. ``docs/catalog.md`` is rendered from these files by
:func:`render_markdown` (a test checks it is current).
"""

from __future__ import annotations

import csv
import io
import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from rlscale.data._text import parse_csv
from rlscale.errors import RlscaleError

KINDS = ("observations", "parametric")


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog entry: a set of observations or of parametric curves from one source."""

    id: str
    title: str
    citation: str
    description: str
    kind: str
    file: str
    curves: tuple[str, ...] = ()
    compute_axis: str = ""  # the compute_unit of every row (samples, flop, gpu_hours, ...)
    locator: str = ""       # where in the source: table / figure caption / section
    url: str = ""
    arxiv: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "kind": self.kind, "citation": self.citation,
                "description": self.description, "curves": list(self.curves),
                "compute_axis": self.compute_axis, "locator": self.locator, "url": self.url,
                "arxiv": self.arxiv}


@dataclass(frozen=True)
class CatalogPair:
    """An RL-vs-inference pair declared in ``catalog.toml`` (``[[pairs]]``)."""

    rl: str
    inference: str
    group: str
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"rl": self.rl, "inference": self.inference, "group": self.group,
                "note": self.note}


@dataclass(frozen=True)
class ParametricCurve:
    """A published fitted curve (not observations), e.g. a ScaleRL sigmoid from Table 1.

    For the ``scalerl`` form, ``R(C) = R_0 + (A - R_0) / (1 + (C_mid / C)^B)``. ``params`` holds
    only what the source states (``C_mid``, ``B``, ``A``); ``unstated`` names the parameters it
    does not (``R_0``), which :meth:`eval` requires from the caller.
    """

    curve: str
    form: str
    params: dict[str, float]
    axis: str
    compute_unit: str
    citation: str
    provenance: str
    note: str = ""
    unstated: tuple[str, ...] = field(default=())

    def gain_fraction(self, compute):
        """Fraction of the gain ``A - R_0`` reached at *compute* (needs no ``R_0``)."""
        import numpy as np

        c = np.asarray(compute, dtype=float)
        return 1.0 / (1.0 + (self.params["C_mid"] / c) ** self.params["B"])

    def eval(self, compute, *, r0: float):
        """Pass rate at *compute* given the starting pass rate ``r0`` (not stated by the source)."""
        if not (isinstance(r0, (int, float)) and 0.0 <= r0 <= self.params["A"]):
            raise RlscaleError(f"R_0 must be a number in [0, A={self.params['A']}], got {r0!r}")
        return r0 + (self.params["A"] - r0) * self.gain_fraction(compute)

    def slope_per_decade(self, compute, *, r0: float | None = None):
        """d R / d log10 C at *compute*: ``ln(10)·(A - R_0)·B·u(1 - u)``.

        Without ``r0`` the slope is per unit of the gain ``A - R_0`` (a fraction per decade).
        """
        u = self.gain_fraction(compute)
        gain = 1.0 if r0 is None else self.params["A"] - r0
        return math.log(10.0) * gain * self.params["B"] * u * (1.0 - u)

    def to_dict(self) -> dict[str, Any]:
        return {"curve": self.curve, "form": self.form, "params": dict(self.params),
                "unstated_params": list(self.unstated), "axis": self.axis,
                "compute_unit": self.compute_unit, "citation": self.citation,
                "provenance": self.provenance, "note": self.note}


_PARAMETRIC_FORMS = {"scalerl": (("C_mid", "B", "A"), ("R_0",))}


def _read(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _doc() -> dict[str, Any]:
    return tomllib.loads(_read("catalog.toml"))


@lru_cache(maxsize=1)
def _index() -> dict[str, CatalogEntry]:
    doc = _doc()
    entries = {}
    for raw in doc["entry"]:
        rows = list(csv.DictReader(io.StringIO(_read(raw["file"]))))
        curves = tuple(dict.fromkeys(row["curve"] for row in rows))
        entries[raw["id"]] = CatalogEntry(
            id=raw["id"], title=raw["title"], citation=raw["citation"],
            description=" ".join(raw["description"].split()), kind=raw["kind"],
            file=raw["file"], curves=curves, compute_axis=raw.get("compute_axis", ""),
            locator=raw.get("locator", ""), url=raw.get("url", ""), arxiv=raw.get("arxiv", ""))
    return entries


def declared_pairs() -> list[CatalogPair]:
    """The RL-vs-inference pairs ``catalog.toml`` declares, in file order (checked by
    ``rlscale catalog validate``)."""
    return [CatalogPair(rl=p["rl"], inference=p["inference"], group=p["group"],
                        note=p.get("note", "")) for p in _doc().get("pairs", [])]


def list_entries() -> list[CatalogEntry]:
    """All catalog entries, in the order of ``catalog.toml``."""
    return list(_index().values())


def get_entry(entry_id: str) -> CatalogEntry:
    """The entry with id *entry_id*; an unknown id raises RlscaleError listing the ids."""
    entries = _index()
    if entry_id not in entries:
        raise RlscaleError(f"unknown catalog id '{entry_id}' (available: {', '.join(entries)})",
                           file=f"catalog:{entry_id}")
    return entries[entry_id]


def load_observations(entry_id: str, *, score_scale: str = "unit"):
    """The validated observation table of an ``observations`` entry (``catalog:ID``)."""
    from rlscale.data.schema import validate_columns

    columns, name = raw_observations(entry_id, score_scale=score_scale)
    return validate_columns(columns, source=name)


def raw_observations(entry_id: str, *, score_scale: str = "unit") -> tuple[dict, str]:
    """The raw columns of an ``observations`` entry and its name (``catalog:ID``), unvalidated."""
    entry = get_entry(entry_id)
    if entry.kind != "observations":
        raise RlscaleError(f"catalog entry '{entry_id}' holds parametric curves, not observations "
                           f"(see: rlscale catalog show {entry_id})", file=f"catalog:{entry_id}")
    if score_scale != "unit":
        raise RlscaleError("catalog scores are already in [0, 1] (fractions); drop "
                           "--score-scale percent",
                           file=f"catalog:{entry_id}")
    name = f"catalog:{entry_id}"
    return parse_csv(_read(entry.file), name), name


def parametric_curves(entry_id: str) -> list[ParametricCurve]:
    """The fitted curves of a ``parametric`` entry (e.g. ``scalerl``)."""
    entry = get_entry(entry_id)
    if entry.kind != "parametric":
        raise RlscaleError(f"catalog entry '{entry_id}' holds observations, not parametric curves",
                           file=f"catalog:{entry_id}")
    out = []
    for row in csv.DictReader(io.StringIO(_read(entry.file))):
        stated, unstated = _PARAMETRIC_FORMS[row["form"]]
        out.append(ParametricCurve(
            curve=row["curve"], form=row["form"], params={k: float(row[k]) for k in stated},
            axis=row["axis"], compute_unit=row["compute_unit"], citation=row["source"],
            provenance=row["provenance"], note=row["note"], unstated=unstated))
    return out


def render_markdown() -> str:
    """The generated part of ``docs/catalog.md``: every entry, its citation and its rows."""
    lines: list[str] = []
    for entry in list_entries():
        lines += [f"### `{entry.id}` — {entry.title}", "",
                  f"- kind: {entry.kind}; use as `catalog:{entry.id}`"
                  if entry.kind == "observations" else f"- kind: {entry.kind} (fitted curves)",
                  f"- citation: {entry.citation}", "", entry.description, ""]
        if entry.kind == "observations":
            frame = load_observations(entry.id)
            lines += ["| curve | axis | compute | unit | score | benchmark | model | provenance "
                      "| note |", "| --- | --- | ---: | --- | ---: | --- | --- | --- | --- |"]
            for row in frame.itertuples(index=False):
                lines.append(f"| {row.curve} | {row.axis} | {row.compute:g} | {row.compute_unit} "
                             f"| {row.score:g} | {row.benchmark} | {row.model} | "
                             f"{row.provenance} | {row.note.replace('|', '/')} |")
        else:
            lines += ["| curve | C_mid | B | A | axis | unit | provenance | note |",
                      "| --- | ---: | ---: | ---: | --- | --- | --- | --- |"]
            for c in parametric_curves(entry.id):
                p = c.params
                lines.append(f"| {c.curve} | {p['C_mid']:g} | {p['B']:g} | {p['A']:g} | "
                             f"{c.axis} | {c.compute_unit} | {c.provenance} | {c.note} |")
        lines.append("")
    return "\n".join(lines)


DOCS_BEGIN = "<!-- catalog:begin (generated by rlscale.data.catalog.write_docs; do not edit) -->"
DOCS_END = "<!-- catalog:end -->"


def write_docs(path) -> bool:
    """Rewrite the generated section of ``docs/catalog.md`` at *path*; True if it changed."""
    import os
    from pathlib import Path

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(DOCS_BEGIN, 1)
    _, tail = rest.split(DOCS_END, 1)
    new = f"{head}{DOCS_BEGIN}\n\n{render_markdown()}\n{DOCS_END}{tail}"
    if new == text:
        return False
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)
    return True


__all__ = ["CatalogEntry", "CatalogPair", "ParametricCurve", "declared_pairs", "get_entry", "list_entries",
           "load_observations", "parametric_curves", "raw_observations", "render_markdown", "write_docs"]
