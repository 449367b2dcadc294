"""Fitting: recovery, honesty rules (too few points, exact fits, unidentifiable, extrapolation),
result objects, the DataFrame/catalog API, and the batched solver against scipy."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import rlscale
from rlscale.errors import RlscaleError
from rlscale.fitting import FitResult, FitResults, fit, fit_curve
from rlscale.forms import FORMS

C = np.logspace(0, 3, 12)
X = np.log10(C)


def binomial_curve(form, params, n=300, seed=0, C=C):
    rng = np.random.default_rng(seed)
    p = FORMS[form].evaluate(np.log10(C), np.array(params))
    nn = np.full(C.size, n)
    return rng.binomial(nn, p) / nn, nn


def test_loglinear_recovers_a_noiseless_line_exactly():
    r = fit_curve(C, 0.2 + 0.15 * X, form="loglinear", bootstrap=100)
    assert r.params["a"].value == pytest.approx(0.2, abs=1e-9)
    assert r.params["b"].value == pytest.approx(0.15, abs=1e-9)
    assert r.slope_per_decade.value == pytest.approx(0.15, abs=1e-9)
    assert r.bootstrap["method"] == "pairs"


@pytest.mark.parametrize("form,params", [
    ("logistic", (0.1, 0.85, 2.5, 1.5)),
    ("scalerl", (0.1, 0.85, 30.0, 1.1)),
    ("powerlaw", (0.95, 0.7, 0.4)),
    ("exp_powerlaw", (-2.5, -0.45)),
])
def test_nonlinear_forms_recover_their_slope(form, params):
    y, n = binomial_curve(form, params, n=2000, seed=1)
    r = fit_curve(C, y, n, form, bootstrap=300, seed=0, at_score=0.5)
    f = FORMS[form]
    # true compute where the curve is at 0.5, and the slope there
    xs = np.linspace(0, 3, 30001)
    x_true = xs[np.argmin(np.abs(f.evaluate(xs, np.array(params)) - 0.5))]
    true = float(f.evaluate_slope(x_true, np.array(params)))
    assert r.slope_per_decade.ci_low <= true <= r.slope_per_decade.ci_high
    assert r.identifiable
    assert r.bootstrap["method"] == "parametric binomial"
    assert r.bootstrap["succeeded"] + r.bootstrap["failed"] == 300


def test_too_few_points_names_curve_form_points_and_minimum():
    with pytest.raises(RlscaleError, match=r"curve 'o1-rl': form 'logistic' needs at least 5 "
                                           r"points with distinct compute, got 3"):
        fit_curve([1, 10, 100], [0.3, 0.4, 0.6], form="logistic", curve="o1-rl")


def test_fit_window_is_applied_and_named_in_errors():
    y = 0.1 + 0.1 * X
    r = fit_curve(C, y, form="loglinear", min_compute=10, bootstrap=50)
    assert r.compute_min >= 10 and r.n_points == int(np.sum(C >= 10))
    with pytest.raises(RlscaleError, match="fit window"):
        fit_curve(C, y, form="powerlaw", min_compute=400, curve="c")


def test_two_point_curve_is_exact_with_no_interval_and_says_why():
    r = fit_curve([1, 100], [0.33, 0.66], curve="o1-rl", axis="rl")
    assert r.slope_per_decade.value == pytest.approx(0.165)
    assert math.isnan(r.slope_per_decade.ci_low) and math.isnan(r.slope_per_decade.ci_high)
    assert any("no residual degrees of freedom" in w and "no sample sizes n" in w
               for w in r.warnings)
    d = r.to_dict()
    assert d["slope_per_decade"] == {"value": pytest.approx(0.165), "ci_low": None,
                                     "ci_high": None}
    json.loads(r.to_json())


def test_two_point_curve_with_known_n_gets_a_binomial_interval():
    r = fit_curve([1, 100], [0.33, 0.66], n=[200, 200], bootstrap=500)
    s = r.slope_per_decade
    assert s.ci_low < 0.165 < s.ci_high
    assert not any("degrees of freedom" in w for w in r.warnings)


def test_scalerl_on_a_straight_line_is_flagged_unidentifiable():
    rng = np.random.default_rng(3)
    Cs = np.logspace(0, 4, 20)
    y = np.clip(0.2 + 0.1 * np.log10(Cs) + rng.normal(0, 0.01, 20), 0, 1)
    r = fit_curve(Cs, y, form="scalerl", bootstrap=200)
    assert r.identifiable is False
    assert any(w.startswith("not identifiable") for w in r.warnings)
    assert r.to_dict()["identifiable"] is False


def test_curved_data_are_identifiable_under_logistic():
    y, n = binomial_curve("logistic", (0.1, 0.85, 2.5, 1.5), n=500)
    r = fit_curve(C, y, n, "logistic", bootstrap=200)
    assert r.identifiable and not any("not identifiable" in w for w in r.warnings)


def test_extrapolation_is_flagged_by_eval_and_slope_at():
    r = fit_curve(C, 0.2 + 0.15 * X, bootstrap=100)
    r.eval([10.0, 100.0])
    assert not any("extrapolation" in w for w in r.warnings)
    np.testing.assert_allclose(r.eval([1e4]), [0.2 + 0.15 * 4])
    assert any("extrapolation" in w for w in r.warnings)
    r2 = fit_curve(C, 0.2 + 0.15 * X, bootstrap=100)
    r2.slope_at(1e-3)
    assert any("extrapolation" in w for w in r2.warnings)
    with pytest.raises(RlscaleError):
        r2.eval([-1.0])


def test_band_brackets_the_fit_and_slope_at_has_an_interval():
    y, n = binomial_curve("loglinear", (0.2, 0.15))
    r = fit_curve(C, y, n, bootstrap=400)
    lo, hi = r.band(C)
    mid = r.eval(C)
    assert lo.shape == hi.shape == C.shape
    assert np.all(lo <= mid + 1e-12) and np.all(mid <= hi + 1e-12)
    wide_lo, wide_hi = r.band(C, level=0.99)
    assert np.all(wide_hi - wide_lo >= hi - lo - 1e-12)
    s = r.slope_at(30.0)
    assert s.ci_low < s.value < s.ci_high


def test_same_seed_same_numbers_and_different_seed_different():
    y, n = binomial_curve("loglinear", (0.2, 0.15))
    a = fit_curve(C, y, n, bootstrap=200, seed=5).slope_per_decade
    b = fit_curve(C, y, n, bootstrap=200, seed=5).slope_per_decade
    c = fit_curve(C, y, n, bootstrap=200, seed=6).slope_per_decade
    assert a == b and (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)


def test_at_score_default_is_middle_of_observed_scores_and_clamps():
    y = 0.2 + 0.15 * X
    r = fit_curve(C, y, bootstrap=50)
    assert r.at_score == pytest.approx(0.5 * (y.min() + y.max()))
    assert r.at_compute == pytest.approx(10 ** ((r.at_score - 0.2) / 0.15))
    r2 = fit_curve(C, y, bootstrap=50, at_score=0.99)
    assert r2.at_compute == pytest.approx(C.max())
    assert any("does not reach score" in w for w in r2.warnings)
    with pytest.raises(RlscaleError, match="at_score"):
        fit_curve(C, y, at_score=1.5)


def test_to_dict_schema_and_frame_and_rich():
    y, n = binomial_curve("logistic", (0.1, 0.85, 2.5, 1.5), n=500)
    r = fit_curve(C, y, n, "logistic", curve="lab-rl", axis="rl", compute_unit="flop",
                  bootstrap=100)
    d = json.loads(r.to_json())
    for key in ("curve", "form", "params", "slope_per_decade", "n_points", "warnings", "axis",
                "compute_unit", "at_score", "at_compute", "aic", "bic", "identifiable",
                "compute_min", "compute_max"):
        assert key in d
    assert d["curve"] == "lab-rl" and d["form"] == "logistic" and d["compute_unit"] == "flop"
    assert set(d["params"]) == {"floor", "ceil", "k", "x0"}
    assert set(d["params"]["k"]) == {"value", "ci_low", "ci_high"}
    assert set(d["slope_per_decade"]) == {"value", "ci_low", "ci_high"}
    frame = r.to_frame()
    assert list(frame["quantity"]) == ["slope_per_decade", "floor", "ceil", "k", "x0"]
    from rich.console import Console

    con = Console(record=True, width=120)
    con.print(r)
    text = con.export_text()
    assert "pp/decade" in text and "lab-rl" in text
    assert f"{100 * r.slope_per_decade.value:.3g}" in text


def obs_frame():
    rows = []
    for cid, axis, b in (("rl-a", "rl", 0.15), ("inf-a", "inference", 0.30)):
        for c in (1, 10, 100, 1000):
            rows.append({"curve": cid, "axis": axis, "compute": c,
                         "score": 0.1 + b * math.log10(c) / 1.2 + (0.01 if c == 10 else 0),
                         "n": 400})
    return pd.DataFrame(rows)


def test_fit_on_a_dataframe_returns_results_by_curve():
    fits = fit(obs_frame(), bootstrap=100, seed=1)
    assert isinstance(fits, FitResults) and len(fits) == 2
    assert list(fits.keys()) == ["inf-a", "rl-a"] or list(fits.keys()) == ["rl-a", "inf-a"]
    assert all(isinstance(r, FitResult) for r in fits)
    assert fits["rl-a"].axis == "rl"
    d = fits.to_dict()
    assert set(d) == {"fits"} and len(d["fits"]) == 2
    json.loads(fits.to_json())
    assert set(fits.to_frame()["curve"]) == {"rl-a", "inf-a"}
    # one curve's intervals do not depend on which others are fitted alongside it
    alone = fit(obs_frame(), curves=["rl-a"], bootstrap=100, seed=1)
    assert alone["rl-a"].slope_per_decade == fits["rl-a"].slope_per_decade


def test_fit_unknown_curve_lists_available():
    with pytest.raises(RlscaleError, match="nope"):
        fit(obs_frame(), curves=["nope"])
    with pytest.raises(RlscaleError, match="no fit for curve 'zzz'"):
        fit(obs_frame(), bootstrap=10)["zzz"]


def test_fit_essay_catalog_through_public_api_without_torch():
    fits = rlscale.fit("catalog:essay", seed=0)
    assert fits["o1-rl"].slope_per_decade.value == pytest.approx(0.165)
    assert fits["o1-inference"].slope_per_decade.value == pytest.approx(0.30)
    # other tests in this process may have imported torch: check in a fresh interpreter
    code = ("import sys, rlscale; rlscale.fit('catalog:essay', seed=0); "
            "assert 'torch' not in sys.modules, 'torch loaded'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_auto_picks_logistic_on_an_s_curve_and_says_why():
    Cs = np.logspace(0, 4, 16)
    y, n = binomial_curve("logistic", (0.05, 0.9, 3.0, 2.0), n=1000, seed=2, C=Cs)
    r = fit_curve(Cs, y, n, "auto", bootstrap=100)
    assert r.form == "logistic"
    note = [w for w in r.warnings if w.startswith("auto: chose logistic")]
    assert note and "ΔAIC=" in note[0]


def test_auto_on_two_points_falls_back_to_loglinear_and_names_skipped_forms():
    r = fit_curve([1, 100], [0.2, 0.8], form="auto")
    assert r.form == "loglinear"
    assert any("not considered" in w or "chose loglinear" in w for w in r.warnings)


@pytest.mark.parametrize("bad", [
    dict(compute=[1, 2, 3], score=[0.1, 0.2]),
    dict(compute=[1, 0, 3], score=[0.1, 0.2, 0.3]),
    dict(compute=[1, 2, 3], score=[0.1, 20, 0.3]),
    dict(compute=[1, 2, np.nan], score=[0.1, 0.2, 0.3]),
    dict(compute=[1, 2, 3], score=[0.1, 0.2, 0.3], n=[10, 0, 10]),
    dict(compute=[], score=[]),
])
def test_bad_inputs_raise_rlscale_error(bad):
    with pytest.raises(RlscaleError):
        fit_curve(bad["compute"], bad["score"], bad.get("n"))


def test_partially_known_n_falls_back_to_unweighted_with_a_warning():
    r = fit_curve(C, 0.2 + 0.1 * X, n=[100] * 11 + [np.nan], bootstrap=50)
    assert r.bootstrap["method"] == "pairs"
    assert any("only some points" in w for w in r.warnings)


def test_batched_solver_agrees_with_scipy_curve_fit():
    """The vectorised refits equal scipy's on the same resampled data."""
    from scipy.optimize import curve_fit

    from rlscale.fitting._solve import batched_lm
    from rlscale.fitting.api import _stage
    from rlscale.fitting.bootstrap import binomial_weights

    f = FORMS["scalerl"]
    Cs = np.logspace(2, 5, 30)
    x = np.log10(Cs)
    y, n = binomial_curve("scalerl", (0.05, 0.61, 2542.0, 1.92), n=256, C=Cs)
    st = _stage(f, x, y, binomial_weights(y, n), n)
    rng = np.random.default_rng(0)
    p = np.clip(f.evaluate(x, f.to_public(st.full.theta)), 0, 1)
    yb = rng.binomial(n.astype(int), p, size=(20, x.size)) / n
    wb = binomial_weights(yb, n)
    theta, ok = batched_lm(f, x, yb, wb, np.tile(st.full.theta, (20, 1)), st.lo, st.hi)
    assert ok.all()
    for i in range(20):
        ref, _ = curve_fit(lambda xx, *t: f.evaluate(xx, f.to_public(np.array(t))), x, yb[i],
                           p0=st.full.theta, sigma=1 / np.sqrt(wb[i]), bounds=(st.lo, st.hi))
        np.testing.assert_allclose(theta[i], ref, rtol=1e-4, atol=1e-5)


def test_flat_data_under_a_sigmoid_is_unidentifiable():
    # Flat data leave a sigmoid's midpoint free. Which of two rules flags it depends on how close
    # to zero the fitted slope lands, i.e. on the machine's floating-point rounding: a huge
    # Jacobian condition number on one machine, "no curvature" (a line fits as well by AIC) on
    # another (seen: condition number 5.6e5). The behaviour that matters is the same everywhere:
    # the fit is flagged and says why.
    r = fit_curve(C, np.full(C.size, 0.5), form="logistic", bootstrap=50)
    assert r.identifiable is False
    reasons = [w for w in r.warnings if w.startswith("not identifiable")]
    assert reasons
    assert any("Jacobian condition number" in w or "no curvature" in w for w in reasons)


def test_importing_the_analysis_core_stays_light():
    import subprocess

    code = ("import sys, rlscale.fitting, rlscale.convert, rlscale.forms; "
            "heavy = [m for m in ('scipy', 'pandas', 'torch', 'matplotlib') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_failed_and_degenerate_resamples_are_counted():
    # 3 points under pairs resampling: some resamples repeat one compute value only
    r = fit_curve([1, 10, 100], [0.2, 0.35, 0.5], bootstrap=400, seed=0)
    b = r.bootstrap
    assert b["requested"] == 400 and b["succeeded"] + b["failed"] == 400
    assert b["failed"] > 0 and len(r.boot_slopes) == b["succeeded"]
    assert any("too few distinct compute values" in w for w in r.warnings)


def test_exact_fits_have_no_aic_and_auto_says_why():
    r = fit_curve([1, 100], [0.33, 0.66], form="auto")
    assert math.isnan(r.aic) and r.to_dict()["aic"] is None
    assert any("no form could be compared by AIC" in w for w in r.warnings)


def test_fit_passes_window_score_and_level_through_and_renders(tmp_path):
    path = tmp_path / "obs.csv"
    obs_frame().to_csv(path, index=False)
    fits = fit(str(path), form="loglinear", bootstrap=100, min_compute=5, at_score=0.3,
               level=0.9)
    for r in fits:
        assert r.compute_min >= 5 and r.at_score == 0.3 and r.level == 0.9
        assert r.n_points == 3
    from rich.console import Console

    con = Console(record=True, width=120)
    con.print(fits)
    text = con.export_text()
    assert "rl-a" in text and "inf-a" in text and "90% CI" in text


def test_methods_page_python_example_runs():
    """The ```pycon block of docs/methods.md is a doctest."""
    import doctest
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "methods.md").read_text()
    blocks = re.findall(r"^```pycon\n(.*?)^```\n", text, re.S | re.M)
    assert blocks
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for i, block in enumerate(blocks):
        runner.run(parser.get_doctest(block, {}, f"methods.md[{i}]", "docs/methods.md", 0))
    assert runner.summarize(verbose=False).failed == 0


def test_two_thousand_scalerl_resamples_stay_interactive():
    """Guard against losing the vectorisation: benchmarks/bench_bootstrap.py measures ~0.25 s
    end to end; 5 s leaves room for a loaded shared machine."""
    import time

    Cs = np.logspace(2, 5, 50)
    y, n = binomial_curve("scalerl", (0.05, 0.61, 2542.0, 1.92), n=256, C=Cs)
    fit_curve(Cs, y, n, "scalerl", bootstrap=20)  # imports
    t0 = time.perf_counter()
    r = fit_curve(Cs, y, n, "scalerl", bootstrap=2000, seed=0)
    assert time.perf_counter() - t0 < 5.0
    assert r.bootstrap["succeeded"] >= 1900


def test_lack_of_fit_switches_to_pairs_and_keeps_the_estimate_inside_its_interval():
    # A straight line through strongly S-shaped binomial data: the parametric bootstrap from the
    # misfitting line gave an interval that excluded its own estimate (0.269 vs [0.2597, 0.2610]).
    rng = np.random.default_rng(1)
    x = np.linspace(0, 4, 500)
    n = rng.integers(32, 129, x.size)
    k = rng.binomial(n, 1 / (1 + np.exp(-1.2 * (x - 2))))
    r = fit_curve(10 ** x, k / n, n=n, form="loglinear", seed=0)
    assert r.bootstrap["method"] == "pairs"
    assert any(w.startswith("lack of fit") for w in r.warnings)
    assert r.slope_per_decade.ci_low <= r.slope_per_decade.value <= r.slope_per_decade.ci_high
    # the right form fits within binomial noise and keeps the parametric bootstrap
    good = fit_curve(10 ** x, k / n, n=n, form="logistic", seed=0)
    assert good.bootstrap["method"] == "parametric binomial"
    assert not any(w.startswith("lack of fit") for w in good.warnings)


def test_chi2_sf_matches_scipy():
    """The lack-of-fit p-value's closed form agrees with scipy's chi-square survival function."""
    from scipy.special import chdtrc

    from rlscale.fitting._chi2 import chi2_sf

    for dof in [*range(1, 41), 101, 1000, 4999]:
        for x in [1e-6, 0.3 * dof, float(dof), dof + 3 * (2 * dof) ** 0.5, 3.0 * dof + 10]:
            assert chi2_sf(x, dof) == pytest.approx(float(chdtrc(dof, x)), rel=1e-9, abs=1e-300)
    assert chi2_sf(0.0, 3) == 1.0 and chi2_sf(math.inf, 3) == 0.0
    with pytest.raises(ValueError):
        chi2_sf(1.0, 0)


@pytest.mark.parametrize("form_name", ["logistic", "scalerl", "loglinear"])
def test_full_fit_polish_reaches_scipy_optimum(form_name):
    """The numpy polish of the full-data fit ends at a weighted cost no higher than scipy's
    bounded trust-region solver reaches from the same multi-start best (the solver it replaced)."""
    from scipy.optimize import least_squares

    from rlscale.fitting._solve import _model, fit_full
    from rlscale.forms import get_form

    rng = np.random.default_rng(3)
    form = get_form(form_name)
    for _ in range(8):
        x = np.linspace(0, rng.uniform(1.5, 4), int(rng.integers(8, 40)))
        p = 0.05 + rng.uniform(0.4, 0.9) / (1 + 10 ** (rng.uniform(0.5, 3) * (x.mean() - x)))
        y = rng.binomial(100, p) / 100
        w = np.full(x.size, 100.0)
        lo, hi = form.internal_bounds(x, y)
        ours = fit_full(form, x, y, w, lo, hi, form.starts(x, y))
        start = fit_full(form, x, y, w, lo, hi, form.starts(x, y), polish=False).theta
        width = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
        start = np.clip(start, lo + 1e-12 * width, hi - 1e-12 * width)
        with np.errstate(all="ignore"):
            ref = least_squares(lambda t: np.sqrt(w) * (y - _model(form, x, t)), start,
                                bounds=(lo, hi), method="trf", x_scale="jac")
        # a different (worse) optimum differs by far more than 1e-7; rounding never does
        assert ours.cost <= float(np.sum(ref.fun ** 2)) * (1 + 1e-7) + 1e-12
