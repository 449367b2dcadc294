"""Benchmark ``rlscale report``: the built-in catalog and a large user file.

    .venv/bin/python benchmarks/bench_report.py            # catalog + 10,000 rows, 3 runs each
    .venv/bin/python benchmarks/bench_report.py --rows 10000 --runs 1
    .venv/bin/python benchmarks/bench_report.py --write-only big.csv   # just make the file

Each run is the real command in a fresh process (``python -m rlscale report ...``), so import
time, fitting, drawing and writing are all counted. Targets (issue 4): catalog <= 15 s, 10,000
rows <= 60 s. The machine is shared, so the script prints every run and the median.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np


def make_user_file(path: Path, rows: int = 10_000, curves: int = 20, seed: int = 0) -> Path:
    """Write a synthetic observation CSV with ``rows`` rows over ``curves`` curves.

    Half the curves are RL, half inference. Each is a logistic in log10 compute sampled at
    log-spaced compute values, with binomial noise from ``n`` graded attempts per point (so
    the report draws error bars and uses the parametric bootstrap, the expensive path).
    """
    rng = np.random.default_rng(seed)
    per_curve = rows // curves
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["curve", "axis", "compute", "score", "compute_unit", "n", "benchmark",
                    "model", "source", "provenance"])
        written = 0
        for c in range(curves):
            axis = "rl" if c % 2 == 0 else "inference"
            slope = (0.15 if axis == "rl" else 0.30) * rng.uniform(0.8, 1.2)  # per decade
            count = per_curve if c < curves - 1 else rows - written
            x = np.sort(rng.uniform(0, 4, count))
            p = 1 / (1 + np.exp(-4 * slope * (x - 2)))  # slope per decade at the midpoint
            n = rng.choice([32, 64, 128], count)
            score = rng.binomial(n, p) / n
            for xi, si, ni in zip(x, score, n):
                w.writerow([f"bench-{axis}-{c:02d}", axis, f"{10 ** (12 + xi):.12g}", f"{si:.6g}",
                            "flop", int(ni), "synthetic", f"model-{c % 4}",
                            "benchmarks/bench_report.py", "derived"])
            written += count
    return path


def time_report(args: list[str], out: Path) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one ``rlscale report`` process.

    On a shared machine the CPU time is the better guide to the time on an idle one.
    """
    from _timing import time_child

    cmd = [sys.executable, "-m", "rlscale", "report", *args, "-o", str(out)]
    elapsed, cpu, proc = time_child(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"report failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--write-only", type=Path, default=None,
                    help="only write the synthetic file to this path")
    opts = ap.parse_args()
    if opts.write_only:
        make_user_file(opts.write_only, opts.rows)
        print(f"wrote {opts.rows} rows to {opts.write_only}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big = make_user_file(tmp / "big.csv", opts.rows)
        cases = [("catalog (no arguments)", [], 15.0),
                 (f"user file, {opts.rows:,} rows", [str(big)], 60.0)]
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
        print("| case | wall runs (s) | median wall (s) | median CPU (s) | target (s) |")
        print("|---|---|---|---|---|")
        for name, args, target in cases:
            runs = [time_report(args, tmp / f"rep-{k}") for k in range(opts.runs)]
            walls = ", ".join(f"{w:.1f}" for w, _ in runs)
            print(f"| {name} | {walls} | {statistics.median(w for w, _ in runs):.1f} | "
                  f"{statistics.median(c for _, c in runs):.1f} | {target:.0f} |", flush=True)


if __name__ == "__main__":
    main()
