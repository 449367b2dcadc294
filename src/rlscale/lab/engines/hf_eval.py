"""Evaluation of a Hugging Face causal LM with the lab's inference strategies, by batched ``generate``.

The same strategies and estimators as :mod:`rlscale.lab.inference` (it scores the samples:
:func:`~rlscale.lab.inference.parallel_scores` for pass@k, maj@k and best-of-k), on samples drawn by
``model.generate`` in left-padded batches of ``EVAL_BATCH`` rows:

- parallel strategies: ``eval.samples_per_problem`` completions per test problem at
  ``eval.temperature`` (top-k and top-p off), graded by the task's verifier;
- ``think`` with ``think_forcing = "exact"``: one chain of the largest budget per sample, in which
  the answer mark ``#`` and end-of-sequence are suppressed (``suppress_tokens``,
  ``min_new_tokens``), then for each budget B the chain cut at B tokens, ``#`` appended and the
  answer generated: exactly B thinking tokens, as s1's budget forcing; with ``"cut"`` the model may
  end its thinking before B (generation stops at ``#`` or eos), then ``#`` is forced.

Compute per point: the lab's FLOP formulas on the real lengths (``generation_flops``: prefill +
KV-cache decode; a think budget as one continuous generation of thinking, mark and answer). Budgets
are in the model's tokens (for the lab's character tokenizer: characters).

Sampling uses torch's global generator, seeded with the checkpoint's evaluation seed before the
first call (``generate`` takes no generator), so an evaluation is reproducible on one machine.
"""

from __future__ import annotations

import contextlib
import random

import numpy as np

from rlscale.lab import flops as flopmath
from rlscale.lab.inference import (EVAL_BATCH, answer_cap, mean_se, parallel_scores,
                                   think_budgets)


@contextlib.contextmanager
def quiet_hf():
    """transformers' advice-level logging and loading bars off while an engine runs (errors and
    rlscale's own progress still shown). TRL 1.16 itself calls transformers' deprecated
    ``is_gradient_checkpointing``: that one FutureWarning, not ours to fix, is ignored."""
    import warnings

    from transformers.utils import logging

    level, bars = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*",
                                    category=FutureWarning)
            yield
    finally:
        logging.set_verbosity(level)
        if bars:
            logging.enable_progress_bar()


def prompt_ids(tok, task, problems, chat: bool) -> list[list[int]]:
    """Token ids of each problem's prompt, as the TRL engine feeds them in training."""

    if chat:
        out = tok.apply_chat_template(conversation=[chat_prompt(task, p) for p in problems],
                                      add_generation_prompt=True, tokenize=True, return_dict=True)
        return [list(ids) for ids in out["input_ids"]]
    return [list(ids) for ids in tok(text=[p.prompt for p in problems])["input_ids"]]


def _eos_ids(model, tok) -> list[int]:
    ids = {tok.eos_token_id}
    extra = getattr(model.generation_config, "eos_token_id", None)
    ids.update(extra if isinstance(extra, list) else [extra])
    return sorted(i for i in ids if i is not None)


def generate_rows(model, tok, prompts: list[list[int]], max_new: int, temperature: float, *,
                  stop_ids=(), min_new: int = 0, suppress=()) -> list[list[int]]:
    """Completion ids of each prompt (up to and including the first eos / stop id)."""
    import torch

    pad = tok.pad_token_id
    stops = set(_eos_ids(model, tok)) | set(stop_ids)
    kw = {"max_new_tokens": max_new, "pad_token_id": pad, "eos_token_id": sorted(stops),
          "do_sample": temperature > 0}
    if temperature > 0:
        kw.update(temperature=temperature, top_k=0, top_p=1.0)
    if min_new:
        kw["min_new_tokens"] = min_new
    if suppress:
        kw["suppress_tokens"] = sorted(suppress)
    out: list[list[int]] = []
    device = next(model.parameters()).device
    for i in range(0, len(prompts), EVAL_BATCH):
        chunk = prompts[i:i + EVAL_BATCH]
        width = max(len(p) for p in chunk)
        ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for r, p in enumerate(chunk):                  # left padding: generation continues at the end
            ids[r, width - len(p):] = torch.tensor(p)
            mask[r, width - len(p):] = 1
        with torch.no_grad():
            gen = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device), **kw)
        for row in gen[:, width:].tolist():
            cut = next((j + 1 for j, t in enumerate(row) if t in stops), len(row))
            out.append(row[:cut])
    return out


def _decode(tok, ids) -> str:
    return tok.decode(ids, skip_special_tokens=True)


def evaluate_hf(model, policy, task, problems, ev, *, max_new: int, seed: int, progress=None,
                label: str = "evaluating") -> dict:
    """``{"rows": [...], "flops": FLOPs spent}`` as :func:`rlscale.lab.inference.evaluate_policy`."""
    import torch

    from rlscale.lab.tasks import extract_answer

    tok, shape = policy.tokenizer, policy.shape
    if torch.cuda.is_available():
        model = model.to("cuda")
    model.eval()
    torch.manual_seed(seed)
    n, P = ev.samples_per_problem, len(problems)
    prompts = prompt_ids(tok, task, problems, policy.chat)
    bar = progress.add_task(label, total=2 if "think" in ev.strategies else 1) if progress else None
    rows_prompts = [p for p in prompts for _ in range(n)]
    comps = generate_rows(model, tok, rows_prompts, max_new, ev.temperature)
    flops = flopmath.generation_flops(shape, [len(p) for p in rows_prompts], [len(c) for c in comps])
    texts = [_decode(tok, c) for c in comps]
    correct = np.array([task.reward(problems[i // n], t) for i, t in enumerate(texts)],
                       dtype=bool).reshape(P, n)
    answers = [[extract_answer(texts[p * n + j]) for j in range(n)] for p in range(P)]
    verifier = np.array([task.verify(problems[i // n], t) for i, t in enumerate(texts)]).reshape(P, n)
    rows = parallel_scores(correct, answers, verifier, flops / (P * n), ev.strategies, seed)
    spent = flops
    if bar is not None:
        progress.update(bar, advance=1)
    if "think" in ev.strategies:
        think_rows, cost = _think(model, tok, shape, task, problems, prompts, ev)
        rows += think_rows
        spent += cost
    if bar is not None:
        progress.remove_task(bar)
    return {"rows": rows, "flops": spent}


def _mark_ids(tok) -> tuple[list[int], set[int]]:
    """(ids that write ``#``, every token whose text holds ``#``: suppressed while thinking)."""
    from rlscale.lab.tasks import ANSWER_MARK

    holding = {i for i in range(len(tok)) if ANSWER_MARK in tok.decode([i])}
    return tok.encode(ANSWER_MARK, add_special_tokens=False), holding


def _think(model, tok, shape, task, problems, prompts, ev) -> tuple[list[dict], int]:
    """``think`` rows: pass@1 after a thinking budget of B tokens, for log-spaced B."""
    from rlscale.lab.tasks import ANSWER_MARK

    m, P = ev.think_samples, len(problems)
    mark, holding = _mark_ids(tok)
    base = [p for p in prompts for _ in range(m)]
    answer_max = answer_cap(problems)
    spent = 0
    if ev.think_forcing == "exact":
        budgets = think_budgets(ev.max_thinking, ev.thinking_budgets)
        chains = generate_rows(model, tok, base, budgets[-1], ev.temperature, min_new=budgets[-1],
                               suppress=holding)
        spent += flopmath.generation_flops(shape, [len(b) for b in base], [len(c) for c in chains])
    else:
        longest = max(len(tok.encode(p.thinking, add_special_tokens=False)) for p in problems)
        budgets = think_budgets(longest, ev.thinking_budgets)
    rows = []
    for b in budgets:
        if ev.think_forcing == "exact":
            thought = [c[:b] for c in chains]
        else:
            cut = generate_rows(model, tok, base, b, ev.temperature, stop_ids=holding)
            spent += flopmath.generation_flops(shape, [len(x) for x in base], [len(c) for c in cut])
            ends = holding | set(_eos_ids(model, tok))    # the cut chain without its stop token
            thought = [[t for t in c if t not in ends] for c in cut]
        forced = [x + t + mark for x, t in zip(base, thought)]
        answers = generate_rows(model, tok, forced, answer_max, ev.temperature)
        spent += flopmath.generation_flops(shape, [len(f) for f in forced], [len(a) for a in answers])
        ok = np.array([task.reward(problems[i // m], _decode(tok, t) + ANSWER_MARK + _decode(tok, a))
                       for i, (t, a) in enumerate(zip(thought, answers))]).reshape(P, m)
        cost = flopmath.generation_flops(shape, [len(x) for x in base],
                                         [len(t) + len(mark) + len(a) for t, a in zip(thought, answers)])
        score, se = mean_se(ok.mean(axis=1))
        rows.append({"strategy": "think", "k": b, "score": score, "stderr": se, "n": P * m,
                     "compute": cost / (P * m)})
    return rows, spent


def chat_prompt(task, problem) -> list[dict]:
    """A user message for chat models: an instruction, a worked example, the problem."""
    example = task.sample("train", random.Random("chat-example"))
    text = (f"Solve the problem. Write your working, then '#' and the answer, as in this example.\n"
            f"Example: {example.prompt}{example.solution}\nProblem: {problem.prompt}")
    return [{"role": "user", "content": text}]
