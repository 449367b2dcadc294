"""Hugging Face interop of the lab: a character tokenizer built offline, the lab's policy saved as a
``LlamaForCausalLM`` directory and read back, and the FLOP shape of any saved model.

- :func:`char_tokenizer` builds a ``PreTrainedTokenizerFast`` whose tokens are single characters
  (a ``tokenizers`` WordLevel model, no merges, no download). :func:`lab_tokenizer` is the one of a
  :class:`~rlscale.lab.tokenizer.CharTokenizer`: the same ids (``pad`` 0, ``bos`` 1, ``eos`` 2, then
  the alphabet) and ``bos`` prepended to every encoded text, as the lab's own prompts are.
- :func:`export_policy` writes the lab's policy (:meth:`Policy.to_hf`) and its tokenizer with
  ``save_pretrained``; :func:`policy_state_from_hf` maps Hugging Face weights back onto the lab's
  fused names (the inverse of :meth:`Policy.state_dict_for_hf`), so a checkpoint trained by another
  engine is evaluated by the lab's own sampler.
- :func:`hf_shape` is the :class:`rlscale.importers.flops.ModelShape` of a saved model (its
  config file, ``runformat.HF_MODEL_CONFIG``), which :mod:`rlscale.lab.flops` accepts (grouped-query attention included).

Needs the ``trl`` extra (transformers, tokenizers); nothing here is imported by ``import rlscale``.
"""

from __future__ import annotations

from pathlib import Path

from rlscale.errors import MissingExtraError, RlscaleError
from rlscale.runformat import HF_MODEL_CONFIG

HF_TOKENIZER_EXTRA = "trl"


def require_transformers() -> None:
    """Raise :class:`MissingExtraError` naming the ``trl`` extra when transformers is missing."""
    try:
        import tokenizers  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        raise MissingExtraError("transformers", HF_TOKENIZER_EXTRA) from None


def char_tokenizer(vocab: dict[str, int], *, pad: str, eos: str, bos: str, unk: str | None = None,
                   prepend_bos: bool = False):
    """A character-level ``PreTrainedTokenizerFast`` over *vocab* (special tokens included).

    Text is split into single characters (``Split`` on the empty pattern), each looked up in
    *vocab*; decoding joins them back (``Fuse``). With *prepend_bos* every encoded text starts with
    *bos* (a ``TemplateProcessing`` post-processor), as the lab's prompts do.
    """
    require_transformers()
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=unk))
    tok.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    tok.decoder = decoders.Fuse()
    if prepend_bos:
        tok.post_processor = processors.TemplateProcessing(single=f"{bos} $A", special_tokens=[
            (bos, vocab[bos])])
    kw = {"unk_token": unk} if unk is not None else {}
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token=pad, eos_token=eos,
                                   bos_token=bos, clean_up_tokenization_spaces=False, **kw)


def lab_tokenizer(tok):
    """The Hugging Face twin of a lab :class:`CharTokenizer` (same ids, ``bos`` prepended)."""
    from rlscale.lab.tokenizer import SPECIAL_TOKENS

    vocab = {name: i for i, name in enumerate(SPECIAL_TOKENS)}
    for ch in tok.alphabet:
        vocab[ch] = tok.encode(ch)[0]
    pad, bos, eos = SPECIAL_TOKENS
    return char_tokenizer(vocab, pad=pad, eos=eos, bos=bos, prepend_bos=True)


def export_policy(state, mcfg, tok, out: str | Path) -> Path:
    """Save the lab policy with weights *state* as a Hugging Face model directory (+ tokenizer)."""
    from rlscale.lab.model import Policy

    out = Path(out)
    policy = Policy(mcfg)
    policy.load_state_dict(state)
    hf = policy.to_hf()
    hf.generation_config.pad_token_id = tok.pad_id
    hf.save_pretrained(out)
    lab_tokenizer(tok).save_pretrained(out)
    return out


def policy_state_from_hf(hf_state: dict, mcfg) -> dict:
    """Lab :class:`Policy` weights from ``LlamaForCausalLM`` weights (q/k/v and gate/up fused)."""
    import torch

    try:
        out = {"embed": hf_state["model.embed_tokens.weight"], "norm": hf_state["model.norm.weight"],
               "lm_head": hf_state["lm_head.weight"]}
        for i in range(mcfg.depth):
            p = f"model.layers.{i}."
            a = p + "self_attn."
            out.update({
                f"layers.{i}.attn_norm": hf_state[p + "input_layernorm.weight"],
                f"layers.{i}.qkv": torch.cat([hf_state[a + f"{x}_proj.weight"] for x in "qkv"]),
                f"layers.{i}.o_proj": hf_state[a + "o_proj.weight"],
                f"layers.{i}.mlp_norm": hf_state[p + "post_attention_layernorm.weight"],
                f"layers.{i}.gate_up": torch.cat([hf_state[p + "mlp.gate_proj.weight"],
                                                  hf_state[p + "mlp.up_proj.weight"]]),
                f"layers.{i}.down": hf_state[p + "mlp.down_proj.weight"],
            })
    except KeyError as exc:
        raise RlscaleError(f"not a lab policy exported to Hugging Face: no weight {exc}") from None
    return {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in out.items()}


def hf_shape(model_dir: str | Path):
    """The :class:`~rlscale.importers.flops.ModelShape` of a saved model (its config file)."""
    from rlscale.importers.flops import load_model_shape

    return load_model_shape(Path(model_dir) / HF_MODEL_CONFIG)


def load_tokenizer(model_dir: str | Path):
    """The tokenizer saved with a model directory (left padding, for batched generation)."""
    require_transformers()
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise RlscaleError(f"no usable tokenizer: {' '.join(str(exc).split())[:200]}",
                           file=str(model_dir)) from None
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    tok.padding_side = "left"
    return tok


def load_model(model_dir: str | Path, *, eager: bool = False):
    """A causal LM from a local directory, fp32 on CPU (``eager``: attention as plain matmuls)."""
    require_transformers()
    from transformers import AutoModelForCausalLM

    kw = {"attn_implementation": "eager"} if eager else {}
    try:
        return AutoModelForCausalLM.from_pretrained(str(model_dir), local_files_only=True,
                                                    dtype="float32", **kw)
    except (OSError, ValueError) as exc:
        raise RlscaleError(f"not a loadable Hugging Face causal LM: "
                           f"{' '.join(str(exc).split())[:200]}", file=str(model_dir)) from None
