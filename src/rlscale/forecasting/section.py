"""The report's forecast section: JSON-ready forecasts and backtests for every curve.

:func:`forecast_section` fits each curve (the same ensemble as ``rlscale forecast``), draws the
forecast and its prediction band on a grid from the smallest observed compute to
``extend_decades`` beyond the largest, and backtests (holdout, half the log-compute span) the
curves with at least ``min_backtest_points`` distinct compute values.
:func:`rlscale.report.forecast_figure.forecast_figure` draws it; nothing there fits.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from rlscale.errors import RlscaleError
from rlscale.forecasting.mixture import score_draws
from rlscale.forecasting.predict import curve_arrays, curve_rng, fit_ensemble

#: A curve needs this many distinct compute values for the section to backtest it.
MIN_BACKTEST_POINTS = 6


def _curve_entry(df, cid: str, form: str, bootstrap: int, seed: int, level: float,
                 extend_decades: float, grid: int) -> dict:
    c, s, n, axis, unit = curve_arrays(df, cid)
    ens = fit_ensemble(c, s, n, form, curve=cid, axis=axis, compute_unit=unit,
                       bootstrap=bootstrap, rng=curve_rng(seed, cid), level=level)
    lo_x, hi_x = math.log10(c.min()), math.log10(c.max())
    xs = np.linspace(lo_x, hi_x + extend_decades, grid)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(cid.encode()), 3]))
    value, low, high, _ = score_draws(ens, 10.0 ** xs, n_new=ens.n_median, rng=rng)
    return {"curve": cid, "axis": axis, "compute_unit": unit,
            "forms": [{"form": m.form, "weight": m.weight} for m in ens.fits],
            "observed": {"compute": c.tolist(), "score": s.tolist()},
            "fit_max_compute": float(c.max()),
            "grid": {"compute": (10.0 ** xs).tolist(), "value": value.tolist(),
                     "low": low.tolist(), "high": high.tolist()},
            "warnings": list(ens.warnings)}


def _backtest_row(df, cid: str, form: str, bootstrap: int, seed: int, level: float):
    from rlscale.forecasting.backtest import backtest

    if df.loc[df["curve"] == cid, "compute"].nunique() < MIN_BACKTEST_POINTS:
        return None
    try:
        bt = backtest(df, cid, form=form, bootstrap=bootstrap, seed=seed, level=level)
    except RlscaleError as exc:
        return {"curve": cid, "skipped": str(exc)}
    d = bt.to_dict()
    return {k: d[k] for k in ("curve", "form", "train_max_compute", "n_train", "n_test",
                              "coverage", "mean_abs_error", "asymptote")}


def forecast_section(data, *, curves=None, form: str = "auto", bootstrap: int = 300,
                     seed: int = 0, level: float = 0.9, extend_decades: float = 1.0,
                     grid: int = 40) -> dict:
    """Forecast bands for each curve and a backtest table; JSON-ready.

    Returns
    -------
    dict
        ``{"level", "form", "extend_decades", "curves": [...], "backtests": [...]}``; each
        curve has ``observed``, ``fit_max_compute`` (the end of the fitted range) and ``grid``
        (``compute``, ``value``, ``low``, ``high``: the forecast and its prediction band).
    """
    from rlscale.data import read_observations, select_curves

    df = read_observations(data)
    if curves:
        df = select_curves(df, list(curves), source=data if isinstance(data, str) else "data")
    ids = list(dict.fromkeys(df["curve"].astype(str)))
    out = {"level": level, "form": form, "extend_decades": extend_decades, "curves": [],
           "backtests": []}
    for cid in ids:
        out["curves"].append(_curve_entry(df, cid, form, bootstrap, seed, level,
                                          extend_decades, grid))
        row = _backtest_row(df, cid, form, bootstrap, seed, level)
        if row is not None:
            out["backtests"].append(row)
    from rlscale.jsonable import clean_json

    return clean_json(out)
