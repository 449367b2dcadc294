"""The lab runner end to end on a tiny config: run directory, observations, ledger, determinism."""

from __future__ import annotations

import json

import pytest

from rlscale.errors import RlscaleError
from rlscale.lab.config import LabConfig, describe, load_config_file, resolve_config

pytest.importorskip("torch")

from lab_configs import TINY  # noqa: E402


def tiny(seed: int = 0, **sections) -> LabConfig:
    doc = json.loads(json.dumps(TINY))
    for k, v in sections.items():
        doc.setdefault(k, {}).update(v)
    return resolve_config("quick", doc, seed)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from rlscale.lab.runner import run

    out = tmp_path_factory.mktemp("lab") / "run"
    run(tiny(), out)
    return out


def test_checkpoint_steps_are_log_spaced_and_distinct():
    from rlscale.lab.runner import checkpoint_steps

    assert checkpoint_steps(128, 8) == [1, 2, 4, 8, 16, 32, 64, 128]
    s = checkpoint_steps(10, 4)
    assert s[0] == 1 and s[-1] == 10 and s == sorted(set(s))
    with pytest.raises(RlscaleError):
        checkpoint_steps(2, 5)


def test_config_presets_files_and_errors(tmp_path):
    quick, default = resolve_config("quick"), resolve_config("default")
    assert quick.preset == "quick" and quick.rl.steps < default.rl.steps
    assert default.rl.loss_type in ("grpo", "dr_grpo", "dapo")
    assert resolve_config("quick", seed=7).seed == 7
    assert quick.digest() == resolve_config("quick").digest() != default.digest()
    toml = tmp_path / "c.toml"
    toml.write_text('preset = "quick"\n[rl]\nbeta = 0.05\nloss_type = "dapo"\n')
    cfg = resolve_config(None, load_config_file(toml))
    assert cfg.preset == "quick" and cfg.rl.beta == 0.05 and cfg.rl.loss_type == "dapo"
    with pytest.raises(RlscaleError, match="unknown config key 'rl.bogus'"):
        resolve_config("quick", {"rl": {"bogus": 1}})
    with pytest.raises(RlscaleError, match="pretrain.flop_budget"):
        resolve_config("quick", {"pretrain": {"flop_budget": -1e9}})
    with pytest.raises(RlscaleError, match="loss_type"):
        resolve_config("quick", {"rl": {"loss_type": "ppo"}})
    with pytest.raises(RlscaleError, match="unknown preset"):
        resolve_config("huge")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(RlscaleError, match="bad.json"):
        load_config_file(bad)
    assert all(help for _, help, _ in describe())


@pytest.mark.slow
def test_run_directory_contents(tiny_run):
    import torch

    from rlscale.data import read_observations

    man = json.loads((tiny_run / "rlscale-run.json").read_text())
    assert man["status"] == "complete" and man["config"]["seed"] == 0
    assert {"rlscale", "torch", "python"} <= set(man["versions"]) and "created" in man
    assert man["checkpoint_steps"] == [1, 3]
    obs = read_observations(tiny_run)
    assert set(obs["provenance"]) == {"measured"} and set(obs["compute_unit"]) == {"flop"}
    rl = obs[obs["curve"] == "lab-rl"]
    assert len(rl) == 2 and (rl["axis"] == "rl").all() and rl["compute"].is_monotonic_increasing
    for step in (0, 1, 3):
        for s in ("pass@k", "maj@k", "best-of-k", "think"):
            assert f"lab-inf-{s}-step{step}" in set(obs["curve"])
    passk = obs[obs["curve"] == "lab-inf-pass@k-step3"]
    assert len(passk) == 7 and passk["compute"].max() / passk["compute"].min() == pytest.approx(64)
    assert (obs["n"] > 0).all() and "stderr" in obs.columns
    ledger = json.loads((tiny_run / "ledger.json").read_text())["flops"]
    assert ledger["pretrain"] >= 3e9 and ledger["rollout_decode"] > 0
    assert ledger["train_forward_backward"] > 0 and ledger["eval_inference"] > 0
    assert ledger["ref_logprobs"] == 0  # beta = 0: no reference forward was run or counted
    assert rl["compute"].iloc[-1] == pytest.approx(
        sum(ledger[c] for c in ("rollout_prefill", "rollout_decode", "ref_logprobs",
                                "old_logprobs", "train_forward_backward")))
    ck = torch.load(tiny_run / "checkpoints" / "rl-step000003.pt", weights_only=True)
    assert ck["step"] == 3 and "model" in ck and "optimizer" in ck
    log = [json.loads(line) for line in (tiny_run / "log.jsonl").read_text().splitlines()]
    rl_log = [r for r in log if r["phase"] == "rl"]
    assert [r["step"] for r in rl_log] == [1, 2, 3]
    assert all(0 <= r["all_equal_groups"] <= 1 for r in rl_log)


@pytest.mark.slow
def test_same_seed_same_bytes_other_seed_differs(tiny_run, tmp_path):
    from rlscale.lab.runner import run

    run(tiny(), tmp_path / "again")
    assert (tmp_path / "again" / "observations.csv").read_bytes() == \
        (tiny_run / "observations.csv").read_bytes()
    run(tiny(seed=1), tmp_path / "other")
    assert (tmp_path / "other" / "observations.csv").read_bytes() != \
        (tiny_run / "observations.csv").read_bytes()


@pytest.mark.slow
def test_resume_of_complete_run_is_idempotent_and_changed_config_refused(tiny_run, tmp_path):
    import shutil

    from rlscale.lab.runner import resume, run

    before = (tiny_run / "observations.csv").read_bytes()
    copy = tmp_path / "copy"
    shutil.copytree(tiny_run, copy)
    resume(copy)
    assert (copy / "observations.csv").read_bytes() == before
    cfg = json.loads((copy / "config.json").read_text())
    cfg["rl"]["learning_rate"] = 0.5
    (copy / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(RlscaleError, match="config changed"):
        resume(copy)
    with pytest.raises(RlscaleError, match="already holds a lab run"):
        run(tiny(), tiny_run)


@pytest.mark.slow
def test_resume_after_losing_later_state_recomputes_identically(tiny_run, tmp_path):
    """Delete the last checkpoint, its evaluation and the observations: resume rebuilds them."""
    import shutil

    from rlscale.lab.runner import resume

    copy = tmp_path / "partial"
    shutil.copytree(tiny_run, copy)
    (copy / "checkpoints" / "rl-step000003.pt").unlink()
    (copy / "evals" / "step000003.json").unlink()
    (copy / "observations.csv").unlink()
    resume(copy)
    assert (copy / "observations.csv").read_bytes() == (tiny_run / "observations.csv").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("options", [
    {"loss_type": "grpo", "scale_rewards": "group", "beta": 0.04, "num_iterations": 2},
    {"loss_type": "dapo", "scale_rewards": "batch", "epsilon_high": 0.28},
])
def test_grpo_variants_run_and_count_their_forwards(tmp_path, options):
    from rlscale.lab.runner import run

    run(tiny(rl=options), tmp_path / "v")
    ledger = json.loads((tmp_path / "v" / "ledger.json").read_text())["flops"]
    assert (ledger["ref_logprobs"] > 0) == (options.get("beta", 0) > 0)
    assert (ledger["old_logprobs"] > 0) == (options.get("num_iterations", 1) > 1)


@pytest.mark.slow
def test_one_run_per_budget_option(tmp_path):
    from rlscale.data import read_observations
    from rlscale.lab.runner import run

    run(tiny(rl={"runs": "per_budget", "lr_schedule": "linear"}), tmp_path / "pb")
    obs = read_observations(tmp_path / "pb")
    assert len(obs[obs["curve"] == "lab-rl"]) == 2
    assert (tmp_path / "pb" / "checkpoints" / "rl-budget000003.pt").is_file()


def test_advantages_and_loss_signs():
    import torch

    from rlscale.lab.config import RLSettings
    from rlscale.lab.rl import advantages, policy_loss

    r = torch.tensor([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    adv = advantages(r, "none")
    assert adv[0].tolist() == [0.75, -0.25, -0.25, -0.25] and adv[1].abs().sum() == 0
    assert advantages(r, "group")[0, 0] > 1.0
    # gradient descent on the loss raises the log-prob of a positive-advantage completion
    logp = torch.zeros(2, 3, requires_grad=True)
    loss, _ = policy_loss(logp, logp.detach(), None, torch.tensor([1.0, -1.0]),
                          torch.ones(2, 3, dtype=torch.bool), RLSettings(), 3)
    loss.backward()
    assert (logp.grad[0] < 0).all() and (logp.grad[1] > 0).all()


def test_default_preset_is_shaped_for_the_acceptance_checks():
    """>= 6 checkpoints over >= 2 decades of RL steps; k spans >= 2 decades of samples."""
    import math

    from rlscale.lab.inference import ks_for
    from rlscale.lab.runner import checkpoint_steps

    cfg = resolve_config("default")
    steps = checkpoint_steps(cfg.rl.steps, cfg.rl.num_checkpoints)
    assert len(steps) >= 6 and math.log10(steps[-1] / steps[0]) >= 2
    ks = ks_for(cfg.eval.samples_per_problem)
    assert math.log10(ks[-1] / ks[0]) >= 2
    assert cfg.rl.lr_schedule == "constant" and cfg.rl.runs == "single"


@pytest.mark.slow
def test_countdown_task_runs_end_to_end(tmp_path):
    from rlscale.data import read_observations
    from rlscale.lab.runner import run

    run(tiny(task={"name": "countdown", "difficulty": 2}), tmp_path / "cd")
    obs = read_observations(tmp_path / "cd")
    assert "lab-rl" in set(obs["curve"]) and obs["benchmark"].iloc[0] == "countdown-d2-test"


@pytest.mark.slow
def test_resume_recreates_a_config_lost_to_a_crash(tiny_run, tmp_path):
    import shutil

    from rlscale.lab.runner import resume

    copy = tmp_path / "noconfig"
    shutil.copytree(tiny_run, copy)
    (copy / "config.json").unlink()
    resume(copy)
    assert (copy / "observations.csv").read_bytes() == (tiny_run / "observations.csv").read_bytes()


def test_docs_config_table_is_the_one_the_rules_generate():
    from pathlib import Path

    from rlscale.lab.config import config_table

    text = (Path(__file__).resolve().parents[1] / "docs" / "lab.md").read_text()
    missing = [key for key, _, _ in describe() if f"| `{key}` |" not in text]
    assert not missing, f"docs/lab.md lacks config keys {missing}"
    assert config_table() in text, "docs/lab.md's config table is stale: paste config_table()"
