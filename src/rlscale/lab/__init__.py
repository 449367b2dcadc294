"""The lab: pre-train a small policy, apply RL with every FLOP counted, measure both scaling curves.

Modules (import them directly; this package imports nothing heavy so ``import rlscale.lab`` stays
light and torch is only loaded by the modules that need it):

- :mod:`rlscale.lab.tokenizer` -- character-level tokenizer built offline from a task's alphabet.
- :mod:`rlscale.lab.model`     -- Llama-style decoder-only policy (``ModelConfig``, ``Policy``).
- :mod:`rlscale.lab.sampling`  -- batched KV-cache sampler (``generate``), generation only.
- :mod:`rlscale.lab.logprobs`  -- ``pack`` and ``token_logprobs``: the one log-prob function of
  pre-training and RL.
- :mod:`rlscale.lab.flops`     -- analytic FLOP formulas and the ``FlopLedger``.

The interfaces between these modules and the RL side are listed in ``README-interfaces.md``.
"""
