"""Procedurally generated tasks with exact verifiers (no downloads).

A task turns a seeded random generator into :class:`Problem` objects: a prompt, a worked solution
(the chain of thought the base model is pre-trained on) and the exact answer. Every completion has
the shape ``<chain of thought>#<answer>``: the ``#`` marker ends the thinking, so an inference
strategy can cut the thinking at a token budget and force the answer by appending ``#``.

Train / validation / test problems are disjoint by construction: each problem's canonical key is
hashed (SHA-256) into one of 100 buckets, buckets 0-79 are train, 80-89 validation, 90-99 test, and
a generator for one split rejects problems that hash into another. No problem can appear in two
splits, whatever the seeds.

Register a new task with :func:`register_task`::

    @register_task("mytask")
    class MyTask(Task):
        ...

Run ``rlscale lab tasks`` to see every task with a sample problem and its solution.
"""

from rlscale.lab.tasks._base import (ANSWER_MARK, SPLITS, TASKS, Problem, Task, extract_answer,
                                     get_task, register_task, split_of)
from rlscale.lab.tasks import arithmetic as _arithmetic  # noqa: F401  (registers)
from rlscale.lab.tasks import chain as _chain  # noqa: F401  (registers)
from rlscale.lab.tasks import countdown as _countdown  # noqa: F401  (registers)

__all__ = ["ANSWER_MARK", "SPLITS", "TASKS", "Problem", "Task", "extract_answer", "get_task",
           "register_task", "split_of"]
