"""engine = "trl": TRL's GRPOTrainer as the lab's RL phase (tiny random Llama / Qwen2, CPU, offline).

What a user sees: `rlscale lab run --engine trl` writes a run directory that `fit`, `report` and
`lab show` read; its ledger counts what FlopCounterMode counts on the same step (within 10 %); its
rewards are the native verifier's; bad configs are one line and exit 2.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("trl")

sys.path.insert(0, str(Path(__file__).parent))
import lab_trl_models  # noqa: E402


SMALL = {"preset": "quick", "engine": "trl",
         "rl": {"steps": 3, "num_checkpoints": 2, "prompts_per_step": 4, "num_generations": 4},
         "eval": {"num_problems": 4, "samples_per_problem": 64, "thinking_budgets": 2,
                  "think_samples": 2}}


def exit_code(*args) -> int:
    from rlscale.cli import main

    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        return exc.code or 0
    return 0


def cli(capsys, *args) -> tuple[int, str, str]:
    code = exit_code(*args)
    out = capsys.readouterr()
    return code, out.out, out.err


def write_config(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf-models")
    return {k: lab_trl_models.save_tiny(k, root / k) for k in ("llama", "qwen2")}


@pytest.fixture(scope="module")
def llama_run(models, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trl-run")
    cfg = write_config(tmp / "cfg.json", {**SMALL, "model": {"hf_path": str(models["llama"])}})
    assert exit_code("lab", "run", "--config", cfg, "-o", tmp / "run") == 0
    return tmp / "run"


# ------------------------------------------------------------------------------ whole runs
@pytest.mark.slow
def test_trl_run_is_a_run_directory_that_fit_report_and_show_read(llama_run, tmp_path, capsys):
    import pandas as pd

    manifest = json.loads((llama_run / "rlscale-run.json").read_text())
    assert manifest["status"] == "complete" and manifest["checkpoint_steps"] == [1, 3]
    obs = pd.read_csv(llama_run / "observations.csv")
    rl = obs[obs["curve"] == "lab-rl"]
    assert len(rl) == 2 and rl["compute"].is_monotonic_increasing
    assert {"lab-inf-pass@k-step0", "lab-inf-think-step3"} <= set(obs["curve"])
    assert set(obs["model"]) == {"llama"}
    ledger = json.loads((llama_run / "ledger.json").read_text())["flops"]
    assert min(ledger[c] for c in ("rollout_prefill", "rollout_decode",
                                   "train_forward_backward")) > 0
    assert ledger["ref_logprobs"] == ledger["old_logprobs"] == 0   # beta 0, one iteration
    log = [json.loads(line) for line in (llama_run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3]
    assert rl["compute"].iloc[-1] == log[-1]["rl_flops"]
    code, out, err = cli(capsys, "fit", llama_run, "--json")
    assert code == 0, err
    assert {f["curve"] for f in json.loads(out)["fits"]} >= {"lab-rl"}
    code, _, err = cli(capsys, "report", llama_run, "-o", tmp_path / "report")
    assert code == 0, err
    assert (tmp_path / "report" / "index.html").is_file()
    code, out, err = cli(capsys, "lab", "show", llama_run, "--json")
    assert code == 0 and json.loads(out)["status"] == "complete"


@pytest.mark.slow
def test_qwen2_run_with_kl_and_two_iterations_resumes_after_its_last_checkpoint(models, tmp_path, capsys):
    cfg = write_config(tmp_path / "cfg.json", {
        **SMALL, "model": {"hf_path": str(models["qwen2"])},
        "rl": {**SMALL["rl"], "beta": 0.04, "num_iterations": 2},
        "eval": {**SMALL["eval"], "strategies": ["pass@k", "think"], "main_strategy": "pass@k",
                 "think_forcing": "exact", "max_thinking": 8}})
    run = tmp_path / "run"
    code, _, err = cli(capsys, "lab", "run", "--config", cfg, "-o", run)
    assert code == 0, err
    think = [r for r in json.loads((run / "evals" / "step000003.json").read_text())["rows"]
             if r["strategy"] == "think"]
    assert [r["k"] for r in think] == [1, 8]       # exact budgets: 1 and eval.max_thinking
    assert think[0]["compute"] < think[1]["compute"]
    ledger = json.loads((run / "ledger.json").read_text())["flops"]
    assert ledger["ref_logprobs"] > 0 and ledger["old_logprobs"] > 0
    assert ledger["train_forward_backward"] == 2 * 3 * ledger["old_logprobs"]
    trl_dir = run / "checkpoints" / "trl"
    assert sorted(p.name for p in trl_dir.glob("checkpoint-*")) == ["checkpoint-2", "checkpoint-6"]
    # as if killed after the first checkpoint: the last checkpoint and its evaluation are gone
    shutil.rmtree(trl_dir / "checkpoint-6")
    (run / "evals" / "step000003.json").unlink()
    manifest = json.loads((run / "rlscale-run.json").read_text())
    (run / "rlscale-run.json").write_text(json.dumps({**manifest, "status": "interrupted"}))
    code, _, err = cli(capsys, "lab", "resume", run)
    assert code == 0, err
    assert (trl_dir / "checkpoint-6" / "rlscale-ledger.json").is_file()
    resumed = json.loads((run / "ledger.json").read_text())["flops"]
    assert resumed["train_forward_backward"] > 0 and resumed.keys() == ledger.keys()
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    # one record per lab step (TRL logs the rewards at the first of its num_iterations updates)
    assert [(r["step"], r["trl_step"]) for r in log] == [(1, 1), (2, 3), (3, 5)]


@pytest.mark.slow
def test_lab_policy_trained_by_trl_sees_the_native_problems_and_evaluation(tmp_path, capsys):
    """Without model.hf_path: native pre-training, the exported policy trained by TRL, the lab's
    evaluation. Same base evaluation and the same rollout prompts (prefill FLOPs) as native."""
    doc = {"preset": "quick", "pretrain": {"flop_budget": 2e10},
           "rl": {"steps": 2, "num_checkpoints": 2},
           "eval": {"num_problems": 4, "strategies": ["pass@k", "maj@k"], "main_strategy": "maj@k"}}
    runs = {}
    for engine in ("native", "trl"):
        cfg = write_config(tmp_path / f"{engine}.json", doc)
        runs[engine] = tmp_path / engine
        code, _, err = cli(capsys, "lab", "run", "--config", cfg, "--engine", engine, "-o", runs[engine])
        assert code == 0, err
    ledgers = {e: json.loads((d / "ledger.json").read_text())["flops"] for e, d in runs.items()}
    assert ledgers["trl"]["pretrain"] == ledgers["native"]["pretrain"]
    assert ledgers["trl"]["rollout_prefill"] == ledgers["native"]["rollout_prefill"]
    assert ((runs["trl"] / "evals" / "step000000.json").read_text()
            == (runs["native"] / "evals" / "step000000.json").read_text())
    assert (runs["trl"] / "checkpoints" / "hf-base" / "config.json").is_file()
    assert json.loads((runs["trl"] / "rlscale-run.json").read_text())["status"] == "complete"


# ------------------------------------------------------------------------------ FLOPs, rewards
def _context(tmp_path, cfg_doc):
    from rlscale.lab.config import resolve_config
    from rlscale.lab.runner import _Context
    from rlscale.lab.store import RunDir

    cfg = resolve_config(None, cfg_doc)
    run = RunDir(tmp_path / "run")
    run.start(cfg.to_dict(), cfg.digest())
    return _Context(run, cfg, None)


@pytest.mark.slow
def test_ledger_of_one_step_is_within_10_percent_of_flop_counter(models, tmp_path):
    """One rollout batch with a KL reference and two iterations (old log-probs): every component.
    Fixed lengths (1-digit problems, min_new_tokens = max) so that no padding is executed."""
    from torch.utils.flop_counter import FlopCounterMode

    from rlscale.lab import hf
    from rlscale.lab.engines import trl_engine as te
    from rlscale.lab.engines.hf_eval import quiet_hf
    from rlscale.lab.flops import FlopLedger

    model_dir = models["qwen2"]
    ctx = _context(tmp_path, {**SMALL, "task": {"difficulty": 1}, "model": {"hf_path": str(model_dir)},
                              "rl": {"steps": 1, "num_checkpoints": 1, "prompts_per_step": 2,
                                     "num_generations": 4, "beta": 0.04, "num_iterations": 2,
                                     "max_completion_length": 16}})
    policy = te.Policy(model_dir, hf.load_tokenizer(model_dir), hf.hf_shape(model_dir), lab=False,
                       pretrain_flops=0.0, chat=False)
    ledger = FlopLedger()
    with quiet_hf():
        trainer, callback = te.build_trainer(ctx, policy, ledger, on_log=lambda *a: None, eager=True,
                                             extra_args={"generation_kwargs": {"min_new_tokens": 16}})
        with FlopCounterMode(display=False) as counter:
            trainer.train()
    assert set(callback.batch["completion_lens"]) == {16}
    assert min(ledger[c] for c in ("rollout_prefill", "rollout_decode", "ref_logprobs",
                                   "old_logprobs", "train_forward_backward")) > 0
    assert abs(ledger.rl_total / counter.get_total_flops() - 1) < 0.10
    # the rewards TRL got are the native verifier's on the lab tokenizer's reading of the ids
    task, batch = ctx.task, callback.batch
    tok = policy.tokenizer
    assert batch["texts"] == [tok.decode(ids, skip_special_tokens=True)
                              for ids in batch["completion_ids"]]


def test_rewards_equal_the_native_verifier_on_the_same_completions():
    """TaskReward on completions as TRL hands them over (ids decoded by the exported policy's
    tokenizer) gives exactly Task.reward on the lab tokenizer's decoding of the same ids."""
    import random

    from rlscale.lab.engines.trl_engine import TaskReward
    from rlscale.lab.hf import lab_tokenizer
    from rlscale.lab.tasks import get_task
    from rlscale.lab.tokenizer import CharTokenizer

    task = get_task("arithmetic", 2)
    tok = CharTokenizer(task.alphabet)
    hf_tok = lab_tokenizer(tok)
    rng = random.Random(0)
    problems = [task.sample("train", rng) for _ in range(40)]
    ids = []
    for i, p in enumerate(problems):
        text = [p.solution, p.solution[:-1] + "0", p.thinking, p.solution + ";#1"][i % 4]
        row = tok.encode(text, eos=i % 3 != 0)              # some cut without eos
        ids.append(row + ([tok.pad_id] * 2 if i % 5 == 0 else []))
    completions = hf_tok.batch_decode(ids, skip_special_tokens=True)   # TRL's own decoding
    got = TaskReward(task)([p.prompt for p in problems], completions, ids,
                           problem_prompt=[p.prompt for p in problems],
                           solution=[p.solution for p in problems],
                           answer=[p.answer for p in problems], prompt_tokens=[5] * 40)
    native = [task.reward(p, tok.decode(r)) for p, r in zip(problems, ids)]
    assert got == native and 0 < sum(native) < len(native)


def test_lab_policy_round_trips_through_hugging_face(tmp_path):
    import torch

    from rlscale.lab import hf
    from rlscale.lab.model import ModelConfig, Policy
    from rlscale.lab.tokenizer import CharTokenizer

    tok = CharTokenizer("0123456789+=;:#")
    mcfg = ModelConfig.from_size(1, tok.vocab_size, 64)
    state = Policy(mcfg, seed=3).state_dict()
    hf.export_policy(state, mcfg, tok, tmp_path / "m")
    back = hf.policy_state_from_hf(hf.load_model(tmp_path / "m").state_dict(), mcfg)
    assert back.keys() == state.keys()
    assert all(torch.equal(back[k], state[k]) for k in state)
    assert hf.load_tokenizer(tmp_path / "m")("12+3:")["input_ids"] == tok.encode("12+3:", bos=True)


# ------------------------------------------------------------------------------ user errors
def test_configs_the_trl_engine_cannot_run_are_one_line(tmp_path, models, capsys):
    cases = [({"model": {"hf_path": str(models["llama"])}}, "needs engine"),
             ({"engine": "trl", "rl": {"runs": "per_budget"}}, "rl.runs"),
             ({"engine": "trl", "model": {"hf_path": str(tmp_path / "nowhere")}}, "no config.json"),
             ({"engine": "vllm"}, "engine")]
    for i, (doc, words) in enumerate(cases):
        cfg = write_config(tmp_path / f"c{i}.json", {"preset": "quick", **doc})
        code, out, err = cli(capsys, "lab", "run", "--config", cfg, "-o", tmp_path / f"r{i}")
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1, err
        assert not (tmp_path / f"r{i}").exists()
    code, _, err = cli(capsys, "lab", "run", "--preset", "quick", "--engine", "jax", "-o", tmp_path / "x")
    assert code == 2 and "--engine" in err


def test_missing_trl_is_one_line_naming_the_extra(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "trl", None)   # import trl -> ImportError
    code, _, err = cli(capsys, "lab", "run", "--preset", "quick", "--engine", "trl", "-o", tmp_path / "r")
    assert code == 2 and "rlscale[trl]" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()
    cfg = write_config(tmp_path / "c.json", {"preset": "quick", "engine": "trl"})
    code, _, err = cli(capsys, "lab", "run", "--config", cfg, "-o", tmp_path / "r")
    assert code == 2 and "rlscale[trl]" in err and not (tmp_path / "r").exists()


def test_native_configs_keep_their_keys_and_digest():
    """A native run's config.json and digest are those of the versions before the engine key."""
    from rlscale.lab.config import resolve_config

    native = resolve_config("quick").to_dict()
    assert "engine" not in native and "hf_path" not in native["model"]
    trl = resolve_config("quick", {"engine": "trl"}).to_dict()
    assert trl["engine"] == "trl" and trl.keys() - native.keys() == {"engine"}


def test_export_verl_writes_the_grpo_overrides(tmp_path, capsys):
    cfg = write_config(tmp_path / "c.json", {"preset": "quick", "rl": {
        "beta": 0.01, "epsilon_high": 0.28, "num_iterations": 2, "loss_type": "dapo",
        "scale_rewards": "none", "max_completion_length": 48}})
    code, out, err = cli(capsys, "lab", "export-verl", cfg, "-o", tmp_path / "verl.txt")
    assert code == 0, err
    lines = set((tmp_path / "verl.txt").read_text().splitlines())
    assert {"actor_rollout_ref.rollout.n=8", "actor_rollout_ref.actor.kl_loss_coef=0.01",
            "actor_rollout_ref.actor.use_kl_loss=True", "actor_rollout_ref.actor.kl_loss_type=low_var_kl",
            "actor_rollout_ref.actor.clip_ratio_high=0.28", "actor_rollout_ref.actor.ppo_epochs=2",
            "actor_rollout_ref.actor.loss_agg_mode=token-mean",
            "algorithm.norm_adv_by_std_in_grpo=False", "data.train_batch_size=8",
            "data.max_response_length=48"} <= lines
    bad = write_config(tmp_path / "b.json", {"preset": "quick", "rl": {"lr_schedule": "linear"}})
    code, _, err = cli(capsys, "lab", "export-verl", bad)
    assert code == 2 and "rl.lr_schedule" in err


def test_the_engine_modules_import_nothing_heavy():
    code = ("import sys, rlscale, rlscale.lab.engines, rlscale.lab.engines.options, "
            "rlscale.cli.lab_trl; heavy = {'torch', 'trl', 'transformers', 'ray'} & set(sys.modules);"
            " assert not heavy, heavy")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_docs_table_names_every_mapped_option():
    from rlscale.lab.engines.options import OPTION_MAP

    text = (Path(__file__).parents[1] / "docs" / "lab-trl.md").read_text()
    assert [key for key, *_ in OPTION_MAP if f"| `{key}` |" not in text] == []
