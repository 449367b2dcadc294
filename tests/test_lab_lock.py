"""One process at a time on a run directory: a second is refused in one line naming the holder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rlscale.cli import main
from rlscale.lab.config import resolve_config
from rlscale.lab.lock import hold, holder
from rlscale.lab.store import RunDir
from rlscale.runformat import LOCK, LOG

pytest.importorskip("torch")

from lab_configs import TINY  # noqa: E402


def interrupted_run(path: Path, **pretrain) -> Path:
    """A run directory that was started and stopped before any work: everything is left to do."""
    doc = json.loads(json.dumps(TINY))
    doc["pretrain"].update(pretrain)
    cfg = resolve_config("quick", doc, 0)
    run = RunDir(path)
    run.start(cfg.to_dict(), cfg.digest())
    run.write_manifest(status="interrupted")
    return path


def cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_a_held_run_is_refused_naming_the_holder(tmp_path, capsys):
    run = interrupted_run(tmp_path / "run")
    with hold(run, "a test"):
        assert holder(run)["pid"] == os.getpid()
        code, out, err = cli(["lab", "resume", str(run)], capsys)
        assert code == 2 and out == "" and err.count("\n") == 1
        assert f"in use by pid {os.getpid()}" in err and "a test" in err
        code, _, err = cli(["lab", "run", "--preset", "quick", "-o", str(run)], capsys)
        assert code == 2 and "lab resume" in err       # already a run: never a second writer
    assert not (run / LOG).exists() or (run / LOG).read_text() == ""


def test_a_lock_left_by_a_killed_process_is_stale_and_taken(tmp_path):
    run = tmp_path / "run"
    code = ("import sys, os, signal; from rlscale.lab.lock import hold\n"
            "with hold(sys.argv[1], 'killed'): os.kill(os.getpid(), signal.SIGKILL)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", code, str(run)], env=env, timeout=60)
    assert proc.returncode == -9 and holder(run)["what"] == "killed"   # its file stays behind
    with hold(run, "the next one"):                                    # but the lock is free
        assert holder(run)["pid"] == os.getpid() and holder(run)["what"] == "the next one"


def test_a_new_run_into_an_empty_directory_leaves_no_lock_in_a_refused_folder(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep")
    code, _, err = cli(["lab", "run", "--preset", "quick", "-o", str(folder)], capsys)
    assert code == 2 and "not an empty directory" in err
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


@pytest.mark.slow
def test_two_concurrent_resumes_give_one_run_and_one_refusal(tmp_path):
    # enough pre-training (a few seconds) that the first still runs while the second starts up
    run = interrupted_run(tmp_path / "run", flop_budget=1e11, batch_size=32)
    cmd = [sys.executable, "-m", "rlscale", "lab", "resume", str(run)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    t0 = time.monotonic()
    while (holder(run) or {}).get("pid") != first.pid:
        assert first.poll() is None and time.monotonic() - t0 < 120, first.communicate()
        time.sleep(0.05)
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    still_running = first.poll() is None
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert still_running, "the first resume finished before the second started: no overlap tested"
    assert second.returncode == 2 and second.stderr.count("\n") == 1, second.stderr
    assert f"in use by pid {first.pid}" in second.stderr
    records = [json.loads(line) for line in (run / LOG).read_text().splitlines()]
    keys = [(r["phase"], r["step"], r.get("budget")) for r in records]
    assert len(keys) == len(set(keys)), "a step was logged twice"
    assert sum(r["phase"] == "rl" for r in records) == TINY["rl"]["steps"]


@pytest.mark.slow
@pytest.mark.parametrize("axis", [{}, {"axis_budgets": 3, "axis_span_oom": 0.3, "axis_workers": 1}],
                         ids=["serial", "axis-in-a-second-process"])
def test_ctrl_c_prints_the_resume_command_and_the_run_resumes(tmp_path, capsys, one_torch_thread,
                                                              axis):
    import signal

    run = tmp_path / "run"
    config = tmp_path / "c.json"
    doc = json.loads(json.dumps(TINY))
    doc["pretrain"].update(flop_budget=5e10, batch_size=32, **axis)
    config.write_text(json.dumps(doc))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-m", "rlscale", "lab"]
    proc = subprocess.Popen(cmd + ["run", "--preset", "quick", "--config", str(config), "-o", str(run)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            # a shell's background job inherits SIGINT ignored; a terminal's has it
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    t0 = time.monotonic()
    while not (run / LOG).is_file() or not (run / LOG).read_text().count("\n") >= 2:
        assert proc.poll() is None and time.monotonic() - t0 < 120, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and f"rlscale lab resume {run}" in lines[0], err
    assert RunDir(run).status() == "interrupted"
    code, _, err = cli(["lab", "resume", str(run)], capsys)   # the printed command, in-process
    assert code == 0, err
    assert RunDir(run).status() == "complete"
