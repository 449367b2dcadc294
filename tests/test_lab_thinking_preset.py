"""The `thinking` presets (issue 15): the chain task's long sequences in the FLOP ledger, what the
presets are built to reach, and a `thinking-quick` run as a user reads it."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from rlscale.lab import flops  # noqa: E402
from rlscale.lab.bounds import sequence_lengths  # noqa: E402
from rlscale.lab.config import resolve_config  # noqa: E402
from rlscale.lab.inference import think_budgets  # noqa: E402
from rlscale.lab.logprobs import pack, token_logprobs  # noqa: E402
from rlscale.lab.model import ModelConfig, Policy  # noqa: E402
from rlscale.lab.pretrain import encode_problem  # noqa: E402
from rlscale.lab.sampling import generate  # noqa: E402
from rlscale.lab.tasks.chain import oracle_curve  # noqa: E402
from rlscale.lab.tokenizer import CharTokenizer  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("one_torch_thread")]

CMD = [sys.executable, "-m", "rlscale"]


def _policy(preset: str):
    cfg = resolve_config(preset, {}, None)
    task = cfg.task.build()
    tok = CharTokenizer(task.alphabet)
    mcfg = ModelConfig.from_size(cfg.model.depth, tok.vocab_size, sequence_lengths(task, cfg)[1])
    model = Policy(mcfg, seed=0)
    model.attention_impl = "matmul"   # FlopCounterMode does not see the CPU SDPA kernel
    return cfg, task, tok, model


def _dense_extra(mcfg, seq_len: int) -> int:
    """FLOPs a dense T x T attention spends on the pairs a causal mask removes (one forward)."""
    la = mcfg.depth * mcfg.d_attn
    return 4 * la * seq_len * seq_len - 2 * la * seq_len * (seq_len + 1)


def _counted(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def test_a_training_step_on_the_longest_chains_is_what_the_ledger_counts():
    """Two worked solutions of 256 steps (1,290 tokens each): attention is most of the work here,
    so the causal count of the ledger and the dense count of the matmuls differ by the masked half;
    with that half added the counter agrees to 1 %."""
    _, task, tok, model = _policy("thinking")
    problems = [task.make(a, v0, 256) for a, v0 in ((3, 1), (8, 6))]
    enc = [encode_problem(tok, p) for p in problems]
    ids, mask = pack(tok, [e[0] for e in enc], [e[1] for e in enc])
    seq = ids.shape[1] - 1
    assert seq > 1200 and len({len(e[0]) + len(e[1]) for e in enc}) == 1   # no padding to count
    counted = _counted(lambda: (token_logprobs(model, ids) * mask[:, 1:]).sum().backward())
    formula = flops.train_step_flops(model.config, [len(e[0]) for e in enc],
                                     [len(e[1]) for e in enc])
    dense = formula + flops.TRAIN_MULTIPLIER * 2 * _dense_extra(model.config, seq)
    assert abs(dense - counted) / counted < 0.01, (dense, counted)
    assert formula < counted                         # causal attention does less than dense


def test_a_long_generated_chain_is_what_the_ledger_counts():
    """A `think` sample at the largest budget: prompt prefill, then 600 decode steps with a KV
    cache (one query per step: dense and causal agree), counted within 1 % of the counter."""
    _, task, tok, model = _policy("thinking")
    prompts = [tok.encode(task.make(a, 2, 256).prompt, bos=True) for a in (1, 4)]
    gen = None

    def run():
        nonlocal gen
        gen = generate(model, prompts, max_new_tokens=600, temperature=1.0, eos_id=None,
                       generator=torch.Generator().manual_seed(0))

    counted = _counted(run)
    assert gen.lengths == [600, 600]
    assert gen.flops == flops.generation_flops(model.config, [len(p) for p in prompts], [600, 600])
    dense = gen.flops + 2 * _dense_extra(model.config, len(prompts[0]))
    assert abs(dense - counted) / counted < 0.01, (dense, counted)
    assert abs(gen.flops - counted) / counted < 0.10


def test_the_thinking_preset_is_built_to_span_the_issues_orders_of_magnitude():
    """An exact solver on the preset's test problems, at the preset's budgets and model size,
    spans >= 1.5 orders of magnitude of realized FLOPs per problem: what a policy can reach."""
    cfg, task, tok, model = _policy("thinking")
    problems = task.problems("test", cfg.eval.num_problems, seed=5, unique=True)
    budgets = think_budgets(max(len(p.thinking) for p in problems), cfg.eval.thinking_budgets)
    rows = oracle_curve(task, problems, budgets, model.config)
    assert len(rows) >= 6
    assert math.log10(rows[-1]["flops"] / rows[0]["flops"]) >= 1.5
    assert rows[-1]["accuracy"] == 1.0 and rows[0]["accuracy"] < 0.5
    assert cfg.pretrain.axis_budgets >= 5 and cfg.pretrain.axis_span_oom >= 1.5
    assert cfg.eval.main_strategy == "think" and cfg.eval.think_forcing == "cut"


@pytest.fixture()
def thinking_quick(thinking_quick_run):
    return thinking_quick_run     # conftest: one run per session, read only


def _estimate(e) -> None:
    assert set(e) >= {"value", "ci_low", "ci_high"}


@pytest.mark.slow
def test_thinking_quick_shows_the_three_way_and_the_decomposition(thinking_quick):
    show = subprocess.run(CMD + ["lab", "show", str(thinking_quick), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert show.returncode == 0, show.stderr
    doc = json.loads(show.stdout)
    for key in ("pretrain_oom_per_inference_oom", "rl_oom_per_inference_oom"):
        _estimate(doc["three_way"][key])
    for key in ("fixed_length_gain", "longer_chain_gain", "chain_length_ratio"):
        _estimate(doc["decomposition"][key])
    _estimate(doc["comparison"]["slope_ratio"])
    pretrain = [c for c in doc["curves"] if c["id"] == "lab-pretrain"]
    assert pretrain and pretrain[0]["n_points"] == 5
    assert doc["comparison"]["inference"].startswith("lab-inf-think-step")
    human = subprocess.run(CMD + ["lab", "show", str(thinking_quick)], capture_output=True,
                           text=True, timeout=120)
    assert "three-way exchange" in human.stdout and "thinking decomposition" in human.stdout


@pytest.mark.slow
def test_thinking_quick_report_has_the_figure_and_the_table(thinking_quick, tmp_path):
    out = tmp_path / "report"
    done = subprocess.run(CMD + ["report", str(thinking_quick), "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = (out / "index.html").read_text()
    assert "three-way" in page.lower() and "decomposition" in page.lower()
    assert list(out.glob("*decomposition*.png")) or "decomposition" in page


def test_micro_batches_group_similar_lengths_within_the_token_budget():
    from rlscale.lab.pretrain import micro_batches

    lengths = [40, 1200, 35, 60, 1100, 38, 42, 900]
    groups = micro_batches(lengths, 2400)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    assert all(len(g) * max(lengths[i] for i in g) <= 2400 or len(g) == 1 for g in groups)
    assert len(groups) < len(lengths) and any(set(g) >= {0, 2, 5} for g in groups)
    assert micro_batches(lengths, 0) == [list(range(len(lengths)))]      # off: one batch


def test_micro_batched_step_has_the_gradient_of_one_padded_batch():
    """The same loss and gradient (up to float rounding) whatever the grouping."""
    from rlscale.lab.pretrain import _backward

    _, task, tok, model = _policy("thinking")
    rng_problems = task.problems("train", 6, seed=11)
    enc = [encode_problem(tok, p) for p in rng_problems]
    grads = []
    for budget in (0, 300):
        model.zero_grad(set_to_none=True)
        loss = _backward(model, tok, enc, budget)
        grads.append((loss.item(), [p.grad.clone() for p in model.parameters()]))
    (l0, g0), (l1, g1) = grads
    assert l1 == pytest.approx(l0, rel=1e-5)
    for a, b in zip(g0, g1):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-6)


def test_the_schedule_counts_the_steps_of_what_pretraining_shows():
    """The chain task pre-trains mostly on short problems: the learning-rate schedule's step
    estimate must follow them (an estimate from the test mix was ~4x too few steps, and the
    cosine decay ended a quarter of the way through the budget)."""
    import random

    from rlscale.lab.pretrain import estimate_steps

    cfg, task, tok, model = _policy("thinking")
    bs, budget = cfg.pretrain.batch_size, 1e12
    costs = []
    for step in range(300):                       # as pretrain() draws its batches
        rng = random.Random(f"0:pretrain:{step}")
        batch = [task.sample("train", rng) for _ in range(bs)]
        batch = [task.for_pretraining(p, rng) for p in batch]
        enc = [encode_problem(tok, p) for p in batch]
        costs.append(flops.train_step_flops(model.config, [len(e[0]) for e in enc],
                                            [len(e[1]) for e in enc]))
    actual = budget / (sum(costs) / len(costs))
    assert 0.7 < estimate_steps(task, tok, model.config, bs, budget, 0) / actual < 1.4
