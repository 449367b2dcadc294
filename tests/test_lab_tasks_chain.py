"""The chain task: a keyed recurrence whose forced answer at a budget is what the chain computed."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from rlscale.errors import RlscaleError
from rlscale.lab.inference import think_budgets
from rlscale.lab.model import ModelConfig
from rlscale.lab.tasks import TASKS, get_task
from rlscale.lab.tasks.chain import (
    KEYS,
    LETTERS,
    S_BOX,
    draw_steps,
    step_key,
    noisy_chain,
    oracle_curve,
    step_value,
)
from rlscale.lab.tokenizer import CharTokenizer


def test_registered_with_its_difficulties():
    assert "chain" in TASKS
    assert get_task("chain").difficulty == 4
    assert [get_task("chain", d).n_max for d in (1, 2, 3, 4)] == [4, 16, 64, 256]
    with pytest.raises(RlscaleError, match="difficulty 5"):
        get_task("chain", 5)


def test_worked_solution_follows_the_recurrence_by_hand():
    task = get_task("chain", 2)                      # counter width 2
    p = task.make(a=7, v0=3, n=3)
    assert p.prompt == "04Hg03Hd"                   # the prompt: the steps at counters n + 1, n
    assert step_value(LETTERS.index("g"), 7, 4) == 3           # the first leads to the second
    v1 = (S_BOX[(3 + 7) % 10] + 2) % 10              # counter 2
    v2 = (S_BOX[(v1 + 7) % 10] + 1) % 10
    v3 = (S_BOX[(v2 + 7) % 10] + 0) % 10
    assert p.solution == f"02H{LETTERS[v1]}01H{LETTERS[v2]}00H{LETTERS[v3]}#{LETTERS[v3]}"   # tens 0
    assert p.answer == LETTERS[v3]
    assert task.parse_prompt(p) == (7, 3, 3)
    # the key steps down by one when the counter's tens digit does: 7 (H) at 12 ... 10, 6 (G) at 9
    q = task.make(a=7, v0=4, n=13)
    v12 = (S_BOX[(4 + 7) % 10] + 2) % 10
    assert q.prompt.endswith("13He") and q.solution.startswith(f"12H{LETTERS[v12]}11H")
    assert q.solution[4 * 3:4 * 4 - 1] == "09G"
    assert step_key(7, 13, 9) == 6 and step_key(7, 13, 10) == 7 and step_key(0, 10, 9) == 9


def _copy_hits(a: int, v0: int, n: int, units_only: bool) -> tuple[int, int]:
    """(right, tried): a policy that copies, for each step, the successor the chain so far showed
    for the same (value, counter mod 10) pair, when it showed one."""
    seen: dict[tuple[int, int], int] = {}
    v, right, tried = v0, 0, 0
    for c in range(n - 1, -1, -1):
        nxt = step_value(v, a if units_only else step_key(a, n, c), c)
        if (v, c % 10) in seen:
            tried += 1
            right += seen[(v, c % 10)] == nxt
        seen[(v, c % 10)] = nxt
        v = nxt
    return right, tried


def test_a_long_chain_does_not_show_the_next_value_earlier_in_its_context():
    """With the counter's units digit alone in the rule, a step repeats the successor shown for
    the same (value, units digit) earlier in the chain: copying it from the context is always right
    (a policy pre-trained at d = 4 learnt that instead of the rule). The tens digit breaks it."""
    old = [_copy_hits(a, v0, 256, True) for a in range(10) for v0 in range(10)]
    new = [_copy_hits(a, v0, 256, False) for a in range(10) for v0 in range(10)]
    assert all(r == t > 100 for r, t in old)
    right, tried = (sum(x) for x in zip(*new))
    assert tried > 10_000 and right < 0.5 * tried


def test_every_prompt_is_two_steps_the_rule_links():
    task = get_task("chain", 4)
    for p in task.problems("test", 200, seed=9):
        a, v0, n = task.parse_prompt(p)
        first, second = p.prompt[:5], p.prompt[5:]
        assert int(first[:3]) == n + 1 and second == f"{n:03d}{KEYS[a]}{LETTERS[v0]}"
        k = KEYS.index(first[3])
        assert k == step_key(a, n, n + 1)
        assert step_value(LETTERS.index(first[4]), k, n + 1) == v0


def test_step_is_a_bijection_of_the_value_so_errors_persist():
    for a in range(10):
        for c in range(10):
            assert sorted(step_value(v, a, c) for v in range(10)) == list(range(10))


def test_the_next_value_needs_the_key_not_just_the_two_previous_values():
    """With the first rule, S[v] + a + c, two consecutive values fixed a + c, so the next value
    was a function of the two previous ones alone and policies learnt that instead of the key.
    Now the same two previous values lead on to different next values for different keys."""
    nexts: dict[tuple[int, int], set[int]] = {}
    for a in range(10):
        for c in range(1, 10):                      # steps at counters c, then c - 1
            for v0 in range(10):
                v1 = step_value(v0, a, c)
                nexts.setdefault((v0, v1), set()).add(step_value(v1, a, c - 1))
    assert max(len(s) for s in nexts.values()) > 1
    assert sum(len(s) > 1 for s in nexts.values()) > len(nexts) // 2


def test_reward_and_verifier():
    task = get_task("chain", 3)
    for p in task.problems("test", 50, seed=0):
        assert task.reward(p, p.solution) == 1.0 and task.verify(p, p.solution) == 1.0
        wrong = LETTERS[(LETTERS.index(p.answer) + 1) % 10]
        assert task.reward(p, p.thinking + "#" + wrong) == 0.0
        assert task.verify(p, p.thinking + "#" + wrong) < 1.0
        assert task.verify(p, p.thinking) == 0.0     # no answer marker
    p = task.make(a=1, v0=0, n=40)
    bad = list(p.thinking)
    bad[7] = LETTERS[(LETTERS.index(bad[7]) + 1) % 10]  # the second step's value
    assert 0.0 < task.verify(p, "".join(bad) + "#" + p.answer) < 1.0


def test_deterministic_per_seed():
    task = get_task("chain")
    assert [p.prompt for p in task.problems("train", 30, seed=4)] == \
        [p.prompt for p in task.problems("train", 30, seed=4)]
    assert [p.prompt for p in task.problems("train", 30, seed=4)] != \
        [p.prompt for p in task.problems("train", 30, seed=5)]


def test_length_distribution_is_weighted_toward_long_chains():
    rng = random.Random(0)
    n = [draw_steps(rng, 256) for _ in range(20_000)]
    assert min(n) >= 1 and max(n) == 256
    # log n has density 2x/log(256)^2: P(n <= sqrt(256)) = 1/4, P(n <= 256**0.9) = 0.81
    assert abs(sum(k <= 16 for k in n) / len(n) - 0.25) < 0.02
    assert abs(sum(k <= round(256 ** 0.9) for k in n) / len(n) - 0.81) < 0.02
    task = get_task("chain", 4)
    lens = sorted(len(p.thinking) for p in task.problems("test", 400, seed=1))
    assert lens[0] >= 5 and lens[-1] <= 1280
    assert lens[len(lens) // 2] > 128                  # median chain beyond a hundred tokens
    assert all(len(p.prompt) + 1 == 11 for p in task.problems("test", 20, seed=1))  # bos + 10


def test_forced_answer_is_the_last_complete_step():
    task = get_task("chain", 4)                        # 5 tokens a step
    p = task.make(a=2, v0=5, n=10)
    t = p.thinking
    assert task.forced_answer(p, "") == "f"            # the start value
    assert task.forced_answer(p, t[:4]) == "f"         # the first step is not complete
    assert task.forced_answer(p, t[:5]) == t[4]
    assert task.forced_answer(p, t[:14]) == t[9]
    assert task.forced_answer(p, t) == p.answer


def test_oracle_accuracy_rises_with_the_budget_and_compute_spans_orders():
    task = get_task("chain", 4)
    problems = task.problems("test", 300, seed=2)
    budgets = think_budgets(max(len(p.thinking) for p in problems), 6)
    cfg = ModelConfig.from_size(1, CharTokenizer(task.alphabet).vocab_size, 1100)
    rows = oracle_curve(task, problems, budgets, cfg)
    acc = [r["accuracy"] for r in rows]
    assert len(rows) == 6 and acc[-1] == 1.0
    assert acc[-1] > acc[-2] > acc[-3] > acc[0]
    flops = [r["flops"] for r in rows]
    assert all(x < y for x, y in itertools.pairwise(flops))
    assert math.log10(flops[-1] / flops[0]) > 1.5
    # a solver that errs on 3 % of its steps gains little past B = 256 (errors compound)
    noisy = oracle_curve(task, problems, budgets, cfg, error_rate=0.03, seed=0)
    assert noisy[-1]["accuracy"] < 0.6 < acc[-1]


def test_noisy_chain_keeps_the_format_and_errs_at_its_rate():
    task = get_task("chain", 4)
    p = task.make(a=4, v0=1, n=256)
    assert noisy_chain(task, p, 0.0, random.Random(0)) == p.thinking
    rng = random.Random(1)
    chains = [noisy_chain(task, p, 0.05, rng) for _ in range(20)]
    assert all(len(c) == len(p.thinking) for c in chains)
    assert sum(task.verify(p, c + "#" + c[-1]) for c in chains) / 20 == pytest.approx(0.95, abs=0.03)


def test_pretraining_chains_err_at_the_stated_rate_and_answer_with_their_last_value():
    task = get_task("chain", 4)
    task.pretrain_error_rate, task.pretrain_short_share = 0.03, 0.0
    rng = random.Random(3)
    problems = task.problems("train", 200, seed=3)
    shown = [task.for_pretraining(p, rng) for p in problems]
    assert all(s.prompt == p.prompt and s.answer == p.answer for s, p in zip(shown, problems))
    assert all(len(s.solution) == len(p.solution) and s.solution[-1] == s.thinking[-1]
               for s, p in zip(shown, problems))
    steps = sum(task.parse_prompt(p)[2] for p in problems)
    wrong = sum((1 - task.verify(s, s.solution)) * (task.parse_prompt(s)[2] + 1) for s in shown)
    assert wrong / steps == pytest.approx(task.pretrain_error_rate, rel=0.2)
    assert sum(s.solution != p.solution for s, p in zip(shown, problems)) > 50


def test_config_sets_the_pretraining_error_rate():
    from rlscale.lab.config import resolve_config

    task = resolve_config("thinking-quick", {"task": {"pretrain_error_rate": 0.05}}).task.build()
    assert task.pretrain_error_rate == 0.05
    exact = resolve_config("thinking-quick", {"task": {"pretrain_error_rate": 0.0}})
    assert exact.task.build().pretrain_error_rate == 0.0 and "pretrain_error_rate" not in \
        exact.to_dict()["task"]                   # at 0 the config and its digest are as before
    rng = random.Random(5)
    problems = task.problems("train", 100, seed=5)
    assert any(task.for_pretraining(p, rng).solution != p.solution for p in problems)
    with pytest.raises(RlscaleError, match="not pre-trained by the lab"):
        resolve_config("thinking-quick", {"engine": "trl", "model": {"hf_path": "/models/x"},
                                          "task": {"pretrain_error_rate": 0.05},
                                          "pretrain": {"axis_budgets": 0}})


def test_tasks_pretrain_on_their_exact_solutions_by_default_without_drawing_from_the_rng():
    rng = random.Random(0)
    state = rng.getstate()
    for name in ("arithmetic", "countdown"):
        task = get_task(name)
        p = task.problems("train", 1, seed=0)[0]
        assert task.for_pretraining(p, rng) is p
    assert rng.getstate() == state


def test_chain_pretraining_shows_short_train_problems_at_the_stated_share():
    from rlscale.lab.tasks._base import split_of

    task = get_task("chain", 4)
    problems = task.problems("train", 400, seed=4)
    shown = [task.for_pretraining(p, random.Random(i)) for i, p in enumerate(problems)]
    again = [task.for_pretraining(p, random.Random(i)) for i, p in enumerate(problems)]
    assert shown == again                                     # the rng decides, nothing else
    short = [s for s, p in zip(shown, problems) if s is not p]
    assert abs(len(short) / len(shown) - task.pretrain_short_share) < 0.08
    for s in short:
        a, v0, n = task.parse_prompt(s)
        assert n <= task.SHORT_STEPS and s == task.make(a, v0, n)
        assert split_of(f"chain:{a},{v0},{n}") == "train"     # never a test problem
    task.pretrain_short_share = 0.0
    assert all(task.for_pretraining(p, random.Random(0)) is p for p in problems[:20])


@pytest.mark.slow
def test_chain_task_runs_end_to_end(tmp_path):
    pytest.importorskip("torch")
    from rlscale.data import read_observations
    from rlscale.lab.config import resolve_config
    from rlscale.lab.runner import run

    cfg = resolve_config("quick", {
        "task": {"name": "chain", "difficulty": 2}, "model": {"depth": 1},
        "pretrain": {"flop_budget": 3e9, "batch_size": 16, "warmup_steps": 2, "checkpoint_every": 5},
        "rl": {"steps": 2, "prompts_per_step": 2, "num_generations": 4, "num_checkpoints": 2},
        "eval": {"num_problems": 4, "samples_per_problem": 64, "thinking_budgets": 6,
                 "think_samples": 2}}, 0)
    run(cfg, tmp_path / "chain")
    obs = read_observations(tmp_path / "chain")
    think = obs[obs["curve"] == "lab-inf-think-step0"]
    assert obs["benchmark"].iloc[0] == "chain-d2-test" and len(think) == 6
    assert think["compute"].max() > think["compute"].min()   # budgets 1 .. the longest chain
