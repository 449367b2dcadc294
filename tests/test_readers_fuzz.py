"""Fuzz the readers: any input gives a valid observation table or one RlscaleError line.

Nothing else may escape (no KeyError, ValueError, UnicodeError, pandas or csv errors), and the
CLI must turn every outcome into exit 0 or exit 2 with exactly one stderr line.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlscale.cli import main
from rlscale.data import AXES, COLUMNS, COMPUTE_UNITS, PROVENANCES, read_observations
from rlscale.errors import RlscaleError

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Cells that are sometimes valid and sometimes not, so both outcomes are exercised.
number_cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-5, 10**6).map(str),
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e400", "0", "0.5", "1", "1.0", "abc",
                     "1,5", "1_000", "0x10", "+.5", " 0.25 "]),
)
text_cells = st.one_of(st.sampled_from(["", "a", "b", "rl", "RL", "inference", "pretrain",
                                        "samples", "flop", "table", "bogus", "x\ny", "\r",
                                        "\t", '"', "\x00"]),
                       st.text(max_size=8))
COLUMN_CELLS = {
    "curve": st.one_of(st.sampled_from(["a", "b", "", " a "]), st.text(max_size=4)),
    "axis": st.one_of(st.sampled_from(list(AXES) + ["Inference", "x", ""]), text_cells),
    "compute": number_cells,
    "score": number_cells,
    "compute_unit": st.one_of(st.sampled_from(list(COMPUTE_UNITS) + ["", "hours"]), text_cells),
    "n": number_cells,
    "provenance": st.one_of(st.sampled_from(list(PROVENANCES) + [""]), text_cells),
    "note": text_cells,
    "extra": text_cells,
}


VALID_CELLS = {
    "compute": st.one_of(st.floats(1e-3, 1e12).map(repr), st.integers(1, 10**6).map(str)),
    "score": st.floats(0, 1).map(repr),
    "compute_unit": st.sampled_from(["samples", " samples", "SAMPLES"]),
    "n": st.one_of(st.just(""), st.integers(1, 1000).map(str)),
    "provenance": st.sampled_from(list(PROVENANCES) + [""]),
    "note": text_cells,
    "extra": text_cells,
}
CURVE_AXIS = {"a": "rl", "b": "inference", "c": "pretrain"}


@st.composite
def csv_tables(draw) -> str:
    """CSV text: half the tables are clean (they must read), the rest have random damage."""
    names = draw(st.lists(st.sampled_from(list(COLUMN_CELLS)), min_size=1, max_size=9,
                          unique=True))
    clean = draw(st.booleans())
    if clean or draw(st.booleans()):  # usually include the required columns
        names = list(dict.fromkeys(["curve", "axis", "compute", "score"] + names))
    damage = 0.0 if clean else draw(st.floats(0.0, 0.5))
    rows = []
    for _ in range(draw(st.integers(0 if not clean else 1, 8))):
        curve = draw(st.sampled_from(sorted(CURVE_AXIS)))
        row = []
        for name in names:
            if draw(st.floats(0, 1)) < damage:
                row.append(draw(COLUMN_CELLS[name]))
            elif name == "curve":
                row.append(curve)
            elif name == "axis":
                row.append(CURVE_AXIS[curve])
            else:
                row.append(draw(VALID_CELLS[name]))
        rows.append(row)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(names)
    writer.writerows(rows)
    return buf.getvalue()


def check_frame(obs) -> None:
    """The invariants every successfully read table satisfies."""
    assert list(obs.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert obs["axis"].isin(AXES).all()
    assert obs["compute_unit"].isin(COMPUTE_UNITS).all()
    assert obs["provenance"].isin(PROVENANCES + ("",)).all()
    assert (obs["compute"] > 0).all() and obs["compute"].map(math.isfinite).all()
    assert obs["score"].between(0, 1).all()
    assert (obs["curve"].str.len() > 0).all()
    assert not obs.duplicated(["curve", "compute"]).any()
    assert (obs.groupby("curve")["axis"].nunique() == 1).all()
    n = obs["n"].dropna()
    assert (n > 0).all()
    assert list(obs.index) == list(range(len(obs)))
    keys = list(zip(obs["curve"], obs["compute"]))
    assert keys == sorted(keys)


def read_or_error(path: Path, **kwargs):
    try:
        obs = read_observations(path, **kwargs)
    except RlscaleError as exc:
        message = str(exc)
        assert message and "\n" not in message and str(path) in message
        return None
    check_frame(obs)
    return obs


@pytest.mark.slow
@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".json", ".parquet"]))
def test_random_bytes(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        read_or_error(path)


@pytest.mark.slow
@FUZZ
@given(text=csv_tables(), scale=st.sampled_from(["unit", "percent"]))
def test_random_csv_rows(text, scale):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_text(text, encoding="utf-8")
        read_or_error(path, score_scale=scale)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=6),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5),
                                                                      children, max_size=3),
    max_leaves=10)


@st.composite
def json_records(draw) -> list:
    """Records that are mostly well-formed (one axis per curve), with random JSON values mixed in."""
    records = []
    clean = draw(st.booleans())  # clean documents must read; the others mix in random values
    scalar = st.none() | st.floats(0, 1e3) | st.integers(1, 99) | st.text(max_size=6)
    extra = scalar if clean else json_values
    for _ in range(draw(st.integers(1 if clean else 0, 6))):
        curve = draw(st.sampled_from(["a", "b"]))
        compute, score = st.floats(0.001, 1e6), st.floats(0, 1)
        if not clean:
            compute, score = compute | json_values, score | json_values
        rec = {"curve": curve,
               "axis": CURVE_AXIS[curve] if clean or draw(st.integers(0, 9)) else draw(extra),
               "compute": draw(compute), "score": draw(score)}
        for key in draw(st.lists(st.sampled_from(["note", "model", "x"]), unique=True)):
            rec[key] = draw(extra)
        if draw(st.booleans()):
            rec["n"] = draw(st.integers(1, 500) if clean else json_values)
        records.append(rec)
    return records


@pytest.mark.slow
@FUZZ
@given(doc=st.one_of(json_values, json_records(),
                     json_records().map(lambda r: {"observations": r})))
def test_random_json(doc):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        read_or_error(path)


@pytest.mark.slow
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=csv_tables())
def test_cli_never_shows_a_traceback(text, capsys):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SystemExit) as exc:
            main(["fit", str(path), "--bootstrap", "0", "--json"])
        out, err = capsys.readouterr()
    assert exc.value.code in (0, 2)
    if exc.value.code == 2:
        assert out == "" and len(err.splitlines()) == 1 and "Traceback" not in err
    else:
        assert "fits" in json.loads(out)


@pytest.mark.slow
@FUZZ
@given(records=json_records(), nullable=st.booleans())
def test_random_dataframe(records, nullable):
    import pandas as pd

    frame = pd.DataFrame(records)
    if nullable and "n" in frame:
        frame["n"] = pd.to_numeric(frame["n"], errors="coerce").astype("Float64")
    try:
        obs = read_observations(frame)
    except RlscaleError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("DataFrame")
        return
    check_frame(obs)
