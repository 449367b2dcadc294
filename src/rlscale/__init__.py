"""rlscale: measure, fit and forecast how capability scales with RL-training vs inference compute.

The public API is imported lazily so that ``import rlscale`` stays light (no scipy, pandas,
matplotlib or torch until a function that needs them is called)::

    import rlscale
    obs = rlscale.read_observations("catalog:essay")
    fits = rlscale.fit(obs, form="loglinear", seed=0)
    cmp = rlscale.compare(fits["o1-rl"], fits["o1-inference"])
    rlscale.exchange(10, ratio=0.5, from_="rl", to="inference")   # -> 3.16...
"""

from __future__ import annotations

from rlscale._lazy import lazy_attributes

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "read_observations": "rlscale.data",
    "validate_observations": "rlscale.data",
    "write_observations": "rlscale.data",
    "fit": "rlscale.fitting",
    "fit_curve": "rlscale.fitting",
    "FitResult": "rlscale.fitting",
    "FitResults": "rlscale.fitting",
    "compare": "rlscale.convert",
    "Comparison": "rlscale.convert",
    "exchange": "rlscale.convert",
    "FORMS": "rlscale.forms",
    "RlscaleError": "rlscale.errors",
    "Estimate": "rlscale.estimate",
    "forecast": "rlscale.forecasting",
    "backtest": "rlscale.forecasting",
    "ForecastResult": "rlscale.forecasting",
    "BacktestResult": "rlscale.forecasting",
}

__all__ = sorted(_LAZY) + ["__version__"]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
