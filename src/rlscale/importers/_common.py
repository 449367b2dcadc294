"""What every RL-log importer shares: the scalar log, metric choice, checks and the rows.

A reader (trl, tensorboard, wandb, verl) turns its file into a :class:`ScalarLog` (metric name ->
points ``(step, value)`` in file order). :func:`build_rl_rows` then checks the steps, picks the
metric, turns the log's token counts into cumulative RL compute and writes one observation row
per logged step, with the conversion in ``note``. Nothing here imports a heavy library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rlscale.errors import RlscaleError
from rlscale.importers.flops import ComputeModel, step_passes

# Eval metrics that are bookkeeping, never a score.
_EVAL_BOOKKEEPING = ("loss", "runtime", "samples_per_second", "steps_per_second", "num_tokens",
                     "epoch", "step_time", "entropy", "grad_norm")
_EVAL_PREFIXES = ("eval_", "eval/", "val-core/", "val/", "val-aux/")
_TRAIN_REWARDS = ("reward", "train/reward", "critic/score/mean")
_LIST_MAX = 25


@dataclass
class ScalarLog:
    """Scalars of one run: ``metrics[name] = [(step, value), ...]`` in the order logged."""

    source: str
    kind: str
    run: str
    metrics: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    model: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, step: Any, value: Any) -> None:
        """Record a point; values that are not finite numbers (text, NaN, None) are skipped."""
        s, v = number(step), number(value)
        if s is None or v is None:
            return
        self.metrics.setdefault(str(name), []).append((s, v))


@dataclass
class Options:
    """What the user asked for (the ``rlscale import`` flags)."""

    metric: str | None = None
    curve: str | None = None
    axis: str | None = None
    compute: ComputeModel = field(default_factory=ComputeModel)
    completions_per_step: int | None = None


@dataclass
class Imported:
    """An import's observation table, its warnings and the metrics the file holds."""

    frame: Any
    warnings: list[str]
    metrics: list[str]


def number(value: Any) -> float | None:
    """A finite float, or None (booleans, text, NaN and infinities are not numbers here)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def show_list(names: list[str]) -> str:
    shown = ", ".join(names[:_LIST_MAX])
    more = len(names) - _LIST_MAX
    return shown + (f", ... ({more} more; --list-metrics shows all)" if more > 0 else "")


def check_steps(log: ScalarLog, names: list[str]) -> None:
    """The steps of each of ``names`` must increase strictly in the order logged.

    Only the metrics an import uses are checked: bookkeeping such as ``epoch``, which a trainer
    logs with its train and its eval entries of one step, may repeat a step.
    """
    for name in names:
        points = log.metrics.get(name, [])
        for (s0, _), (s1, _) in zip(points, points[1:]):
            if s1 <= s0:
                raise RlscaleError(f"non-monotonic steps: metric '{name}' has step {s1:g} after "
                                   f"step {s0:g} (two runs in one log? import each run alone)",
                                   file=log.source)


def find(log: ScalarLog, *names: str) -> str | None:
    """The first of ``names`` the log holds (each also tried with a ``train/`` prefix)."""
    for name in names:
        for candidate in (name, f"train/{name}"):
            if candidate in log.metrics:
                return candidate
    return None


def _is_eval_score(name: str) -> bool:
    if not name.startswith(_EVAL_PREFIXES):
        return False
    tail = name.split("/", 1)[-1] if "/" in name else name[len("eval_"):]
    return not any(tail == b or tail.endswith(b) for b in _EVAL_BOOKKEEPING) and \
        "_std" not in tail and "/std" not in tail and "length" not in tail and "clip" not in tail


def choose_metric(log: ScalarLog, requested: str | None) -> tuple[str, bool]:
    """(metric name, is a training reward). The rule: the asked-for metric; else one eval
    metric (``eval_reward`` when there are several); else the training reward."""
    names = sorted(log.metrics)
    if requested is not None:
        if requested not in log.metrics:
            raise RlscaleError(f"no metric '{requested}' (metrics there: {show_list(names)})",
                               file=log.source)
        training = requested in _TRAIN_REWARDS or (requested.endswith("/reward")
                                                     and not _is_eval_score(requested))
        return requested, training
    evals = [n for n in names if _is_eval_score(n)]
    preferred = [n for n in evals if n in ("eval_reward", "eval/reward")]
    if preferred:
        return preferred[0], False
    core = [n for n in evals if n.startswith("val-core/")]  # verl: the headline validation
    evals = core or evals
    if len(evals) == 1:
        return evals[0], False
    if evals:
        raise RlscaleError(f"several eval metrics ({show_list(evals)}): pick one with --metric",
                           file=log.source)
    train = find(log, "reward", "critic/score/mean")
    if train is None:
        raise RlscaleError("no eval metric and no training reward: pick a metric with --metric "
                           f"(metrics there: {show_list(names)})", file=log.source)
    return train, True


@dataclass
class TokenLog:
    """Cumulative tokens at logged steps and what one step's forward passes are."""

    steps: list[float]
    cumulative: list[float]          # tokens processed up to and including each step
    seq_len: list[float]             # mean tokens per sequence in the window ending there
    passes: float
    passes_text: str
    key: str


def _trl_tokens(log: ScalarLog, per_step: int | None) -> TokenLog | None:
    key = find(log, "num_tokens")
    if key is None:
        return None
    ref = find(log, "kl") is not None
    passes, text = step_passes(reference=ref)
    steps = [s for s, _ in log.metrics[key]]
    cumulative = [v for _, v in log.metrics[key]]
    seq_len: list[float] = []
    prev_s, prev_t = 0.0, 0.0
    for s, t in zip(steps, cumulative):
        if per_step:
            seq_len.append((t - prev_t) / (per_step * (s - prev_s)))
        else:
            seq_len.append(math.nan)
        prev_s, prev_t = s, t
    return TokenLog(steps, cumulative, seq_len, passes, text, key)


def _verl_tokens(log: ScalarLog) -> TokenLog | None:
    key = find(log, "perf/total_num_tokens")
    if key is None:
        return None
    timing = {n for n in log.metrics if n.startswith("timing_s/")}
    passes, text = step_passes(
        reference="timing_s/ref" in timing or find(log, "actor/kl_loss") is not None,
        old_logprobs="timing_s/old_log_prob" in timing or not timing,
        critic="timing_s/update_critic" in timing or find(log, "critic/vf_loss") is not None)
    prompt = dict(log.metrics.get(find(log, "prompt_length/mean") or "", []))
    response = dict(log.metrics.get(find(log, "response_length/mean") or "", []))
    steps, cumulative, seq_len, total, prev = [], [], [], 0.0, 0.0
    for s, tokens in log.metrics[key]:
        total += tokens * (s - prev)  # a step not logged is taken as like the next logged one
        prev = s
        steps.append(s)
        cumulative.append(total)
        seq_len.append(prompt.get(s, math.nan) + response.get(s, math.nan))
    return TokenLog(steps, cumulative, seq_len, passes, text, key)


def token_log(log: ScalarLog, per_step: int | None) -> TokenLog | None:
    """The log's token counts (TRL ``num_tokens`` or verl ``perf/total_num_tokens``), if any."""
    return _trl_tokens(log, per_step) or _verl_tokens(log)


def _compute_curve(tokens: TokenLog | None, log: ScalarLog, cm: ComputeModel
                   ) -> tuple[list[float], list[float], str, str]:
    """(steps, cumulative compute, compute_unit, how) -- compute 0 at step 0."""
    if tokens is None:
        steps = sorted({s for pts in log.metrics.values() for s, _ in pts})
        return steps, steps, "steps", "compute = the step number (the log has no token counts)"
    if cm.unit == "tokens":
        how = f"compute = tokens processed to this step ({tokens.key})"
        return tokens.steps, tokens.cumulative, "tokens", how
    total, out, prev = 0.0, [], 0.0
    for s, cum, t in zip(tokens.steps, tokens.cumulative, tokens.seq_len):
        if cm.shape is not None and not t > 0:
            raise RlscaleError(f"the log does not say how long the sequences of step {s:g} were "
                               "(needed for the attention FLOPs): give --completions-per-step N "
                               "(completions sampled per optimizer step)", file=log.source)
        total += tokens.passes * cm.forward(cum - prev, t)
        prev = cum
        out.append(total)
    how = (f"compute = RL FLOPs to this step: ({tokens.passes_text}) forward passes over the "
           f"tokens of {tokens.key}; {cm.formula()}")
    if cm.shape is not None:
        how += f"; {cm.shape.describe()}"
    return tokens.steps, out, "flop", how


def _at(step: float, steps: list[float], values: list[float]) -> float | None:
    """Cumulative compute at ``step``: linear between logged steps, 0 at step 0; None beyond."""
    import bisect

    if step <= 0 or not steps or step > steps[-1]:
        return None
    i = bisect.bisect_left(steps, step)
    if steps[i] == step:
        return values[i]
    s0, v0 = (steps[i - 1], values[i - 1]) if i > 0 else (0.0, 0.0)
    return v0 + (values[i] - v0) * (step - s0) / (steps[i] - s0)


def curve_id(kind: str, run: str) -> str:
    import re

    return f"{kind}-" + (re.sub(r"[^A-Za-z0-9._-]+", "-", run).strip("-") or "run")


def build_rl_rows(log: ScalarLog, opts: Options) -> Imported:
    """Check ``log``, pick its metric and write its observation rows (see the module doc)."""
    if not log.metrics:
        raise RlscaleError(f"no logged steps ({log.kind} log without any numeric metric)",
                           file=log.source)
    metric, training = choose_metric(log, opts.metric)
    check_steps(log, [metric])
    warns: list[str] = []
    if training:
        warns.append(f"'{metric}' is a training reward (scored on the prompts being trained on), "
                     "not a held-out score; log an eval metric for a held-out curve")
    tokens = token_log(log, opts.completions_per_step or log.meta.get("completions_per_step"))
    if tokens is not None:
        check_steps(log, [tokens.key])
    steps, compute, unit, how = _compute_curve(tokens, log, opts.compute)
    if unit == "steps":
        warns.append("the log has no token counts: compute is the step number "
                     "(compute_unit steps), not FLOPs")
    elif unit == "tokens":
        warns.append("no --model-config or --params: compute is in tokens (compute_unit tokens), "
                     "not FLOPs")
    rows, dropped = [], []
    for s, v in log.metrics[metric]:
        if not 0.0 <= v <= 1.0:
            raise RlscaleError(f"metric '{metric}' is not a score in [0, 1]: {v:g} at step {s:g} "
                               "(pick an accuracy or a pass rate with --metric)", file=log.source)
        c = _at(s, steps, compute)
        if c is None or not c > 0:
            dropped.append(s)
            continue
        rows.append((s, v, c))
    if dropped:
        warns.append(f"left out step(s) {', '.join(f'{s:g}' for s in dropped[:5])}"
                     f"{' ...' if len(dropped) > 5 else ''}: no RL compute known there "
                     "(step 0, or after the last token count)")
    if not rows:
        raise RlscaleError(f"no logged steps of metric '{metric}' with RL compute > 0",
                           file=log.source)
    return Imported(_frame(log, opts, metric, unit, how, rows), warns, sorted(log.metrics))


def _frame(log: ScalarLog, opts: Options, metric: str, unit: str, how: str, rows):
    import pandas as pd

    from rlscale.data import read_frame

    curve = opts.curve or curve_id(log.kind, log.run)
    frame = pd.DataFrame({
        "curve": [curve] * len(rows), "axis": [opts.axis or "rl"] * len(rows),
        "compute": [c for _, _, c in rows], "score": [v for _, v, _ in rows],
        "compute_unit": [unit] * len(rows), "n": [math.nan] * len(rows),
        "benchmark": [metric] * len(rows), "model": [log.model] * len(rows),
        "source": [log.source] * len(rows), "provenance": ["measured"] * len(rows),
        "note": [f"{log.kind} '{metric}' at step {s:g}; {how}" for s, _, _ in rows],
    })
    return read_frame(frame, source_name=log.source)
