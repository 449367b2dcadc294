"""The one loop over a table's curves, for a DataFrame and for plain columns.

:func:`fit_frame` (a validated DataFrame: :func:`rlscale.fit` and the report) and
:func:`fit_columns` (the ``{column: list}`` table of :func:`rlscale.data.io.read_columns`:
``rlscale fit``, which so starts without importing pandas, about half a second) differ only in
how they take one curve's rows out of the table; both run :func:`_fit_curves`, which owns the
rest: which curves (unknown ids refused), the per-curve arguments (``n`` dropped when no row has
one, the first row's axis and compute unit), the seeding (``SeedSequence([seed, crc32(curve
id)])``), ``on_error`` and progress. So the two give identical results.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

from rlscale.errors import RlscaleError
from rlscale.fitting.api import fit_curve
from rlscale.fitting.result import FitResults

#: One curve's rows as the loop needs them: compute, score, n (or None), and the first row's
#: axis and compute unit (None when the table has no such column).
Curve = tuple[np.ndarray, np.ndarray, "np.ndarray | None", object, object]


def curve_rows(columns: dict[str, list]) -> dict[str, list[int]]:
    """Row indices of each curve id, in table order."""
    rows: dict[str, list[int]] = {}
    for i, cid in enumerate(columns["curve"]):
        rows.setdefault(str(cid), []).append(i)
    return rows


def fit(data, curves=None, form: str = "loglinear", *, bootstrap: int = 1000, seed: int = 0,
        min_compute: float | None = None, max_compute: float | None = None,
        at_score: float | None = None, level: float = 0.95,
        score_scale: str = "unit") -> FitResults:
    """Fit every (or each named) curve of an observation table.

    Parameters
    ----------
    data
        Anything :func:`rlscale.read_observations` accepts (path, ``catalog:ID``, run
        directory, DataFrame).
    curves : list of str, optional
        Curve ids to fit; default all, in table order.
    form : str
        Form name or ``"auto"``; see :func:`~rlscale.fitting.fit_curve` for the other options.
    seed : int
        Each curve's bootstrap uses ``SeedSequence([seed, crc32(curve id)])``, so a curve's
        intervals do not depend on which other curves are fitted alongside it.

    Returns
    -------
    FitResults
    """
    from rlscale.data import read_observations

    df = read_observations(data, score_scale=score_scale)
    return fit_frame(df, curves, form, bootstrap=bootstrap, seed=seed, min_compute=min_compute,
                     max_compute=max_compute, at_score=at_score, level=level)


def fit_frame(df, curves=None, form: str = "loglinear", *, bootstrap: int = 1000, seed: int = 0,
              min_compute: float | None = None, max_compute: float | None = None,
              at_score: float | None = None, level: float = 0.95, on_error: str = "raise",
              progress: Callable[[int, int, str], None] | None = None) -> FitResults:
    """Fit the curves of a validated observation frame.

    ``curves``, ``form`` and the options are those of :func:`fit`. ``on_error="raise"`` stops
    at the first curve that cannot be fitted; ``"collect"`` fits the rest and records each
    failure in :attr:`FitResults.errors` (curve id -> one-line message). ``progress`` is called
    as ``progress(k, total, curve)`` before curve ``k`` (0-based) is fitted, and with a
    fractional ``k`` (k + share of resamples done) during a long bootstrap.
    """
    groups = {str(k): v for k, v in df.groupby(df["curve"].astype(str), sort=False).indices.items()}

    def take(cid: str) -> Curve:
        sub = df.iloc[groups[cid]]
        first = lambda name: sub[name].iloc[0] if name in sub.columns else None
        n = sub["n"].to_numpy(float) if "n" in sub.columns else None
        return (sub["compute"].to_numpy(float), sub["score"].to_numpy(float), n, first("axis"),
                first("compute_unit"))

    return _fit_curves(list(groups), take, curves, form, bootstrap=bootstrap, seed=seed,
                       min_compute=min_compute, max_compute=max_compute, at_score=at_score,
                       level=level, on_error=on_error, progress=progress)


def fit_columns(columns: dict[str, list], curves=None, form: str = "loglinear", *,
                bootstrap: int = 1000, seed: int = 0, min_compute: float | None = None,
                max_compute: float | None = None, at_score: float | None = None,
                level: float = 0.95, on_error: str = "raise",
                progress: Callable[[int, int, str], None] | None = None) -> FitResults:
    """:func:`fit_frame` for a validated ``{column: list}`` table (no pandas)."""
    rows = curve_rows(columns)

    def take(cid: str) -> Curve:
        idx = rows[cid]
        col = lambda name: (np.array([columns[name][i] for i in idx], dtype=float)
                            if name in columns else None)
        first = lambda name: columns[name][idx[0]] if name in columns else None
        return col("compute"), col("score"), col("n"), first("axis"), first("compute_unit")

    return _fit_curves(list(rows), take, curves, form, bootstrap=bootstrap, seed=seed,
                       min_compute=min_compute, max_compute=max_compute, at_score=at_score,
                       level=level, on_error=on_error, progress=progress)


def _fit_curves(available: list[str], take: Callable[[str], Curve], curves, form: str, *,
                bootstrap: int, seed: int, min_compute, max_compute, at_score, level: float,
                on_error: str, progress) -> FitResults:
    """The loop over a table's curves; ``take(curve id)`` gives that curve's rows."""
    if on_error not in ("raise", "collect"):
        raise ValueError(f"on_error must be 'raise' or 'collect', got {on_error!r}")
    if curves is None:
        ids = list(available)
    else:
        ids = [str(c) for c in ([curves] if isinstance(curves, str) else curves)]
        known = set(available)
        unknown = [c for c in ids if c not in known]
        if unknown:
            raise RlscaleError(f"unknown curve id '{unknown[0]}'; available: "
                               f"{', '.join(available) or '(none)'}")
    results, errors = [], {}
    for k, cid in enumerate(ids):
        if progress:
            progress(k, len(ids), cid)
        compute, score, n, axis, unit = take(cid)
        if n is not None and not np.isfinite(n).any():
            n = None
        unit = "relative" if unit is None or str(unit) in ("", "nan", "None") else str(unit)
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(cid.encode())]))
        step = progress and (lambda d, t, k=k, cid=cid: progress(k + d / t, len(ids), cid))
        try:
            results.append(fit_curve(
                compute, score, n, form, curve=cid, axis=None if axis is None else str(axis),
                compute_unit=unit, bootstrap=bootstrap, rng=rng, min_compute=min_compute,
                max_compute=max_compute, at_score=at_score, level=level, progress=step))
        except RlscaleError as exc:
            if on_error == "raise":
                raise
            errors[cid] = str(exc)
    return FitResults(results, errors=errors)
