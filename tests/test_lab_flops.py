"""FLOP formulas and ledger, checked against torch.utils.flop_counter.FlopCounterMode.

Apples to apples: FlopCounterMode counts matmuls (mm/addmm/bmm) and registered attention kernels,
but the CPU SDPA kernel (``_scaled_dot_product_flash_attention_for_cpu``) is not registered, so
it would count attention as 0 FLOPs. The tests therefore run the policy with
``attention_impl = "matmul"`` (explicit ``q @ k^T`` and ``p @ v``, same maths), which the counter
sees as bmm. Those matmuls are dense: with a causal mask they still multiply the full T x T
square, while our formulas count only the T (T + 1) / 2 query-key pairs causal attention needs
(the convention of rlscale.lab.flops). We check (a) the formula against the counter directly,
within the 10% the issue asks for, and (b) the formula plus the analytic size of the masked-out
half against the counter, tightly (1%), so a wrong term cannot hide inside the 10%.
"""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from rlscale.errors import RlscaleError  # noqa: E402
from rlscale.lab import flops  # noqa: E402
from rlscale.lab.model import ModelConfig, Policy  # noqa: E402
from rlscale.lab.logprobs import pack, token_logprobs  # noqa: E402
from rlscale.lab.sampling import generate  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("one_torch_thread")]




def _counted(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def _masked_half(cfg, seq_len: int) -> int:
    """FLOPs a dense T x T attention spends on the pairs a causal mask removes (forward, one sequence)."""
    la = cfg.depth * cfg.d_attn
    return 4 * la * seq_len * seq_len - 2 * la * seq_len * (seq_len + 1)


def _rel(a: float, b: float) -> float:
    return abs(a - b) / b


@pytest.fixture()
def model() -> Policy:
    cfg = ModelConfig.from_size(2, vocab_size=21, max_seq_len=96)
    m = Policy(cfg, seed=0)
    m.attention_impl = "matmul"
    return m


def test_training_step_matches_flop_counter(model):
    cfg, B, T = model.config, 4, 48
    idx = torch.randint(0, cfg.vocab_size, (B, T + 1), generator=torch.Generator().manual_seed(0))

    def step():
        logits = model(idx[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, cfg.vocab_size), idx[:, 1:].reshape(-1))
        loss.backward()

    counted = _counted(step)
    formula = flops.sequence_train_flops(cfg, [T] * B)
    dense = formula + flops.TRAIN_MULTIPLIER * B * _masked_half(cfg, T)
    assert _rel(formula, counted) < 0.10, (formula, counted)
    assert _rel(dense, counted) < 0.01, (dense, counted)
    # the Kaplan-style per-token form with the mean causal context (T+1)/2 gives the same number
    assert flops.train_flops(cfg, B * T, (T + 1) / 2) == pytest.approx(formula)


class _Pad:
    pad_id = 0


def test_policy_gradient_step_through_token_logprobs_matches_counter(model):
    cfg = model.config
    prompts, completions = [[1] + [5] * 9] * 3, [[6] * 20] * 3     # equal lengths: no padding to count
    ids, mask = pack(_Pad(), prompts, completions)
    counted = _counted(lambda: (token_logprobs(model, ids) * mask[:, 1:]).sum().backward())
    formula = flops.train_step_flops(cfg, [10] * 3, [20] * 3)
    dense = formula + flops.TRAIN_MULTIPLIER * 3 * _masked_half(cfg, 29)
    assert _rel(formula, counted) < 0.10
    assert _rel(dense, counted) < 0.01


def test_generation_batch_matches_flop_counter(model):
    cfg, B, t_prompt, n_new = model.config, 6, 12, 40
    prompts = [[1] + [4 + i] * (t_prompt - 1) for i in range(B)]   # equal lengths: no padding to count
    gen = None

    def run():
        nonlocal gen
        gen = generate(model, prompts, max_new_tokens=n_new, temperature=1.0, eos_id=None,
                       generator=torch.Generator().manual_seed(0))

    counted = _counted(run)
    assert gen.lengths == [n_new] * B
    assert gen.flops == flops.generation_flops(cfg, [t_prompt] * B, [n_new] * B)
    # decode steps attend one query to the cached keys: dense == causal; only the prefill has a masked half
    dense = gen.flops + B * _masked_half(cfg, t_prompt)
    assert _rel(gen.flops, counted) < 0.10, (gen.flops, counted)
    assert _rel(dense, counted) < 0.01, (dense, counted)


def test_generation_with_padding_and_early_stops_counts_at_most_the_work_done(model):
    prompts = [[1] * n for n in (3, 9, 14, 5)]
    gen = None

    def run():
        nonlocal gen
        gen = generate(model, prompts, max_new_tokens=30, temperature=1.0, eos_id=3,
                       generator=torch.Generator().manual_seed(1))

    counted = _counted(run)
    # the ledger counts real lengths only; the padded, not-yet-compacted batch does at least that much
    assert 0 < gen.flops <= counted


def test_decode_flops_equal_a_sum_over_positions():
    cfg = ModelConfig.from_size(3, vocab_size=30, max_seq_len=256)
    prompt_lens, completion_lens = [7, 1, 20], [1, 33, 100]
    by_position = sum(flops.forward_flops(cfg, 1, p + 1)
                      for tp, n in zip(prompt_lens, completion_lens) for p in range(tp, tp + n - 1))
    assert flops.decode_flops(cfg, prompt_lens, completion_lens) == pytest.approx(by_position, rel=1e-12)
    prefill_by_position = sum(flops.forward_flops(cfg, 1, p + 1) - 2 * cfg.n_embd * cfg.vocab_size
                              for tp in prompt_lens for p in range(tp)) + 3 * 2 * cfg.n_embd * cfg.vocab_size
    assert flops.prefill_flops(cfg, prompt_lens) == pytest.approx(prefill_by_position, rel=1e-12)


def test_counts_are_exact_integers_for_large_batches():
    """Vectorised sums stay exact (Python ints) where a float or an int64 total would not."""
    cfg = ModelConfig.from_size(8, vocab_size=30, max_seq_len=64)
    prompt_lens, completion_lens = [60_000] * 200_000, [40_000] * 200_000
    n_matmul, la = flops.matmul_params(cfg), cfg.depth * cfg.n_head * cfg.head_dim
    m, tp = 40_000 - 1, 60_000
    per_row = 2 * n_matmul * m + 4 * la * m * tp + 2 * la * m * (m + 1)
    total = flops.decode_flops(cfg, prompt_lens, completion_lens)
    assert type(total) is int and total == 200_000 * per_row and total > 2 ** 63
    with pytest.raises(RlscaleError, match="differ in length"):
        flops.logprob_flops(cfg, [1, 2], [3])


def test_six_n_rule_holds_when_attention_is_negligible():
    cfg = ModelConfig.from_size(4, vocab_size=50, max_seq_len=8)
    n = flops.matmul_params(cfg)
    assert n == cfg.n_params() - cfg.vocab_size * cfg.n_embd - (2 * cfg.depth + 1) * cfg.n_embd
    assert flops.train_flops(cfg, 1000, 1) == pytest.approx(6 * n * 1000, rel=0.01)


def test_ledger_adds_by_component_and_round_trips_json():
    ledger = flops.FlopLedger()
    ledger.add("pretrain", 10**15)
    ledger.add("rollout_prefill", 3)
    ledger.add("rollout_decode", 4)
    ledger.add("train_forward_backward", 5.5)
    ledger.add("eval_inference", 100)
    assert ledger.total == 10**15 + 112.5
    assert ledger.rl_total == 12.5
    again = flops.FlopLedger.from_dict(json.loads(ledger.to_json()))
    assert again.to_dict() == ledger.to_dict()
    assert list(again.to_dict()) == list(flops.COMPONENTS)
    with pytest.raises(RlscaleError, match="unknown component 'rollouts'"):
        ledger.add("rollouts", 1)
    with pytest.raises(RlscaleError, match="finite number >= 0"):
        ledger.add("pretrain", -1)
    with pytest.raises(RlscaleError, match="finite number >= 0"):
        ledger.add("pretrain", float("nan"))


def test_ledger_and_tokenizer_import_without_torch():
    import subprocess
    import sys

    code = ("import sys, rlscale.lab, rlscale.lab.flops, rlscale.lab.tokenizer; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
