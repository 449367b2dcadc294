"""``rlscale catalog validate``: the built-in catalog passes; each broken rule is one line, exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rlscale.cli import main
from rlscale.data.catalog.validate import validate_catalog

CATALOG_DIR = Path(__file__).resolve().parents[1] / "src" / "rlscale" / "data" / "catalog"


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_builtin_catalog_passes(capsys):
    assert validate_catalog() == []
    code, out, err = run(["catalog", "validate"], capsys)
    assert code == 0 and err == ""
    assert len(out.strip().splitlines()) == 1 and "passes" in out


@pytest.fixture
def copy(tmp_path):
    for f in CATALOG_DIR.iterdir():
        if f.suffix in (".toml", ".csv"):
            shutil.copy(f, tmp_path / f.name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_copy_of_builtin_catalog_passes(copy, capsys):
    code, out, _ = run(["catalog", "validate", "--dir", str(copy)], capsys)
    assert code == 0 and str(copy) in out


def test_each_broken_rule_is_one_line_and_exit_2(copy, capsys):
    _edit(copy / "monkeys.csv", ",text,\"coverage 7.1%", ",chart,\"coverage 7.1%")
    _edit(copy / "codex-humaneval.csv", ",Abstract\ncodex", ",\ncodex")
    _edit(copy / "catalog.toml", 'arxiv = "2402.03300"\n', "")
    _edit(copy / "catalog.toml", 'inference = "o1-aime2024-samples"',
          'inference = "sonnet37-inference"')
    _edit(copy / "catalog.toml", 'rl = "o1-rl"\ninference = "o1-inference"',
          'rl = "no-such-curve"\ninference = "o1-inference"')
    code, out, err = run(["catalog", "validate", "--dir", str(copy)], capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines[-1] == "catalog validate: 5 problem(s)"
    problems = "\n".join(lines[:-1])
    assert len(lines[:-1]) == 5
    assert "monkeys.csv, row 4, column 'provenance': 'chart' is not allowed" in problems
    assert "codex-humaneval.csv, row 1, column 'locator': missing" in problems
    assert "entry 'deepseekmath-math': needs a 'url' or an 'arxiv' id" in problems
    assert "'sonnet37-inference' has derived rows" in problems
    assert "rl curve 'no-such-curve' is in no catalog file" in problems


def test_schema_errors_and_axis_mismatch_are_reported(copy):
    _edit(copy / "codex-humaneval.csv", "inference,100,0.702", "inference,100,1.702")
    _edit(copy / "catalog.toml", 'rl = "o1-rl"\ninference = "o1-inference"',
          'rl = "o1-inference"\ninference = "o1-rl"')
    problems = validate_catalog(copy)
    assert any("codex-humaneval.csv, row 2, column 'score'" in p for p in problems)
    assert any("rl curve 'o1-inference' has axis inference, not rl" in p for p in problems)
    assert all("\n" not in p for p in problems)


def test_unreadable_toml_is_one_problem(tmp_path, capsys):
    (tmp_path / "catalog.toml").write_text("[[entry]\nid = ", encoding="utf-8")
    code, out, err = run(["catalog", "validate", "--dir", str(tmp_path)], capsys)
    assert code == 2 and "cannot be read as TOML" in err and "Traceback" not in err
