"""Pre-training as a third axis (issue 15 item 4): config rules, file names and curve id, the
three-way exchange on hand-built fits, and one real run of examples/lab-pretrain-axis.toml
(with a SIGKILL in the axis phase and a resume that writes the same observations)."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from rlscale import runformat as rf
from rlscale.errors import RlscaleError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "lab-pretrain-axis.toml"
CMD = [sys.executable, "-m", "rlscale"]
E_KEYS = {"value", "ci_low", "ci_high"}


# ------------------------------------------------------------------------------------- config
def test_axis_is_off_by_default_and_keeps_old_digests():
    from rlscale.lab.config import resolve_config

    for preset in ("quick", "default"):
        cfg = resolve_config(preset)
        assert cfg.pretrain.axis_budgets == 0
        # off: the keys stay out of the run's config, so runs made before the axis still resume
        assert "axis_budgets" not in cfg.to_dict()["pretrain"]
    on = resolve_config("quick", {"pretrain": {"axis_budgets": 5}})
    assert on.to_dict()["pretrain"]["axis_budgets"] == 5
    assert on.to_dict()["pretrain"]["axis_span_oom"] == 1.5
    assert on.digest() != resolve_config("quick").digest()


@pytest.mark.parametrize("section, match", [
    ({"axis_budgets": 1}, "axis_budgets"), ({"axis_budgets": 2}, "axis_budgets"),
    ({"axis_budgets": 17}, "axis_budgets"), ({"axis_budgets": 2.5}, "axis_budgets"),
    ({"axis_budgets": 5, "axis_span_oom": 0}, "axis_span_oom"),
    ({"axis_budgets": 5, "axis_span_oom": 4.5}, "axis_span_oom"),
])
def test_bad_axis_settings_are_one_line_errors(section, match):
    from rlscale.lab.config import resolve_config

    with pytest.raises(RlscaleError, match=f"pretrain.{match}"):
        resolve_config("quick", {"pretrain": section})


def test_axis_needs_the_native_engine():
    from rlscale.lab.config import resolve_config

    with pytest.raises(RlscaleError, match="axis_budgets.*native"):
        resolve_config("quick", {"engine": "trl", "pretrain": {"axis_budgets": 5}})


def test_a_budget_below_the_warmup_is_refused_before_anything_is_written(tmp_path):
    pytest.importorskip("torch")
    cfg = tmp_path / "axis.toml"
    cfg.write_text('preset = "quick"\n[pretrain]\naxis_budgets = 5\naxis_span_oom = 4\n')
    out = tmp_path / "run"
    done = _cli("lab", "run", "--config", str(cfg), "-o", str(out))
    assert done.returncode == 2
    assert "pretrain.axis_span_oom" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and not out.exists()


def test_axis_budgets_are_log_spaced_below_the_main_budget():
    from rlscale.lab.config import resolve_config
    from rlscale.lab.pretrain_axis import axis_budgets

    pc = resolve_config("quick", {"pretrain": {"axis_budgets": 5, "axis_span_oom": 2}}).pretrain
    budgets = axis_budgets(pc)
    assert len(budgets) == 4
    logs = np.log10([pc.flop_budget, *budgets])
    assert np.allclose(np.diff(logs), -0.5)
    assert axis_budgets(resolve_config("quick").pretrain) == []


def test_runformat_names_are_distinct_and_spelled_once():
    names = {f(i) for f in (rf.pretrain_axis_checkpoint, rf.pretrain_axis_state) for i in (1, 2)}
    assert len(names) == 4 and not names & {rf.BASE_CHECKPOINT, rf.PRETRAIN_STATE}
    assert rf.pretrain_axis_eval(3) != rf.eval_file(3)
    assert rf.PRETRAIN_CURVE not in (rf.RL_CURVE,) and rf.parse_inference_curve(rf.PRETRAIN_CURVE) is None


# ------------------------------------------------------------------------------ three-way maths
def _curve(curve: str, axis: str, slope: float, noise: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = np.linspace(9, 11, 7)
    score = np.clip(0.2 + slope * (x - 9) + rng.normal(0, noise, x.size), 0.01, 0.99)
    return pd.DataFrame({"curve": curve, "axis": axis, "compute": 10 ** x, "score": score,
                         "compute_unit": "flop", "n": 20000})


def _fits(pre_slope: float, rl_slope: float = 0.075, inf_slope: float = 0.15):
    from rlscale.fitting import fit

    df = pd.concat([_curve("pre", "pretrain", pre_slope, 0.002, 1),
                    _curve("rl", "rl", rl_slope, 0.002, 2),
                    _curve("inf", "inference", inf_slope, 0.002, 3)], ignore_index=True)
    fits = fit(df, form="loglinear", seed=0, bootstrap=400)
    return fits["pre"], fits["rl"], fits["inf"]


def test_three_way_is_inference_slope_over_each_axis_slope():
    from rlscale.convert.three_way import three_way

    doc = three_way(*_fits(pre_slope=0.1))
    pre, rl = doc["pretrain_oom_per_inference_oom"], doc["rl_oom_per_inference_oom"]
    assert set(pre) == set(rl) == E_KEYS
    assert pre["value"] == pytest.approx(1.5, rel=0.05)
    assert rl["value"] == pytest.approx(2.0, rel=0.05)
    for e in (pre, rl):
        assert e["ci_low"] < e["value"] < e["ci_high"]
    s = doc["slope_per_decade"]
    assert pre["value"] == pytest.approx(s["inference"]["value"] / s["pretrain"]["value"])
    assert doc["essay"]["pretrain_oom_per_inference_oom"] == pytest.approx(2 / 3)
    assert doc["essay"]["rl_oom_per_inference_oom"] == 2.0
    assert not any("axis" in n for n in doc["notes"])  # compare(axis="pretrain"): no axis warning
    json.dumps(doc, allow_nan=False)


def test_a_flat_axis_gives_null_bounds_and_a_note():
    from rlscale.convert.three_way import describe, three_way

    doc = three_way(*_fits(pre_slope=0.0))
    pre = doc["pretrain_oom_per_inference_oom"]
    assert pre["ci_low"] is None and pre["ci_high"] is None
    assert any(n.startswith("pretrain_oom_per_inference_oom: no interval") for n in doc["notes"])
    assert doc["rl_oom_per_inference_oom"]["ci_low"] is not None
    text = "\n".join(describe(doc))
    assert "1,000,000x RL" in text
    assert "undefined" in text or "no interval" in text


def test_report_section_needs_all_three_fits():
    from rlscale.convert.three_way import report_section

    pre, rl, inf = _fits(pre_slope=0.1)
    fits = {"p": pre, "rl": rl, "inf": inf}
    assert report_section(fits, {"rl": "rl", "inference": "inf"}, "missing") is None
    assert report_section(fits, {"rl": None, "inference": None}, "p") is None
    doc = report_section(fits, {"rl": "rl", "inference": "inf"}, "p")
    assert doc["curves"] == {"pretrain": "pre", "rl": "rl", "inference": "inf"}


def test_compare_warns_about_a_pretrain_curve_only_when_not_told():
    from rlscale.convert import compare

    pre, _, inf = _fits(pre_slope=0.1)
    assert any("axis 'pretrain'" in w for w in compare(pre, inf).warnings)
    assert not any("axis 'pretrain'" in w for w in compare(pre, inf, axis="pretrain").warnings)


# ------------------------------------------------------------------------------ one real run
def _run(*args, **kw):
    return subprocess.run(CMD + list(args), check=False, capture_output=True, text=True, timeout=600, **kw)


def _cli(*args) -> SimpleNamespace:
    """``rlscale ARGS`` in this process (no interpreter and torch start-up), with the exit code
    and the streams that ``_run`` gives for a child process."""
    import contextlib
    import io

    from rlscale.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            pytest.raises(SystemExit) as exc:
        main(list(args))
    return SimpleNamespace(returncode=exc.value.code, stdout=out.getvalue(), stderr=err.getvalue())


@pytest.fixture(scope="module")
def axis_run(tmp_path_factory):
    pytest.importorskip("torch")
    out = tmp_path_factory.mktemp("axis") / "run"
    done = _run("lab", "run", "--config", str(EXAMPLE), "-o", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_example_run_has_the_pretrain_curve_and_the_three_way(axis_run):
    obs = pd.read_csv(axis_run / rf.OBSERVATIONS)
    pre = obs[obs["curve"] == rf.PRETRAIN_CURVE]
    assert list(pre["axis"].unique()) == ["pretrain"] and len(pre) == 5
    assert pre["compute"].is_monotonic_increasing
    ledger = json.loads((axis_run / rf.LEDGER).read_text())["flops"]
    assert pre["compute"].iloc[-1] == pytest.approx(ledger["pretrain"])   # RL's base is the last
    assert ledger["pretrain_axis"] == pytest.approx(pre["compute"].iloc[:-1].sum())
    # spent FLOPs overshoot each budget by under one step
    assert math.log10(pre["compute"].max() / pre["compute"].min()) == pytest.approx(1.5, abs=0.05)
    show = _cli("lab", "show", str(axis_run), "--json")
    assert show.returncode == 0, show.stderr
    tw = json.loads(show.stdout)["three_way"]
    for key in ("pretrain_oom_per_inference_oom", "rl_oom_per_inference_oom"):
        assert set(tw[key]) == E_KEYS
    assert tw["curves"]["pretrain"] == rf.PRETRAIN_CURVE
    text = _cli("lab", "show", str(axis_run))
    assert "three-way exchange" in text.stdout
    fitted = _cli("fit", str(axis_run), "--json")
    assert fitted.returncode == 0, fitted.stderr
    assert rf.PRETRAIN_CURVE in fitted.stdout


@pytest.mark.slow
def test_report_of_the_run_has_the_three_way_table(axis_run, tmp_path):
    out = tmp_path / "report"
    done = _cli("report", str(axis_run), "-o", str(out))
    assert done.returncode == 0, done.stderr
    tw = json.loads((out / "results.json").read_text())["three_way"]
    assert set(tw["pretrain_oom_per_inference_oom"]) == E_KEYS
    assert tw["curves"]["pretrain"] == rf.PRETRAIN_CURVE
    md = (out / "report.md").read_text()
    assert "## Three-way exchange" in md and "1,000,000x RL" in md
    assert 'id="three-way"' in (out / "index.html").read_text()


def _axis_records(run_dir: Path, model: int) -> int:
    try:
        lines = (run_dir / rf.LOG).read_text().splitlines()
    except FileNotFoundError:
        return 0
    return sum(1 for ln in lines if f'"axis_model": {model}' in ln)


@pytest.mark.slow
def test_sigkill_in_the_axis_phase_then_resume_writes_the_same_observations(axis_run, tmp_path,
                                                                           one_torch_thread):
    crashed = tmp_path / "crashed"
    proc = subprocess.Popen(CMD + ["lab", "run", "--config", str(EXAMPLE), "-o", str(crashed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while _axis_records(crashed, 2) < 30:   # past axis model 2's first saved state (every 20)
        assert proc.poll() is None, "the run ended before the axis phase could be interrupted"
        assert time.monotonic() - t0 < 600
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (crashed / rf.EVALS / rf.pretrain_axis_eval(1)).is_file()       # model 1 was kept
    assert not (crashed / rf.EVALS / rf.pretrain_axis_eval(2)).is_file()
    assert (crashed / rf.CHECKPOINTS / rf.pretrain_axis_state(2)).is_file()
    done = _cli("lab", "resume", str(crashed))   # the killed process's run, resumed here
    assert done.returncode == 0, done.stderr
    assert (crashed / rf.OBSERVATIONS).read_bytes() == (axis_run / rf.OBSERVATIONS).read_bytes()
    assert json.loads((crashed / rf.LEDGER).read_text()) == \
        json.loads((axis_run / rf.LEDGER).read_text())
    assert not (crashed / rf.CHECKPOINTS / rf.pretrain_axis_state(2)).exists()


@pytest.mark.slow
def test_a_damaged_axis_evaluation_is_one_line_and_deleting_it_recomputes_it(axis_run, tmp_path,
                                                                            one_torch_thread):
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(axis_run, run)
    cached = run / rf.EVALS / rf.pretrain_axis_eval(3)
    cached.write_text("{not json")
    done = _cli("lab", "resume", str(run))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert rf.pretrain_axis_eval(3) in done.stderr and "delete it" in done.stderr
    cached.unlink()
    done = _cli("lab", "resume", str(run))
    assert done.returncode == 0, done.stderr
    assert (run / rf.OBSERVATIONS).read_bytes() == (axis_run / rf.OBSERVATIONS).read_bytes()


# ------------------------------------------------------------------ the axis in a second process
def _parallel_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "axis-parallel.toml"
    cfg.write_text(EXAMPLE.read_text() + "axis_workers = 1\n")
    return cfg


def _files(run_dir: Path) -> dict[str, bytes]:
    """The run's result files by name: observations, ledger, step log and every evaluation."""
    names = [rf.OBSERVATIONS, rf.LEDGER, rf.LOG] + [
        f"{rf.EVALS}/{p.name}" for p in sorted((run_dir / rf.EVALS).iterdir())]
    return {n: (run_dir / n).read_bytes() for n in names}


@pytest.mark.slow
def test_axis_in_a_second_process_gives_the_serial_runs_files_byte_for_byte(axis_run, tmp_path):
    out = tmp_path / "parallel"
    done = _run("lab", "run", "--config", str(_parallel_config(tmp_path)), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert _files(out) == _files(axis_run)            # the step log too: records moved after RL
    assert not (out / rf.AXIS_LOG).exists()


def _snapshot(run_dir: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in run_dir.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_sigkill_of_a_run_ends_its_axis_process_and_resume_gives_the_same_files(axis_run, tmp_path,
                                                                              one_torch_thread):
    crashed = tmp_path / "crashed"
    proc = subprocess.Popen(CMD + ["lab", "run", "--config", str(_parallel_config(tmp_path)),
                                   "-o", str(crashed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    side = crashed / rf.AXIS_LOG
    t0 = time.monotonic()
    while not (side.is_file() and f'"axis_model": 2' in side.read_text()):
        assert proc.poll() is None, "the run ended before its axis process could be interrupted"
        assert time.monotonic() - t0 < 600
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(1.5)                        # the axis process notices within 0.2 s and ends
    before = _snapshot(crashed)
    time.sleep(1.0)
    assert _snapshot(crashed) == before, "something still writes the killed run"
    done = _cli("lab", "resume", str(crashed))
    assert done.returncode == 0, done.stderr
    assert (crashed / rf.OBSERVATIONS).read_bytes() == (axis_run / rf.OBSERVATIONS).read_bytes()
    assert json.loads((crashed / rf.LEDGER).read_text()) == \
        json.loads((axis_run / rf.LEDGER).read_text())
    assert not side.exists()
