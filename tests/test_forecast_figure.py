"""The report's forecast panel, tested on its own: it renders, and the band and the
extrapolated segment are distinct artists from the fitted range."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def section():
    from rlscale.forecasting.section import forecast_section

    rng = np.random.default_rng(5)
    x = np.linspace(0, 2, 8)
    n = np.full(8, 300)
    rows = []
    for cid, axis, slope in (("syn-rl", "rl", 0.15), ("syn-inf", "inference", 0.3)):
        y = rng.binomial(n, 0.2 + slope * x) / n
        rows.append(pd.DataFrame({"curve": cid, "axis": axis, "compute": 10 ** x, "score": y,
                                  "n": n}))
    return forecast_section(pd.concat(rows), form="loglinear", bootstrap=100)


def test_section_is_json_ready_with_backtests(section):
    import json

    json.dumps(section, allow_nan=False)
    entries = {c["curve"]: c for c in section["curves"]}
    assert set(entries) == {"syn-rl", "syn-inf"}
    g = entries["syn-rl"]["grid"]
    assert max(g["compute"]) > entries["syn-rl"]["fit_max_compute"]
    assert all(lo <= hi for lo, hi in zip(g["low"], g["high"]))
    assert {b["curve"] for b in section["backtests"]} == {"syn-rl", "syn-inf"}


def test_figure_renders_with_distinct_band_and_extrapolation(section):
    from rlscale.report.forecast_figure import forecast_figure

    fig = forecast_figure(section)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"
    assert len(fig.axes) == 2      # one panel per axis
    ax = next(a for a in fig.axes if a.get_title().startswith("Forecast: rl"))
    by_gid = {a.get_gid(): a for a in ax.get_children() if a.get_gid()}
    fitted, extra = by_gid["fitted-syn-rl"], by_gid["extrapolated-syn-rl"]
    band_in, band_out = by_gid["band-fitted-syn-rl"], by_gid["band-extrapolated-syn-rl"]
    assert fitted is not extra and band_in is not band_out
    assert fitted.get_linestyle() != extra.get_linestyle()
    assert band_out.get_hatch() and not band_in.get_hatch()
    cut = next(c for c in section["curves"] if c["curve"] == "syn-rl")["fit_max_compute"]
    assert max(fitted.get_xdata()) <= cut * (1 + 1e-9) <= max(extra.get_xdata())
    assert min(extra.get_xdata()) >= cut * (1 - 1e-9)
