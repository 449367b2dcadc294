"""Exact thinking budgets (s1 budget forcing): probes equal independent runs, seeded, FLOPs counted."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from rlscale.errors import RlscaleError  # noqa: E402
from rlscale.lab import flops  # noqa: E402
from rlscale.lab.model import ModelConfig, Policy  # noqa: E402
from rlscale.lab.thinking import think_probes  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("one_torch_thread")]

V, MARK, EOS = 19, 5, 2
SUPPRESS = (MARK, EOS, 0, 1)


@pytest.fixture(scope="module")
def model(peaked_policy) -> Policy:
    assert peaked_policy.config.vocab_size == V
    return peaked_policy


def _prompts(n: int, seed: int) -> list[list[int]]:
    g = torch.Generator().manual_seed(seed)
    lens = torch.randint(1, 9, (n,), generator=g).tolist()
    return [[1] + torch.randint(3, V, (k - 1,), generator=g).tolist() for k in lens]


def _greedy(model, seq, n, suppress=(), stop=None):
    """No-cache greedy decoding of n tokens, ``suppress`` given probability 0, stopping at ``stop``."""
    seq, out = list(seq), []
    with torch.no_grad():
        for _ in range(n):
            logits = model(torch.tensor([seq]))[0, -1]
            logits[list(suppress)] = float("-inf")
            nxt = int(logits.argmax())
            seq.append(nxt)
            out.append(nxt)
            if nxt == stop:
                break
    return out


def test_greedy_probes_equal_independent_budget_runs(model):
    """Each budget's answer is what a separate run with that exact budget gives (the branch
    rewinds the cache correctly), for left-padded prompts of different lengths."""
    prompts, budgets, answer_max = _prompts(5, seed=3), [1, 3, 8, 20], 4
    res = think_probes(model, prompts, budgets, mark_id=MARK, eos_id=EOS, suppress_ids=SUPPRESS,
                       answer_max=answer_max, temperature=0.0, generator=torch.Generator().manual_seed(0))
    for i, prompt in enumerate(prompts):
        chain = _greedy(model, prompt, 20, suppress=SUPPRESS)
        assert res.thinking[i] == chain
        for b in budgets:
            answer = _greedy(model, prompt + chain[:b] + [MARK], answer_max, stop=EOS)
            assert res.answers[b][i] == answer, (i, b)


def test_thinking_never_holds_suppressed_tokens_and_seed_reproduces(model):
    prompts = _prompts(8, seed=5)
    kw = dict(mark_id=MARK, eos_id=EOS, suppress_ids=SUPPRESS, answer_max=3, temperature=1.0)
    a = think_probes(model, prompts, [2, 16, 40], generator=torch.Generator().manual_seed(11), **kw)
    b = think_probes(model, prompts, [40, 2, 16, 16], generator=torch.Generator().manual_seed(11), **kw)
    c = think_probes(model, prompts, [2, 16, 40], generator=torch.Generator().manual_seed(12), **kw)
    assert a.thinking == b.thinking and a.answers == b.answers            # budgets' order is irrelevant
    assert a.thinking != c.thinking
    assert all(len(row) == 40 for row in a.thinking)
    assert not {t for row in a.thinking for t in row} & set(SUPPRESS)
    assert sorted(a.answers) == [2, 16, 40]
    assert all(1 <= len(ans) <= 3 for b_ in a.answers.values() for ans in b_)


def test_flops_per_budget_and_executed(model):
    prompts = _prompts(4, seed=9)
    lens = [len(p) for p in prompts]
    res = think_probes(model, prompts, [1, 4, 32], mark_id=MARK, eos_id=EOS, suppress_ids=SUPPRESS,
                       answer_max=3, temperature=1.0, generator=torch.Generator().manual_seed(0))
    cfg = model.config
    for b in (1, 4, 32):
        want = [flops.generation_flops(cfg, [n], [b + 1 + len(a)]) for n, a in zip(lens, res.answers[b])]
        assert res.flops[b] == want
    # one shared chain is cheaper than three independent runs, and at least the longest of them
    independent = sum(sum(res.flops[b]) for b in (1, 4, 32))
    assert sum(res.flops[32]) <= res.flops_executed < independent


def test_bad_arguments_are_errors(model):
    kw = dict(mark_id=MARK, eos_id=EOS, suppress_ids=SUPPRESS, temperature=1.0,
              generator=torch.Generator().manual_seed(0))
    with pytest.raises(RlscaleError, match="max_seq_len"):
        think_probes(model, [[1, 4]], [200], answer_max=3, **kw)
    with pytest.raises(RlscaleError, match=">= 1"):
        think_probes(model, [[1, 4]], [0, 4], answer_max=3, **kw)
    with pytest.raises(RlscaleError, match="at least one prompt"):
        think_probes(model, [], [4], answer_max=3, **kw)


def test_evaluate_policy_exact_budgets_span_the_range():
    """With think_forcing = exact the think rows run from 1 to eval.max_thinking tokens, each
    costing at least its B thinking tokens (a random policy cannot end its chain early)."""
    from rlscale.lab.config import resolve_config
    from rlscale.lab.inference import evaluate_policy
    from rlscale.lab.tasks import get_task
    from rlscale.lab.tokenizer import CharTokenizer

    cfg = resolve_config("quick", {"eval": {"think_forcing": "exact", "max_thinking": 512,
                                            "thinking_budgets": 4, "think_samples": 2,
                                            "strategies": ["pass@k", "think"],
                                            "main_strategy": "pass@k"}})
    task = get_task("arithmetic", 2)
    tok = CharTokenizer(task.alphabet)
    problems = task.problems("test", 3, seed=0, unique=True)
    model = Policy(ModelConfig.from_size(1, tok.vocab_size, 600), seed=0).eval()
    out = evaluate_policy(model, tok, task, problems, cfg.eval, max_new=12, seed=0)
    think = [r for r in out["rows"] if r["strategy"] == "think"]
    assert [r["k"] for r in think] == [1, 8, 64, 512]
    assert all(r["n"] == 6 and 0.0 <= r["score"] <= 1.0 for r in think)
    for r in think:
        lo = flops.generation_flops(model.config, [min(len(p.prompt) for p in problems) + 1], [r["k"] + 2])
        assert r["compute"] >= lo
    assert math.log10(think[-1]["compute"] / think[0]["compute"]) > 1.5
