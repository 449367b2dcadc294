"""One headline for a lab run (issue 15, item 6): the same default pair in `lab show`,
`report RUN_DIR` and `compare RUN_DIR`, every pairing tabled in reading order, and words (no
ratio, no multiplier) when RL did not move the score or a slope interval includes zero.

Run directories are written by hand (manifest + observations.csv with runformat's names), so
every test but the last takes well under a second or two; the last reads one real quick run
(the session's shared ``quick_run``, conftest.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from report_helpers import write_csv
from rlscale import runformat as rf
from rlscale.cli import main
from rlscale.convert.headline import headline_sentence, no_ratio_reason

STEPS = (0, 2, 10)        # step2 < step10 in numeric order, not as text
RL = [(1e12, 0.20), (1e13, 0.30), (1e14, 0.40), (1e15, 0.50)]


def cli(args, capsys=None):
    """(exit code, stdout, stderr) of ``rlscale ARGS``; without *capsys* (a module fixture)
    the streams are redirected here."""
    if capsys is None:
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                pytest.raises(SystemExit) as exc:
            main(args)
        return exc.value.code, out.getvalue(), err.getvalue()
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def make_run(path: Path, *, rl=RL, strategies=("maj@k", "think"), base=0.2, final=0.5,
             main_strategy="maj@k") -> Path:
    """A complete lab run directory: the RL curve, each strategy at each checkpoint of STEPS."""
    path.mkdir()
    common = {"compute_unit": "flop", "n": 1000, "provenance": "measured",
              "benchmark": "toy-test", "model": "lab-toy"}
    rows = [{"curve": rf.RL_CURVE, "axis": "rl", "compute": c, "score": s, **common}
            for c, s in rl]
    for strategy in strategies:
        for step in reversed(STEPS):  # the file's order must not matter
            for k, c in enumerate((1e6, 1e7, 1e8)):
                rows.append({"curve": rf.inference_curve(strategy, step), "axis": "inference",
                             "compute": c, "score": 0.3 + step / 100 + 0.15 * k, **common})
    write_csv(path / rf.OBSERVATIONS, rows)
    curves = [rf.RL_CURVE] + [rf.inference_curve(s, n) for n in STEPS for s in strategies]
    manifest = {"format": rf.RUN_FORMAT, "status": "complete", "curves": curves,
                "main_inference_curve": rf.inference_curve(main_strategy, STEPS[-1]),
                "base_score": {"step": 0, "score": base, "stderr": 0.01},
                "final_score": {"step": STEPS[-1], "score": final, "stderr": 0.01},
                "config": {"eval": {"rl_budget": "pass@1"}}}
    (path / rf.MANIFEST).write_text(json.dumps(manifest))
    return path


def three_views(run: Path, tmp_path: Path, capsys=None) -> tuple[dict, dict, dict]:
    """(lab show --json, the report's results.json, compare --json) of *run*."""
    code, out, err = cli(["lab", "show", str(run), "--json"], capsys)
    assert code == 0, err
    show = json.loads(out)
    code, _, err = cli(["report", str(run), "-o", str(tmp_path / "rep")], capsys)
    assert code == 0, err
    report = json.loads((tmp_path / "rep" / "results.json").read_text())
    code, out, err = cli(["compare", str(run), "--json"], capsys)
    assert code == 0, err
    return show, report, json.loads(out)


# --------------------------------------------------------------------------- the rule itself

def test_default_pair_is_the_final_thinking_curve_else_the_main_curve():
    think = [rf.RL_CURVE] + [rf.inference_curve(s, n) for s in ("maj@k", "think") for n in STEPS]
    assert rf.default_pair(think, "lab-inf-maj@k-step10") == (rf.RL_CURVE, "lab-inf-think-step10")
    no_think = [c for c in think if "think" not in c]
    assert rf.default_pair(no_think, "lab-inf-maj@k-step10") == (rf.RL_CURVE,
                                                                "lab-inf-maj@k-step10")
    # a thinking curve only at an earlier checkpoint is not the final one's
    early = no_think + ["lab-inf-think-step2"]
    assert rf.default_pair(early, "lab-inf-maj@k-step10") == (rf.RL_CURVE, "lab-inf-maj@k-step10")
    assert rf.default_pair(no_think, "lab-inf-gone-step10") is None
    assert rf.default_pair(think[1:], "lab-inf-maj@k-step10") is None  # no RL curve


def test_curves_are_grouped_by_strategy_in_numeric_step_order():
    ids = ["other", "lab-inf-think-step10", "lab-inf-maj@k-step10", "lab-inf-think-step2",
           rf.RL_CURVE, "lab-inf-maj@k-step2"]
    assert rf.order_curves(ids) == [rf.RL_CURVE, "lab-inf-maj@k-step2", "lab-inf-maj@k-step10",
                                    "lab-inf-think-step2", "lab-inf-think-step10", "other"]


def test_the_thinking_strategy_is_the_labs():
    from rlscale.lab.inference import STRATEGIES

    assert rf.THINK_STRATEGY in STRATEGIES


# --------------------------------------------------------------------------- three commands

@pytest.fixture(scope="module")
def moving(tmp_path_factory):
    """A run whose RL raised the score, with its three views (built once for the module)."""
    tmp = tmp_path_factory.mktemp("moving")
    run = make_run(tmp / "run")
    return run, three_views(run, tmp)


def test_show_report_and_compare_state_the_same_pair_and_ratio(moving):
    _, (show, report, compare) = moving
    pair = (rf.RL_CURVE, "lab-inf-think-step10")
    assert (show["comparison"]["rl"], show["comparison"]["inference"]) == pair
    assert (report["headline"]["rl"], report["headline"]["inference"]) == pair
    assert (compare["curves"]["rl"]["curve"], compare["curves"]["inference"]["curve"]) == pair
    ratios = [show["comparison"]["slope_ratio"], report["headline"]["slope_ratio"],
              compare["slope_ratio"]]
    for key in ("value", "ci_low", "ci_high"):
        assert ratios[0][key] is not None
        assert ratios[1][key] == pytest.approx(ratios[0][key], rel=1e-9)
        assert ratios[2][key] == pytest.approx(ratios[0][key], rel=1e-9)
    assert report["headline"]["stated"] and show["headline"] == report["headline"]["sentence"]
    assert "RL slope / inference slope =" in show["headline"]
    assert report["exchange"] is not None


def test_every_pairing_is_tabled_in_numeric_order(moving, capsys):
    run, (show, report, _) = moving
    want = [rf.inference_curve(s, n) for s in ("maj@k", "think") for n in STEPS]
    assert [c["id"] for c in show["curves"]] == [rf.RL_CURVE] + want
    assert [p["inference"] for p in show["pairings"]] == want
    assert [p["inference"] for p in show["pairings"] if p["headline"]] == ["lab-inf-think-step10"]
    assert all(p["slope_ratio"]["value"] is not None for p in show["pairings"])
    assert [c["inference"] for c in report["comparisons"]] == want
    assert [f["curve"] for f in report["fits"]] == [rf.RL_CURVE] + want
    # the same ratio for each pairing in both
    for p, c in zip(show["pairings"], report["comparisons"]):
        assert c["slope_ratio"]["value"] == pytest.approx(p["slope_ratio"]["value"], rel=1e-9)
    code, out, _ = cli(["lab", "show", str(run)], capsys)
    assert code == 0
    assert out.index("lab-inf-think-step2 ") < out.index("lab-inf-think-step10")
    assert "headline pair: lab-rl vs lab-inf-think-step10" in out


def test_lab_show_prints_base_and_final_scores(tmp_path, capsys):
    code, out, _ = cli(["lab", "show", str(make_run(tmp_path / "run"))], capsys)
    assert code == 0
    assert "score (pass@1): base model 0.200, final checkpoint 0.500, after 10 RL steps" in out
    code, out, _ = cli(["lab", "show", str(tmp_path / "run"), "--json"], capsys)
    scores = json.loads(out)["scores"]
    assert (scores["base"], scores["final"], scores["budget"], scores["from"]) == (
        0.2, 0.5, "pass@1", "manifest")


def test_a_manifest_without_scores_shows_the_rl_curves_first_and_last_point(tmp_path, capsys):
    run = make_run(tmp_path / "run")
    manifest = json.loads((run / rf.MANIFEST).read_text())
    del manifest["base_score"], manifest["final_score"]
    (run / rf.MANIFEST).write_text(json.dumps(manifest))
    code, out, _ = cli(["lab", "show", str(run)], capsys)
    assert code == 0 and "score (lab-rl's first and last point): 0.200 -> 0.500" in out
    code, out, _ = cli(["lab", "show", str(run), "--json"], capsys)
    assert json.loads(out)["scores"]["from"] == rf.RL_CURVE


def test_without_a_thinking_curve_the_main_inference_curve_is_the_default(tmp_path, capsys):
    show, report, compare = three_views(make_run(tmp_path / "run", strategies=("maj@k",
                                                                               "pass@k")),
                                        tmp_path, capsys)
    assert show["comparison"]["inference"] == "lab-inf-maj@k-step10"
    assert report["headline"]["inference"] == "lab-inf-maj@k-step10"
    assert compare["curves"]["inference"]["curve"] == "lab-inf-maj@k-step10"


# --------------------------------------------------------------------------- words, no ratio

def _no_ratio_said(text: str) -> None:
    assert "o slope ratio or exchange rate for" in text
    assert "RL slope / inference slope =" not in text and "orders of magnitude" not in text
    assert not re.search(r"-\d", text), text  # no negative number anywhere in the headline
    assert "x RL" not in text  # no multiplier


def test_when_rl_did_not_raise_the_score_every_headline_says_so(tmp_path, capsys):
    run = make_run(tmp_path / "run", base=0.31, final=0.30)
    show, report, _ = three_views(run, tmp_path, capsys)
    for text in (show["headline"], report["headline"]["sentence"]):
        _no_ratio_said(text)
        assert "RL did not raise the score (pass@1 0.310 for the base model, 0.300 after 10" \
            in text
    assert report["headline"]["stated"] is False and report["exchange"] is None
    html = (tmp_path / "rep" / "index.html").read_text()
    assert "slope ratio, RL ÷ inference" not in html  # no ratio among the headline's numbers
    code, out, _ = cli(["compare", str(run)], capsys)
    assert code == 0
    _no_ratio_said(" ".join(out.split()[:40]))
    code, out, _ = cli(["lab", "show", str(run)], capsys)
    assert code == 0 and "RL did not raise the score" in " ".join(out.split())


def test_a_flat_rl_curve_gives_words_not_a_negative_multiplier(tmp_path, capsys):
    flat = [(1e12, 0.30), (1e13, 0.27), (1e14, 0.31), (1e15, 0.26)]
    show, report, _ = three_views(make_run(tmp_path / "run", rl=flat, base=0.2, final=0.3),
                                  tmp_path, capsys)
    assert show["comparison"]["slope_ratio"]["value"] < 0  # the number exists, in the table
    for text in (show["headline"], report["headline"]["sentence"]):
        _no_ratio_said(text)
        assert "RL slope is not positive or its 95% interval includes zero" in text


@pytest.mark.parametrize("rl, inf, ratio, needle", [
    ({"value": 0.02, "ci_low": -0.01, "ci_high": 0.05}, {"value": 0.2, "ci_low": 0.1,
                                                         "ci_high": 0.3}, 0.1, "RL slope"),
    ({"value": 0.1, "ci_low": 0.05, "ci_high": 0.15}, {"value": 0.01, "ci_low": -0.05,
                                                       "ci_high": 0.07}, 10.0, "inference slope"),
    ({"value": -0.1, "ci_low": None, "ci_high": None}, {"value": 0.2, "ci_low": None,
                                                        "ci_high": None}, -0.5, "RL slope"),
    (None, None, -21.4, "did not raise the score"),
])
def test_the_headline_rule_words(rl, inf, ratio, needle):
    cmp = {"rl": "r", "inference": "i", "slope_ratio": {"value": ratio, "ci_low": None,
                                                        "ci_high": None}}
    if rl is not None:
        cmp["curves"] = {"rl": {"curve": "r", "slope_per_decade": rl},
                         "inference": {"curve": "i", "slope_per_decade": inf}}
    assert needle in no_ratio_reason(cmp)
    text = headline_sentence(cmp, all_comparisons=[cmp, cmp])
    _no_ratio_said(text)
    assert "None of the 2 RL/inference pairs gives a ratio" in text


def test_a_stated_ratio_keeps_its_sentence():
    cmp = {"rl": "r", "inference": "i", "slope_ratio": {"value": 0.5, "ci_low": 0.4,
                                                        "ci_high": 0.6},
           "curves": {"rl": {"slope_per_decade": {"value": 0.1, "ci_low": 0.08, "ci_high": 0.12}},
                      "inference": {"slope_per_decade": {"value": 0.2, "ci_low": 0.15,
                                                         "ci_high": 0.25}}}}
    assert no_ratio_reason(cmp) is None
    assert no_ratio_reason(cmp, {"base": 0.2, "final": 0.2}) is not None  # final <= base
    assert "RL slope / inference slope = 0.50" in headline_sentence(cmp)


def test_compare_of_a_file_still_needs_both_curves(tmp_path, capsys):
    code, out, err = cli(["compare", "examples/rl-vs-inference.csv"], capsys)
    assert (code, out) == (2, "") and "give --rl ID and --inference ID" in err
    assert err.count("\n") == 1


# --------------------------------------------------------------------------- one real run

@pytest.mark.slow
def test_quick_run_report_headline_has_no_negative_or_absurd_multiplier(tmp_path, capsys,
                                                                        quick_run):
    run = quick_run  # a real `lab run --preset quick` (conftest; read, never written)
    code, out, err = cli(["lab", "show", str(run), "--json"], capsys)
    assert code == 0, err
    show = json.loads(out)
    code, _, err = cli(["report", str(run), "-o", str(tmp_path / "rep"), "--bootstrap", "200"],
                       capsys)
    assert code == 0, err
    head = json.loads((tmp_path / "rep" / "results.json").read_text())["headline"]
    assert (head["rl"], head["inference"]) == (show["comparison"]["rl"],
                                               show["comparison"]["inference"])
    assert rf.parse_inference_curve(head["inference"]).strategy == rf.THINK_STRATEGY
    sentence = head["sentence"]
    assert not re.search(r"-\d", sentence), sentence
    if head["stated"]:  # a ratio is stated only when it and both slopes are clearly positive
        assert head["slope_ratio"]["value"] > 0 and head["slope_ratio"]["ci_low"] > 0
    else:
        _no_ratio_said(sentence)


def test_a_huge_interval_end_is_written_in_powers_of_ten():
    """An inference slope whose interval nearly reaches zero gives a ratio interval end of ~1e16:
    the sentence writes it as 5.4e16, not as seventeen digits and two decimals."""
    cmp = {"rl": "r", "inference": "i", "slope_ratio": {"value": 0.12, "ci_low": 0.046,
                                                        "ci_high": 5.44e16},
           "curves": {"rl": {"slope_per_decade": {"value": 0.1, "ci_low": 0.08, "ci_high": 0.12}},
                      "inference": {"slope_per_decade": {"value": 0.8, "ci_low": 1e-17,
                                                         "ci_high": 1.2}}}}
    text = headline_sentence(cmp)
    assert "5.4e16" in text and "54400000000000000" not in text.replace(",", "")
