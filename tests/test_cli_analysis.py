"""``rlscale fit/compare/exchange`` as a user sees them: exit codes, stderr lines, JSON schemas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rlscale.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "rl-vs-inference.csv")
HEADER = "curve,axis,compute,score\n"
GOOD = "a,rl,1,0.2\na,rl,10,0.4\na,rl,100,0.6\n"


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def _make_run_dir(tmp: Path, with_obs: bool) -> Path:
    run_dir = tmp / "run"
    run_dir.mkdir()
    (run_dir / "rlscale-run.json").write_text('{"status": "failed"}', encoding="utf-8")
    if with_obs:
        (run_dir / "observations.csv").write_text(HEADER + GOOD, encoding="utf-8")
    return run_dir


# (case id, file name, file content (str, bytes or None = do not create), extra CLI args,
#  text the one error line must contain)
BAD_INPUTS = [
    ("missing-file", "nope.csv", None, [], "nope.csv: file not found"),
    ("empty-file", "e.csv", "", [], "file is empty"),
    ("blank-file", "e.csv", "\n  \n\n", [], "file is empty"),
    ("utf16", "u.csv", (HEADER + GOOD).encode("utf-16"), [], "unreadable encoding"),
    ("latin1", "l.csv", (HEADER.strip() + ",benchmark\na,rl,1,0.2,caf\xe9\n").encode("latin-1"),
     [], "unreadable encoding: not UTF-8"),
    ("binary-garbage", "g.csv", bytes(range(256)) * 4, [], "unreadable encoding"),
    ("missing-required-column", "m.csv", "curve,axis,compute\na,rl,1\n", [],
     "missing required column 'score'"),
    ("header-only", "h.csv", HEADER, [], "no data rows"),
    ("non-numeric-compute", "c.csv", HEADER + "a,rl,1,0.2\na,rl,lots,0.3\n", [],
     "row 2, column 'compute': compute 'lots' is not a number"),
    ("non-finite-compute", "c.csv", HEADER + "a,rl,inf,0.2\n", [],
     "row 1, column 'compute': compute must be a finite number"),
    ("non-numeric-score", "s.csv", HEADER + "a,rl,1,high\n", [],
     "row 1, column 'score': score 'high' is not a number"),
    ("non-finite-score", "s.csv", HEADER + "a,rl,1,0.2\na,rl,2,nan\n", [],
     "row 2, column 'score': score must be a finite number"),
    ("missing-compute", "c.csv", HEADER + "a,rl,,0.2\n", [], "row 1, column 'compute': compute is missing"),
    ("compute-zero", "c.csv", HEADER + "a,rl,1,0.2\na,rl,0,0.3\n", [],
     "row 2, column 'compute': compute must be > 0"),
    ("compute-negative", "c.csv", HEADER + "a,rl,-10,0.3\n", [], "compute must be > 0"),
    ("score-above-1", "s.csv", HEADER + "a,rl,1,0.2\na,rl,10,45\n", [],
     "row 2, column 'score': score 45 is outside [0, 1]; use --score-scale percent"),
    ("score-negative", "s.csv", HEADER + "a,rl,1,-0.1\n", [], "outside [0, 1]"),
    ("percent-above-100", "s.csv", HEADER + "a,rl,1,20\na,rl,10,150\n",
     ["--score-scale", "percent"], "row 2, column 'score': score 150 is outside [0, 100]"),
    ("unknown-axis", "a.csv", HEADER + "a,rl,1,0.2\na,training,10,0.3\n", [],
     "row 2, column 'axis': unknown axis 'training' (use one of: rl, inference, pretrain)"),
    ("missing-axis", "a.csv", HEADER + "a,,1,0.2\n", [], "row 1, column 'axis': axis is missing"),
    ("unknown-compute-unit", "u.csv", "curve,axis,compute,score,compute_unit\na,rl,1,0.2,hours\n",
     [], "row 1, column 'compute_unit': unknown compute_unit 'hours'"),
    ("unknown-provenance", "p.csv", "curve,axis,compute,score,provenance\na,rl,1,0.2,blog\n", [],
     "column 'provenance': unknown provenance 'blog'"),
    ("n-zero", "n.csv", "curve,axis,compute,score,n\na,rl,1,0.2,10\na,rl,2,0.3,0\n", [],
     "row 2, column 'n': n (graded attempts behind the score) must be a positive number"),
    ("n-negative", "n.csv", "curve,axis,compute,score,n\na,rl,1,0.2,-4\n", [], "column 'n'"),
    ("n-not-number", "n.csv", "curve,axis,compute,score,n\na,rl,1,0.2,many\n", [],
     "n 'many' is not a number"),
    ("empty-curve-id", "i.csv", HEADER + " ,rl,1,0.2\n", [], "column 'curve': curve id is empty"),
    ("duplicate-curve-compute", "d.csv", HEADER + "a,rl,1,0.2\na,rl,10,0.3\na,rl,1,0.25\n", [],
     "row 3, column 'compute': duplicate compute 1 for curve 'a' (also row 1)"),
    ("curve-mixes-axes", "x.csv", HEADER + "a,rl,1,0.2\na,inference,10,0.3\n", [],
     "row 2, column 'axis': curve 'a' mixes axes"),
    ("curve-mixes-units", "x.csv",
     "curve,axis,compute,score,compute_unit\na,rl,1,0.2,flop\na,rl,10,0.3,gpu_hours\n", [],
     "row 2, column 'compute_unit': curve 'a' mixes compute units"),
    ("unknown-curve-id", "ok.csv", HEADER + GOOD, ["--curve", "zzz"],
     "no curve 'zzz' (available: a)"),
    ("unknown-extension", "data.xlsx", HEADER + GOOD, [], "unknown file type '.xlsx'"),
    ("malformed-json", "bad.json", '[{"curve": "a", "axis": "rl"', [], "malformed JSON"),
    ("json-not-a-list", "obj.json", '{"curve": "a"}', [], "expected a JSON list of records"),
    ("json-row-not-object", "rows.json", '[{"curve": "a", "axis": "rl", "compute": 1, '
     '"score": 0.2}, 7]', [], "row 2: expected a JSON object"),
    ("json-bool-compute", "b.json", '[{"curve": "a", "axis": "rl", "compute": true, '
     '"score": 0.2}]', [], "compute 'true' is not a number"),
    ("bad-parquet", "bad.parquet", b"PAR1 this is not parquet", [], "not a readable Parquet file"),
    ("ragged-row", "r.csv", HEADER + "a,rl,1,0.2\na,rl,10\n", [],
     "row 2: has 3 fields but the header has 4"),
    ("duplicate-header", "dh.csv", "curve,axis,compute,score,score\na,rl,1,0.2,0.3\n", [],
     "column 'score' appears more than once"),
    ("bad-score-scale", "ok.csv", HEADER + GOOD, ["--score-scale", "permille"],
     "--score-scale: unknown value 'permille'"),
    ("unknown-catalog-id", None, "catalog:nope", [],
     "unknown catalog id 'nope' (available: essay"),
    ("catalog-parametric", None, "catalog:scalerl", [], "holds parametric curves"),
    ("dir-not-a-run", "adir", "DIR", [], "is a directory but not an rlscale run directory"),
    ("run-without-observations", "run", "RUN", [], "no observations.csv yet (run status: failed)"),
]


def _materialise(tmp_path: Path, name, content) -> str:
    if name is None:          # a catalog source, no file
        return content
    path = tmp_path / name
    if content == "DIR":
        path.mkdir()
    elif content == "RUN":
        path = _make_run_dir(tmp_path, with_obs=False)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    return str(path)


def _tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.mark.parametrize("case, name, content, args, expected", BAD_INPUTS,
                         ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_gives_one_line_and_exit_2(tmp_path, monkeypatch, capsys, case, name,
                                             content, args, expected):
    source = _materialise(tmp_path, name, content)
    monkeypatch.chdir(tmp_path)
    before = _tree(tmp_path)
    code, out, err = run(["fit", source, *args, "--bootstrap", "20"], capsys)
    assert code == 2, (case, out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rlscale: error: ")
    assert "Traceback" not in err
    assert expected in lines[0], lines[0]
    assert _tree(tmp_path) == before  # nothing written


@pytest.mark.parametrize("command", ["compare", "exchange"])
def test_bad_input_through_compare_and_exchange(tmp_path, capsys, command):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "a,rl,1,0.2\na,rl,10,45\n", encoding="utf-8")
    extra = ["--factor", "10"] if command == "exchange" else []
    code, out, err = run([command, path, "--rl", "a", "--inference", "b", *extra], capsys)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "use --score-scale percent" in err


def test_compare_unknown_curve_lists_ids(capsys):
    code, out, err = run(["compare", EXAMPLE, "--rl", "toy-rl", "--inference", "nope"], capsys)
    assert (code, out) == (2, "")
    assert "no curve 'nope' (available: toy-inference, toy-rl)" in err


@pytest.mark.parametrize("args, expected", [
    (["--ratio", "0", "--factor", "10"], "--ratio 0.0: must be > 0"),
    (["--ratio", "0.5", "--factor", "-1"], "--factor -1.0: must be > 0"),
    (["--ratio", "0.5", "--factor", "10", "--from", "training"], "--from: unknown value"),
    (["--factor", "10"], "give --ratio R"),
    (["--ratio", "0.5", "--factor", "10", "--rl", "a"], "need DATA"),
    (["--ratio", "abc", "--factor", "10"], "Invalid value for '--ratio'"),
])
def test_exchange_bad_flags(capsys, args, expected):
    code, out, err = run(["exchange", *args], capsys)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and expected in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# JSON schemas

def _estimate(doc):
    assert set(doc) >= {"value", "ci_low", "ci_high"}
    return doc


def test_fit_json_schema(capsys):
    code, out, err = run(["fit", EXAMPLE, "--curve", "toy-rl", "--bootstrap", "200", "--json"],
                         capsys)
    assert code == 0
    doc = json.loads(out)  # exactly one JSON document
    assert list(doc) == ["fits"] and len(doc["fits"]) == 1
    fit = doc["fits"][0]
    assert fit["curve"] == "toy-rl" and fit["form"] == "loglinear" and fit["n_points"] == 8
    assert isinstance(fit["warnings"], list)
    slope = _estimate(fit["slope_per_decade"])
    assert slope["ci_low"] < 0.15 < slope["ci_high"]  # the example's true slope
    for est in fit["params"].values():
        _estimate(est)


def test_fit_all_curves_and_seed_reproducible(capsys):
    args = ["fit", EXAMPLE, "--bootstrap", "100", "--seed", "3", "--json"]
    first = json.loads(run(args, capsys)[1])
    second = json.loads(run(args, capsys)[1])
    assert first == second
    assert [f["curve"] for f in first["fits"]] == ["toy-inference", "toy-rl"]


def test_fit_percent_scale_and_window(capsys):
    percent = str(ROOT / "examples" / "percent-scores.csv")
    code, out, _ = run(["fit", percent, "--score-scale", "percent", "--min-compute", "100",
                        "--at-score", "50", "--bootstrap", "50", "--json"], capsys)
    fit = json.loads(out)["fits"][0]
    assert code == 0 and fit["n_points"] == 6 and fit["at_score"] == pytest.approx(0.5)


def test_fit_human_output(capsys):
    code, out, err = run(["fit", EXAMPLE, "--curve", "toy-rl", "--bootstrap", "100"], capsys)
    assert code == 0 and "toy-rl" in out and "pp/decade" in out


def test_compare_json_schema_and_truth(capsys):
    code, out, _ = run(["compare", EXAMPLE, "--rl", "toy-rl", "--inference", "toy-inference",
                        "--bootstrap", "300", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    ratio = _estimate(doc["slope_ratio"])
    assert ratio["ci_low"] < 0.5 < ratio["ci_high"]  # true ratio 15/30
    _estimate(doc["rl_oom_per_inference_oom"])
    factors = [e["inference_factor"] for e in doc["equivalents"]]
    assert factors == [3, 10, 30, 100, 1000]
    assert all({"inference_factor", "rl_factor"} <= set(e) for e in doc["equivalents"])


def test_compare_human_headline(capsys):
    code, out, _ = run(["compare", "catalog:essay", "--rl", "o1-rl", "--inference",
                        "o1-inference"], capsys)
    assert code == 0
    assert "RL slope / inference slope = 0.55" in out  # 16.5 / 30 pp per decade
    assert "no interval" in out  # two points per curve: no honest interval to give


def test_exchange_prints_3_16(capsys):
    code, out, err = run(["exchange", "--ratio", "0.5", "--factor", "10", "--from", "rl",
                          "--to", "inference"], capsys)
    assert code == 0 and "3.16x inference" in out


def test_exchange_json_schema(capsys):
    code, out, _ = run(["exchange", "--ratio", "0.5", "--factor", "1e6", "--to", "pretrain",
                        "--json"], capsys)
    doc = json.loads(out)
    assert {"factor", "from", "to", "equivalent_factor", "ratio"} <= set(doc)
    assert doc["from"] == "rl" and doc["to"] == "pretrain"
    assert doc["equivalent_factor"] == pytest.approx(100.0)  # 6 RL OOM = 3 inf OOM = 2 pre OOM
    code, out, _ = run(["exchange", "--ratio", "0.5", "--factor", "100", "--from", "pretrain",
                        "--to", "inference", "--pretrain-rate", "2", "--json"], capsys)
    assert json.loads(out)["equivalent_factor"] == pytest.approx(1e4)


def test_exchange_from_fitted_ratio(capsys):
    code, out, _ = run(["exchange", EXAMPLE, "--rl", "toy-rl", "--inference", "toy-inference",
                        "--factor", "10", "--bootstrap", "200", "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["ratio_source"].startswith("fitted")
    assert doc["equivalent_factor"] == pytest.approx(10 ** doc["ratio"])
    assert doc["equivalent_factor_ci_low"] < doc["equivalent_factor"] < (
        doc["equivalent_factor_ci_high"])


def test_fit_on_run_directory(tmp_path, capsys):
    run_dir = _make_run_dir(tmp_path, with_obs=True)
    code, out, _ = run(["fit", run_dir, "--bootstrap", "0", "--json"], capsys)
    assert code == 0 and json.loads(out)["fits"][0]["curve"] == "a"


# ---------------------------------------------------------------------------------------------
# import weight

HEAVY = ("torch", "scipy", "pandas", "matplotlib")


def _modules_after(code: str) -> set[str]:
    probe = (f"import sys\n{code}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"}, timeout=120)
    assert res.returncode == 0, res.stderr
    return {m for m in res.stdout.strip().split(",") if m}


def test_import_rlscale_is_light():
    assert _modules_after("import rlscale; import rlscale.cli; rlscale.cli.build_app()") == set()


def test_fit_through_python_api_does_not_load_torch():
    loaded = _modules_after(f"import rlscale\nfits = rlscale.fit({EXAMPLE!r}, bootstrap=50)\n"
                            "rlscale.compare(fits['toy-rl'], fits['toy-inference'])")
    assert "torch" not in loaded and "matplotlib" not in loaded


def test_compare_with_a_form_per_axis(capsys):
    base = ["compare", EXAMPLE, "--rl", "toy-rl", "--inference", "toy-inference",
            "--bootstrap", "100", "--json"]
    same = json.loads(run(base, capsys)[1])
    explicit = json.loads(run(base + ["--rl-form", "loglinear", "--inference-form", "loglinear"],
                              capsys)[1])
    assert same == explicit  # per-curve seeding: fitting one at a time changes nothing
    mixed = json.loads(run(base + ["--inference-form", "logistic"], capsys)[1])
    assert mixed["slope_ratio"]["value"] != same["slope_ratio"]["value"]
    code, out, err = run(base + ["--rl-form", "nope"], capsys)
    assert (code, out) == (2, "") and "unknown form 'nope'" in err


def test_compare_headline_says_when_the_ratio_interval_includes_zero(tmp_path, capsys):
    # a flat RL curve (scores wobble around 0.5) against a steep inference curve
    rows = ["curve,axis,compute,score,n"]
    for i, s in enumerate([0.50, 0.53, 0.47, 0.51, 0.49, 0.52]):
        rows.append(f"flat-rl,rl,{10 ** i},{s},100")
    for i, s in enumerate([0.20, 0.32, 0.50, 0.62, 0.80]):
        rows.append(f"steep-inf,inference,{10 ** (i / 2)},{s},100")
    path = tmp_path / "flat.csv"
    path.write_text("\n".join(rows) + "\n")
    code, out, err = run(["compare", str(path), "--rl", "flat-rl", "--inference", "steep-inf",
                          "--bootstrap", "400"], capsys)
    assert code == 0, err
    headline = " ".join(out.split())
    assert "interval includes zero" in headline and "RL slope / inference slope =" not in headline
    assert "orders of magnitude of RL compute" not in headline


# ---------------------------------------------------------------------------------------------
# Fast start: the fit path reads plain columns and loads no pandas, with identical results

@pytest.mark.parametrize("source, form", [("examples/rl-vs-inference.csv", "loglinear"),
                                          ("examples/rl-vs-inference.json", "logistic"),
                                          ("catalog:essay", "auto")])
def test_fit_command_gives_what_the_api_gives(capsys, source, form):
    import rlscale

    src = source if source.startswith("catalog:") else str(ROOT / source)
    code, out, err = run(["fit", src, "--form", form, "--bootstrap", "50", "--seed", "3",
                          "--json"], capsys)
    assert code == 0, err
    api = rlscale.fit(src, form=form, bootstrap=50, seed=3).to_dict()
    assert json.loads(out) == json.loads(json.dumps(api, allow_nan=False))


def _top_modules_after(code: str) -> set[str]:
    import subprocess
    import sys as _sys

    probe = (f"import sys\n{code}\n"
             "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    proc = subprocess.run([_sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def _cli(args: list[str]) -> str:
    return ("from rlscale.cli import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit as e:\n    assert e.code == 0, e.code")


@pytest.mark.parametrize("code, absent", [
    ("import rlscale.cli", {"pandas", "scipy", "matplotlib", "numpy"}),
    (_cli(["exchange", "--ratio", "0.5", "--factor", "10"]), {"pandas", "scipy", "numpy"}),
    (_cli(["catalog", "list"]), {"pandas", "scipy", "matplotlib"}),
    (_cli(["fit", "examples/rl-vs-inference.csv", "-b", "20"]), {"pandas", "matplotlib", "scipy"}),
    (_cli(["fit", "examples/rl-vs-inference.csv", "-b", "20", "--form", "logistic"]),
     {"pandas", "matplotlib", "scipy"}),
])
def test_light_paths_do_not_import_heavy_modules(code, absent):
    assert _top_modules_after(code) & absent == set()


# ---------------------------------------------------------------------------------------------
# Inert text, flag bounds, one spelling of the score scale, axis roles, Ctrl-C and OS errors

HOSTILE = ["[/bold]", "[link=https://evil.example]x[/link]", "$\\frac{1}{$", ":warning:"]


@pytest.mark.parametrize("cid", HOSTILE)
def test_hostile_curve_ids_print_literally(tmp_path, capsys, cid):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "".join(f'"{cid}",rl,{10 ** i},{0.2 + 0.1 * i}\n' for i in range(4))
                    + "".join(f"b,inference,{10 ** i},{0.1 + 0.2 * i}\n" for i in range(4)),
                    encoding="utf-8")
    code, out, err = run(["fit", path, "-b", "20"], capsys)
    assert code == 0, err
    assert cid in out
    code, out, err = run(["compare", path, "--rl", cid, "--inference", "b", "-b", "20"], capsys)
    assert code == 0, err
    assert cid in out


def test_control_characters_are_refused_with_row_and_column(tmp_path, capsys):
    path = tmp_path / "d.json"
    path.write_text('[{"curve": "a\\u001b]0;x\\u0007", "axis": "rl", "compute": 1, "score": 0.5}]',
                    encoding="utf-8")
    code, out, err = run(["fit", path], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "row 1, column 'curve'" in err and "\\x1b" in err
    assert "\x1b" not in err


@pytest.mark.parametrize("args, expected", [
    (["--seed", "-1"], "--seed -1: must be an integer from 0 to 4,294,967,295"),
    (["--seed", str(2**32)], "--seed 4294967296"),
    (["--bootstrap", "1e30"], "'--bootstrap'"),
    (["--bootstrap", "-3"], "--bootstrap -3"),
    (["--level", "1"], "--level 1.0: must be in [0.5, 0.999]"),
    (["--at-score", "1.5"], "--at-score 1.5: must be in [0, 1]"),
    (["--at-score", "140", "--score-scale", "percent"], "--at-score 140.0: must be in [0, 100]"),
    (["--min-compute", "-1"], "--min-compute -1.0: must be > 0"),
    (["--score-scale", "percentage"], "--score-scale: unknown value 'percentage'"),
])
def test_fit_flags_are_bounded_before_any_work(capsys, args, expected):
    code, out, err = run(["fit", EXAMPLE, *args], capsys)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and expected in err, err


def test_bootstrap_memory_is_estimated_and_refused(tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(f"a,rl,{i + 1},{(i % 90) / 100}\n" for i in range(3000)),
                    encoding="utf-8")
    code, out, err = run(["fit", path, "--bootstrap", "1000000"], capsys)
    assert (code, out) == (2, "")
    assert "3,000 points" in err and "GiB of memory (limit 4 GiB)" in err


def test_at_score_is_read_in_the_data_scale(capsys):
    pct = str(ROOT / "examples" / "percent-scores.csv")
    code, out, _ = run(["fit", pct, "--score-scale", "percent", "--at-score", "30", "-b", "20",
                        "--json"], capsys)
    assert code == 0
    assert json.loads(out)["fits"][0]["at_score"] == pytest.approx(0.30)
    code, out, _ = run(["fit", pct, "--score-scale", "percent", "--at-score", "30", "-b", "20"],
                       capsys)
    assert "slope at score 30.0%" in out


def test_percent_errors_name_the_one_flag(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "a,rl,1,40\na,rl,10,50\n", encoding="utf-8")
    code, _, err = run(["fit", path], capsys)
    assert code == 2 and "--score-scale percent" in err and "--percent " not in err


def test_compare_refuses_curves_in_the_wrong_role(capsys):
    code, out, err = run(["compare", EXAMPLE, "--rl", "toy-inference", "--inference", "toy-rl"],
                         capsys)
    assert (code, out) == (2, "")
    assert "--rl toy-inference: that curve's axis is 'inference', not 'rl'" in err


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path):
    # a shell's background job inherits SIGINT ignored: restore Python's own handler, as a
    # terminal's foreground process has it
    code = ("import os, signal, threading, time\n"
            "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "import rlscale.fitting.columns as c\n"
            "orig = c.fit_columns\n"
            "def slow(*a, **k):\n"
            "    os.kill(os.getpid(), signal.SIGINT); time.sleep(5)\n"
            "c.fit_columns = slow\n"
            "from rlscale.cli import main\n"
            f"main(['fit', {EXAMPLE!r}])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 130
    assert proc.stderr == "rlscale: interrupted\n"


def test_eof_inside_a_command_is_not_an_abort(monkeypatch, capsys):
    import rlscale.fitting.columns as c

    def truncated(*args, **kwargs):
        raise EOFError("Ran out of input")

    monkeypatch.setattr(c, "fit_columns", truncated)
    code, out, err = run(["fit", EXAMPLE], capsys)
    assert code == 2 and "aborted" not in err
    assert err.startswith("rlscale: error: unexpected end of input") and err.count("\n") == 1


@pytest.mark.parametrize("errno_name", ["ENOSPC", "EACCES", "EROFS", "ENOTDIR"])
def test_os_errors_of_the_user_world_are_one_line(monkeypatch, capsys, errno_name):
    import errno as errno_mod

    import rlscale.fitting.columns as c

    num = getattr(errno_mod, errno_name)

    def fails(*args, **kwargs):
        raise OSError(num, os.strerror(num), "/some/out.json")

    monkeypatch.setattr(c, "fit_columns", fails)
    code, out, err = run(["fit", EXAMPLE], capsys)
    assert code == 2
    assert err == f"rlscale: error: /some/out.json: {os.strerror(num)}" + (
        " (free some space and run again)" if errno_name == "ENOSPC" else "") + "\n"


def test_command_map_names_every_registered_command():
    import typer

    import rlscale.cli as cli

    for name, module in cli.COMMANDS.items():
        app = cli.build_app(name)
        names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
        assert name in names, (name, module)
    full = cli.build_app()
    every = {c.name for c in full.registered_commands} | {g.name for g in full.registered_groups}
    assert every == set(cli.COMMANDS)
    assert isinstance(full, typer.Typer)


def test_output_path_check_names_what_is_wrong(tmp_path):
    from rlscale.cli._common import check_output_path
    from rlscale.errors import RlscaleError

    afile = tmp_path / "afile"
    afile.write_text("x")
    assert check_output_path("-o", tmp_path / "new" / "sub", directory=True) == \
        tmp_path / "new" / "sub"
    with pytest.raises(RlscaleError, match="'.*afile' is a file, not a folder"):
        check_output_path("-o", afile / "sub", directory=True)
    with pytest.raises(RlscaleError, match="is a file"):
        check_output_path("-o", afile, directory=True)
    with pytest.raises(RlscaleError, match="is a folder"):
        check_output_path("-o", tmp_path)
    if os.geteuid() != 0:  # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        with pytest.raises(RlscaleError, match="not writable"):
            check_output_path("-o", ro / "x.json")


def test_deeply_nested_json_is_one_line(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000, encoding="utf-8")
    code, out, err = run(["fit", path], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "nested too deeply" in err
