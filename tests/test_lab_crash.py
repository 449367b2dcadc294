"""Crash safety: SIGKILL a quick run (and a thinking-quick run, its axis models in a second process)
twice at random (seeded) moments, resume, compare bytes.

The kill moments are random but reproducible (``random.Random(20261122)``): the first lands
anywhere in the step log (mostly pre-training), the second after a random number of checkpoint
evaluations plus a random delay (RL, evaluation or the final writes). The uninterrupted
reference is the session's shared run of the preset (``quick_run``, ``thinking_quick_run`` in
conftest.py).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")

CMD = [sys.executable, "-m", "rlscale", "lab"]


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _records(run_dir: Path) -> int:
    """Step records written so far: the step log's, and the axis process's while it runs (they
    are moved into the step log after RL, so the sum only grows)."""
    return _lines(run_dir / "log.jsonl") + _lines(run_dir / "pretrain-axis-log.jsonl")


def _evals(run_dir: Path) -> int:
    d = run_dir / "evals"
    return len(list(d.glob("step*.json"))) if d.is_dir() else 0


def _kill_when(proc: subprocess.Popen, ready, delay: float, timeout: float = 600) -> bool:
    """SIGKILL *proc* *delay* seconds after ``ready()`` holds; False if it finished first."""
    t0 = time.monotonic()
    while not ready():
        if proc.poll() is not None or time.monotonic() - t0 > timeout:
            return False
        time.sleep(0.02)
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return True


def _cli(capsys, *args) -> tuple[int, str, str]:
    """``rlscale lab ARGS`` in this process (after the kills nothing needs a process of its own)."""
    from rlscale.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["lab", *args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["quick", "thinking-quick"])
def test_sigkill_twice_then_resume_matches_uninterrupted_run(tmp_path, preset, request, capsys,
                                                             one_torch_thread):
    rng = random.Random(20261122)
    # the uninterrupted run of the preset (conftest; read, never written)
    ref = request.getfixturevalue(f"{preset.replace('-', '_')}_run")
    total_lines = _lines(ref / "log.jsonl")
    total_evals = _evals(ref)

    crashed = tmp_path / "crashed"
    proc = subprocess.Popen(CMD + ["run", "--preset", preset, "-o", str(crashed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = rng.randint(1, total_lines - 1)
    assert _kill_when(proc, lambda: _records(crashed) >= first, rng.uniform(0, 0.3))
    code, out, err = _cli(capsys, "show", str(crashed), "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "interrupted"

    proc = subprocess.Popen(CMD + ["resume", str(crashed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    evals_before = _evals(crashed)
    second = rng.randint(min(evals_before + 1, total_evals), total_evals)
    killed = _kill_when(proc, lambda: _evals(crashed) >= second, rng.uniform(0, 1.0))
    assert killed or proc.returncode == 0

    code, _, err = _cli(capsys, "resume", str(crashed))   # the last resume, not killed
    assert code == 0, err
    assert (crashed / "observations.csv").read_bytes() == (ref / "observations.csv").read_bytes()
    assert json.loads((crashed / "ledger.json").read_text()) == \
        json.loads((ref / "ledger.json").read_text())
    assert json.loads((crashed / "rlscale-run.json").read_text())["status"] == "complete"
    # the step log holds each step once, as in the uninterrupted run
    strip = [{k: v for k, v in json.loads(x).items()} for x in
             (crashed / "log.jsonl").read_text().splitlines()]
    ref_log = [json.loads(x) for x in (ref / "log.jsonl").read_text().splitlines()]
    assert strip == ref_log
