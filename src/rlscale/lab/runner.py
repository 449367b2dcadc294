"""The lab runner: pre-train -> RL with checkpoints at log-spaced RL FLOPs -> evaluate -> observations
(-> with ``pretrain.axis_budgets``, the smaller base models of the pre-training axis,
:mod:`rlscale.lab.pretrain_axis`).

``rlscale lab run --preset quick`` and ``rlscale lab resume RUN_DIR`` land here. The run is a pure
function of its config and seed, and a crash at any moment costs only the work since the last saved
state:

- ``torch.set_num_threads(config.threads)``: the same thread count, the same float reductions;
- every random choice comes from a generator seeded by ``(seed, phase, step)`` (problems per step,
  samples per step, evaluation per checkpoint), never from a generator's history;
- the model, optimizer, step and FLOP ledger are saved together atomically (pre-training every
  ``checkpoint_every`` steps, RL at each checkpoint step); evaluation results are cached per
  checkpoint in ``evals/``;
- the observation table is rebuilt from the cached evaluations at the end, so a resumed run writes
  the same bytes as an uninterrupted one.

Checkpoint steps are log-spaced (1, 2, 4, ... up to ``rl.steps``); with a constant learning rate
the checkpoint after s steps of the single run stands for an RL budget of s steps.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from rlscale import runformat as rf
from rlscale.errors import RlscaleError
from rlscale.lab.config import LabConfig, config_from_dict
from rlscale.lab.lock import hold
from rlscale.lab.store import RunDir, short_reason, atomic_torch_save, atomic_write_json, torch_load

OBS_NOTE_RL = "score at {budget} (unbiased) on {p} held-out test problems vs cumulative RL FLOPs"


def checkpoint_steps(steps: int, count: int) -> list[int]:
    """*count* distinct, roughly log-spaced step counts from 1 to *steps* (inclusive)."""
    if count == 1:
        return [steps]
    out: list[int] = []
    for i in range(count):
        target = round(steps ** (i / (count - 1)))
        nxt = max(target, out[-1] + 1 if out else 1)
        out.append(min(nxt, steps))
    if len(set(out)) < count:
        raise RlscaleError(f"config: rl.steps ({steps}) is too small for {count} distinct "
                           "log-spaced checkpoints")
    return out


class _Context:
    """Everything one execution of a run shares (built after the torch import)."""

    def __init__(self, run: RunDir, cfg: LabConfig, progress) -> None:
        import torch

        from rlscale.lab.bounds import sequence_lengths
        from rlscale.lab.model import ModelConfig
        from rlscale.lab.rl import derive_seed
        from rlscale.lab.tokenizer import CharTokenizer

        torch.set_num_threads(cfg.threads)
        self.run, self.cfg, self.progress = run, cfg, progress
        self.task = cfg.task.build()
        self.tok = CharTokenizer(self.task.alphabet)
        self.max_new, max_seq = sequence_lengths(self.task, cfg)
        self.mcfg = ModelConfig.from_size(cfg.model.depth, self.tok.vocab_size, max_seq)
        self.init_seed = derive_seed(cfg.seed, "init")
        self.test = self.task.problems("test", cfg.eval.num_problems,
                                       seed=derive_seed(cfg.seed, "test-problems"), unique=True)
        self.steps = checkpoint_steps(cfg.rl.steps, cfg.rl.num_checkpoints)

    # The native steps another engine reuses (rlscale.lab.engines), as methods so that an engine
    # needs no import of this module (no runner <-> engine cycle).
    def base_state(self):
        """The pre-trained base model's state and pre-training FLOPs (trained or loaded)."""
        return _base_state(self)

    def pretrained(self, cfg: LabConfig, final: Path, state_path: Path, *, tag: dict, keep):
        """A model pre-trained with *cfg* (:func:`pretrained`; for :mod:`.pretrain_axis`)."""
        return pretrained(self, cfg, final, state_path, tag=tag, keep=keep)

    def evaluate(self, step: int, state, rl_flops: float) -> dict:
        """The cached evaluation of the checkpoint after *step* RL steps."""
        return _evaluate(self, step, state, rl_flops)

    def new_model(self, state=None):
        from rlscale.lab.model import Policy

        model = Policy(self.mcfg, seed=self.init_seed)
        if state is not None:
            model.load_state_dict(state)
        return model.eval()

    def load(self, path: Path, *keys: str) -> dict:
        """A checkpoint of this run holding "model" and *keys*, checked to fit the run's model."""
        from rlscale.lab.flops import FlopLedger

        ck = torch_load(path, ("model", *keys))

        def check() -> None:
            self.new_model(ck["model"])
            for key in keys:
                {"step": int, "pretrain_flops": float, "ledger": FlopLedger,
                 "optimizer": dict}[key](ck[key])
        fitting(path, self.run, check)
        return ck

    def optimizer(self, model, lr: float):
        import torch

        return torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.0)


def fitting(path: Path, run: RunDir, fn):
    """``fn()``, with a checkpoint that does not fit the run (wrong shapes, types) as one line."""
    try:
        return fn()
    except (RlscaleError, RuntimeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RlscaleError(f"{path}: checkpoint does not fit this run ({short_reason(exc)}); delete "
                           f"it and `rlscale lab resume {run.path}` redoes the work it saved") from None


# ------------------------------------------------------------------------------- pre-training
def _base_state(ctx: _Context):
    """The pre-trained weights and their FLOPs: from the base checkpoint, else (resumed) pre-training."""
    run = ctx.run
    # a restarted base pre-training keeps its own earlier records and the axis models' records
    return pretrained(ctx, ctx.cfg, run.checkpoints / rf.BASE_CHECKPOINT,
                      run.checkpoints / rf.PRETRAIN_STATE, tag={},
                      keep=lambda r, start: ((r.get("phase") == "pretrain" and r["step"] <= start)
                                             or r.get("phase") == rf.PRETRAIN_AXIS_PHASE))


def pretrained(ctx: _Context, cfg: LabConfig, final: Path, state_path: Path, *, tag: dict, keep):
    """A model pre-trained with *cfg* (its ``pretrain`` section) and its FLOPs: loaded from
    *final*, else trained (resumed from *state_path*), saved to *final*. Log records get *tag*
    added; ``keep(record, start_step)`` says which log records survive a (re)start."""
    from rlscale.lab.pretrain import pretrain

    run = ctx.run
    if final.is_file():
        ck = ctx.load(final, "pretrain_flops")
        return ck["model"], float(ck["pretrain_flops"])
    model = ctx.new_model()
    opt = ctx.optimizer(model, cfg.pretrain.learning_rate)
    start, spent = 0, 0.0
    if state_path.is_file():
        ck = ctx.load(state_path, "optimizer", "step", "pretrain_flops")
        model.load_state_dict(ck["model"])
        fitting(state_path, run, lambda: opt.load_state_dict(ck["optimizer"]))
        start, spent = int(ck["step"]), float(ck["pretrain_flops"])
    run.truncate_log(lambda r: keep(r, start))

    def save_state(step: int, flops: float) -> None:
        atomic_torch_save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                           "step": step, "pretrain_flops": flops}, state_path)

    spent = pretrain(model, ctx.task, ctx.tok, cfg, start_step=start, spent=spent, optimizer=opt,
                     on_step=lambda s, rec: run.append_log({**rec, **tag}), save_state=save_state,
                     progress=ctx.progress)
    atomic_torch_save({"model": model.state_dict(), "pretrain_flops": spent}, final)
    state_path.unlink(missing_ok=True)
    return model.state_dict(), spent


# ------------------------------------------------------------------------------- evaluation
def _evaluate(ctx: _Context, step: int, state, rl_flops: float) -> dict:
    """The cached evaluation of the checkpoint after *step* RL steps (computed if missing)."""
    from rlscale.lab.inference import evaluate_policy
    from rlscale.lab.rl import derive_seed

    cached = ctx.run.read_eval(step)
    if cached is not None:
        return cached
    model = ctx.new_model(state)
    doc = evaluate_policy(model, ctx.tok, ctx.task, ctx.test, ctx.cfg.eval, max_new=ctx.max_new,
                          seed=derive_seed(ctx.cfg.seed, "eval", step), progress=ctx.progress,
                          label=f"evaluating step {step}")
    doc.update(step=step, rl_flops=rl_flops)
    ctx.run.write_eval(step, doc)
    return doc


# ------------------------------------------------------------------------------- RL
_PRE = ("pretrain", rf.PRETRAIN_AXIS_PHASE)   # log phases an RL restart keeps whole


def _ckpt_path(ctx: _Context, step: int, budget: int | None = None) -> Path:
    return ctx.run.checkpoints / rf.rl_checkpoint(step, budget)


def _rl_single(ctx: _Context, base, pretrain_flops: float) -> dict:
    """One RL run; the checkpoint after s steps stands for budget s. Returns the final ledger."""
    from rlscale.lab.flops import FlopLedger
    from rlscale.lab.rl import train_rl

    cfg, run = ctx.cfg, ctx.run
    done = [s for s in ctx.steps if _ckpt_path(ctx, s).is_file()]
    model = ctx.new_model(base)
    opt = ctx.optimizer(model, cfg.rl.learning_rate)
    ledger = FlopLedger({"pretrain": pretrain_flops})
    start = 0
    if done:
        last = _ckpt_path(ctx, done[-1])
        ck = ctx.load(last, "optimizer", "step", "ledger")
        model.load_state_dict(ck["model"])
        fitting(last, run, lambda: opt.load_state_dict(ck["optimizer"]))
        ledger = FlopLedger(ck["ledger"])
        start = int(ck["step"])
    run.truncate_log(lambda r: r.get("phase") in _PRE or r["step"] <= start)
    for s in done:  # evaluations a crash may have skipped
        ck = ctx.load(_ckpt_path(ctx, s), "ledger")
        _evaluate(ctx, s, ck["model"], FlopLedger(ck["ledger"]).rl_total)
    ref = ctx.new_model(base) if cfg.rl.beta > 0 else None

    def on_checkpoint(step: int) -> None:
        atomic_torch_save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                           "step": step, "ledger": ledger.to_dict()}, _ckpt_path(ctx, step))
        _evaluate(ctx, step, model.state_dict(), ledger.rl_total)

    train_rl(model, ref, opt, ctx.task, ctx.tok, cfg, start_step=start, end_step=cfg.rl.steps,
             total_steps=cfg.rl.steps, max_new=ctx.max_new, ledger=ledger,
             checkpoint_steps=set(ctx.steps), on_checkpoint=on_checkpoint,
             on_step=run.append_log, progress=ctx.progress)
    return ledger.to_dict()


def _rl_per_budget(ctx: _Context, base, pretrain_flops: float) -> dict:
    """One RL run from the base model per budget (its own schedule); returns the summed ledger."""
    from rlscale.lab.flops import COMPONENTS, FlopLedger
    from rlscale.lab.rl import train_rl

    cfg, run = ctx.cfg, ctx.run
    total = FlopLedger({"pretrain": pretrain_flops})
    finished = [b for b in ctx.steps if _ckpt_path(ctx, b, b).is_file()]
    run.truncate_log(lambda r: r.get("phase") in _PRE or r.get("budget") in finished)
    for budget in ctx.steps:
        path = _ckpt_path(ctx, budget, budget)
        if not path.is_file():
            model = ctx.new_model(base)
            opt = ctx.optimizer(model, cfg.rl.learning_rate)
            ledger = FlopLedger()
            ref = ctx.new_model(base) if cfg.rl.beta > 0 else None
            train_rl(model, ref, opt, ctx.task, ctx.tok, cfg, start_step=0, end_step=budget,
                     total_steps=budget, max_new=ctx.max_new, ledger=ledger, checkpoint_steps=set(),
                     on_checkpoint=lambda s: None,
                     on_step=lambda rec, b=budget: run.append_log({**rec, "budget": b}),
                     progress=ctx.progress)
            atomic_torch_save({"model": model.state_dict(), "step": budget,
                               "ledger": ledger.to_dict()}, path)
        ck = ctx.load(path, "ledger")
        ledger = FlopLedger(ck["ledger"])
        _evaluate(ctx, budget, ck["model"], ledger.rl_total)
        for c in COMPONENTS:
            if c != "pretrain":
                total.add(c, ledger[c])
    return total.to_dict()


# ------------------------------------------------------------------------------- observations
def effective_n(score: float, stderr: float, attempts: int, problems: int) -> float:
    """Independent Bernoulli trials with the same sampling error: ``p (1 - p) / stderr**2``.

    The samples of one problem are correlated (an easy problem is solved by most of them), so the
    graded attempts overstate the information in a score; the analysis core weighs points as
    binomial with ``n`` trials, so the run reports this effective ``n`` (between 1 and the
    attempts) and keeps the attempts in their own column. With no spread (``stderr == 0``) the
    problems are the independent units.
    """
    if stderr > 0 and 0 < score < 1:
        return float(min(max(score * (1 - score) / stderr ** 2, 1.0), attempts))
    return float(problems)


def build_observations(ctx: _Context, evals: list[dict], axis: list[dict] = (),
                       pretrain_flops: float = 0.0):
    """The observation table of the run, in a fixed order: the core schema (``n`` = effective
    number of independent trials, see :func:`effective_n`) plus ``stderr`` (the score's sampling
    error) and ``attempts`` (graded attempts behind the score). *axis*: the cached evaluations
    of the pre-training axis models, whose curve ends at the base model (*pretrain_flops*)."""
    import pandas as pd

    from rlscale.lab.inference import parse_budget
    from rlscale.lab.pretrain_axis import observation_rows

    cfg = ctx.cfg
    problems = cfg.eval.num_problems
    strategy, k = parse_budget(cfg.eval.rl_budget, cfg.eval.samples_per_problem)
    common = {"compute_unit": "flop", "benchmark": f"{cfg.task.name}-d{cfg.task.difficulty}-test",
              "model": (Path(cfg.model.hf_path).name if cfg.model.hf_path
                        else f"lab-depth{cfg.model.depth}"), "source": f"rlscale lab run (seed {cfg.seed})",
              "provenance": "measured"}
    rows = []
    for ev in evals:
        if ev["step"] == 0:
            continue  # the base model has spent no RL compute: not a point on a log axis
        r = next(r for r in ev["rows"] if r["strategy"] == strategy and r["k"] == k)
        rows.append({"curve": rf.RL_CURVE, "axis": "rl", "compute": ev["rl_flops"], "score": r["score"],
                     "n": effective_n(r["score"], r["stderr"], r["n"], problems),
                     "attempts": r["n"], "note": OBS_NOTE_RL.format(budget=cfg.eval.rl_budget,
                                                             p=cfg.eval.num_problems),
                     "stderr": r["stderr"], **common})
    rows += observation_rows(cfg, list(axis), evals[0], pretrain_flops, common, effective_n)
    for ev in evals:
        for s in cfg.eval.strategies:
            for r in (r for r in ev["rows"] if r["strategy"] == s):
                what = f"budget {r['k']} thinking tokens" if s == "think" else f"k={r['k']}"
                rows.append({"curve": rf.inference_curve(s, ev["step"]), "axis": "inference",
                             "compute": r["compute"], "score": r["score"],
                             "n": effective_n(r["score"], r["stderr"], r["n"], problems),
                             "attempts": r["n"],
                             "note": f"{s} {what}; compute = inference FLOPs per problem",
                             "stderr": r["stderr"], **common})
    cols = ["curve", "axis", "compute", "score", "compute_unit", "n", "benchmark", "model",
            "source", "provenance", "note", "stderr", "attempts"]
    return pd.DataFrame(rows, columns=cols)


def _finish(ctx: _Context, ledger: dict, started: float, axis: list[dict] = ()) -> None:
    from rlscale.data import write_observations
    from rlscale.lab.pretrain_axis import ledger_parts

    run, cfg = ctx.run, ctx.cfg
    evals = [run.read_eval(s) for s in [0, *ctx.steps]]
    ledger = dict(ledger)
    ledger["eval_inference"] = sum(ev["flops"] for ev in evals)
    extra = ledger_parts(list(axis))
    rl_total = sum(v for c, v in ledger.items() if c not in ("pretrain", "eval_inference"))
    ledger.update(extra)
    atomic_write_json(run.ledger_path, {"unit": "FLOP", "flops": ledger, "rl_total": rl_total})
    write_observations(build_observations(ctx, evals, axis, ledger.get("pretrain", 0.0)),
                       run.observations_path)
    from rlscale.lab.inference import parse_budget

    strategy, k = parse_budget(cfg.eval.rl_budget, cfg.eval.samples_per_problem)

    def budget_score(ev):
        r = next(r for r in ev["rows"] if r["strategy"] == strategy and r["k"] == k)
        return {"step": ev["step"], "score": r["score"], "stderr": r["stderr"]}

    curves = [rf.RL_CURVE] + ([rf.PRETRAIN_CURVE] if axis else []) + [
        rf.inference_curve(s, ev["step"]) for ev in evals for s in cfg.eval.strategies]
    run.write_manifest(status="complete", curves=curves,
                       main_inference_curve=rf.inference_curve(cfg.eval.main_strategy, ctx.steps[-1]),
                       base_score=budget_score(evals[0]), final_score=budget_score(evals[-1]),
                       checkpoint_steps=ctx.steps,
                       wall_seconds_last_session=round(time.monotonic() - started, 1))


# ------------------------------------------------------------------------------- entry points
def _progress():
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                    console=Console(stderr=True))


def _execute(run: RunDir, cfg: LabConfig) -> None:
    import torch

    started = time.monotonic()
    threads = torch.get_num_threads()  # restored afterwards: callers keep their own setting
    run.start(cfg.to_dict(), cfg.digest())
    try:
        with _progress() as progress:
            try:
                ctx = _Context(run, cfg, progress)
                if cfg.engine != "native":  # another engine's RL phase (rlscale.lab.engines)
                    from rlscale.lab.engines import rl_phase

                    ledger, axis = rl_phase(ctx), []
                else:
                    ledger, axis = _native(ctx)
                _finish(ctx, ledger, started, axis)
            except BaseException:
                if not progress.console.is_terminal:   # no final print of the bars (or of an
                    progress.console.quiet = True      # empty line): the error line stands alone
                raise
    except BaseException:
        run.write_manifest(status="interrupted")
        raise
    finally:
        torch.set_num_threads(threads)


def _native(ctx: _Context) -> tuple[dict, list[dict]]:
    """Pre-training, RL and the pre-training axis (in a second process alongside, if so set)."""
    from rlscale.lab import pretrain_axis

    worker = pretrain_axis.start(ctx)
    try:
        base, pretrain_flops = _base_state(ctx)
        _evaluate(ctx, 0, base, 0.0)
        rl = _rl_single if ctx.cfg.rl.runs == "single" else _rl_per_budget
        ledger = rl(ctx, base, pretrain_flops)
        pretrain_axis.finish(ctx, worker)
    finally:
        pretrain_axis.stop(worker)
    return ledger, pretrain_axis.run_axis(ctx)


def _check_new(out: Path) -> None:
    if (out / rf.MANIFEST).exists():
        raise RlscaleError(f"{out}: already holds a lab run; continue it with "
                           f"`rlscale lab resume {out}` or choose another -o")
    if out.exists() and (not out.is_dir() or any(p.name != rf.LOCK for p in out.iterdir())):
        raise RlscaleError(f"{out}: exists and is not an empty directory")


def run(cfg: LabConfig, out: str | Path) -> Path:
    """Start a new run of *cfg* in directory *out* (which must not hold a run yet)."""
    from rlscale.lab.pretrain_axis import check

    out = Path(out)
    check(cfg)                   # what needs the task: before anything is written
    _check_new(out)              # before the lock file is made: nothing written into a user's folder
    with hold(out, "rlscale lab run"):
        _check_new(out)          # again, holding the lock: another process may have started
        _execute(RunDir(out), cfg)
    return out


def resume(path: str | Path) -> Path:
    """Continue the run in *path* from its last saved state; refuses a changed config."""
    run = RunDir.open(path)
    with hold(run.path, "rlscale lab resume"):
        cfg = _resumable_config(run, path)
        _execute(run, cfg)
    return run.path


def _resumable_config(run: RunDir, path) -> LabConfig:
    manifest = run.manifest()   # holding the run's lock: no other process is writing it
    if not run.config_path.is_file() and isinstance(manifest.get("config"), dict):
        atomic_write_json(run.config_path, manifest["config"])  # killed between the two writes
    try:
        doc = json.loads(run.config_path.read_text())
    except (OSError, ValueError) as exc:
        raise RlscaleError(f"{run.config_path}: unreadable config: {exc}") from None
    cfg = config_from_dict(doc, origin=str(run.config_path))
    if cfg.digest() != manifest.get("config_digest"):
        raise RlscaleError(f"{run.config_path}: the config changed since the run started; "
                           "resume only continues the same config (start a new run with -o)")
    return cfg
