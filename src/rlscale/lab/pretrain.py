"""Pre-training (SFT from scratch) of the base policy on generated worked solutions.

The base model learns to produce ``<chain of thought>#<answer><eos>`` after a prompt, with the
cross-entropy loss on the completion tokens only (the prompt's operands are random: nothing to
learn there). Training stops when the FLOP ledger's ``pretrain`` component reaches
``pretrain.flop_budget``: the budget, not a step count, is the stated knob, and it is chosen so the
base policy is right often enough for RL to get a signal and wrong often enough to improve.

Batches come from ``random.Random(f"{seed}:pretrain:{step}")`` over the *train* split only, so
step ``s`` sees the same batch whether or not the run was interrupted before it. AdamW with linear
warm-up and cosine decay to 10% of the peak over the number of steps the budget buys.

Run it through the runner: ``rlscale lab run --preset quick``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import torch

from rlscale.lab import flops as flopmath
from rlscale.lab.logprobs import pack, token_logprobs
from rlscale.lab.tasks import Problem, Task
from rlscale.lab.tokenizer import CharTokenizer


def encode_problem(tok: CharTokenizer, p: Problem) -> tuple[list[int], list[int]]:
    """(prompt ids with bos, worked-solution ids with eos)."""
    return tok.encode(p.prompt, bos=True), tok.encode(p.solution, eos=True)


def lr_at(step: int, total: int, peak: float, warmup: int) -> float:
    """Linear warm-up then cosine decay to 10% of *peak* at *total* steps."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


ESTIMATE_PROBLEMS = 8192
"""Problems the step estimate draws when the task reshapes its pre-training problems (the mean
cost of a chain-task batch to ~3 %: the long chains are one problem in ten and cost most)."""


def estimate_steps(task: Task, tok: CharTokenizer, mcfg, batch_size: int, budget: float,
                   seed: int) -> int:
    """Steps the FLOP budget buys, from the mean cost of sample batches (for the schedule).

    The batches are what pre-training shows (:meth:`Task.for_pretraining`): 4 of them, or
    :data:`ESTIMATE_PROBLEMS` problems' worth when the task reshapes its pre-training problems
    (their lengths then vary more: the chain task's short problems made a test-mix estimate 4x
    too high, and 64 batches of 8 still left the mean cost 13 % uncertain; at seed 0 it was 28 %
    high, the schedule reached its floor at 75 % of the steps). ~1 s for the chain task at d = 4."""
    def cost(i: int) -> tuple[float, bool]:
        """FLOPs of sample batch *i*, and whether the task reshaped any of its problems."""
        rng = random.Random(f"{seed}:pretrain-estimate:{i}")
        drawn = [task.sample("train", rng) for _ in range(batch_size)]
        batch = [task.for_pretraining(p, rng) for p in drawn]
        enc = [encode_problem(tok, p) for p in batch]
        return (flopmath.train_step_flops(mcfg, [len(e[0]) for e in enc], [len(e[1]) for e in enc]),
                any(b is not p for b, p in zip(batch, drawn)))

    sampled = [cost(i) for i in range(4)]
    if any(reshaped for _, reshaped in sampled):
        sampled += [cost(i) for i in range(4, max(4, math.ceil(ESTIMATE_PROBLEMS / batch_size)))]
    return max(1, math.ceil(budget / (sum(c for c, _ in sampled) / len(sampled))))


def micro_batches(lengths: list[int], budget: int) -> list[list[int]]:
    """Row indices in groups of similar length whose padded size (rows x longest) stays within
    *budget* tokens (a longer row alone); one group of every row, in order, when *budget* is 0."""
    if not budget:
        return [list(range(len(lengths)))]
    groups: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lambda i: (lengths[i], i)):
        if groups and (len(groups[-1]) + 1) * lengths[i] <= budget:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _backward(model, tok: CharTokenizer, enc, budget: int) -> torch.Tensor:
    """Mean cross-entropy over the batch's completion tokens, its gradient accumulated over
    :func:`micro_batches` (the same loss as one padded batch, up to float rounding); returns it."""
    total = sum(len(c) for _, c in enc)
    loss = torch.zeros(())
    for rows in micro_batches([len(p) + len(c) for p, c in enc], budget):
        ids, mask = pack(tok, [enc[i][0] for i in rows], [enc[i][1] for i in rows])
        logp = token_logprobs(model, ids)                                 # (B, T-1)
        part = -(logp * mask[:, 1:].float()).sum() / total
        part.backward()
        loss = loss + part.detach()
    return loss


def pretrain(model, task: Task, tok: CharTokenizer, cfg, *, start_step: int = 0,
             spent: float = 0.0, optimizer=None,
             on_step: Callable[[int, dict], None] | None = None,
             save_state: Callable[[int, float], None] | None = None,
             progress=None) -> float:
    """Train *model* in place until ``spent >= cfg.pretrain.flop_budget``; return the FLOPs spent.

    *start_step*/*spent*/*optimizer* resume a run; *on_step* receives each step's log record and
    *save_state* is called every ``checkpoint_every`` steps (the runner saves a resumable state).
    """
    pc = cfg.pretrain
    mcfg = model.config
    total = estimate_steps(task, tok, mcfg, pc.batch_size, pc.flop_budget, cfg.seed)
    step = start_step
    if progress is not None:
        # the bar counts GFLOPs of the budget (steps are only an estimate)
        bar = progress.add_task("pre-training (SFT), GFLOP", total=round(pc.flop_budget / 1e9),
                                completed=round(spent / 1e9))
    model.train()
    while spent < pc.flop_budget:
        rng = random.Random(f"{cfg.seed}:pretrain:{step}")
        batch = [task.sample("train", rng) for _ in range(pc.batch_size)]
        batch = [task.for_pretraining(p, rng) for p in batch]
        enc = [encode_problem(tok, p) for p in batch]
        lr = lr_at(step, total, pc.learning_rate, pc.warmup_steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        loss = _backward(model, tok, enc, pc.micro_batch_tokens)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        spent += flopmath.train_step_flops(mcfg, [len(e[0]) for e in enc], [len(e[1]) for e in enc])
        step += 1
        if on_step is not None:
            on_step(step, {"phase": "pretrain", "step": step, "loss": round(loss.item(), 6),
                           "lr": lr, "pretrain_flops": spent})
        if progress is not None:
            progress.update(bar, completed=round(min(spent, pc.flop_budget) / 1e9))
        if save_state is not None and step % pc.checkpoint_every == 0 and spent < pc.flop_budget:
            save_state(step, spent)
    model.eval()
    return spent
