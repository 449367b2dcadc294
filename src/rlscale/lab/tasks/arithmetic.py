"""Multi-digit addition with a worked, digit-by-digit chain of thought.

Prompt ``58+67:``; worked solution ``8+7=15;5+6+1=12;#125``: one step per digit from the right, each
step adds the two digits and the carry (written ``+1``) of the step before. Difficulty = the number of
digits of each operand (operands are uniform in ``[0, 10**difficulty)``).

The verifier used by best-of-k (:meth:`Arithmetic.verify`) checks the chain of thought for internal
consistency without the answer key: each step's sum is right, each ``+1`` carry follows a step whose
sum reached 10, and the answer is the digits the steps produced. It does not check that the steps
used the prompt's digits, so a consistent but wrong chain can fool it: an imperfect verifier, as real
ones are.
"""

from __future__ import annotations

import random
import re

from rlscale.lab.tasks._base import ANSWER_MARK, Problem, Task, extract_answer, register_task

_STEP = re.compile(r"^(\d)\+(\d)(\+1)?=(\d{1,2})$")


def worked_solution(a: int, b: int) -> str:
    """The chain of thought and answer for ``a+b`` (see the module docstring)."""
    da, db = str(a)[::-1], str(b)[::-1]
    steps, carry = [], 0
    for i in range(max(len(da), len(db))):
        x = int(da[i]) if i < len(da) else 0
        y = int(db[i]) if i < len(db) else 0
        s = x + y + carry
        steps.append(f"{x}+{y}{'+1' if carry else ''}={s}")
        carry = 1 if s >= 10 else 0
    return ";".join(steps) + ";" + ANSWER_MARK + str(a + b)


@register_task("arithmetic")
class Arithmetic(Task):
    description = "multi-digit addition with a digit-by-digit worked chain of thought"
    alphabet = "0123456789+=;:" + ANSWER_MARK
    difficulties = (1, 2, 3, 4, 5, 6)
    default_difficulty = 3

    def _random_problem(self, rng: random.Random) -> tuple[str, Problem]:
        hi = 10 ** self.difficulty
        a, b = rng.randrange(hi), rng.randrange(hi)
        return f"{a}+{b}", Problem(prompt=f"{a}+{b}:", solution=worked_solution(a, b),
                                   answer=str(a + b))

    def problem_space(self) -> int:
        return 10 ** (2 * self.difficulty)    # ordered pairs of operands below 10**difficulty

    def is_correct(self, problem: Problem, answer: str | None) -> bool:
        return answer is not None and answer == problem.answer

    def verify(self, problem: Problem, completion: str) -> float:
        """Fraction of consistency checks passed (steps, carries, answer assembly); 0 if no ``#``."""
        answer = extract_answer(completion)
        if answer is None:
            return 0.0
        thinking = completion.split(ANSWER_MARK, 1)[0]
        parts = [p for p in thinking.split(";") if p]
        if not parts:
            return 0.0
        checks, passed, digits, carry = 0, 0, [], 0
        for part in parts:
            m = _STEP.match(part)
            checks += 2
            if not m:
                carry = 0
                continue
            x, y, c, s = int(m[1]), int(m[2]), 1 if m[3] else 0, int(m[4])
            passed += (x + y + c == s) + (c == carry)
            digits.append(str(s % 10))
            carry = 1 if s >= 10 else 0
        assembled = ("1" if carry else "") + "".join(reversed(digits))
        checks += 1
        passed += answer == assembled.lstrip("0") or (answer == "0" and set(assembled) <= {"0"})
        return passed / checks
