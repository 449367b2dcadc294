"""Pure pieces of the report: intervals, pair selection, exchange table, formats, escaping."""

from __future__ import annotations

import json
import math

import pytest

from rlscale.analysis import headline_sentence, select_inference_curves, wilson_interval
from rlscale.convert.exchange import exchange_table
from rlscale.report.html import est, mult, num, pct, script_json


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(0.5, 100)
    assert (lo, hi) == pytest.approx((0.4038, 0.5962), abs=1e-4)  # textbook value
    lo, hi = wilson_interval(0.0, 30)
    assert lo == 0.0 and hi == pytest.approx(0.1135, abs=1e-4)
    assert all(math.isnan(v) for v in wilson_interval(0.4, math.nan))


def test_lab_inference_curves_all_kept_grouped_by_strategy_in_numeric_step_order():
    curves = [f"lab-inf-{s}-step{n}" for n in (0, 5, 10, 100, 20) for s in ("pass@k", "maj@k")]
    assert select_inference_curves(curves) == [
        f"lab-inf-{s}-step{n}" for s in ("maj@k", "pass@k") for n in (0, 5, 10, 20, 100)]
    few = ["a", "b", "c"]
    assert select_inference_curves(few) == few
    assert select_inference_curves([f"c{i}" for i in range(9)]) == [f"c{i}" for i in range(6)]


def test_exchange_table_matches_the_essay_arithmetic():
    ex = exchange_table({"value": 0.5, "ci_low": 0.4, "ci_high": 0.6})
    by_rl = {r["rl_factor"]: r for r in ex["rl_rows"]}
    assert by_rl[10]["inference_factor"] == pytest.approx(10 ** 0.5)          # 10x RL ~ 3x
    assert by_rl[10_000]["inference_factor"] == pytest.approx(100)            # 1e4 RL ~ 100x
    assert by_rl[10]["inference_factor_low"] == pytest.approx(10 ** 0.4)
    assert by_rl[1_000_000]["pretrain_factor"] == pytest.approx(100)          # essay claim 6
    by_inf = {r["inference_factor"]: r for r in ex["rows"]}
    assert by_inf[100]["rl_factor"] == pytest.approx(10_000)
    assert by_inf[1000]["pretrain_factor"] == pytest.approx(100)
    # a higher ratio makes RL worth more, so fewer RL multiples: the low end uses ci_high
    assert by_inf[100]["rl_factor_low"] < by_inf[100]["rl_factor"] < by_inf[100]["rl_factor_high"]


def test_headline_sentence_states_interval_or_its_absence():
    curves = {"r": {"model": "m", "benchmark": "b"}, "i": {"model": "m", "benchmark": "b"}}
    cmp = {"rl": "r", "inference": "i",
           "slope_ratio": {"value": 0.5, "ci_low": 0.41, "ci_high": 0.62}}
    text = headline_sentence(cmp, curves, 0.95)
    assert text.startswith("For m on b:")
    assert "0.50" in text and "0.41 to 0.62" in text and "2 orders of magnitude" in text
    cmp["slope_ratio"] = {"value": 0.5, "ci_low": None, "ci_high": None}
    assert "no sampling interval" in headline_sentence(cmp, curves, 0.95)
    assert "No RL curve" in headline_sentence(None, curves, 0.95)


def test_headline_gives_no_exchange_rate_for_a_ratio_that_is_not_positive_or_may_be_zero():
    flat = {"rl": "r", "inference": "i", "slope_ratio": {"value": -21.4, "ci_low": None,
                                                          "ci_high": None}}
    text = headline_sentence(flat)
    assert "did not raise the score" in text and "orders of magnitude" not in text
    zero = {"rl": "r", "inference": "i", "slope_ratio": {"value": 0.3, "ci_low": -0.1,
                                                          "ci_high": 0.7}}
    text = headline_sentence(zero)
    assert "includes zero" in text and "orders of magnitude" not in text


def test_number_formats():
    assert num(3.1623) == "3.16" and num(10_000) == "10,000" and num(1.2e24) == "1.2e+24"
    assert mult(5.5) == "5.5x" and mult(None) == "n/a"
    assert pct(0.66) == "66%" and pct(0.0027) == "0.3%"
    assert est({"value": 0.55, "ci_low": None, "ci_high": None}) == "0.55"
    assert est({"value": 0.165, "ci_low": 0.1, "ci_high": 0.2}, 100, 1) == "16.5 [10.0, 20.0]"


def test_script_json_cannot_close_its_script_block():
    doc = {"s": "</script><script>alert(1)</script>&\u2028"}
    text = str(script_json(doc))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == doc


def test_lab_curves_share_a_colour_per_strategy():
    from rlscale.report.figures import curve_styles

    ids = ["lab-inf-pass@k-step0", "lab-inf-pass@k-step40", "lab-inf-maj@k-step0",
           "lab-inf-maj@k-step40", "other"]
    st = curve_styles(ids)
    assert st["lab-inf-pass@k-step0"]["color"] == st["lab-inf-pass@k-step40"]["color"]
    assert st["lab-inf-pass@k-step0"]["color"] != st["lab-inf-maj@k-step0"]["color"]
    assert st["lab-inf-maj@k-step0"]["linestyle"] == ":"
    assert st["lab-inf-maj@k-step40"]["linestyle"] == "-"
    assert st["other"]["color"] not in {st[c]["color"] for c in ids[:4]}


def test_unknown_form_is_a_one_line_error_before_any_work(tmp_path, capsys):
    from rlscale.cli import main

    out = tmp_path / "rep"
    with pytest.raises(SystemExit) as exc:
        main(["report", "catalog:essay", "-o", str(out), "--form", "wiggly"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.count("\n") == 1 and "unknown form 'wiggly'" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_estimate_outside_its_interval_is_flagged():
    from rlscale.analysis.core import _outside_interval

    fits = [{"curve": "a", "slope_per_decade": {"value": 0.27, "ci_low": 0.259, "ci_high": 0.261}},
            {"curve": "b", "slope_per_decade": {"value": 0.26, "ci_low": 0.25, "ci_high": 0.27}},
            {"curve": "c", "slope_per_decade": {"value": 0.26, "ci_low": None, "ci_high": None}}]
    cmps = [{"rl": "r", "inference": "a",
             "slope_ratio": {"value": 0.91, "ci_low": 0.93, "ci_high": 0.95}}]
    warnings = _outside_interval(fits, cmps)
    assert len(warnings) == 2 and warnings[0].startswith("a: slope per decade lies outside")
    assert "r vs a: slope ratio" in warnings[1] and "--form logistic" in warnings[1]


def test_no_figure_text_below_the_stated_minimum(tmp_path):
    """Every text of every figure is at least MIN_FONT_PT (the page keeps it >= 9 CSS px)."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from rlscale.analysis import analyse
    from rlscale.report._style import MIN_FONT_PT, STYLE
    from rlscale.report.figures import figure_specs

    res = json.loads(json.dumps(analyse(["catalog:essay"], bootstrap=0), allow_nan=False))
    specs = figure_specs(res)
    assert len(specs) >= 4
    for spec in specs:
        with plt.rc_context(STYLE):
            fig = spec["draw"](res)
            sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()]
        assert sizes and min(sizes) >= MIN_FONT_PT, spec["name"]


def test_headline_sentence_takes_a_comparison_dict_as_compare_makes_it():
    import rlscale

    fits = rlscale.fit("catalog:essay", form="loglinear", bootstrap=0)
    doc = rlscale.compare(fits["o1-rl"], fits["o1-inference"]).to_dict()
    text = headline_sentence(doc, level=0.95)
    assert text == rlscale.compare(fits["o1-rl"], fits["o1-inference"]).headline()  # one sentence
    assert "= 0.55" in text and "no sampling interval" in text
