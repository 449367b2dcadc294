"""Batched sampling with a pre-allocated KV cache (generation only; log-probs: :mod:`rlscale.lab.logprobs`).

:func:`generate` is the lab's sampler for RL rollouts and evaluation. The algorithm:

1. Left-pad the prompts to a common length T_p so every row's next token lands in the same cache
   column; a key mask hides the padding. Rotary positions are the cache columns, the same for
   every row: rotary attention depends only on the distance between query and key
   (Su et al. 2021, arXiv:2104.09864, eq. 16), so a row shifted right by its padding gets the same
   attention as at positions from 0 (up to float rounding) and one (1, D) rotary row serves the
   whole batch at each step. A row's output does not depend on the other rows' prompt lengths
   (up to float rounding, as the column offset changes with the longest prompt).
2. Prefill (torch): one forward pass over the distinct prompts (RL groups and evaluation samples
   repeat each prompt) that fills the cache, logits only for the last column; rows sharing a
   prompt read its cache row for the prompt columns (no copies) and write their own decode columns.
3. Decode: every step runs inside one compiled function,
   :func:`rlscale.lab._decode_numba.decode_loop` (numba ``@njit``, cached on disk), called once
   per ``generate``: no Python and no tensor-op dispatch per step. A tiny policy's step was ~40
   small torch ops, each a few microseconds of dispatch whatever its size, which was most of the
   time; compiled, a step is four BLAS ``sgemm`` calls per layer (``np.dot`` on float32, scipy's
   OpenBLAS held to one thread with threadpoolctl) plus fused loops for RMSNorm (weights folded
   into the matrices by :class:`_DecodeWeights`), rotary, the cache write, one-query attention
   over each row's valid columns, SwiGLU and residuals. Tokens are drawn by inverse CDF from one
   uniform per row and step, all drawn up front from the caller's generator (indexed by row, so
   a row's stream does not depend on the others). A row stops at ``eos_id`` or any of
   ``stop_ids`` and is dropped from the batch at once: the last live row moves into its place
   (swap-remove; only that row's cache is copied), so finished rows cost nothing afterwards.
   The torch step (:func:`_decode_step`, :func:`_sample`) is kept as the reference the tests
   compare the compiled loop with (same tokens, logits within float tolerance), for callers
   that need to intervene between steps (:mod:`rlscale.lab.thinking`), and as the decode loop
   while a torch dispatch mode is active (``FlopCounterMode`` sees only torch ops; see
   :func:`_decode_torch`). Runs never execute under such a mode.

The prefill's KV cache lives in one module-level buffer reused across calls (first-touch page
faults of fresh memory cost several percent of a call), so :func:`generate` is not re-entrant
across threads. The first call in a process loads the compiled loop from numba's on-disk cache
(~1 s; ~10 s to compile when the cache is empty or stale).

The FLOPs it reports are the analytic counts of :mod:`rlscale.lab.flops` for the real prompt and
completion lengths (padding and post-stop work excluded).

What it simplifies: fp32 only, no speculative decoding, prompts shared only when identical (no
partial-prefix cache).
Run ``python benchmarks/bench_sampler.py`` to compare it with Hugging Face ``generate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from rlscale.errors import RlscaleError
from rlscale.lab import flops as flop_formulas
from rlscale.lab.model import KVCache, Policy


@dataclass
class Generation:
    """Result of :func:`generate`.

    Attributes
    ----------
    completions : list of list of int
        Sampled tokens per row, without the prompt, up to and including the stop token if one was produced.
    lengths : list of int
        ``len(completions[i])``.
    prompt_lengths : list of int
        Prompt lengths.
    finished : list of bool
        True where the row ended on ``eos_id`` or a stop id (False: cut at ``max_new_tokens``).
    prefill_flops, decode_flops, flops : int
        Analytic FLOPs (see :mod:`rlscale.lab.flops`); ``flops = prefill_flops + decode_flops``.
        The prefill is counted per row, as for independent samples.
    prefill_flops_executed : int
        The prefill FLOPs this call actually ran: identical prompts are prefilled once and their
        cache rows copied, so this is ``prefill_flops`` over distinct prompts only.
    """

    completions: list[list[int]]
    lengths: list[int]
    prompt_lengths: list[int]
    finished: list[bool]
    prefill_flops: int = 0
    decode_flops: int = 0
    prefill_flops_executed: int = 0
    flops: int = field(init=False)

    def __post_init__(self) -> None:
        self.flops = self.prefill_flops + self.decode_flops


def _sample(logits: torch.Tensor, top_k: int | None, uniform: torch.Tensor | None) -> torch.Tensor:
    """One token per row from (already tempered) logits (b, V) -> (b,); ``uniform=None`` is greedy.

    Inverse-CDF sampling: with ``u ~ U[0, 1)`` (one per row, drawn up front from the caller's
    generator), the token is the first index whose cumulative probability exceeds ``u``, which is
    token i with probability softmax(logits)_i exactly (a zero-probability token, e.g. outside the
    top k, has a flat CDF step and is never picked). One random number per row and step instead of
    one per vocabulary entry (Gumbel-max): drawing that noise was ~10% of an evaluation batch.
    """
    if top_k is not None and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]          # (b, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if uniform is None:
        return logits.argmax(dim=-1)
    cdf = logits.softmax(dim=-1).cumsum_(dim=-1)                         # (b, V)
    tok = torch.searchsorted(cdf, uniform[:, None], right=True)          # (b, 1)
    return tok.squeeze_(1).clamp_(max=logits.shape[-1] - 1)             # u above a rounded-down total


_STORAGE: dict[tuple, torch.Tensor] = {}


def _cache_storage(cfg, batch: int, max_len: int, like: torch.Tensor) -> torch.Tensor:
    """A reused flat buffer for the KV cache (grown when too small, kept for the process).

    A fresh multi-megabyte ``torch.empty`` is mmap-ed memory: its first touch page-faults, which
    cost ~0.7 ms per 512-row evaluation batch, several percent of the call. Reusing one buffer per
    dtype/device avoids it; its contents are never read before being written (see KVCache).
    """
    need = 2 * cfg.depth * batch * cfg.n_head * max_len * cfg.head_dim
    key = (like.dtype, like.device)
    buf = _STORAGE.get(key)
    if buf is None or buf.numel() < need:
        # zeros, not empty: _decode_step reads (and masks) a few unwritten columns, which must be finite
        buf = _STORAGE[key] = torch.zeros(need, dtype=like.dtype, device=like.device)
    return buf


class _DecodeWeights:
    """The policy's weights rearranged for one-token decode steps (built once per generate call).

    Folds each RMSNorm weight into the matmul after it, the 1/sqrt(head_dim) attention scale into the
    query rows, and 1/temperature into the unembedding, and stores every matrix transposed for
    ``x @ W``. Same function as ``Policy.forward`` up to float rounding (~1e-7 relative); the point is
    fewer tensor ops per step, which is what a tiny model's decode time is made of.
    """

    def __init__(self, model: Policy, temperature: float) -> None:
        cfg = model.config
        a, scale = cfg.d_attn, cfg.head_dim ** -0.5
        self.layers = []
        for b in model.layers:
            wqkv = b.qkv.detach() * b.attn_norm.detach()[None, :]        # (3a, d)
            wqkv[:a] *= scale
            wgu = b.gate_up.detach() * b.mlp_norm.detach()[None, :]      # (2h, d)
            self.layers.append((wqkv.t().contiguous(), b.o_proj.detach().t().contiguous(),
                                wgu.contiguous(), b.down.detach().t().contiguous()))
        lm = model.lm_head.detach() * model.norm.detach()[None, :]
        self.lm = (lm / temperature if temperature > 0 else lm).t().contiguous()   # (d, V)
        self.embed = model.embed.detach()
        half = cfg.head_dim // 2
        cos, sin = model.rope_cos, model.rope_sin                        # (T, D/2)
        # rows: cos over the full head, and sin signed for the swapped halves: x*cos + swap(x)*sin
        self.rope = torch.stack((torch.cat((cos, cos), -1), torch.cat((-sin, sin), -1)), 1)  # (T, 2, D)
        self.n_head, self.head_dim, self.half, self.a = cfg.n_head, cfg.head_dim, half, a
        self.hidden, self.eps, self.d = cfg.mlp_hidden, cfg.norm_eps, cfg.n_embd
        self.min_keys = math.ceil(400 / cfg.head_dim)                    # see _decode_step
        self.mean_col = torch.full((cfg.n_embd, 1), 1.0 / cfg.n_embd, dtype=self.lm.dtype, device=self.lm.device)
        self.eps_col = torch.full((1, 1), cfg.norm_eps, dtype=self.lm.dtype, device=self.lm.device)

    def rms(self, x: torch.Tensor) -> torch.Tensor:
        """Weightless RMSNorm of (b, d) rows; the mean of squares as a matmul with a 1/d column,
        because on this CPU build a last-dimension reduction costs ~5x a small matmul."""
        return x * torch.addmm(self.eps_col, x * x, self.mean_col).rsqrt_()   # (b, 1) scale


def _decode_step(w: _DecodeWeights, cache: KVCache, tok: torch.Tensor, rope: torch.Tensor,
                 bias: torch.Tensor | None) -> torch.Tensor:
    """Feed one token per live row (b,) at cache column ``cache.length``; return logits (b, V).

    ``rope`` is the (2, D) cos/sin row of the cache column; ``bias`` is the additive key mask
    (b, 1, 1, max_len) (-inf on left padding) or None.

    Attention reads at least ``w.min_keys`` cache columns: torch's CPU ``bmm`` switches to a plain
    loop kernel when ``contraction * rows * cols < 400`` (``bmm_out_or_baddbmm_`` in ATen's
    LinearAlgebra.cpp), 2-4x slower here than its BLAS path, which one-query attention over
    ``t + 1 <= 400 / head_dim`` keys would hit. The extra columns are not yet written (finite
    values: the storage is zero-initialised and only ever holds keys/values) and masked to -inf,
    so they get probability exactly 0.
    """
    b, t, H, D, a = tok.shape[0], cache.length, w.n_head, w.head_dim, w.a
    n = min(max(t + 1, w.min_keys), cache.max_len)                       # key columns read
    cos, sin = rope[0:1], rope[1:2]                                      # (1, D) each
    x = F.embedding(tok, w.embed)                                        # (b, d)
    for layer, (wqkv, wo, wgu, wdown) in enumerate(w.layers):
        qkv = w.rms(x) @ wqkv                                            # (b, 3a)
        qk = qkv[:, :2 * a].view(b, 2 * H, D)                            # q and k heads together
        swapped = qk.view(b, 2 * H, 2, w.half).flip(2).view(b, 2 * H, D)
        qk = torch.addcmul(qk * cos, swapped, sin)                       # rotary, (b, 2H, D)
        cache.k[layer, :b, :, t] = qk[:, H:]
        cache.v[layer, :b, :, t] = qkv[:, 2 * a:].view(b, H, D)
        keys = cache.k[layer, :b, :, :n].reshape(b * H, n, D)            # views: (b, H) merge
        values = cache.v[layer, :b, :, :n].reshape(b * H, n, D)
        q = qk[:, :H].reshape(b * H, 1, D)                               # pre-scaled queries
        scores = torch.bmm(q, keys.transpose(1, 2))                      # (bH, 1, n)
        if bias is not None:
            scores.view(b, H, 1, n).add_(bias[:b, :, :, :n])
        if n > t + 1:
            scores[:, :, t + 1:] = float("-inf")                         # columns not written yet
        y = torch.bmm(scores.softmax(dim=-1), values)                    # (bH, 1, D)
        x = torch.addmm(x, y.view(b, a), wo)                             # residual add fused
        # transposed (2h, b) so gate and up are contiguous blocks: SiLU on a strided half is slower
        gu = wgu @ w.rms(x).t()                                          # (2h, b)
        x = torch.addmm(x, (F.silu(gu[:w.hidden]) * gu[w.hidden:]).t(), wdown)
    cache.length = t + 1
    return w.rms(x) @ w.lm                                              # (b, V), tempered


_BLAS: list = []


def _one_blas_thread():
    """A context manager holding every BLAS loaded in the process (numba's ``np.dot`` calls
    scipy's OpenBLAS through ``cython_blas``) to one thread, as the lab runs single-threaded:
    same inputs, same bytes, and no spin-waiting threads on a busy 2-core machine."""
    from threadpoolctl import ThreadpoolController

    if not _BLAS:
        import scipy.linalg.cython_blas  # noqa: F401  # load the BLAS numba's np.dot calls before looking

        _BLAS.append(ThreadpoolController().select(user_api="blas"))
    return _BLAS[0].limit(limits=1)


def _decode_compiled(model: Policy, temperature: float, cache: KVCache, logits: torch.Tensor,
                     uniform: torch.Tensor, top_k: int | None, stop_list: list[int], max_new_tokens: int,
                     pads: list[int], src: list[int] | None = None, record: torch.Tensor | None = None):
    """Run every decode step in :func:`rlscale.lab._decode_numba.decode_loop` (one call, no Python per step).

    ``logits`` (B, V) are the prefill's tempered last-column logits, ``cache`` holds the prompts
    (``cache.length`` columns): row ``i``'s prompt in cache row ``src[i]`` (default: row i). Returns numpy (tokens (B, N) by row, lengths (B,), finished (B,)).
    ``record`` (N, B, V), if given, receives the logits each token was sampled from (tests).
    """
    import numpy as np

    from rlscale.lab._decode_numba import decode_loop

    w = _DecodeWeights(model, temperature)
    def f32(t: torch.Tensor):
        return t.detach().contiguous().numpy()                          # shares memory with the tensor

    wqkv = np.stack([f32(m[0]) for m in w.layers])                       # (L, d, 3a)
    wo = np.stack([f32(m[1]) for m in w.layers])                         # (L, a, d)
    wg = np.stack([f32(m[2][:w.hidden].t()) for m in w.layers])         # (L, d, h) gate
    wu = np.stack([f32(m[2][w.hidden:].t()) for m in w.layers])         # (L, d, h) up
    wdown = np.stack([f32(m[3]) for m in w.layers])                      # (L, h, d)
    rec = f32(record) if record is not None else np.zeros((0, 1, 1), dtype=np.float32)
    with _one_blas_thread():
        return decode_loop(f32(logits), f32(uniform), temperature == 0, top_k or 0,
                           np.asarray(stop_list, dtype=np.int64), max_new_tokens, cache.length,
                           np.asarray(pads, dtype=np.int64),
                           np.asarray(src if src is not None else range(len(pads)), dtype=np.int64), f32(w.embed), wqkv, wo, wg, wu, wdown, f32(w.lm),
                           f32(model.rope_cos), f32(model.rope_sin), cache.k.numpy(), cache.v.numpy(),
                           np.float32(w.eps), w.n_head, rec)


def _decode_torch(model: Policy, temperature: float, cache: KVCache, logits: torch.Tensor,
                  uniform: torch.Tensor, top_k: int | None, stop_list: list[int], max_new_tokens: int,
                  pads: list[int], src: list[int]):
    """The decode loop as torch ops (:func:`_decode_step`, :func:`_sample`), same inputs and outputs
    as :func:`_decode_compiled`. Used only while a torch dispatch mode is active (e.g.
    ``FlopCounterMode``, which cannot see inside the compiled loop); it runs the same matmuls on
    the full batch until every row has stopped (no row dropping), so it does at least the work
    the compiled loop does. Tokens agree with the compiled loop up to float rounding.
    """
    import numpy as np

    B, t_prompt, device = len(pads), cache.length, logits.device
    w = _DecodeWeights(model, temperature)
    if src != list(range(B)):   # give every row its own copy of its prompt's cache row
        slot = torch.tensor(src, device=device)
        n_u = max(src) + 1
        cache.k[:, :, :, :t_prompt] = cache.k[:, :n_u, :, :t_prompt].index_select(1, slot)
        cache.v[:, :, :, :t_prompt] = cache.v[:, :n_u, :, :t_prompt].index_select(1, slot)
    bias = None
    if any(pads):
        valid = torch.arange(cache.max_len, device=device)[None, :] >= torch.tensor(pads, device=device)[:, None]
        bias = torch.zeros(B, 1, 1, cache.max_len, dtype=logits.dtype, device=device)
        bias.masked_fill_(~valid[:, None, None, :], float("-inf"))
    stops = torch.tensor(stop_list, dtype=torch.long, device=device)
    tokens = torch.zeros(B, max_new_tokens, dtype=torch.long, device=device)
    lengths = torch.full((B,), max_new_tokens, dtype=torch.long, device=device)
    live = torch.ones(B, dtype=torch.bool, device=device)
    for step in range(max_new_tokens):
        tok = _sample(logits, top_k, uniform[step] if temperature > 0 else None)    # (B,)
        tokens[:, step] = tok
        if stop_list:
            stopped = torch.isin(tok, stops) & live
            lengths[stopped] = step + 1
            live &= ~stopped
            if not live.any():
                break
        if step < max_new_tokens - 1:
            logits = _decode_step(w, cache, tok, w.rope[cache.length], bias)
    return tokens.numpy(), lengths.numpy(), np.asarray((~live).numpy() if stop_list else np.zeros(B, bool))


def _check(model: Policy, prompts, max_new_tokens, temperature, top_k) -> list[int]:
    if not prompts:
        raise RlscaleError("generate: no prompts given")
    lens = [len(p) for p in prompts]
    if min(lens) < 1:
        raise RlscaleError("generate: every prompt needs at least one token (e.g. bos)")
    if max_new_tokens < 1:
        raise RlscaleError(f"generate: max_new_tokens must be >= 1, got {max_new_tokens}")
    if max(lens) + max_new_tokens > model.config.max_seq_len:
        raise RlscaleError(f"generate: longest prompt ({max(lens)}) + max_new_tokens ({max_new_tokens}) "
                           f"exceeds the model's max_seq_len ({model.config.max_seq_len})")
    if temperature < 0:
        raise RlscaleError(f"generate: temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise RlscaleError(f"generate: top_k must be >= 1, got {top_k}")
    return lens


def _prefill(model: Policy, prompts, pads: list[int], cache: KVCache):
    """Prefill each distinct prompt once (RL groups and eval samples repeat prompts) into cache rows
    0..U-1; every row reads its prompt's columns from that shared row (no copies), see decode_loop.

    Returns ``(logits (B, V) of each row's next token, src: row -> its prompt's cache row,
    uniq: the first row of each distinct prompt)``.
    """
    device, B = model.embed.device, len(prompts)
    first: dict[tuple[int, ...], int] = {}
    owner = [first.setdefault(tuple(row), i) for i, row in enumerate(prompts)]   # row -> first twin
    uniq = sorted(set(owner))
    slot_of = {o: j for j, o in enumerate(uniq)}
    src = [slot_of[o] for o in owner]                                    # row -> its prompt's cache row
    idx = torch.tensor([[0] * pads[i] + list(prompts[i]) for i in uniq], dtype=torch.long,
                       device=device)                                    # (U, T_p), left-padded
    if any(pads):
        pad = torch.tensor([pads[i] for i in uniq], device=device)[:, None]   # (U, 1)
        cols = torch.arange(cache.max_len, device=device)[None, :]       # (1, T_max)
        cache.key_valid = cols >= pad                                    # (U, T_max): real prompt columns
    logits = model(idx, kv_cache=cache, last_only=True)[:, -1]           # (U, V)
    if len(uniq) < B:
        logits = logits[torch.tensor(src, device=device)]                # (B, V)
    return logits, src, uniq


@torch.inference_mode()
def generate(model: Policy, prompts: list[list[int]], *, max_new_tokens: int, temperature: float = 1.0,
             top_k: int | None = None, eos_id: int | None, generator: torch.Generator,
             stop_ids: tuple[int, ...] | list[int] = ()) -> Generation:
    """Sample completions for a batch of prompts with a KV cache.

    Parameters
    ----------
    model : Policy
        The policy (it has no dropout, so train or eval mode give the same result).
    prompts : list of list of int
        Token ids, any lengths >= 1.
    max_new_tokens : int
        Cap on completion length.
    temperature : float
        Softmax temperature; 0 means greedy.
    top_k : int, optional
        Sample only among the k most likely tokens.
    eos_id : int or None
        Token that ends a row (included in the completion). None: rows run to ``max_new_tokens``.
    generator : torch.Generator
        The only source of randomness; the same seed gives the same samples on CPU.
    stop_ids : sequence of int
        Further tokens that end a row.

    Returns
    -------
    Generation
    """
    lens = _check(model, prompts, max_new_tokens, temperature, top_k)
    cfg, device = model.config, model.embed.device
    B, t_prompt = len(prompts), max(lens)
    pads = [t_prompt - n for n in lens]
    cache = KVCache(cfg, B, t_prompt + max_new_tokens, dtype=model.embed.dtype, device=device,
                    storage=_cache_storage(cfg, B, t_prompt + max_new_tokens, model.embed))
    stop_list = sorted({*([eos_id] if eos_id is not None else []), *stop_ids})

    logits, src, uniq = _prefill(model, prompts, pads, cache)
    if temperature > 0:
        logits = logits / temperature
        # one U[0, 1) per step and row, from the caller's generator only
        uniform = torch.rand(max_new_tokens, B, generator=generator, device=device)   # (N, B)
    else:
        uniform = torch.zeros(1, 1)
    # a torch dispatch mode (FlopCounterMode, a profiler) sees only torch ops: give it the decode
    # loop as torch ops; everything else runs the compiled loop
    from torch.utils._python_dispatch import is_in_torch_dispatch_mode

    decode = _decode_torch if is_in_torch_dispatch_mode() else _decode_compiled
    tokens, lengths, finished = decode(model, temperature, cache, logits, uniform, top_k,
                                       stop_list, max_new_tokens, pads, src)
    lengths_list = lengths.tolist()
    completions = [row[:n] for row, n in zip(tokens.tolist(), lengths_list, strict=True)]
    return Generation(
        completions=completions, lengths=lengths_list, prompt_lengths=lens, finished=finished.tolist(),
        prefill_flops=flop_formulas.prefill_flops(cfg, lens),
        decode_flops=flop_formulas.decode_flops(cfg, lens, lengths_list),
        prefill_flops_executed=flop_formulas.prefill_flops(cfg, [lens[i] for i in uniq]),
    )
