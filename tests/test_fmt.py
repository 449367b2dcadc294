"""rlscale.fmt: the one owner of number formatting (the variants the CLI, report and ledger show)."""

from __future__ import annotations

import math

from rlscale import fmt


def test_readable_is_the_ledgers_number_style():
    assert [fmt.readable(x) for x in (0.5, 12.345, 1234.5, 4.8e6, 0.0002, 0, math.inf)] == [
        "0.5", "12.3", "1,230", "4.8e6", "2.0e-4", "0", "inf"]


def test_compact_and_its_multiplier_and_percent_are_the_reports_cells():
    assert [fmt.compact(x) for x in (None, math.nan, 0, 3.162, 31622.8, 2.5e25)] == [
        "", "", "0", "3.16", "31,623", "2.5e+25"]
    assert fmt.compact_multiplier(10000) == "10,000x" and fmt.compact_multiplier(None) == "n/a"
    assert (fmt.percent(0.66), fmt.percent(0.055), fmt.percent(None)) == ("66%", "5.5%", "")


def test_estimate_drops_a_missing_interval_and_scales():
    assert fmt.estimate({"value": 0.155, "ci_low": 0.1, "ci_high": 0.2}, 100, digits=1) == \
        "15.5 [10.0, 20.0]"
    assert fmt.estimate({"value": 0.5, "ci_low": None, "ci_high": 0.7}) == "0.50"
    assert fmt.estimate({"value": None}) == "n/a" and fmt.estimate(None) == "n/a"


def test_tick_labels_use_superscripts_for_powers_of_ten():
    assert [fmt.multiplier_tick(x) for x in (1, 10, 1000, 1e5, 0.5, 0.001, 0)] == [
        "1x", "10x", "1,000x", "10⁵x", "0.5x", "10⁻³x", ""]
    assert fmt.power_of_ten(1e12) == "10¹²"


def test_value_keeps_ints_and_strings_as_given():
    assert (fmt.value(0.123456), fmt.value(3), fmt.value("h100"), fmt.value(math.nan)) == (
        "0.1235", "3", "h100", "nan")
