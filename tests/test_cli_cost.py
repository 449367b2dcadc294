"""``rlscale cost ...`` as a user sees it: the numbers, --json, --show-defaults, errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from rlscale.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "examples" / "scenarios"


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_training_parity_gives_5_5(capsys):
    code, out, err = run(["cost", "training", "--rl-fraction", "1", "--rl-scale", "10"], capsys)
    assert code == 0 and err == ""
    assert "5.500" in out
    code, out, _ = run(["cost", "training", "--rl-fraction", "1", "--rl-scale", "10", "--json"],
                       capsys)
    assert json.loads(out)["total_multiplier"] == 5.5


def test_training_one_percent_gives_1_089(capsys):
    code, out, _ = run(["cost", "training", "--rl-fraction", "0.01", "--rl-scale", "10"], capsys)
    assert code == 0 and "1.089" in out
    code, out, _ = run(["cost", "training", "--rl-fraction", "0.01", "--rl-scale", "10", "--json",
                        "--steps", "2", "--budget", "2"], capsys)
    doc = json.loads(out)
    assert round(doc["total_multiplier"], 3) == 1.089
    assert [round(s["step_multiplier"], 3) for s in doc["path"]] == [1.089, 1.818]
    assert doc["max_rl_scale"] == pytest.approx(102.0)
    assert {"total_multiplier", "cost", "assumptions"} <= set(doc)


def test_deployment_30x(capsys):
    code, out, _ = run(["cost", "deployment", "--multiplier", "30", "--json",
                        "--usd-per-million-tokens", "10"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["per_query_multiplier"] == 30.0
    assert doc["usd_per_query_after"] == pytest.approx(0.3)    # 30,000 tokens at $10/M


def test_breakeven_uses_the_fitted_ratio_unless_given(capsys):
    code, out, _ = run(["cost", "breakeven", "--json"], capsys)
    doc = json.loads(out)
    # pooled essay evidence: (0.33 + 0.62) / (2 + 4) / 0.30
    assert doc["slope_ratio"] == pytest.approx((0.33 + 0.62) / 6 / 0.30)
    code, out, _ = run(["cost", "breakeven", "--json", "--slope-ratio", "0.5", "--rl-scale", "100"],
                       capsys)
    doc = json.loads(out)
    assert doc["slope_ratio"] == 0.5 and doc["inference_multiplier"] == pytest.approx(10.0)


def test_breakeven_heavy_deployment_scenario_prefers_training(capsys):
    code, out, _ = run(["cost", "breakeven", "--scenario", SCENARIOS / "heavy-deployment.toml",
                        "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["cheaper"] == "rl" and doc["breakeven_days"] < 365


def test_energy_translation(capsys):
    # 2e31 FLOP on H100 at 40% MFU: 2e31 / (989e12 * 0.4) / 3600 GPU-hours
    code, out, _ = run(["cost", "energy", "--flops", "2e31", "--days", "90",
                        "--datacenter-gpus", "200000", "--json"], capsys)
    doc = json.loads(out)
    gh = 2e31 / (989e12 * 0.4) / 3600
    assert doc["gpu_hours"] == pytest.approx(gh)
    assert doc["gpus"] == pytest.approx(gh / (90 * 24))
    assert doc["energy_twh"] == pytest.approx(gh * 0.7 * 1.58 / 1e9)
    assert doc["world_electricity_years"] == pytest.approx(gh * 0.7 * 1.58 / 1e9 / 29_471)
    code, out, _ = run(["cost", "energy", "--flops", "2e31", "--profile", "B200", "--json"], capsys)
    assert json.loads(out)["gpu_hours"] == pytest.approx(2e31 / (2.25e15 * 0.4) / 3600)


def test_show_defaults_lists_every_assumption_with_source(capsys):
    from rlscale.econ.assumptions import defaults

    code, out, _ = run(["cost", "--show-defaults"], capsys)
    assert code == 0
    for a in defaults():
        assert f"{a.key.partition('.')[2]} = " in out, a.key
    assert "Ember" in out and "H100" in out and "B200" in out
    code, out, _ = run(["cost", "--show-defaults", "--json"], capsys)
    doc = json.loads(out)
    assert all(a["citation"] and a["unit"] for a in doc["assumptions"])


@pytest.mark.parametrize("args, match", [
    (["cost", "training", "--rl-fraction", "-1"], "--rl-fraction = -1.0: must be >= 0"),
    (["cost", "training", "--rl-fraction", "abc"], "--rl-fraction"),
    (["cost", "training", "--pue", "0.5"], "--pue = 0.5: PUE must be >= 1"),
    (["cost", "training", "--utilisation", "2"], "--utilisation = 2.0: must be a fraction"),
    (["cost", "training", "--profile", "TPU"], "--profile = 'TPU': must name a hardware profile"),
    (["cost", "training", "--bogus"], "No such option"),
    (["cost", "deployment", "--days", "0"], "--days 0.0: must be > 0"),
    (["cost", "energy"], "Missing option '--flops'"),
    (["cost", "energy", "--flops", "-1"], "--flops -1.0: must be > 0"),
    (["cost", "energy", "--flops", "1e25", "--days", "1", "--gpus", "1"], "not both"),
    (["cost", "breakeven", "--rl-scale", "1"], "rl_scale must be > 1"),
    (["cost", "training", "--scenario", "missing.toml"], "missing.toml: scenario file not found"),
])
def test_bad_flags_exit_2_with_one_line(capsys, args, match):
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rlscale: error: ")
    assert match in err


@pytest.mark.parametrize("text, match", [
    ("[hardware]\nwats = 700.0\n", "key 'hardware.wats': unknown key"),
    ("[hardware]\nwatts = -700.0\n", "key 'hardware.watts': Input should be greater than 0"),
    ("[training]\nrl_fraction = \"lots\"\n", "key 'training.rl_fraction'"),
    ("[hardware]\nutilisation = 1.2\n", "key 'hardware.utilisation'"),
])
def test_bad_scenario_exit_2_with_one_line(capsys, tmp_path, text, match):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    for cmd in (["cost", "training"], ["cost", "energy", "--flops", "1e25"]):
        code, out, err = run(cmd + ["--scenario", f], capsys)
        assert code == 2 and out == "" and err.count("\n") == 1
        assert str(f) in err and match in err


def test_real_process_bad_scenario_has_no_traceback(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[hardware]\npue = 0.5\n")
    proc = subprocess.run([sys.executable, "-m", "rlscale", "claims", "--scenario", str(f)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert "key 'hardware.pue'" in proc.stderr


def test_information_calculator(capsys):
    # defaults: 6 * 1 / (8 * 1 * 10,000) = 7.5e-5, crossing 1e-4 at 7,500 tokens
    code, out, _ = run(["cost", "information", "--json"], capsys)
    doc = json.loads(out)
    assert doc["ratio"] == pytest.approx(7.5e-5) and doc["below_one_ten_thousandth"] is True
    assert doc["episode_tokens_for_one_ten_thousandth"] == pytest.approx(7500)
    # success rate 10%: H = 0.469 bits; 6 * 0.469 / (8 * 2000) = 1.76e-4
    code, out, _ = run(["cost", "information", "--success-rate", "0.1", "--episode-tokens", "2000",
                        "--json"], capsys)
    h = -(0.1 * math.log2(0.1) + 0.9 * math.log2(0.9))
    assert json.loads(out)["ratio"] == pytest.approx(6 * h / (8 * 2000))
    code, out, err = run(["cost", "information", "--success-rate", "1.5"], capsys)
    assert code == 2 and "--success-rate 1.5: must be in (0, 1)" in err
    code, out, err = run(["cost", "information", "--episode-tokens", "0"], capsys)
    assert code == 2 and "--episode-tokens = 0.0: must be > 0" in err


def test_breakeven_of_a_scale_up_worth_no_inference_is_one_line(capsys):
    # found by the CLI fuzz test: tiny (denormal) ratio and token counts made the extra cost per
    # query 0.0 in floating point, and break-even divided by it
    from rlscale.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["cost", "breakeven", "--slope-ratio", "1e-320", "--rl-fraction", "0",
              "--output-tokens", "1e-320"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and err.startswith("rlscale: error:")
