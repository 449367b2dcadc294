"""The claims ledger: 16 claims, the verdicts the essay's own numbers support, honest inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rlscale.cli import main
from rlscale.econ.claims import VERDICTS, ledger

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"id", "quote", "essay_value", "computed_value", "unit", "assumptions", "verdict",
        "explanation"}
MUST_REPRODUCE = {"slope-ratio", "exchange-rate", "parity-5.5x", "o1-o3-1.1x", "gpt-jump-1e6-rl"}


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture(scope="module")
def claims():
    return {c.id: c for c in ledger()}


def test_json_lists_16_claims_with_the_contract_keys(capsys):
    code, out, err = run(["claims", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert len(doc["claims"]) == 16
    assert [c["number"] for c in doc["claims"]] == list(range(1, 17))
    assert len({c["id"] for c in doc["claims"]}) == 16
    for c in doc["claims"]:
        assert KEYS <= set(c), c["id"]
        assert c["verdict"] in VERDICTS
        assert c["quote"] and c["explanation"] and c["tolerance"]
        assert isinstance(c["computed_value"], float) and math.isfinite(c["computed_value"])


def test_the_required_claims_are_reproduced(claims):
    for cid in MUST_REPRODUCE:
        assert claims[cid].verdict == "reproduced", (cid, claims[cid].explanation)


def test_slope_ratio_comes_from_the_fitted_catalog_endpoints(claims):
    c = claims["slope-ratio"]
    assert c.computed_value == pytest.approx((0.66 - 0.33) / (0.80 - 0.20))   # 0.55
    assert "no confidence interval" in c.explanation                        # 2-point curves
    assert "[0.417, 0.583]" in c.tolerance


def test_exchange_rates_by_hand(claims):
    pooled = (0.33 + 0.62) / (2 + 4) / 0.30        # span-weighted o1 + o1->o3 RL evidence
    assert claims["exchange-rate"].computed_value == pytest.approx(10 ** pooled)
    assert claims["o3-worth-half-oom"].computed_value == pytest.approx(pooled)
    # GPT jump: 100x pre-training = 2 * 1.5 inference OOM = 3 / pooled RL OOM
    assert claims["gpt-jump-1e6-rl"].computed_value == pytest.approx(10 ** (3 / pooled))
    # with the o1 endpoints alone the chain falls short: the explanation must say so
    o1_only = 10 ** (3 / 0.55)                     # 285,000x: 0.55 decades short of 1e6
    assert claims["gpt-jump-1e6-rl"].sensitivity["computed_o1_only"] == pytest.approx(o1_only)
    assert "just outside the tolerance" in claims["gpt-jump-1e6-rl"].explanation
    assert claims["rl-10000x-for-20-to-80"].computed_value == pytest.approx(10 ** (2 / 0.55))


def test_training_claims_by_hand(claims):
    assert claims["parity-5.5x"].computed_value == 5.5
    assert claims["o1-o3-1.1x"].computed_value == pytest.approx(1.1 / 1.01)
    assert claims["1e6-so-far-2x"].computed_value == pytest.approx(2 / (1 + 1e-6))
    assert claims["next-1e6-cost"].computed_value == pytest.approx((1 + 1e6) / 2)
    assert claims["first-rl-1.01x"].verdict == "depends on assumptions"
    assert claims["first-rl-1.01x"].reproduces_at["value"] == 0.01


def test_datacenter_and_electricity_claims_show_assumptions_and_sensitivity(claims):
    dc, el = claims["grok4-datacenters"], claims["grok4-electricity"]
    assert dc.computed_value == pytest.approx(5.0)          # 200,000 x 1e6 / 200,000 / 200,000
    names = {a["name"] for a in el.assumptions}
    assert {"grok4.run_days", "hardware.watts", "hardware.pue",
            "electricity.world_twh_per_year"} <= names
    # 2e11 GPUs x 90 d x 24 h x 0.7 kW x 1.58 / 1e9 / 29,471 TWh
    assert el.computed_value == pytest.approx(2e11 * 90 * 24 * 0.7 * 1.58 / 1e9 / 29_471)
    assert el.verdict == "depends on assumptions"
    assert el.sensitivity["computed_low"] < 5 < el.sensitivity["computed_high"]
    # the run length that would reproduce 5 years is reported, not silently used
    implied = el.reproduces_at["value"]
    assert implied == pytest.approx(5 * 29_471e9 / (2e11 * 0.7 * 1.58) / 24)
    assert "unstated" in el.explanation or "does not state" in el.explanation
    for a in el.assumptions:
        assert a["citation"] and a["unit"]


def test_information_claim_states_its_threshold(claims):
    c = claims["information-per-flop"]
    assert c.computed_value == pytest.approx(7.5e-5)
    assert c.reproduces_at["value"] == pytest.approx(7500)


def test_scenario_changes_the_inputs_not_the_rules(capsys):
    code, out, _ = run(["claims", "--json", "--scenario",
                        ROOT / "examples" / "scenarios" / "efficient-datacenter.toml"], capsys)
    by_id = {c["id"]: c for c in json.loads(out)["claims"]}
    # B200 at 1000 W, PUE 1.1, 30 days
    assert by_id["grok4-electricity"]["computed_value"] == pytest.approx(
        2e11 * 30 * 24 * 1.0 * 1.1 / 1e9 / 29_471)
    sources = {a["name"]: a["source"] for a in by_id["grok4-electricity"]["assumptions"]}
    assert sources["grok4.run_days"] == "scenario efficient-datacenter.toml"


def test_a_user_slope_ratio_flows_through_the_core(tmp_path):
    f = tmp_path / "flat.toml"
    f.write_text("[exchange]\nslope_ratio = 0.25\n")
    by_id = {c.id: c for c in ledger(f)}
    assert by_id["exchange-rate"].computed_value == pytest.approx(10 ** 0.25)
    assert by_id["gpt-jump-1e6-rl"].computed_value == pytest.approx(10 ** 12)
    assert by_id["gpt-jump-1e6-rl"].verdict != "reproduced"
    assert by_id["slope-ratio"].computed_value == pytest.approx(0.55)   # the chart claim is data


def test_human_report_fits_the_terminal_and_names_every_claim(capsys, monkeypatch):
    for width in (80, 120):
        monkeypatch.setenv("COLUMNS", str(width))
        code, out, err = run(["claims"], capsys)
        assert code == 0 and err == ""
        assert max(len(line) for line in out.splitlines()) <= width
        assert "Referee's notes" in out
        for c in ledger():
            assert f"{c.number}. {c.title}" in out


def test_unknown_claim_id_is_one_line(capsys):
    code, out, err = run(["claims", "--id", "nope"], capsys)
    assert code == 2 and err.count("\n") == 1 and "unknown claim id" in err


def test_economics_doc_table_matches_the_ledger(claims):
    """docs/economics.md states each default verdict; it must agree with the ledger."""
    import re

    text = (ROOT / "docs" / "economics.md").read_text("utf-8")
    rows = re.findall(r"^\| (\d+) \| [^|]+\| [^|]+\| [^|]+\| ([a-z ]+) \|$", text, re.M)
    assert len(rows) == 16
    by_number = {c.number: c for c in claims.values()}
    for number, verdict in rows:
        assert by_number[int(number)].verdict == verdict.strip(), number


def test_claims_under_a_different_multiplier_keep_their_arithmetic(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text("[grok4]\ncompute_multiplier = 3e5\n")
    by_id = {c.id: c for c in ledger(f)}
    assert by_id["1e6-so-far-2x"].computed_value == pytest.approx(2 / (1 + 1 / 3e5))
    assert by_id["grok4-datacenters"].computed_value == pytest.approx(1.5)
    assert by_id["grok4-datacenters"].verdict != "reproduced"


def test_importing_the_economics_cli_stays_light():
    import subprocess
    import sys

    code = ("import sys, rlscale.econ, rlscale.econ.claims, rlscale.cli.cost, rlscale.cli.claims; "
            "print(sorted(m for m in ('scipy', 'pandas', 'pydantic', 'matplotlib', 'torch') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out


def test_an_absurd_slope_ratio_is_one_line_naming_the_key(capsys, tmp_path):
    f = tmp_path / "tiny.toml"
    f.write_text("[exchange]\nslope_ratio = 1e-6\n")
    code, out, err = run(["claims", "--scenario", f], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "exchange.slope_ratio = 1e-06" in err
