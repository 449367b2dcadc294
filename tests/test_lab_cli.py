"""`rlscale lab ...` as a user runs it: output, exit codes, one-line errors, light imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rlscale.cli import main

TINY = {
    "preset": "quick",
    "task": {"name": "arithmetic", "difficulty": 1},
    "model": {"depth": 1},
    "pretrain": {"flop_budget": 3e9, "batch_size": 16, "warmup_steps": 2},
    "rl": {"steps": 3, "prompts_per_step": 2, "num_generations": 4, "num_checkpoints": 2},
    "eval": {"num_problems": 4, "samples_per_problem": 64, "thinking_budgets": 2,
             "think_samples": 2},
}


def cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def write(tmp_path, doc, name="c.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


def test_lab_tasks_lists_each_task_with_a_solution(capsys):
    code, out, _ = cli(["lab", "tasks"], capsys)
    assert code == 0
    assert "arithmetic" in out and "countdown" in out and "#" in out


@pytest.mark.parametrize("doc,needle", [
    ({"rl": {"learning_rat": 1e-4}}, "unknown config key 'rl.learning_rat'"),
    ({"pretrain": {"flop_budget": -5}}, "flop_budget"),
    ({"eval": {"rl_budget": "pass@500"}}, "k=500 is above the 128 samples"),
    ({"task": {"name": "sudoku"}}, "unknown task 'sudoku'"),
    ({"eval": {"samples_per_problem": 16}}, "must be >= 64"),
    ({"eval": {"think_forcing": "sometimes"}}, "'sometimes' is not one of ['cut', 'exact']"),
    ({"eval": {"max_thinking": -1}}, "eval.max_thinking' must be > 0"),
    ({"task": {"pretrain_error_rate": 0.05}}, "task 'arithmetic' has no steps to put errors in"),
    # the RL curve is scored at eval.rl_budget (pass@1): without pass@k that failed at the very end
    ({"eval": {"strategies": ["maj@k", "think"], "main_strategy": "think"}},
     "'pass@1' needs 'pass@k' in eval.strategies"),
])
def test_bad_config_is_one_line_exit_2(tmp_path, capsys, doc, needle):
    code, out, err = cli(["lab", "run", "--config", write(tmp_path, doc), "-o",
                          str(tmp_path / "r")], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err
    assert not (tmp_path / "r").exists()


def test_not_a_run_dir_is_one_line_exit_2(tmp_path, capsys):
    for cmd in (["lab", "show", str(tmp_path)], ["lab", "resume", str(tmp_path)],
                ["lab", "show", str(tmp_path / "missing"), "--json"]):
        code, out, err = cli(cmd, capsys)
        assert code == 2 and out == "" and "not a lab run directory" in err
        assert err.count("\n") == 1


def test_unknown_preset_is_exit_2(tmp_path, capsys):
    code, _, err = cli(["lab", "run", "--preset", "huge", "-o", str(tmp_path / "r")], capsys)
    assert code == 2 and "unknown preset 'huge'" in err


def test_cli_module_does_not_import_torch():
    code = ("import sys, rlscale.cli, rlscale.cli.lab, rlscale.lab.config, rlscale.lab.tasks, "
            "rlscale.lab.inference, rlscale.lab.store; rlscale.cli.build_app(); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_torch_names_the_extra(tmp_path):
    code = ("import sys; sys.modules['torch'] = None; from rlscale.cli import main; "
            f"main(['lab', 'run', '--preset', 'quick', '-o', {str(tmp_path / 'r')!r}])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2 and "pip install 'rlscale[lab]'" in proc.stderr
    assert proc.stderr.count("\n") == 1


@pytest.mark.slow
def test_run_show_resume_compare_report(tmp_path, capsys):
    pytest.importorskip("torch")
    run_dir = tmp_path / "run"
    code, out, err = cli(["lab", "run", "--config", write(tmp_path, TINY), "--seed", "3",
                          "-o", str(run_dir)], capsys)
    assert code == 0 and "run complete" in err
    code, out, _ = cli(["lab", "show", str(run_dir), "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["status"] == "complete"
    assert set(doc) >= {"status", "curves", "flops", "comparison"}
    ids = {c["id"]: c for c in doc["curves"]}
    assert ids["lab-rl"]["axis"] == "rl" and ids["lab-rl"]["n_points"] == 2
    assert ids["lab-inf-maj@k-step3"]["compute_max"] / ids["lab-inf-maj@k-step3"]["compute_min"] \
        == pytest.approx(64)
    assert {"pretrain", "rollout_prefill", "rollout_decode", "train_forward_backward",
            "eval_inference"} <= set(doc["flops"])
    assert set(doc["comparison"]) >= {"slope_ratio"}
    code, out, _ = cli(["lab", "show", str(run_dir)], capsys)
    assert code == 0 and "lab-rl" in out and "complete" in out
    # a second run into the same directory is refused; resume of a complete run is a no-op
    code, _, err = cli(["lab", "run", "--config", write(tmp_path, TINY), "-o", str(run_dir)], capsys)
    assert code == 2 and "lab resume" in err
    before = (run_dir / "observations.csv").read_bytes()
    code, _, _ = cli(["lab", "resume", str(run_dir)], capsys)
    assert code == 0 and (run_dir / "observations.csv").read_bytes() == before
    # the analysis commands read the run directory as data
    code, out, err = cli(["compare", str(run_dir), "--rl", "lab-rl", "--inference",
                          "lab-inf-maj@k-step3", "--json"], capsys)
    assert code == 0, err
    assert "slope_ratio" in json.loads(out)
    code, out, err = cli(["report", str(run_dir), "-o", str(tmp_path / "report"),
                          "--bootstrap", "50"], capsys)
    assert code == 0, err
    assert any((tmp_path / "report").iterdir())
