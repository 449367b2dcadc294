"""``forecast --cost`` on catalog:essay reproduces ``rlscale cost`` for the same multipliers."""

from __future__ import annotations

import json

import pytest

from rlscale.cli import main


def run_json(capsys, *argv) -> dict:
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--json"])
    out = capsys.readouterr()
    assert exc.value.code == 0, out.err
    return json.loads(out.out)


RATIO = "0.5"   # a stated slope ratio keeps the test independent of the catalog fit


def test_rl_target_cost_matches_cost_training_and_breakeven(capsys):
    doc = run_json(capsys, "forecast", "catalog:essay", "--curve", "o1-rl", "--to-score", "0.8",
                   "--form", "loglinear", "--cost", "--slope-ratio", RATIO)
    cost = doc["cost"]
    # by hand: the line 0.33 + 0.165 x reaches 0.8 at x = 0.47 / 0.165; data end at C = 100
    k = 10 ** (0.47 / 0.165) / 100
    assert cost["rl"]["rl_scale"]["value"] == pytest.approx(k, rel=1e-6)
    assert cost["inference"]["multiplier"]["value"] == pytest.approx(k ** 0.5, rel=1e-6)
    ref = run_json(capsys, "cost", "training", "--rl-scale", repr(k))
    for key in ("total_multiplier", "rl_flops_added", "gpu_hours_added", "energy_kwh_added"):
        mine = cost["rl"][key]["value"]
        theirs = ref["cost"][key] if key != "total_multiplier" else ref["total_multiplier"]
        assert mine == pytest.approx(theirs, rel=1e-9), key
    # (1 + k r) / (1 + r) with the default r = 0.01, and RL added = P r (k - 1), P = 1e25
    assert cost["rl"]["total_multiplier"]["value"] == pytest.approx((1 + 0.01 * k) / 1.01)
    assert cost["rl"]["rl_flops_added"]["value"] == pytest.approx(1e25 * 0.01 * (k - 1))
    be = run_json(capsys, "cost", "breakeven", "--rl-scale", repr(k), "--slope-ratio", RATIO)
    assert cost["breakeven"]["breakeven_queries"]["value"] == pytest.approx(
        be["breakeven_queries"], rel=1e-9)


def test_inference_target_cost_matches_cost_deployment(capsys):
    doc = run_json(capsys, "forecast", "catalog:essay", "--curve", "o1-inference", "--to-score",
                   "0.9", "--form", "loglinear", "--cost", "--slope-ratio", RATIO)
    cost = doc["cost"]
    # the line 0.20 + 0.30 x reaches 0.9 at x = 0.7 / 0.3; data end at C = 100
    m = 10 ** (0.7 / 0.3) / 100
    assert cost["inference"]["multiplier"]["value"] == pytest.approx(m, rel=1e-6)
    ref = run_json(capsys, "cost", "deployment", "--multiplier", repr(m), "--days", "365")
    per_query = ref["flops_per_query_after"] - ref["flops_per_query_before"]
    per_year = ref["flops_per_period_after"] - ref["flops_per_period_before"]
    assert cost["inference"]["extra_flops_per_query"]["value"] == pytest.approx(per_query)
    assert cost["inference"]["extra_flops_per_year"]["value"] == pytest.approx(per_year)
    # by hand: (m - 1) x 1,000 tokens x 2 FLOP x active params, defaults from defaults.toml
    tokens = ref["assumptions"][1]["value"]
    params = ref["assumptions"][4]["value"]
    assert per_query == pytest.approx((m - 1) * tokens * 2 * params)
    # the RL route for the same gain: k = m^(1/ratio)
    assert cost["rl"]["rl_scale"]["value"] == pytest.approx(m ** 2, rel=1e-6)
    be = run_json(capsys, "cost", "breakeven", "--rl-scale", repr(m ** 2), "--slope-ratio", RATIO)
    assert cost["breakeven"]["breakeven_queries"]["value"] == pytest.approx(
        be["breakeven_queries"], rel=1e-6)


def test_cost_needs_to_score(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["forecast", "catalog:essay", "--curve", "o1-rl", "--at-compute", "10", "--cost"])
    assert exc.value.code == 2 and "--cost" in capsys.readouterr().err
