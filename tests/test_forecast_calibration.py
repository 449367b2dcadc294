"""Reduced calibration of the forecast's 90% prediction interval (the full run is
``benchmarks/bench_forecast_calibration.py``; its numbers are in docs/methods.md §9).

Bounds are binomial tolerances for the replicate count, fixed before looking at any result: the
random-point statistic is Binomial(R, p) across independent replicates, and a correct method has
p in [0.85, 0.95] (issue 14); the bounds are the 1e-4 and 1 − 1e-4 quantiles at those ends, so a
correct method fails a bound with probability below 1e-4.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

TAIL = 1e-4
R_FORM = 60
R_SCALERL = 40


def _bench():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_forecast_calibration.py"
    spec = importlib.util.spec_from_file_location("bench_forecast_calibration", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
@pytest.mark.parametrize("name", ["loglinear", "logistic", "scalerl", "powerlaw", "exp_powerlaw"])
def test_prediction_interval_coverage_known_form(name):
    from scipy.stats import binom

    bench = _bench()
    r = bench.coverage(name, R_FORM, seed=99)   # a seed of its own, not the benchmark's
    lo = binom.ppf(TAIL, R_FORM, 0.85)
    hi = binom.isf(TAIL, R_FORM, 0.95)
    print(f"{name}: random-point hits {r['random_point_hits']}/{R_FORM} (bounds {lo:g}-{hi:g}), "
          f"pooled {r['pooled']:.3f}")
    assert lo <= r["random_point_hits"] <= hi


@pytest.mark.slow
def test_scalerl_asymptote_within_002():
    from scipy.stats import binom

    s = _bench().scalerl_asymptote(R_SCALERL, seed=7)
    least = binom.ppf(TAIL, R_SCALERL, 0.90)
    print(f"scalerl asymptote within 0.02: {s['hits']}/{R_SCALERL} (needs >= {least:g})")
    assert s["hits"] >= least
