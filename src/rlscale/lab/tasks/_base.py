"""Base class, problem type and registry of the lab's tasks (the task modules import from here).

See :mod:`rlscale.lab.tasks` for what a task is and how to register one.
"""


from __future__ import annotations

import abc
import hashlib
import random
from dataclasses import dataclass

from rlscale.errors import RlscaleError

ANSWER_MARK = "#"
SPLITS = ("train", "val", "test")
# hash bucket ranges (out of 100) for each split
_SPLIT_BUCKETS = {"train": range(0, 80), "val": range(80, 90), "test": range(90, 100)}


@dataclass(frozen=True)
class Problem:
    """One problem: ``prompt``, the worked ``solution`` (thinking + ``#`` + answer) and ``answer``."""

    prompt: str
    solution: str
    answer: str

    @property
    def thinking(self) -> str:
        """The chain of thought of the worked solution (everything before ``#``)."""
        return self.solution.split(ANSWER_MARK, 1)[0]


def split_of(key: str) -> str:
    """The split (``train``/``val``/``test``) a problem with canonical *key* belongs to."""
    bucket = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % 100
    for name, buckets in _SPLIT_BUCKETS.items():
        if bucket in buckets:
            return name
    raise AssertionError(bucket)  # pragma: no cover


def extract_answer(completion: str) -> str | None:
    """The answer after the first ``#`` (``None`` when there is no ``#``: a format failure)."""
    if ANSWER_MARK not in completion:
        return None
    return completion.split(ANSWER_MARK, 1)[1].strip()


class Task(abc.ABC):
    """Base class of a task. Subclasses set ``name``, ``description``, ``alphabet`` and implement
    :meth:`_random_problem`, :meth:`key`, :meth:`is_correct` and :meth:`verify`."""

    name: str = ""
    description: str = ""
    alphabet: str = ""          # every character a prompt or completion may contain
    difficulties: tuple[int, ...] = ()
    pretrain_errors: bool = False
    """Whether :meth:`for_pretraining` can put errors in a worked solution: then the config's
    ``task.pretrain_error_rate`` sets :attr:`pretrain_error_rate` (the chain task)."""
    pretrain_error_rate: float = 0.0

    def __init__(self, difficulty: int | None = None) -> None:
        if difficulty is None:
            difficulty = self.default_difficulty
        if difficulty not in self.difficulties:
            raise RlscaleError(f"task '{self.name}': difficulty {difficulty} is not one of "
                               f"{list(self.difficulties)}")
        self.difficulty = int(difficulty)

    default_difficulty: int = 1

    # --- to implement (abstract: a task without them cannot be built) ---------------------
    @abc.abstractmethod
    def _random_problem(self, rng: random.Random) -> tuple[str, Problem]:
        """Return ``(canonical key, problem)`` drawn from the whole problem space."""

    @abc.abstractmethod
    def is_correct(self, problem: Problem, answer: str | None) -> bool:
        """Exact check of an extracted answer against the problem."""

    @abc.abstractmethod
    def verify(self, problem: Problem, completion: str) -> float:
        """A verifier score in [0, 1] used by best-of-k (see the subclass for what it checks)."""

    def problem_space(self) -> int | None:
        """How many distinct problems the task has at this difficulty (None: too many to matter).

        A split holds about its share of them (test: 10 %); the config refuses more test
        problems than that before any work (:mod:`rlscale.lab.bounds`)."""
        return None

    # --- shared -----------------------------------------------------------------------------
    def sample(self, split: str, rng: random.Random, draw=None) -> Problem:
        """One problem of *split*, drawn with *rng* (rejection sampling on the hash partition);
        *draw* (default :meth:`_random_problem`) returns ``(key, problem)`` from a part of the
        problem space, e.g. the short problems a task pre-trains on."""
        if split not in SPLITS:
            raise RlscaleError(f"split '{split}' is not one of {list(SPLITS)}")
        draw = draw or self._random_problem
        for _ in range(100_000):
            key, problem = draw(rng)
            if split_of(f"{self.name}:{key}") == split:
                return problem
        raise RlscaleError(f"task '{self.name}': could not draw a {split} problem")  # pragma: no cover

    def problems(self, split: str, n: int, seed: int, *, unique: bool = False) -> list[Problem]:
        """*n* problems of *split* from ``random.Random(seed)`` (distinct prompts if *unique*)."""
        rng = random.Random(seed)
        out: list[Problem] = []
        seen: set[str] = set()
        tries = 0
        while len(out) < n:
            p = self.sample(split, rng)
            tries += 1
            if unique and p.prompt in seen:
                if tries > 50 * n + 1000:
                    raise RlscaleError(f"task '{self.name}' (difficulty {self.difficulty}) has "
                                       f"fewer than {n} distinct {split} problems")
                continue
            seen.add(p.prompt)
            out.append(p)
        return out

    def for_pretraining(self, problem: Problem, rng: random.Random) -> Problem:
        """The problem as pre-training shows it (default: unchanged, and *rng* is not used). A task
        may return a copy whose worked solution has errors in it, drawn with *rng*, so that the
        base policy learns to go on from what it wrote (the chain task can)."""
        return problem

    def reward(self, problem: Problem, completion: str) -> float:
        """Exact-answer reward: 1.0 if the answer after ``#`` is right, else 0.0."""
        return 1.0 if self.is_correct(problem, extract_answer(completion)) else 0.0

    def format_ok(self, completion: str) -> bool:
        """Format check: exactly one ``#`` followed by a non-empty answer, only known characters."""
        answer = extract_answer(completion)
        return (completion.count(ANSWER_MARK) == 1 and bool(answer)
                and all(ch in self.alphabet for ch in completion))


TASKS: dict[str, type[Task]] = {}


def register_task(name: str):
    """Class decorator adding a :class:`Task` subclass to :data:`TASKS` under *name*."""
    def deco(cls: type[Task]) -> type[Task]:
        cls.name = name
        TASKS[name] = cls
        return cls
    return deco


def get_task(name: str, difficulty: int | None = None) -> Task:
    """The task called *name* at *difficulty*; an unknown name is a :class:`RlscaleError`."""
    if name not in TASKS:
        raise RlscaleError(f"unknown task '{name}': choose one of {sorted(TASKS)}")
    return TASKS[name](difficulty)
