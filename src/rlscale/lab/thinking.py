"""Exact thinking budgets: one long chain per sample, answer probes at every budget.

The sequential inference strategy ``think`` gives the policy a budget of exactly B thinking tokens,
the "budget forcing" of Muennighoff et al. 2025 ("s1: Simple test-time scaling",
arXiv:2501.19393, section 2.2), which enforces both a maximum and a minimum:

- a chain longer than B is cut at B tokens (the maximum);
- a chain that would end before B is made to go on: the end-of-thinking marker ``#`` (and eos
  and the other special tokens) get probability 0 until B tokens are written (the minimum; s1
  appends "Wait" where the model wants to stop, which this character-level policy has no word for,
  so the marker is suppressed instead);
- after the B-th thinking token ``#`` is appended and the answer is sampled, up to ``answer_max``
  tokens or eos.

A sample at budget B is then the first B tokens of a chain forced to run to ``max(budgets)``
tokens: the suppression rule for the first B tokens is the same whatever the largest budget, so
the prefix is distributed exactly as a run with budget B. :func:`think_probes` therefore samples
one chain per row and, each time the chain reaches a budget, branches off: it writes ``#`` and the
answer tokens into the KV cache after the chain, samples the answer, then rewinds the cache to the
chain and resumes it (the branch's cache columns are overwritten by the chain's next tokens). The
chains at different budgets of one row share their prefix, so the scores at different B are
correlated; each is still an unbiased estimate of its own budget's accuracy.

Compute: a point's inference FLOPs are what one sample at budget B costs on its own (prompt
prefill, B thinking tokens, ``#`` and the answer, as one KV-cache generation); the FLOPs this
function actually executes (one chain plus short branches) are reported separately.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rlscale.errors import RlscaleError
from rlscale.lab import flops as flop_formulas
from rlscale.lab.model import KVCache, Policy
from rlscale.lab.sampling import _cache_storage, _decode_step, _DecodeWeights, _sample


@dataclass
class ThinkProbes:
    """Result of :func:`think_probes`.

    Attributes
    ----------
    thinking : list of list of int
        Each row's chain of ``max(budgets)`` thinking tokens (the chain at budget B is ``[:B]``).
    answers : dict of int to list of list of int
        ``answers[B][i]``: the answer tokens sampled after ``#`` at budget B for row i (up to and
        including eos when one was produced).
    flops : dict of int to list of int
        ``flops[B][i]``: FLOPs of row i's sample at budget B on its own (prefill + B thinking
        tokens + ``#`` + answer as one generation).
    flops_executed : int
        FLOPs this call ran: the prefill, one chain per row and the answer branches.
    """

    thinking: list[list[int]]
    answers: dict[int, list[list[int]]]
    flops: dict[int, list[int]]
    flops_executed: int


def _answer_branch(w, cache: KVCache, mark: torch.Tensor, bias, uniform, eos_id: int,
                   answer_max: int) -> tuple[list[list[int]], int]:
    """Feed ``#`` after the chain, sample up to ``answer_max`` answer tokens, rewind the cache.

    Returns the answers (cut after the first eos) and the number of decode steps run.
    """
    start = cache.length
    logits = _decode_step(w, cache, mark, w.rope[cache.length], bias)        # (b, V)
    out = torch.empty(mark.shape[0], answer_max, dtype=torch.long)
    done = torch.zeros(mark.shape[0], dtype=torch.bool)
    steps = 1
    for j in range(answer_max):
        tok = _sample(logits, None, None if uniform is None else uniform[j])
        out[:, j] = tok
        done |= tok == eos_id
        if bool(done.all()) or j == answer_max - 1:
            break
        logits = _decode_step(w, cache, tok, w.rope[cache.length], bias)
        steps += 1
    cache.length = start                         # rewind: the chain overwrites these columns
    answers = []
    for row in out[:, :j + 1].tolist():
        answers.append(row[:row.index(eos_id) + 1] if eos_id in row else row)
    return answers, steps


@torch.inference_mode()
def think_probes(model: Policy, prompts: list[list[int]], budgets: list[int], *, mark_id: int,
                 eos_id: int, suppress_ids: tuple[int, ...] | list[int], answer_max: int,
                 temperature: float, generator: torch.Generator) -> ThinkProbes:
    """Sample one chain of ``max(budgets)`` thinking tokens per prompt with answer probes at each budget.

    Parameters
    ----------
    model : Policy
    prompts : list of list of int
        Token ids (bos included), any lengths >= 1; one row per sample.
    budgets : list of int
        Thinking budgets B >= 1 (tokens), any order; duplicates are ignored.
    mark_id : int
        The end-of-thinking token (``#``), appended at each budget.
    eos_id : int
        Ends an answer.
    suppress_ids : sequence of int
        Tokens given probability 0 while thinking (the marker, eos and the other special tokens).
    answer_max : int
        Cap on answer tokens (eos included).
    temperature : float
        Softmax temperature (0: greedy).
    generator : torch.Generator
        The only source of randomness.

    Returns
    -------
    ThinkProbes
    """
    budgets = _check_probes(model, prompts, budgets, answer_max)
    cfg = model.config
    lens = [len(p) for p in prompts]
    R, t_prompt, b_max = len(prompts), max(lens), budgets[-1]
    max_len = t_prompt + b_max + 1 + answer_max
    cache, w, bias, logits = _prefill_probes(model, prompts, max_len, temperature)
    if temperature > 0:
        logits = logits / temperature
        # chain first, then one block per budget for its answer: a fixed order of draws
        chain_u = torch.rand(b_max, R, generator=generator)
        answer_u = torch.rand(len(budgets), answer_max, R, generator=generator)
    suppress = torch.tensor(sorted(set(suppress_ids)), dtype=torch.long)
    mark = torch.full((R,), mark_id, dtype=torch.long)
    chain = torch.empty(R, b_max, dtype=torch.long)
    answers: dict[int, list[list[int]]] = {}
    branch_steps: dict[int, int] = {}
    for s in range(b_max):
        logits.index_fill_(1, suppress, float("-inf"))                        # thinking goes on
        tok = _sample(logits, None, chain_u[s] if temperature > 0 else None)
        chain[:, s] = tok
        logits = _decode_step(w, cache, tok, w.rope[cache.length], bias)      # chain has s + 1 tokens
        if s + 1 in budgets:
            i = budgets.index(s + 1)
            answers[s + 1], branch_steps[s + 1] = _answer_branch(
                w, cache, mark, bias, answer_u[i] if temperature > 0 else None, eos_id, answer_max)
    per_budget, executed = _probe_flops(cfg, lens, budgets, answers, branch_steps)
    return ThinkProbes(thinking=chain.tolist(), answers=answers, flops=per_budget,
                       flops_executed=executed)


def _prefill_probes(model: Policy, prompts, max_len: int, temperature: float):
    """Left-padded prefill of the prompts into a fresh cache of *max_len* columns:
    ``(cache, decode weights, attention bias of the padding or None, next-token logits (R, V))``."""
    cfg, R, t_prompt = model.config, len(prompts), max(len(p) for p in prompts)
    pads = [t_prompt - len(p) for p in prompts]
    idx = torch.tensor([[0] * p + list(row) for p, row in zip(pads, prompts, strict=True)])
    cache = KVCache(cfg, R, max_len, dtype=model.embed.dtype,
                    storage=_cache_storage(cfg, R, max_len, model.embed))
    w = _DecodeWeights(model, temperature)
    bias = None
    if any(pads):
        cols = torch.arange(max_len)[None, :]
        cache.key_valid = cols >= torch.tensor(pads)[:, None]
        bias = torch.zeros(R, 1, 1, max_len, dtype=w.lm.dtype)
        bias.masked_fill_(~cache.key_valid[:, None, None, :], float("-inf"))
    return cache, w, bias, model(idx, kv_cache=cache, last_only=True)[:, -1]   # logits (R, V)


def _check_probes(model: Policy, prompts, budgets, answer_max: int) -> list[int]:
    """The sorted distinct budgets; a bad argument or a too-long probe is a RlscaleError."""
    if not prompts or min(len(p) for p in prompts) < 1:
        raise RlscaleError("think_probes: need at least one prompt, each with at least one token")
    budgets = sorted({int(b) for b in budgets})
    if not budgets or budgets[0] < 1 or answer_max < 1:
        raise RlscaleError("think_probes: budgets and answer_max must be >= 1")
    t_prompt, b_max, cap = max(len(p) for p in prompts), budgets[-1], model.config.max_seq_len
    if t_prompt + b_max + 1 + answer_max > cap:
        raise RlscaleError(f"think_probes: prompt ({t_prompt}) + largest budget ({b_max}) + answer "
                           f"({1 + answer_max}) exceeds the model's max_seq_len ({cap})")
    return budgets


def _probe_flops(cfg, lens: list[int], budgets: list[int], answers, branch_steps):
    """(FLOPs per budget and row as a sample of that budget costs alone, FLOPs executed)."""
    R, b_max = len(lens), budgets[-1]
    per_budget = {b: [flop_formulas.generation_flops(cfg, [n], [b + 1 + len(a)])
                      for n, a in zip(lens, answers[b], strict=True)] for b in budgets}
    # the chain: prefill, then all b_max thinking tokens fed back (a completion of b_max + 1)
    executed = flop_formulas.generation_flops(cfg, lens, [b_max + 1] * R)
    for b in budgets:   # each branch fed '#' and answer tokens for every row, finished or not
        executed += flop_formulas.decode_flops(cfg, [n + b for n in lens], [branch_steps[b] + 1] * R)
    return per_budget, executed
