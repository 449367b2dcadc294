"""Chain: a keyed recurrence run for n steps, so thinking longer solves longer problems.

Prompt ``204Hg203Hd`` (step count ``n = 203`` with the counter's fixed width, key ``a = 7`` written
``H``, start value ``v0 = 3`` written ``d``): the prompt is written as the two steps before the
chain, at counters ``n + 1`` and ``n`` (:func:`prompt_text`). Worked solution ``202Hf201Hb200Gg...000Fg#g``: one step per counter value
``c = n-1, n-2, ..., 0``, written as the counter (fixed width, leading zeros), the step's key ``k``
and the new value

    k  = (a - (n // 10 - c // 10)) mod 10    the key steps down by one each time the tens digit does
    v' = (S[(v + k) mod 10] + c) mod 10      S = a fixed permutation of 0-9 (:data:`S_BOX`)

with keys written as the letters ``A``-``J`` and values as ``a``-``j`` (so a step is ``width + 2``
tokens: 5 at the default difficulty). The answer is the last value. Difficulty d sets the largest
step count ``4**d`` (1: 4 steps ... 4: 256 steps, chains up to 1,280 tokens); the step count n is
drawn so that ``log n`` has density rising linearly on ``[0, log 4**d]`` (a length mix weighted
toward long chains, see :func:`draw_steps` and docs/lab-thinking-task.md).

Why this shape (issue 15's lessons from two prototypes and eighteen pre-training and RL runs,
docs/lab-thinking-task.md): the prompt is a few tokens beside chains of up to 1,280; every step,
the first included, is the same function of the five tokens before it (the previous counter, key
and value, and the step before: the prompt is steps n + 1 and n), a table a tiny model can learn; the key is written in every step
(a policy given the key in the prompt only did not read it: it inferred a key from its own chain
and guessed the first); the key enters *inside* the permutation (with ``S[v] + a + c`` key and
counter cancel between two steps, ``v_t = S[v_(t-1)] + v_(t-1) - S[v_(t-2)] - 1``: a 100-cell
table of the two previous values, which the policies learnt instead of reading the key); the key
moves with the counter's tens digit, so a (value, key, units digit) triple has the same successor
only 100 steps apart (with a fixed key a chain of 256 steps showed the successor of the same
(value, units digit) pair every few dozen steps, and a policy pre-trained at d = 4 learnt to copy
it from its context instead of the rule); the step is a bijection of ``v``, so a wrong value is
never repaired by later steps (trajectories never merge) and errors compound; and no value can be
recalled from the prompt and position alone without running the chain (the value after c depends
on the key, the start and every counter digit since n).

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

S_INVERSE = tuple(S_BOX.index(x) for x in range(10))

LETTERS = "abcdefghij"
"""Value v (0-9) is written as ``LETTERS[v]``, so counter digits and values never look alike."""

KEYS = "ABCDEFGHIJ"
"""A key (0-9) is written as ``KEYS[k]``: the prompt's, and each step's own."""


def step_key(a: int, n: int, c: int) -> int:
    """The key of the step at counter ``c`` of the chain with key *a* and *n* steps: *a* at the
    prompt (``c = n``), one lower each time the counter's tens digit goes down."""
    return (a - (n // 10 - c // 10)) % 10


def step_text(c: int, k: int, v: int, width: int) -> str:
    """A step as written: counter *c* (``width`` digits), key *k*, value *v*."""
    return f"{c:0{width}d}{KEYS[k]}{LETTERS[v]}"


def step_value(v: int, k: int, c: int) -> int:
    """The value after counter ``c`` with key ``k``: ``(S[(v + k) mod 10] + c) mod 10``.

    The key is added *before* the permutation. With it added after (``S[v] + a + c``, the first
    version) two consecutive steps determine ``a + c``, so the next value follows from the two
    previous ones alone, whatever the key and counter (measured: policies learnt that shortcut and
    ignored the key letter; docs/lab-thinking-task.md). Here recovering the key from the chain
    needs ``S``'s inverse, nested inside a second lookup: no simpler than the rule itself."""
    return (S_BOX[(v + k) % 10] + c) % 10


def prompt_text(a: int, v0: int, n: int, width: int) -> str:
    """The prompt of ``(a, v0, n)``: the two steps before the chain, at counters n + 1 and n (the
    first one's value is the one that leads to *v0*), so that the first step of the chain, like
    every other, follows a step and its predecessor."""
    k = step_key(a, n, n + 1)
    before = (S_INVERSE[(v0 - (n + 1)) % 10] - k) % 10
    return step_text(n + 1, k, before, width) + step_text(n, a, v0, width)


def _key(a: int, v0: int, n: int) -> str:
    """The canonical key of the problem ``(a, v0, n)`` (its split follows from it)."""
    return f"{a},{v0},{n}"


def draw_steps(rng: random.Random, n_max: int) -> int:
    """A step count in ``[1, n_max]`` with ``log n`` of density ``2x / log(n_max)^2`` (long-weighted)."""
    u = math.sqrt(rng.random())
    return max(1, min(n_max, math.ceil(n_max ** u - 1e-9)))


def worked_chain(a: int, v0: int, n: int, width: int, error_rate: float = 0.0,
                 rng: random.Random | None = None) -> tuple[str, int]:
    """(the chain of thought, its last value) of the problem ``(a, v0, n)``; with *error_rate*,
    each step's value is wrong with that probability (a uniformly drawn other value, from *rng*)
    and later steps go on from the value written, as a policy would."""
    v, parts = v0, []
    for c in range(n - 1, -1, -1):
        k = step_key(a, n, c)
        v = step_value(v, k, c)
        if error_rate and rng.random() < error_rate:
            v = (v + rng.randrange(1, 10)) % 10
        parts.append(step_text(c, k, v, width))
    return "".join(parts), v


@register_task("chain")
class Chain(Task):
    description = "a keyed recurrence run for n <= 4**difficulty steps (chains up to 1,280 tokens)"
    alphabet = "0123456789" + LETTERS + KEYS + ANSWER_MARK
    difficulties = (1, 2, 3, 4)
    default_difficulty = 4
    pretrain_errors = True
    """Pre-training chains can err (``task.pretrain_error_rate``, :meth:`for_pretraining`): each
    step's value wrong with that probability, later steps going on from it, so that the base
    policy errs per step by design and long chains pay off only once RL makes it reliable."""
    pretrain_short_share = 0.9
    """Share of pre-training problems replaced by a short one (n drawn uniformly from 1 to
    :attr:`SHORT_STEPS`, train split): a policy learns the first steps of a chain, where it has no
    history to lean on, from one example per chain, and long chains buy few of them per FLOP
    (at d = 4 with the test mix, 93 % of values right teacher-forced but 14 % at the first step, so
    sampled chains went wrong at once: docs/lab-thinking-task.md, run 14). Every suffix of a chain
    is itself a problem of the task, so short problems teach the same step. 0: the test mix only."""
    SHORT_STEPS = 8
    """The largest step count of the short pre-training problems."""

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
        return Problem(prompt=prompt_text(a, v0, n, self.width),
                       solution=chain + ANSWER_MARK + LETTERS[v], answer=LETTERS[v])

    def _random_problem(self, rng: random.Random) -> tuple[str, Problem]:
        a, v0 = rng.randrange(10), rng.randrange(10)
        n = draw_steps(rng, self.n_max)
        return _key(a, v0, n), self.make(a, v0, n)

    def for_pretraining(self, problem: Problem, rng: random.Random) -> Problem:
        """The problem, or with probability :attr:`pretrain_short_share` a short train problem
        drawn with *rng*; when :attr:`pretrain_error_rate` is set, a copy whose chain errs on each
        step with that probability and goes on from the value written, answered with its last
        value (:func:`noisy_chain`; the reward still checks the true answer)."""
        if self.pretrain_short_share and rng.random() < self.pretrain_short_share:
            problem = self.sample("train", rng, draw=self._random_short_problem)
        if not self.pretrain_error_rate:
            return problem
        chain = noisy_chain(self, problem, self.pretrain_error_rate, rng)
        return dataclasses.replace(problem, solution=chain + ANSWER_MARK + chain[-1])

    def _random_short_problem(self, rng: random.Random) -> tuple[str, Problem]:
        """As :meth:`_random_problem`, with n drawn uniformly from 1 to :attr:`SHORT_STEPS`."""
        a, v0 = rng.randrange(10), rng.randrange(10)
        n = rng.randint(1, min(self.SHORT_STEPS, self.n_max))
        return _key(a, v0, n), self.make(a, v0, n)

    def parse_prompt(self, problem: Problem) -> tuple[int, int, int]:
        """``(a, v0, n)`` of a problem of this task."""
        w = self.width
        p = problem.prompt[w + 2:]                     # the second step: counter n
        return KEYS.index(p[w]), LETTERS.index(p[w + 1]), int(p[:w])

    def is_correct(self, problem: Problem, answer: str | None) -> bool:
        return answer is not None and answer == problem.answer

    def forced_answer(self, problem: Problem, thinking: str) -> str:
        """The answer a chain has computed after *thinking* (a prefix of the thinking): the value of
        its last complete step, or the start value when no step is complete."""
        step = self.width + 2
        complete = len(thinking) // step
        if complete == 0:
            return problem.prompt[-1]
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
                k = step_key(a, n, c)
                passed += part == step_text(c, k, step_value(v, k, c), self.width)
                v, last = LETTERS.index(part[-1]), part[-1]
        extra = len(thinking) > n * step
        return (passed + (answer == last and not extra)) / (n + 1)


def noisy_chain(task: Chain, problem: Problem, error_rate: float, rng: random.Random) -> str:
    """The chain a solver writes for *problem* when each step's value is wrong with probability
    *error_rate* (:func:`worked_chain`)."""
    a, v0, n = task.parse_prompt(problem)
    return worked_chain(a, v0, n, task.width, error_rate, rng)[0]


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
