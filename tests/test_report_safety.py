"""``rlscale report`` against a hostile world: folders it did not write, unwritable places, a full
disk, hostile curve ids, derived curves, big inputs, and random flags and files."""

from __future__ import annotations

import errno
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from report_helpers import write_csv
from rlscale.cli import main


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def rows(rl="my-rl", inf="my-inf", *, prov_inf="measured", scale=1.0) -> list[dict]:
    out = []
    for k, c in enumerate([1, 3, 10, 30, 100]):
        out.append({"curve": rl, "axis": "rl", "compute": c, "score": (0.30 + 0.08 * k) * scale,
                    "n": 400, "provenance": "measured"})
        out.append({"curve": inf, "axis": "inference", "compute": c,
                    "score": (0.20 + 0.15 * k) * scale, "n": 400, "provenance": prov_inf})
    return out


def one_line_error(code: int, err: str) -> str:
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rlscale: error:"), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def data(tmp_path) -> Path:
    return write_csv(tmp_path / "obs.csv", rows())


@pytest.fixture(scope="module")
def own_report(tmp_path_factory) -> Path:
    """A report rlscale wrote of ``rows()`` (``--bootstrap 0``), made once for the module: a
    test that needs an existing report of its own copies it (a report takes ~1.5 s, mostly its
    figures)."""
    tmp = tmp_path_factory.mktemp("own-report")
    out = tmp / "rep"
    with pytest.raises(SystemExit) as exc:
        main(["report", str(write_csv(tmp / "obs.csv", rows())), "-o", str(out),
              "--bootstrap", "0"])
    assert exc.value.code == 0
    assert (out / ".rlscale-report").exists()
    return out


# ------------------------------------------------------------------ the destination folder

def test_folder_with_user_files_is_refused_and_untouched(tmp_path, data, capsys):
    site = tmp_path / "site"
    (site / "css").mkdir(parents=True)
    (site / "index.html").write_text("x\n")
    (site / "css" / "main.css").write_text("a\n")
    line = one_line_error(*run_cli(["report", data, "-o", site, "--bootstrap", "0"], capsys)[::2])
    assert "not written by rlscale" in line and "-o" in line
    assert (site / "css" / "main.css").read_text() == "a\n"
    assert (site / "index.html").read_text() == "x\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["obs.csv", "site"]


def test_own_report_with_a_user_file_added_is_refused(tmp_path, data, own_report, capsys):
    out = tmp_path / "rep"
    shutil.copytree(own_report, out)
    (out / "my-notes.txt").write_text("mine")
    line = one_line_error(*run_cli(["report", data, "-o", out, "--bootstrap", "0"], capsys)[::2])
    assert "my-notes.txt" in line
    assert (out / "my-notes.txt").read_text() == "mine"
    (out / "my-notes.txt").unlink()  # without it, the report is rlscale's own: replaced
    code, _, err = run_cli(["report", data, "-o", out, "--bootstrap", "0"], capsys)
    assert code == 0, err


@pytest.mark.parametrize("where", ["afile/sub", "afile/x/sub", "/proc/self/x"])
def test_unwritable_destination_fails_before_the_analysis(tmp_path, data, capsys, monkeypatch,
                                                          where):
    import rlscale.analysis

    if where.startswith("/proc") and not Path("/proc/self").is_dir():
        pytest.skip("no /proc on this system")
    (tmp_path / "afile").write_text("a file, not a folder")
    monkeypatch.setattr(rlscale.analysis, "analyse",
                        lambda *a, **k: pytest.fail("the analysis ran before -o was checked"))
    out = where if where.startswith("/") else tmp_path / where
    line = one_line_error(*run_cli(["report", data, "-o", out], capsys)[::2])
    assert "-o" in line or "not a directory" in line
    assert (tmp_path / "afile").read_text() == "a file, not a folder"


def test_read_only_parent_fails_before_the_analysis(tmp_path, data, capsys, monkeypatch):
    import tempfile

    import rlscale.analysis

    parent = tmp_path / "ro"
    parent.mkdir()
    real = tempfile.mkdtemp

    def mkdtemp(*a, dir=None, **k):  # what a read-only folder does (root ignores chmod)
        if dir is not None and Path(dir) == parent:
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(rlscale.analysis, "analyse",
                        lambda *a, **k: pytest.fail("the analysis ran before -o was checked"))
    line = one_line_error(*run_cli(["report", data, "-o", parent / "rep"], capsys)[::2])
    assert str(parent) in line and "Permission denied" in line


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_parent_for_real(tmp_path, data, capsys):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        one_line_error(*run_cli(["report", data, "-o", parent / "rep"], capsys)[::2])
    finally:
        parent.chmod(0o755)


@pytest.mark.parametrize("failing", ["index.html", "results.json"])
def test_disk_full_names_the_file_and_keeps_the_old_report(tmp_path, data, own_report, capsys,
                                                           monkeypatch, failing):
    out = tmp_path / "rep"
    shutil.copytree(own_report, out)  # the old report: one rlscale wrote of the same data
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = Path.write_text

    def write_text(self, *a, **k):
        if self.name == failing:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "write_text", write_text)
    line = one_line_error(*run_cli(["report", data, "-o", out, "--bootstrap", "0"], capsys)[::2])
    assert str(out / failing) in line and "No space left on device" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["obs.csv", "rep"]


# ------------------------------------------------------------------ flags

def test_score_scale_is_the_one_spelling(tmp_path, capsys):
    pct = write_csv(tmp_path / "pct.csv", rows(scale=100.0))
    code, _, err = run_cli(["report", pct, "-o", tmp_path / "a", "--bootstrap", "0"], capsys)
    assert "--score-scale percent" in one_line_error(code, err)
    code, _, err = run_cli(["report", pct, "-o", tmp_path / "b", "--bootstrap", "0",
                            "--score-scale", "percent"], capsys)
    assert code == 0, err
    res = json.loads((tmp_path / "b" / "results.json").read_text())
    assert res["settings"]["score_scale"] == "percent"
    assert max(o["score"] for o in res["observations"]) <= 1
    code, _, err = run_cli(["report", pct, "-o", tmp_path / "c", "--score-scale", "tenths"],
                           capsys)
    assert "--score-scale" in one_line_error(code, err)
    code, _, err = run_cli(["report", pct, "-o", tmp_path / "d", "--percent"], capsys)
    one_line_error(code, err)
    code, _, err = run_cli(["report", pct, "-o", tmp_path / "e", "--seed", "-1"], capsys)
    assert "--seed" in one_line_error(code, err)


# ------------------------------------------------------------------ inert text

HOSTILE = ("$\\frac{1}{$", "[/bold]", "![t](https://evil.example/p.png)")


def test_hostile_curve_ids_are_shown_literally(tmp_path, capsys):
    data = write_csv(tmp_path / "evil.csv",
                     rows(rl=HOSTILE[0], inf=HOSTILE[1]) + rows(rl=HOSTILE[2], inf="[link=x]y"))
    out = tmp_path / "rep"
    code, stdout, err = run_cli(["report", data, "-o", out, "--bootstrap", "20"], capsys)
    assert code == 0, err
    assert "\x1b" not in stdout
    for curve in (*HOSTILE, "[link=x]y"):
        assert curve in stdout.replace("\n", "")  # rich folds long cells; the text is intact
    md = (out / "report.md").read_text()
    assert "![t](" not in md and "](https://evil" not in md
    assert "\\!\\[t\\]\\(https://evil.example/p.png\\)" in md
    for svg in out.glob("*.svg"):
        ET.parse(svg)  # valid XML


def test_markdown_escapes_specials_and_control_characters():
    from rlscale.report.markdown import _md

    assert _md("a|b") == "a\\|b"
    assert _md("<img src=x>&") == "&lt;img src=x&gt;&amp;"
    assert _md("*x* _y_ `z`") == "\\*x\\* \\_y\\_ \\`z\\`"
    assert _md("e\x1b[31m") == "e\\\\x1b\\[31m"
    assert _md("- item") == "\\- item"
    assert _md("o1-rl 0.55") == "o1-rl 0.55"


def test_terminal_text_is_inert():
    from rich.console import Console

    from rlscale.fmt import inert as _inert

    con = Console(record=True, width=200, force_terminal=True)
    con.print(_inert("[bold red]x[/bold red] [link=http://e]y[/link] \x1b]0;title\x07 \u202e"))
    text = con.export_text()
    assert "[bold red]x[/bold red]" in text and "[link=http://e]y[/link]" in text
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b" in text and "\\u202e" in text


# ------------------------------------------------------------------ independence, ledger, caps

def test_derived_curves_are_not_independent_pairs(tmp_path, capsys):
    data = write_csv(tmp_path / "d.csv", rows(prov_inf="derived") + rows("rl2", "inf2"))
    out = tmp_path / "rep"
    code, stdout, err = run_cli(["report", data, "-o", out, "--bootstrap", "20"], capsys)
    assert code == 0, err
    res = json.loads((out / "results.json").read_text())
    indep = {(c["rl"], c["inference"]): c["independent"] for c in res["comparisons"]}
    assert indep[("my-rl", "my-inf")] is False and indep[("rl2", "inf2")] is True
    assert indep[("my-rl", "inf2")] is True
    assert res["headline"]["pairs"] == 4 and res["headline"]["independent_pairs"] == 2
    assert (res["headline"]["rl"], res["headline"]["inference"]) != ("my-rl", "my-inf")
    assert "4 RL/inference pairs compared" in stdout and "2 of them independent" in stdout
    assert "2 of them independent" in (out / "report.md").read_text()
    assert "2 of them independent" in (out / "index.html").read_text()


def test_ledger_and_breakeven_use_the_reports_own_evidence(tmp_path, monkeypatch):
    import rlscale.econ.evidence as evidence
    from rlscale.analysis import analyse
    from rlscale.econ.claims import ledger

    calls = []
    real = evidence.slope_evidence

    def spy(*a, **k):
        calls.append(k)
        return real(*a, **k)

    monkeypatch.setattr(evidence, "slope_evidence", spy)
    res = analyse(["catalog:essay"], bootstrap=10, seed=7)
    assert len(calls) == 1 and calls[0]["seed"] == 7 and calls[0]["form"] == "loglinear"
    assert {"o1-rl", "o1-inference", "o1-o3-rl"} <= set(calls[0]["fits"].keys())
    ev = real(fits=calls[0]["fits"])
    assert res["claims"] == [c.to_dict() for c in ledger(evidence=ev)]
    be = res["economics"]["breakeven"]
    assert be["slope_ratio"] == pytest.approx(ev.working_ratio)
    assert be["slope_ratio_source"] == ev.working_source == res["evidence"]["working_source"]
    data = write_csv(tmp_path / "obs.csv", rows())
    calls.clear()
    analyse([str(data)], bootstrap=10, seed=7)
    assert calls[0]["fits"] is None and calls[0]["seed"] == 7  # not the user's curves


def test_a_form_the_essay_cannot_take_changes_the_fits_and_says_so(tmp_path):
    from rlscale.analysis import analyse

    data = write_csv(tmp_path / "obs.csv", rows())
    base = analyse([str(data), "catalog:essay"], bootstrap=10, seed=0)
    other = analyse([str(data), "catalog:essay"], bootstrap=10, seed=0, form="exp_powerlaw")
    assert {f["form"] for f in other["fits"]} == {"exp_powerlaw"}
    assert base["fits"][0]["slope_per_decade"] != other["fits"][0]["slope_per_decade"]
    note = [w for w in other["warnings"] if w.startswith("claims and break-even")]
    assert note and "exp_powerlaw" in note[0] and "loglinear" in note[0]
    assert other["claims"] == base["claims"]  # two-point essay curves: only loglinear fits them


def test_observation_records_are_capped_per_curve():
    import numpy as np
    import pandas as pd

    from rlscale.analysis.observations import observation_records

    df = pd.DataFrame({"curve": np.repeat(["a", "b", "c"], [600, 300, 100]),
                       "compute": np.tile(np.arange(1.0, 101.0), 10), "score": 0.5,
                       "n": np.nan})
    recs = observation_records(df, cap=100)
    assert 90 <= len(recs) <= 110
    by = {c: [r for r in recs if r["curve"] == c] for c in "abc"}
    assert len(by["a"]) > len(by["b"]) > len(by["c"]) >= 2
    first_last = df.groupby("curve")["compute"].agg(["first", "last"])
    for c, rs in by.items():
        assert (rs[0]["compute"], rs[-1]["compute"]) == tuple(first_last.loc[c])
    assert all(r["err_low"] is None for r in recs)
    assert len(observation_records(df, cap=5000)) == 1000


@pytest.mark.slow
def test_big_file_results_json_is_capped_and_says_so(tmp_path, capsys):
    from rlscale.analysis import MAX_OBSERVATION_RECORDS

    big = []
    for k in range(3 * MAX_OBSERVATION_RECORDS // 2):
        c = 10 ** (2 * k / (3 * MAX_OBSERVATION_RECORDS // 2))
        big.append({"curve": "r" if k % 2 else "i", "axis": "rl" if k % 2 else "inference",
                    "compute": c, "score": 0.4 + 0.1 * (k % 7) / 7, "n": 50})
    data = write_csv(tmp_path / "big.csv", big)
    out = tmp_path / "rep"
    code, _, err = run_cli(["report", data, "-o", out, "--bootstrap", "5"], capsys)
    assert code == 0, err
    res = json.loads((out / "results.json").read_text())
    assert res["observations_total"] == len(big)
    assert len(res["observations"]) <= MAX_OBSERVATION_RECORDS + 2
    assert "evenly spaced sample" in (out / "report.md").read_text()
    assert "evenly spaced sample" in (out / "index.html").read_text()


# ------------------------------------------------------------------ random flags and files

@pytest.mark.slow
def test_random_flags_and_files_never_give_a_traceback(tmp_path_factory, capsys):
    """``rlscale report`` with random flags on small random or malformed files: exit 0 or 2,
    and a failure is exactly one line on stderr."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    cell = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**6),
                     st.text(max_size=8), st.sampled_from(["rl", "inference", "", "derived"]))
    row = st.fixed_dictionaries({"curve": st.sampled_from(["a", "b", "$x$", "[/b]"]),
                                 "axis": st.sampled_from(["rl", "inference", "pretrain", "up"]),
                                 "compute": cell, "score": cell, "n": cell,
                                 "provenance": st.sampled_from(["measured", "derived", "x", ""])})
    flags = st.lists(st.sampled_from([["--bootstrap", "0"], ["--bootstrap", "7"],
                                      ["--bootstrap", "-3"], ["--seed", "5"], ["--seed", "x"],
                                      ["--form", "auto"], ["--form", "logistic"],
                                      ["--form", "nope"], ["--score-scale", "percent"],
                                      ["--score-scale", "bad"], ["--json"]]), max_size=3)

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(rows_=st.lists(row, max_size=12), fl=flags,
           kind=st.sampled_from(["garbage", "random", "valid", "valid+random"]))
    def check(rows_, fl, kind):
        tmp = tmp_path_factory.mktemp("hyp")
        data = tmp / "d.csv"
        if kind == "garbage":
            data.write_bytes(b"curve,axis\n\x00\xff,\"unclosed\n")
        else:
            good = rows() if kind.startswith("valid") else []
            write_csv(data, good + (rows_ if kind != "valid" else []) or [{"curve": "a"}])
        with pytest.raises(SystemExit) as exc:
            main(["report", str(data), "-o", str(tmp / "rep"), *[f for f in fl for f in f]])
        _out, err = capsys.readouterr()
        assert exc.value.code in (0, 2), err
        assert "Traceback" not in err
        if exc.value.code == 2:
            assert len(err.splitlines()) == 1 and err.startswith("rlscale: error:"), err

    check()
