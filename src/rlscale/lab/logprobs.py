"""The lab's one log-probability function, used by pre-training, RL, the tests and the FLOP formulas.

:func:`pack` right-pads prompt + completion rows into one ``(B, T)`` tensor with a completion
mask; :func:`token_logprobs` runs one causal forward over ``ids[:, :-1]`` and returns
``log p(ids[:, t] | ids[:, :t])``. Pre-training's loss is its mean over the completion mask; the
GRPO losses of :mod:`rlscale.lab.rl` (policy, old policy, reference) use it on the same packed
rows. Padding sits after every real token, so a causal model needs no attention mask and the
real positions' log-probs do not depend on it.

FLOPs: :func:`rlscale.lab.flops.logprob_flops` counts the forward over the real, unpadded inputs
(``T_p + n - 1`` tokens per row); :func:`rlscale.lab.flops.train_step_flops` the forward + backward.
The padded positions the batched forward also computes are not counted (the flops module's
convention, as for the sampler).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pack(tok, prompts: list[list[int]], completions: list[list[int]]
         ) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ``(ids, completion_mask)`` of shape (B, T) for prompt+completion rows.

    *tok* supplies ``pad_id`` (a :class:`rlscale.lab.tokenizer.CharTokenizer`).
    ``completion_mask[b, t]`` is True where token ``t`` of row ``b`` is a completion token (the
    positions whose log-probabilities the losses use; position 0 is never one: rows start with bos).
    """
    T = max(len(p) + len(c) for p, c in zip(prompts, completions))
    ids = torch.full((len(prompts), T), tok.pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), T), dtype=torch.bool)
    for b, (p, c) in enumerate(zip(prompts, completions)):
        ids[b, :len(p) + len(c)] = torch.tensor(p + c, dtype=torch.long)
        mask[b, len(p):len(p) + len(c)] = True
    return ids, mask


def token_logprobs(model, ids: torch.Tensor) -> torch.Tensor:
    """log p(ids[:, t] | ids[:, :t]) for t >= 1, shape (B, T-1) aligned with ``ids[:, 1:]``.

    Gradients flow when called with grad enabled. Select completion tokens with
    ``pack(...)[1][:, 1:]``.
    """
    logits = model(ids[:, :-1])                                       # (B, T-1, V)
    return -F.cross_entropy(logits.transpose(1, 2), ids[:, 1:], reduction="none")  # (B, T-1)
