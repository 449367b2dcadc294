"""Forecasts with prediction intervals, backtests, and the cost of a target score.

    import rlscale
    res = rlscale.forecast("catalog:essay", "o1-rl", to_score=0.8)
    res.compute.value, res.reachable, res.to_dict()
    bt = rlscale.backtest("my-run.csv", "my-curve", train_fraction=0.5)

Modules: :mod:`~rlscale.forecasting.predict` (fits under one or several forms with AIC weights),
:mod:`~rlscale.forecasting.mixture` (weighted draws: scores and compute), :mod:`~rlscale.forecasting.api`
(``forecast``), :mod:`~rlscale.forecasting.backtest`, :mod:`~rlscale.forecasting.cost`,
:mod:`~rlscale.forecasting.section` (the report's forecast section), :mod:`~rlscale.forecasting.result`.
See docs/forecast.md and docs/methods.md §9.
"""

from __future__ import annotations

from rlscale.forecasting.api import forecast
from rlscale.forecasting.backtest import backtest
from rlscale.forecasting.result import BacktestResult, ForecastResult

__all__ = ["BacktestResult", "ForecastResult", "backtest", "forecast"]
