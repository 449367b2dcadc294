"""Every cost formula of rlscale.econ against a value computed by hand (shown in each test)."""

from __future__ import annotations

import math

import pytest

from rlscale.econ import (breakeven, deployment_cost, energy_kwh, gpu_hours, information_ratio,
                          max_rl_scale, path_multiplier, per_query_multiplier, training_cost,
                          training_multiplier, translate, world_electricity_years)
from rlscale.econ.information import (binary_entropy, bits_per_flop_next_token, bits_per_flop_rl,
                                      episode_tokens_for_ratio)
from rlscale.econ.physical import days_needed, fleet_scaleup, gpus_needed, run_days_for_years
from rlscale.errors import RlscaleError


# ---- training
def test_training_multiplier_parity_is_5_5():
    # (1 + 10*1) / (1 + 1) = 11 / 2
    assert training_multiplier(1.0, 10) == 5.5


def test_training_multiplier_one_percent():
    # (1 + 10*0.01) / (1 + 0.01) = 1.1 / 1.01 = 1.089108...
    assert training_multiplier(0.01, 10) == pytest.approx(1.1 / 1.01)
    assert round(training_multiplier(0.01, 10), 3) == 1.089


def test_training_multiplier_no_rl_and_no_scaleup():
    assert training_multiplier(0.0, 1e6) == 1.0          # no RL: RL scale-up costs nothing
    assert training_multiplier(0.3, 1.0) == 1.0          # k = 1: nothing changes


def test_path_multiplier_steps_and_telescoping():
    path = path_multiplier(0.01, 3)                       # 0.01 -> 0.1 -> 1 -> 10
    assert [s.rl_fraction_after for s in path] == pytest.approx([0.1, 1.0, 10.0])
    assert path[0].step_multiplier == pytest.approx(1.1 / 1.01)
    assert path[1].step_multiplier == pytest.approx(2.0 / 1.1)
    assert path[2].step_multiplier == pytest.approx(11 / 2)
    assert path[-1].cumulative_multiplier == pytest.approx(11 / 1.01)   # (1 + 10) / (1 + 0.01)
    assert path[-1].total_vs_pretrain == pytest.approx(11.0)


def test_max_rl_scale_inverts_the_multiplier():
    assert max_rl_scale(1.0, 5.5) == pytest.approx(10.0)       # (5.5*2 - 1) / 1
    assert max_rl_scale(0.01, 2.0) == pytest.approx(102.0)     # (2*1.01 - 1) / 0.01 = 1.02 / 0.01
    assert math.isinf(max_rl_scale(0.0, 2.0))
    with pytest.raises(RlscaleError, match="budget_multiplier must be >= 1"):
        max_rl_scale(0.1, 0.5)


def test_training_cost_flops_gpu_hours_energy_money():
    # P = 1e25, r = 1, k = 10: added RL = 9e25 FLOP
    c = training_cost(1e25, 1.0, 10, peak_flops=1e15, utilisation=0.5, watts=1000, pue=1.5,
                      usd_per_gpu_hour=2.0)
    assert c["rl_flops_added"] == pytest.approx(9e25)
    # 9e25 / (1e15 * 0.5) / 3600 = 5e7 GPU-hours
    assert c["gpu_hours_added"] == pytest.approx(5e7)
    # 5e7 h * 1 kW * 1.5 = 7.5e7 kWh
    assert c["energy_kwh_added"] == pytest.approx(7.5e7)
    assert c["usd_added"] == pytest.approx(1e8)
    assert training_cost(1e25, 1.0, 10, peak_flops=1e15, utilisation=0.5, watts=1000,
                         pue=1.5)["usd_added"] is None


@pytest.mark.parametrize("args", [(-0.1, 10), (0.1, 0), (math.nan, 10), (0.1, math.inf)])
def test_training_multiplier_rejects_bad_inputs(args):
    with pytest.raises(RlscaleError):
        training_multiplier(*args)


# ---- physical
def test_gpu_hours_energy_and_world_electricity():
    assert gpu_hours(3.6e18, 1e15, 1.0) == pytest.approx(1.0)        # 3.6e18 / 1e15 / 3600
    assert energy_kwh(1000, 700, 1.5) == pytest.approx(1050.0)      # 1000 h * 0.7 kW * 1.5
    assert world_electricity_years(29_471e9, 29_471) == pytest.approx(1.0)
    assert gpus_needed(3.6e18 * 48, 1, 1e15, 1.0) == pytest.approx(2.0)    # 48 GPU-h in 1 day
    assert days_needed(3.6e18 * 48, 2, 1e15, 1.0) == pytest.approx(1.0)
    with pytest.raises(RlscaleError, match="utilisation"):
        gpu_hours(1.0, 1e15, 1.5)
    with pytest.raises(RlscaleError, match="pue"):
        energy_kwh(1.0, 700, 0.9)


def test_translate_datacenters():
    # 1e15 FLOP/s * 0.5 = 5e14 FLOP/s per GPU; 4.32e25 FLOP / 5e14 / 3600 = 2.4e7 GPU-hours
    res = translate(4.32e25, peak_flops=1e15, utilisation=0.5, watts=1000, pue=1.0,
                    world_twh_per_year=24.0, days=10, datacenter_gpus=50_000)
    assert res["gpu_hours"] == pytest.approx(2.4e7)
    assert res["gpus"] == pytest.approx(1e5)                    # 2.4e7 / 240 h
    assert res["datacenters"] == pytest.approx(2.0)
    assert res["energy_twh"] == pytest.approx(0.024)            # 2.4e7 kWh
    assert res["world_electricity_years"] == pytest.approx(0.001)
    with pytest.raises(RlscaleError, match="not both"):
        translate(1e20, peak_flops=1e15, utilisation=0.5, watts=1000, pue=1.0,
                  world_twh_per_year=1.0, days=1, gpus=1)


def test_fleet_scaleup_grok4_arithmetic():
    # 200,000 GPUs x 1e6 = 2e11 GPUs = 5 datacenters of 200,000 per original GPU
    r = fleet_scaleup(200_000, 1e6, run_days=10, watts=1000, pue=1.0, world_twh_per_year=48_000,
                      datacenter_gpus=200_000)
    assert r["datacenters_per_original_gpu"] == pytest.approx(5.0)
    # 2e11 GPUs * 240 h * 1 kW = 4.8e13 kWh = 48,000 TWh = 1 year of 48,000 TWh/yr
    assert r["energy_twh"] == pytest.approx(48_000)
    assert r["world_electricity_years"] == pytest.approx(1.0)
    assert run_days_for_years(1.0, 200_000, 1e6, watts=1000, pue=1.0,
                              world_twh_per_year=48_000) == pytest.approx(10.0)
    assert fleet_scaleup(200_000, 1e6, run_days=10, watts=1000, pue=1.0, world_twh_per_year=1.0,
                         datacenter_gpus=200_000, speedup=2.0)["datacenters_per_original_gpu"] \
        == pytest.approx(2.5)


# ---- deployment and break-even
def test_per_query_multiplier():
    assert per_query_multiplier(30, 1000) == 30.0
    assert per_query_multiplier(30, 1000, input_tokens=1000) == pytest.approx(15.5)  # 31000/2000


def test_deployment_cost_flops_and_money():
    # 1000 -> 30000 tokens; 2 * 1e11 FLOP per token; 10 queries/day for 3 days
    d = deployment_cost(multiplier=30, output_tokens=1000, input_tokens=0, queries_per_day=10,
                        active_params=1e11, days=3, usd_per_million_tokens=10.0)
    assert d["flops_per_query_after"] == pytest.approx(30_000 * 2e11)
    assert d["flops_per_period_after"] == pytest.approx(30_000 * 2e11 * 30)
    assert d["usd_per_query_after"] == pytest.approx(0.3)       # 30,000 tokens at $10/M
    assert d["usd_per_period_before"] == pytest.approx(0.01 * 30)


def test_breakeven_hand_computed():
    # ratio 0.5: 100x RL ~ 10x inference. RL one-off: 1e24 * 0.01 * 99 = 9.9e23 FLOP.
    # extra per query: (10 - 1) * 1000 tokens * 2 * 1e10 = 1.8e14 FLOP -> Q* = 5.5e9 queries
    b = breakeven(pretrain_flops=1e24, rl_fraction=0.01, rl_scale=100, slope_ratio=0.5,
                  output_tokens=1000, active_params=1e10, queries_per_day=1e8, horizon_days=365)
    assert b["inference_multiplier"] == pytest.approx(10.0)
    assert b["rl_flops_one_off"] == pytest.approx(9.9e23)
    assert b["extra_flops_per_query"] == pytest.approx(1.8e14)
    assert b["breakeven_queries"] == pytest.approx(5.5e9)
    assert b["breakeven_days"] == pytest.approx(55.0)
    assert b["cheaper"] == "rl"                                 # 55 days < 365 days
    low = [row for row in b["by_volume"] if row["queries_per_day"] == 1e3][0]
    assert low["cheaper"] == "inference"
    with pytest.raises(RlscaleError, match="rl_scale must be > 1"):
        breakeven(pretrain_flops=1e24, rl_fraction=0.01, rl_scale=1, slope_ratio=0.5,
                  output_tokens=1000, active_params=1e10, queries_per_day=1, horizon_days=1)


# ---- information
def test_information_ratio_hand_computed():
    # 6 H / (8 b T) = 6 / (8 * 10,000) = 7.5e-5
    assert information_ratio(reward_bits=1, episode_tokens=10_000, bits_per_token=1) == \
        pytest.approx(7.5e-5)
    assert bits_per_flop_next_token(1.0, 1e9) == pytest.approx(1 / 6e9)
    assert bits_per_flop_rl(1.0, 100, 1e9) == pytest.approx(1 / 8e11)
    assert episode_tokens_for_ratio(1e-4, reward_bits=1, bits_per_token=1) == pytest.approx(7500)
    assert binary_entropy(0.5) == 1.0 and binary_entropy(0.0) == 0.0
    assert binary_entropy(0.11) == pytest.approx(0.4999, abs=1e-3)


# ---- properties
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

fractions = st.floats(min_value=1e-6, max_value=100, allow_nan=False)
scales = st.floats(min_value=1.0, max_value=1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(fractions, scales)
def test_max_rl_scale_inverts_training_multiplier(r, k):
    m = training_multiplier(r, k)
    assert 1.0 <= m <= k * (1 + 1e-12)          # never more than the RL scale-up itself
    assert max_rl_scale(r, m) == pytest.approx(k, rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(fractions, st.integers(min_value=1, max_value=8))
def test_path_telescopes(r, n):
    path = path_multiplier(r, n, 10.0)
    assert path[-1].cumulative_multiplier == pytest.approx(training_multiplier(r, 10.0 ** n),
                                                           rel=1e-9)
