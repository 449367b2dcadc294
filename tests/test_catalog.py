"""The built-in catalog: its data files, its citations, its CLI and its generated docs page."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from rlscale.cli import main
from rlscale.data import catalog, read_observations
from rlscale.errors import RlscaleError

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path("/work/shared/reference/published-data.md")
REFERENCE_ENTRIES = ("o1-aime2024", "r1-zero-aime2024", "o3-arc-agi", "monkeys", "rebase-math500")


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_essay_endpoints_match_contract():
    obs = read_observations("catalog:essay")
    expected = {  # docs/dev/contracts.md: fixed ids other parts rely on
        "o1-rl": ("rl", [(1, 0.33), (100, 0.66)]),
        "o1-inference": ("inference", [(1, 0.20), (100, 0.80)]),
        "o1-o3-rl": ("rl", [(1, 0.26), (1e4, 0.88)]),
        "sonnet37-inference": ("inference", [(1, 0.20), (100, 0.80)]),
    }
    assert set(obs["curve"]) == set(expected)
    for cid, (axis, points) in expected.items():
        rows = obs[obs["curve"] == cid]
        assert set(rows["axis"]) == {axis}
        assert list(zip(rows["compute"], rows["score"])) == points
    assert set(obs["compute_unit"]) == {"relative"}
    sonnet = obs[obs["curve"] == "sonnet37-inference"]
    assert all("approximate" in note for note in sonnet["note"])
    # the Sonnet 3.7 curve restates o1's 20% -> 80%: derived, never an independent observation
    assert set(sonnet["provenance"]) == {"derived"}
    assert set(obs[obs["curve"] != "sonnet37-inference"]["provenance"]) == {"text"}


def test_every_observation_row_has_citation_and_stated_provenance():
    for entry in catalog.list_entries():
        assert entry.citation and entry.description and entry.title
        assert entry.compute_axis and entry.locator and (entry.url or entry.arxiv), entry.id
        if entry.kind != "observations":
            continue
        obs = read_observations(f"catalog:{entry.id}")
        assert (obs["source"].str.len() > 0).all(), entry.id
        # stated in a text or a table, or derived (restated); never read off a chart
        assert set(obs["provenance"]) <= {"text", "table", "derived"}, entry.id
        assert (obs["benchmark"].str.len() > 0).all() and (obs["model"].str.len() > 0).all()
        assert set(obs["compute_unit"]) == {entry.compute_axis}, entry.id


def _raw_rows(entry):
    import csv
    import io

    return list(csv.DictReader(io.StringIO(catalog._read(entry.file))))


def test_every_row_has_a_locator_and_a_quote():
    """Each row says where in its source it was read and quotes the sentence or row label."""
    for entry in catalog.list_entries():
        rows = _raw_rows(entry)
        assert rows, entry.id
        for i, row in enumerate(rows, start=1):
            assert row.get("locator", "").strip(), (entry.id, i, "locator")
            assert row.get("note", "").strip(), (entry.id, i, "note")
            assert row["provenance"].strip() in ("table", "text", "derived"), (entry.id, i)


def _stated_forms(score: float) -> set[str]:
    return {f"{score * 100:g}", f"{score:g}"}


def test_every_score_is_written_in_its_rows_quote():
    """Nothing invented: each score appears (as a percentage or a fraction) in its row's note."""
    for entry in catalog.list_entries():
        if entry.kind != "observations":
            continue
        for i, row in enumerate(_raw_rows(entry), start=1):
            forms = _stated_forms(float(row["score"]))
            assert any(f in row["note"] for f in forms), (entry.id, i, row["score"], row["note"])


def test_declared_pairs_are_independent_rl_inference_curves():
    obs = {e.id: read_observations(f"catalog:{e.id}") for e in catalog.list_entries()
           if e.kind == "observations"}
    rows = {cid: frame[frame["curve"] == cid] for frame in obs.values()
            for cid in frame["curve"].unique()}
    pairs = catalog.declared_pairs()
    assert pairs and all(p.group for p in pairs)
    for pair in pairs:
        for cid, axis in ((pair.rl, "rl"), (pair.inference, "inference")):
            assert set(rows[cid]["axis"]) == {axis}, (pair, cid)
            assert "derived" not in set(rows[cid]["provenance"]), (pair, cid)
    assert "sonnet37-inference" not in {p.inference for p in pairs}


def _reference_numbers() -> set[float]:
    text = REFERENCE.read_text(encoding="utf-8")
    nums = set()
    for tok in re.findall(r"\d[\d,]*\.?\d*(?:e\d+)?", text):
        try:
            nums.add(float(tok.replace(",", "")))
        except ValueError:
            pass
    return nums


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference file not on this machine")
def test_every_catalog_score_appears_in_the_reference_file():
    """The entries first taken from the reference file still hold the numbers written there."""
    stated = _reference_numbers()
    for entry in catalog.list_entries():
        if entry.kind == "observations" and entry.id in REFERENCE_ENTRIES:
            obs = read_observations(f"catalog:{entry.id}")
            for score in obs["score"]:
                assert score in stated, (entry.id, score)
            flops = obs[obs["compute_unit"] != "relative"]["compute"]
            for c in flops:
                assert c in stated or any(math.isclose(c, s * m) for s in stated
                                          for m in (1e14, 1e15)), (entry.id, c)
    for curve in catalog.parametric_curves("scalerl"):
        for value in curve.params.values():
            assert value in stated, (curve.curve, value)


def test_scalerl_curves_from_table_1_without_invented_r0():
    curves = {c.curve: c for c in catalog.parametric_curves("scalerl")}
    assert len(curves) == 10
    main_run = curves["scalerl"]
    assert main_run.params == {"C_mid": 2542.0, "B": 1.92, "A": 0.610}
    assert main_run.unstated == ("R_0",) and "R_0" not in main_run.params
    assert (main_run.form, main_run.axis, main_run.compute_unit) == ("scalerl", "rl", "gpu_hours")
    assert main_run.gain_fraction(2542.0) == pytest.approx(0.5)
    # slope per decade at C_mid, per unit of gain: ln(10) * B / 4
    assert main_run.slope_per_decade(2542.0) == pytest.approx(math.log(10) * 1.92 / 4)
    assert main_run.eval(2542.0, r0=0.2) == pytest.approx(0.2 + (0.61 - 0.2) / 2)
    with pytest.raises(RlscaleError, match="R_0"):
        main_run.eval(1000.0, r0=0.9)  # above the asymptote A


def test_parametric_entry_is_not_observations():
    with pytest.raises(RlscaleError, match="parametric curves, not observations"):
        read_observations("catalog:scalerl")
    with pytest.raises(RlscaleError, match="holds observations"):
        catalog.parametric_curves("essay")


def test_unknown_catalog_id_lists_ids():
    with pytest.raises(RlscaleError) as exc:
        read_observations("catalog:nope")
    assert "unknown catalog id 'nope'" in str(exc.value) and "essay" in str(exc.value)


def test_docs_catalog_page_is_generated_from_data_files(tmp_path):
    page = ROOT / "docs" / "catalog.md"
    copy = tmp_path / "catalog.md"
    copy.write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    changed = catalog.write_docs(copy)
    assert not changed, ("docs/catalog.md is out of date: run python -c \"from "
                         "rlscale.data.catalog import write_docs; write_docs('docs/catalog.md')\"")
    text = page.read_text(encoding="utf-8")
    for entry in catalog.list_entries():
        assert f"`{entry.id}`" in text and entry.citation in text


def test_cli_catalog_list_json(capsys):
    code, out, err = run(["catalog", "list", "--json"], capsys)
    assert code == 0 and err == ""
    doc = json.loads(out)
    ids = [e["id"] for e in doc["entries"]]
    assert ids[0] == "essay" and "scalerl" in ids
    assert all(e["citation"] and e["locator"] and e["compute_axis"] for e in doc["entries"])
    assert all(e["url"] or e["arxiv"] for e in doc["entries"])


def test_cli_catalog_list_table(capsys):
    code, out, _ = run(["catalog", "list"], capsys)
    assert code == 0 and "essay" in out and "scalerl" in out


def test_cli_catalog_show(capsys):
    code, out, _ = run(["catalog", "show", "essay", "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["entry"]["id"] == "essay" and len(doc["observations"]) == 8
    assert doc["observations"][0]["n"] is None  # NaN -> null, valid JSON
    code, out, _ = run(["catalog", "show", "scalerl", "--json"], capsys)
    doc = json.loads(out)
    assert doc["curves"][0]["params"] == {"C_mid": 2542.0, "B": 1.92, "A": 0.61}
    assert doc["curves"][0]["unstated_params"] == ["R_0"]
    code, out, _ = run(["catalog", "show", "scalerl"], capsys)
    assert code == 0 and "R_0" in out and "2542" in out


def test_cli_catalog_show_unknown(capsys):
    code, out, err = run(["catalog", "show", "nope"], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "available: essay" in err


def test_cli_catalog_show_csv_reads_back(tmp_path, capsys):
    code, out, err = run(["catalog", "show", "o3-arc-agi", "--csv"], capsys)
    assert code == 0 and err == ""
    path = tmp_path / "arc.csv"
    path.write_text(out, encoding="utf-8")
    import pandas as pd

    pd.testing.assert_frame_equal(read_observations(path), read_observations("catalog:o3-arc-agi"))
    code, out, _ = run(["catalog", "show", "scalerl", "--csv"], capsys)
    assert out.splitlines()[0].startswith("curve,form,C_mid,B,A") and len(out.splitlines()) == 11


def test_no_curve_repeats_a_compute_point():
    """A curve is one model read at distinct amounts of compute: two rows of one curve at the same
    compute would be a transcription error or two models joined into one curve."""
    for entry in catalog.list_entries():
        if entry.kind != "observations":
            continue
        obs = read_observations(f"catalog:{entry.id}")
        for cid, rows in obs.groupby("curve"):
            assert rows["compute"].is_unique, (entry.id, cid, list(rows["compute"]))
            assert len(set(rows["model"])) == 1, (entry.id, cid, set(rows["model"]))
            assert len(set(rows["benchmark"])) == 1, (entry.id, cid, set(rows["benchmark"]))


def test_at_least_twenty_cited_sources():
    """Issue 12's bar: 20 sources, each with a URL or an arXiv id and a locator."""
    entries = catalog.list_entries()
    assert len({e.id for e in entries}) >= 20
    for item in catalog._doc()["entry"]:
        assert item.get("url") or item.get("arxiv"), item["id"]
        assert item.get("locator"), item["id"]


def test_one_benchmark_one_stated_size():
    """A benchmark's n is a fact about the benchmark: every row that states it states the same
    number (a second value would mean two versions of the set joined under one name)."""
    sizes: dict[str, set] = {}
    for entry in catalog.list_entries():
        if entry.kind != "observations":
            continue
        obs = read_observations(f"catalog:{entry.id}")
        for bench, n in zip(obs["benchmark"], obs["n"]):
            if n == n and n is not None:  # not NaN
                sizes.setdefault(bench.split(" (")[0], set()).add(int(n))
    assert sizes.get("miniF2F-test") == {244} and sizes.get("AIME 2024") == {30}
    assert all(len(v) == 1 for v in sizes.values()), sizes
