"""The one loop over a table's curves serves a DataFrame and plain columns alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rlscale.data import read_observations
from rlscale.data.io import read_columns
from rlscale.errors import RlscaleError
from rlscale.fitting import fit_frame
from rlscale.fitting.columns import fit_columns

EXAMPLE = str(Path(__file__).resolve().parents[1] / "examples" / "rl-vs-inference.csv")


def _table(tmp_path) -> str:
    """The example plus a one-point curve (which no form can fit) between its two curves."""
    lines = Path(EXAMPLE).read_text(encoding="utf-8").splitlines()
    extra = "lone,rl,5.0,0.3,,,toy,toy,test,,one point"
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines[:9] + [extra] + lines[9:]) + "\n", encoding="utf-8")
    return str(path)


def _both(path, **kw):
    calls = {"frame": [], "columns": []}
    out = {}
    for name, run, table in (("frame", fit_frame, read_observations(path)),
                             ("columns", fit_columns, read_columns(path))):
        res = run(table, bootstrap=30, seed=4, on_error="collect",
                  progress=lambda k, t, c, name=name: calls[name].append((round(k, 6), t, c)), **kw)
        out[name] = res
    return out, calls


def test_collect_and_progress_are_the_same_for_frames_and_columns(tmp_path):
    path = _table(tmp_path)
    out, calls = _both(path)
    frame, columns = out["frame"], out["columns"]
    assert json.dumps(frame.to_dict()) == json.dumps(columns.to_dict())
    assert list(frame.errors) == ["lone"] and frame.errors == columns.errors
    order = list(dict.fromkeys(read_columns(path)["curve"]))   # the table's curve order
    assert sorted(order) == ["lone", "toy-inference", "toy-rl"]
    assert "'lone'" in frame.errors["lone"]
    assert [r.curve for r in frame] == [c for c in order if c != "lone"]
    assert calls["frame"] == calls["columns"]
    assert [c for k, _, c in calls["frame"] if k == int(k)] == order


def test_raise_stops_at_the_failing_curve_in_both(tmp_path):
    path = _table(tmp_path)
    for run, table in ((fit_frame, read_observations(path)), (fit_columns, read_columns(path))):
        with pytest.raises(RlscaleError, match="'lone'"):
            run(table, bootstrap=0)


@pytest.mark.parametrize("run, read", [(fit_frame, read_observations), (fit_columns, read_columns)])
def test_an_unknown_curve_id_is_one_line_naming_the_ones_there(run, read):
    with pytest.raises(RlscaleError, match="unknown curve id 'nope'; available: toy-inference, toy-rl$"):
        run(read(EXAMPLE), curves=["nope"], bootstrap=0)
