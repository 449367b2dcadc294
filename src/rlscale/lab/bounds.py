"""What a lab config asks of the machine, estimated before any work starts (torch-free, fast).

:func:`check_resources` refuses a config whose estimated peak memory is above
:func:`memory_limit` (half of this machine's physical memory), that asks for more threads than
the machine has CPUs, or for more test problems than the task has (``Task.problem_space``), with one line that names the largest part of the estimate. The static range
of every setting is declared with the setting (:mod:`rlscale.lab.config`); this module adds what
depends on the combination of settings and on the machine.

The estimate (bytes, float32 = 4 bytes) is an upper-bound style sum over what the run holds at
once, to within a small factor, not a measurement:

- **model state**: weights, gradients, two AdamW moments, the sampler's folded copy of the
  weights and the evaluated model (6 copies), plus the reference model when ``rl.beta > 0``;
- **training step** (pre-training or one GRPO step), rows x sequence length x per-token
  activations kept for the backward pass: per layer 20 residual-width vectors, 5 MLP-width
  vectors and twice the attention probabilities (heads x sequence length), plus 8
  vocabulary-wide vectors and 64 floats of per-token bookkeeping. Calibrated on measured peak
  resident-memory growth of one forward + backward through ``token_logprobs`` (2026-12-01, 1
  thread; rows x tokens x depth = 1024x40x2, 512x80x2, 512x40x4, 2048x20x1: 1415, 1520, 2562,
  411 MiB): the estimate is within -3 % .. +14 % of each;
- **sampling** (rollouts, evaluation chunks of ``EVAL_BATCH`` rows, exact-budget thinking chunks
  of ``THINK_BATCH`` rows): the KV cache (rows x columns x layers x 2 x attention width), the
  uniform draws (rows x new tokens) and the logits;
- **evaluation results held in Python**: every sample's token list and text
  (~9 bytes per token + ~300 bytes of object overhead per sample) for problems x samples
  (a model of those lists, 500,000 samples of 20 tokens, measured 436 bytes per sample against
  the estimate's 480, 2026-12-01);
- plus the process itself (:data:`PROCESS_BYTES`, measured).
"""

from __future__ import annotations

import math
import os
import random
from typing import Any

from rlscale.errors import RlscaleError

FLOAT = 4                   # bytes of a float32
PER_SAMPLE_OVERHEAD = 300   # bytes of Python objects per evaluation sample (list, str, answer)
PER_TOKEN_HOST = 9          # bytes per generated token held in Python (list slot + character)
# the interpreter with torch, numba and numpy loaded: measured, the quick preset's peak resident
# memory was 530 MiB (/usr/bin/time -v, 2026-12-01) with 23 MiB of estimated parts below
PROCESS_BYTES = 512 * 2 ** 20


def sequence_lengths(task, cfg) -> tuple[int, int]:
    """(max completion tokens, model max_seq_len) derived from 2,000 training problems."""
    rng = random.Random(f"{cfg.seed}:lengths")
    sample = [task.sample("train", rng) for _ in range(2000)]
    longest_solution = max(len(p.solution) for p in sample) + 1           # + eos
    longest_prompt = max(len(p.prompt) for p in sample) + 1               # + bos
    max_new = cfg.rl.max_completion_length or int(math.ceil(1.5 * longest_solution))
    longest = max_new
    if "think" in cfg.eval.strategies and cfg.eval.think_forcing == "exact":
        # B thinking tokens, '#', the answer (answer_cap: longest worked answer + 2), with slack
        answer = max(len(p.solution) - len(p.thinking) for p in sample) + 2
        longest = max(longest, cfg.eval.max_thinking + 1 + 2 * answer)
    return max_new, longest_prompt + 4 + longest


def memory_limit() -> tuple[float, str]:
    """(bytes, how it was chosen): half of this machine's physical memory."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        total = 8 * 2 ** 30
    return total / 2, f"half of this machine's {_gib(total)} of memory"


def _gib(n: float) -> str:
    g = n / 2 ** 30
    return f"{g:,.0f} GiB" if g >= 100 else f"{g:.3g} GiB"


def _train_bytes(m, rows: int, seq: int) -> float:
    """Activations of one forward + backward over rows x seq tokens (see the module docstring)."""
    per_layer = 20 * m.n_embd + 5 * m.mlp_hidden + 2 * m.n_head * seq
    return FLOAT * rows * seq * (m.depth * per_layer + 8 * m.vocab_size + 64)


def _sample_bytes(m, rows: int, columns: int, new_tokens: int) -> float:
    kv = rows * columns * m.depth * 2 * m.d_attn
    return FLOAT * (kv + rows * new_tokens + 2 * rows * m.vocab_size)


def memory_estimate(cfg) -> dict[str, float]:
    """Estimated peak bytes by part: ``model``, ``pretrain``, ``rl``, ``eval``, ``think``."""
    from rlscale.lab.inference import EVAL_BATCH, THINK_BATCH
    from rlscale.lab.shape import ModelConfig
    from rlscale.lab.tokenizer import CharTokenizer

    task = cfg.task.build()
    max_new, max_seq = sequence_lengths(task, cfg)
    m = ModelConfig.from_size(cfg.model.depth, CharTokenizer(task.alphabet).vocab_size, max_seq)
    copies = 6 + (1 if cfg.rl.beta > 0 else 0)
    ev = cfg.eval
    prompt = max_seq - max_new
    samples = ev.num_problems * ev.samples_per_problem
    rl_rows = cfg.rl.prompts_per_step * cfg.rl.num_generations
    think_rows = ev.num_problems * ev.think_samples if "think" in ev.strategies else 0
    think_cols = max_seq if ev.think_forcing == "exact" else prompt + max_new
    return {
        "model": FLOAT * copies * m.n_params(),
        "pretrain": _train_bytes(m, cfg.pretrain.batch_size, prompt + max_new),
        "rl": _train_bytes(m, rl_rows, prompt + max_new) + _sample_bytes(m, rl_rows, max_seq, max_new),
        "eval": (_sample_bytes(m, min(EVAL_BATCH, samples), prompt + max_new, max_new)
                 + samples * (PER_SAMPLE_OVERHEAD + PER_TOKEN_HOST * max_new)),
        "think": (_sample_bytes(m, min(THINK_BATCH, think_rows), think_cols, think_cols)
                  + think_rows * (PER_SAMPLE_OVERHEAD + PER_TOKEN_HOST * think_cols)),
    }


_WHAT = {"model": "model.depth (weights, gradients, optimizer state)",
         "pretrain": "pretrain.batch_size x sequence length (activations of a training step)",
         "rl": "rl.prompts_per_step x rl.num_generations x sequence length (rollouts and a GRPO step)",
         "eval": "eval.num_problems x eval.samples_per_problem x completion length",
         "think": "eval.num_problems x eval.think_samples x thinking length"}


def _check_test_problems(cfg) -> None:
    """Refuse more distinct test problems than the task has (a split holds ~10 % of them)."""
    space = cfg.task.build().problem_space()
    if space is not None and cfg.eval.num_problems > 0.2 * space:   # twice the expected share
        raise RlscaleError(f"config key 'eval.num_problems' ({cfg.eval.num_problems}) is more than "
                           f"the task has: {cfg.task.name} difficulty {cfg.task.difficulty} has "
                           f"{space:,} problems, about {space // 10:,} of them test problems")


def check_resources(cfg) -> dict[str, Any]:
    """Refuse *cfg* when the machine cannot hold it; return ``{"peak_bytes", "limit_bytes", ...}``."""
    cpus = os.cpu_count() or 1
    if cfg.threads > cpus:
        raise RlscaleError(f"config key 'threads' ({cfg.threads}) is more than this machine's "
                           f"{cpus} CPUs")
    _check_test_problems(cfg)
    parts = memory_estimate(cfg)
    phases = {k: v for k, v in parts.items() if k != "model"}
    worst = max(phases, key=phases.get)
    peak = PROCESS_BYTES + parts["model"] + phases[worst]
    limit, why = memory_limit()
    if peak > limit:
        big = max(parts, key=parts.get)
        raise RlscaleError(f"config: estimated peak memory {_gib(peak)} is above the limit of "
                           f"{_gib(limit)} ({why}); the largest part is {_gib(parts[big])} from "
                           f"{_WHAT[big]}: lower it")
    return {"peak_bytes": peak, "limit_bytes": limit, "parts": parts}
