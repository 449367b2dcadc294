"""Tasks: procedural generation, disjoint splits, exact rewards, verifiers, registry."""

from __future__ import annotations

import random

import pytest

from rlscale.errors import RlscaleError
from rlscale.lab.tasks import TASKS, Task, extract_answer, get_task, register_task, split_of


@pytest.mark.parametrize("name", sorted(TASKS))
def test_worked_solutions_earn_full_reward(name):
    task = get_task(name)
    for p in task.problems("train", 200, seed=1):
        assert task.reward(p, p.solution) == 1.0
        assert task.verify(p, p.solution) == 1.0
        assert task.format_ok(p.solution)
        assert all(ch in task.alphabet for ch in p.prompt + p.solution)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_splits_are_disjoint_and_seeded(name):
    task = get_task(name)
    seen = {s: {p.prompt for p in task.problems(s, 300, seed=3)} for s in ("train", "val", "test")}
    assert not seen["train"] & seen["test"]
    assert not seen["train"] & seen["val"]
    assert not seen["val"] & seen["test"]
    assert [p.prompt for p in task.problems("test", 20, seed=5)] == \
        [p.prompt for p in task.problems("test", 20, seed=5)]
    assert [p.prompt for p in task.problems("test", 20, seed=5)] != \
        [p.prompt for p in task.problems("test", 20, seed=6)]


def test_split_partition_is_stable_and_roughly_80_10_10():
    counts = {"train": 0, "val": 0, "test": 0}
    for i in range(5000):
        counts[split_of(f"k{i}")] += 1
    assert 3800 < counts["train"] < 4200 and 380 < counts["test"] < 620
    assert split_of("arithmetic:1+2") == split_of("arithmetic:1+2")


def test_arithmetic_reward_is_exact_and_format_checked():
    task = get_task("arithmetic", 3)
    p = task.problems("test", 1, seed=0)[0]
    wrong = str(int(p.answer) + 1)
    assert task.reward(p, p.thinking + "#" + wrong) == 0.0
    assert task.reward(p, p.thinking) == 0.0          # no answer marker
    assert not task.format_ok(p.thinking)
    assert not task.format_ok(p.solution + "#1")
    assert task.reward(p, "#" + p.answer) == 1.0      # the answer alone is right, format too
    assert extract_answer("1+2=3;#3") == "3"


def test_arithmetic_verifier_catches_inconsistent_chains():
    task = get_task("arithmetic", 2)
    p = task.problems("test", 1, seed=2)[0]
    bad_step = p.solution.replace("=", "=9", 1)
    assert task.verify(p, bad_step) < 1.0
    bad_answer = p.thinking + "#" + str(int(p.answer) + 10)
    assert task.verify(p, bad_answer) < 1.0
    assert task.verify(p, "garbage") == 0.0


def test_countdown_accepts_any_correct_expression_and_rejects_reuse():
    task = get_task("countdown", 3)
    p = task.problems("test", 1, seed=0)[0]
    numbers = p.prompt.rstrip(":").split(">")[0].split(",")
    assert task.reward(p, "#" + p.solution.split("#")[1]) == 1.0
    assert task.reward(p, "#" + "+".join(numbers + numbers)) == 0.0
    assert task.reward(p, "#__import__('os')") == 0.0
    assert task.reward(p, "#2**3") == 0.0
    assert task.reward(p, "#1/0") == 0.0


def test_difficulty_changes_problem_size():
    easy = get_task("arithmetic", 1).problems("train", 50, seed=0)
    hard = get_task("arithmetic", 5).problems("train", 50, seed=0)
    assert max(len(p.solution) for p in easy) < min(len(p.solution) for p in hard)


def test_unknown_task_and_bad_difficulty_are_user_errors():
    with pytest.raises(RlscaleError, match="unknown task 'nope'"):
        get_task("nope")
    with pytest.raises(RlscaleError, match="difficulty 99"):
        get_task("arithmetic", 99)


def test_register_task_decorator_adds_to_registry():
    @register_task("_echo_test")
    class Echo(Task):
        alphabet = "ab#"
        difficulties = (1,)

        def _random_problem(self, rng: random.Random):
            s = rng.choice("ab")
            from rlscale.lab.tasks import Problem
            return s, Problem(s, "#" + s, s)

        def is_correct(self, problem, answer):
            return answer == problem.answer

        def verify(self, problem, completion):
            return self.reward(problem, completion)

    try:
        assert get_task("_echo_test").name == "_echo_test"
    finally:
        TASKS.pop("_echo_test")


def test_a_task_without_its_verifier_cannot_be_built():
    from rlscale.lab.tasks._base import Task

    class Half(Task):
        name, difficulties = "half", (1,)

        def _random_problem(self, rng):
            raise AssertionError("not reached")

        def is_correct(self, problem, answer):
            return False

    with pytest.raises(TypeError, match="verify"):
        Half(1)
