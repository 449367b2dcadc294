"""RL engines of the lab: ``native`` (the lab's own GRPO, :mod:`rlscale.lab.rl`) and ``trl``
(TRL's ``GRPOTrainer`` on a Hugging Face model, :mod:`rlscale.lab.engines.trl_engine`).

The config key ``engine`` chooses one; :func:`check_config` holds the rules a config must meet for
an engine (checked when the config is validated, before any work starts) and :func:`rl_phase` runs
the RL phase of a run for a non-native engine (the runner's one dispatch point). An engine writes
the same run directory as the native one: the evaluations of step 0 and of every checkpoint step in
``evals/``, the step log, and returns the FLOP ledger; the runner writes the observations.

Importing this package loads nothing heavy; TRL and transformers are imported when an engine runs,
and a missing one is one line naming the ``trl`` extra.
"""

from __future__ import annotations

from rlscale.errors import MissingExtraError, RlscaleError

ENGINES = ("native", "trl")
TRL_EXTRA = "trl"


def require_trl() -> None:
    """Raise :class:`MissingExtraError` (one line naming the ``trl`` extra) when TRL is missing."""
    for module in ("trl", "transformers", "datasets"):
        try:
            __import__(module)
        except ImportError:
            raise MissingExtraError(module, TRL_EXTRA) from None


def check_config(cfg) -> None:
    """The rules of the chosen engine; a :class:`RlscaleError` naming the key otherwise."""
    if cfg.model.hf_path and cfg.engine != "trl":
        raise RlscaleError("config key 'model.hf_path' needs engine = \"trl\" (the native engine "
                           "trains only the lab's own policy)")
    if cfg.engine == "trl":
        from rlscale.lab.engines.options import check_trl_options

        check_trl_options(cfg)


def rl_phase(ctx) -> dict:
    """Run the RL phase of *ctx*'s run with ``ctx.cfg.engine``; returns the FLOP ledger dict."""
    if ctx.cfg.engine == "trl":
        require_trl()
        from rlscale.lab.engines.trl_engine import run_trl

        return run_trl(ctx)
    raise RlscaleError(f"config key 'engine': {ctx.cfg.engine!r} is not one of {list(ENGINES)}")
