"""The lab's GRPO options in other engines' words: TRL's ``GRPOConfig`` and verl's Hydra keys.

One table (:data:`OPTION_MAP`) says, for every ``rl.*`` key of the lab, what it becomes in TRL
1.16's ``GRPOConfig`` and in verl's ``ppo_trainer`` config; docs/lab-trl.md prints it.
:func:`grpo_config_kwargs` builds the ``GRPOConfig`` arguments of a run, :func:`verl_overrides` the
``key=value`` overrides of ``rlscale lab export-verl CONFIG``. A value that an engine cannot express
is refused with one line (:func:`check_trl_options`, :func:`verl_overrides`), never silently dropped.

How a lab step maps onto TRL's steps: a lab step samples ``prompts_per_step x num_generations``
completions and makes ``num_iterations`` optimizer updates on them. TRL counts optimizer updates
(``global_step``), so one lab step is ``num_iterations`` TRL steps: ``max_steps = steps x
num_iterations`` and the checkpoint after lab step s is TRL's ``global_step = s x num_iterations``.
All completions of a step are one batch (``per_device_train_batch_size = prompts_per_step x
num_generations``, no gradient accumulation), as in the lab's own update.
"""

from __future__ import annotations

from pathlib import Path

from rlscale.errors import RlscaleError
from rlscale.runformat import HF_MODEL_CONFIG

# lab key -> (TRL GRPOConfig, verl key(s), note)
OPTION_MAP: list[tuple[str, str, str, str]] = [
    ("rl.steps", "max_steps = steps x num_iterations", "trainer.total_training_steps",
     "TRL counts optimizer updates; verl and the lab count rollout batches"),
    ("rl.prompts_per_step", "per_device_train_batch_size = prompts_per_step x num_generations",
     "data.train_batch_size, actor_rollout_ref.actor.ppo_mini_batch_size",
     "one update per batch per iteration (no mini-batches)"),
    ("rl.num_generations", "num_generations", "actor_rollout_ref.rollout.n", ""),
    ("rl.learning_rate", "learning_rate", "actor_rollout_ref.actor.optim.lr", ""),
    ("rl.lr_schedule", "lr_scheduler_type = constant | linear (warmup 0)",
     "actor_rollout_ref.actor.optim.lr_warmup_steps_ratio = 0 (constant only)",
     "verl's actor has no linear decay to 0: `linear` is refused for verl"),
    ("rl.runs", "single only", "single only", "per_budget is refused by both"),
    ("rl.beta", "beta (k3 estimator)", "actor_rollout_ref.actor.use_kl_loss, kl_loss_coef, "
     "kl_loss_type = low_var_kl", "low_var_kl is the k3 estimator (clamped to [-10, 10] in verl)"),
    ("rl.epsilon", "epsilon", "actor_rollout_ref.actor.clip_ratio_low", ""),
    ("rl.epsilon_high", "epsilon_high", "actor_rollout_ref.actor.clip_ratio_high", ""),
    ("rl.loss_type", "loss_type (grpo | dr_grpo | dapo: the same names)",
     "actor_rollout_ref.actor.loss_agg_mode = seq-mean-token-mean | seq-mean-token-sum-norm | "
     "token-mean", "verl's seq-mean-token-sum-norm divides the batch's token sum by the response "
     "length only (the lab and TRL also by the number of completions)"),
    ("rl.scale_rewards", "scale_rewards (group | batch | none)",
     "algorithm.norm_adv_by_std_in_grpo = True (group) | False (none)",
     "verl has no batch-std scaling: `batch` is refused for verl"),
    ("rl.num_iterations", "num_iterations", "actor_rollout_ref.actor.ppo_epochs", ""),
    ("rl.temperature", "temperature (top_p 1, top_k 0)", "actor_rollout_ref.rollout.temperature", ""),
    ("rl.max_completion_length", "max_completion_length", "data.max_response_length",
     "0 = derived from the task"),
    ("rl.max_grad_norm", "max_grad_norm", "actor_rollout_ref.actor.grad_clip", ""),
    ("rl.num_checkpoints", "checkpoints saved by rlscale's callback at log-spaced steps",
     "trainer.save_freq (one period only)", "verl saves every N steps, not at log-spaced ones"),
]

_VERL_LOSS = {"grpo": "seq-mean-token-mean", "dr_grpo": "seq-mean-token-sum-norm",
              "dapo": "token-mean"}


def check_trl_options(cfg) -> None:
    """Refuse, with one line naming the key, what TRL's GRPOTrainer cannot run as the lab does."""
    if cfg.rl.runs != "single":
        raise RlscaleError("config key 'rl.runs': engine \"trl\" runs one RL run whose "
                           "checkpoints stand for smaller budgets (runs = \"single\"); "
                           f"{cfg.rl.runs!r} is not supported")
    if cfg.model.hf_path and not (Path(cfg.model.hf_path).expanduser() / HF_MODEL_CONFIG).is_file():
        raise RlscaleError("config key 'model.hf_path': not a local Hugging Face model directory "
                           f"(no {HF_MODEL_CONFIG})", file=cfg.model.hf_path)


def grpo_config_kwargs(cfg, max_new: int) -> dict:
    """``GRPOConfig`` arguments of the lab config *cfg* (``max_new``: completion tokens)."""
    rl = cfg.rl
    return {
        "seed": cfg.seed, "data_seed": cfg.seed,
        "max_steps": rl.steps * rl.num_iterations,
        "per_device_train_batch_size": rl.prompts_per_step * rl.num_generations,
        "gradient_accumulation_steps": 1,
        "num_generations": rl.num_generations,
        "learning_rate": rl.learning_rate,
        "lr_scheduler_type": rl.lr_schedule,      # "constant" | "linear": the same names
        "warmup_steps": 0,
        "adam_beta1": 0.9, "adam_beta2": 0.95, "weight_decay": 0.0,  # the lab's AdamW
        "beta": rl.beta, "epsilon": rl.epsilon, "epsilon_high": rl.epsilon_high,
        "loss_type": rl.loss_type, "scale_rewards": rl.scale_rewards,
        "num_iterations": rl.num_iterations,
        "temperature": rl.temperature, "top_p": 1.0, "top_k": 0,
        "max_completion_length": max_new,
        "max_grad_norm": rl.max_grad_norm,
        "mask_truncated_completions": False,      # the lab trains on cut completions (reward 0)
        "shuffle_dataset": False,                 # the dataset holds the lab's problems in step order
    }


def verl_overrides(cfg, max_new: int) -> list[str]:
    """verl ``key=value`` overrides of the lab config *cfg* (GRPO, one actor update per batch)."""
    rl = cfg.rl
    if rl.runs != "single":
        raise RlscaleError("config key 'rl.runs': verl runs one RL run; 'per_budget' has no "
                           "verl equivalent")
    if rl.lr_schedule != "constant":
        raise RlscaleError("config key 'rl.lr_schedule': verl's actor optimizer has no linear "
                           "decay to 0; only 'constant' exports")
    if rl.scale_rewards == "batch":
        raise RlscaleError("config key 'rl.scale_rewards': verl's GRPO scales by the group's std "
                           "or not at all; 'batch' does not export")
    out = {
        "algorithm.adv_estimator": "grpo",
        "algorithm.norm_adv_by_std_in_grpo": rl.scale_rewards == "group",
        "algorithm.use_kl_in_reward": False,
        "data.train_batch_size": rl.prompts_per_step,
        "data.max_response_length": max_new,
        "actor_rollout_ref.rollout.n": rl.num_generations,
        "actor_rollout_ref.rollout.temperature": rl.temperature,
        "actor_rollout_ref.actor.ppo_mini_batch_size": rl.prompts_per_step,
        "actor_rollout_ref.actor.ppo_epochs": rl.num_iterations,
        "actor_rollout_ref.actor.optim.lr": rl.learning_rate,
        "actor_rollout_ref.actor.optim.lr_warmup_steps_ratio": 0.0,
        "actor_rollout_ref.actor.optim.weight_decay": 0.0,
        "actor_rollout_ref.actor.use_kl_loss": rl.beta > 0,
        "actor_rollout_ref.actor.kl_loss_coef": rl.beta,
        "actor_rollout_ref.actor.kl_loss_type": "low_var_kl",
        "actor_rollout_ref.actor.clip_ratio_low": rl.epsilon,
        "actor_rollout_ref.actor.clip_ratio_high": rl.epsilon_high,
        "actor_rollout_ref.actor.loss_agg_mode": _VERL_LOSS[rl.loss_type],
        "actor_rollout_ref.actor.grad_clip": rl.max_grad_norm,
        "actor_rollout_ref.actor.entropy_coeff": 0,
        "trainer.total_training_steps": rl.steps,
    }
    if cfg.model.hf_path:
        out["actor_rollout_ref.model.path"] = cfg.model.hf_path
    return [f"{k}={_verl_value(v)}" for k, v in out.items()]


def _verl_value(v) -> str:
    if isinstance(v, bool):
        return "True" if v else "False"
    return repr(v) if isinstance(v, float) else str(v)
