"""Curve forms: formulas, analytic slopes, guesses, and a contract test over every form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rlscale.errors import RlscaleError
from rlscale.forms import FORMS, Form, get_form, register_form

# parameters (public units) and a compute range for each built-in form
CASES = {
    "loglinear": ((0.2, 0.15), (0.0, 3.0)),
    "logistic": ((0.1, 0.85, 2.5, 1.5), (0.0, 3.0)),
    "scalerl": ((0.05, 0.61, 2542.0, 1.92), (2.0, 5.0)),
    "powerlaw": ((0.9, 0.7, 0.35), (0.0, 4.0)),
    "exp_powerlaw": ((-2.5, -0.35), (0.0, 4.0)),
}


def formula(name, C, p):
    """Each form written out independently from its definition in the literature."""
    if name == "loglinear":
        a, b = p
        return a + b * np.log10(C)
    if name == "logistic":
        floor, ceil, k, x0 = p
        return floor + (ceil - floor) / (1 + np.exp(-k * (np.log10(C) - x0)))
    if name == "scalerl":  # arXiv:2510.13786 Eq. 1
        R0, A, Cmid, B = p
        return R0 + (A - R0) / (1 + (Cmid / C) ** B)
    if name == "powerlaw":
        A, D, B = p
        return A - D * C ** (-B)
    if name == "exp_powerlaw":  # arXiv:2407.21787
        a, b = p
        return np.exp(a * C ** b)
    raise AssertionError(name)


def test_registry_has_the_five_forms():
    assert set(FORMS) == {"loglinear", "logistic", "scalerl", "powerlaw", "exp_powerlaw"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_func_matches_published_formula(name):
    p, (x0, x1) = CASES[name]
    C = np.logspace(x0, x1, 25)
    got = FORMS[name].func(np.log10(C), *p)
    np.testing.assert_allclose(got, formula(name, C, p), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_analytic_slope_matches_finite_difference(name):
    p, (x0, x1) = CASES[name]
    f = FORMS[name]
    x = np.linspace(x0, x1, 17)
    h = 1e-6
    fd = (f.func(x + h, *p) - f.func(x - h, *p)) / (2 * h)
    np.testing.assert_allclose(f.slope_per_decade(x, *p), fd, rtol=1e-6, atol=1e-8)


def test_loglinear_slope_is_b_and_scalerl_slope_formula():
    assert np.all(FORMS["loglinear"].slope_per_decade(np.array([0.0, 5.0]), 0.3, 0.15) == 0.15)
    # published-data.md §2: ln(10)·(A − R0)·B·u(1 − u), u = 1/(1 + (C_mid/C)^B)
    R0, A, Cmid, B = CASES["scalerl"][0]
    C = 4000.0
    u = 1 / (1 + (Cmid / C) ** B)
    expected = math.log(10) * (A - R0) * B * u * (1 - u)
    assert FORMS["scalerl"].slope_per_decade(math.log10(C), R0, A, Cmid, B) == pytest.approx(expected)


def test_scalerl_is_logistic_in_log_compute():
    R0, A, Cmid, B = CASES["scalerl"][0]
    x = np.linspace(1, 6, 11)
    np.testing.assert_allclose(FORMS["scalerl"].func(x, R0, A, Cmid, B),
                               FORMS["logistic"].func(x, R0, A, B * math.log(10), math.log10(Cmid)))


@pytest.mark.parametrize("name", sorted(FORMS))
def test_contract_every_form(name):
    """What the fitter relies on, for every registered form."""
    f = FORMS[name]
    assert isinstance(f, Form) and f.name == name
    P = f.n_params
    lo, hi = f.bounds
    assert lo.shape == hi.shape == (P,) and np.all(lo <= hi)
    assert f.min_points >= min(P, 2)
    p, (x0, x1) = CASES[name]
    x = np.linspace(x0, x1, 12)
    y = np.clip(f.func(x, *p), 0, 1)
    # vectorised: params (B, 1) against x (N,) -> (B, N); elementwise (B,) against (B,)
    batch = np.array([p, p, p], float)
    out = f.evaluate(x, batch[:, None, :])
    assert out.shape == (3, x.size)
    np.testing.assert_allclose(out[1], f.func(x, *p))
    assert f.evaluate(x[:3], batch).shape == (3,)
    assert f.evaluate_slope(x, batch[:, None, :]).shape == (3, x.size)
    # guess and starts lie inside the fit bounds
    flo, fhi = f.fit_bounds(x, y)
    g = f.guess(x, y)
    assert g.shape == (P,) and np.all(np.isfinite(g))
    assert np.all((flo <= g) & (g <= fhi))
    starts = f.starts(x, y)
    assert starts.ndim == 2 and starts.shape[1] == P
    assert np.all((flo <= starts) & (starts <= fhi))
    # the internal (fitting) space round-trips
    np.testing.assert_allclose(f.to_public(f.to_internal(np.array(p))), p, rtol=1e-12)
    assert f.formula and f.citation


@pytest.mark.parametrize("name", sorted(FORMS))
@pytest.mark.parametrize("seed", range(5))
def test_guess_in_bounds_on_awkward_data(name, seed):
    rng = np.random.default_rng(seed)
    f = FORMS[name]
    x = np.sort(rng.uniform(-3, 25, size=rng.integers(2, 9)))
    y = rng.choice([0.0, 1.0, rng.uniform()], size=x.size)
    flo, fhi = f.fit_bounds(x, y)
    g = f.guess(x, y)
    assert np.all(np.isfinite(g)) and np.all((flo <= g) & (g <= fhi))


def test_no_overflow_warnings_at_extreme_inputs():
    x = np.array([-300.0, 0.0, 300.0])
    with np.errstate(all="raise"):
        for name, (p, _) in CASES.items():
            FORMS[name].evaluate(x, np.array(p))  # evaluate guards its own floating point


def test_register_form_rejects_duplicates_and_get_form_errors():
    with pytest.raises(ValueError):
        @register_form
        class Again(Form):  # noqa: F841
            name = "loglinear"
            param_names = ("a",)
            lower, upper = (0.0,), (1.0,)
    with pytest.raises(RlscaleError, match="unknown form 'cubic'.*loglinear"):
        get_form("cubic")
