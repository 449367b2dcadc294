"""rlscale forecast / backtest: CLI behaviour, JSON schema, unreachable targets, bad flags, cost."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from rlscale.cli import main
from rlscale.forms import FORMS


def run(capsys, *argv):
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.fixture(scope="module")
def sigmoid_csv(tmp_path_factory):
    """A ScaleRL-shaped RL curve (ceiling 0.61) with binomial noise, n known."""
    rng = np.random.default_rng(3)
    x = np.linspace(3.2, 5.0, 14)
    p = FORMS["scalerl"].evaluate(x, np.array([0.05, 0.61, 2542.0, 1.92]))
    n = np.full(x.size, 4000)
    path = tmp_path_factory.mktemp("fc") / "sig.csv"
    pd.DataFrame({"curve": "sig", "axis": "rl", "compute": 10 ** x,
                  "score": rng.binomial(n, p) / n, "n": n,
                  "compute_unit": "gpu_hours"}).to_csv(path, index=False)
    return str(path)


def is_estimate(e):
    return isinstance(e, dict) and set(e) >= {"value", "ci_low", "ci_high"}


@pytest.mark.parametrize("form", ["scalerl", "logistic"])
def test_target_above_ceiling_is_unreachable_exit_0(capsys, sigmoid_csv, form):
    code, out, err = run(capsys, "forecast", sigmoid_csv, "--curve", "sig", "--to-score", "0.8",
                         "--form", form, "--bootstrap", "100", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["reachable"] is False
    assert doc["compute"]["value"] is None
    assert doc["forms"][0]["form"] == form and doc["forms"][0]["reachable"] is False
    assert "ceiling" in doc["forms"][0]["reason"] and form in doc["forms"][0]["reason"]
    assert any(f"unreachable under {form}" in w for w in doc["warnings"])


def test_forecast_json_schema_to_score(capsys, sigmoid_csv):
    code, out, _ = run(capsys, "forecast", sigmoid_csv, "--curve", "sig", "--to-score", "0.55",
                       "--form", "scalerl", "--bootstrap", "200", "--json")
    assert code == 0
    doc = json.loads(out)
    for key in ("curve", "form", "target_score", "reachable", "compute", "decades_beyond_data",
                "forms", "warnings"):
        assert key in doc
    assert "score" not in doc and "at_compute" not in doc
    assert doc["reachable"] is True and is_estimate(doc["compute"])
    c = doc["compute"]
    assert c["ci_low"] <= c["value"] <= c["ci_high"]
    assert doc["decades_beyond_data"] >= 0


def test_forecast_at_compute_is_a_prediction_interval(capsys, sigmoid_csv):
    code, out, _ = run(capsys, "forecast", sigmoid_csv, "--curve", "sig", "--at-compute", "1e6",
                       "--form", "auto", "--bootstrap", "200", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["at_compute"] == 1e6 and "target_score" not in doc
    s = doc["score"]
    assert is_estimate(s) and s["ci_low"] <= s["value"] <= s["ci_high"]
    assert doc["decades_beyond_data"] == pytest.approx(1.0)
    assert "binomial noise" in doc["interval"]
    assert abs(sum(f["weight"] for f in doc["forms"]) - 1) < 1e-9
    assert any(w.startswith("extrapolation") for w in doc["warnings"])


def test_python_api_matches_result_object(sigmoid_csv):
    import rlscale

    res = rlscale.forecast(sigmoid_csv, "sig", to_score=0.5, form="scalerl", bootstrap=100)
    assert res.reachable and res.compute.value > 0
    frame = res.to_frame()
    assert list(frame["form"])[:2] == ["scalerl", "scalerl"]
    assert json.loads(res.to_json())["compute"]["value"] == pytest.approx(res.compute.value)


@pytest.mark.parametrize("argv, needle", [
    (["--to-score", "1.2"], "--to-score"),
    (["--to-score", "-0.1"], "--to-score"),
    (["--at-compute", "0"], "--at-compute"),
    (["--at-compute", "-5"], "--at-compute"),
    ([], "exactly one"),
    (["--to-score", "0.5", "--at-compute", "10"], "exactly one"),
    (["--to-score", "0.5", "--form", "cubic"], "--form"),
])
def test_bad_forecast_flags_one_line_exit_2(capsys, argv, needle):
    code, out, err = run(capsys, "forecast", "catalog:essay", "--curve", "o1-rl", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_unknown_curve_exit_2(capsys):
    code, _, err = run(capsys, "forecast", "catalog:essay", "--curve", "nope", "--to-score", "0.5")
    assert code == 2 and "nope" in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, needle", [
    (["--train-fraction", "0"], "--train-fraction"),
    (["--train-fraction", "1"], "--train-fraction"),
    (["--train-fraction", "1.5"], "--train-fraction"),
    (["--train-fraction", "0.1", "--form", "logistic"], "needs at least 5"),
    (["--protocol", "nope"], "--protocol"),
])
def test_bad_backtest_flags_one_line_exit_2(capsys, sigmoid_csv, argv, needle):
    code, out, err = run(capsys, "backtest", sigmoid_csv, "--curve", "sig", *argv)
    assert code == 2 and out == "" and needle in err and err.count("\n") == 1


def test_backtest_json_schema_and_coverage(capsys, sigmoid_csv):
    code, out, _ = run(capsys, "backtest", sigmoid_csv, "--curve", "sig", "--form", "scalerl",
                       "--bootstrap", "200", "--json")
    assert code == 0
    doc = json.loads(out)
    for key in ("curve", "protocol", "train_max_compute", "points", "coverage", "asymptote"):
        assert key in doc
    assert doc["protocol"] == "holdout"
    assert all(set(p) >= {"compute", "score", "predicted"} for p in doc["points"])
    assert all(p["compute"] > doc["train_max_compute"] for p in doc["points"])
    covered = np.mean([p["predicted"]["ci_low"] <= p["score"] <= p["predicted"]["ci_high"]
                       for p in doc["points"]])
    assert doc["coverage"] == pytest.approx(covered)
    assert is_estimate(doc["asymptote"]["extrapolated"])
    assert is_estimate(doc["asymptote"]["full_data"])


def test_backtest_scalerl_protocol_half_budget(capsys, sigmoid_csv):
    code, out, _ = run(capsys, "backtest", sigmoid_csv, "--curve", "sig", "--protocol",
                       "scalerl", "--bootstrap", "100", "--json")
    assert code == 0
    doc = json.loads(out)
    cmax = max(p["compute"] for p in doc["points"])
    assert doc["train_max_compute"] <= cmax / 2
    assert doc["form"] == "scalerl" and "midpoint" in doc
    assert abs(doc["asymptote"]["extrapolated"]["value"] - 0.61) < 0.05


def test_backtest_rejects_train_fraction_with_scalerl(capsys, sigmoid_csv):
    code, _, err = run(capsys, "backtest", sigmoid_csv, "--curve", "sig", "--protocol", "scalerl",
                       "--train-fraction", "0.5")
    assert code == 2 and "--train-fraction" in err


def test_essay_forecast_by_hand():
    """o1-rl is the line 0.33 + 0.165·log10 C: 0.80 needs log10 C = 0.47/0.165."""
    import rlscale

    res = rlscale.forecast("catalog:essay", "o1-rl", to_score=0.8, form="loglinear")
    x = (0.80 - 0.33) / ((0.66 - 0.33) / 2)
    assert res.compute.value == pytest.approx(10 ** x, rel=1e-6)
    assert res.decades_beyond_data == pytest.approx(x - 2, rel=1e-6)
    assert math.isnan(res.compute.ci_low)   # two points, n unknown: no interval, said so
    assert any("no confidence interval" in w for w in res.warnings)
