"""The sampler's decode loop as one compiled function (numba), called once per ``generate``.

A tiny policy's decode step is ~40 small tensor ops; in torch eager each costs a few microseconds
of dispatch whatever its size, which was most of a step. Here every decode step of a call runs
inside one ``@njit`` function: the weight matmuls are ``np.dot`` on float32 2-D arrays (BLAS
``sgemm`` through scipy's ``cython_blas``), everything else is plain loops over rows, heads and
columns — RMSNorm (its weight folded into the matrix after it), rotary, the cache write,
one-query attention over each row's valid key columns, SwiGLU, the residual adds, inverse-CDF
sampling, stop detection and dropping finished rows.

The maths is that of :func:`rlscale.lab.sampling._decode_step` and ``_sample`` (the torch
reference kept for tests); results agree up to float rounding. The caller
(:func:`rlscale.lab.sampling.generate`) runs the prefill in torch, hands over the cache and
weights as numpy views, and limits BLAS to one thread. Only a few of LLVM's fast-math flags are
on (reassociation, contraction, see ``FAST``), so reductions may be summed in a different order
than torch sums them, but the compiled code is a fixed instruction sequence: the same inputs
give the same bytes on the same machine.

Compiled on first use and cached on disk next to this file (``cache=True``; numba silently
recompiles in memory when that directory is not writable).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# reassociation lets LLVM vectorise the reductions (dot products over a head, sums of squares);
# no 'nnan'/'ninf' (the code uses -inf) and no 'afn' (exp stays the accurate one). Still a fixed
# instruction sequence once compiled: the same inputs give the same bytes on the same machine.
FAST = {"reassoc", "contract", "nsz", "arcp"}

LOG2E = np.float32(1.4426950408889634)


@njit(cache=True, fastmath=FAST)
def _exp_into(x, out, bits, scale, n, sign):
    """``out[:n] = exp(sign * x[:n])`` (float32, relative error < 1e-6) in loops LLVM vectorises.

    ``math.exp`` is a scalar libm call per element (no vector math library here). exp(z) =
    2^k 2^f with k = round(z log2 e), |f| <= 1/2; 2^f = e^(f ln 2) by its degree-7 Taylor
    polynomial (truncation error < 2e-9) and 2^k from exponent bits written to ``bits`` (int32)
    and read back through ``scale`` (a float32 view of the same buffer). Exactly 0 below
    z = -127 ln 2 (float32 exp is subnormal or 0 there); z above 126 ln 2 is clamped (only the far
    tail of a sigmoid sees it, where 1 / (1 + exp) is 0 either way). ``out`` must not overlap
    ``x`` (overlap makes LLVM fall back to a scalar loop).
    """
    for i in range(n):
        v = min(max(sign * x[i] * LOG2E, np.float32(-127.0)), np.float32(126.0))
        k = np.float32(np.int32(v + (np.float32(0.5) if v >= 0 else np.float32(-0.5))))
        f = (v - k) * np.float32(0.6931471805599453)
        p = np.float32(1.0) + f * (np.float32(1.0) + f * (np.float32(0.5) + f * (np.float32(1 / 6) + f * (
            np.float32(1 / 24) + f * (np.float32(1 / 120) + f * (np.float32(1 / 720) + f * np.float32(1 / 5040)))))))
        bits[i] = (np.int32(max(k, np.float32(-126.0))) + np.int32(127)) << np.int32(23)
        out[i] = p if k > np.float32(-127.0) else np.float32(0.0)
    for i in range(n):
        out[i] *= scale[i]


@njit(cache=True, fastmath=FAST)
def _rms_into(x, out, b, eps):
    """Weightless RMSNorm of rows ``x[:b]`` into ``out[:b]`` (the weight is folded into the next matmul)."""
    d = x.shape[1]
    for i in range(b):
        s = np.float32(0.0)
        for j in range(d):
            s += x[i, j] * x[i, j]
        r = np.float32(1.0) / np.sqrt(s / np.float32(d) + eps)
        for j in range(d):
            out[i, j] = x[i, j] * r


@njit(cache=True, fastmath=FAST)
def _sample_rows(logits, b, probs, shifted, bits, scale, u_of, greedy, top_k, sorted_buf, tok):
    """One token per row ``i < b`` of tempered logits into ``tok``: argmax if ``greedy``, else the
    inverse CDF at ``u_of[i]``.

    Same rule as ``sampling._sample``: with ``top_k`` (0 = off) only logits >= the k-th largest
    count; the token is the first index whose cumulative probability exceeds u (clamped to the
    last index for u above a rounded-down total). ``probs``/``shifted``: flat (B * V) scratch.
    """
    V = logits.shape[1]
    for i in range(b):
        best, arg = logits[i, 0], 0
        for j in range(1, V):
            if logits[i, j] > best:
                best, arg = logits[i, j], j
        tok[i] = arg
        floor = np.float32(-3.0e38)
        if top_k > 0 and top_k < V and not greedy:
            for j in range(V):
                sorted_buf[j] = logits[i, j]
            sorted_buf.sort()
            floor = sorted_buf[V - top_k]
        for j in range(V):     # logits outside the top k get -inf-like values: exp gives exactly 0
            shifted[i * V + j] = logits[i, j] - best if logits[i, j] >= floor else np.float32(-1.0e30)
    if greedy:
        return
    _exp_into(shifted, probs, bits, scale, b * V, np.float32(1.0))
    for i in range(b):
        total = 0.0
        for j in range(V):
            total += probs[i * V + j]
        target = u_of[i] * total
        acc = 0.0
        tok[i] = V - 1
        for j in range(V):
            acc += probs[i * V + j]
            if acc > target:
                tok[i] = j
                break


@njit(cache=True, fastmath=FAST)
def decode_loop(logits0, uniform, greedy, top_k, stops, max_new, t_prompt, pads, src, embed, wqkv, wo, wg, wu,
                wdown, lm, cos, sin, kc, vc, eps, n_head, record):
    """Sample ``max_new`` tokens per row from the prefilled cache; returns (tokens, lengths, finished).

    Parameters (all numpy; float32 unless said)
    ----------
    logits0 : (B, V) tempered logits of the prompts' last column (from the torch prefill).
    uniform : (max_new, B) U[0, 1) per step and original row (unused when ``greedy``).
    greedy : bool; top_k : int (0 = no top-k); stops : (S,) int64 stop token ids.
    t_prompt : int, cache columns filled by the prefill; pads : (B,) int64 left padding per row.
    src : (B,) int64 the cache row holding each row's prompt columns (rows sharing a prompt share
    them: read, never copied); decode columns t >= t_prompt are each row's own.
    embed (V, d); wqkv (L, d, 3a) with the attention norm and 1/sqrt(head_dim) folded in;
    wo (L, a, d); wg, wu (L, d, h) gate and up with the MLP norm folded in; wdown (L, h, d);
    lm (d, V) with the final norm and 1/temperature folded in; cos, sin (T, head_dim/2).
    kc, vc : (L, B, H, T_max, D) the KV cache, prefilled; written in place.
    record : (max_new, B, V) or size 0: if non-empty, the logits each token was sampled from.

    Returns
    -------
    tokens (B, max_new) int64 by original row, lengths (B,) int64, finished (B,) bool.
    """
    B, V = logits0.shape
    L, d, a3 = wqkv.shape
    a = a3 // 3
    hid = wg.shape[2]
    H = n_head
    D = a // H
    half = D // 2
    t_max = kc.shape[3]
    tokens = np.zeros((B, max_new), dtype=np.int64)
    lengths = np.full(B, max_new, dtype=np.int64)
    finished = np.zeros(B, dtype=np.bool_)
    # per slot (cache row) state; finished rows are dropped by swap-remove, so slots [0, b) are live
    row_of = np.arange(B)
    pad_of = pads.copy()
    src_of = src.copy()
    tok = np.zeros(B, dtype=np.int64)
    u_of = np.zeros(B, dtype=np.float32)
    logits = logits0.copy()
    x = np.empty((B, d), dtype=np.float32)
    hn = np.empty((B, d), dtype=np.float32)
    qkv = np.empty((B, a3), dtype=np.float32)
    q = np.empty((B, a), dtype=np.float32)
    y = np.empty((B, a), dtype=np.float32)
    tmp = np.empty((B, d), dtype=np.float32)
    n_flat = max(B * hid, B * H * t_max, B * V)
    flat_in = np.empty(n_flat, dtype=np.float32)      # exp arguments (scores, gates, logits)
    flat_out = np.empty(n_flat, dtype=np.float32)     # exp results
    bits = np.empty(n_flat, dtype=np.int32)
    scale = bits.view(np.float32)                   # the same bytes, read as float32 (see _exp_into)
    gate = np.empty(B * hid, dtype=np.float32)
    up = np.empty(B * hid, dtype=np.float32)
    act = np.empty(B * hid, dtype=np.float32)
    gate2, up2, act2 = gate.reshape((B, hid)), up.reshape((B, hid)), act.reshape((B, hid))
    sorted_buf = np.empty(V, dtype=np.float32)
    # the decode caches, transposed to (L, B, H, D, T_max): one query's scores and weighted values
    # are then unit-stride loops over key columns (2-3x faster here than over the head dimension)
    b = B
    record_on = record.shape[0] > 0
    for step in range(max_new):
        # ---- sample one token per live slot; drop the rows that stop
        for i in range(b):
            if record_on:
                for j in range(V):
                    record[step, row_of[i], j] = logits[i, j]
            if not greedy:
                u_of[i] = uniform[step, row_of[i]]
        _sample_rows(logits, b, flat_out, flat_in, bits, scale, u_of, greedy, top_k, sorted_buf, tok)
        t = t_prompt + step                         # cache column of the token fed back now
        i = 0
        while i < b:
            r = row_of[i]
            tokens[r, step] = tok[i]
            stop = False
            for s in range(stops.shape[0]):
                stop = stop or tok[i] == stops[s]
            if not stop:
                i += 1
                continue
            lengths[r] = step + 1
            finished[r] = True
            b -= 1                                  # swap-remove: the last slot moves into the hole
            if i < b and step < max_new - 1:
                row_of[i], pad_of[i], src_of[i], tok[i] = row_of[b], pad_of[b], src_of[b], tok[b]
                for layer in range(L):
                    for hh in range(H):
                        for c in range(t_prompt, t):
                            for e in range(D):
                                kc[layer, i, hh, c, e] = kc[layer, b, hh, c, e]
                                vc[layer, i, hh, c, e] = vc[layer, b, hh, c, e]
            elif i < b:
                row_of[i], tok[i] = row_of[b], tok[b]
        if b == 0 or step == max_new - 1:
            break                                   # the last sampled token is never fed back
        # ---- one decode step over slots [0, b)
        for i in range(b):
            for j in range(d):
                x[i, j] = embed[tok[i], j]
        n = t + 1                                   # key columns 0..t (masked before each row's pad)
        for layer in range(L):
            _rms_into(x, hn, b, eps)
            np.dot(hn[:b], wqkv[layer], qkv[:b])                          # (b, 3a)
            for i in range(b):                      # rotary at column t; write k, v to the cache
                for hh in range(H):
                    q0, k0, v0 = hh * D, a + hh * D, 2 * a + hh * D
                    for e in range(half):
                        c_, s_ = cos[t, e], sin[t, e]
                        q1, q2 = qkv[i, q0 + e], qkv[i, q0 + half + e]
                        q[i, q0 + e] = q1 * c_ - q2 * s_
                        q[i, q0 + half + e] = q2 * c_ + q1 * s_
                        k1, k2 = qkv[i, k0 + e], qkv[i, k0 + half + e]
                        kc[layer, i, hh, t, e] = k1 * c_ - k2 * s_
                        kc[layer, i, hh, t, half + e] = k2 * c_ + k1 * s_
                    for e in range(D):
                        vc[layer, i, hh, t, e] = qkv[i, v0 + e]
            for i in range(b):                      # scores minus their row max (pre-scaled queries)
                p0, sr = pad_of[i], src_of[i]
                for hh in range(H):
                    base = (i * H + hh) * n
                    m = np.float32(-3.0e38)
                    for c in range(p0, t_prompt):           # the prompt's columns (shared cache row)
                        sc = np.float32(0.0)
                        for e in range(D):
                            sc += q[i, hh * D + e] * kc[layer, sr, hh, c, e]
                        flat_in[base + c] = sc
                        m = max(m, sc)
                    for c in range(t_prompt, n):            # the row's own decode columns
                        sc = np.float32(0.0)
                        for e in range(D):
                            sc += q[i, hh * D + e] * kc[layer, i, hh, c, e]
                        flat_in[base + c] = sc
                        m = max(m, sc)
                    for c in range(p0):
                        flat_in[base + c] = np.float32(-1.0e30)          # left padding: weight 0
                    for c in range(p0, n):
                        flat_in[base + c] -= m
            _exp_into(flat_in, flat_out, bits, scale, b * H * n, np.float32(1.0))
            for i in range(b):                      # softmax-weighted values
                p0, sr = pad_of[i], src_of[i]
                for hh in range(H):
                    base = (i * H + hh) * n
                    tot = np.float32(0.0)
                    for e in range(D):
                        y[i, hh * D + e] = 0.0
                    for c in range(p0, n):
                        p = flat_out[base + c]
                        tot += p
                        r_ = sr if c < t_prompt else i
                        for e in range(D):
                            y[i, hh * D + e] += p * vc[layer, r_, hh, c, e]
                    inv = np.float32(1.0) / tot
                    for e in range(D):
                        y[i, hh * D + e] *= inv
            np.dot(y[:b], wo[layer], tmp[:b])
            for i in range(b):
                for j in range(d):
                    x[i, j] += tmp[i, j]
            _rms_into(x, hn, b, eps)
            np.dot(hn[:b], wg[layer], gate2[:b])                          # (b, h)
            np.dot(hn[:b], wu[layer], up2[:b])
            _exp_into(gate, flat_out, bits, scale, b * hid, np.float32(-1.0))
            for k in range(b * hid):                                     # SwiGLU: silu(gate) * up
                act[k] = gate[k] / (np.float32(1.0) + flat_out[k]) * up[k]
            np.dot(act2[:b], wdown[layer], tmp[:b])
            for i in range(b):
                for j in range(d):
                    x[i, j] += tmp[i, j]
        _rms_into(x, hn, b, eps)
        np.dot(hn[:b], lm, logits[:b])                                    # (b, V), tempered
    return tokens, lengths, finished
