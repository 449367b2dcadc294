"""``rlscale lab sweep``: a grid of lab runs as Ray Tune trials, aggregated into one table.

The run directory stays the unit of truth: each trial is an ordinary lab run in
``SWEEP_DIR/trials/<trial>/`` (what ``lab run`` would write for the same config and seed), run by
:func:`rlscale.lab.runner.run` or continued by :func:`rlscale.lab.runner.resume` inside a Ray
worker with the declared CPUs (``tune.with_resources``; torch threads = CPUs). Ray Tune schedules
the trials (``tune.Tuner``, records in ``SWEEP_DIR/ray``) on a local Ray started with this
machine's cores, or on an existing cluster (``address``).

One base model per pre-training: the first trial of a group (see :mod:`rlscale.lab.sweep_spec`)
trains it; the others wait until its base checkpoint (``runformat.BASE_CHECKPOINT``) exists, copy it and the pre-training
log into a fresh run directory (built aside and renamed into place, so a trial directory is always
whole) and continue it with ``resume``, which starts from that checkpoint. Trials are queued leaders
first, so with fewer slots than trials no slot waits.

A rerun of a killed sweep skips every trial whose manifest says ``complete`` and resumes the rest;
the sweep directory is locked (:mod:`rlscale.lab.lock`) while a sweep runs in it. When every trial is
complete, :mod:`rlscale.lab.sweep_table` writes the aggregate tables.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from rlscale import runformat as rf
from rlscale.errors import MissingExtraError, RlscaleError
from rlscale.lab.sweep_spec import Sweep, Trial, load_sweep

BASE_POLL_SECONDS = 1.0


@dataclass
class SweepOutcome:
    """What one ``lab sweep`` invocation did."""

    path: Path
    total: int
    skipped: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    wall_seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.failed and len(self.skipped) + len(self.completed) == self.total


# ------------------------------------------------------------------------------- the directory
def trial_dir(sweep_dir: Path, trial: Trial) -> Path:
    return Path(sweep_dir) / rf.SWEEP_TRIALS / trial.name


def trial_status(path: Path) -> str:
    """``complete``, ``running``, ``interrupted`` or ``new`` (no run directory yet)."""
    from rlscale.lab.store import RunDir

    if not (path / rf.MANIFEST).is_file():
        return "new"
    return RunDir.open(path).status()


def sweep_lock(sweep_dir: Path):
    """The sweep directory's lock (:func:`rlscale.lab.lock.hold`): held while a sweep runs in it;
    a second sweep is refused at once with one line naming the process that holds it."""
    from rlscale.lab.lock import hold

    return hold(sweep_dir, "rlscale lab sweep")


def _manifest_path(sweep_dir: Path) -> Path:
    return Path(sweep_dir) / rf.SWEEP_MANIFEST


def read_manifest(sweep_dir: Path) -> dict:
    path = _manifest_path(sweep_dir)
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RlscaleError(f"{path}: unreadable sweep manifest: {exc}") from None
    if doc.get("format") != rf.SWEEP_FORMAT:
        raise RlscaleError(f"{path}: not a lab sweep manifest (format {doc.get('format')!r})")
    return doc


def _write_manifest(sweep_dir: Path, sweep: Sweep, **updates) -> None:
    from rlscale.lab.store import atomic_write_json

    path = _manifest_path(sweep_dir)
    doc = read_manifest(sweep_dir) if path.is_file() else {
        "format": rf.SWEEP_FORMAT, "sweep_file": str(sweep.path), "spec": sweep.doc,
        "digest": sweep.digest(), "configurations": sweep.configurations, "seeds": sweep.seeds,
        "resources": {"cpu": sweep.cpu, "gpu": sweep.gpu},
        "trials": [{"name": t.name, "configuration": t.configuration, "seed": t.seed,
                    "base_from": t.leader} for t in sweep.trials]}
    doc.update(updates)
    atomic_write_json(path, doc)


def _check_directory(sweep_dir: Path, sweep: Sweep) -> None:
    """A new or empty directory, or this same sweep's (a rerun); anything else is refused."""
    if _manifest_path(sweep_dir).is_file():
        if read_manifest(sweep_dir).get("digest") != sweep.digest():
            raise RlscaleError(f"{sweep_dir}: holds a different sweep (its trials or configs "
                               f"differ from {sweep.path}); choose another -o")
    elif sweep_dir.exists() and any(p.name != rf.LOCK for p in sweep_dir.iterdir()):
        raise RlscaleError(f"{sweep_dir}: exists and is not an empty directory or a sweep")


# ------------------------------------------------------------------------------- one trial
def _leader_base(sweep_dir: Path, leader: Trial | None) -> Path | None:
    """The leader's base model, waiting while the leader is still pre-training; None when there
    is none to share (no leader, or the leader stopped before it saved one)."""
    if leader is None:
        return None
    ldir = trial_dir(sweep_dir, leader)
    base = ldir / rf.CHECKPOINTS / rf.BASE_CHECKPOINT
    waited = 0.0
    while not base.is_file():
        status = trial_status(ldir)
        if status in ("complete", "interrupted") or (status == "new" and waited > 120):
            return None
        time.sleep(BASE_POLL_SECONDS)
        waited += BASE_POLL_SECONDS
    return base


def _seed_from_base(path: Path, trial: Trial, base: Path) -> None:
    """A fresh run directory for *trial* holding the shared base model, as a run interrupted right
    after pre-training: built aside, then renamed into place."""
    from rlscale.lab.store import RunDir

    tmp = path.parent / f".{path.name}.seeding"
    shutil.rmtree(tmp, ignore_errors=True)
    run = RunDir(tmp)
    run.start(trial.config, trial.digest)
    shutil.copyfile(base, run.checkpoints / rf.BASE_CHECKPOINT)
    for rec in RunDir(base.parent.parent).read_log():
        if rec.get("phase") == "pretrain":
            run.append_log(rec)
    run.write_manifest(status="interrupted", base_from=str(Path("..") / base.parent.parent.name))
    os.replace(tmp, path)


def execute_trial(sweep_dir: Path, trial: Trial, leader: Trial | None) -> str:
    """Run, continue or skip one trial in this process; returns what it did."""
    from rlscale.lab import runner
    from rlscale.lab.config import config_from_dict

    path = trial_dir(sweep_dir, trial)
    status = trial_status(path)
    if status == "complete":
        return "skipped"
    if status != "new":
        runner.resume(path)
        return "resumed"
    base = _leader_base(sweep_dir, leader)
    if base is not None:
        _seed_from_base(path, trial, base)
        runner.resume(path)
        return "shared base"
    runner.run(config_from_dict(trial.config, origin=f"trial {trial.name}"), path)
    return "ran"


def _trainable(sweep_dir: str, trials: dict[str, tuple[Trial, Trial | None]]):
    """The Ray Tune function trainable: one trial per call, reporting once."""

    def trainable(config: dict) -> None:
        from ray import tune

        trial, leader = trials[config["trial"]]
        started = time.monotonic()
        try:
            what = execute_trial(Path(sweep_dir), trial, leader)
            result = {"outcome": what, "error": ""}
        except Exception as exc:  # noqa: BLE001 - reported as one line; traceback kept on disk
            line = str(exc) if isinstance(exc, RlscaleError) else f"{type(exc).__name__}: {exc}"
            failures = Path(sweep_dir) / rf.SWEEP_FAILURES
            failures.mkdir(exist_ok=True)
            (failures / f"{trial.name}.txt").write_text(traceback.format_exc())
            result = {"outcome": "failed", "error": " ".join(line.split())}
        tune.report({**result, "seconds": round(time.monotonic() - started, 2)})

    return trainable


# ------------------------------------------------------------------------------- Ray
def _import_ray():
    try:
        import ray
        from ray import tune
    except ImportError:
        raise MissingExtraError("ray", "ray") from None
    return ray, tune


def _progress_callback(tune, outcome: SweepOutcome, say):
    class Progress(tune.Callback):
        def on_trial_result(self, iteration, trials, trial, result, **info):
            name = trial.config["trial"]
            if result.get("outcome") == "failed":
                outcome.failed[name] = result.get("error", "")
                say(f"sweep: trial {name} failed: {outcome.failed[name]}")
                return
            outcome.completed.append(name)
            done = len(outcome.completed) + len(outcome.skipped)
            say(f"sweep: {done}/{outcome.total} trials done ({name}: {result.get('outcome')}, "
                f"{result.get('seconds', 0):.0f} s)")

        def on_trial_error(self, iteration, trials, trial, **info):
            name = trial.config["trial"]
            outcome.failed.setdefault(name, "the Ray worker running it died")
            say(f"sweep: trial {name} failed: {outcome.failed[name]}")

    return Progress()


def _start_ray(ray, address: str | None, num_cpus: int | None) -> None:
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")             # no live tables on stdout
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")  # no TensorBoard/CSV files
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    kw = dict(log_to_driver=False, logging_level="ERROR", configure_logging=True)
    if address:
        ray.init(address=address, **kw)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False, **kw)


def _run_trials(sweep: Sweep, sweep_dir: Path, pending: list[Trial], outcome: SweepOutcome, *,
                address: str | None, num_cpus: int | None, say) -> None:
    ray, tune = _import_ray()
    _start_ray(ray, address, num_cpus)
    try:
        by_name = {t.name: t for t in sweep.trials}
        plan = {t.name: (t, by_name.get(t.leader) if t.leader else None) for t in pending}
        resources = {"cpu": sweep.cpu, **({"gpu": sweep.gpu} if sweep.gpu else {})}
        tuner = tune.Tuner(
            tune.with_resources(_trainable(str(sweep_dir.resolve()), plan), resources),
            param_space={"trial": tune.grid_search([t.name for t in pending])},
            tune_config=tune.TuneConfig(reuse_actors=True),  # followers skip a new process
            run_config=tune.RunConfig(
                storage_path=str((sweep_dir / rf.SWEEP_RAY).resolve()),
                name=time.strftime("sweep-%Y%m%d-%H%M%S"), verbose=0,
                callbacks=[_progress_callback(tune, outcome, say)]))
        tuner.fit()
    finally:
        ray.shutdown()


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_sweep(sweep_file: str | Path, out: str | Path | None = None, *,
              address: str | None = None, num_cpus: int | None = None, say=_say) -> SweepOutcome:
    """Run (or continue) the sweep of *sweep_file* in *out*; aggregate when every trial is done."""
    sweep = load_sweep(sweep_file)
    sweep_dir = Path(out) if out is not None else Path("lab-sweeps") / sweep.name
    if address is None and num_cpus is not None and num_cpus < sweep.cpu:
        raise RlscaleError(f"--cpus {num_cpus} is fewer than one trial's resources.cpu "
                           f"({sweep.cpu}) in {sweep.path}")
    started = time.monotonic()
    _check_directory(sweep_dir, sweep)
    with sweep_lock(sweep_dir):
        _check_directory(sweep_dir, sweep)
        _write_manifest(sweep_dir, sweep, status="running")
        outcome = SweepOutcome(path=sweep_dir, total=len(sweep.trials))
        pending = []
        for t in sweep.trials:
            if trial_status(trial_dir(sweep_dir, t)) == "complete":
                outcome.skipped.append(t.name)
            else:
                pending.append(t)
        if outcome.skipped:
            say(f"sweep: {len(outcome.skipped)}/{outcome.total} trials already complete; "
                f"running {len(pending)}")
        try:
            if pending:
                _run_trials(sweep, sweep_dir, pending, outcome, address=address,
                            num_cpus=num_cpus, say=say)
        finally:
            outcome.wall_seconds = round(time.monotonic() - started, 1)
            _finish(sweep, sweep_dir, outcome)
    return outcome


def _finish(sweep: Sweep, sweep_dir: Path, outcome: SweepOutcome) -> None:
    """Aggregate when every trial is complete; record the sweep's status either way."""
    from rlscale.lab.sweep_table import write_tables

    status = {t.name: trial_status(trial_dir(sweep_dir, t)) for t in sweep.trials}
    done = sum(s == "complete" for s in status.values())
    if done == len(sweep.trials):
        write_tables(sweep_dir, [(trial_dir(sweep_dir, t), t.configuration, t.seed)
                                 for t in sweep.trials])
    _write_manifest(sweep_dir, sweep, status="complete" if done == len(sweep.trials) else
                    "incomplete", trials_complete=done,
                    wall_seconds_last_session=outcome.wall_seconds)
