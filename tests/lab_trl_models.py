"""Tiny random Hugging Face models for the TRL-engine tests (not collected by pytest).

:func:`save_tiny` builds a 2-layer Llama (grouped-query attention) or Qwen2 (q/k/v biases, tied
embeddings) from a config with random weights, and saves it with a character tokenizer built
offline (:func:`rlscale.lab.hf.char_tokenizer`) that covers the lab's tasks: nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

CHARS = "0123456789+-*=;:#,()abcdefghijklmnopqrstuvwxyz "


def tokenizer():
    from rlscale.lab.hf import char_tokenizer

    vocab = {"<pad>": 0, "<bos>": 1, "<eos>": 2}
    for ch in CHARS:
        vocab[ch] = len(vocab)
    return char_tokenizer(vocab, pad="<pad>", eos="<eos>", bos="<bos>", prepend_bos=True)


def save_tiny(kind: str, out: Path, *, seed: int = 0, hidden: int = 32) -> Path:
    """A random tiny ``kind`` ("llama" | "qwen2") model + tokenizer saved in *out*."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    tok = tokenizer()
    common = dict(vocab_size=len(tok), hidden_size=hidden, intermediate_size=2 * hidden,
                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                  max_position_embeddings=128, pad_token_id=0, bos_token_id=1, eos_token_id=2)
    torch.manual_seed(seed)
    if kind == "llama":
        model = LlamaForCausalLM(LlamaConfig(**common, tie_word_embeddings=False))
    elif kind == "qwen2":
        model = Qwen2ForCausalLM(Qwen2Config(**common, tie_word_embeddings=True))
    else:
        raise ValueError(kind)
    model.generation_config.pad_token_id = 0
    out = Path(out)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out
