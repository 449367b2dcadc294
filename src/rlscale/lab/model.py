"""The lab's policy: a small Llama-style decoder-only transformer, written to be read top to bottom.

Architecture (the same block as Llama, so weights map one-to-one onto a Hugging Face
``LlamaForCausalLM``; see :meth:`Policy.state_dict_for_hf`):

- token embedding -> ``depth`` blocks -> RMSNorm -> untied linear unembedding (``lm_head``);
- each block: ``x + Attn(RMSNorm(x))`` then ``x + SwiGLU(RMSNorm(x))`` (pre-norm, no biases);
- rotary position embeddings in the "rotate half" layout Hugging Face uses, base ``rope_theta``;
- multi-head attention with as many key/value heads as query heads (no GQA: the models are tiny).

One size dial: :meth:`ModelConfig.from_size` derives width, heads and MLP width from ``depth``
(nanochat's "depth" dial: width = 64 x depth). What it simplifies against a production Llama: fp32
only, no dropout, fused q/k/v and gate/up projections (split again for Hugging Face), and a
pre-allocated KV cache (:class:`KVCache`) owned by the sampler in :mod:`rlscale.lab.sampling`.

Initialisation is seeded (``Policy(config, seed=...)``) and never touches torch's global RNG.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from rlscale.errors import RlscaleError
from rlscale.lab.shape import ModelConfig

__all__ = ["KVCache", "ModelConfig", "Policy"]


class KVCache:
    """Pre-allocated key/value buffers for batched decoding.

    ``k`` and ``v`` have shape ``(depth, batch, n_head, max_len, head_dim)`` (fresh memory, or views
    into ``storage``, a flat buffer the caller reuses across calls). ``length`` is the number
    of positions written so far (the same column for every row: prompts are left-padded).
    ``key_valid`` is ``None`` when no row has padding, else a ``(batch, max_len)`` bool mask of the
    columns that hold real tokens. Rows ``[:n]`` are the live ones when a forward is run on ``n`` rows;
    :meth:`keep_rows` moves surviving rows to the front so finished rows cost nothing.
    """

    def __init__(self, config: ModelConfig, batch_size: int, max_len: int, *,
                 dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu",
                 storage: torch.Tensor | None = None) -> None:
        shape = (config.depth, batch_size, config.n_head, max_len, config.head_dim)
        # uninitialised: a column is only ever read after it has been written (reads stop at length)
        if storage is None:
            self.k = torch.empty(shape, dtype=dtype, device=device)
            self.v = torch.empty(shape, dtype=dtype, device=device)
        else:   # views into a caller's flat buffer of >= 2 * prod(shape) elements (reused memory)
            n = math.prod(shape)
            self.k, self.v = storage[:n].view(shape), storage[n:2 * n].view(shape)
        self.max_len = max_len
        self.length = 0
        self.key_valid: torch.Tensor | None = None

    def keep_rows(self, keep: torch.Tensor) -> None:
        """Compact: rows ``keep`` (indices into the current live rows) become rows ``0..len(keep)-1``.

        Only rows that change place are copied (``keep[i] != i``), so a swap-remove compaction (live
        rows from the end fill the holes left by finished ones) moves few rows, not the whole cache.
        """
        t = self.length
        n = keep.numel()
        moved = (keep != torch.arange(n, device=keep.device)).nonzero().squeeze(1)
        if moved.numel() == 0:
            return
        src = keep[moved]
        self.k[:, moved, :, :t] = self.k[:, src, :, :t]   # advanced indexing copies first, so no aliasing
        self.v[:, moved, :, :t] = self.v[:, src, :, :t]
        if self.key_valid is not None:
            self.key_valid[moved] = self.key_valid[src]


def _rotary_tables(config: ModelConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin of shape (max_seq_len, head_dim/2), computed as Hugging Face's default RoPE does."""
    half = config.head_dim // 2
    inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, config.head_dim, 2, dtype=torch.int64).float()
                                           / config.head_dim))  # (half,)
    angles = torch.arange(config.max_seq_len).float()[:, None] * inv_freq[None, :]  # (T, half)
    assert angles.shape[1] == half
    return angles.cos(), angles.sin()


def _apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate pairs (i, i + head_dim/2): HF's ``x*cos + rotate_half(x)*sin`` with halved tables."""
    x1, x2 = x.chunk(2, dim=-1)                          # (B, H, T, D/2) each
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


class Block(nn.Module):
    """Pre-norm transformer block: attention then SwiGLU MLP, each added to the residual stream."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        d, a, h = config.n_embd, config.d_attn, config.mlp_hidden
        self.attn_norm = nn.Parameter(torch.ones(d))
        self.qkv = nn.Parameter(torch.empty(3 * a, d))       # rows: q | k | v, each (n_head, head_dim)
        self.o_proj = nn.Parameter(torch.empty(d, a))
        self.mlp_norm = nn.Parameter(torch.ones(d))
        self.gate_up = nn.Parameter(torch.empty(2 * h, d))   # rows: gate | up
        self.down = nn.Parameter(torch.empty(d, h))
        self.n_head, self.head_dim, self.eps = config.n_head, config.head_dim, config.norm_eps

    def forward(self, x, cos, sin, layer, cache, mask, is_causal, matmul_attention):
        B, T, _ = x.shape
        h = F.rms_norm(x, (x.shape[-1],), self.attn_norm, self.eps)
        qkv = F.linear(h, self.qkv).view(B, T, 3, self.n_head, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)      # each (B, H, T, D)
        q, k = _apply_rotary(q, cos, sin), _apply_rotary(k, cos, sin)
        if cache is not None:
            start = cache.length
            cache.k[layer, :B, :, start:start + T] = k
            cache.v[layer, :B, :, start:start + T] = v
            k = cache.k[layer, :B, :, :start + T]            # (B, H, T_keys, D)
            v = cache.v[layer, :B, :, :start + T]
        if matmul_attention:
            # explicit matmuls: same maths as SDPA, but visible to FlopCounterMode (see tests)
            scores = (q @ k.transpose(-2, -1)) * self.head_dim ** -0.5   # (B, H, T, T_keys)
            if is_causal:
                mask = torch.ones(T, k.shape[2], dtype=torch.bool, device=x.device).tril()
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            y = scores.softmax(dim=-1) @ v
        else:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal)
        y = y.transpose(1, 2).reshape(B, T, -1)             # (B, T, d_attn)
        x = x + F.linear(y, self.o_proj)
        h = F.rms_norm(x, (x.shape[-1],), self.mlp_norm, self.eps)
        gate, up = F.linear(h, self.gate_up).chunk(2, dim=-1)
        return x + F.linear(F.silu(gate) * up, self.down)


class Policy(nn.Module):
    """Llama-style causal language model over a :class:`~rlscale.lab.tokenizer.CharTokenizer`.

    Parameters
    ----------
    config : ModelConfig
        The shape.
    seed : int
        Seed of the weight initialisation (a private ``torch.Generator``).

    Notes
    -----
    ``attention_impl`` (``"sdpa"`` by default, or ``"matmul"``) chooses the attention kernel; both
    compute the same function. ``"matmul"`` exists so FlopCounterMode can see the attention
    matmuls (it counts CPU SDPA as zero FLOPs).
    """

    def __init__(self, config: ModelConfig, *, seed: int = 0) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Parameter(torch.empty(config.vocab_size, config.n_embd))
        self.layers = nn.ModuleList(Block(config) for _ in range(config.depth))
        self.norm = nn.Parameter(torch.ones(config.n_embd))
        self.lm_head = nn.Parameter(torch.empty(config.vocab_size, config.n_embd))
        cos, sin = _rotary_tables(config)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.attention_impl = "sdpa"
        self.reset_parameters(seed)

    @torch.no_grad()
    def reset_parameters(self, seed: int) -> None:
        """Seeded init: N(0, 1) embeddings, N(0, 1/d) projections, residual outputs scaled by
        1/sqrt(2 depth) (GPT-2's trick so the residual stream does not grow with depth),
        small N(0, 0.02^2) lm_head so the initial policy is near uniform."""
        g = torch.Generator().manual_seed(int(seed))
        cfg = self.config
        std = cfg.n_embd ** -0.5
        nn.init.normal_(self.embed, 0.0, 1.0, generator=g)
        for block in self.layers:
            nn.init.normal_(block.qkv, 0.0, std, generator=g)
            nn.init.normal_(block.o_proj, 0.0, std / math.sqrt(2 * cfg.depth), generator=g)
            nn.init.normal_(block.gate_up, 0.0, std, generator=g)
            nn.init.normal_(block.down, 0.0, cfg.mlp_hidden ** -0.5 / math.sqrt(2 * cfg.depth), generator=g)
            block.attn_norm.fill_(1.0)
            block.mlp_norm.fill_(1.0)
        self.norm.fill_(1.0)
        nn.init.normal_(self.lm_head, 0.0, 0.02, generator=g)

    def forward(self, idx: torch.Tensor, kv_cache: KVCache | None = None, pos: torch.Tensor | None = None,
                *, last_only: bool = False) -> torch.Tensor:
        """Logits for token ids ``idx`` of shape (B, T) -> (B, T, vocab) (or (B, 1, vocab) with ``last_only``).

        Without a cache the batch is causal from position 0 (right-pad variable-length rows: real
        tokens never attend to padding that follows them). With ``kv_cache`` the T new tokens are
        written at columns ``[cache.length, cache.length + T)`` and attend to every earlier valid
        column; ``pos`` (B, T) gives each row's rotary positions (needed with left padding),
        default ``cache.length + arange(T)``.
        """
        B, T = idx.shape
        start = kv_cache.length if kv_cache is not None else 0
        if start + T > self.config.max_seq_len:
            raise RlscaleError(f"policy: sequence length {start + T} exceeds max_seq_len {self.config.max_seq_len}")
        if pos is None:
            cos = self.rope_cos[start:start + T]             # (T, D/2), broadcasts over (B, H)
            sin = self.rope_sin[start:start + T]
        else:
            cos = self.rope_cos[pos].unsqueeze(1)            # (B, 1, T, D/2)
            sin = self.rope_sin[pos].unsqueeze(1)
        mask, is_causal = self._attention_mask(B, T, start, kv_cache, idx.device)
        matmul_attention = self.attention_impl == "matmul"
        x = F.embedding(idx, self.embed)                     # (B, T, d)
        for layer, block in enumerate(self.layers):
            x = block(x, cos, sin, layer, kv_cache, mask, is_causal, matmul_attention)
        if kv_cache is not None:
            kv_cache.length = start + T
        if last_only:
            x = x[:, -1:]
        x = F.rms_norm(x, (x.shape[-1],), self.norm, self.config.norm_eps)
        return F.linear(x, self.lm_head)                     # (B, T, V)

    @staticmethod
    def _attention_mask(B, T, start, cache, device):
        """(mask, is_causal) for SDPA: a bool mask (True = may attend) or the cheap causal flag."""
        if cache is None or (cache.key_valid is None and start == 0):
            return None, T > 1
        if cache.key_valid is None and T == 1:
            return None, False                               # one new token sees every cached column
        q_pos = torch.arange(start, start + T, device=device)[:, None]
        k_pos = torch.arange(start + T, device=device)[None, :]
        causal = k_pos <= q_pos                              # (T, T_keys)
        if cache.key_valid is None:
            return causal, False
        valid = cache.key_valid[:B, None, None, :start + T]  # (B, 1, 1, T_keys)
        # a left-padding query sees no valid key; let it see itself so softmax has no NaN (unused output)
        return (causal & valid) | (k_pos == q_pos), False

    # ---------------------------------------------------------------- Hugging Face interop
    def to_llama_config(self):
        """The equivalent ``transformers.LlamaConfig`` (needs the ``bench`` extra)."""
        try:
            from transformers import LlamaConfig
        except ImportError:  # pragma: no cover - depends on the environment
            from rlscale.errors import MissingExtraError
            raise MissingExtraError("transformers", "bench") from None
        c = self.config
        return LlamaConfig(
            vocab_size=c.vocab_size, hidden_size=c.n_embd, intermediate_size=c.mlp_hidden,
            num_hidden_layers=c.depth, num_attention_heads=c.n_head, num_key_value_heads=c.n_head,
            head_dim=c.head_dim, hidden_act="silu", max_position_embeddings=c.max_seq_len,
            rms_norm_eps=c.norm_eps, tie_word_embeddings=False, attention_bias=False, mlp_bias=False,
            rope_parameters={"rope_type": "default", "rope_theta": c.rope_theta},
            bos_token_id=1, eos_token_id=2, pad_token_id=0,
        )

    def state_dict_for_hf(self) -> dict[str, torch.Tensor]:
        """Weights under ``LlamaForCausalLM`` names (fused q/k/v and gate/up split again)."""
        a, h = self.config.d_attn, self.config.mlp_hidden
        out = {"model.embed_tokens.weight": self.embed.detach().clone(),
               "model.norm.weight": self.norm.detach().clone(),
               "lm_head.weight": self.lm_head.detach().clone()}
        for i, b in enumerate(self.layers):
            p = f"model.layers.{i}."
            q, k, v = b.qkv.detach().split(a, dim=0)
            gate, up = b.gate_up.detach().split(h, dim=0)
            out.update({
                p + "input_layernorm.weight": b.attn_norm.detach().clone(),
                p + "self_attn.q_proj.weight": q.clone(), p + "self_attn.k_proj.weight": k.clone(),
                p + "self_attn.v_proj.weight": v.clone(), p + "self_attn.o_proj.weight": b.o_proj.detach().clone(),
                p + "post_attention_layernorm.weight": b.mlp_norm.detach().clone(),
                p + "mlp.gate_proj.weight": gate.clone(), p + "mlp.up_proj.weight": up.clone(),
                p + "mlp.down_proj.weight": b.down.detach().clone(),
            })
        return out

    def to_hf(self):
        """A ``transformers.LlamaForCausalLM`` holding these weights (eval mode, no download)."""
        from transformers import LlamaForCausalLM
        hf = LlamaForCausalLM(self.to_llama_config())
        missing, unexpected = hf.load_state_dict(self.state_dict_for_hf(), strict=False)
        missing = [m for m in missing if "rotary_emb" not in m]
        if missing or unexpected:  # pragma: no cover - a mapping bug
            raise RuntimeError(f"HF weight mapping: missing {missing}, unexpected {unexpected}")
        return hf.eval()
