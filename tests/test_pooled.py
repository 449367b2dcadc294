"""Pooled slope ratio (DerSimonian-Laird on log ratios) against a hand-computed example."""

from __future__ import annotations

import math

import pytest

from rlscale.convert.pooled import pool_slope_ratios
from rlscale.errors import RlscaleError
from rlscale.estimate import Estimate

Z95 = 1.959963984540054


def _est(ratio: float, se_log: float) -> Estimate:
    return Estimate(ratio, math.exp(math.log(ratio) - Z95 * se_log),
                    math.exp(math.log(ratio) + Z95 * se_log), 0.95)


def test_three_pairs_match_hand_computation():
    # y = ln(0.5, 0.8, 0.4); se = 0.2, 0.1, 0.3 -> w = 25, 100, 11.11; fixed mean -0.36605;
    # Q = 8.0811; C = 136.111 - 10748.46/136.111 = 57.143; tau2 = (Q - 2)/C = 0.10642;
    # w* = 1/(se^2 + tau2) = 6.8297, 8.5896, 5.0912; mu = -0.55170; se(mu) = 0.22081.
    pooled = pool_slope_ratios({"a": _est(0.5, 0.2), "b": _est(0.8, 0.1), "c": _est(0.4, 0.3)})
    assert pooled.q == pytest.approx(8.0811, rel=1e-3)
    assert pooled.tau2 == pytest.approx(0.10642, rel=1e-3)
    assert pooled.value == pytest.approx(math.exp(-0.55170), rel=1e-3)
    assert pooled.ci_low == pytest.approx(math.exp(-0.55170 - Z95 * 0.22081), rel=1e-3)
    assert pooled.ci_high == pytest.approx(math.exp(-0.55170 + Z95 * 0.22081), rel=1e-3)
    assert pooled.included == ("a", "b", "c") and pooled.excluded == ()
    assert sum(pooled.weights) == pytest.approx(1.0)


def test_homogeneous_pairs_give_the_fixed_effect_mean():
    pooled = pool_slope_ratios({"a": _est(0.5, 0.2), "b": _est(0.5, 0.1)})
    assert pooled.tau2 == 0.0 and pooled.value == pytest.approx(0.5)
    se = math.sqrt(1 / (25 + 100))
    assert pooled.ci_high == pytest.approx(0.5 * math.exp(Z95 * se), rel=1e-9)


def test_pairs_without_interval_are_reported_not_pooled():
    pooled = pool_slope_ratios({"stated": _est(0.5, 0.2), "no-n": Estimate(0.55),
                                "crosses-0": Estimate(0.3, -0.1, 0.9), "negative": Estimate(-1.0)})
    assert pooled.included == ("stated",)
    reasons = dict(pooled.excluded)
    assert set(reasons) == {"no-n", "crosses-0", "negative"}
    assert "no interval" in reasons["no-n"] and "reaches 0" in reasons["crosses-0"]
    assert pooled.value == pytest.approx(0.5)  # one pair: the pooled estimate is that pair
    assert pooled.to_dict()["k"] == 1


def test_no_pair_with_interval_gives_nan_not_a_number():
    pooled = pool_slope_ratios({"a": Estimate(0.55)})
    assert math.isnan(pooled.value) and math.isnan(pooled.ci_low)
    assert pooled.to_dict()["value"] is None and pooled.to_dict()["excluded"][0]["pair"] == "a"


class _Cmp:  # the two attributes of a Comparison that pooling reads
    def __init__(self, rl, inf, est):
        self.rl_curve, self.inference_curve, self.slope_ratio = rl, inf, est


def test_pairs_sharing_a_curve_count_once():
    pooled = pool_slope_ratios([_Cmp("o1-rl", "o1-inference", _est(0.5, 0.2)),
                                _Cmp("o1-rl", "o1-samples", _est(2.5, 0.2))])
    assert pooled.included == ("o1-rl vs o1-inference",)
    assert "shares curve 'o1-rl'" in pooled.excluded[0][1]


def test_bad_input_is_a_user_error():
    with pytest.raises(RlscaleError, match="level"):
        pool_slope_ratios({}, level=1.5)
    with pytest.raises(RlscaleError, match="Comparison"):
        pool_slope_ratios([0.5])
