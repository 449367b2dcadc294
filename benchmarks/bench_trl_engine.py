"""The TRL engine against the native engine on the same work: the ``default`` preset, one seed.

Runs ``rlscale lab run --preset default`` twice, one engine at a time (``--engine native``, then
``--engine trl``), with the same seed and the same config (``threads = 1`` as the preset has). Both
pre-train the same base natively, so their step-0 scores are identical; the TRL run exports it with
``Policy.to_hf()`` and trains it with TRL's ``GRPOTrainer``. ``--steps`` overrides ``rl.steps`` for
both (default 128, half the preset's 256, to keep the benchmark at ~7 min on 2 cores; ``--steps
256`` runs the full preset).

Step time: ``log.jsonl`` carries no timestamps, so this script polls each run's ``log.jsonl``
(every 50 ms) and stamps every RL record when it appears. The native engine evaluates each
checkpoint between steps and TRL saves each checkpoint between steps, so the gap after a
checkpoint step is left out; the per-step time is the median (and mean) of the other gaps, and
"RL train time" is that mean x steps (pre-training and evaluation excluded). RL FLOPs are the
ledger's ``rl_total``; base and final pass@1 with their standard errors are the manifest's
``base_score`` / ``final_score``.

Run::

    .venv/bin/python benchmarks/bench_trl_engine.py                     # rl.steps = 128, seed 0
    .venv/bin/python benchmarks/bench_trl_engine.py --steps 256 --json trl-bench.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ENGINES = ("native", "trl")
POLL_S = 0.05


def _watch(log: Path, stamps: dict[int, float], done: threading.Event) -> None:
    """Stamp each RL record of *log* with the monotonic time it was first seen."""
    offset, tail = 0, b""
    while not done.is_set():
        if log.exists():
            with log.open("rb") as fh:
                fh.seek(offset)
                chunk = fh.read()
            offset += len(chunk)
            now = time.monotonic()
            *lines, tail = (tail + chunk).split(b"\n")
            for line in lines:
                rec = json.loads(line) if line.strip() else {}
                if rec.get("phase") == "rl" and rec["step"] not in stamps:
                    stamps[rec["step"]] = now
        done.wait(POLL_S)


def _step_times(stamps: dict[int, float], checkpoints: list[int]) -> list[float]:
    """Gaps between consecutive RL records, without the gap after a checkpoint (eval or save)."""
    steps = sorted(stamps)
    return [stamps[b] - stamps[a] for a, b in itertools.pairwise(steps)
            if b == a + 1 and a not in checkpoints]


def run_engine(engine: str, config: Path, seed: int, out: Path) -> dict:
    """One ``lab run``; its timings, ledger and scores."""
    run_dir = out / engine
    cmd = [sys.executable, "-m", "rlscale", "lab", "run", "--preset", "default",
           "--config", str(config), "--seed", str(seed), "--engine", engine, "-o", str(run_dir)]
    stamps: dict[int, float] = {}
    done = threading.Event()
    watcher = threading.Thread(target=_watch, args=(run_dir / "log.jsonl", stamps, done))
    watcher.start()
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              check=False)
    finally:
        done.set()
        watcher.join()
    wall = time.monotonic() - start
    if proc.returncode:
        raise SystemExit(f"{engine}: lab run failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    manifest = json.loads((run_dir / "rlscale-run.json").read_text())
    ledger = json.loads((run_dir / "ledger.json").read_text())
    gaps = _step_times(stamps, manifest["checkpoint_steps"])
    mean = statistics.fmean(gaps)
    steps = max(stamps)
    return {"engine": engine, "wall_s": wall, "manifest_wall_s": manifest["wall_seconds_last_session"],
            "steps": steps, "step_median_s": statistics.median(gaps), "step_mean_s": mean,
            "rl_train_s": mean * steps, "gaps_used": len(gaps),
            "rl_flops": ledger["rl_total"], "pretrain_flops": ledger["flops"]["pretrain"],
            "prefill_flops": ledger["flops"]["rollout_prefill"],
            "base": manifest["base_score"], "final": manifest["final_score"]}


def _pct(s: dict) -> str:
    return f"{100 * s['score']:.1f} % ± {100 * s['stderr']:.1f}"


def table(results: list[dict]) -> str:
    """The side-by-side Markdown table."""
    rows = [("RL steps", lambda r: str(r["steps"])),
            ("time per RL step (median)", lambda r: f"{r['step_median_s']:.3f} s"),
            ("time per RL step (mean)", lambda r: f"{r['step_mean_s']:.3f} s"),
            ("RL train time (mean x steps)", lambda r: f"{r['rl_train_s']:.1f} s"),
            ("wall time of the whole run", lambda r: f"{r['wall_s']:.1f} s"),
            ("RL FLOPs (ledger rl_total)", lambda r: f"{r['rl_flops']:.4g}"),
            ("of which rollout_prefill", lambda r: f"{r['prefill_flops']:.5g}"),
            ("pre-training FLOPs", lambda r: f"{r['pretrain_flops']:.4g}"),
            ("base pass@1 (step 0) ± stderr", lambda r: _pct(r["base"])),
            (f"final pass@1 (step {results[0]['final']['step']}) ± stderr", lambda r: _pct(r["final"]))]
    head = "| | " + " | ".join(r["engine"] for r in results) + " |"
    lines = [head, "| --- |" + " ---: |" * len(results)]
    for name, cell in rows:
        lines.append(f"| {name} | " + " | ".join(cell(r) for r in results) + " |")
    if len(results) == 2:
        a, b = results
        lines.append(f"| trl / native, time per step (median) | | "
                     f"{b['step_median_s'] / a['step_median_s']:.2f} x |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=128, help="rl.steps for both engines (preset: 256)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    ap.add_argument("--keep", type=Path, help="keep the run directories here (default: a temp dir)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        config = out / "bench-trl.toml"
        config.write_text(f"[rl]\nsteps = {args.steps}\n")
        load = os.getloadavg()[0]
        results = []
        for engine in args.engines:
            print(f"{engine}: lab run --preset default, rl.steps={args.steps}, seed {args.seed} ...",
                  file=sys.stderr, flush=True)
            results.append(run_engine(engine, config, args.seed, out))
            print(f"  done in {results[-1]['wall_s']:.1f} s", file=sys.stderr, flush=True)
    print(f"1-min load average at start: {load:.2f}; at end: {os.getloadavg()[0]:.2f}")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
