"""The KV-cache sampler: equal to no-cache greedy decoding, seeded, stops at eos."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from rlscale.errors import RlscaleError  # noqa: E402
from rlscale.lab import flops  # noqa: E402
from rlscale.lab.model import ModelConfig, Policy  # noqa: E402
from rlscale.lab.sampling import generate  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("one_torch_thread")]


V = 19


@pytest.fixture(scope="module")
def model(peaked_policy) -> Policy:
    assert peaked_policy.config.vocab_size == V
    return peaked_policy


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


def test_rows_stop_at_eos_and_cache_compaction_keeps_the_rest_exact(model):
    """Finished rows are dropped from the batch (swap-remove inside the compiled loop, which moves
    the last live row's cache into the hole): the rows that keep going must be unaffected."""
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
        generate(model, [[1] * 90], max_new_tokens=10, eos_id=2, generator=g)
    with pytest.raises(RlscaleError, match="at least one token"):
        generate(model, [[1], []], max_new_tokens=4, eos_id=2, generator=g)
    with pytest.raises(RlscaleError, match="temperature"):
        generate(model, [[1]], max_new_tokens=4, temperature=-1.0, eos_id=2, generator=g)


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


# ----------------------------------------------------------------------------- the compiled decode loop
def _torch_reference(model, prompts, max_new, temperature, uniform):
    """Decoding with the torch ``_decode_step`` and ``_sample`` (the reference kept for tests), no
    stops: tokens (B, N) and the logits each token was chosen from (N, B, V)."""
    from rlscale.lab.model import KVCache
    from rlscale.lab.sampling import _decode_step, _DecodeWeights, _sample

    lens = [len(p) for p in prompts]
    B, t_p = len(prompts), max(lens)
    pads = [t_p - n for n in lens]
    idx = torch.tensor([[0] * p + row for p, row in zip(pads, prompts, strict=True)])
    cfg = model.config
    # zeroed storage, as generate's: _decode_step reads (masked) unwritten columns, which must be finite
    cache = KVCache(cfg, B, t_p + max_new,
                    storage=torch.zeros(2 * cfg.depth * B * cfg.n_head * (t_p + max_new) * cfg.head_dim))
    cols = torch.arange(cache.max_len)[None, :]
    cache.key_valid = cols >= torch.tensor(pads)[:, None]
    w = _DecodeWeights(model, temperature)
    bias = torch.zeros(B, 1, 1, cache.max_len).masked_fill_(~cache.key_valid[:, None, None, :], float("-inf"))
    with torch.no_grad():
        logits = model(idx, kv_cache=cache, last_only=True)[:, -1]
        if temperature > 0:
            logits = logits / temperature
        toks, all_logits = [], []
        for step in range(max_new):
            all_logits.append(logits)
            tok = _sample(logits, None, uniform[step] if temperature > 0 else None)
            toks.append(tok)
            if step < max_new - 1:
                logits = _decode_step(w, cache, tok, w.rope[cache.length], bias)
    return torch.stack(toks, 1), torch.stack(all_logits)


@pytest.mark.parametrize(("depth", "temperature"), [(1, 0.0), (2, 0.0), (2, 0.7)])
def test_compiled_decode_matches_the_torch_decode_step(depth, temperature):
    """Left-padded prompts of mixed lengths: the same tokens (greedy, or sampled from the same
    uniforms) as the torch reference step, and the same logits within float tolerance."""
    from rlscale.lab.model import KVCache
    from rlscale.lab.sampling import _cache_storage, _decode_compiled

    cfg = ModelConfig.from_size(depth, vocab_size=V, max_seq_len=64)
    m = Policy(cfg, seed=depth).eval()
    with torch.no_grad():
        m.lm_head.mul_(20.0)
    prompts = _prompts(7, seed=20 + depth, lo=1, hi=12)
    n = 18
    uniform = torch.rand(n, len(prompts), generator=torch.Generator().manual_seed(depth))
    tokens_ref, logits_ref = _torch_reference(m, prompts, n, temperature, uniform)
    lens = [len(p) for p in prompts]
    t_p = max(lens)
    pads = [t_p - k for k in lens]
    idx = torch.tensor([[0] * p + row for p, row in zip(pads, prompts, strict=True)])
    cache = KVCache(cfg, len(prompts), t_p + n, storage=_cache_storage(cfg, len(prompts), t_p + n, m.embed))
    cache.key_valid = torch.arange(cache.max_len)[None, :] >= torch.tensor(pads)[:, None]
    record = torch.full((n, len(prompts), V), float("nan"))
    with torch.inference_mode():                                      # the shared cache buffer is an inference tensor
        logits = m(idx, kv_cache=cache, last_only=True)[:, -1] / (temperature or 1.0)
        tokens, lengths, finished = _decode_compiled(m, temperature, cache, logits, uniform, None, [], n, pads,
                                                     record=record)
    assert tokens.tolist() == tokens_ref.tolist()
    assert lengths.tolist() == [n] * len(prompts) and not finished.any()
    assert (logits_ref.abs().amax() > 1.0)                                # logits of a real spread
    torch.testing.assert_close(record, logits_ref, atol=2e-4, rtol=2e-4)


def test_same_seed_gives_identical_samples_in_a_fresh_process(model, tmp_path):
    """Byte-identical tokens for a seed across calls and across processes (one BLAS thread)."""
    import json
    import subprocess
    import sys

    prompts = _prompts(16, seed=30)
    kw = {"max_new_tokens": 24, "temperature": 1.0, "eos_id": 2}
    here = generate(model, prompts, generator=torch.Generator().manual_seed(3), **kw).completions
    assert here == generate(model, prompts, generator=torch.Generator().manual_seed(3), **kw).completions
    weights = tmp_path / "m.pt"
    torch.save(model.state_dict(), weights)
    code = (
        "import json, sys, torch\n"
        "from rlscale.lab.model import ModelConfig, Policy\n"
        "from rlscale.lab.sampling import generate\n"
        "torch.set_num_threads(1)\n"
        f"m = Policy(ModelConfig.from_dict({json.dumps(model.config.to_dict())})).eval()\n"
        f"m.load_state_dict(torch.load({str(weights)!r}, weights_only=True))\n"
        f"g = generate(m, {prompts!r}, max_new_tokens=24, temperature=1.0, eos_id=2,\n"
        "             generator=torch.Generator().manual_seed(3))\n"
        "print(json.dumps(g.completions))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert json.loads(out) == here


def test_stop_ids_and_max_new_tokens_bound_every_row(model):
    prompts = _prompts(24, seed=31)
    gen = generate(model, prompts, max_new_tokens=9, temperature=1.5, eos_id=2, stop_ids=[5, 7],
                   generator=torch.Generator().manual_seed(4))
    assert all(1 <= n <= 9 for n in gen.lengths)
    for c, n, done in zip(gen.completions, gen.lengths, gen.finished, strict=True):
        assert len(c) == n
        assert not any(t in (2, 5, 7) for t in c[:-1])                # nothing after the first stop
        assert done == (c[-1] in (2, 5, 7))
        assert done or n == 9
    assert any(gen.finished) and not all(gen.finished)                # both kinds of row occur


def test_under_a_torch_dispatch_mode_the_torch_loop_gives_the_same_completions(model):
    """FlopCounterMode sees only torch ops, so generate runs its decode loop as torch ops there;
    shared prompts, padding and stops must give what the compiled loop gives."""
    from torch.utils.flop_counter import FlopCounterMode

    distinct = _prompts(3, seed=40)
    prompts = [distinct[i % 3] for i in range(9)]
    free = generate(model, prompts, max_new_tokens=20, temperature=0.0, eos_id=None,
                    generator=torch.Generator().manual_seed(0))
    eos = free.completions[0][4]
    kw = {"max_new_tokens": 20, "temperature": 0.0, "eos_id": eos, "generator": torch.Generator().manual_seed(0)}
    compiled = generate(model, prompts, **kw)
    with FlopCounterMode(display=False) as counter:
        counted = generate(model, prompts, **kw)
    assert counter.get_total_flops() > 0
    assert counted.completions == compiled.completions
    assert counted.finished == compiled.finished and any(compiled.finished)
