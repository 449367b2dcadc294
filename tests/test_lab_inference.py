"""Inference-strategy estimators: pass@k, maj@k, best-of-k, budgets, sampling errors."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from rlscale.errors import RlscaleError
from rlscale.lab.inference import (best_of_k, ks_for, majority_at_k, mean_se, parallel_scores,
                                   parse_budget, pass_at_k, think_budgets)


def _pass_at_k_bruteforce(n, c, k):
    hits = [any(i < c for i in sub) for sub in itertools.combinations(range(n), k)]
    return sum(hits) / len(hits)


@pytest.mark.parametrize("n,c,k", [(8, 0, 1), (8, 3, 1), (8, 3, 2), (8, 3, 5), (8, 8, 4),
                                   (10, 1, 9), (10, 2, 9), (6, 5, 6)])
def test_pass_at_k_matches_enumeration(n, c, k):
    assert pass_at_k(n, c, k)[0] == pytest.approx(_pass_at_k_bruteforce(n, c, k), abs=1e-12)


def test_pass_at_k_is_stable_for_large_n():
    # the naive comb(n - c, k) / comb(n, k) overflows floats here; the product form does not
    v = pass_at_k(2000, 3, 1000)[0]
    assert 0.87 < v < 0.88 and math.isfinite(v)
    assert pass_at_k(64, 16, 1)[0] == pytest.approx(0.25)


def test_pass_at_k_rejects_k_above_samples():
    with pytest.raises(RlscaleError, match="k=65"):
        pass_at_k(64, 3, 65)


def test_parse_budget():
    assert parse_budget("pass@1", 64) == ("pass@k", 1)
    assert parse_budget("maj@8", 64) == ("maj@k", 8)
    with pytest.raises(RlscaleError, match="above the 64 samples"):
        parse_budget("pass@128", 64)
    with pytest.raises(RlscaleError, match="expected pass@K"):
        parse_budget("vote@3", 64)


def test_ks_and_budgets():
    assert ks_for(64) == [1, 2, 4, 8, 16, 32, 64]
    assert ks_for(96)[-1] == 96
    b = think_budgets(40, 5)
    assert b[0] == 1 and b[-1] == 40 and b == sorted(set(b))


def test_majority_vote_picks_the_plurality_answer():
    answers = [["5"] * 6 + ["4"] * 2, ["4"] * 6 + ["5"] * 2, [None] * 8]
    correct = np.array([[a == "5" for a in row] for row in answers])
    full = majority_at_k(answers, correct, 8, random.Random(0))
    assert full.tolist() == [1.0, 0.0, 0.0]
    one = majority_at_k(answers, correct, 1, random.Random(0))
    assert one.tolist() == pytest.approx([0.75, 0.25, 0.0])


def test_best_of_k_uses_the_verifier():
    verifier = np.array([[0.1, 0.9, 0.2, 0.3]])
    correct = np.array([[False, True, False, False]])
    assert best_of_k(verifier, correct, 4, random.Random(0)).tolist() == [1.0]
    assert best_of_k(verifier, correct, 1, random.Random(0)).tolist() == pytest.approx([0.25])
    # a verifier that prefers a wrong sample makes best-of-k worse than pass@k
    assert best_of_k(-verifier, correct, 4, random.Random(0)).tolist() == [0.0]


def test_mean_se_is_std_over_sqrt_problems():
    m, se = mean_se([0.0, 1.0, 0.0, 1.0])
    assert m == 0.5 and se == pytest.approx(np.std([0, 1, 0, 1], ddof=1) / 2)


def test_parallel_scores_rows_are_monotone_for_pass_at_k():
    rng = np.random.default_rng(0)
    correct = rng.random((20, 64)) < rng.random((20, 1))
    answers = [[("ok" if c else str(rng.integers(3))) for c in row] for row in correct]
    verifier = correct + 0.1 * rng.random(correct.shape)
    rows = parallel_scores(correct, answers, verifier, 100.0, ["pass@k", "maj@k", "best-of-k"], 0)
    passk = [r for r in rows if r["strategy"] == "pass@k"]
    assert [r["k"] for r in passk] == ks_for(64)
    assert all(a["score"] <= b["score"] for a, b in zip(passk, passk[1:]))
    assert passk[0]["score"] == pytest.approx(correct.mean())
    assert passk[-1]["compute"] == 6400.0 and all(r["n"] == 20 * 64 for r in rows)
    assert all(r["stderr"] > 0 for r in rows if 0 < r["score"] < 1)
    best = [r for r in rows if r["strategy"] == "best-of-k"]
    assert best[-1]["score"] == pytest.approx(passk[-1]["score"])  # a perfect verifier
