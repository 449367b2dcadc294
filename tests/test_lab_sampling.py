"""The KV-cache sampler: equal to no-cache greedy decoding, seeded, stops at eos; log-probs."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from rlscale.errors import RlscaleError  # noqa: E402
from rlscale.lab import flops  # noqa: E402
from rlscale.lab.model import ModelConfig, Policy  # noqa: E402
from rlscale.lab.sampling import generate, sequence_logprobs  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("one_torch_thread")]


V = 19


@pytest.fixture(scope="module")
def model() -> Policy:
    """A policy with peaked next-token distributions (greedy ties would make equality flaky)."""
    cfg = ModelConfig.from_size(2, vocab_size=V, max_seq_len=64)
    m = Policy(cfg, seed=0).eval()
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=g))
        m.lm_head.mul_(20.0)
    return m


def _prompts(n: int, seed: int, lo: int = 1, hi: int = 12) -> list[list[int]]:
    g = torch.Generator().manual_seed(seed)
    lens = torch.randint(lo, hi + 1, (n,), generator=g).tolist()
    return [[1] + torch.randint(3, V, (k - 1,), generator=g).tolist() for k in lens]


def _greedy_no_cache(model, prompt, max_new, stops=()):
    seq = list(prompt)
    with torch.no_grad():
        for _ in range(max_new):
            nxt = int(model(torch.tensor([seq]))[0, -1].argmax())
            seq.append(nxt)
            if nxt in stops:
                break
    return seq[len(prompt):]


@pytest.mark.parametrize("same_length", [True, False])
def test_kv_cache_greedy_equals_no_cache_greedy(model, same_length):
    prompts = _prompts(6, seed=1, lo=5 if same_length else 1, hi=5 if same_length else 12)
    gen = generate(model, prompts, max_new_tokens=20, temperature=0.0, eos_id=None,
                   generator=torch.Generator().manual_seed(0))
    reference = [_greedy_no_cache(model, p, 20) for p in prompts]
    assert gen.completions == reference
    assert gen.lengths == [20] * 6 and gen.finished == [False] * 6
    assert gen.prompt_lengths == [len(p) for p in prompts]


def test_repeated_prompts_are_prefilled_once_with_the_same_result(model):
    distinct = _prompts(3, seed=8)
    prompts = [distinct[i % 3] for i in range(9)]                     # three groups of three, padded
    gen = generate(model, prompts, max_new_tokens=15, temperature=0.0, eos_id=None,
                   generator=torch.Generator().manual_seed(0))
    assert gen.completions == [_greedy_no_cache(model, p, 15) for p in prompts]
    cfg = model.config
    assert gen.prefill_flops == flops.prefill_flops(cfg, [len(p) for p in prompts])
    assert gen.prefill_flops_executed == flops.prefill_flops(cfg, [len(p) for p in distinct])


def test_rows_stop_at_eos_and_cache_compaction_keeps_the_rest_exact(model, monkeypatch):
    from rlscale.lab.model import KVCache

    compactions = []
    original = KVCache.keep_rows
    monkeypatch.setattr(KVCache, "keep_rows", lambda self, keep: (compactions.append(len(keep)),
                                                                  original(self, keep)))
    prompts = _prompts(12, seed=2)
    free = [_greedy_no_cache(model, p, 24) for p in prompts]
    # pick as eos the token that most often appears mid-completion, so rows stop at different steps
    counts = torch.bincount(torch.tensor([t for c in free for t in c[2:12]]), minlength=V)
    eos = int(counts.argmax())
    reference = [_greedy_no_cache(model, p, 24, stops=(eos,)) for p in prompts]
    assert len({len(r) for r in reference}) > 2                       # several distinct stop times
    gen = generate(model, prompts, max_new_tokens=24, temperature=0.0, eos_id=eos,
                   generator=torch.Generator().manual_seed(0))
    assert gen.completions == reference
    assert compactions                                                # finished rows were dropped
    assert gen.finished == [r[-1] == eos for r in reference]
    assert gen.flops == flops.generation_flops(model.config, gen.prompt_lengths, gen.lengths)
    assert gen.flops == gen.prefill_flops + gen.decode_flops


def test_stop_ids_end_rows_like_eos(model):
    prompts = _prompts(4, seed=3)
    free = generate(model, prompts, max_new_tokens=16, temperature=0.0, eos_id=None,
                    generator=torch.Generator().manual_seed(0))
    stop = free.completions[0][3]
    gen = generate(model, prompts, max_new_tokens=16, temperature=0.0, eos_id=None, stop_ids=[stop],
                   generator=torch.Generator().manual_seed(0))
    assert gen.completions[0] == free.completions[0][:free.completions[0].index(stop) + 1]


def test_sampling_is_deterministic_for_a_seed(model):
    prompts = _prompts(8, seed=4)
    kw = dict(max_new_tokens=24, temperature=1.0, eos_id=2)
    a = generate(model, prompts, generator=torch.Generator().manual_seed(11), **kw)
    b = generate(model, prompts, generator=torch.Generator().manual_seed(11), **kw)
    c = generate(model, prompts, generator=torch.Generator().manual_seed(12), **kw)
    assert a.completions == b.completions and a.flops == b.flops
    assert a.completions != c.completions


def test_a_call_does_not_depend_on_what_earlier_calls_left_in_the_reused_cache(model):
    """The KV-cache memory is reused across calls and a few not-yet-written columns are read (masked)."""
    small = _prompts(4, seed=9, lo=1, hi=3)                           # short: the masked-column path
    kw = dict(max_new_tokens=20, temperature=1.0, eos_id=None)
    first = generate(model, small, generator=torch.Generator().manual_seed(5), **kw)
    generate(model, _prompts(40, seed=10), generator=torch.Generator().manual_seed(6), **kw)
    again = generate(model, small, generator=torch.Generator().manual_seed(5), **kw)
    assert first.completions == again.completions
    greedy = generate(model, small, max_new_tokens=20, temperature=0.0, eos_id=None,
                      generator=torch.Generator().manual_seed(0))
    assert greedy.completions == [_greedy_no_cache(model, p, 20) for p in small]


def test_top_k_one_is_greedy(model):
    prompts = _prompts(5, seed=5)
    greedy = generate(model, prompts, max_new_tokens=12, temperature=0.0, eos_id=None,
                      generator=torch.Generator().manual_seed(0))
    top1 = generate(model, prompts, max_new_tokens=12, temperature=1.3, top_k=1, eos_id=None,
                    generator=torch.Generator().manual_seed(0))
    assert top1.completions == greedy.completions


def test_bad_arguments_are_user_errors(model):
    g = torch.Generator().manual_seed(0)
    with pytest.raises(RlscaleError, match="exceeds the model's max_seq_len"):
        generate(model, [[1] * 60], max_new_tokens=10, eos_id=2, generator=g)
    with pytest.raises(RlscaleError, match="at least one token"):
        generate(model, [[1], []], max_new_tokens=4, eos_id=2, generator=g)
    with pytest.raises(RlscaleError, match="temperature"):
        generate(model, [[1]], max_new_tokens=4, temperature=-1.0, eos_id=2, generator=g)


def test_sequence_logprobs_match_per_row_forward_and_carry_gradients(model):
    prompts = _prompts(4, seed=6)
    completions = [[5, 6, 7], [8], [9, 10, 11, 12, 13], [3, 4]]
    lp = sequence_logprobs(model, prompts, completions)
    assert lp.shape == (4, 5) and lp.requires_grad
    for i, (p, c) in enumerate(zip(prompts, completions, strict=True)):
        with torch.no_grad():
            logp = model(torch.tensor([p + c]))[0].log_softmax(-1)
        expected = torch.stack([logp[len(p) - 1 + j, t] for j, t in enumerate(c)])
        torch.testing.assert_close(lp[i, :len(c)].detach(), expected, atol=1e-5, rtol=1e-5)
        assert torch.all(lp[i, len(c):] == 0)
    lp.sum().backward()
    assert model.lm_head.grad is not None and model.lm_head.grad.abs().sum() > 0
    model.zero_grad(set_to_none=True)


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_first_token_frequencies_follow_the_tempered_softmax(temperature):
    """4,000 one-token samples of one prompt against softmax(logits / T), within 4 standard errors."""
    cfg = ModelConfig.from_size(1, vocab_size=8, max_seq_len=8)
    model = Policy(cfg, seed=3).eval()
    with torch.no_grad():
        model.lm_head.mul_(12.0)                                     # spread the probabilities out
        probs = (model(torch.tensor([[1, 4, 5]]))[0, -1] / temperature).softmax(-1)
    n = 4000
    gen = generate(model, [[1, 4, 5]] * n, max_new_tokens=1, temperature=temperature, eos_id=None,
                   generator=torch.Generator().manual_seed(0))
    freq = torch.bincount(torch.tensor([c[0] for c in gen.completions]), minlength=8).double() / n
    stderr = (probs.double() * (1 - probs.double()) / n).sqrt()
    assert probs.max() < 0.9 and (probs > 0.02).sum() >= 3              # a real spread to test
    assert torch.all((freq - probs.double()).abs() <= 4 * stderr + 1e-3), (freq, probs)


def test_top_k_samples_only_the_k_most_likely_tokens():
    cfg = ModelConfig.from_size(1, vocab_size=10, max_seq_len=8)
    model = Policy(cfg, seed=4).eval()
    with torch.no_grad():
        model.lm_head.mul_(30.0)
        top3 = set(model(torch.tensor([[1, 6]]))[0, -1].topk(3).indices.tolist())
    gen = generate(model, [[1, 6]] * 2000, max_new_tokens=1, temperature=2.0, top_k=3, eos_id=None,
                   generator=torch.Generator().manual_seed(1))
    assert {c[0] for c in gen.completions} == top3
