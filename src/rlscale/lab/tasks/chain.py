"""Chain: a keyed recurrence run for n steps, so thinking longer solves longer problems.

Prompt ``Hd203:`` (key ``a = 7`` written ``H``, start value ``v0 = 3`` written ``d``, step count
``n = 203`` with the counter's fixed width); worked solution ``202Hf201Hb200Hg...000Hg#g``: one step
per counter value ``c = n-1, n-2, ..., 0``, written as the counter (fixed width, leading zeros), the
key again, and the new value

    v' = (S[(v + a + c // 10) mod 10] + c) mod 10      S = a fixed permutation of 0-9 (:data:`S_BOX`)

with keys written as the letters ``A``-``J`` and values as ``a``-``j`` (so a step is ``width + 2``
tokens: 5 at the default difficulty). The answer is the last value. Difficulty d sets the largest
step count ``4**d`` (1: 4 steps ... 4: 256 steps, chains up to 1,280 tokens); the step count n is
drawn so that ``log n`` has density rising linearly on ``[0, log 4**d]`` (a length mix weighted
toward long chains, see :func:`draw_steps` and docs/lab-thinking-task.md).

Why this shape (issue 15's lessons from two prototypes): the prompt is a few tokens beside chains of
up to 1,280; a step needs only tokens at fixed places, the previous value (five tokens back), the
counter digit and the key just written, a table a tiny model can learn (the key is restated in every
step because a policy trained with the key in the prompt only, as a digit, did not read it: it
inferred a key from its own chain and guessed the first; docs/lab-thinking-task.md); the key enters
*inside* the permutation because with the first rule, ``S[v] + a + c``, key and counter cancel
between two steps (``v_t = S[v_(t-1)] + v_(t-1) - S[v_(t-2)] - 1``: a 100-cell table of the two
previous values, which the policies learnt instead of reading the key); the counter's tens digit
enters too, so the step's table repeats only every 100 counter values (with the units digit alone,
a chain of 256 steps showed the successor of the same (value, units digit) pair every few dozen
steps, and a policy pre-trained at d = 4 learnt to copy it from the context instead of the rule:
docs/lab-thinking-task.md, run 11); the step is a
bijection of ``v``, so a wrong value is never repaired by later steps (trajectories never merge)
and errors compound;
and no value can be recalled from the prompt and position alone without running the chain (the
value after c depends on the key, the start and every counter digit since n).

Forced answer at a thinking budget B (:meth:`Chain.forced_answer`): the value of the last complete
step in the first B thinking tokens (``v0`` before the first), which is right only when the chain was
complete; :func:`oracle_curve` gives the exact solver's accuracy and realized compute at each budget,
and a solver that errs with a given probability per step.

The best-of-k verifier (:meth:`Chain.verify`) checks the chain for self-consistency step by step
from the prompt; it is exact up to its grading (a fraction of the checks).
"""

from __future__ import annotations

import dataclasses
import math
import random

from rlscale.lab.tasks._base import ANSWER_MARK, Problem, Task, extract_answer, register_task

S_BOX = (3, 7, 0, 9, 4, 1, 8, 2, 6, 5)
"""The fixed permutation of 0-9 inside the step (arbitrary; a bijection so that errors persist)."""

LETTERS = "abcdefghij"
"""Value v (0-9) is written as ``LETTERS[v]``, so counter digits and values never look alike."""

KEYS = "ABCDEFGHIJ"
"""Key a (0-9) is written as ``KEYS[a]``, in the prompt and in every step."""


def step_value(v: int, a: int, c: int) -> int:
    """The value after counter ``c``: ``(S[(v + a + c // 10) mod 10] + c) mod 10``.

    The key is added *before* the permutation. With it added after (``S[v] + a + c``, the first
    version) two consecutive steps determine ``a + c``, so the next value follows from the two
    previous ones alone, whatever the key and counter (measured: policies learnt that shortcut and
    ignored the key letter; docs/lab-thinking-task.md). Here recovering ``a`` from the chain needs
    ``S``'s inverse, nested inside a second lookup: no simpler than the rule itself. The counter's
    tens digit enters with the key, so the same (value, counter mod 10) pair has a different
    successor every 10 steps (with the units digit alone a long chain showed each pair's successor
    again and again, and a policy copied it from its context instead of learning the rule)."""
    return (S_BOX[(v + a + c // 10) % 10] + c) % 10


def draw_steps(rng: random.Random, n_max: int) -> int:
    """A step count in ``[1, n_max]`` with ``log n`` of density ``2x / log(n_max)^2`` (long-weighted)."""
    u = math.sqrt(rng.random())
    return max(1, min(n_max, math.ceil(n_max ** u - 1e-9)))


def worked_chain(a: int, v0: int, n: int, width: int) -> tuple[str, int]:
    """(the chain of thought, the final value) of the problem ``(a, v0, n)``."""
    v, parts = v0, []
    for c in range(n - 1, -1, -1):
        v = step_value(v, a, c)
        parts.append(f"{c:0{width}d}{KEYS[a]}{LETTERS[v]}")
    return "".join(parts), v


@register_task("chain")
class Chain(Task):
    description = "a keyed recurrence run for n <= 4**difficulty steps (chains up to 1,280 tokens)"
    alphabet = "0123456789" + LETTERS + KEYS + ":" + ANSWER_MARK
    difficulties = (1, 2, 3, 4)
    default_difficulty = 4
    pretrain_error_rate = 0.0
    """Per-step error rate of the worked chains pre-training shows (see :meth:`for_pretraining`);
    0: exact chains. A knob for mixing error rates into the pre-training data, so that the base
    policy is imperfect by design (issue 15); 0.03 was measured in one run (see the docs)."""

    @property
    def n_max(self) -> int:
        """The largest step count, ``4**difficulty``."""
        return 4 ** self.difficulty

    @property
    def width(self) -> int:
        """Digits of the counter and of n in the prompt: those of ``n_max`` (the largest n)."""
        return len(str(self.n_max))

    def make(self, a: int, v0: int, n: int) -> Problem:
        """The problem with key *a*, start value *v0* and *n* steps."""
        chain, v = worked_chain(a, v0, n, self.width)
        return Problem(prompt=f"{KEYS[a]}{LETTERS[v0]}{n:0{self.width}d}:",
                       solution=chain + ANSWER_MARK + LETTERS[v], answer=LETTERS[v])

    def _random_problem(self, rng: random.Random) -> tuple[str, Problem]:
        a, v0 = rng.randrange(10), rng.randrange(10)
        n = draw_steps(rng, self.n_max)
        return f"{a},{v0},{n}", self.make(a, v0, n)

    def for_pretraining(self, problem: Problem, rng: random.Random) -> Problem:
        """The problem unchanged when :attr:`pretrain_error_rate` is 0 (*rng* unused); else a copy
        whose chain errs on each step with that probability and goes on from the value written,
        answered with its last value (:func:`noisy_chain`). The reward still checks the true answer."""
        if not self.pretrain_error_rate:
            return problem
        chain = noisy_chain(self, problem, self.pretrain_error_rate, rng)
        return dataclasses.replace(problem, solution=chain + ANSWER_MARK + chain[-1])

    def parse_prompt(self, problem: Problem) -> tuple[int, int, int]:
        """``(a, v0, n)`` of a problem of this task."""
        p = problem.prompt.rstrip(":")
        return KEYS.index(p[0]), LETTERS.index(p[1]), int(p[2:])

    def is_correct(self, problem: Problem, answer: str | None) -> bool:
        return answer is not None and answer == problem.answer

    def forced_answer(self, problem: Problem, thinking: str) -> str:
        """The answer a chain has computed after *thinking* (a prefix of the thinking): the value of
        its last complete step, or the start value when no step is complete."""
        step = self.width + 2
        complete = len(thinking) // step
        if complete == 0:
            return problem.prompt[1]
        return thinking[complete * step - 1]

    def verify(self, problem: Problem, completion: str) -> float:
        """Fraction of checks passed: each expected step written as the recurrence gives it from the
        previous *written* value, and the answer equals the last written value; 0 if no ``#``."""
        answer = extract_answer(completion)
        if answer is None:
            return 0.0
        a, v, n = self.parse_prompt(problem)
        thinking, step = completion.split(ANSWER_MARK, 1)[0], self.width + 2
        passed, last = 0, LETTERS[v]
        for i, c in enumerate(range(n - 1, -1, -1)):
            part = thinking[i * step:(i + 1) * step]
            if len(part) == step and part[-1] in LETTERS:
                passed += part == f"{c:0{self.width}d}{KEYS[a]}{LETTERS[step_value(v, a, c)]}"
                v, last = LETTERS.index(part[-1]), part[-1]
        extra = len(thinking) > n * step
        return (passed + (answer == last and not extra)) / (n + 1)


def noisy_chain(task: Chain, problem: Problem, error_rate: float, rng: random.Random) -> str:
    """The chain a solver writes when each step's value is wrong with probability *error_rate*
    (a uniformly drawn other value); later steps go on from the value written, as a policy would."""
    a, v, n = task.parse_prompt(problem)
    parts = []
    for c in range(n - 1, -1, -1):
        v = step_value(v, a, c)
        if error_rate and rng.random() < error_rate:
            v = (v + rng.randrange(1, 10)) % 10
        parts.append(f"{c:0{task.width}d}{KEYS[a]}{LETTERS[v]}")
    return "".join(parts)


def oracle_curve(task: Chain, problems: list[Problem], budgets: list[int], model_cfg, *,
                 error_rate: float = 0.0, seed: int = 0) -> list[dict]:
    """Accuracy and realized compute of a solver at each thinking budget B ("cut" budgets).

    The solver writes its chain (:func:`noisy_chain`); at budget B the chain is cut at B tokens,
    ``#`` is appended and the answer is :meth:`Chain.forced_answer` (a chain that ends before B
    spends less). Compute per problem is counted as the lab counts a ``think`` sample: one
    KV-cache generation of ``min(len, B)`` thinking tokens, ``#``, the answer letter and eos after
    the bos + prompt, with :func:`rlscale.lab.flops.generation_flops` for *model_cfg*.

    Returns one row per budget: ``budget, accuracy, stderr, flops`` (FLOPs per problem, mean).
    """
    from rlscale.lab import flops as flopmath

    rng = random.Random(f"{seed}:chain-oracle")
    chains = [noisy_chain(task, p, error_rate, rng) for p in problems]
    rows = []
    for b in sorted(set(budgets)):
        ok = [task.is_correct(p, task.forced_answer(p, ch[:b])) for p, ch in zip(problems, chains)]
        cost = flopmath.generation_flops(model_cfg, [len(p.prompt) + 1 for p in problems],
                                         [min(len(ch), b) + 3 for ch in chains])
        n = len(ok)  # mean over problems and its standard error (as inference.mean_se)
        acc = sum(ok) / n
        se = math.sqrt(acc * (1 - acc) * n / (n - 1) / n) if n > 1 else math.nan
        rows.append({"budget": b, "accuracy": acc, "stderr": se, "flops": cost / len(problems)})
    return rows
