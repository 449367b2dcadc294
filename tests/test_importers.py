"""Importers: fixtures made by the real tools (TRL, SummaryWriter) or to the tools' published
schemas (verl, W&B, lm-eval) become observation tables that fit and appear in a report."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import importer_runs

ROOT = Path(__file__).resolve().parents[1]


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    from rlscale.cli import main

    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory) -> Path:
    return importer_runs.schema_fixtures(tmp_path_factory.getbasetemp() / "importer-fixtures")


@pytest.fixture(scope="session")
def trl_run(fixtures) -> Path:
    pytest.importorskip("trl")
    pytest.importorskip("tensorboard")
    return importer_runs.trl_fixture(fixtures)


@pytest.fixture(scope="session")
def summarywriter_run(fixtures) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("tensorboard")
    logdir = fixtures / "tensorboard" / "verl-run"
    if not logdir.exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch/tensorboard deprecations are not ours
            importer_runs.write_summarywriter(logdir)
    return logdir


# ------------------------------------------------------------------------------------ TRL

@pytest.mark.slow
def test_trl_run_imports_with_eval_metric_and_flops(trl_run, capsys, tmp_path):
    out = tmp_path / "trl.csv"
    code, stdout, err = run_cli(capsys, "import", "trl", trl_run, "--model-config",
                                trl_run / "config.json", "-o", out)
    assert code == 0, err
    assert "compute_unit flop" in stdout and "eval_reward" in stdout
    assert "training reward" not in err  # an eval metric was logged: no training-reward warning
    from rlscale.data import read_observations

    obs = read_observations(out)
    assert list(obs["axis"].unique()) == ["rl"] and list(obs["provenance"].unique()) == ["measured"]
    assert list(obs["benchmark"].unique()) == ["eval_reward"]
    assert len(obs) == importer_runs.STEPS // 2  # eval every 2 steps
    assert obs["compute"].is_monotonic_increasing
    assert "N_matmul" in obs["note"].iloc[0] and "num_tokens" in obs["note"].iloc[0]


@pytest.mark.slow
def test_trl_rl_flops_agree_with_the_lab_ledger_and_flop_counter(trl_run):
    """FLOPs from the log's token counts vs (a) the lab's exact formulas on the sequence lengths
    the reward function saw, (b) what FlopCounterMode counted on the same training run."""
    from rlscale.importers import Options, import_run
    from rlscale.importers.flops import compute_model, load_model_shape
    from rlscale.lab.flops import generation_flops, train_step_flops

    cm = compute_model(str(trl_run / "config.json"), None)
    frame = import_run("trl", trl_run, Options(metric="reward", compute=cm)).frame
    from_log = frame["compute"].iloc[-1]
    measured = json.loads((trl_run / "measured.json").read_text())
    shape = load_model_shape(trl_run / "config.json")
    assert shape.n_kv_head == 2 and shape.n_head == 4  # grouped-query attention honoured
    ledger = sum(generation_flops(shape, r["prompt_lens"], r["completion_lens"])
                 + train_step_flops(shape, r["prompt_lens"], r["completion_lens"])
                 for r in measured["rollouts"])
    assert len(measured["rollouts"]) == importer_runs.STEPS
    assert abs(from_log / ledger - 1) < 0.10
    # FlopCounterMode misses CPU attention-score products; TRL keeps logits of completions only
    assert abs(from_log / measured["flop_counter_train"] - 1) < 0.10


@pytest.mark.slow
def test_trl_checkpoint_and_training_reward_warning(trl_run, capsys):
    code, stdout, err = run_cli(capsys, "import", "trl", trl_run / "checkpoint-4", "--metric",
                                "reward")
    assert code == 0, err
    assert "training reward" in err and "compute_unit tokens" in err
    lines = stdout.strip().splitlines()
    assert lines[0].startswith("curve,axis,compute,score") and len(lines) == 1 + 4
    assert all(line.startswith("trl-grpo-tiny,rl,") for line in lines[1:])


@pytest.mark.slow
def test_tensorboard_events_of_the_trl_run_give_the_same_compute(trl_run):
    from rlscale.importers import Options, import_run
    from rlscale.importers.flops import compute_model

    cm = compute_model(str(trl_run / "config.json"), None)
    trl = import_run("trl", trl_run, Options(compute=cm)).frame
    tb = import_run("tensorboard", trl_run / "runs", Options(compute=cm)).frame
    assert list(tb["benchmark"].unique()) == ["eval/reward"]
    assert tb["compute"].tolist() == pytest.approx(trl["compute"].tolist(), rel=1e-9)
    assert tb["score"].tolist() == pytest.approx(trl["score"].tolist(), rel=1e-6)


# ------------------------------------------------------------------ the other sources

def test_summarywriter_file_reads_verl_tags(summarywriter_run):
    from rlscale.importers import Options, import_run

    events = sorted(summarywriter_run.glob("events.out.tfevents*"))
    result = import_run("tensorboard", events[0], Options())
    frame = result.frame
    assert list(frame["benchmark"].unique()) == ["val-core/math/acc/mean@1"]
    assert list(frame["compute_unit"].unique()) == ["tokens"]
    # perf/total_num_tokens is per step: the compute is its running sum
    assert frame["compute"].iloc[0] == pytest.approx(2 * 32 * 90 + 32 * (300 + 6) + 32 * (300 + 12))


def test_verl_jsonl_flops_count_the_passes_the_log_shows(fixtures):
    from rlscale.importers import Options, import_run
    from rlscale.importers.flops import compute_model, load_model_shape
    from rlscale.lab.flops import forward_flops

    cm = compute_model(str(fixtures / "qwen2-0.5b-config.json"), None)
    result = import_run("verl", fixtures / "verl" / "metrics.jsonl", Options(compute=cm))
    frame = result.frame
    assert frame["benchmark"].iloc[0] == "val-core/openai/gsm8k/reward/mean@1"
    assert any("step(s) 0" in w for w in result.warnings)  # val before training: no RL compute
    note = frame["note"].iloc[0]
    assert "KL reference" in note and "old log-probs" in note
    shape = load_model_shape(fixtures / "qwen2-0.5b-config.json")
    expected = 0.0
    for s in (1, 2):  # first validation at step 2
        t = 118.0 + 260.0 + 9.0 * s
        tokens = int(64 * t)
        expected += 6 * forward_flops(shape, tokens * (t - 1) / t, t / 2)  # 1 + 3 + 1 + 1 passes
    assert frame["compute"].iloc[0] == pytest.approx(expected, rel=1e-9)


def test_wandb_history_needs_completions_per_step_for_attention_flops(fixtures, capsys, tmp_path):
    csv = fixtures / "wandb" / "grpo-history.csv"
    out = tmp_path / "w.csv"
    code, _, err = run_cli(capsys, "import", "wandb", csv, "--model-config",
                           fixtures / "qwen2-0.5b-config.json", "-o", out)
    assert code == 2 and "--completions-per-step" in err and not out.exists()
    code, stdout, err = run_cli(capsys, "import", "wandb", csv, "--model-config",
                                fixtures / "qwen2-0.5b-config.json", "--completions-per-step",
                                "16", "-o", out)
    assert code == 0, err
    from rlscale.data import read_observations

    obs = read_observations(out)
    assert list(obs["benchmark"].unique()) == ["eval/reward"] and len(obs) == 8
    code, _, err = run_cli(capsys, "import", "wandb", csv, "--params", "4.9e8", "--metric",
                           "train/reward", "-o", tmp_path / "p.csv")
    assert code == 0 and "training reward" in err


def test_lmeval_results_make_an_inference_curve(fixtures, tmp_path, capsys):
    from rlscale.importers import Options, import_run

    frame = import_run("lm-eval", fixtures / "lm-eval", Options()).frame
    assert frame["compute"].tolist() == [1, 2, 4, 8, 16]
    assert list(frame["axis"].unique()) == ["inference"]
    assert list(frame["compute_unit"].unique()) == ["samples"]
    assert frame["n"].tolist() == [importer_runs.PROBLEMS] * 5
    tok = importer_runs.write_tokenizer(tmp_path / "tokenizer.json")
    counted = import_run("lm-eval", fixtures / "lm-eval", Options(), tokenizer=str(tok)).frame
    assert list(counted["compute_unit"].unique()) == ["tokens"]
    # character-level tokenizer: generated tokens = characters of every resp, per problem
    expected = sum(len(f"{'step ' * (3 + d % 7)}the answer is {d}")
                   for d in range(importer_runs.PROBLEMS)) / importer_runs.PROBLEMS
    assert counted["compute"].iloc[0] == pytest.approx(expected)
    assert counted["compute"].is_monotonic_increasing


def test_list_metrics(fixtures, capsys):
    code, stdout, _ = run_cli(capsys, "import", "verl", fixtures / "verl" / "metrics.jsonl",
                              "--list-metrics")
    assert code == 0
    names = stdout.split()
    assert "critic/score/mean" in names and "perf/total_num_tokens" in names


@pytest.mark.slow
def test_every_fixture_imports_fits_and_appears_in_a_report(fixtures, trl_run, summarywriter_run,
                                                           tmp_path, capsys):
    table = tmp_path / "runs.csv"
    config = fixtures / "qwen2-0.5b-config.json"
    imports = [
        ("trl", trl_run, "--model-config", trl_run / "config.json"),
        ("tensorboard", trl_run / "runs", "--model-config", trl_run / "config.json",
         "--curve", "trl-tensorboard"),
        ("tensorboard", summarywriter_run, "--params", "4.9e8"),
        ("verl", fixtures / "verl" / "metrics.jsonl", "--model-config", config),
        ("wandb", fixtures / "wandb" / "grpo-history.csv", "--model-config", config,
         "--completions-per-step", "16"),
        ("lm-eval", fixtures / "lm-eval"),
    ]
    for kind, path, *flags in imports:
        code, _, err = run_cli(capsys, "import", kind, path, *flags, "-o", table, "--append")
        assert code == 0, err
    from rlscale.data import read_observations

    curves = sorted(read_observations(table)["curve"].unique())
    assert len(curves) == len(imports)
    code, stdout, err = run_cli(capsys, "fit", table, "--json", "--bootstrap", "200")
    assert code == 0, err
    assert sorted(c["curve"] for c in json.loads(stdout)["fits"]) == curves
    code, _, err = run_cli(capsys, "report", table, "-o", tmp_path / "report")
    assert code == 0, err
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    text = json.dumps(results)
    assert all(f'"{c}"' in text for c in curves)
    paired = {c["rl"] for c in results["comparisons"]}
    assert paired == set(curves) - {"lm-eval-tiny-policy-gsm8k"}


def test_kind_path_is_data_everywhere(fixtures, capsys):
    code, stdout, err = run_cli(capsys, "fit", f"verl:{fixtures / 'verl' / 'metrics.jsonl'}",
                                "--bootstrap", "100", "--json")
    assert code == 0, err
    assert json.loads(stdout)["fits"][0]["curve"] == "verl-metrics"
    assert "compute is in tokens" in err  # defaults: no model config


def test_import_rlscale_stays_light():
    code = ("import rlscale, sys, rlscale.importers, rlscale.cli.importer, rlscale.importers.trl, "
            "rlscale.importers.tensorboard, rlscale.importers.lmeval; "
            "assert not {'torch', 'trl', 'tensorboard', 'transformers', 'tokenizers', 'pandas'} "
            "& set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_missing_extra_names_the_extra(fixtures, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # import tensorboard -> ImportError
    monkeypatch.setitem(sys.modules, "tensorboard.backend.event_processing", None)
    code, _, err = run_cli(capsys, "import", "tensorboard", fixtures)
    assert code == 2
    assert err.strip().splitlines() == [
        "rlscale: error: this needs the optional dependency 'tensorboard': install it with "
        "pip install 'rlscale[tensorboard]'"]


def test_lmeval_max_gen_toks_budget_and_gen_kwargs_override(tmp_path):
    from rlscale.importers import Options, import_run

    for j, cap in enumerate((128, 512, 2048)):
        doc = {"results": {"math": {"exact_match,none": 0.2 + 0.1 * j}}, "model_name": "m",
               "configs": {"math": {"repeats": 1, "generation_kwargs": {"max_gen_toks": 64}}},
               "config": {"gen_kwargs": f"temperature=0,max_gen_toks={cap}"}}
        (tmp_path / f"results_2026-01-0{j + 1}.json").write_text(json.dumps(doc))
    frame = import_run("lm-eval", tmp_path, Options(curve="budget")).frame
    assert frame["compute"].tolist() == [128, 512, 2048]
    assert list(frame["compute_unit"].unique()) == ["tokens"]
    assert "max_gen_toks = 128" in frame["note"].iloc[0]


def test_tensorboard_directory_of_runs_gives_a_curve_per_run(summarywriter_run, tmp_path, capsys):
    import shutil

    for name in ("seed-0", "seed-1"):
        shutil.copytree(summarywriter_run, tmp_path / "runs" / name)
    code, stdout, err = run_cli(capsys, "import", "tensorboard", tmp_path / "runs", "--axis",
                                "inference")
    assert code == 0, err
    rows = [line.split(",") for line in stdout.strip().splitlines()[1:]]
    assert {r[0] for r in rows} == {"tensorboard-seed-0", "tensorboard-seed-1"}
    assert {r[1] for r in rows} == {"inference"}
    code, _, err = run_cli(capsys, "import", "tensorboard", tmp_path / "runs", "--curve", "x")
    assert code == 2 and "2 runs here" in err
