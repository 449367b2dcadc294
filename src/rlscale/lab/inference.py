"""Inference strategies and their estimators, each score with its sampling error.

Parallel strategies, from ``n`` samples per problem (``n >= 64``), for k = 1, 2, 4, ..., n:

- ``pass@k``: the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained
  on Code", arXiv:2107.03374, eq. 1) in its numerically stable product form
  ``1 - prod_{i=n-c+1}^{n} (1 - k / i)`` for ``c`` correct out of ``n``.
- ``maj@k``: majority vote over the extracted answers of k samples (ties go to the answer seen first
  in a random order), graded exactly; averaged over random size-k subsets of the n samples.
- ``best-of-k``: the completion the task's verifier scores highest among k samples (ties: first in a
  random order), graded exactly; averaged over the same subsets.

Sequential strategy ``think``: a thinking budget of B tokens, then ``#`` is appended and the answer
generated; scored as pass@1 at log-spaced B (see :func:`think_budgets`). With
``eval.think_forcing = "exact"`` (the default) B is exact, s1's budget forcing: a longer chain is cut
at B and a shorter one is made to go on to B (:mod:`rlscale.lab.thinking`), so budgets can reach far
past the length of the worked chains. With ``"cut"`` a chain is only cut: a model that ends its
thinking before B spends less, and budgets run up to the longest worked chain.

Sampling error: the per-problem scores are i.i.d. over the test problems, so a score's standard
error is the standard deviation of the per-problem scores over ``sqrt(#problems)``. The compute of a
point is the inference FLOPs per problem (k samples' FLOPs for a parallel strategy).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence

import numpy as np

from rlscale.errors import RlscaleError

STRATEGIES = ("pass@k", "maj@k", "best-of-k", "think")


def ks_for(samples: int) -> list[int]:
    """k = 1, 2, 4, ... up to *samples* (and *samples* itself when it is not a power of two)."""
    ks, k = [], 1
    while k <= samples:
        ks.append(k)
        k *= 2
    if ks[-1] != samples:
        ks.append(samples)
    return ks


def parse_budget(spec: str, samples: int) -> tuple[str, int]:
    """``"pass@1"`` -> ``("pass@k", 1)``; k above the samples drawn is a :class:`RlscaleError`."""
    name, sep, k = spec.partition("@")
    strategy = {"pass": "pass@k", "maj": "maj@k", "best-of": "best-of-k"}.get(name)
    if not sep or strategy is None or not k.isdigit() or int(k) < 1:
        raise RlscaleError(f"inference budget {spec!r}: expected pass@K, maj@K or best-of@K "
                           "with K >= 1")
    if int(k) > samples:
        raise RlscaleError(f"inference budget {spec!r}: k={k} is above the {samples} samples "
                           "drawn per problem (eval.samples_per_problem)")
    return strategy, int(k)


def pass_at_k(n: int, c: np.ndarray | int, k: int) -> np.ndarray:
    """Unbiased pass@k for *c* correct of *n* samples (Chen et al. 2021, stable product form).

    Parameters
    ----------
    n : samples drawn per problem.
    c : correct samples per problem (array or int).
    k : attempts allowed; ``1 <= k <= n``.
    """
    if not 1 <= k <= n:
        raise RlscaleError(f"pass@k: k={k} must be between 1 and the {n} samples drawn")
    c = np.atleast_1d(np.asarray(c, dtype=np.int64))
    out = np.ones(c.shape, dtype=float)
    for j, cj in enumerate(c):
        if n - cj >= k:  # otherwise every size-k subset holds a correct sample
            i = np.arange(n - cj + 1, n + 1, dtype=float)
            out[j] = 1.0 - float(np.prod(1.0 - k / i))
    return out


def mean_se(per_problem: Sequence[float]) -> tuple[float, float]:
    """Mean over problems and its standard error (std over problems / sqrt(#problems))."""
    x = np.asarray(per_problem, dtype=float)
    if x.size < 2:
        return float(x.mean()), math.nan
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def _subsets(n: int, k: int, rng: random.Random, permutations: int = 4) -> list[list[int]]:
    """Random size-k subsets of range(n): *permutations* shuffles, each cut into n // k chunks."""
    out = []
    for _ in range(permutations):
        order = list(range(n))
        rng.shuffle(order)
        out.extend(order[i * k:(i + 1) * k] for i in range(n // k))
    return out


def majority_at_k(answers: list[list[str | None]], correct: np.ndarray, k: int,
                  rng: random.Random) -> np.ndarray:
    """Per-problem expected correctness of a majority vote over k of the samples.

    *answers* holds the extracted answer of each sample (``None``: no answer, never voted for
    unless nothing else was answered); *correct* is the (problems, n) exact grading.
    """
    scores = np.zeros(len(answers))
    for p, (ans, ok) in enumerate(zip(answers, correct)):
        subsets = _subsets(len(ans), k, rng)
        total = 0.0
        for sub in subsets:
            votes = Counter(ans[i] for i in sub if ans[i] is not None)
            if not votes:
                continue
            top = max(votes.values())
            winner = next(ans[i] for i in sub if ans[i] is not None and votes[ans[i]] == top)
            total += float(ok[next(i for i in sub if ans[i] == winner)])
        scores[p] = total / len(subsets)
    return scores


def best_of_k(verifier: np.ndarray, correct: np.ndarray, k: int, rng: random.Random) -> np.ndarray:
    """Per-problem expected correctness of the verifier's top-scored sample among k."""
    scores = np.zeros(verifier.shape[0])
    for p in range(verifier.shape[0]):
        subsets = _subsets(verifier.shape[1], k, rng)
        total = 0.0
        for sub in subsets:
            v = verifier[p, sub]
            total += float(correct[p, sub[int(np.argmax(v))]])  # argmax: first of ties
        scores[p] = total / len(subsets)
    return scores


def think_budgets(max_thinking: int, count: int) -> list[int]:
    """*count* log-spaced thinking budgets from 1 to *max_thinking* tokens (distinct integers)."""
    if count == 1:
        return [max_thinking]
    raw = np.geomspace(1, max_thinking, count)
    return sorted({max(1, int(round(b))) for b in raw})


def parallel_scores(correct: np.ndarray, answers: list[list[str | None]], verifier: np.ndarray,
                    flops_per_sample: float, strategies: Sequence[str], seed: int) -> list[dict]:
    """Score rows for every parallel strategy and k from one (problems, n) batch of samples.

    Returns dicts with ``strategy, k, score, stderr, n, compute`` (compute = FLOPs per problem =
    k x mean FLOPs of one sample; n = graded attempts behind the score = problems x samples).
    """
    problems, n = correct.shape
    rows = []
    for strategy in strategies:
        if strategy == "think":
            continue
        rng = random.Random(f"{seed}:{strategy}")  # subsets independent of other strategies
        for k in ks_for(n):
            if strategy == "pass@k":
                per = pass_at_k(n, correct.sum(axis=1), k)
            elif strategy == "maj@k":
                per = majority_at_k(answers, correct, k, rng)
            else:
                per = best_of_k(verifier, correct, k, rng)
            score, se = mean_se(per)
            rows.append({"strategy": strategy, "k": k, "score": score, "stderr": se,
                         "n": problems * n, "compute": k * flops_per_sample})
    return rows


# --------------------------------------------------------------------------- evaluating a policy
EVAL_BATCH = 512  # rows per generate call (bounds the KV cache's memory)
THINK_BATCH = 256  # rows per exact-budget thinking call (chains of up to eval.max_thinking tokens)


def _generate_rows(model, prompts, max_new, temperature, eos_id, generator, stop_ids=()):
    """generate() over *prompts* in chunks of EVAL_BATCH rows, concatenated in order."""
    from rlscale.lab.sampling import generate

    completions, prefill, decode = [], 0, 0
    for i in range(0, len(prompts), EVAL_BATCH):
        out = generate(model, prompts[i:i + EVAL_BATCH], max_new_tokens=max_new,
                       temperature=temperature, top_k=None, eos_id=eos_id, generator=generator,
                       stop_ids=stop_ids)
        completions += out.completions
        prefill += out.prefill_flops
        decode += out.decode_flops
    return completions, prefill + decode


def evaluate_policy(model, tok, task, problems, ev, *, max_new: int, seed: int,
                    progress=None, label: str = "evaluating") -> dict:
    """Sample ``ev.samples_per_problem`` completions per test problem and score every strategy.

    Returns ``{"rows": [...], "flops": eval FLOPs spent}``; each row has ``strategy, k (or budget),
    score, stderr, n, compute`` (FLOPs per problem). With ``think`` and ``think_forcing = "cut"``
    also ``"think_length"``: the thinking tokens spent per sample at the largest budget
    (:func:`rlscale.convert.decomposition.length_record`). Seeded by *seed* only, so the
    evaluation of a checkpoint does not depend on what ran before it.
    """
    import torch

    from rlscale.lab.tasks import extract_answer

    n = ev.samples_per_problem
    P = len(problems)
    gen = torch.Generator().manual_seed(seed)
    prompts = [tok.encode(p.prompt, bos=True) for p in problems]
    think = "think" in ev.strategies
    if not think:
        budgets = []
    elif ev.think_forcing == "exact":
        budgets = think_budgets(ev.max_thinking, ev.thinking_budgets)
    else:
        budgets = think_budgets(max(len(p.thinking) for p in problems), ev.thinking_budgets)
    bar = progress.add_task(label, total=1 + len(budgets)) if progress is not None else None
    rows_prompts = [pr for pr in prompts for _ in range(n)]
    comps, flops = _generate_rows(model, rows_prompts, max_new, ev.temperature, tok.eos_id, gen)
    texts = [tok.decode(c) for c in comps]
    correct = np.array([task.reward(problems[i // n], t) for i, t in enumerate(texts)],
                       dtype=bool).reshape(P, n)
    answers = [[extract_answer(texts[p * n + j]) for j in range(n)] for p in range(P)]
    verifier = np.array([task.verify(problems[i // n], t) for i, t in enumerate(texts)]).reshape(P, n)
    rows = parallel_scores(correct, answers, verifier, flops / (P * n), ev.strategies, seed)
    if bar is not None:
        progress.update(bar, advance=1)
    spent = flops
    if think and ev.think_forcing == "exact":
        rows_, cost = _think_exact(model, tok, task, problems, prompts, budgets, ev, gen, progress, bar)
        rows += rows_
        spent += cost
    elif think:
        rows_, cost, lengths = _think_cut(model, tok, task, problems, prompts, budgets, ev, gen,
                                          progress, bar)
        rows += rows_
        spent += cost
    if bar is not None:
        progress.remove_task(bar)
    doc = {"rows": rows, "flops": spent}
    if think and ev.think_forcing != "exact":   # typical chain length (convert.decomposition)
        from rlscale.convert.decomposition import LENGTH_KEY, length_record

        doc[LENGTH_KEY] = length_record(lengths, budgets[-1])
    return doc


def answer_cap(problems) -> int:
    """Most answer tokens sampled after a forced ``#``: the longest worked answer + 2 (eos, slack)."""
    return max(len(p.solution) - len(p.thinking) for p in problems) + 2


def _think_exact(model, tok, task, problems, prompts, budgets, ev, gen, progress, bar) -> tuple[list[dict], int]:
    """``think`` rows with exact budgets (s1 budget forcing, :mod:`rlscale.lab.thinking`)."""
    from rlscale.lab.tasks import ANSWER_MARK
    from rlscale.lab.thinking import think_probes

    m, P = ev.think_samples, len(problems)
    mark = tok.encode(ANSWER_MARK)[0]
    rows_prompts = [pr for pr in prompts for _ in range(m)]
    suppress = (mark, tok.eos_id, tok.bos_id, tok.pad_id)
    ok = {b: np.zeros(P * m) for b in budgets}
    cost = {b: np.zeros(P * m) for b in budgets}
    spent = 0
    for i in range(0, len(rows_prompts), THINK_BATCH):     # bounds the KV cache of long chains
        res = think_probes(model, rows_prompts[i:i + THINK_BATCH], budgets, mark_id=mark,
                           eos_id=tok.eos_id, suppress_ids=suppress, answer_max=answer_cap(problems),
                           temperature=ev.temperature, generator=gen)
        spent += res.flops_executed
        for b in budgets:
            for j, (chain, ans) in enumerate(zip(res.thinking, res.answers[b], strict=True)):
                r = i + j
                text = tok.decode(chain[:b]) + ANSWER_MARK + tok.decode(ans)
                ok[b][r] = task.reward(problems[r // m], text)
                cost[b][r] = res.flops[b][j]
        if bar is not None:   # the bar counts budgets; a chunk of rows is its share of all of them
            progress.update(bar, advance=len(budgets) * len(res.thinking) / len(rows_prompts))
    rows = []
    for b in budgets:
        score, se = mean_se(ok[b].reshape(P, m).mean(axis=1))
        rows.append({"strategy": "think", "k": b, "score": score, "stderr": se, "n": P * m,
                     "compute": float(cost[b].mean())})
    return rows, spent


def _think_cut(model, tok, task, problems, prompts, budgets, ev, gen, progress,
               bar) -> tuple[list[dict], int, list[int]]:
    """``think`` rows with cut-only budgets: the model may end its chain before B by itself;
    also the thinking tokens each sample spent at the largest budget."""
    from rlscale.lab import flops as flopmath
    from rlscale.lab.tasks import ANSWER_MARK

    P, m = len(problems), ev.think_samples
    mark = tok.encode(ANSWER_MARK)
    answer_max = answer_cap(problems)
    rows, spent = [], 0
    for budget in budgets:
        # thinking cut at `budget` tokens (or where the model itself wrote '#'), then '#' forced
        base = [pr for pr in prompts for _ in range(m)]
        thought, _ = _generate_rows(model, base, budget, ev.temperature, tok.eos_id, gen,
                                    stop_ids=mark)
        thought = [[t for t in c if t != tok.eos_id and t != mark[0]] for c in thought]
        lengths = [len(t) for t in thought]        # budgets ascend: the last is the largest
        forced = [b + t + mark for b, t in zip(base, thought)]
        answer_ids, _ = _generate_rows(model, forced, answer_max, ev.temperature, tok.eos_id, gen)
        ok = np.array([task.reward(problems[i // m],
                                   tok.decode(t) + ANSWER_MARK + tok.decode(a))
                       for i, (t, a) in enumerate(zip(thought, answer_ids))]).reshape(P, m)
        # compute as one continuous KV-cache generation: thinking, the forced '#', the answer
        cost = flopmath.generation_flops(model.config, [len(b) for b in base],
                                         [len(t) + 1 + len(a) for t, a in zip(thought, answer_ids)])
        spent += cost
        score, se = mean_se(ok.mean(axis=1))
        rows.append({"strategy": "think", "k": budget, "score": score, "stderr": se, "n": P * m,
                     "compute": cost / (P * m)})
        if bar is not None:
            progress.update(bar, advance=1)
    return rows, spent, lengths
