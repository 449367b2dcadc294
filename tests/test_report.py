"""``rlscale report``: files written, numbers in results.json, escaping, errors, run directories."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from report_helpers import write_csv
from rlscale.cli import main

EVIL = '<script>window.__pwned = 1</script>'


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def user_rows(source: str = "my lab notebook") -> list[dict]:
    """A small user file: one RL and one inference curve with sample sizes (error bars)."""
    rows = []
    for k, c in enumerate([1, 3, 10, 30, 100]):
        rows.append({"curve": "my-rl", "axis": "rl", "compute": c, "score": 0.30 + 0.08 * k,
                     "n": 400, "source": source, "provenance": "measured"})
        rows.append({"curve": "my-inf", "axis": "inference", "compute": c,
                     "score": 0.20 + 0.15 * k, "n": 400, "source": source,
                     "provenance": "measured"})
    return rows


def make_run_dir(path: Path, strategies=("pass@k", "maj@k"), steps=(0, 50, 100, 150)) -> Path:
    """A synthetic lab run directory (contract: rlscale-run.json + observations.csv)."""
    path.mkdir()
    rows = []
    for k, flops in enumerate([1e12, 1e13, 1e14, 1e15]):
        rows.append({"curve": "lab-rl", "axis": "rl", "compute": flops, "score": 0.2 + 0.05 * k,
                     "compute_unit": "flop", "n": 256, "provenance": "measured"})
    for s_i, strategy in enumerate(strategies):
        for step in steps:
            for k, flops in enumerate([1e9, 1e10, 1e11]):
                rows.append({"curve": f"lab-inf-{strategy}-step{step}", "axis": "inference",
                             "compute": flops, "compute_unit": "flop", "n": 256,
                             "score": min(0.95, 0.2 + step / 1000 + (0.1 + 0.02 * s_i) * k),
                             "provenance": "measured"})
    write_csv(path / "observations.csv", rows)
    (path / "rlscale-run.json").write_text(json.dumps({"status": "done", "curves": []}))
    return path


@pytest.fixture(scope="module")
def catalog_report(tmp_path_factory):
    """The no-argument report on the built-in catalog (built once for the module)."""
    out = tmp_path_factory.mktemp("cat") / "rlscale-report"
    with pytest.raises(SystemExit) as exc:
        main(["report", "-o", str(out), "--bootstrap", "200"])
    assert exc.value.code == 0
    return out


@pytest.mark.slow
def test_catalog_report_writes_every_file(catalog_report):
    files = {p.name for p in catalog_report.iterdir()}
    assert {"index.html", "results.json", "report.md"} <= files
    res = json.loads((catalog_report / "results.json").read_text())
    for name in ("twin", "slope-ratios", "exchange"):
        assert f"{name}.svg" in files and f"{name}.png" in files
        assert (catalog_report / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (catalog_report / f"{name}.svg").read_text().lstrip().startswith("<?xml")
    assert res["schema"] == "rlscale-report/1"
    assert not [p for p in catalog_report.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_catalog_report_reproduces_the_essay(catalog_report):
    res = json.loads((catalog_report / "results.json").read_text())
    head = res["headline"]
    # o1 chart endpoints: RL 33 -> 66 over 2 decades, inference 20 -> 80 over 2 decades
    assert (head["rl"], head["inference"]) == ("o1-rl", "o1-inference")
    assert head["slope_ratio"]["value"] == pytest.approx(0.165 / 0.30, rel=1e-6)
    assert "0.55" in head["sentence"]
    pairs = {(c["rl"], c["inference"]) for c in res["comparisons"]}
    assert pairs == {(r, i) for r in ("o1-rl", "o1-o3-rl")
                     for i in ("o1-inference", "sonnet37-inference")}
    # 10x RL at ratio 0.55 -> 10**0.55 x inference; essay marks stay as stated
    row10 = next(r for r in res["exchange"]["rl_rows"] if r["rl_factor"] == 10)
    assert row10["inference_factor"] == pytest.approx(10 ** 0.55, rel=1e-6)
    assert {(m["rl_factor"], m["inference_factor"]) for m in res["exchange"]["essay_marks"]} == \
        {(10.0, 3.0), (10_000.0, 100.0)}
    if res["economics"] is not None:
        t = {(r["rl_fraction"], r["scale_up"]): r["total_multiplier"]
             for r in res["economics"]["table"]}
        assert t[(1.0, 10.0)] == pytest.approx(5.5)


@pytest.mark.slow
def test_catalog_html_is_self_contained(catalog_report):
    html = (catalog_report / "index.html").read_text()
    # no resource from another host: every src is inline data, no stylesheet links, no url()
    assert not re.search(r'src\s*=\s*"(?!data:)', html)
    assert "<link" not in html and "url(" not in html and "@import" not in html
    assert not re.search(r"https?://", re.sub(r"<a [^>]*>", "", html).split("<footer")[0]
                         .split('id="data"')[0])
    assert html.count('<img src="data:image/svg+xml;base64,') >= 3
    assert 'id="calc-ratio"' in html and 'id="calc-total"' in html


@pytest.mark.slow
def test_catalog_markdown_has_the_findings(catalog_report):
    md = (catalog_report / "report.md").read_text()
    assert md.startswith("# How well does RL scale")
    assert "![" in md and "twin.png" in md
    assert "| o1-rl | o1-inference | 0.55 |" in md


@pytest.fixture(scope="module")
def user_report(tmp_path_factory):
    """One report on a user file with sample sizes, a <script> in the source name and a
    single-point curve; returns (out dir, stdout)."""
    tmp = tmp_path_factory.mktemp("user")
    rows = user_rows(source=EVIL) + [{"curve": "lonely", "axis": "inference", "compute": 5,
                                      "score": 0.5, "source": "one point"}]
    data = write_csv(tmp / "obs.csv", rows)
    out = tmp / "rep"
    with pytest.raises(SystemExit) as exc:
        main(["report", str(data), "-o", str(out), "--bootstrap", "100"])
    assert exc.value.code == 0
    return out


@pytest.mark.slow
def test_user_file_report_and_summary(user_report):
    res = json.loads((user_report / "results.json").read_text())
    assert res["headline"]["rl"] == "my-rl"
    r = res["headline"]["slope_ratio"]
    assert r["value"] == pytest.approx(0.08 / 0.15, rel=0.05)
    assert r["ci_low"] < r["value"] < r["ci_high"]  # n known: a real interval
    obs = [o for o in res["observations"] if o["curve"] == "my-rl"]
    assert all(o["err_low"] < o["score"] < o["err_high"] for o in obs)
    fit = next(f for f in res["fits"] if f["curve"] == "my-inf")
    assert len(fit["grid"]["compute"]) > 10 and fit["grid"]["low"][0] is not None
    assert fit["grid"]["low"][0] < fit["grid"]["score"][0] < fit["grid"]["high"][0]


@pytest.mark.slow
def test_cli_prints_summary_and_path(tmp_path, capsys):
    data = write_csv(tmp_path / "obs.csv", user_rows())
    out = tmp_path / "rep"
    code, stdout, err = run_cli(["report", str(data), "-o", str(out), "--bootstrap", "20"], capsys)
    assert code == 0, err
    assert stdout.rstrip().endswith(f"report: {out / 'index.html'}")
    assert "my-rl" in stdout and "my-inf" in stdout and "slope ratio" in stdout
    assert (out / "index.html").exists()
    # a second run replaces the report in place, leaving no temporary or backup folder behind
    (out / "results.json").write_text("{}")
    code, _, err = run_cli(["report", str(data), "-o", str(out), "--bootstrap", "20"], capsys)
    assert code == 0, err
    assert json.loads((out / "results.json").read_text())["schema"] == "rlscale-report/1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["obs.csv", "rep"]


def test_same_seed_same_numbers(tmp_path):
    from rlscale.analysis import analyse

    data = write_csv(tmp_path / "obs.csv", user_rows())
    docs = []
    for seed in (3, 3, 4):
        doc = analyse([str(data)], bootstrap=100, seed=seed)
        doc.pop("created")
        docs.append(doc)
    assert docs[0] == docs[1]
    assert docs[0]["comparisons"] != docs[2]["comparisons"]


@pytest.mark.slow
def test_data_strings_are_escaped(user_report):
    html = (user_report / "index.html").read_text()
    assert EVIL not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    blob = html.split('id="rlscale-data">')[1].split("</script>")[0]
    assert "<" not in blob and ">" not in blob
    md = (user_report / "report.md").read_text()
    assert EVIL not in md


@pytest.mark.slow
def test_single_point_curve_is_shown_not_fatal(user_report):
    res = json.loads((user_report / "results.json").read_text())
    assert any("lonely" in w and "not fitted" in w for w in res["warnings"])
    assert "lonely" in (user_report / "index.html").read_text()
    assert "lonely" not in {f["curve"] for f in res["fits"]}


@pytest.mark.slow
def test_results_json_is_strict_json(user_report):
    text = (user_report / "results.json").read_text()
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


@pytest.mark.slow
def test_failed_run_keeps_previous_report(user_report, tmp_path, capsys):
    before = {p.name: p.read_bytes() for p in user_report.iterdir()}
    code, _, err = run_cli(["report", str(tmp_path / "missing.csv"), "-o", str(user_report)],
                           capsys)
    assert code == 2 and "missing.csv" in err
    assert {p.name: p.read_bytes() for p in user_report.iterdir()} == before
    assert sorted(p.name for p in user_report.parent.iterdir()) == ["obs.csv", "rep"]


def test_bad_data_one_line_error_and_no_report(tmp_path, capsys):
    rows = user_rows()
    rows[2]["score"] = 1.7
    data = write_csv(tmp_path / "bad.csv", rows)
    out = tmp_path / "rep"
    code, stdout, err = run_cli(["report", str(data), "-o", str(out)], capsys)
    assert code == 2
    lines = err.splitlines()  # exactly one line, nothing else on stderr
    assert len(lines) == 1 and lines[0].startswith("rlscale: error:")
    assert "bad.csv" in lines[0] and "row 3" in lines[0] and "score" in lines[0]
    assert "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_refuses_to_replace_a_foreign_directory(tmp_path, capsys):
    data = write_csv(tmp_path / "obs.csv", user_rows())
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    code, _, err = run_cli(["report", str(data), "-o", str(out)], capsys)
    assert code == 2 and "not empty" in err
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


@pytest.mark.slow
def test_run_directory_pairs_every_checkpoint_in_reading_order(tmp_path, capsys):
    run = make_run_dir(tmp_path / "run1")
    out = tmp_path / "rep"
    code, stdout, err = run_cli(["report", str(run), "-o", str(out), "--bootstrap", "50"], capsys)
    assert code == 0, err
    res = json.loads((out / "results.json").read_text())
    pairs = [(c["rl"], c["inference"]) for c in res["comparisons"]]
    # every pairing of the run, strategies grouped, checkpoints in numeric order
    assert pairs == [("lab-rl", f"lab-inf-{s}-step{n}") for s in ("maj@k", "pass@k")
                     for n in (0, 50, 100, 150)]
    assert len(res["fits"]) == 1 + 2 * 4  # every curve is still fitted and tabled
    assert {f["compute_unit"] for f in res["fits"]} == {"flop"}
    assert (out / "twin.png").exists()


def test_report_sets_the_catalog_pairs_beside_the_essay(tmp_path):
    # issue 12: the built-in report states how many independent declared pairs it compares, each
    # with its ratio, and the pooled ratio (or why there is none) beside the essay's 0.5
    from rlscale.analysis import analyse
    from rlscale.data.catalog import declared_pairs

    res = analyse(bootstrap=50)
    across = res["across_sources"]
    assert across is not None and across["essay_ratio"] == 0.5
    labels = {f"{p.rl} vs {p.inference}" for p in declared_pairs()}
    assert {p["label"] for p in across["pairs"]} == labels
    assert all(p["slope_ratio"] is None or p["slope_ratio"]["value"] is not None
               for p in across["pairs"])
    # pairs sharing a curve count once
    used, independent = set(), 0
    for p in across["pairs"]:
        if p["slope_ratio"] is not None and not {p["rl"], p["inference"]} & used:
            independent += 1
        used |= {p["rl"], p["inference"]}
    assert across["independent_pairs"] == independent
    assert f"{independent} of them independent" in across["sentence"]
    pooled = across["pooled"]
    assert pooled["k"] == sum(p["pooled"] for p in across["pairs"])
    if pooled["ci_low"] is None:  # no pair with an interval: says so instead of a number
        assert "No pooled interval" in across["sentence"]


def test_a_report_without_catalog_pairs_has_no_across_section(tmp_path):
    from rlscale.analysis import analyse

    csv = tmp_path / "d.csv"
    csv.write_text("curve,axis,compute,score\nr,rl,1,0.2\nr,rl,10,0.3\nr,rl,100,0.4\n"
                   "i,inference,1,0.2\ni,inference,10,0.4\ni,inference,100,0.6\n")
    assert analyse([str(csv)], bootstrap=20)["across_sources"] is None


def test_report_draws_the_headline_pair_beyond_its_data(tmp_path):
    # issue 14: a forecast panel, each headline curve extended beyond its data with its band
    from rlscale.analysis import analyse
    from rlscale.report.figures import figure_specs

    res = analyse(bootstrap=30)
    fc = res["forecast"]
    drawn = {c["curve"] for c in fc["curves"]}
    assert drawn == {res["headline"]["rl"], res["headline"]["inference"]}
    for c in fc["curves"]:
        assert max(c["grid"]["compute"]) > c["fit_max_compute"]  # the grid reaches past the data
    assert "forecast" in {s["name"] for s in figure_specs(res)}


def test_report_tables_the_backtests_of_curves_with_enough_points(tmp_path):
    from rlscale.analysis import analyse
    from rlscale.report.writer import write_report

    res = analyse(["examples/rl-vs-inference.csv"], bootstrap=30)
    rows = res["forecast"]["backtests"]
    assert rows and all("coverage" in r or "skipped" in r for r in rows)
    write_report(res, tmp_path / "rep")
    page = (tmp_path / "rep" / "index.html").read_text()
    assert 'id="backtests"' in page and rows[0]["curve"] in page
