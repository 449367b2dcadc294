"""The shape of the lab's policy (:class:`ModelConfig`), torch-free.

:mod:`rlscale.lab.model` builds the network from it; the config's resource bounds
(:mod:`rlscale.lab.bounds`) size it before torch is imported. ``from rlscale.lab.model import
ModelConfig`` works as before.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from rlscale.errors import RlscaleError


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a :class:`Policy`. Build it with :meth:`from_size` unless you need a custom shape.

    Attributes
    ----------
    depth : int
        Number of transformer blocks (``n_layer``).
    n_embd : int
        Residual-stream width (``d_model``).
    n_head : int
        Attention heads; ``n_head * head_dim`` is the attention width ``d_attn``.
    head_dim : int
        Width of one head (even, for rotary embeddings).
    mlp_hidden : int
        SwiGLU hidden width (``intermediate_size`` in Hugging Face terms).
    vocab_size : int
        Tokenizer vocabulary size.
    max_seq_len : int
        Longest sequence (prompt + completion) the rotary table covers.
    rope_theta : float
        Rotary base (10,000 as in Su et al. 2021 and Llama 1/2).
    norm_eps : float
        RMSNorm epsilon.
    """

    depth: int
    n_embd: int
    n_head: int
    head_dim: int
    mlp_hidden: int
    vocab_size: int
    max_seq_len: int
    rope_theta: float = 10000.0
    norm_eps: float = 1e-6

    def __post_init__(self) -> None:
        for name in ("depth", "n_embd", "n_head", "head_dim", "mlp_hidden", "vocab_size", "max_seq_len"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise RlscaleError(f"model config, field '{name}': must be a positive integer, got {value!r}")
        if self.head_dim % 2:
            raise RlscaleError(f"model config, field 'head_dim': must be even for rotary embeddings, got {self.head_dim}")

    @classmethod
    def from_size(cls, depth: int, vocab_size: int, max_seq_len: int, *, aspect_ratio: int = 64,
                  head_dim: int = 32) -> ModelConfig:
        """Derive every width from ``depth`` (nanochat-style single dial).

        ``n_embd = aspect_ratio * depth`` (64 x depth), ``n_head = n_embd // head_dim``, SwiGLU hidden
        width ``8/3 * n_embd`` rounded up to a multiple of 32 (Llama's choice: the same parameter
        count as a 4x GELU MLP). Depth 2 -> width 128, 4 heads, MLP 352, ~0.4M block parameters.
        """
        if not isinstance(depth, int) or depth < 1:
            raise RlscaleError(f"model config, field 'depth': must be a positive integer, got {depth!r}")
        n_embd = aspect_ratio * depth
        if n_embd % head_dim:
            raise RlscaleError(f"model config: width {n_embd} is not a multiple of head_dim {head_dim}")
        mlp_hidden = 32 * math.ceil(8 * n_embd / 3 / 32)
        return cls(depth=depth, n_embd=n_embd, n_head=n_embd // head_dim, head_dim=head_dim,
                   mlp_hidden=mlp_hidden, vocab_size=vocab_size, max_seq_len=max_seq_len)

    @property
    def d_attn(self) -> int:
        """Attention width ``n_head * head_dim`` (Kaplan et al. 2020's ``d_attn``)."""
        return self.n_head * self.head_dim

    def n_params(self, *, embedding: bool = True) -> int:
        """Parameter count; ``embedding=False`` leaves out the token-embedding table only."""
        d, a, h, v = self.n_embd, self.d_attn, self.mlp_hidden, self.vocab_size
        block = 3 * d * a + a * d + 3 * d * h + 2 * d       # qkv, out, gate/up/down, two norms
        total = self.depth * block + d + d * v                # + final norm + lm_head
        return total + (v * d if embedding else 0)

    def to_dict(self) -> dict:
        """JSON-serialisable dict of the fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise RlscaleError(f"model config: unknown key '{unknown[0]}' (known: {', '.join(sorted(known))})")
        return cls(**d)
