"""Fuzz the fitters: any finite input gives a result or an RlscaleError, never another exception."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlscale.convert import compare, exchange
from rlscale.errors import RlscaleError
from rlscale.fitting import FitResult, fit_curve
from rlscale.forms import FORMS

compute = st.floats(min_value=-1e30, max_value=1e30, allow_nan=False, allow_infinity=False)
score = st.floats(min_value=-0.5, max_value=1.5, allow_nan=False, allow_infinity=False)
forms = st.sampled_from(sorted(FORMS) + ["auto"])


@st.composite
def curves(draw):
    """Mostly valid curves (so the fitters, not just the input checks, get exercised)."""
    k = draw(st.integers(min_value=0, max_value=9))
    valid = draw(st.sampled_from([True, True, True, False]))
    pos = st.floats(min_value=1e-30, max_value=1e30)
    c = draw(st.lists(pos if valid else st.one_of(compute, pos), min_size=k, max_size=k))
    unit = st.floats(min_value=0, max_value=1)
    s = draw(st.lists(unit if valid else st.one_of(score, unit), min_size=k, max_size=k))
    n = draw(st.one_of(st.none(), st.lists(st.one_of(
        st.integers(min_value=1 if valid else -2, max_value=500), st.just(float("nan"))),
        min_size=k, max_size=k)))
    return c, s, n


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(curves(), forms, st.integers(min_value=0, max_value=30),
       st.one_of(st.none(), st.floats(min_value=-1, max_value=2)))
def test_fit_curve_result_or_rlscale_error(data, form, bootstrap, at_score):
    c, s, n = data
    try:
        r = fit_curve(c, s, n, form, bootstrap=bootstrap, seed=0, at_score=at_score)
    except RlscaleError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert isinstance(r, FitResult)
    r.to_json()  # always serialisable: nan -> null
    v = r.slope_per_decade.value
    assert math.isfinite(v) or not r.identifiable
    r.band(np.array([1.0, 10.0]))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=1e-3, max_value=1e3), min_size=2, max_size=6, unique=True),
       st.lists(st.floats(min_value=0, max_value=1), min_size=6, max_size=6),
       st.lists(st.floats(min_value=0, max_value=1), min_size=6, max_size=6))
def test_compare_result_or_rlscale_error(c, s1, s2):
    try:
        a = fit_curve(c, s1[:len(c)], form="loglinear", bootstrap=20, seed=1, axis="rl")
        b = fit_curve(c, s2[:len(c)], form="loglinear", bootstrap=20, seed=2, axis="inference")
        cmp = compare(a, b)
    except RlscaleError:
        return
    cmp.to_json()


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True,
                                                                  allow_infinity=True),
       st.sampled_from(["rl", "inference", "pretrain", "bogus"]),
       st.sampled_from(["rl", "inference", "pretrain", ""]))
def test_exchange_result_or_rlscale_error(factor, ratio, a, b):
    try:
        out = exchange(factor, ratio=ratio, from_=a, to=b)
    except (RlscaleError, OverflowError) as err:
        assert not isinstance(err, OverflowError), "overflow must become an RlscaleError"
        return
    assert out >= 0
