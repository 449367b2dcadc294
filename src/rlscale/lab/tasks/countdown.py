"""Countdown: reach a target from given numbers with + - * / (each number used exactly once).

Prompt ``3,7,25>46:``; worked solution ``7*3=21;21+25=46;#(7*3)+25``: the chain of thought lists the
operations one by one, the answer is one expression over the given numbers. Difficulty = how many
numbers are given (2-5); numbers are drawn from 1-25 and the target is made by a random expression
tree over them whose intermediate results are positive integers (division only when exact), so every
problem is solvable. Any correct expression is accepted, not only the one the generator built.

The reward and the best-of-k verifier are the same exact check here: an expression can be verified
without an answer key (it uses the numbers and hits the target, or it does not).
"""

from __future__ import annotations

import ast
import random
from fractions import Fraction

from rlscale.lab.tasks._base import ANSWER_MARK, Problem, Task, register_task

_OPS = "+-*/"


def _apply(op: str, x: int, y: int) -> int | None:
    if op == "+":
        return x + y
    if op == "-":
        return x - y if x > y else None
    if op == "*":
        return x * y
    return x // y if y > 1 and x % y == 0 else None


def _evaluate(expr: str) -> tuple[Fraction, list[int]] | None:
    """Value and the list of number literals of an expression of integers, + - * / and
    parentheses; ``None`` if it is anything else or divides by zero."""
    try:
        tree = ast.parse(expr, mode="eval")
    except (SyntaxError, ValueError):
        return None
    numbers: list[int] = []

    def ev(node):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            numbers.append(node.value)
            return Fraction(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                raise ZeroDivisionError
            return _BINOPS[type(node.op)](left, right)
        raise ValueError("not allowed")

    try:
        return ev(tree.body), numbers
    except (ValueError, ZeroDivisionError):
        return None


_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}


@register_task("countdown")
class Countdown(Task):
    description = "Countdown: combine the given numbers with + - * / to reach the target"
    alphabet = "0123456789+-*/=;,>:()" + ANSWER_MARK
    difficulties = (2, 3, 4, 5)
    default_difficulty = 3

    def _random_problem(self, rng: random.Random) -> tuple[str, Problem]:
        while True:
            numbers = [rng.randint(1, 25) for _ in range(self.difficulty)]
            pool = [(n, str(n)) for n in numbers]  # (value, expression)
            steps = []
            while len(pool) > 1:
                i, j = rng.sample(range(len(pool)), 2)
                (x, ex), (y, ey) = pool[i], pool[j]
                op = rng.choice(_OPS)
                z = _apply(op, x, y)
                if z is None or z > 999:
                    break
                steps.append(f"{x}{op}{y}={z}")
                pool = [p for k, p in enumerate(pool) if k not in (i, j)] + [(z, f"({ex}{op}{ey})")]
            if len(pool) == 1:
                target, expr = pool[0]
                expr = expr[1:-1] if expr.startswith("(") else expr
                shown = ",".join(map(str, numbers))
                key = ",".join(map(str, sorted(numbers))) + f">{target}"
                solution = ";".join(steps) + ";" + ANSWER_MARK + expr
                return key, Problem(prompt=f"{shown}>{target}:", solution=solution,
                                    answer=str(target))

    def _numbers_target(self, problem: Problem) -> tuple[list[int], int]:
        shown, target = problem.prompt.rstrip(":").split(">")
        return [int(n) for n in shown.split(",")], int(target)

    def is_correct(self, problem: Problem, answer: str | None) -> bool:
        if not answer or any(ch not in "0123456789+-*/()" for ch in answer):
            return False
        result = _evaluate(answer)
        if result is None:
            return False
        value, used = result
        numbers, target = self._numbers_target(problem)
        return value == target and sorted(used) == sorted(numbers)

    def verify(self, problem: Problem, completion: str) -> float:
        """The exact check (Countdown answers verify themselves without an answer key)."""
        return self.reward(problem, completion)
