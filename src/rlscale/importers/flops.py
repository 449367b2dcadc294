"""RL compute from a log's token counts, with the lab's FLOP formulas.

A training log tells how many tokens each RL step processed (prompt + completion of every
sampled sequence) and how long the sequences were on average. One forward pass over a sequence
of ``T`` tokens feeds ``T - 1`` of them (the last sampled token is never fed back, as in the
lab's ledger), each costing ``2 N_matmul + 4 n_layer d_attn c`` FLOPs with ``c = T / 2`` the mean
number of keys it attends to (:func:`rlscale.lab.flops.forward_flops`: Kaplan et al. 2020 plus
PaLM's attention term). An RL step runs, over the same tokens,

- 1 forward pass for generation (sampling the completions; the prompt's prefill included),
- ``TRAIN_MULTIPLIER`` = 3 forward passes for the policy update (forward + backward, the ``6N``
  rule: Kaplan et al. 2020 section 2.1),
- 1 more forward pass for each extra log-probability pass the log shows (a KL reference model,
  verl's recomputed old log-probabilities), and the same again for a critic.

The model's shape comes from its Hugging Face ``config.json`` (:class:`ModelShape`, an adapter
that :mod:`rlscale.lab.flops` accepts) or, with ``--params N``, from its parameter count alone
(``2 N`` per token, no attention term). Without either, compute stays in tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rlscale.errors import RlscaleError

# Model families whose blocks are q/k/v/o + a gated MLP (gate, up, down): the lab's layout.
_NOT_GATED = ("gpt2", "gpt_neox", "gptj", "opt", "bloom", "falcon", "phi", "mpt", "starcoder2",
              "gpt_bigcode", "bert", "t5")
_MOE_KEYS = ("num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts")


@dataclass(frozen=True)
class ModelShape:
    """The dimensions :mod:`rlscale.lab.flops` reads, taken from a Hugging Face config.json."""

    depth: int
    n_embd: int
    n_head: int
    n_kv_head: int
    head_dim: int
    mlp_hidden: int
    vocab_size: int
    model_type: str = ""
    source: str = ""

    def describe(self) -> str:
        from rlscale.lab.flops import matmul_params

        return (f"{self.model_type or 'model'} from {self.source}: {self.depth} layers, width "
                f"{self.n_embd}, {self.n_head} heads ({self.n_kv_head} kv) of {self.head_dim}, "
                f"MLP {self.mlp_hidden}, vocab {self.vocab_size}; "
                f"N_matmul = {matmul_params(self):,}")


def _int_field(cfg: dict, names: tuple[str, ...], path: str, *, default=None) -> int:
    for name in names:
        value = cfg.get(name)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise RlscaleError(f"field '{name}' must be a positive integer, got {value!r}",
                                   file=path)
            return value
    if default is not None:
        return default
    raise RlscaleError(f"no field {' or '.join(repr(n) for n in names)}: not a decoder "
                       "config.json this importer can size (give --params N instead)", file=path)


def load_model_shape(path: str | Path) -> ModelShape:
    """Read a Hugging Face ``config.json`` (or the directory holding it) into a :class:`ModelShape`."""
    p = Path(path)
    if p.is_dir():
        p = p / "config.json"
    name = str(p)
    try:
        cfg = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RlscaleError("model config not found", file=name) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RlscaleError(f"not a readable JSON model config: {exc}", file=name) from None
    if not isinstance(cfg, dict):
        raise RlscaleError("a model config.json must hold a JSON object", file=name)
    if isinstance(cfg.get("text_config"), dict):  # multimodal wrappers keep the LM inside
        cfg = {**cfg["text_config"], "model_type": cfg["text_config"].get("model_type",
                                                                         cfg.get("model_type"))}
    model_type = str(cfg.get("model_type") or "")
    if model_type in _NOT_GATED:
        raise RlscaleError(f"model_type '{model_type}' has an ungated MLP, which the lab's FLOP "
                           "formulas do not describe; give --params N instead", file=name)
    for key in _MOE_KEYS:
        if isinstance(cfg.get(key), int) and cfg[key] > 1:
            raise RlscaleError(f"a mixture-of-experts config ('{key}' = {cfg[key]}): give the "
                               "active parameters per token with --params N instead", file=name)
    width = _int_field(cfg, ("hidden_size", "n_embd", "d_model"), name)
    heads = _int_field(cfg, ("num_attention_heads", "n_head"), name)
    head_dim = _int_field(cfg, ("head_dim",), name, default=max(width // heads, 1))
    return ModelShape(
        depth=_int_field(cfg, ("num_hidden_layers", "n_layer"), name), n_embd=width,
        n_head=heads, n_kv_head=_int_field(cfg, ("num_key_value_heads",), name, default=heads),
        head_dim=head_dim, mlp_hidden=_int_field(cfg, ("intermediate_size",), name),
        vocab_size=_int_field(cfg, ("vocab_size",), name), model_type=model_type, source=name)


@dataclass(frozen=True)
class ComputeModel:
    """How tokens become FLOPs: a model shape, a parameter count, or neither (tokens)."""

    shape: ModelShape | None = None
    params: float | None = None

    @property
    def unit(self) -> str:
        return "tokens" if self.shape is None and self.params is None else "flop"

    def forward(self, tokens: float, seq_len: float) -> float:
        """Forward FLOPs of a pass over sequences of mean length ``seq_len`` holding ``tokens``.

        As in the lab's ledger, a sequence of T tokens feeds T - 1 of them (the last sampled
        token is never fed back), the one at position p attending to p + 1 keys: per sequence
        ``(T - 1) (2 N_matmul + 4 L d_attn T / 2)``.
        """
        if self.shape is not None:
            from rlscale.lab.flops import forward_flops

            fed = tokens * (seq_len - 1) / seq_len
            return float(forward_flops(self.shape, fed, seq_len / 2))
        if self.params is not None:
            return 2.0 * self.params * tokens
        return float(tokens)

    def formula(self) -> str:
        if self.shape is not None:
            from rlscale.lab.flops import _shape, matmul_params

            la = _shape(self.shape)[2]
            return (f"forward = tokens x (T-1)/T x (2 x {matmul_params(self.shape)} + 4 x {la} x "
                    f"T/2), T = mean tokens per sequence")
        if self.params is not None:
            return f"forward = 2 x {self.params:g} x tokens (attention term left out)"
        return "tokens"


def compute_model(model_config: str | None, params: float | None) -> ComputeModel:
    """The :class:`ComputeModel` of the CLI's ``--model-config`` / ``--params`` options."""
    if model_config is not None and params is not None:
        raise RlscaleError("give --model-config or --params, not both")
    if params is not None:
        if not params > 0 or params != params or params == float("inf"):
            raise RlscaleError(f"--params must be a positive number of parameters, got {params:g}")
        return ComputeModel(params=float(params))
    if model_config is not None:
        return ComputeModel(shape=load_model_shape(model_config))
    return ComputeModel()


def step_passes(*, reference: bool = False, old_logprobs: bool = False,
                critic: bool = False) -> tuple[float, str]:
    """Forward passes per RL step over its tokens, and how they were counted."""
    from rlscale.lab.flops import TRAIN_MULTIPLIER

    parts = [("generation", 1), ("policy update", TRAIN_MULTIPLIER)]
    if reference:
        parts.append(("KL reference", 1))
    if old_logprobs:
        parts.append(("old log-probs", 1))
    if critic:
        parts.append(("critic values + update", 1 + TRAIN_MULTIPLIER))
    total = sum(n for _, n in parts)
    return total, " + ".join(f"{n} {what}" for what, n in parts)
