"""docs/your-runs.md's examples are run on the files tests/importer_runs.py makes.

Every ``$ rlscale ...`` line of a console block runs in that directory and must exit 0. An
``rlscale import`` line's output (one summary line, no floating-point numbers) must be exactly
the one shown; for other commands the output must start like the one shown, up to its first
number (the numbers come from bootstrap fits and are not compared).
"""

from __future__ import annotations

import re
import shlex
import warnings
from pathlib import Path

import pytest

import importer_runs
from test_docs_examples import blocks, commands
from test_importers import fixtures, run_cli  # noqa: F401  (the session fixture)

PAGE = Path(__file__).resolve().parents[1] / "docs" / "your-runs.md"
EXAMPLES = [(cmd, out) for _, block in blocks(PAGE, "console") for cmd, out in commands(block)]


@pytest.fixture(scope="module")
def demo(fixtures, tmp_path_factory) -> Path:  # noqa: F811
    pytest.importorskip("trl")
    pytest.importorskip("tensorboard")
    importer_runs.trl_fixture(fixtures)
    if not (fixtures / "tokenizer.json").exists():
        importer_runs.write_tokenizer(fixtures / "tokenizer.json")
    if not (fixtures / "tensorboard" / "verl-run").exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            importer_runs.write_summarywriter(fixtures / "tensorboard" / "verl-run")
    return fixtures


def test_every_source_has_a_worked_example():
    kinds = {shlex.split(cmd)[2] for cmd, _ in EXAMPLES if cmd.startswith("rlscale import")}
    assert kinds == {"trl", "tensorboard", "wandb", "verl", "lm-eval"}
    assert sum(cmd.startswith("rlscale compare") for cmd, _ in EXAMPLES) >= 4
    assert any(cmd.startswith("rlscale report") for cmd, _ in EXAMPLES)


@pytest.mark.slow
def test_the_examples_run_in_order(demo, capsys, monkeypatch):
    monkeypatch.chdir(demo)
    monkeypatch.setenv("COLUMNS", "100")
    for name in ("evals.csv", "trl.csv", "tb.csv", "wandb.csv", "verl.csv"):
        (demo / name).unlink(missing_ok=True)  # the examples start from no tables
    for command, expected in EXAMPLES:
        code, out, err = run_cli(capsys, *shlex.split(command)[1:])
        assert code == 0, f"`{command}` failed: {err}"
        if command.startswith("rlscale import"):
            assert out.strip() == expected, f"`{command}` printed {out!r}"
        elif expected:
            first = expected.splitlines()[0]
            prefix = re.split(r"\d", first, maxsplit=1)[0]
            assert " ".join(out.split()).startswith(" ".join(prefix.split())), (command, out)
    assert (demo / "my-report" / "index.html").is_file()
