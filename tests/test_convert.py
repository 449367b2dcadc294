"""Comparison (slope ratio with bootstrap and Fieller intervals) and exchange rates."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rlscale.convert import (DEFAULT_PRETRAIN_INFERENCE_OOM, compare, exchange,
                             fieller_interval)
from rlscale.errors import RlscaleError
from rlscale.fitting import fit_curve

C = np.logspace(0, 2, 9)   # two decades, like the essay's charts


def line(slope, a, n=400, seed=0, axis="rl", curve=None, bootstrap=2000):
    rng = np.random.default_rng(seed)
    p = a + slope * np.log10(C)
    nn = np.full(C.size, n)
    y = rng.binomial(nn, p) / nn
    return fit_curve(C, y, nn, "loglinear", curve=curve or f"{axis}-{seed}", axis=axis,
                     bootstrap=bootstrap, seed=seed + 100)


# --- exchange ---------------------------------------------------------------------------------

def test_exchange_essay_numbers():
    assert exchange(10, ratio=0.5, from_="rl", to="inference") == pytest.approx(3.16227766)
    assert exchange(10_000, ratio=0.5) == pytest.approx(100.0)
    assert exchange(100, ratio=0.5, from_="inference", to="rl") == pytest.approx(10_000.0)
    # 1,000x inference ≈ 100x pre-training; so 1,000,000x RL ≈ 100x pre-training at ratio 0.5
    assert exchange(1000, ratio=0.5, from_="inference", to="pretrain") == pytest.approx(100.0)
    assert exchange(1e6, ratio=0.5, from_="rl", to="pretrain") == pytest.approx(100.0)
    assert exchange(7.0, ratio=0.3, from_="pretrain", to="pretrain") == pytest.approx(7.0)
    assert DEFAULT_PRETRAIN_INFERENCE_OOM == 1.5


def test_exchange_pretrain_rate_is_overridable():
    assert exchange(100, ratio=1.0, from_="pretrain", to="inference",
                    pretrain_inference_oom=2.0) == pytest.approx(1e4)


@pytest.mark.parametrize("kwargs,match", [
    (dict(factor=10, ratio=0.0), "ratio"),
    (dict(factor=10, ratio=-0.5), "ratio"),
    (dict(factor=10, ratio=float("nan")), "ratio"),
    (dict(factor=10, ratio=float("inf")), "ratio"),
    (dict(factor=0, ratio=0.5), "factor"),
    (dict(factor=-3, ratio=0.5), "factor"),
    (dict(factor=10, ratio=0.5, from_="training"), "unknown from axis 'training'"),
    (dict(factor=10, ratio=0.5, to="gpu"), "unknown to axis 'gpu'"),
    (dict(factor=10, ratio=0.5, pretrain_inference_oom=0), "pretrain_inference_oom"),
    (dict(factor="ten", ratio=0.5), "factor"),
])
def test_exchange_rejects_bad_input(kwargs, match):
    factor = kwargs.pop("factor")
    with pytest.raises(RlscaleError, match=match):
        exchange(factor, **kwargs)


# --- Fieller ---------------------------------------------------------------------------------

def test_fieller_matches_closed_form_and_delta_method_for_precise_estimates():
    lo, hi, kind = fieller_interval(1.0, 2.0, 0.01 ** 2, 0.01 ** 2, 0.0, 0.95)
    assert kind == "bounded" and lo < 0.5 < hi
    # for small relative errors Fieller ≈ delta method: se(r) = r·sqrt(v1/s1² + v2/s2²)
    se = 0.5 * math.sqrt((0.01 / 1.0) ** 2 + (0.01 / 2.0) ** 2)
    assert lo == pytest.approx(0.5 - 1.959964 * se, rel=1e-3)
    assert hi == pytest.approx(0.5 + 1.959964 * se, rel=1e-3)
    # the end points solve (s1 − ρ s2)² = z² (v1 + ρ² v2)
    for r in (lo, hi):
        assert (1 - 2 * r) ** 2 == pytest.approx(1.959964 ** 2 * (1e-4 + r * r * 1e-4), rel=1e-5)


def test_fieller_unbounded_when_denominator_not_significant():
    lo, hi, kind = fieller_interval(1.0, 0.1, 0.01, 0.01, 0.0, 0.95)
    assert kind in ("unbounded", "exclusive") and math.isinf(lo) and math.isinf(hi)


# --- compare ---------------------------------------------------------------------------------

def test_true_slopes_015_and_030_give_ratio_interval_containing_half():
    rl = line(0.15, 0.2, seed=1, axis="rl")
    inf = line(0.30, 0.1, seed=2, axis="inference")
    cmp = compare(rl, inf)
    assert cmp.slope_ratio.ci_low <= 0.5 <= cmp.slope_ratio.ci_high
    assert cmp.slope_ratio_fieller.ci_low <= 0.5 <= cmp.slope_ratio_fieller.ci_high
    assert cmp.rl_oom_per_inference_oom.value == pytest.approx(1 / cmp.slope_ratio.value)
    assert cmp.rl_oom_per_inference_oom.ci_low == pytest.approx(1 / cmp.slope_ratio.ci_high)
    assert cmp.warnings == []


def test_bootstrap_and_fieller_intervals_agree():
    rl = line(0.15, 0.2, seed=3, axis="rl", n=2000)
    inf = line(0.30, 0.1, seed=4, axis="inference", n=2000)
    cmp = compare(rl, inf)
    b, f, d = cmp.slope_ratio, cmp.slope_ratio_fieller, cmp.slope_ratio_delta
    width = b.ci_high - b.ci_low
    assert abs(b.ci_low - f.ci_low) < 0.1 * width
    assert abs(b.ci_high - f.ci_high) < 0.1 * width
    # the delta method agrees too when both slopes are precise
    assert abs(d.ci_low - f.ci_low) < 0.1 * width and abs(d.ci_high - f.ci_high) < 0.1 * width


def test_equivalents_follow_from_the_ratio():
    rl = line(0.15, 0.2, seed=5, axis="rl")
    inf = line(0.30, 0.1, seed=6, axis="inference")
    cmp = compare(rl, inf, factors=(3, 10, 30, 100, 1000))
    r = cmp.slope_ratio
    assert [e["inference_factor"] for e in cmp.equivalents] == [3, 10, 30, 100, 1000]
    for e in cmp.equivalents:
        f = e["inference_factor"]
        assert e["rl_factor"] == pytest.approx(f ** (1 / r.value))
        assert e["rl_factor_ci_low"] == pytest.approx(f ** (1 / r.ci_high))
        assert e["rl_factor_ci_high"] == pytest.approx(f ** (1 / r.ci_low))
        # and matches exchange() at the point estimate
        assert e["rl_factor"] == pytest.approx(exchange(f, ratio=r.value, from_="inference",
                                                        to="rl"))


def test_to_dict_matches_the_cli_schema():
    cmp = compare(line(0.15, 0.2, seed=7), line(0.30, 0.1, seed=8, axis="inference"))
    d = json.loads(cmp.to_json())
    assert set(d["slope_ratio"]) == {"value", "ci_low", "ci_high"}
    assert set(d["rl_oom_per_inference_oom"]) == {"value", "ci_low", "ci_high"}
    assert {"inference_factor", "rl_factor"} <= set(d["equivalents"][0])
    assert len(d["equivalents"]) == 5
    assert "slope_ratio_fieller" in d and "at_score" in d and "warnings" in d


def test_essay_endpoints_give_a_ratio_with_null_interval_and_a_warning():
    rl = fit_curve([1, 100], [0.33, 0.66], curve="o1-rl", axis="rl")
    inf = fit_curve([1, 100], [0.20, 0.80], curve="o1-inference", axis="inference")
    cmp = compare(rl, inf)
    d = cmp.to_dict()
    assert d["slope_ratio"] == {"value": pytest.approx(0.55), "ci_low": None, "ci_high": None}
    assert d["equivalents"][1]["rl_factor"] == pytest.approx(10 ** (1 / 0.55))
    assert any("no interval for the slope ratio" in w for w in cmp.warnings)


def test_flat_inference_curve_gives_unbounded_fieller_with_warning():
    rl = line(0.15, 0.2, seed=9)
    inf = line(0.004, 0.5, seed=10, axis="inference", n=100)
    cmp = compare(rl, inf)
    assert any("Fieller interval is unbounded" in w for w in cmp.warnings)
    assert cmp.to_dict()["slope_ratio_fieller"]["ci_low"] is None
    # the bootstrap interval is withheld too rather than quoting a meaningless percentile range
    assert cmp.to_dict()["slope_ratio"]["ci_low"] is None
    assert any("inference slope's 95% interval reaches 0" in w for w in cmp.warnings)


def test_rl_slope_not_clearly_positive_warns_and_leaves_multipliers_unbounded():
    rl = line(0.004, 0.5, seed=17, n=100)
    inf = line(0.30, 0.1, seed=18, axis="inference")
    cmp = compare(rl, inf)
    assert cmp.slope_ratio.ci_low <= 0 <= cmp.slope_ratio.ci_high
    assert any("includes 0" in w for w in cmp.warnings)
    assert all(math.isnan(e["rl_factor_ci_high"]) for e in cmp.equivalents)


def test_negative_rl_slope_has_no_equivalents():
    rl = line(-0.05, 0.6, seed=11)
    inf = line(0.30, 0.1, seed=12, axis="inference")
    cmp = compare(rl, inf)
    assert cmp.slope_ratio.value < 0
    assert all(math.isnan(e["rl_factor"]) for e in cmp.equivalents)
    assert any("not positive" in w for w in cmp.warnings)


def test_compare_warns_on_swapped_axes_and_renders():
    rl = line(0.15, 0.2, seed=13, axis="inference", bootstrap=200)
    inf = line(0.30, 0.1, seed=14, axis="inference", bootstrap=200)
    cmp = compare(rl, inf)
    assert any("compared as rl" in w for w in cmp.warnings)
    from rich.console import Console

    con = Console(record=True, width=120)
    con.print(cmp)
    assert "slope ratio (Fieller)" in con.export_text()


def test_compare_warns_when_a_curve_does_not_reach_the_stated_score():
    rl = line(0.15, 0.2, seed=15, bootstrap=200)
    inf = line(0.30, 0.1, seed=16, axis="inference", bootstrap=200)
    cmp = compare(rl, inf, at_score=0.95)
    assert any("does not reach score 0.95" in w for w in cmp.warnings)
    assert cmp.at_score == 0.95
