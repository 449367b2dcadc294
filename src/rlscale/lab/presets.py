"""The lab's presets: named sets of config overrides on the defaults of :mod:`rlscale.lab.config`.

``rlscale lab run --preset NAME``; a config file may name one with ``preset = "NAME"`` and override
any of its values. Measured wall times and results of each: docs/lab.md (``quick``, ``default``)
and docs/lab-thinking-task.md (``thinking``, ``thinking-quick``).
"""

from __future__ import annotations

from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    # finishes in well under a minute on 2 CPU cores: a smoke test of the whole pipeline
    "quick": {
        "task": {"difficulty": 2},
        "model": {"depth": 1},
        "pretrain": {"flop_budget": 2e11, "batch_size": 32, "warmup_steps": 5,
                     "checkpoint_every": 20},
        "rl": {"steps": 8, "prompts_per_step": 8, "num_generations": 8, "num_checkpoints": 3},
        "eval": {"num_problems": 16, "samples_per_problem": 64, "thinking_budgets": 3,
                 "think_samples": 4},
    },
    "default": {},
    # issue 15's mechanism on the chain task (docs/lab-thinking-task.md): thinking-budget curves
    # over ~2 orders of magnitude of FLOPs, a base that errs on 1 % of its pre-training chains'
    # steps, RL on long chains, the pre-training axis (8 models, in a second process); <= 60 min
    "thinking": {
        "task": {"name": "chain", "difficulty": 4, "pretrain_error_rate": 0.01},
        "model": {"depth": 1},
        "pretrain": {"flop_budget": 6e12, "batch_size": 8, "micro_batch_tokens": 8192,
                     "warmup_steps": 20, "checkpoint_every": 500, "axis_budgets": 8,
                     "axis_span_oom": 1.5, "axis_workers": 1},
        "rl": {"steps": 256, "prompts_per_step": 8, "num_generations": 8, "num_checkpoints": 6},
        "eval": {"num_problems": 128, "samples_per_problem": 64,
                 "strategies": ["pass@k", "maj@k", "best-of-k", "think"], "main_strategy": "think",
                 "thinking_budgets": 6, "think_samples": 8},
    },
    # the same pipeline at d = 2 (chains of up to 16 steps), for the tests: <= 90 s
    "thinking-quick": {
        "task": {"name": "chain", "difficulty": 2, "pretrain_error_rate": 0.01},
        "model": {"depth": 1},
        "pretrain": {"flop_budget": 2e11, "batch_size": 32, "warmup_steps": 5,
                     "checkpoint_every": 20, "axis_budgets": 5, "axis_span_oom": 1.0,
                     "axis_workers": 1},
        "rl": {"steps": 8, "prompts_per_step": 8, "num_generations": 8, "num_checkpoints": 3},
        "eval": {"num_problems": 16, "samples_per_problem": 64,
                 "strategies": ["pass@k", "maj@k", "think"], "main_strategy": "think",
                 "thinking_budgets": 6, "think_samples": 4},
    },
}

HELP = " | ".join(PRESETS)
"""The preset names as the CLI's ``--preset`` help shows them."""
