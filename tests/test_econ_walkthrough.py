"""docs/essay-walkthrough.md cannot rot: every command in it is re-run here.

Outputs of rlscale's own economics commands (``rlscale cost``, ``rlscale claims``) must match the
page exactly; for the analysis commands (owned elsewhere, formats may evolve) the key numbers must
appear both on the page and in a fresh run. Regenerate the page with::

    RLSCALE_REGEN_DOCS=1 .venv/bin/pytest tests/test_econ_walkthrough.py
"""

from __future__ import annotations

import io
import os
import re
import shlex
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from rlscale.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "essay-walkthrough.md"
BLOCK = re.compile(r"```console\n\$ (rlscale [^\n]*)\n(.*?)```", re.S)
EXACT = ("rlscale cost", "rlscale claims")
# key numbers for commands whose full output is owned by other parts of rlscale
KEY_NUMBERS = {
    "rlscale compare catalog:essay --rl o1-rl --inference o1-inference": ["0.55", "16.5", "30"],
    "rlscale exchange catalog:essay --rl o1-rl --inference o1-inference --factor 10": ["3.55"],
}
# numbers the prose relies on, checked in the fresh output of these commands
PROSE_NUMBERS = {
    "rlscale cost training --rl-fraction 1 --rl-scale 10 --json": ['"total_multiplier": 5.5'],
    "rlscale cost training --rl-fraction 0.01 --rl-scale 10 --steps 3": ["1.089", "1.818", "5.5x"],
    "rlscale claims --id gpt-jump-1e6-rl": ["285,000x", "483,000x"],
    "rlscale cost breakeven --rl-fraction 0.01 --rl-scale 10 --queries-per-day 1e8":
        ["18.98", "train (RL)"],
    "rlscale cost breakeven --rl-fraction 1 --rl-scale 10 --queries-per-day 1e8 --horizon-days 365":
        ["1,898", "think longer"],
}


def _run(command: str) -> str:
    buf = io.StringIO()
    with redirect_stdout(buf), redirect_stderr(buf):
        with pytest.raises(SystemExit) as exc:
            main(shlex.split(command)[1:])
    assert exc.value.code == 0, f"{command} exited {exc.value.code}: {buf.getvalue()}"
    return "".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines())


@pytest.fixture()
def terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(ROOT)
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.slow
def test_walkthrough_outputs_are_current(terminal):
    text = DOC.read_text("utf-8")
    blocks = BLOCK.findall(text)
    assert len(blocks) >= 12
    fresh = {cmd: _run(cmd) for cmd, _ in blocks}
    if os.environ.get("RLSCALE_REGEN_DOCS") == "1":
        new = BLOCK.sub(lambda m: f"```console\n$ {m.group(1)}\n{fresh[m.group(1)]}```", text)
        tmp = DOC.with_suffix(".md.tmp")
        tmp.write_text(new, "utf-8")
        os.replace(tmp, DOC)
        text, blocks = new, BLOCK.findall(new)
    for cmd, recorded in blocks:
        if cmd.startswith(EXACT):
            assert recorded == fresh[cmd], f"stale output in {DOC.name} for: {cmd}"
        for key in KEY_NUMBERS.get(cmd, []):
            assert key in recorded and key in fresh[cmd], (cmd, key)
        for key in PROSE_NUMBERS.get(cmd, []):
            assert key in fresh[cmd], (cmd, key)
    for cmd in list(KEY_NUMBERS) + list(PROSE_NUMBERS):
        assert cmd in fresh, f"walkthrough lost the command {cmd}"
