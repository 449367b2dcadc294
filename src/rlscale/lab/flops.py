"""Analytic FLOP counts for the lab's policy, and the ledger that adds them up by component.

Units: FLOPs (floating-point operations; one multiply-add = 2 FLOPs), never FLOP/s.

Convention (the same for every function here, and what :class:`FlopLedger` records):

- Matmuls only. A token through the network costs ``2 * N_matmul`` FLOPs, where ``N_matmul`` is
  every weight that multiplies an activation: the blocks' q/k/v/o and gate/up/down projections
  plus the unembedding ``lm_head``. The token-embedding lookup is a gather (0 FLOPs) and is not
  counted; norms, rotary, softmax, SiLU and the residual adds are O(d) per token, not O(d^2), and
  are left out (under 1% at the lab's sizes). This is Kaplan et al. 2020 (arXiv:2001.08361),
  Table 1: ``C_forward ~ 2N + 2 n_layer n_ctx d_attn`` with N the non-embedding parameters; we
  keep the unembedding in N because at vocabularies of a few dozen characters it is cheap but
  real, and it is a matmul every forward pass pays.
- Attention scores: a query attending to ``c`` keys costs ``4 * n_layer * d_attn * c`` FLOPs
  (``QK^T`` and ``softmax(.) V``, 2 FLOPs per multiply-add each). Kaplan's Table 1 lists only
  ``2 n_layer n_ctx d_attn`` (the ``QK^T`` product); PaLM (Chowdhery et al. 2022,
  arXiv:2204.02311, Appendix B) counts both products: ``6N + 12 L H Q T`` per training token
  = 3 x (2N + 4 L H Q T), with ``H * Q = d_attn``. We follow PaLM.
- Causal attention counted exactly: the token at position p (0-based) attends to ``p + 1`` keys,
  so a sequence of length T costs ``4 L d_attn T (T + 1) / 2`` in attention, not ``T^2``.
- Training = forward + backward = 3 x forward (backward computes gradients with respect to
  inputs and weights, each as costly as the forward matmul): Kaplan et al. 2020 section 2.1,
  ``C ~ 6N`` per token; PaLM Appendix B.
- Real lengths: padding added for batching is never counted, and rows of a batch that have
  stopped are not counted. The ledger is the compute the experiment needed, which is a lower
  bound on what a padded implementation executes.

Generation (see :func:`rlscale.lab.sampling.generate`): the prefill runs the prompt (T_p tokens)
through the network but the unembedding only for its last position; a completion of n tokens then
needs ``n - 1`` decode steps (the last sampled token is never fed back), the step feeding position p
attending to ``p + 1`` keys through the KV cache. The prefill is counted once per sampled row, as
for independent samples, even though the sampler prefills repeated prompts only once (it reports
that smaller figure separately as ``Generation.prefill_flops_executed``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from rlscale.errors import RlscaleError

COMPONENTS = ("pretrain", "rollout_prefill", "rollout_decode", "ref_logprobs", "old_logprobs",
              "train_forward_backward", "eval_inference")
RL_COMPONENTS = ("rollout_prefill", "rollout_decode", "ref_logprobs", "old_logprobs",
                 "train_forward_backward")
"""Components that make up RL training compute (everything but pre-training and evaluation)."""

TRAIN_MULTIPLIER = 3
"""Forward + backward = 3 x forward (Kaplan et al. 2020 section 2.1; PaLM Appendix B)."""


def _shape(cfg) -> tuple[int, int, int]:
    """(block matmul params, unembedding params, n_layer * d_attn) of a ModelConfig.

    An optional ``n_kv_head`` attribute (grouped-query attention, as in an imported Hugging Face
    config) narrows the k and v projections to ``n_kv_head * head_dim``; the lab's own
    ``ModelConfig`` has none, so k and v are as wide as q.
    """
    d, a, h = cfg.n_embd, cfg.n_head * cfg.head_dim, cfg.mlp_hidden
    kv = getattr(cfg, "n_kv_head", cfg.n_head) * cfg.head_dim
    block = cfg.depth * (d * a + 2 * d * kv + a * d + 3 * d * h)  # q,k,v,o + gate,up,down
    return block, d * cfg.vocab_size, cfg.depth * a


def matmul_params(cfg) -> int:
    """``N_matmul``: weights that multiply activations (blocks + lm_head, not the embedding)."""
    block, unembed, _ = _shape(cfg)
    return block + unembed


def forward_flops(cfg, n_tokens: float, context_len: float) -> float:
    """Kaplan-style forward FLOPs of ``n_tokens`` tokens that each attend to ``context_len`` keys.

    ``2 N_matmul + 4 n_layer d_attn context_len`` per token (FLOPs). For exact causal counts of
    whole sequences use :func:`sequence_forward_flops`.
    """
    _, _, la = _shape(cfg)
    return n_tokens * (2 * matmul_params(cfg) + 4 * la * context_len)


def train_flops(cfg, n_tokens: float, context_len: float) -> float:
    """Forward + backward FLOPs: ``3 * forward_flops`` (the ``6N`` rule plus PaLM's attention term)."""
    return TRAIN_MULTIPLIER * forward_flops(cfg, n_tokens, context_len)


def _lengths(name: str, values: Sequence[int]) -> np.ndarray:
    out = np.asarray(values, dtype=np.int64).reshape(-1)
    if out.size and out.min() < 0:
        raise RlscaleError(f"flops: {name} must be non-negative lengths")
    return out


def _sum(x: np.ndarray) -> int:
    """Exact sum as a Python int (per-row terms are far below int64's range; the totals can
    exceed it, so they are multiplied by the model's coefficients in Python ints)."""
    return int(x.sum(dtype=np.int64))


def sequence_forward_flops(cfg, seq_lens: Sequence[int], *, logits_per_sequence: int | None = None) -> int:
    """Exact forward FLOPs of causal passes over sequences of the given lengths (no padding).

    Each sequence of length T: ``2 * block * T`` + ``2 * unembed * U`` + ``4 L d_attn T (T+1)/2``,
    where U = T (logits at every position) or ``min(T, logits_per_sequence)``.
    """
    block, unembed, la = _shape(cfg)
    t = _lengths("seq_lens", seq_lens)
    u = t if logits_per_sequence is None else np.minimum(t, logits_per_sequence)
    return 2 * block * _sum(t) + 2 * unembed * _sum(u) + 2 * la * _sum(t * (t + 1))


def sequence_train_flops(cfg, seq_lens: Sequence[int]) -> int:
    """Forward + backward FLOPs of training on sequences of the given lengths (3 x forward)."""
    return TRAIN_MULTIPLIER * sequence_forward_flops(cfg, seq_lens)


def prefill_flops(cfg, prompt_lens: Sequence[int]) -> int:
    """FLOPs of the prefill: every prompt token through the blocks, logits for the last one only."""
    return sequence_forward_flops(cfg, prompt_lens, logits_per_sequence=1)


def decode_flops(cfg, prompt_lens: Sequence[int], completion_lens: Sequence[int]) -> int:
    """FLOPs of the KV-cache decode steps, summed exactly over positions.

    A completion of n tokens after a prompt of T_p feeds ``m = n - 1`` tokens at positions
    T_p .. T_p + m - 1; the one at position p attends to p + 1 keys. Per row:
    ``2 N_matmul m + 4 L d_attn (m T_p + m (m + 1) / 2)``.
    """
    prompts, completions = _lengths("prompt_lens", prompt_lens), _lengths("completion_lens", completion_lens)
    if len(prompts) != len(completions):
        raise RlscaleError("flops: prompt_lens and completion_lens differ in length")
    n_matmul, (_, _, la) = matmul_params(cfg), _shape(cfg)
    m = np.maximum(completions - 1, 0)
    return 2 * n_matmul * _sum(m) + 4 * la * _sum(m * prompts) + 2 * la * _sum(m * (m + 1))


def generation_flops(cfg, prompt_lens: Sequence[int], completion_lens: Sequence[int]) -> int:
    """Prefill + decode FLOPs of one batched generation (what ``generate`` reports as ``flops``)."""
    return prefill_flops(cfg, prompt_lens) + decode_flops(cfg, prompt_lens, completion_lens)


def logprob_flops(cfg, prompt_lens: Sequence[int], completion_lens: Sequence[int]) -> int:
    """Forward FLOPs of :func:`rlscale.lab.logprobs.token_logprobs` on packed prompt + completion rows
    (the real inputs: T_p + n - 1 tokens per row; padding not counted)."""
    prompts, completions = _lengths("prompt_lens", prompt_lens), _lengths("completion_lens", completion_lens)
    if len(prompts) != len(completions):
        raise RlscaleError("flops: prompt_lens and completion_lens differ in length")
    return sequence_forward_flops(cfg, np.maximum(prompts + completions - 1, 0))


def train_step_flops(cfg, prompt_lens: Sequence[int], completion_lens: Sequence[int]) -> int:
    """Forward + backward FLOPs of a policy-gradient step on these sequences (3 x :func:`logprob_flops`)."""
    return TRAIN_MULTIPLIER * logprob_flops(cfg, prompt_lens, completion_lens)


class FlopLedger:
    """FLOPs spent, by component (see :data:`COMPONENTS`), JSON-serialisable.

    Components: ``pretrain`` (pre-training/SFT forward+backward), ``rollout_prefill`` and
    ``rollout_decode`` (RL sampling), ``ref_logprobs`` and ``old_logprobs`` (forward passes for the
    KL reference and the importance ratio), ``train_forward_backward`` (the policy update), and
    ``eval_inference`` (evaluation sampling, kept out of RL compute).
    """

    def __init__(self, flops: dict[str, float] | None = None) -> None:
        self.flops: dict[str, int | float] = {c: 0 for c in COMPONENTS}
        for component, value in (flops or {}).items():
            self.add(component, value)

    def add(self, component: str, flops: float) -> None:
        """Add ``flops`` (>= 0, finite) to ``component``."""
        if component not in self.flops:
            raise RlscaleError(f"FLOP ledger: unknown component '{component}' (known: {', '.join(COMPONENTS)})")
        if isinstance(flops, bool) or not isinstance(flops, (int, float)) or not math.isfinite(flops) or flops < 0:
            raise RlscaleError(f"FLOP ledger, component '{component}': FLOPs must be a finite number >= 0, got {flops!r}")
        self.flops[component] += flops

    def __getitem__(self, component: str) -> int | float:
        return self.flops[component]

    @property
    def total(self) -> int | float:
        """All FLOPs recorded."""
        return sum(self.flops.values())

    @property
    def rl_total(self) -> int | float:
        """RL training compute: the sum over :data:`RL_COMPONENTS`."""
        return sum(self.flops[c] for c in RL_COMPONENTS)

    def copy(self) -> FlopLedger:
        """An independent copy."""
        return FlopLedger(self.flops)

    def to_dict(self) -> dict[str, Any]:
        """``{component: flops}`` in :data:`COMPONENTS` order."""
        return dict(self.flops)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FlopLedger:
        """Inverse of :meth:`to_dict`."""
        return cls(d)

    def to_json(self) -> str:
        """The ledger as one JSON object."""
        return json.dumps(self.to_dict())

    def __repr__(self) -> str:
        return f"FlopLedger(total={self.total:.3e})"
