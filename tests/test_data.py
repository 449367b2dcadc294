"""Readers, validation and writers of the observation table (rlscale.data)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from rlscale.data import (COLUMNS, read_observations, select_curves, validate_observations,
                          write_observations)
from rlscale.errors import RlscaleError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "rl-vs-inference.csv"
HEADER = "curve,axis,compute,score\n"


def write(tmp_path: Path, text: str, name: str = "obs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(source, **kwargs) -> str:
    with pytest.raises(RlscaleError) as exc:
        read_observations(source, **kwargs)
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_csv_columns_order_defaults_and_sorting(tmp_path):
    path = write(tmp_path, "score,compute,axis,curve,extra\n0.5,100,RL,b,x\n0.2,1,rl,b,y\n"
                           "0.3,10,inference,a,z\n")
    obs = read_observations(path)
    assert list(obs.columns) == list(COLUMNS) + ["extra"]
    assert list(obs["curve"]) == ["a", "b", "b"]        # sorted by curve then compute
    assert list(obs["compute"]) == [10.0, 1.0, 100.0]
    assert list(obs["axis"]) == ["inference", "rl", "rl"]  # case-normalised
    assert set(obs["compute_unit"]) == {"relative"}     # default unit
    assert obs["n"].isna().all() and set(obs["note"]) == {""}
    assert obs["compute"].dtype == "float64" and obs["score"].dtype == "float64"
    assert list(obs["extra"]) == ["z", "y", "x"]        # unknown columns are kept, row-aligned


def test_percent_scale_divides_by_100(tmp_path):
    path = write(tmp_path, HEADER + "a,rl,1,20\na,rl,10,45.5\n")
    obs = read_observations(path, score_scale="percent")
    assert list(obs["score"]) == pytest.approx([0.20, 0.455])


def test_numeric_extra_columns_become_numbers(tmp_path):
    path = write(tmp_path, "curve,axis,compute,score,tokens\na,rl,1,0.2,3e6\na,rl,10,0.4,\n")
    obs = read_observations(path)
    assert obs["tokens"].iloc[0] == 3e6 and math.isnan(obs["tokens"].iloc[1])


def test_json_records_and_wrapped_document(tmp_path):
    records = [{"curve": "a", "axis": "rl", "compute": 1, "score": 0.2, "n": 50},
               {"curve": "a", "axis": "rl", "compute": 10, "score": 0.4, "model": "m"}]
    plain = read_observations(write(tmp_path, json.dumps(records), "a.json"))
    wrapped = read_observations(write(tmp_path, json.dumps({"observations": records}), "b.json"))
    pd.testing.assert_frame_equal(plain, wrapped)
    assert plain["n"].iloc[0] == 50 and math.isnan(plain["n"].iloc[1])
    assert list(plain["model"]) == ["", "m"]


def test_json_null_compute_is_missing(tmp_path):
    path = write(tmp_path, json.dumps([{"curve": "a", "axis": "rl", "compute": None,
                                        "score": 0.2}]), "a.json")
    assert "row 1, column 'compute': compute is missing" in error_of(path)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_write_then_read_round_trip(tmp_path, suffix):
    obs = read_observations(EXAMPLE)
    out = write_observations(obs, tmp_path / f"copy{suffix}")
    again = read_observations(out)
    pd.testing.assert_frame_equal(obs, again, check_dtype=False)
    assert [p.name for p in tmp_path.iterdir()] == [f"copy{suffix}"]  # no temp file left


def test_write_refuses_invalid_frame_and_writes_nothing(tmp_path):
    bad = pd.DataFrame({"curve": ["a"], "axis": ["rl"], "compute": [-1.0], "score": [0.5]})
    with pytest.raises(RlscaleError, match="compute must be > 0"):
        write_observations(bad, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_dataframe_source_and_validate_alias():
    frame = pd.DataFrame({"curve": ["a", "a"], "axis": ["rl", "rl"], "compute": [10, 1],
                          "score": [0.4, 0.2], "seed": [1, 2]})
    obs = read_observations(frame)
    assert list(obs["compute"]) == [1.0, 10.0] and list(obs["seed"]) == [2, 1]
    frame.loc[1, "score"] = 1.5
    with pytest.raises(RlscaleError, match=r"^DataFrame, row 2, column 'score'"):
        validate_observations(frame)


def test_dataframe_nan_score_is_not_finite():
    frame = pd.DataFrame({"curve": ["a"], "axis": ["rl"], "compute": [1.0],
                          "score": [float("nan")]})
    assert "must be a finite number" in error_of(frame)


def test_parquet_source(tmp_path):
    obs = read_observations(EXAMPLE)
    path = tmp_path / "obs.parquet"
    obs.to_parquet(path, index=False)
    pd.testing.assert_frame_equal(read_observations(path), obs)


def test_run_directory(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "rlscale-run.json").write_text('{"status": "running"}', encoding="utf-8")
    assert "no observations.csv yet (run status: running)" in error_of(run)
    (run / "observations.csv").write_text(HEADER + "lab-rl,rl,1e12,0.1\nlab-rl,rl,1e13,0.3\n",
                                          encoding="utf-8")
    obs = read_observations(run)
    assert list(obs["curve"]) == ["lab-rl", "lab-rl"]
    assert "not an rlscale run directory" in error_of(tmp_path)


def test_first_offending_row_is_reported(tmp_path):
    path = write(tmp_path, HEADER + "a,rl,1,0.2\na,rl,-3,0.3\na,bogus,5,0.4\na,rl,x,2\n")
    message = error_of(path)
    assert message.startswith(f"{path}, row 2, column 'compute'")
    # within one row the first column in schema order wins
    path = write(tmp_path, HEADER + "a,bogus,-1,7\n")
    assert "row 1, column 'axis'" in error_of(path)


@pytest.mark.parametrize("rows, where, rule", [
    ("a,rl,1,0.2\nb,rl,2,0.3\na,rl,1,0.5\n", "row 3, column 'compute'",
     "duplicate compute 1 for curve 'a' (also row 1)"),
    ("a,rl,1,0.2\na,inference,2,0.3\n", "row 2, column 'axis'", "mixes axes"),
    ("a,rl,1,0.2,flop\na,rl,2,0.3,tokens\n", "row 2, column 'compute_unit'",
     "mixes compute units"),
])
def test_curve_level_rules(tmp_path, rows, where, rule):
    header = HEADER if rows.count(",") == 3 * rows.count("\n") else (
        "curve,axis,compute,score,compute_unit\n")
    message = error_of(write(tmp_path, header + rows))
    assert where in message and rule in message


def test_missing_unit_defaults_before_mixing_check(tmp_path):
    # an empty compute_unit means 'relative', so it does not mix with an explicit 'relative'
    path = write(tmp_path, "curve,axis,compute,score,compute_unit\na,rl,1,0.2,\na,rl,2,0.3,"
                           "relative\n")
    assert set(read_observations(path)["compute_unit"]) == {"relative"}


def test_select_curves(tmp_path):
    obs = read_observations(EXAMPLE)
    only = select_curves(obs, ["toy-inference"], source="x.csv")
    assert set(only["curve"]) == {"toy-inference"}
    assert select_curves(obs, None) is obs
    with pytest.raises(RlscaleError) as exc:
        select_curves(obs, ["nope"], source="x.csv")
    assert str(exc.value) == "x.csv: no curve 'nope' (available: toy-inference, toy-rl)"


def test_bad_score_scale_and_source_type():
    assert "already in [0, 1]" in error_of("catalog:essay", score_scale="percent")
    with pytest.raises(RlscaleError, match="unknown score scale"):
        read_observations(EXAMPLE, score_scale="permille")
    with pytest.raises(RlscaleError, match="cannot read observations from a int"):
        read_observations(3)


def test_blank_lines_and_bom_are_tolerated(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "\na,rl,1,0.2\n\na,rl,10,0.4\n\n").encode())
    assert len(read_observations(path)) == 2


def test_nullable_dtypes_and_duplicate_frame_columns():
    frame = pd.DataFrame({"curve": ["a", "a"], "axis": ["rl", "rl"],
                          "compute": pd.array([1, None], dtype="Int64"), "score": [0.1, 0.2]})
    assert "row 2, column 'compute': compute is missing" in error_of(frame)
    frame["compute"] = pd.array([1, 2], dtype="Int64")
    frame["n"] = pd.array([5, None], dtype="Int64")
    obs = read_observations(frame)
    assert obs["n"].iloc[0] == 5 and math.isnan(obs["n"].iloc[1])
    twice = pd.DataFrame([["a", "rl", 1, 0.1, 0.2]],
                         columns=["curve", "axis", "compute", "score", "score"])
    assert "column 'score' appears more than once" in error_of(twice)


def test_huge_json_integer_is_not_finite(tmp_path):
    path = write(tmp_path, json.dumps([{"curve": "a", "axis": "rl", "compute": 10**400,
                                        "score": 0.1}]), "big.json")
    assert "compute must be a finite number" in error_of(path)


def test_parquet_decimal_compute(tmp_path):
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"curve": ["a", "a"], "axis": ["rl", "rl"],
                      "compute": pa.array([decimal.Decimal("1.5"), decimal.Decimal("15")]),
                      "score": [0.1, 0.3]})
    pq.write_table(table, tmp_path / "d.parquet")
    assert list(read_observations(tmp_path / "d.parquet")["compute"]) == [1.5, 15.0]


def test_semicolon_tab_and_capitalised_headers(tmp_path):
    semi = write(tmp_path, "Curve;Axis;Compute;Score\na;rl;1;0.2\na;rl;10;0.4\n", "semi.csv")
    obs = read_observations(semi)
    assert list(obs.columns[:4]) == ["curve", "axis", "compute", "score"]
    assert list(obs["compute"]) == [1.0, 10.0]
    tsv = write(tmp_path, "curve\taxis\tcompute\tscore\na\trl\t1\t0.2\n", "t.tsv")
    assert list(read_observations(tsv)["score"]) == [0.2]
    both = write(tmp_path, "curve,axis,compute,score,Score\na,rl,1,0.2,high\n", "both.csv")
    assert list(read_observations(both)["Score"]) == ["high"]  # both spellings: kept apart
    decimal_comma = write(tmp_path, "curve;axis;compute;score\na;rl;1;0,2\n", "dc.csv")
    assert "score '0,2' is not a number" in error_of(decimal_comma)
