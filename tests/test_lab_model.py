"""Tokenizer, model config and policy: shapes, saving, seeded init, and the Hugging Face mapping."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from rlscale.errors import RlscaleError  # noqa: E402
from rlscale.lab.model import ModelConfig, Policy  # noqa: E402
from rlscale.lab.tokenizer import CharTokenizer  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("one_torch_thread")]




def _perturbed(cfg: ModelConfig, seed: int = 0) -> Policy:
    """A policy with every weight (norms included) moved off its init, so mapping bugs show."""
    model = Policy(cfg, seed=seed).eval()
    g = torch.Generator().manual_seed(seed + 100)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=g))
    return model


def test_tokenizer_round_trip_and_specials():
    tok = CharTokenizer("0123456789+=")
    assert (tok.pad_id, tok.bos_id, tok.eos_id, tok.vocab_size) == (0, 1, 2, 15)
    ids = tok.encode("12+3=15", bos=True, eos=True)
    assert ids[0] == tok.bos_id and ids[-1] == tok.eos_id and len(ids) == 9
    assert tok.decode(ids) == "12+3=15"
    assert tok.decode(ids + tok.encode("99")) == "12+3=15"          # stops at eos
    assert tok.decode(ids + tok.encode("99"), stop_at_eos=False) == "12+3=1599"
    assert CharTokenizer.from_dict(tok.to_dict()).encode("3+4") == tok.encode("3+4")


def test_tokenizer_rejects_bad_input():
    tok = CharTokenizer("ab")
    with pytest.raises(RlscaleError, match="'c' is not in the alphabet"):
        tok.encode("abc")
    with pytest.raises(RlscaleError, match="appears twice"):
        CharTokenizer("aba")
    with pytest.raises(RlscaleError, match="outside the vocabulary"):
        tok.decode([99])


def test_config_size_dial_and_param_count():
    cfg = ModelConfig.from_size(3, vocab_size=20, max_seq_len=64)
    assert (cfg.n_embd, cfg.n_head, cfg.head_dim, cfg.mlp_hidden) == (192, 6, 32, 512)
    model = Policy(cfg)
    assert cfg.n_params() == sum(p.numel() for p in model.parameters())
    assert cfg.n_params(embedding=False) == cfg.n_params() - 20 * 192
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(RlscaleError, match="unknown key 'width'"):
        ModelConfig.from_dict({**cfg.to_dict(), "width": 3})
    with pytest.raises(RlscaleError, match="'depth'"):
        ModelConfig.from_size(0, 20, 64)


def test_seeded_init_is_reproducible_and_leaves_global_rng_alone():
    cfg = ModelConfig.from_size(1, vocab_size=10, max_seq_len=16)
    state = torch.random.get_rng_state()
    a, b, c = Policy(cfg, seed=1), Policy(cfg, seed=1), Policy(cfg, seed=2)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    assert not torch.equal(a.layers[0].qkv, c.layers[0].qkv)


def test_forward_shapes_and_attention_impls_agree():
    cfg = ModelConfig.from_size(2, vocab_size=17, max_seq_len=32)
    model = _perturbed(cfg)
    idx = torch.randint(0, 17, (3, 11), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        sdpa = model(idx)
        model.attention_impl = "matmul"
        matmul = model(idx)
        last = model(idx, last_only=True)
    assert sdpa.shape == (3, 11, 17) and last.shape == (3, 1, 17)
    torch.testing.assert_close(sdpa, matmul, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(last[:, 0], matmul[:, -1])
    with pytest.raises(RlscaleError, match="exceeds max_seq_len"):
        model(torch.zeros(1, 33, dtype=torch.long))


def test_checkpoint_round_trip_with_weights_only(tmp_path):
    cfg = ModelConfig.from_size(1, vocab_size=12, max_seq_len=16)
    model = _perturbed(cfg, seed=3)
    torch.save({"config": cfg.to_dict(), "model": model.state_dict()}, tmp_path / "ckpt.pt")
    saved = torch.load(tmp_path / "ckpt.pt", weights_only=True)
    clone = Policy(ModelConfig.from_dict(saved["config"]))
    clone.load_state_dict(saved["model"])
    idx = torch.tensor([[1, 4, 5, 6]])
    with torch.no_grad():
        assert torch.equal(clone(idx), model(idx))


@pytest.mark.slow  # importing transformers takes several seconds
def test_weights_map_onto_hf_llama():
    pytest.importorskip("transformers", reason="transformers not installed (pip install 'rlscale[bench]')")
    from transformers import LlamaForCausalLM

    cfg = ModelConfig.from_size(2, vocab_size=23, max_seq_len=48)
    model = _perturbed(cfg, seed=5)
    hf = LlamaForCausalLM(model.to_llama_config()).eval()       # built from the config: no download
    hf.load_state_dict(model.state_dict_for_hf(), strict=True)
    idx = torch.randint(0, 23, (2, 40), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ours, theirs = model(idx), hf(idx).logits
    assert ours.abs().max() > 1.0                                  # not a trivially tiny comparison
    torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=1e-4)
