"""The lab's run-directory format: file names and curve ids, in one torch-free place.

The lab writes run directories with these names; :mod:`rlscale.data` (reading a run as
observations), the analysis, the report and the CLI read them with the same names. Nothing here
imports torch, so every reader stays light.

A run directory::

    RUN_DIR/
      rlscale-run.json      MANIFEST: status, config, versions, curves, main inference curve
      config.json           CONFIG: the resolved config
      ledger.json           LEDGER: FLOPs by component
      log.jsonl             LOG: one JSON record per pre-training / RL step
      pretrain-axis-log.jsonl    AXIS_LOG: the axis models' records while a second process
                            trains them (``pretrain.axis_workers``), moved into LOG after RL
      checkpoints/          CHECKPOINTS: BASE_CHECKPOINT, PRETRAIN_STATE, rl_checkpoint(step),
                            pretrain_axis_checkpoint(i) and pretrain_axis_state(i)
      evals/step<NNNNNN>.json    EVALS: cached evaluation of one checkpoint (eval_file(step),
                            with its THINK_LENGTH record);
                            pretrain_axis_eval(i): of pre-training axis model i
      observations.csv      OBSERVATIONS: the observation table of the run
      .rlscale.lock         LOCK: held (fcntl.flock) by the one process writing the run

Curve ids: ``lab-rl`` (score vs cumulative RL FLOPs) and ``lab-inf-<strategy>-step<N>`` (score vs
inference FLOPs per problem of the checkpoint after N RL steps; step 0 is the base model).
:func:`order_curves` is the order every listing of a run uses, :func:`default_pair` the pair its
headline compares (``lab show``, ``report RUN_DIR``, ``compare RUN_DIR``).
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

MANIFEST = "rlscale-run.json"
CONFIG = "config.json"
LEDGER = "ledger.json"
LOG = "log.jsonl"
AXIS_LOG = "pretrain-axis-log.jsonl"
CHECKPOINTS = "checkpoints"
EVALS = "evals"
OBSERVATIONS = "observations.csv"
LOCK = ".rlscale.lock"
BASE_CHECKPOINT = "base.pt"              # the pre-trained model (inside CHECKPOINTS)
PRETRAIN_STATE = "pretrain-state.pt"     # resumable pre-training state, removed when it ends
#: The TRL engine: the ledger after a checkpoint's step, inside TRL's ``checkpoint-N/`` folder.
TRL_CHECKPOINT_LEDGER = "rlscale-ledger.json"
#: A Hugging Face model directory's config (Hugging Face's file name, not one of rlscale's).
HF_MODEL_CONFIG = "config.json"

RUN_FORMAT = "rlscale-lab-run/1"

RL_CURVE = "lab-rl"
#: Score at ``eval.rl_budget`` vs pre-training FLOPs of base models trained from scratch at
#: log-spaced budgets (``pretrain.axis_budgets``; the run's own base model is its largest point).
PRETRAIN_CURVE = "lab-pretrain"
#: The ``phase`` of a pre-training axis model's records in :data:`LOG` (``axis_model``: its index).
PRETRAIN_AXIS_PHASE = "pretrain-axis"
_INFERENCE_PREFIX = "lab-inf-"
_INFERENCE_RE = re.compile(r"^lab-inf-(?P<strategy>.+)-step(?P<step>\d+)$")


class InferenceCurve(NamedTuple):
    """A parsed lab inference curve id."""

    strategy: str
    step: int


def inference_curve(strategy: str, step: int) -> str:
    """The id of the inference curve of *strategy* at the checkpoint after *step* RL steps."""
    return f"{_INFERENCE_PREFIX}{strategy}-step{int(step)}"


def parse_inference_curve(curve: str) -> InferenceCurve | None:
    """``("pass", 64)`` for ``"lab-inf-pass-step64"``; None for any other id."""
    m = _INFERENCE_RE.match(str(curve))
    return InferenceCurve(m["strategy"], int(m["step"])) if m else None


#: The thinking-budget strategy (``lab.inference.STRATEGIES`` spells it the same; a test checks).
THINK_STRATEGY = "think"


def order_curves(curves) -> list[str]:
    """*curves* in the order people read a run: :data:`RL_CURVE` first, then the lab inference
    curves grouped by strategy (strategy names in sorted order, so any listing of the same run
    agrees whatever order its file holds), each strategy's checkpoints in numeric step order
    (step2 before step10); any other id after, as given."""
    curves = list(dict.fromkeys(curves))
    parsed = {c: parse_inference_curve(c) for c in curves}
    lab = sorted((c for c in curves if parsed[c]), key=lambda c: tuple(parsed[c]))
    rl = [c for c in curves if c == RL_CURVE]
    return rl + lab + [c for c in curves if c != RL_CURVE and not parsed[c]]


def default_pair(curves, main_inference_curve: str | None = None) -> tuple[str, str] | None:
    """The pair a lab run's headline compares, the one the essay makes: (:data:`RL_CURVE`, the
    thinking-budget curve of the final checkpoint) where the run has that curve, otherwise the
    manifest's *main_inference_curve* (``eval.main_strategy`` at the final checkpoint) when it is
    among *curves*; None without the RL curve or either inference curve.

    The final checkpoint is the highest step of any lab inference curve in *curves*.
    """
    curves = list(curves)
    steps = [p.step for p in map(parse_inference_curve, curves) if p]
    if RL_CURVE not in curves or not steps:
        return None
    think = inference_curve(THINK_STRATEGY, max(steps))
    if think in curves:
        return RL_CURVE, think
    if main_inference_curve and main_inference_curve in curves:
        return RL_CURVE, main_inference_curve
    return None


def _score(doc: Any) -> float | None:
    x = doc.get("score") if isinstance(doc, dict) else None
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        return None
    return float(x)


def run_headline(manifest: Any, curves) -> dict[str, Any]:
    """What a lab run's headline needs from its *manifest* (a parsed :data:`MANIFEST`) and its
    observed *curves*: ``{"pair": default_pair(...) or None, "scores": ... or None}``.

    ``scores``: ``{"base", "final", "final_step", "budget"}``, the RL curve's metric
    (``eval.rl_budget``, e.g. ``pass@1``) of the base model and of the final checkpoint as the
    runner stores them (``base_score``, ``final_score``); None when the manifest has not both.
    """
    doc = manifest if isinstance(manifest, dict) else {}
    main = doc.get("main_inference_curve")
    pair = default_pair(curves, main if isinstance(main, str) else None)
    base, final = _score(doc.get("base_score")), _score(doc.get("final_score"))
    if base is None or final is None:
        return {"pair": pair, "scores": None}
    ev = doc.get("config", {}).get("eval") if isinstance(doc.get("config"), dict) else None
    budget = ev.get("rl_budget") if isinstance(ev, dict) else None
    step = doc["final_score"].get("step")
    return {"pair": pair, "scores": {
        "base": base, "final": final,
        "final_step": step if isinstance(step, int) and not isinstance(step, bool) else None,
        "budget": budget if isinstance(budget, str) else None}}


#: The key, in a cached evaluation (:func:`eval_file`) with ``think`` and ``think_forcing = "cut"``,
#: of the typical-chain-length record: thinking tokens spent per sample at the largest budget
#: (``{"budget", "samples", "histogram": [[tokens, count], ...], "level", "median": E}``, see
#: :mod:`rlscale.convert.decomposition`). An evaluation cached by older code has none.
THINK_LENGTH = "think_length"


def eval_file(step: int) -> str:
    """File name (inside :data:`EVALS`) of the cached evaluation after *step* RL steps."""
    return f"step{int(step):06d}.json"


def rl_checkpoint(step: int, budget: int | None = None) -> str:
    """File name (inside :data:`CHECKPOINTS`) of the RL checkpoint after *step* steps; with
    *budget*, of the run of that budget (``rl.runs = "per_budget"``)."""
    tag = f"rl-step{int(step):06d}" if budget is None else f"rl-budget{int(budget):06d}"
    return f"{tag}.pt"


def pretrain_axis_checkpoint(index: int) -> str:
    """File name (inside :data:`CHECKPOINTS`) of pre-training axis model *index* (1 = the largest
    budget below ``pretrain.flop_budget``), written when its pre-training ends."""
    return f"pretrain-axis{int(index):02d}.pt"


def pretrain_axis_state(index: int) -> str:
    """File name (inside :data:`CHECKPOINTS`) of the resumable state of pre-training axis model
    *index* (the :data:`PRETRAIN_STATE` of that model), removed when its pre-training ends."""
    return f"pretrain-axis{int(index):02d}-state.pt"


def pretrain_axis_eval(index: int) -> str:
    """File name (inside :data:`EVALS`) of the cached evaluation of pre-training axis model
    *index*."""
    return f"pretrain-axis{int(index):02d}.json"


# --- lab sweeps (``rlscale lab sweep``): a directory of run directories plus one aggregate ----------
#: A sweep directory::
#:
#:     SWEEP_DIR/
#:       rlscale-sweep.json         SWEEP_MANIFEST: status, the resolved sweep, trials, timings
#:       trials/<trial>/            SWEEP_TRIALS: one normal lab run directory per trial
#:       ray/                       SWEEP_RAY: Ray Tune's own experiment records
#:       failures/<trial>.txt       SWEEP_FAILURES: the traceback of a trial that failed
#:       observations.csv           OBSERVATIONS: one curve per configuration, mean over seeds
#:       observations-by-seed.csv   SWEEP_BY_SEED: every trial's curves, one per seed
#:       .rlscale.lock              LOCK: held while a sweep runs in the directory
SWEEP_MANIFEST = "rlscale-sweep.json"
SWEEP_FORMAT = "rlscale-lab-sweep/1"
SWEEP_TRIALS = "trials"
SWEEP_RAY = "ray"
SWEEP_FAILURES = "failures"
SWEEP_BY_SEED = "observations-by-seed.csv"


def sweep_curve(configuration: str, curve: str, seed: int | None = None) -> str:
    """The id of a run's *curve* in a sweep's table: ``<configuration>/<curve>`` for the mean over
    seeds, ``<configuration>/seed<N>/<curve>`` for one seed's run."""
    return f"{configuration}/{curve}" if seed is None else f"{configuration}/seed{int(seed)}/{curve}"
