"""The claims ledger: 16 claims, one verdict rule, honest inputs, one named slope ratio."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from rlscale.cli import main
from rlscale.econ.claims import VERDICTS, context, ledger, specs

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"id", "quote", "essay_value", "computed_value", "unit", "assumptions", "verdict",
        "explanation", "verdict_rule", "computed_range"}
MUST_REPRODUCE = {"slope-ratio", "exchange-rate", "parity-5.5x", "o1-o3-1.1x"}


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture(scope="module")
def base():
    return context()


@pytest.fixture(scope="module")
def claims(base):
    return {c.id: c for c in ledger(assumptions=base.a, evidence=base.ev)}


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
        assert c["quote"] and c["explanation"] and c["tolerance"] and c["verdict_rule"]
        assert isinstance(c["computed_value"], float) and math.isfinite(c["computed_value"])
        lo, hi = c["computed_range"]
        assert lo <= c["computed_value"] * (1 + 1e-9) and c["computed_value"] <= hi * (1 + 1e-9)
    assert doc["working_ratio"]["value"] == pytest.approx((0.33 + 0.62) / 6 / 0.30)
    assert doc["working_ratio"]["range"] == pytest.approx([0.155 / 0.3, 0.55])


def test_the_robust_claims_are_reproduced_and_the_chain_depends(claims):
    for cid in MUST_REPRODUCE:
        assert claims[cid].verdict == "reproduced", (cid, claims[cid].explanation)
    # over its supported ratios and Epoch's 1-2 exchange the GPT-jump chain leaves the tolerance
    assert claims["gpt-jump-1e6-rl"].verdict == "depends on assumptions"


# ------------------------------------------------------------------ one rule, every verdict

def _verdict(base, cid, overrides=None, ev=None, published=None):
    cx = context(overrides=overrides, evidence=ev if ev is not None else (
        None if overrides and "exchange.slope_ratio" in overrides else base.ev),
        published=published)
    spec = next(s for s in specs() if s.id == cid)
    return spec.evaluate(cx)


def _ev(base, **changes):
    return lambda: replace(base.ev, **changes)


def _cis(base, curve, lo, hi):
    return lambda: replace(base.ev, ratio_cis={**base.ev.ratio_cis, curve: (lo, hi)},
                           ci_available=True)


def _ratio(base, curve, r):
    return lambda: replace(base.ev, ratios={**base.ev.ratios, curve: r})


IMPOSSIBLE = "identity given the essay's premises: no unstated input to sweep"
LLAMA, GPT4 = "published.llama31_405b_pretrain_flops", "published.gpt4_pretrain_flops"
# claim -> verdict -> how to get it: None (the defaults), a dict of overrides, an evidence maker
# ("ev"), published figures ("pub"), or a string saying why that verdict cannot arise
CASES = {
    "slope-ratio": {"reproduced": None, "depends on assumptions": ("ci", "o1-rl", 0.45, 0.65),
                    "not reproduced": ("ratio", "o1-rl", 0.7)},
    "rl-10000x-for-20-to-80": {"reproduced": None,
                               "depends on assumptions": ("ci", "o1-rl", 0.3, 0.55),
                               "not reproduced": ("ratio", "o1-rl", 0.3)},
    "o3-confirms-10000x": {"reproduced": None,
                           "depends on assumptions": ("ci", "o1-o3-rl", 0.3, 0.55),
                           "not reproduced": ("ratio", "o1-o3-rl", 0.3)},
    "exchange-rate": {"reproduced": None, "depends on assumptions": ("range", 0.3, 0.55),
                      "not reproduced": {"exchange.slope_ratio": 0.25}},
    "o3-worth-half-oom": {"reproduced": None, "depends on assumptions": ("range", 0.2, 0.55),
                          "not reproduced": {"exchange.slope_ratio": 0.1}},
    "gpt-jump-1e6-rl": {"reproduced": {"exchange.slope_ratio": 0.5,
                                       "exchange.pretrain_inference_oom": 1.5},
                        "depends on assumptions": None,
                        "not reproduced": {"exchange.slope_ratio": 0.25}},
    "first-rl-1.01x": {"reproduced": {"training.first_reasoning_rl_fraction": 0.01},
                       "depends on assumptions": None,
                       "not reproduced": {"training.first_reasoning_rl_fraction": 0.03}},
    "o1-o3-1.1x": {"reproduced": None, "depends on assumptions": IMPOSSIBLE,
                   "not reproduced": {"training.rl_fraction": 0.1}},
    "parity-5.5x": {"reproduced": None, "depends on assumptions": IMPOSSIBLE,
                    "not reproduced": {"grok4.rl_fraction": 0.5}},
    "1e6-so-far-2x": {"reproduced": None, "depends on assumptions": IMPOSSIBLE,
                      "not reproduced": {"grok4.rl_fraction": 1.5}},
    "next-1e6-cost": {"reproduced": None, "depends on assumptions": IMPOSSIBLE,
                      "not reproduced": {"grok4.compute_multiplier": 1e3}},
    "grok4-datacenters": {"reproduced": None, "depends on assumptions": IMPOSSIBLE,
                          "not reproduced": {"grok4.compute_multiplier": 3e5}},
    "grok4-electricity": {"reproduced": {"grok4.run_days": 28, "hardware.watts": 700,
                                         "hardware.pue": 1.58},
                          "depends on assumptions": None,
                          "not reproduced": {"grok4.run_days": 180, "hardware.watts": 1275,
                                             "hardware.pue": 1.58}},
    "cot-30x-cost": {"reproduced": {"deployment.input_tokens_per_query": 0},
                     "depends on assumptions": None,
                     "not reproduced": {"deployment.input_tokens_per_query": 2000}},
    "information-per-flop": {"reproduced": {"information.episode_tokens": 30000},
                             "depends on assumptions": None,
                             "not reproduced": {"information.episode_tokens": 1000,
                                                "information.bits_per_token": 1.0}},
    "pretrain-1e25": {"reproduced": ("pub", {LLAMA: 1e25, GPT4: 2e25}),
                      "depends on assumptions": None,
                      "not reproduced": ("pub", {LLAMA: 3e26, GPT4: 5e26})},
}


def test_every_claim_has_a_case_for_every_verdict():
    assert set(CASES) == {s.id for s in specs()}
    for cid, cases in CASES.items():
        assert set(cases) == set(VERDICTS), cid


@pytest.mark.parametrize("cid, verdict", [(c, v) for c in CASES for v in VERDICTS])
def test_each_verdict_function_can_return_each_verdict(base, cid, verdict):
    how = CASES[cid][verdict]
    spec = next(s for s in specs() if s.id == cid)
    if isinstance(how, str):
        # a pure identity on the essay's stated premises: nothing is swept, so the span is one
        # point and "depends" (some values in, some out) cannot arise; the rule text says so
        assert "cannot arise" in spec.rule, cid
        c = _verdict(base, cid)
        assert c.computed_range[0] == c.computed_range[1], cid
        return
    ev, overrides, pub = None, None, None
    if isinstance(how, dict):
        overrides = how
    elif isinstance(how, tuple) and how[0] == "ci":
        ev = _cis(base, *how[1:])()
    elif isinstance(how, tuple) and how[0] == "ratio":
        ev = _ratio(base, *how[1:])()
    elif isinstance(how, tuple) and how[0] == "range":
        ev = replace(base.ev, working_range=how[1:])
    elif isinstance(how, tuple) and how[0] == "pub":
        pub = how[1]
    got = _verdict(base, cid, overrides=overrides, ev=ev, published=pub)
    assert got.verdict == verdict, (cid, how, got.computed_range, got.explanation)


def test_a_user_value_is_stated_not_swept(base):
    """A scenario/flag value fixes an input: the span collapses to the user's value."""
    swept = _verdict(base, "grok4-electricity")
    fixed = _verdict(base, "grok4-electricity", overrides={"grok4.run_days": 90,
                                                          "hardware.watts": 700,
                                                          "hardware.pue": 1.58})
    assert swept.computed_range[0] < swept.computed_value < swept.computed_range[1]
    assert fixed.computed_range == (fixed.computed_value, fixed.computed_value)
    assert fixed.computed_value == pytest.approx(swept.computed_value)
    assert fixed.verdict == "not reproduced" and swept.verdict == "depends on assumptions"


def test_defaults_are_cited_not_the_values_that_reproduce(claims):
    c14 = claims["cot-30x-cost"]
    assert c14.computed_range[0] == pytest.approx(30 * 1000 / 3000 + 2000 / 3000)   # 10.7x
    assert c14.verdict == "depends on assumptions"
    c6 = claims["gpt-jump-1e6-rl"]
    lo, hi = c6.reproduces_at["low"], c6.reproduces_at["high"]
    assert lo < 1.5 < hi                      # the essay's premise lies where it reproduces
    assert c6.sensitivity["computed_jones2021"] == pytest.approx(
        10 ** (2 * math.log10(15) / ((0.33 + 0.62) / 6 / 0.30)), rel=1e-3)


# ------------------------------------------------------------------ one named slope ratio

def test_downstream_claims_and_breakeven_use_the_one_working_ratio(base, claims, capsys):
    ev = base.ev
    for cid in ("exchange-rate", "o3-worth-half-oom", "gpt-jump-1e6-rl"):
        rec = next(a for a in claims[cid].assumptions if a["name"] == "exchange.slope_ratio")
        assert rec["value"] == ev.working_ratio and rec["source"] == ev.working_source
        assert rec["range"] == list(ev.working_range)
    assert claims["grok4-datacenters"].sensitivity["slope_ratio"]["value"] == ev.working_ratio
    code, out, _ = run(["cost", "breakeven", "--rl-fraction", 0.01, "--rl-scale", 10, "--json"],
                       capsys)
    assert code == 0 and f"{ev.working_ratio:.6f}"[:6] in json.dumps(json.loads(out))


def test_evidence_from_the_caller_reaches_every_downstream_claim(base):
    ev = replace(base.ev, working_ratio=0.5, working_range=(0.5, 0.5))
    by_id = {c.id: c for c in ledger(evidence=ev)}
    assert by_id["exchange-rate"].computed_value == pytest.approx(10 ** 0.5)
    assert by_id["gpt-jump-1e6-rl"].computed_value == pytest.approx(1e6)
    assert by_id["slope-ratio"].computed_value == pytest.approx(0.55)     # a chart claim


def test_jones_2021_is_cited_for_its_own_figure():
    from rlscale.econ.assumptions import constant, defaults

    assert constant("published.jones2021_inference_oom_per_train_oom") == pytest.approx(
        math.log10(15), abs=1e-3)
    pio = defaults()["exchange.pretrain_inference_oom"]
    assert pio.value == 1.5 and "essay's own premise" in pio.citation
    assert "15x" in pio.citation or "1.18" in pio.citation


# ------------------------------------------------------------------ arithmetic by hand

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
    assert claims["gpt-jump-1e6-rl"].sensitivity["computed_o1_only"] == pytest.approx(
        10 ** (3 / 0.55))
    # the span: ratios 0.517..0.55 and 1-2 inference OOM per pre-training OOM
    lo, hi = claims["gpt-jump-1e6-rl"].computed_range
    assert lo == pytest.approx(10 ** (2 / 0.55)) and hi == pytest.approx(10 ** (4 / (0.62 / 4 / 0.3)))
    assert claims["rl-10000x-for-20-to-80"].computed_value == pytest.approx(10 ** (2 / 0.55))


def test_training_claims_by_hand(claims):
    assert claims["parity-5.5x"].computed_value == 5.5
    assert claims["o1-o3-1.1x"].computed_value == pytest.approx(1.1 / 1.01)
    assert claims["1e6-so-far-2x"].computed_value == pytest.approx(2 / (1 + 1e-6))
    assert claims["next-1e6-cost"].computed_value == pytest.approx((1 + 1e6) / 2)
    c7 = claims["first-rl-1.01x"]
    assert c7.verdict == "depends on assumptions"
    assert c7.computed_range == pytest.approx((1.001, 1.0375))


def test_datacenter_and_electricity_claims_show_assumptions_and_sensitivity(claims):
    dc, el = claims["grok4-datacenters"], claims["grok4-electricity"]
    assert dc.computed_value == pytest.approx(5.0)          # 200,000 x 1e6 / 200,000 / 200,000
    # the chain's RL multiplier is converted to TOTAL compute at RL = pre-training
    rl = 10 ** (3 / ((0.33 + 0.62) / 6 / 0.30))
    assert dc.sensitivity["chain_total_multiplier"] == pytest.approx((1 + rl) / 2)
    assert dc.sensitivity["chain_datacenters"] == pytest.approx((1 + rl) / 2 / 200_000)
    names = {a["name"] for a in el.assumptions}
    assert {"grok4.run_days", "hardware.watts", "hardware.pue",
            "electricity.world_twh_per_year"} <= names
    # 2e11 GPUs x 90 d x 24 h x 0.7 kW x 1.58 / 1e9 / 29,471 TWh
    assert el.computed_value == pytest.approx(2e11 * 90 * 24 * 0.7 * 1.58 / 1e9 / 29_471)
    assert el.verdict == "depends on assumptions"
    assert el.computed_range[0] < 5 < el.computed_range[1]
    implied = el.reproduces_at["value"]
    assert implied == pytest.approx(5 * 29_471e9 / (2e11 * 0.7 * 1.58) / 24)
    assert "does not state" in el.explanation
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
    # B200 (2.25/0.989 the FLOP/s, so fewer GPUs) at 1000 W, PUE 1.1, 30 days
    speed = 2.25e15 / 989e12
    assert by_id["grok4-electricity"]["computed_value"] == pytest.approx(
        2e11 / speed * 30 * 24 * 1.0 * 1.1 / 1e9 / 29_471)
    sources = {a["name"]: a["source"] for a in by_id["grok4-electricity"]["assumptions"]}
    assert sources["grok4.run_days"] == "scenario efficient-datacenter.toml"


def test_a_user_slope_ratio_flows_through_the_core(tmp_path):
    f = tmp_path / "flat.toml"
    f.write_text("[exchange]\nslope_ratio = 0.25\n")
    by_id = {c.id: c for c in ledger(f)}
    assert by_id["exchange-rate"].computed_value == pytest.approx(10 ** 0.25)
    assert by_id["gpt-jump-1e6-rl"].computed_value == pytest.approx(10 ** 12)
    assert by_id["gpt-jump-1e6-rl"].verdict == "not reproduced"
    assert by_id["slope-ratio"].computed_value == pytest.approx(0.55)   # the chart claim is data


def test_claims_under_a_different_multiplier_keep_their_arithmetic(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text("[grok4]\ncompute_multiplier = 3e5\n")
    by_id = {c.id: c for c in ledger(f)}
    assert by_id["1e6-so-far-2x"].computed_value == pytest.approx(2 / (1 + 1 / 3e5))
    assert by_id["grok4-datacenters"].computed_value == pytest.approx(1.5)
    assert by_id["grok4-datacenters"].verdict == "not reproduced"


# ------------------------------------------------------------------ the command

def test_human_report_fits_the_terminal_and_names_every_claim(capsys, monkeypatch, claims):
    for width in (80, 120):
        monkeypatch.setenv("COLUMNS", str(width))
        code, out, err = run(["claims"], capsys)
        assert code == 0 and err == ""
        assert max(len(line) for line in out.splitlines()) <= width
        assert "Referee's notes" in out and "Verdict rule:" in out
        for c in claims.values():
            assert f"{c.number}. {c.title}" in out


def test_user_strings_are_shown_literally(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    f = tmp_path / "[bold]x[link=mailto:e]\x1b]0;t.toml"
    f.write_text("[grok4]\nrun_days = 60.0\n")
    code, out, err = run(["claims", "--scenario", f, "--id", "grok4-electricity"], capsys)
    assert code == 0, err
    assert "[bold]x[link=mailto:e]" in out and "\x1b" not in out and "\\x1b" in out


def test_seed_and_form_options(capsys):
    code, out, _ = run(["claims", "--json", "--seed", 7, "--id", "slope-ratio"], capsys)
    assert code == 0 and json.loads(out)["seed"] == 7
    code, out, err = run(["claims", "--form", "scalerl"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "scalerl" in err
    code, _, err = run(["claims", "--seed", -1], capsys)
    assert code == 2


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
