"""Information efficiency: bits of learning signal per FLOP, next-token prediction vs RL.

The essay: RL "receives less than a ten-thousandth as much information to learn from per FLOP"
as next-token prediction. Stated model (every input is a named assumption in defaults.toml):

- next-token prediction: each trained token carries ``b`` bits of signal and costs ``6 N`` FLOP
  (forward + backward, Kaplan et al. 2020) -> ``b / (6 N)`` bits per FLOP;
- RL: an episode of ``T`` generated tokens ends in one scalar reward carrying at most ``H`` bits
  (1 bit for pass/fail at a 50% success rate, :func:`binary_entropy`); it costs ``2 N T`` FLOP to
  sample and ``6 N T`` to train on -> ``H / (8 N T)`` bits per FLOP.

The ratio RL / next-token is ``(6 H) / (8 b T)``; ``N`` cancels. It ignores value functions,
dense rewards and the fact that a scalar reward's bits are about a whole trajectory.
"""

from __future__ import annotations

import math

from rlscale.errors import RlscaleError

TRAIN_FLOPS_PER_PARAM_TOKEN = 6.0   # Kaplan et al. 2020, arXiv:2001.08361
SAMPLE_FLOPS_PER_PARAM_TOKEN = 2.0  # Kaplan et al. 2020, arXiv:2001.08361


def binary_entropy(p: float) -> float:
    """Entropy in bits of a pass/fail reward with success rate ``p``.

    >>> binary_entropy(0.5)
    1.0
    """
    if not 0 <= p <= 1:
        raise RlscaleError(f"success rate must be in [0, 1], got {p!r}")
    if p in (0.0, 1.0):
        return 0.0
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def bits_per_flop_next_token(bits_per_token: float, active_params: float) -> float:
    """Bits of signal per FLOP of next-token-prediction training: ``b / (6 N)``."""
    return bits_per_token / (TRAIN_FLOPS_PER_PARAM_TOKEN * active_params)


def bits_per_flop_rl(reward_bits: float, episode_tokens: float, active_params: float) -> float:
    """Bits of signal per FLOP of RL: ``H / ((2 + 6) N T)`` (sample, then train on, T tokens)."""
    per_token = SAMPLE_FLOPS_PER_PARAM_TOKEN + TRAIN_FLOPS_PER_PARAM_TOKEN
    return reward_bits / (per_token * active_params * episode_tokens)


def information_ratio(*, reward_bits: float, episode_tokens: float, bits_per_token: float) -> float:
    """RL bits-per-FLOP divided by next-token bits-per-FLOP: ``6 H / (8 b T)``.

    >>> information_ratio(reward_bits=1, episode_tokens=10_000, bits_per_token=1)
    7.5e-05
    """
    for name, v in (("reward_bits", reward_bits), ("episode_tokens", episode_tokens),
                    ("bits_per_token", bits_per_token)):
        if not (math.isfinite(v) and v > 0):
            raise RlscaleError(f"{name} must be a finite number > 0, got {v!r}")
    n = 1.0  # cancels
    return bits_per_flop_rl(reward_bits, episode_tokens, n) / bits_per_flop_next_token(bits_per_token, n)


def episode_tokens_for_ratio(threshold: float, *, reward_bits: float, bits_per_token: float) -> float:
    """Episode length ``T`` at which the ratio equals ``threshold`` (longer episodes fall below it).

    >>> episode_tokens_for_ratio(1e-4, reward_bits=1, bits_per_token=1)
    7500.0
    """
    per_token = SAMPLE_FLOPS_PER_PARAM_TOKEN + TRAIN_FLOPS_PER_PARAM_TOKEN
    return TRAIN_FLOPS_PER_PARAM_TOKEN * reward_bits / (per_token * bits_per_token * threshold)


INFORMATION_KEYS = ("information.episode_tokens", "information.bits_per_token",
                    "information.reward_bits")


def information_from(assumptions) -> dict:
    """The information-per-FLOP comparison at resolved assumptions, naming the ones used."""
    H, T, b = (assumptions.value(f"information.{k}")
               for k in ("reward_bits", "episode_tokens", "bits_per_token"))
    ratio = information_ratio(reward_bits=H, episode_tokens=T, bits_per_token=b)
    return {"ratio": ratio, "one_in": 1 / ratio, "below_one_ten_thousandth": ratio < 1e-4,
            "episode_tokens_for_one_ten_thousandth": episode_tokens_for_ratio(
                1e-4, reward_bits=H, bits_per_token=b),
            "next_token_bits_per_param_flop": b / 6.0, "rl_bits_per_param_flop": H / (8.0 * T),
            "formula": "ratio = (H / (8 N T)) / (b / (6 N)) = 6 H / (8 b T)",
            "assumptions": [assumptions[k].to_dict() for k in INFORMATION_KEYS]}
