"""GRPO-family RL on the lab's tasks, with every FLOP of every step in the ledger.

One step (Shao et al. 2024, arXiv:2402.03300, GRPO; options named as in TRL's ``GRPOConfig``):

1. draw ``prompts_per_step`` training problems and sample ``num_generations`` completions for each
   at ``temperature`` (the rollout: prefill + decode FLOPs, real lengths);
2. reward = exact answer check (1/0); advantage = reward minus the group mean, divided by the
   group's reward std (``scale_rewards="group"``), the batch's (``"batch"``) or nothing (``"none"``,
   Dr. GRPO: Liu et al. 2025, arXiv:2503.20783, because dividing by a small std over-weights
   nearly-solved or nearly-hopeless groups);
3. ``num_iterations`` policy updates on these rollouts with the clipped importance ratio
   ``min(r A, clip(r, 1-epsilon, 1+epsilon_high) A)`` per completion token (DAPO's clip-higher when
   ``epsilon_high > epsilon``: Yu et al. 2025, arXiv:2503.14476) plus ``beta`` times the k3 KL
   estimator ``exp(ref - logp) - (ref - logp) - 1`` to the frozen base policy (Schulman 2020,
   "Approximating KL divergence"). The old-policy log-probs need a forward pass only when
   ``num_iterations > 1`` (otherwise the ratio is exactly 1 and its gradient is the policy
   gradient); the reference log-probs only when ``beta > 0``. Losses:
   ``grpo`` mean over each completion's tokens then over completions, ``dapo`` mean over all tokens
   of the batch, ``dr_grpo`` sum over tokens divided by (completions x max_completion_length).

Each step draws its problems from ``random.Random(f"{seed}:rl:{step}")`` and its samples from a
``torch.Generator`` seeded from ``(seed, "rl-sample", step)``: a resumed run repeats exactly what the
uninterrupted run would have done. Logged per step: mean reward, the fraction of groups whose
rewards are all equal (those groups have zero advantage and teach nothing), format rate, KL,
completion length, the ledger.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import torch

from rlscale.lab import flops as flopmath
from rlscale.lab.logprobs import pack, token_logprobs
from rlscale.lab.sampling import generate
from rlscale.lab.tasks import Task
from rlscale.lab.tokenizer import CharTokenizer


def derive_seed(*parts) -> int:
    """A 63-bit seed from any parts (stable across processes: no ``hash()`` randomisation)."""
    import hashlib

    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def sample_completions(model, tok: CharTokenizer, prompts: list[list[int]], max_new: int,
                       temperature: float, seed: int):
    """Sample one completion per prompt row: (ids incl. eos when emitted, texts, Generation)."""
    gen = torch.Generator().manual_seed(seed)
    out = generate(model, prompts, max_new_tokens=max_new, temperature=temperature, top_k=None,
                   eos_id=tok.eos_id, generator=gen)
    texts = [tok.decode(c) for c in out.completions]
    return out.completions, texts, out


def advantages(rewards: torch.Tensor, scale: str) -> torch.Tensor:
    """Group-relative advantages; *rewards* has shape (groups, num_generations)."""
    adv = rewards - rewards.mean(dim=1, keepdim=True)               # (G, n)
    if scale == "group":
        adv = adv / (rewards.std(dim=1, keepdim=True) + 1e-4)
    elif scale == "batch":
        adv = adv / (rewards.std() + 1e-4)
    return adv


def policy_loss(logp, old_logp, ref_logp, adv, mask, rl, max_len: int):
    """The clipped surrogate (+ beta k3 KL) aggregated per ``rl.loss_type``; returns (loss, kl)."""
    ratio = torch.exp(logp - old_logp)                              # (B, T)
    a = adv[:, None]
    surrogate = torch.minimum(ratio * a, torch.clamp(ratio, 1 - rl.epsilon, 1 + rl.epsilon_high) * a)
    per_token = -surrogate
    kl = torch.zeros_like(logp)
    if ref_logp is not None:
        d = ref_logp - logp
        kl = torch.exp(d) - d - 1                                   # k3: unbiased, always >= 0
        per_token = per_token + rl.beta * kl
    m = mask.float()
    if rl.loss_type == "grpo":
        loss = ((per_token * m).sum(1) / m.sum(1).clamp(min=1)).mean()
    elif rl.loss_type == "dapo":
        loss = (per_token * m).sum() / m.sum().clamp(min=1)
    else:  # dr_grpo
        loss = (per_token * m).sum() / (m.shape[0] * max_len)
    mean_kl = float((kl.detach() * m).sum() / m.sum().clamp(min=1))
    return loss, mean_kl


def rl_step(model, ref_model, optimizer, task: Task, tok: CharTokenizer, cfg, step: int,
            max_new: int, lr: float, ledger) -> dict:
    """One GRPO step (0-based *step*); adds its FLOPs to *ledger* and returns the log record."""
    rl = cfg.rl
    mcfg = model.config
    rng = random.Random(f"{cfg.seed}:rl:{step}")
    problems = [task.sample("train", rng) for _ in range(rl.prompts_per_step)]
    rows = [p for p in problems for _ in range(rl.num_generations)]
    prompts = [tok.encode(p.prompt, bos=True) for p in rows]
    model.eval()
    with torch.no_grad():
        comp_ids, texts, out = sample_completions(
            model, tok, prompts, max_new, rl.temperature, derive_seed(cfg.seed, "rl-sample", step))
    p_lens, c_lens = [len(p) for p in prompts], [len(c) for c in comp_ids]
    ledger.add("rollout_prefill", out.prefill_flops)
    ledger.add("rollout_decode", out.decode_flops)
    rewards = torch.tensor([task.reward(p, t) for p, t in zip(rows, texts)])
    groups = rewards.view(rl.prompts_per_step, rl.num_generations)
    adv = advantages(groups, rl.scale_rewards).reshape(-1)          # (B,)
    # rows with an empty completion carry no tokens to train on
    ids, cmask = pack(tok, prompts, [c if c else [tok.eos_id] for c in comp_ids])
    mask = cmask[:, 1:] & torch.tensor([bool(c) for c in comp_ids])[:, None]
    logprob_cost = flopmath.logprob_flops(mcfg, p_lens, c_lens)
    old_logp = ref_logp = None
    with torch.no_grad():
        if rl.num_iterations > 1:
            old_logp = token_logprobs(model, ids)
            ledger.add("old_logprobs", logprob_cost)
        if rl.beta > 0:
            ref_logp = token_logprobs(ref_model, ids)
            ledger.add("ref_logprobs", logprob_cost)
    for group in optimizer.param_groups:
        group["lr"] = lr
    model.train()
    kl = 0.0
    for _ in range(rl.num_iterations):
        logp = token_logprobs(model, ids)                           # (B, T-1)
        old = old_logp if old_logp is not None else logp.detach()
        loss, kl = policy_loss(logp, old, ref_logp, adv, mask, rl, max_new)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), rl.max_grad_norm)
        optimizer.step()
        ledger.add("train_forward_backward", 3 * logprob_cost)
    model.eval()
    all_equal = (groups == groups[:, :1]).all(dim=1).float().mean().item()
    return {"phase": "rl", "step": step + 1, "reward_mean": round(rewards.mean().item(), 6),
            "all_equal_groups": round(all_equal, 6),
            "format_rate": round(sum(task.format_ok(t) for t in texts) / len(texts), 6),
            "completion_len": round(sum(c_lens) / len(c_lens), 3), "kl": round(kl, 8),
            "loss": round(loss.item(), 8), "lr": lr, "rl_flops": ledger.rl_total}


def lr_for(step: int, total: int, rl) -> float:
    """Constant by default (so checkpoints stand for smaller budgets); ``linear`` decays to 0."""
    if rl.lr_schedule == "constant":
        return rl.learning_rate
    return rl.learning_rate * (1 - step / total)


def train_rl(model, ref_model, optimizer, task, tok, cfg, *, start_step: int, end_step: int,
             total_steps: int, max_new: int, ledger, checkpoint_steps: set[int],
             on_checkpoint: Callable[[int], None], on_step: Callable[[dict], None],
             progress=None) -> None:
    """Run steps ``start_step .. end_step-1``; call *on_checkpoint(n)* after step count n in
    *checkpoint_steps* (the runner saves the state and evaluates there)."""
    bar = None
    if progress is not None:
        bar = progress.add_task("RL (GRPO)", total=end_step, completed=start_step)
    for step in range(start_step, end_step):
        record = rl_step(model, ref_model, optimizer, task, tok, cfg, step, max_new,
                         lr_for(step, total_steps, cfg.rl), ledger)
        on_step(record)
        if progress is not None:
            progress.update(bar, completed=step + 1)
        if step + 1 in checkpoint_steps:
            on_checkpoint(step + 1)
