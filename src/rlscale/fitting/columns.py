"""Fit the curves of a validated table held as plain columns (no pandas).

:func:`fit_columns` is :func:`rlscale.fitting.fit` for the ``{column: list}`` table that
:func:`rlscale.data.io.read_columns` returns: the same per-curve arguments (``n`` dropped when no
row has one, the first row's axis and compute unit) and the same seeding
(``SeedSequence([seed, crc32(curve id)])``), so the results are identical; ``rlscale fit`` uses
it to start without importing pandas (about half a second).
"""

from __future__ import annotations

import zlib

import numpy as np

from rlscale.fitting.api import fit_curve
from rlscale.fitting.result import FitResults


def curve_rows(columns: dict[str, list]) -> dict[str, list[int]]:
    """Row indices of each curve id, in table order."""
    rows: dict[str, list[int]] = {}
    for i, cid in enumerate(columns["curve"]):
        rows.setdefault(str(cid), []).append(i)
    return rows


def fit_columns(columns: dict[str, list], curves=None, form: str = "loglinear", *,
                bootstrap: int = 1000, seed: int = 0, min_compute: float | None = None,
                max_compute: float | None = None, at_score: float | None = None,
                level: float = 0.95) -> FitResults:
    """Fit every (or each named) curve of a validated column table; see :func:`rlscale.fit`."""
    by_curve = curve_rows(columns)
    ids = list(by_curve) if curves is None else [str(c) for c in curves]
    results = []
    for cid in ids:
        idx = by_curve[cid]
        take = lambda name: np.array([columns[name][i] for i in idx], dtype=float)  # noqa: E731
        n = take("n") if "n" in columns else None
        if n is not None and not np.isfinite(n).any():
            n = None
        first = idx[0]
        axis = str(columns["axis"][first]) if "axis" in columns else None
        unit = str(columns.get("compute_unit", [""] * (first + 1))[first])
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(cid.encode())]))
        results.append(fit_curve(
            take("compute"), take("score"), n, form, curve=cid, axis=axis,
            compute_unit=unit if unit not in ("", "nan") else "relative", bootstrap=bootstrap,
            rng=rng, min_compute=min_compute, max_compute=max_compute, at_score=at_score,
            level=level))
    return FitResults(results)
