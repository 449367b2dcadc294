"""Pre-training as a third axis: base models at log-spaced pre-training budgets: one more curve.

Its id is ``runformat.PRETRAIN_CURVE``.

With ``pretrain.axis_budgets = N`` (> 0) a run has N base models on one pre-training curve. The
run's own base model (``pretrain.flop_budget``, the one RL starts from) is the largest point; the
other N-1 are trained from scratch at ``flop_budget x 10^(-span k / (N-1))``, k = 1 .. N-1
(``span = pretrain.axis_span_oom``), each a full pre-training run with its own warm-up / cosine
schedule for its budget, the same seed (same initial weights) and the same data order rule
(step ``s`` sees the batch of ``(seed, "pretrain", s)``) as the main base model.

Every model is scored on the run's test problems at the RL curve's fixed inference setting
(``eval.rl_budget``, e.g. pass@1), from ``eval.samples_per_problem`` parallel samples per problem:
the cheapest evaluation the lab already computes for a checkpoint (no thinking budgets, no other
strategies). The largest point's score is the base model's own evaluation (step 0).

The axis runs after RL, serially, one model at a time; with ``pretrain.axis_workers = 1`` in a
second process (:func:`start`) while the base model pre-trains and RL runs, on the second core:
each model is the same computation on one torch thread either way, so its files are the same
byte for byte. That process writes its step records to ``runformat.AXIS_LOG``, which the run
moves into the step log after RL (:func:`finish`), where a serial run writes them. Each model's
pre-training state, final weights and evaluation are files of the run directory (names from
:mod:`rlscale.runformat`), so a crash loses at most the model in progress since its last saved
state, and ``lab resume`` goes on; the second process ends when the run's process does.
Its pre-training FLOPs are the ledger's ``pretrain_axis`` component, its evaluation FLOPs
``pretrain_axis_eval``; neither is RL compute.
"""

from __future__ import annotations

from dataclasses import replace

from rlscale import runformat as rf
from rlscale.errors import RlscaleError
from rlscale.lab.store import atomic_write_json, read_json

OBS_NOTE = ("score at {budget} (unbiased) on {p} held-out test problems vs pre-training FLOPs of a "
            "base model trained from scratch at that budget")
_AXIS_KEYS = {"rows": list, "flops": (int, float), "pretrain_flops": (int, float),
              "budget": (int, float), "index": int}


def axis_budgets(pc) -> list[float]:
    """The N-1 budgets (FLOPs) of the axis models below ``pc.flop_budget``, index 1 first
    (largest); empty when the axis is off."""
    n = pc.axis_budgets
    return [pc.flop_budget * 10 ** (-pc.axis_span_oom * k / (n - 1)) for k in range(1, n)]


def check(cfg) -> None:
    """Before anything is written: the smallest axis budget must buy more steps than the warm-up."""
    pc = cfg.pretrain
    budgets = axis_budgets(pc)
    if not budgets:
        return
    from rlscale.lab.bounds import sequence_lengths
    from rlscale.lab.pretrain import estimate_steps
    from rlscale.lab.shape import ModelConfig
    from rlscale.lab.tokenizer import CharTokenizer

    task = cfg.task.build()
    tok = CharTokenizer(task.alphabet)
    mcfg = ModelConfig.from_size(cfg.model.depth, tok.vocab_size, sequence_lengths(task, cfg)[1])
    steps = estimate_steps(task, tok, mcfg, pc.batch_size, budgets[-1], cfg.seed)
    if steps <= pc.warmup_steps:
        raise RlscaleError(f"config key 'pretrain.axis_span_oom': the smallest pre-training axis "
                           f"budget ({budgets[-1]:.3g} FLOPs) buys about {steps} steps, not more "
                           f"than pretrain.warmup_steps ({pc.warmup_steps}); lower axis_span_oom "
                           "or raise pretrain.flop_budget")


def _eval_settings(ev):
    """The evaluation of an axis model: only the strategy of ``eval.rl_budget``, no thinking."""
    from rlscale.lab.inference import parse_budget

    strategy, _ = parse_budget(ev.rl_budget, ev.samples_per_problem)
    return replace(ev, strategies=[strategy], main_strategy=strategy)


def read_axis_eval(run, index: int) -> dict | None:
    """The cached evaluation of axis model *index*; None if not computed yet."""
    path = run.evals / rf.pretrain_axis_eval(index)
    if not path.is_file():
        return None
    fix = f"delete it and `rlscale lab resume {run.path}` recomputes it from its checkpoint"
    doc = read_json(path, "cached evaluation", fix)
    ok = isinstance(doc, dict) and all(
        isinstance(doc.get(k), t) and not isinstance(doc.get(k), bool) for k, t in _AXIS_KEYS.items())
    if not ok or doc["index"] != index:
        raise RlscaleError(f"{path}: not a cached evaluation of pre-training axis model {index}; "
                           f"{fix}")
    return doc


def _pending(run, cfg) -> bool:
    return any(read_axis_eval(run, i) is None for i in range(1, len(axis_budgets(cfg.pretrain)) + 1))


def start(ctx):
    """With ``pretrain.axis_workers = 1`` and axis models still to train: the second process
    that trains and evaluates them (:func:`_worker`), started; else None."""
    import multiprocessing
    import os

    if not (ctx.cfg.pretrain.axis_workers and _pending(ctx.run, ctx.cfg)):
        return None
    mp = multiprocessing.get_context("spawn")
    receive, send = mp.Pipe(duplex=False)
    proc = mp.Process(target=_worker, name="rlscale axis models", daemon=True,
                      args=(type(ctx), str(ctx.run.path), ctx.cfg.to_dict(), os.getpid(), send))
    proc.start()
    send.close()
    return proc, receive


def _worker(context, path: str, config: dict, parent: int, send) -> None:
    """The second process: :func:`run_axis` on the run in *path*, step records to AXIS_LOG;
    sends None when done or the error's one line. Ends when the run's process *parent* does.
    *context* is the run's context class (``runner._Context``, passed: no import cycle)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the run's: it stops this process
    _exit_with(parent)
    from rlscale.lab.config import config_from_dict

    try:
        run_axis(context(_with_axis_log(path), config_from_dict(config), None))
    except RlscaleError as exc:
        send.send(str(exc))
        return
    send.send(None)


def _with_axis_log(path):
    """The run directory *path* with its step log in ``runformat.AXIS_LOG`` (the second process's
    records, while it runs)."""
    from rlscale.lab.store import RunDir

    run = RunDir(path)
    run.log_path = run.path / rf.AXIS_LOG
    return run


def _exit_with(parent: int) -> None:
    """End this process as soon as *parent* is gone (killed, even by SIGKILL): a thread that
    checks every 0.2 s, so no orphan goes on writing the run while ``lab resume`` starts anew."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def finish(ctx, worker) -> None:
    """Wait for the second process (a bar counts its models), stop it if the run stops, and
    move its step records into the step log, after those of RL (as a serial run has them)."""
    run, n = ctx.run, len(axis_budgets(ctx.cfg.pretrain))
    if worker is not None:
        try:
            error = _wait(ctx, worker, n)
        finally:
            stop(worker)
        if error is not None:
            raise RlscaleError(f"pre-training axis (second process): {error}; "
                               f"`rlscale lab resume {run.path}` goes on")
    side = _with_axis_log(run.path)
    if side.log_path.is_file():   # one atomic rewrite, then the file goes: a crash between is safe
        run.write_log([r for r in run.read_log() if r.get("phase") != rf.PRETRAIN_AXIS_PHASE]
                      + side.read_log())
        side.log_path.unlink()


def _wait(ctx, worker, n: int) -> str | None:
    """The second process's result (None, or its error's line), a progress bar meanwhile."""
    proc, receive = worker
    bar = ctx.progress.add_task("pre-training axis models (second process)", total=n)
    while proc.is_alive() and not receive.poll(0.5):
        ctx.progress.update(bar, completed=sum(read_axis_eval(ctx.run, i) is not None
                                               for i in range(1, n + 1)))
    try:
        message = receive.recv()
    except EOFError:   # it died without a word (killed, or a bug: its traceback is above)
        proc.join()
        message = f"it ended with exit code {proc.exitcode}"
    ctx.progress.update(bar, completed=n if message is None else None)
    return message


def stop(worker) -> None:
    """End the second process (if any) now; its saved states stay for ``lab resume``."""
    if worker is not None:
        proc, _ = worker
        if proc.is_alive():
            proc.terminate()
        proc.join()


def run_axis(ctx) -> list[dict]:
    """Pre-train (or load) and evaluate every axis model; their cached evaluations, index order."""
    from rlscale.lab.inference import evaluate_policy
    from rlscale.lab.rl import derive_seed

    run, cfg = ctx.run, ctx.cfg
    docs = []
    for i, budget in enumerate(axis_budgets(cfg.pretrain), 1):
        doc = read_axis_eval(run, i)
        if doc is None:
            state, flops = _pretrain_one(ctx, i, budget)
            doc = evaluate_policy(ctx.new_model(state), ctx.tok, ctx.task, ctx.test,
                                  _eval_settings(cfg.eval), max_new=ctx.max_new,
                                  seed=derive_seed(cfg.seed, "axis-eval", i),
                                  progress=ctx.progress,
                                  label=f"evaluating pre-training axis model {i}")
            doc.update(index=i, budget=budget, pretrain_flops=flops)
            atomic_write_json(run.evals / rf.pretrain_axis_eval(i), doc)
        docs.append(doc)
    return docs


def _pretrain_one(ctx, index: int, budget: float):
    """Axis model *index*: the run's config with ``flop_budget = budget``, resumable."""
    cfg = replace(ctx.cfg, pretrain=replace(ctx.cfg.pretrain, flop_budget=budget))
    ck = ctx.run.checkpoints

    def mine(r) -> bool:
        return r.get("phase") == rf.PRETRAIN_AXIS_PHASE and r.get("axis_model") == index

    return ctx.pretrained(cfg, ck / rf.pretrain_axis_checkpoint(index),
                          ck / rf.pretrain_axis_state(index),
                          tag={"phase": rf.PRETRAIN_AXIS_PHASE, "axis_model": index},
                          keep=lambda r, start: not mine(r) or r["step"] <= start)


def ledger_parts(docs: list[dict]) -> dict[str, float]:
    """The ledger components of the axis (empty when it is off)."""
    if not docs:
        return {}
    return {"pretrain_axis": float(sum(d["pretrain_flops"] for d in docs)),
            "pretrain_axis_eval": float(sum(d["flops"] for d in docs))}


def observation_rows(cfg, docs: list[dict], base_eval: dict, base_flops: float, common: dict,
                     effective_n) -> list[dict]:
    """The pre-training curve's rows, smallest budget first (the run's base model last)."""
    from rlscale.lab.inference import parse_budget

    if not docs:
        return []
    strategy, k = parse_budget(cfg.eval.rl_budget, cfg.eval.samples_per_problem)
    problems = cfg.eval.num_problems
    points = [(d["pretrain_flops"], d) for d in reversed(docs)] + [(base_flops, base_eval)]
    rows = []
    for flops, ev in points:
        r = next(r for r in ev["rows"] if r["strategy"] == strategy and r["k"] == k)
        rows.append({"curve": rf.PRETRAIN_CURVE, "axis": "pretrain", "compute": float(flops),
                     "score": r["score"], "n": effective_n(r["score"], r["stderr"], r["n"], problems),
                     "attempts": r["n"], "stderr": r["stderr"],
                     "note": OBS_NOTE.format(budget=cfg.eval.rl_budget, p=problems), **common})
    return rows


def three_way_section(run_dir, doc: dict) -> dict:
    """``{"three_way": ...}`` for ``lab show`` (:mod:`rlscale.convert.three_way`, against the
    inference curve of *doc*'s ``comparison``, the headline pair) when the run's curves (*doc*'s
    ``curves``) hold the pre-training curve; ``{}`` otherwise. Torch-free."""
    if rf.PRETRAIN_CURVE not in {c.get("id") for c in doc.get("curves", [])}:
        return {}
    try:
        from rlscale.convert.three_way import three_way_of
    except ImportError as exc:  # the analysis core is not installed in this checkout
        return {"three_way": {"error": f"analysis core unavailable: {exc}"}}
    inference = (doc.get("comparison") or {}).get("inference") or doc.get("main_inference_curve")
    return {"three_way": three_way_of(run_dir, pretrain_curve=rf.PRETRAIN_CURVE,
                                      rl_curve=rf.RL_CURVE, inference_curve=str(inference))}
