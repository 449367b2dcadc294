"""The thinking decomposition (rlscale.convert.decomposition): typical chain lengths, the two gains,
the length ratio; nulls when it cannot be made."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from rlscale.convert.decomposition import (
    KEYS,
    LENGTH_KEY,
    decompose,
    describe,
    interpolate,
    length_record,
    median_interval,
    median_ranks,
)


def _coverage_brute(n: int, r: int) -> float:
    """P(x_(r) <= median <= x_(n+1-r)) by enumerating which of n samples fall below the median."""
    hits = sum(1 for signs in itertools.product((0, 1), repeat=n) if r <= sum(signs) <= n - r)
    return hits / 2 ** n


@pytest.mark.parametrize("n", range(1, 15))
def test_median_ranks_are_the_tightest_covering_order_statistics(n):
    got = median_ranks(n, 0.95)
    covering = [r for r in range(1, n // 2 + 1) if _coverage_brute(n, r) >= 0.95]
    if not covering:
        assert got is None
    else:
        assert got == (max(covering), n + 1 - max(covering))


def test_median_interval_of_a_histogram_matches_the_sorted_samples():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 40, size=101)
    hist = [[int(v), int((x == v).sum())] for v in np.unique(x)]
    est = median_interval(hist)
    s = np.sort(x)
    lo, hi = median_ranks(101)
    assert est["value"] == float(np.median(x))
    assert (est["ci_low"], est["ci_high"]) == (s[lo - 1], s[hi - 1])
    assert est["ci_low"] <= est["value"] <= est["ci_high"]


def test_too_few_samples_give_a_median_without_interval():
    est = median_interval([[3, 2], [5, 1]])
    assert est["value"] == 3 and est["ci_low"] is None and est["ci_high"] is None


def _rows(scores: dict[int, float], se: float = 0.01) -> list[dict]:
    return [{"strategy": "think", "k": b, "score": s, "stderr": se, "n": 64, "compute": 1e6 * b}
            for b, s in scores.items()] + [
        {"strategy": "pass@k", "k": 1, "score": 0.9, "stderr": se, "n": 64, "compute": 1e6}]


def _eval(step, scores, lengths, budget=64):
    return {"step": step, "rows": _rows(scores), "flops": 1.0, "rl_flops": 0.0,
            LENGTH_KEY: length_record(lengths, budget)}


def _line(b: float, a: float, slope: float) -> float:      # score a + slope * log2(B)
    return a + slope * math.log2(b)


def test_known_gains_and_ratio_come_out():
    budgets = [1, 4, 16, 64]
    base = _eval(0, {b: _line(b, 0.10, 0.02) for b in budgets}, [2] * 200)
    final = _eval(8, {b: _line(b, 0.15, 0.05) for b in budgets}, [32] * 200)
    doc = decompose(base, final)
    # s_f(2) - s_b(2) = 0.05 + 0.03 * 1; s_f(32) - s_f(2) = 0.05 * (5 - 1); ratio 16
    assert doc["fixed_length_gain"]["value"] == pytest.approx(0.08)
    assert doc["longer_chain_gain"]["value"] == pytest.approx(0.20)
    assert doc["chain_length_ratio"]["value"] == pytest.approx(16.0)
    for k in KEYS:
        e = doc[k]
        assert e["ci_low"] < e["value"] < e["ci_high"] or e["ci_low"] == e["value"] == e["ci_high"]
    # every chain the same length: the ratio's interval is the point itself
    assert doc["chain_length_ratio"]["ci_low"] == pytest.approx(16.0)
    g = doc["fixed_length_gain"]
    assert g["ci_high"] - g["value"] == pytest.approx(1.959964 * math.hypot(0.01, 0.01), rel=1e-4)
    assert doc["assumptions"] and doc["notes"] == []


def test_the_ratio_interval_widens_with_spread_lengths():
    rng = np.random.default_rng(1)
    budgets = [1, 8, 64]
    base = _eval(0, {b: 0.2 for b in budgets}, rng.integers(2, 6, 300).tolist())
    final = _eval(4, {b: 0.3 for b in budgets}, rng.integers(10, 40, 300).tolist())
    r = decompose(base, final)["chain_length_ratio"]
    assert r["ci_low"] < r["value"] < r["ci_high"]


def test_equal_typical_lengths_still_give_the_longer_chain_gain_an_interval():
    """Two models with the same median length: the gain from longer chains is 0, but the medians
    are uncertain, so its interval is not the point (it was [0, 0] before)."""
    rng = np.random.default_rng(2)
    budgets = [1, 8, 64]
    lengths = rng.integers(4, 40, 300).tolist()
    base = _eval(0, {b: _line(b, 0.1, 0.03) for b in budgets}, lengths)
    final = _eval(4, {b: _line(b, 0.2, 0.05) for b in budgets}, lengths)
    doc = decompose(base, final)
    g = doc["longer_chain_gain"]
    assert g["value"] == 0.0 and g["ci_low"] < 0.0 < g["ci_high"]
    f = doc["fixed_length_gain"]
    lb = doc["typical_length"]["base"]["value"]
    se = math.hypot(0.01, 0.01) * 1.959964
    assert f["ci_low"] < f["value"] - se and f["value"] + se < f["ci_high"]   # wider than scores alone
    assert f["value"] == pytest.approx(0.1 + 0.02 * math.log2(lb))


def test_interpolation_is_linear_in_log_budget_and_none_outside():
    curve = [(1.0, 0.0, 0.1), (100.0, 1.0, 0.3)]
    s, se = interpolate(curve, 10.0)
    assert s == pytest.approx(0.5) and se == pytest.approx(0.2)
    assert interpolate(curve, 0.5) is None and interpolate(curve, 101) is None
    assert interpolate(curve, 0) is None


def test_nulls_with_a_note_when_it_cannot_be_made():
    budgets = [1, 4, 16]
    good = _eval(0, {b: 0.1 for b in budgets}, [3] * 50, budget=16)
    no_think = {"step": 8, "rows": _rows({})[-1:], "flops": 1.0, "rl_flops": 1.0}
    old = {k: v for k, v in good.items() if k != LENGTH_KEY}
    zero = _eval(8, {b: 0.3 for b in budgets}, [0] * 50, budget=16)
    for final in (no_think, old):
        doc = decompose(good, final)
        assert all(doc[k]["value"] is None for k in KEYS) and doc["notes"]
    doc = decompose(zero, good)          # base chains of length 0: below every budget
    assert doc["fixed_length_gain"]["value"] is None and doc["chain_length_ratio"]["value"] is None
    assert any("outside the measured budgets" in n for n in doc["notes"])
    assert describe(doc)


def test_a_median_at_the_largest_budget_is_flagged_as_censored():
    budgets = [1, 4, 16]
    doc = decompose(_eval(0, {b: 0.1 for b in budgets}, [3] * 50, budget=16),
                    _eval(8, {b: 0.3 for b in budgets}, [16] * 50, budget=16))
    assert doc["longer_chain_gain"]["value"] is not None
    assert any("reaches the largest budget" in n for n in doc["notes"])


def _cli(capsys, *args) -> str:
    """stdout of ``rlscale ARGS`` run in this process, which must exit 0."""
    from rlscale.cli import main

    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return out


@pytest.mark.slow
def test_quick_run_shows_the_decomposition_and_the_report_figure(tmp_path, quick_run, capsys):
    run = quick_run  # a real `lab run --preset quick` (conftest; read, never written)
    cached = json.loads((run / "evals" / "step000000.json").read_text())
    assert cached[LENGTH_KEY]["samples"] == sum(c for _, c in cached[LENGTH_KEY]["histogram"])
    dec = json.loads(_cli(capsys, "lab", "show", "--json", str(run)))["decomposition"]
    assert set(KEYS) <= set(dec)
    assert all(set(dec[k]) == {"value", "ci_low", "ci_high"} for k in KEYS)
    assert "thinking decomposition" in _cli(capsys, "lab", "show", str(run))
    out = tmp_path / "rep"
    _cli(capsys, "report", str(run), "-o", str(out))
    assert (out / "decomposition.svg").is_file()
    results = json.loads((out / "results.json").read_text())
    assert set(KEYS) <= set(results["decomposition"])


def test_the_figure_draws_both_curves_and_both_arrows(tmp_path):
    pytest.importorskip("matplotlib")
    from rlscale.report.decomposition_figure import decomposition_figure

    budgets = [1, 4, 16, 64]
    doc = decompose(_eval(0, {b: _line(b, 0.10, 0.02) for b in budgets}, [2] * 200),
                    _eval(8, {b: _line(b, 0.15, 0.05) for b in budgets}, [32] * 200))
    decomposition_figure(doc).savefig(tmp_path / "d.svg", format="svg")
    svg = (tmp_path / "d.svg").read_text()
    for gid in ("curve-base", "curve-final", "arrow-fixed", "arrow-longer"):
        assert f'id="{gid}' in svg


def test_a_run_directory_decomposes_and_a_broken_cache_is_one_error(tmp_path):
    from rlscale.convert.decomposition import decomposition_of
    from rlscale.errors import RlscaleError

    budgets = [1, 4, 16]
    evals = tmp_path / "evals"
    evals.mkdir()
    assert decomposition_of(tmp_path)["notes"]            # nothing cached yet: nulls, a note
    (evals / "step000000.json").write_text(json.dumps(_eval(0, {b: 0.1 for b in budgets}, [4] * 9,
                                                            budget=16)))
    old = _eval(5, {b: 0.2 for b in budgets}, [4] * 9, budget=16)
    del old[LENGTH_KEY]                                    # cached by older code
    (evals / "step000005.json").write_text(json.dumps(old))
    doc = decomposition_of(tmp_path)
    assert doc["fixed_length_gain"]["value"] is None and "older code" in doc["notes"][-1]
    (evals / "step000005.json").write_text('{"rows": [{"strategy": "think", "k": "x"}]}')
    with pytest.raises(RlscaleError, match="step000005.json"):
        decomposition_of(tmp_path)


def test_the_figure_of_a_run_without_length_records_draws_the_curves(tmp_path):
    """Evals cached without think-length records (older code, the TRL engine): the document has
    null lengths, and the figure still draws both curves (no arrows, no crash)."""
    pytest.importorskip("matplotlib")
    from rlscale.report.decomposition_figure import decomposition_figure

    budgets = [1, 4, 16]
    base, final = (_eval(s, {b: 0.1 * (i + 1) for b in budgets}, [4] * 9, budget=16)
                   for i, s in enumerate((0, 8)))
    del base[LENGTH_KEY], final[LENGTH_KEY]
    doc = decompose(base, final)
    assert doc["typical_length"] == {"base": None, "final": None}
    decomposition_figure(doc).savefig(tmp_path / "d.svg", format="svg")
    svg = (tmp_path / "d.svg").read_text()
    assert 'id="curve-base' in svg and 'id="arrow-fixed' not in svg
    assert describe(doc)
